package unihex

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// Rows is the height in dots of every Unifont glyph.
const Rows = 16

const (
	magic   = "UFNT"
	version = 1
	// maxGlyphs bounds the count a file may announce, so that a corrupt
	// header cannot make Decode allocate without limit.
	maxGlyphs = 0x110000
)

// ErrFormat is wrapped by every error about malformed input.
var ErrFormat = errors.New("unihex: bad font data")

// FormatError says where the input was malformed.
type FormatError struct {
	Where string // "line 12" or "byte 4096"
	What  string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("unihex: %s: %s", e.Where, e.What)
}

// Unwrap returns ErrFormat.
func (e *FormatError) Unwrap() error { return ErrFormat }

// Glyph is one Unifont glyph.
type Glyph struct {
	Rune  rune
	Width int    // 8 or 16 dots
	Bits  []byte // Rows rows of Width/8 bytes, most significant bit leftmost
}

// At reports whether the dot at column x, row y is set.
func (g Glyph) At(x, y int) bool {
	if x < 0 || y < 0 || x >= g.Width || y >= Rows {
		return false
	}
	return g.Bits[y*(g.Width/8)+x/8]&(0x80>>(x%8)) != 0
}

// ParseHex reads a Unifont .hex file and returns the glyphs for which keep
// returns true (all of them if keep is nil), in ascending code point order.
func ParseHex(r io.Reader, keep func(rune) bool) ([]Glyph, error) {
	var out []Glyph
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		cp, bm, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			return nil, &FormatError{Where: "line " + strconv.Itoa(n), What: "no colon"}
		}
		v, err := strconv.ParseUint(string(cp), 16, 32)
		if err != nil || v > 0x10FFFF {
			return nil, &FormatError{Where: "line " + strconv.Itoa(n), What: fmt.Sprintf("bad code point %q", cp)}
		}
		if keep != nil && !keep(rune(v)) {
			continue
		}
		var width int
		switch len(bm) {
		case 32:
			width = 8
		case 64:
			width = 16
		default:
			return nil, &FormatError{Where: "line " + strconv.Itoa(n), What: fmt.Sprintf("bitmap of %d hex digits, want 32 or 64", len(bm))}
		}
		bits := make([]byte, len(bm)/2)
		if _, err := hex.Decode(bits, bm); err != nil {
			return nil, &FormatError{Where: "line " + strconv.Itoa(n), What: "bad hex in bitmap"}
		}
		out = append(out, Glyph{Rune: rune(v), Width: width, Bits: bits})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("unihex: reading hex: %w", err)
	}
	slices.SortFunc(out, func(a, b Glyph) int { return int(a.Rune - b.Rune) })
	return out, nil
}

// Encode writes glyphs, which must be in ascending code point order, in the
// gzip-compressed binary format. The output depends only on the glyphs.
func Encode(w io.Writer, glyphs []Glyph) error {
	var raw bytes.Buffer
	raw.WriteString(magic)
	raw.WriteByte(version)
	raw.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(glyphs))))
	for i, g := range glyphs {
		if i > 0 && g.Rune <= glyphs[i-1].Rune {
			return fmt.Errorf("unihex: glyphs out of order at U+%04X", g.Rune)
		}
		if (g.Width != 8 && g.Width != 16) || len(g.Bits) != Rows*g.Width/8 {
			return fmt.Errorf("unihex: glyph U+%04X: width %d with %d bytes", g.Rune, g.Width, len(g.Bits))
		}
		raw.Write(binary.LittleEndian.AppendUint32(nil, uint32(g.Rune)))
		raw.WriteByte(byte(g.Width))
		raw.Write(g.Bits)
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return err
	}
	return zw.Close()
}

// Font is a decoded subset: a sorted table for lookup by code point.
type Font struct {
	runes  []rune
	widths []uint8
	offs   []uint32
	data   []byte
}

// Decode reads the gzip-compressed binary format written by Encode.
func Decode(gz []byte) (*Font, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, &FormatError{Where: "byte 0", What: "not gzip: " + err.Error()}
	}
	// The largest possible font is maxGlyphs 16×16 glyphs; read no more.
	raw, err := io.ReadAll(io.LimitReader(zr, 9+maxGlyphs*(5+32)+1))
	if err != nil {
		return nil, &FormatError{Where: "gzip stream", What: err.Error()}
	}
	return decodeRaw(raw)
}

func decodeRaw(raw []byte) (*Font, error) {
	if len(raw) < 9 || string(raw[:4]) != magic {
		return nil, &FormatError{Where: "byte 0", What: "missing UFNT header"}
	}
	if raw[4] != version {
		return nil, &FormatError{Where: "byte 4", What: fmt.Sprintf("version %d, want %d", raw[4], version)}
	}
	count := binary.LittleEndian.Uint32(raw[5:9])
	if count > maxGlyphs {
		return nil, &FormatError{Where: "byte 5", What: fmt.Sprintf("glyph count %d too large", count)}
	}
	// Each glyph takes at least 5+16 bytes: do not trust count beyond the data.
	if uint64(count)*21 > uint64(len(raw)-9) {
		return nil, &FormatError{Where: "byte 5", What: fmt.Sprintf("glyph count %d exceeds the data", count)}
	}
	f := &Font{
		runes:  make([]rune, 0, count),
		widths: make([]uint8, 0, count),
		offs:   make([]uint32, 0, count),
	}
	p := 9
	for i := uint32(0); i < count; i++ {
		if len(raw)-p < 5 {
			return nil, &FormatError{Where: "byte " + strconv.Itoa(p), What: "truncated glyph header"}
		}
		r := rune(binary.LittleEndian.Uint32(raw[p:]))
		w := raw[p+4]
		if r < 0 || r > 0x10FFFF {
			return nil, &FormatError{Where: "byte " + strconv.Itoa(p), What: fmt.Sprintf("code point %#x out of range", uint32(r))}
		}
		if n := len(f.runes); n > 0 && r <= f.runes[n-1] {
			return nil, &FormatError{Where: "byte " + strconv.Itoa(p), What: fmt.Sprintf("U+%04X out of order", r)}
		}
		if w != 8 && w != 16 {
			return nil, &FormatError{Where: "byte " + strconv.Itoa(p+4), What: fmt.Sprintf("width %d, want 8 or 16", w)}
		}
		p += 5
		size := Rows * int(w) / 8
		if len(raw)-p < size {
			return nil, &FormatError{Where: "byte " + strconv.Itoa(p), What: "truncated bitmap"}
		}
		f.runes = append(f.runes, r)
		f.widths = append(f.widths, w)
		f.offs = append(f.offs, uint32(p))
		p += size
	}
	if p != len(raw) {
		return nil, &FormatError{Where: "byte " + strconv.Itoa(p), What: fmt.Sprintf("%d bytes of trailing data", len(raw)-p)}
	}
	f.data = raw
	return f, nil
}

// Len returns the number of glyphs.
func (f *Font) Len() int { return len(f.runes) }

// Glyph returns the glyph for r, and false if the font has none.
func (f *Font) Glyph(r rune) (Glyph, bool) {
	i, ok := slices.BinarySearch(f.runes, r)
	if !ok {
		return Glyph{}, false
	}
	w := int(f.widths[i])
	off := int(f.offs[i])
	return Glyph{Rune: r, Width: w, Bits: f.data[off : off+Rows*w/8 : off+Rows*w/8]}, true
}
