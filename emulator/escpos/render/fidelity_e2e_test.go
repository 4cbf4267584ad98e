package render_test

import (
	"image"
	"slices"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"

	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
)

// TestBinaryLevelWideBars prints CODE39, ITF and CODABAR at every GS w of
// the TM-T88 (2–6) and checks the narrow and wide elements against Epson's
// GS w table, then reads the symbol back with gozxing.
func TestBinaryLevelWideBars(t *testing.T) {
	wide := map[byte]int{2: 5, 3: 8, 4: 10, 5: 13, 6: 16}
	for _, tc := range []struct {
		name   string
		gsk    string // GS k m d… NUL (form A)
		reader gozxing.Reader
		text   string
	}{
		{"CODE39", "\x1dk\x04T2\x00", oned.NewCode39Reader(), "T2"},
		{"ITF", "\x1dk\x05123456\x00", oned.NewITFReader(), "123456"},
		{"CODABAR", "\x1dk\x06A40B\x00", oned.NewCodaBarReader(), "40"}, // gozxing drops start/stop,
	} {
		for n := byte(2); n <= 6; n++ {
			// GS w n, GS h 60, GS H 0 (no HRI), then the bar code.
			job := "\x1dw" + string(rune(n)) + "\x1dh\x3c\x1dH\x00" + tc.gsk
			rs := printAll(t, "", []byte(job))
			if len(rs) != 1 || len(rs[0].Elements) != 1 {
				t.Fatalf("%s n=%d: %d receipts", tc.name, n, len(rs))
			}
			img := render.Image(rs[0])
			got := map[int]int{}
			for _, w := range rowRuns(img, 30) {
				got[w]++
			}
			if len(got) != 2 || got[int(n)] == 0 || got[wide[n]] == 0 {
				t.Errorf("%s GS w %d: element widths %v, want only %d and %d", tc.name, n, got, n, wide[n])
			}
			{
				pad := image.NewPaletted(image.Rect(0, 0, img.Rect.Dx()+80, img.Rect.Dy()+40), img.Palette)
				for y := 0; y < img.Rect.Dy(); y++ {
					copy(pad.Pix[(y+20)*pad.Stride+40:], img.Pix[y*img.Stride:(y+1)*img.Stride])
				}
				if text := decode(t, tc.reader, pad); text != tc.text {
					t.Errorf("%s GS w %d decoded %q, want %q", tc.name, n, text, tc.text)
				}
			}
		}
	}
}

// rowRuns returns the widths of the runs of ink and paper along row y of
// img, from the first inked dot to the last.
func rowRuns(img *image.Paletted, y int) []int {
	row := img.Pix[y*img.Stride : y*img.Stride+img.Rect.Dx()]
	first, last := slices.Index(row, 1), -1
	for i := len(row) - 1; i >= 0; i-- {
		if row[i] == 1 {
			last = i
			break
		}
	}
	if first < 0 {
		return nil
	}
	var runs []int
	for i := first; i <= last; {
		j := i
		for j <= last && row[j] == row[i] {
			j++
		}
		runs = append(runs, j-i)
		i = j
	}
	return runs
}

// TestBarcodeWiderThanPrintAreaNotPrinted: Epson prints nothing for a bar
// code wider than the print area, and the emulator says why.
func TestBarcodeWiderThanPrintAreaNotPrinted(t *testing.T) {
	// GS w 6, CODE39 of 20 characters: 22 characters with the stars, each
	// 3 wide and 6 narrow elements and a narrow gap, 3×16 + 7×6 = 90 dots:
	// 1,974 dots, far over 576.
	rs := printAll(t, "", []byte("\x1dw\x06\x1dk\x0401234567890123456789\x00ok\n"))
	if len(rs) != 1 {
		t.Fatalf("%d receipts", len(rs))
	}
	for _, e := range rs[0].Elements {
		if _, ok := e.(paper.Barcode); ok {
			t.Errorf("barcode printed: %+v", e)
		}
	}
	if got := string(render.Text(rs[0])); got != "ok\n" {
		t.Errorf("text %q", got)
	}
	// 10 characters at GS w 2 fit: 12 × (3×5 + 7×2) − 2 = 346 dots.
	rs = printAll(t, "", []byte("\x1dw\x02\x1dk\x040123456789\x00"))
	if got := string(render.Text(rs[0])); got != "[BARCODE CODE39] 0123456789\n" {
		t.Errorf("text %q", got)
	}
}
