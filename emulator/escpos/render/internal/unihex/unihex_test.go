package unihex

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `0041:0000000018242442427E424242420000
4E2D:01000100010001003FF8210821082108210821083FF821080100010001000100
0020:00000000000000000000000000000000
`

func TestRoundTrip(t *testing.T) {
	glyphs, err := ParseHex(strings.NewReader(sample), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(glyphs) != 3 || glyphs[0].Rune != ' ' || glyphs[1].Rune != 'A' || glyphs[2].Rune != '中' {
		t.Fatalf("glyphs not parsed in order: %+v", glyphs)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, glyphs); err != nil {
		t.Fatal(err)
	}
	f, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.Len() != 3 {
		t.Fatalf("Len = %d, want 3", f.Len())
	}
	a, ok := f.Glyph('A')
	if !ok || a.Width != 8 {
		t.Fatalf("A: %+v %v", a, ok)
	}
	// Row 4 of "A" is 0x18: dots 3 and 4 set.
	if !a.At(3, 4) || !a.At(4, 4) || a.At(2, 4) || a.At(5, 4) {
		t.Errorf("A row 4 wrong")
	}
	zh, ok := f.Glyph('中')
	if !ok || zh.Width != 16 {
		t.Fatalf("中: %+v %v", zh, ok)
	}
	// Row 4 of 中 is 3FF8: dots 2..12 set.
	for x := 0; x < 16; x++ {
		if want := x >= 2 && x <= 12; zh.At(x, 4) != want {
			t.Errorf("中 (%d,4) = %v, want %v", x, zh.At(x, 4), want)
		}
	}
	if _, ok := f.Glyph('B'); ok {
		t.Error("B found in a font without it")
	}
}

func TestParseHexKeep(t *testing.T) {
	glyphs, err := ParseHex(strings.NewReader(sample), func(r rune) bool { return r >= 0x4E00 })
	if err != nil {
		t.Fatal(err)
	}
	if len(glyphs) != 1 || glyphs[0].Rune != '中' {
		t.Fatalf("got %+v", glyphs)
	}
}

func TestParseHexErrors(t *testing.T) {
	for _, in := range []string{
		"0041\n",
		"ZZ:00000000000000000000000000000000\n",
		"0041:0000\n",
		"0041:G0000000000000000000000000000000\n",
	} {
		_, err := ParseHex(strings.NewReader(in), nil)
		var fe *FormatError
		if !errors.Is(err, ErrFormat) || !errors.As(err, &fe) || fe.Where != "line 1" {
			t.Errorf("ParseHex(%q) error = %v, want a FormatError at line 1", in, err)
		}
	}
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestDecodeErrors(t *testing.T) {
	good := []byte("UFNT\x01\x01\x00\x00\x00A\x00\x00\x00\x08" + strings.Repeat("\x00", 16))
	if _, err := Decode(gz(good)); err != nil {
		t.Fatalf("good font: %v", err)
	}
	for name, in := range map[string][]byte{
		"not gzip":     good,
		"bad magic":    gz([]byte("XFNT\x01\x00\x00\x00\x00")),
		"bad version":  gz([]byte("UFNT\x02\x00\x00\x00\x00")),
		"huge count":   gz([]byte("UFNT\x01\xff\xff\xff\xff")),
		"truncated":    gz(good[:len(good)-1]),
		"trailing":     gz(append(append([]byte{}, good...), 0)),
		"bad width":    gz([]byte("UFNT\x01\x01\x00\x00\x00A\x00\x00\x00\x09" + strings.Repeat("\x00", 16))),
		"out of range": gz([]byte("UFNT\x01\x01\x00\x00\x00\x00\x00\x20\x00\x08" + strings.Repeat("\x00", 16))),
		"out of order": gz([]byte("UFNT\x01\x02\x00\x00\x00B\x00\x00\x00\x08" + strings.Repeat("\x00", 16) +
			"A\x00\x00\x00\x08" + strings.Repeat("\x00", 16))),
	} {
		if _, err := Decode(in); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error = %v, want ErrFormat", name, err)
		}
	}
}

func TestEncodeRejectsBadInput(t *testing.T) {
	if err := Encode(&bytes.Buffer{}, []Glyph{{Rune: 'B', Width: 8, Bits: make([]byte, 16)}, {Rune: 'A', Width: 8, Bits: make([]byte, 16)}}); err == nil {
		t.Error("out-of-order glyphs accepted")
	}
	if err := Encode(&bytes.Buffer{}, []Glyph{{Rune: 'A', Width: 8, Bits: make([]byte, 15)}}); err == nil {
		t.Error("short bitmap accepted")
	}
}

// TestEmbeddedSubset checks the committed font file decodes and covers the
// characters receipts need.
func TestEmbeddedSubset(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "fontdata", "unifont.bin.gz"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range "Aé€─中文，９￥\uFFFD" {
		if _, ok := f.Glyph(r); !ok {
			t.Errorf("no glyph for %q", r)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(gz([]byte("UFNT\x01\x01\x00\x00\x00A\x00\x00\x00\x08" + strings.Repeat("\x00", 16))))
	f.Add(gz([]byte("UFNT\x01\x01\x00\x00\x00\x2d\x4e\x00\x00\x10" + strings.Repeat("\xff", 32))))
	f.Add([]byte("UFNT"))
	f.Fuzz(func(t *testing.T, data []byte) {
		font, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		for i := range font.runes {
			g, ok := font.Glyph(font.runes[i])
			if !ok || len(g.Bits) != Rows*g.Width/8 {
				t.Fatalf("glyph %d inconsistent", i)
			}
		}
	})
}
