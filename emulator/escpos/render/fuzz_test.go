package render

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image/png"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// receiptFromBytes builds an arbitrary receipt, odd values included, from
// fuzz input: the renderers must draw whatever a confused printer produced.
func receiptFromBytes(data []byte) *paper.Receipt {
	next := func(n int) []byte {
		if len(data) < n {
			data = append(data, make([]byte, n-len(data))...)
		}
		b := data[:n]
		data = data[n:]
		return b
	}
	i16 := func() int { return int(int16(binary.LittleEndian.Uint16(next(2)))) }
	r := &paper.Receipt{Width: int(binary.LittleEndian.Uint16(next(2))) % 1200, Columns: 48}
	for len(data) > 0 && len(r.Elements) < 64 {
		switch next(1)[0] % 8 {
		case 0:
			var l paper.Line
			for n := next(1)[0] % 4; n > 0; n-- {
				st := next(2)
				l.Runs = append(l.Runs, paper.Run{
					X: i16(), Text: string(next(int(next(1)[0] % 16))),
					Style: paper.Style{Font: paper.Font(st[0] % 3), Bold: st[0]&4 != 0, Underline: (st[0] >> 3) % 4,
						Width: st[1] % 10, Height: st[1] / 10 % 10, Reverse: st[0]&0x20 != 0, UpsideDown: st[0]&0x40 != 0},
					CellWidth: int(int8(next(1)[0])), CellHeight: int(int8(next(1)[0])), CharSpacing: int(int8(next(1)[0])),
				})
			}
			l.Height, l.Ascent = i16()%400, i16()%400
			r.Elements = append(r.Elements, &l)
		case 1:
			w, h := int(next(1)[0]), int(next(1)[0])
			r.Elements = append(r.Elements, paper.Image{X: i16(), Width: w, Height: h, Bits: next(int(next(1)[0]) * 4)})
		case 2:
			syms := []paper.Symbology{paper.UPCA, paper.UPCE, paper.EAN13, paper.EAN8, paper.Code39, paper.ITF, paper.Codabar, paper.Code93, paper.Code128, "X",
				paper.DataBarOmni, paper.DataBarTruncated, paper.DataBarLimited, paper.DataBarExpanded}
			b := next(4)
			r.Elements = append(r.Elements, paper.Barcode{Symbology: syms[int(b[0])%len(syms)], Data: string(next(int(b[1] % 20))),
				Height: int(b[2]), ModuleWidth: int(int8(b[3])), HRI: paper.HRIPosition(b[0] % 4), Align: paper.Justify(b[1] % 4), X: i16(), AreaWidth: i16()})
		case 3:
			b := next(3)
			r.Elements = append(r.Elements, paper.QR{Data: string(next(int(b[0] % 40))), ModuleSize: int(int8(b[1])), ECLevel: paper.ECLevel(b[2] % 4),
				Align: paper.Justify(b[2] % 3), X: i16(), AreaWidth: i16()})
		case 4:
			r.Elements = append(r.Elements, paper.Feed{Dots: i16() % 4000})
		case 5:
			r.Elements = append(r.Elements, paper.Cut{Partial: next(1)[0]&1 != 0})
		case 6:
			r.Elements = append(r.Elements, paper.Drawer{Pin: int(next(1)[0])})
		case 7:
			b := next(6)
			r.Elements = append(r.Elements, paper.PDF417{Data: string(next(int(b[0] % 60))), Columns: int(int8(b[1])), Rows: int(int8(b[2])),
				ErrorLevel: int(b[3]%11) - 1, Truncated: b[3]&0x80 != 0, ModuleWidth: int(int8(b[4])), RowHeight: int(int8(b[5])),
				Align: paper.Justify(b[1] % 3), X: i16(), AreaWidth: i16()})
		}
	}
	return r
}

