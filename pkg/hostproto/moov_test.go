package hostproto_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/moov-io/iso8583"

	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/hostproto/moovspec"
)

// The codec and moov-io/iso8583 (through package moovspec, built from the
// same field tables) read and write the same bytes.

// TestMoovSpecAgrees unpacks every hand-written message with moov and
// moovspec.ISO87 and checks it reads the same fields, then packs them back
// with moov and compares with the hand-written bytes.
func TestMoovSpecAgrees(t *testing.T) {
	for _, tc := range hostproto.WireFixtures(t) {
		t.Run(tc.Name, func(t *testing.T) {
			m := iso8583.NewMessage(moovspec.ISO87)
			if err := m.Unpack(tc.Wire); err != nil {
				t.Fatalf("moov Unpack: %v", err)
			}
			vals, err := hostproto.SplitISO87(tc.Wire)
			if err != nil {
				t.Fatalf("split: %v", err)
			}
			for id := 2; id <= hostproto.MaxField; id++ {
				got, err := m.GetString(id)
				if err != nil && hostproto.ISO87Has(id) {
					t.Fatalf("moov field %d: %v", id, err)
				}
				if got != vals[id] {
					t.Errorf("field %d: moov %q, hostproto %q", id, got, vals[id])
				}
			}
			packed, err := m.Pack()
			if err != nil {
				t.Fatalf("moov Pack: %v", err)
			}
			if string(packed) != string(tc.Wire) {
				t.Errorf("moov Pack mismatch\n got %x\nwant %x", packed, tc.Wire)
			}
		})
	}
}

// TestCUPMoovSpecAgrees unpacks every hand-written cup message, and one
// of every kind the profile encodes, with moov and moovspec.CUP, checks
// it reads the same field values as the profile's codec, and packs them
// back to the same bytes.
func TestCUPMoovSpecAgrees(t *testing.T) {
	for _, tc := range hostproto.CUPFixtures(t) {
		t.Run(tc.Name, func(t *testing.T) { checkMoovCUP(t, tc.Wire) })
	}
	for _, m := range hostproto.CUPTypedFixtures() {
		t.Run("typed "+m.MTI().String(), func(t *testing.T) {
			b, err := hostproto.CUP.AppendEncode(nil, m, hostproto.CUPTestKeys)
			if err != nil {
				t.Fatal(err)
			}
			checkMoovCUP(t, b)
		})
	}
}

func checkMoovCUP(t *testing.T, b []byte) {
	t.Helper()
	m := iso8583.NewMessage(moovspec.CUP)
	if err := m.Unpack(b[hostproto.CUPEnvelopeLen:]); err != nil {
		t.Fatalf("moov Unpack: %v", err)
	}
	mti, vals, err := hostproto.SplitCUP(b)
	if err != nil {
		t.Fatalf("split: %v", err)
	}
	if got, _ := m.GetMTI(); got != mti {
		t.Errorf("MTI: moov %q, cup %q", got, mti)
	}
	for id := 2; id <= 64; id++ {
		ok, binary := hostproto.CUPField(id)
		if !ok {
			continue
		}
		var got string
		if binary {
			if f := m.GetField(id); f != nil {
				if bs, err := f.Bytes(); err == nil {
					got = string(bs)
				}
			}
		} else {
			got, _ = m.GetString(id)
		}
		if got != vals[id] {
			t.Errorf("field %d: moov %q, cup %q", id, got, vals[id])
		}
	}
	packed, err := m.Pack()
	if err != nil {
		t.Fatalf("moov Pack: %v", err)
	}
	if string(packed) != string(b[hostproto.CUPEnvelopeLen:]) {
		t.Errorf("moov Pack differs\n got % X\nwant % X", packed, b[hostproto.CUPEnvelopeLen:])
	}
}

func TestDumpMasksEveryFixture(t *testing.T) {
	for _, tc := range hostproto.WireFixtures(t) {
		for name, v := range map[string]any{"bytes": tc.Wire, "message": tc.Msg} {
			var buf bytes.Buffer
			if err := moovspec.Dump(&buf, v); err != nil {
				t.Fatalf("%s (%s): %v", tc.Name, name, err)
			}
			out := buf.String()
			if strings.Contains(out, hostproto.TestPAN) {
				t.Errorf("%s (%s): dump shows the full card number:\n%s", tc.Name, name, out)
			}
			if !strings.Contains(out, "MTI..") || !strings.Contains(out, string(tc.Wire[:4])) {
				t.Errorf("%s (%s): dump lacks the MTI:\n%s", tc.Name, name, out)
			}
		}
	}
}

