package hostproto

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzCUPDecode feeds arbitrary frame bodies to the cup profile's Peek
// and Decode, under the fixtures' working keys. Properties: nothing
// panics; errors are *UnpackError or *MACError and never quote the card
// number; and an accepted message encodes (with a fresh MAC) to bytes that decode to the same
// message and encode to the same bytes again. (FuzzMoovCUP checks Dump
// and that moov accepts what Decode accepts.)
func FuzzCUPDecode(f *testing.F) {
	for _, tc := range cupCases(f) {
		f.Add(tc.wire)
	}
	for _, m := range cupTypedCases() {
		b, err := CUP.AppendEncode(nil, m, cupTestKeys)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, perr := CUP.Peek(b)
		m, err := CUP.Decode(b, cupTestKeys)
		if err != nil {
			var ue *UnpackError
			var me *MACError
			switch {
			case errors.As(err, &me):
				if m == nil {
					t.Fatalf("MAC error without the message")
				}
			case errors.As(err, &ue):
				if m != nil {
					t.Fatalf("unpack error with a message")
				}
			default:
				t.Fatalf("error %v (%T) is neither *UnpackError nor *MACError", err, err)
			}
			if len(b) > cupEnvLen+12 && strings.Contains(err.Error(), cupPAN19) {
				t.Fatalf("error quotes the card number: %v", err)
			}
			if m == nil {
				return
			}
		}
		if perr != nil {
			t.Fatalf("Decode accepted what Peek refused: %v", perr)
		}
		if h != m.Header() {
			t.Fatalf("Peek %+v, Decode %+v", h, m.Header())
		}
		enc, err := CUP.AppendEncode(nil, m, cupTestKeys)
		if err != nil {
			t.Fatalf("Encode of a decoded %s: %v", m.MTI(), err)
		}
		m2, err := CUP.Decode(enc, cupTestKeys)
		if err != nil {
			t.Fatalf("Decode of re-encoded %s: %v\n% X", m.MTI(), err, enc)
		}
		if diff := cmp.Diff(m, m2); diff != "" {
			t.Fatalf("round trip changed the message (-first +second):\n%s", diff)
		}
		enc2, err := CUP.AppendEncode(nil, m2, cupTestKeys)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding not stable: %v\n% X\n% X", err, enc, enc2)
		}
	})
}

// FuzzCUPMAC checks the MAC path: for any key and message body, the MAC
// of the body verifies, and flipping any one bit of the MACed bytes makes
// Decode report ErrBadMAC (never accept, never panic).
func FuzzCUPMAC(f *testing.F) {
	f.Add([]byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}, uint16(0), uint8(0))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0}, uint16(40), uint8(7))
	f.Add([]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, uint16(9), uint8(3))
	sale := cupCases(f)[0].msg
	f.Fuzz(func(t *testing.T, key []byte, pos uint16, bit uint8) {
		if len(key) != 8 {
			return
		}
		var k WorkingKeys
		copy(k.MAC[:], key)
		b, err := CUP.AppendEncode(nil, sale, &k)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		if _, err := CUP.Decode(b, &k); err != nil {
			t.Fatalf("Decode of our own MAC: %v", err)
		}
		mab := b[cupEnvLen : len(b)-8]
		if got, want := CUPMAC(k.MAC, mab), [8]byte(b[len(b)-8:]); got != want {
			t.Fatalf("CUPMAC %q, field 64 %q", got, want)
		}
		i := cupEnvLen + 2 + 8 + int(pos)%(len(mab)-10) // a field byte, not MTI or bitmap
		bad := append([]byte(nil), b...)
		bad[i] ^= 1 << (bit % 8)
		m, err := CUP.Decode(bad, &k)
		if err == nil {
			t.Fatalf("a flipped bit at %d was accepted: %v", i, m)
		}
		var ue *UnpackError
		if !errors.Is(err, ErrBadMAC) && !errors.As(err, &ue) {
			t.Fatalf("flipped bit: %v (%T)", err, err)
		}
	})
}

// TestWriteCUPFuzzSeeds writes the committed cup seed corpus with
// -write-seeds; otherwise it checks the corpus is there.
func TestWriteCUPFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzCUPDecode")
	if !*writeSeeds {
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) < len(cupCases(t)) {
			t.Fatalf("seed corpus %s missing or short (%d files, %v); run go test -run TestWriteCUPFuzzSeeds -write-seeds", dir, len(entries), err)
		}
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, tc := range cupCases(t) {
		name := fmt.Sprintf("seed-%02d-%s", i, strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return '-'
		}, tc.name))
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", tc.wire)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mdir := filepath.Join("testdata", "fuzz", "FuzzCUPMAC")
	if err := os.MkdirAll(mdir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, k := range [][]byte{{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}, {1, 2, 3, 4, 5, 6, 7, 8}} {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\nuint16(%d)\nuint8(%d)\n", k, 17*i, i)
		if err := os.WriteFile(filepath.Join(mdir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