func FuzzRender(f *testing.F) {
	f.Add([]byte{0x40, 0x02, 7, 11, 0, 0, 3, 2, 3, 'P', 'D', 'F', '4', '1', '7', ' ', 'd', 'a', 't', 'a', 0, 0, 0x40, 0x02})
	f.Add([]byte{0x40, 0x02, 0, 2, 0x11, 0, 0, 5, 'H', 'e', 'l', 'l', 'o', 12, 24, 0, 30, 0, 24, 0})
	f.Add([]byte{0x40, 0x02, 2, 8, 13, 80, 2, 0, 0, 0x40, 0x02, '4', '0', '0', '6', '3', '8', '1', '3', '3', '3', '9', '3', '1'})
	f.Add([]byte{0x40, 0x02, 3, 10, 6, 1, 0, 0, 0x40, 0x02, 'h', 't', 't', 'p', 's', ':', '/', '/', 'x', '.', 'y', 5, 1})
	f.Add([]byte{0x40, 0x02, 1, 16, 2, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 6, 2, 4, 30, 0})
	f.Add([]byte{0, 0, 0, 3, 0xFF, 0x7F, 0xFF, 0xFF, 3, 0xE4, 0xB8, 0xAD, 0x7F, 0x7F, 0x7F, 0xFF, 0x7F, 0xFF, 0x7F})
	// GS1 DataBar: Omnidirectional (symbology 10), Limited (12) and
	// Expanded (13; 19 bytes of data at most here), drawn 3 dots a module:
	// kind, symbology, data length, height, module width, data, X, area.
	databar := func(sym byte, data string) []byte {
		b := append([]byte{0x40, 0x02, 2, sym, byte(len(data)), 80, 3}, data...)
		return append(b, 0, 0, 0x40, 0x02)
	}
	f.Add(databar(10, "0950110153000"))
	f.Add(databar(12, "15012345678907"))
	f.Add(databar(13, "(01)90614141000015"))
	f.Add(databar(13, "(10)AB-123(21)x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := receiptFromBytes(data)
		text := Text(r)
		markers := 0
		for _, e := range r.Elements {
			switch e.(type) {
			case paper.Image, paper.Barcode, paper.QR, paper.Cut, paper.Drawer:
				markers++
			}
		}
		got := 0
		for _, line := range strings.Split(string(text), "\n") {
			if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") || strings.HasPrefix(line, "[BARCODE ") || strings.HasPrefix(line, "[QR] ") {
				got++
			}
		}
		if got < markers {
			t.Fatalf("%d markers for %d non-text elements:\n%s", got, markers, text)
		}
		if !utf8.Valid(text) {
			t.Fatalf("text is not valid UTF-8: %q", text)
		}
		var buf bytes.Buffer
		if err := PNG(&buf, r); err != nil {
			if errors.Is(err, ErrTooLong) {
				return
			}
			t.Fatal(err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatalf("our PNG does not decode: %v", err)
		}
		if w := img.Bounds().Dx(); w != min(max(r.Width, 0), MaxWidth) && !(r.Width <= 0 && w == 576) {
			t.Fatalf("PNG %d dots wide for a %d-dot receipt", w, r.Width)
		}
		buf.Reset()
		if err := HTML(&buf, r); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTooLong(t *testing.T) {
	r := &paper.Receipt{Width: 64}
	for range 5 {
		r.Elements = append(r.Elements, paper.Feed{Dots: MaxHeight / 4})
	}
	if err := PNG(&bytes.Buffer{}, r); !errors.Is(err, ErrTooLong) {
		t.Fatalf("error %v, want ErrTooLong", err)
	}
	if h := Image(r).Bounds().Dy(); h != MaxHeight {
		t.Errorf("Image is %d dots long, want the first %d", h, MaxHeight)
	}
	r.Elements = r.Elements[:4]
	if err := PNG(&bytes.Buffer{}, r); err != nil {
		t.Errorf("a receipt of exactly MaxHeight dots: %v", err)
	}
	r.Elements = append(r.Elements, paper.Feed{Dots: 1})
	if err := PNG(&bytes.Buffer{}, r); !errors.Is(err, ErrTooLong) {
		t.Errorf("a receipt of MaxHeight+1 dots: error %v, want ErrTooLong", err)
	}
}
