package hostproto

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var writeSeeds = flag.Bool("write-seeds", false, "rewrite the committed fuzz seed corpus under testdata/fuzz from the wire fixtures")

// FuzzDecode feeds arbitrary bytes to Decode and Peek. Properties:
// nothing panics; every error is an *UnpackError that does not quote the
// card number; and a decoded message encodes to bytes that decode to the
// same message and encode to the same bytes again. (FuzzMoov checks Dump
// and that moov accepts what Decode accepts.)
func FuzzDecode(f *testing.F) {
	for _, tc := range wireCases(f) {
		f.Add(tc.wire)
		if tc.wire[4]&0x80 == 0 {
			f.Add(withNeedlessSecondary(tc.wire))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, perr := Peek(b)
		if perr == nil && h.MTI == "" {
			t.Fatalf("Peek succeeded without an MTI")
		}
		m, err := Decode(b)
		if err != nil {
			var ue *UnpackError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v (%T) is not an *UnpackError", err, err)
			}
			if pan := panIn(b); len(pan) >= 12 && strings.Contains(err.Error(), pan) {
				t.Fatalf("error quotes the card number: %v", err)
			}
			return
		}
		if perr != nil {
			t.Fatalf("Decode accepted what Peek refused: %v", perr)
		}
		enc, err := Encode(m)
		if err != nil {
			t.Fatalf("Encode of a decoded %s: %v", m.MTI(), err)
		}
		m2, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode of re-encoded %s: %v\n%q", m.MTI(), err, enc)
		}
		if diff := cmp.Diff(m, m2); diff != "" {
			t.Fatalf("round trip changed the message (-first +second):\n%s", diff)
		}
		enc2, err := Encode(m2)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding not stable: %v\n%q\n%q", err, enc, enc2)
		}
	})
}

// panIn returns DE2 of b if b gets that far, else "".
func panIn(b []byte) string {
	if len(b) < 14 || b[4]&0x40 == 0 {
		return ""
	}
	off := 12
	if b[4]&0x80 != 0 {
		off = 20
	}
	if len(b) < off+2 {
		return ""
	}
	n, err := parseDigits(string(b[off:off+2]), 2)
	if err != nil || len(b) < off+2+int(n) {
		return ""
	}
	return string(b[off+2 : off+2+int(n)])
}

// FuzzReadFrame reads frames from arbitrary bytes with an arbitrary limit.
// Properties: nothing panics; a frame read is exactly what its header
// announced and within the limit; errors are io.EOF or *FrameError.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0x00, 0x05, 'h', 'e', 'l', 'l', 'o'}, 4096)
	f.Add([]byte{0x00, 0x00}, 4096)
	f.Add([]byte{0xFF, 0xFF, 'x'}, 0)
	f.Add([]byte{0x00}, 10)
	f.Add([]byte{0x00, 0x03, 'a', 'b', 'c', 0x00, 0x02, 'd'}, 3)
	for _, tc := range wireCases(f) {
		framed, _ := AppendFrame(nil, tc.wire)
		f.Add(framed, DefaultMaxFrame)
	}
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		r := bytes.NewReader(data)
		limit := max
		if limit <= 0 || limit > MaxFrameSize {
			limit = MaxFrameSize
		}
		off := 0
		for {
			body, err := ReadFrame(r, max)
			if err == io.EOF {
				if off != len(data) {
					t.Fatalf("io.EOF with %d bytes unread", len(data)-off)
				}
				return
			}
			if err != nil {
				var fe *FrameError
				if !errors.As(err, &fe) {
					t.Fatalf("error %v (%T) is not a *FrameError", err, err)
				}
				if !errors.Is(err, ErrShortFrame) && !errors.Is(err, ErrFrameTooLarge) {
					t.Fatalf("error %v wraps neither sentinel", err)
				}
				return
			}
			n := int(data[off])<<8 | int(data[off+1])
			if len(body) != n || n == 0 || n > limit {
				t.Fatalf("read %d bytes, header says %d, limit %d", len(body), n, limit)
			}
			if !bytes.Equal(body, data[off+2:off+2+n]) {
				t.Fatalf("body differs from the stream")
			}
			off += 2 + n
		}
	})
}

// TestWriteFuzzSeeds rewrites the committed seed corpus when run with
// -write-seeds; otherwise it checks the corpus is there.
func TestWriteFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	if !*writeSeeds {
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) < len(wireCases(t)) {
			t.Fatalf("seed corpus %s missing or short (%d files, %v); run go test -run TestWriteFuzzSeeds -write-seeds", dir, len(entries), err)
		}
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, tc := range wireCases(t) {
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
	fdir := filepath.Join("testdata", "fuzz", "FuzzReadFrame")
	if err := os.MkdirAll(fdir, 0o755); err != nil {
		t.Fatal(err)
	}
	frames := map[string][]byte{
		"seed-hello":     {0x00, 0x05, 'h', 'e', 'l', 'l', 'o'},
		"seed-empty":     {0x00, 0x00},
		"seed-too-large": {0xFF, 0xFF, 'x'},
		"seed-cut":       {0x00, 0x05, 'h', 'e'},
	}
	sale, _ := AppendFrame(nil, testSaleWire(t))
	frames["seed-sale"] = sale
	for name, b := range frames {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\nint(%d)\n", b, DefaultMaxFrame)
		if err := os.WriteFile(filepath.Join(fdir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzFormatErrorResponse: whatever the request, the format-error answer
// is either refused or a response of the profile's kind with DE39 = 30
// whose fields split cleanly.
func FuzzFormatErrorResponse(f *testing.F) {
	for _, tc := range wireCases(f) {
		f.Add(tc.wire)
	}
	f.Add([]byte("0800\x82\x20\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x001202143000000042301"))
	f.Fuzz(func(t *testing.T, b []byte) {
		resp, err := FormatErrorResponse(b)
		if err != nil {
			return
		}
		u := getUnpacked()
		defer putUnpacked(u)
		if err := u.split(resp); err != nil {
			t.Fatalf("answer %q does not split: %v", resp, err)
		}
		if !u.mti.IsResponse() || u.vals[39] != string(RCFormatError) {
			t.Fatalf("answer %q: MTI %s, DE39 %q", resp, u.mti, u.vals[39])
		}
	})
}