func TestDumpShowsFields(t *testing.T) {
	var buf bytes.Buffer
	if err := moovspec.Dump(&buf, hostproto.SaleWire(t)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"424242******4242", // DE2 masked
		"000000001234",     // DE4
		"TERM0001",         // DE41
		"723C048000C08010", // bitmap in hex
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("dump lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestDumpUndecodable(t *testing.T) {
	// A sale cut in the middle of DE4: the card number is whole in the bytes.
	cut := hostproto.SaleWire(t)[:40]
	var buf bytes.Buffer
	if err := moovspec.Dump(&buf, cut); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "undecodable message (40 bytes)") || !strings.Contains(out, "field 4") {
		t.Errorf("dump does not say what is wrong:\n%s", out)
	}
	if strings.Contains(out, hostproto.TestPAN) || strings.Contains(out, "4242424242") {
		t.Errorf("dump of undecodable bytes shows card digits:\n%s", out)
	}
	if !strings.Contains(out, "|0200") {
		t.Errorf("dump lacks the hex view:\n%s", out)
	}
}

func TestDumpRejects(t *testing.T) {
	var buf bytes.Buffer
	if err := moovspec.Dump(&buf, "0200"); err == nil {
		t.Error("Dump accepted a string")
	}
	err := moovspec.Dump(&buf, &hostproto.FinancialRequest{})
	var pe *hostproto.PackError
	if !errors.As(err, &pe) {
		t.Errorf("Dump of an invalid message: %v", err)
	}
}

func TestCUPDumpMasksTheCard(t *testing.T) {
	cases := hostproto.CUPFixtures(t)
	for _, tc := range cases {
		var b strings.Builder
		if err := moovspec.DumpWith(hostproto.CUP, &b, tc.Wire); err != nil {
			t.Fatalf("%s: %v", tc.Name, err)
		}
		out := b.String()
		if strings.Contains(out, hostproto.CUPPAN19) || strings.Contains(out, "6200000000000005") {
			t.Fatalf("%s: dump shows the card number:\n%s", tc.Name, out)
		}
		if !strings.Contains(out, "TPDU 60 00") {
			t.Fatalf("%s: dump lacks the envelope:\n%s", tc.Name, out)
		}
	}
	var b strings.Builder
	if err := moovspec.DumpWith(hostproto.CUP, &b, cases[0].Wire); err != nil || !strings.Contains(b.String(), "621234*********4567") {
		t.Fatalf("sale dump: %v\n%s", err, b.String())
	}
	// Undecodable bytes: the hex dump hides every BCD byte.
	bad := append([]byte(nil), cases[0].Wire...)
	bad = bad[:len(bad)-3]
	b.Reset()
	if err := moovspec.DumpWith(hostproto.CUP, &b, bad); err != nil || strings.Contains(b.String(), "62 12 34 56") || !strings.Contains(b.String(), "undecodable") {
		t.Fatalf("undecodable dump: %v\n%s", err, b.String())
	}
}

// FuzzMoov feeds arbitrary bytes to Dump and to both codecs. Properties:
// Dump never fails on bytes; what hostproto.Decode accepts, moov with
// moovspec.ISO87 accepts too.
func FuzzMoov(f *testing.F) {
	for _, tc := range hostproto.WireFixtures(f) {
		f.Add(tc.Wire)
		if tc.Wire[4]&0x80 == 0 {
			f.Add(hostproto.WithNeedlessSecondary(tc.Wire))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := moovspec.Dump(io.Discard, b); err != nil {
			t.Fatalf("Dump: %v", err)
		}
		if _, err := hostproto.Decode(b); err != nil {
			return
		}
		if err := iso8583.NewMessage(moovspec.ISO87).Unpack(b); err != nil {
			t.Fatalf("Decode accepted bytes moov refuses: %v", err)
		}
	})
}

// FuzzMoovCUP is FuzzMoov on the cup profile, under the fixtures' keys.
func FuzzMoovCUP(f *testing.F) {
	for _, tc := range hostproto.CUPFixtures(f) {
		f.Add(tc.Wire)
	}
	for _, m := range hostproto.CUPTypedFixtures() {
		b, err := hostproto.CUP.AppendEncode(nil, m, hostproto.CUPTestKeys)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := moovspec.DumpWith(hostproto.CUP, io.Discard, b); err != nil {
			t.Fatalf("Dump: %v", err)
		}
		m, err := hostproto.CUP.Decode(b, hostproto.CUPTestKeys)
		if m == nil {
			return
		}
		_ = err // a MAC that does not verify still decodes the fields
		if err := iso8583.NewMessage(moovspec.CUP).Unpack(b[hostproto.CUPEnvelopeLen:]); err != nil {
			t.Fatalf("Decode accepted bytes moov refuses: %v", err)
		}
	})
}

// BenchmarkMoovUnpackSale measures a sale's bytes through moov's Unpack
// with moovspec.ISO87, for comparison with BenchmarkDecodeSale.
func BenchmarkMoovUnpackSale(b *testing.B) {
	raw, err := hostproto.Encode(hostproto.BenchSale())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m := iso8583.NewMessage(moovspec.ISO87)
		if err := m.Unpack(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMoovPackSale measures moov's Pack of the same sale.
func BenchmarkMoovPackSale(b *testing.B) {
	raw, err := hostproto.Encode(hostproto.BenchSale())
	if err != nil {
		b.Fatal(err)
	}
	m := iso8583.NewMessage(moovspec.ISO87)
	if err := m.Unpack(raw); err != nil {
		b.Fatal(err)
	}
	fields := map[int]string{}
	for id := range m.GetFields() {
		if id > 1 {
			fields[id], _ = m.GetString(id)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		m := iso8583.NewMessage(moovspec.ISO87)
		m.MTI("0200")
		for id, v := range fields {
			m.Field(id, v)
		}
		if _, err := m.Pack(); err != nil {
			b.Fatal(err)
		}
	}
}
