package render_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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

// pdf417Job is a PDF417 symbol as a client sends it: GS ( k with cn 48
// (0x30) for columns (fn 0x41), rows (0x42), module width (0x43), row height
// (0x44), error correction level (0x45, m 0x30: level n−0x30), options
// (0x46), store (0x50) and print (0x51).
func pdf417Job(data string, module byte) []byte {
	return pdf417JobWith(data, 0, 0, module, '2', 0)
}

func pdf417JobWith(data string, cols, rows, module, level, option byte) []byte {
	job := []byte("\x1ba\x01") // ESC a 1: centred
	job = append(job, 0x1d, '(', 'k', 3, 0, '0', 'A', cols)
	job = append(job, 0x1d, '(', 'k', 3, 0, '0', 'B', rows)
	job = append(job, 0x1d, '(', 'k', 3, 0, '0', 'C', module)
	job = append(job, 0x1d, '(', 'k', 3, 0, '0', 'D', 3)          // row height: 3 modules
	job = append(job, 0x1d, '(', 'k', 4, 0, '0', 'E', '0', level) // error correction level
	job = append(job, 0x1d, '(', 'k', 3, 0, '0', 'F', 0)          // standard PDF417
	n := len(data) + 3
	job = append(job, 0x1d, '(', 'k', byte(n), byte(n>>8), '0', 'P', '0')
	job = append(job, data...)
	return append(job, "\x1d(k\x03\x000Q0"...) // print
}

// TestPDF417IsDrawnAndScans prints a PDF417 symbol from hand-written
// GS ( k bytes, checks its text mark, and reads the PNG back with
// zxing-cpp's ZXingReader, a decoder nobody here wrote.
func TestPDF417IsDrawnAndScans(t *testing.T) {
	reader := render.LookTool(t, "ZXingReader", "zxing-cpp-tools")
	const data = "POSHIL RECEIPT 000412 TOTAL 12.50 EUR"
	rs := printAll(t, "", pdf417Job(data, 3))
	if len(rs) != 1 {
		t.Fatalf("%d receipts", len(rs))
	}
	if got := string(render.Text(rs[0])); got != "[PDF417] "+data+"\n" {
		t.Fatalf("text %q", got)
	}
	p, ok := rs[0].Elements[0].(paper.PDF417)
	if !ok || p.ModuleWidth != 3 || p.RowHeight != 3 || p.ErrorLevel != 2 {
		t.Fatalf("element %#v", rs[0].Elements[0])
	}
	img := render.Image(rs[0])
	w, h, err := render.PDF417Size(&p)
	if err != nil || h != img.Rect.Dy() || w > 576 || w < 200 {
		t.Fatalf("symbol %dx%d (%v), picture %v", w, h, err, img.Rect)
	}
	if got := zxingRead(t, reader, img); got != data {
		t.Errorf("ZXingReader read %q, want %q", got, data)
	}
	// Other levels, shapes and data, binary bytes included.
	for _, tc := range []struct {
		data              string
		cols, rows, level byte
		truncated         bool
	}{
		{"A", 0, 0, '0', false},
		{"123456", 0, 0, '1', false},
		{"\x00\x01\xfe\xffbinary", 2, 0, '3', false},
		{strings.Repeat("LONG RECEIPT LINE ", 20), 0, 0, '4', false},
		{"FIXED ROWS", 0, 12, '2', false},
		{"FIXED BOTH", 4, 6, '1', false},
		{"LEVEL EIGHT", 0, 0, '8', false},
		{"TRUNCATED", 0, 0, '2', true},
		{"TRUNCATED FIXED", 3, 0, '1', true},
	} {
		opt := byte(0)
		if tc.truncated {
			opt = 1
		}
		rs := printAll(t, "", pdf417JobWith(tc.data, tc.cols, tc.rows, 2, tc.level, opt))
		if len(rs) != 1 {
			t.Errorf("%q: %d receipts", tc.data, len(rs))
			continue
		}
		if got := zxingRead(t, reader, render.Image(rs[0])); got != tc.data {
			t.Errorf("%q (columns %d, rows %d, level %c): ZXingReader read %q", tc.data, tc.cols, tc.rows, tc.level, got)
		}
	}
}

// zxingRead pads img with a quiet zone, as the paper round a printed
// symbol, and returns the bytes ZXingReader reads from it as PDF417.
func zxingRead(t *testing.T, reader string, img *image.Paletted) string {
	t.Helper()
	pad := image.NewPaletted(image.Rect(0, 0, img.Rect.Dx()+40, img.Rect.Dy()+40), img.Palette)
	for y := 0; y < img.Rect.Dy(); y++ {
		copy(pad.Pix[(y+20)*pad.Stride+20:], img.Pix[y*img.Stride:(y+1)*img.Stride])
	}
	file := filepath.Join(t.TempDir(), "pdf417.png")
	var buf bytes.Buffer
	if err := png.Encode(&buf, pad); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, reader, "-format", "PDF417", "-bytes", file).Output()
	if err != nil {
		t.Fatalf("ZXingReader: %v", err)
	}
	return string(out)
}

// TestPDF417WiderThanPrintAreaNotPrinted: at module width 8 the symbol
// does not fit 576 dots; the printer prints nothing for it.
func TestPDF417WiderThanPrintAreaNotPrinted(t *testing.T) {
	rs := printAll(t, "", append(pdf417Job("POSHIL RECEIPT 000412 TOTAL 12.50 EUR", 8), "ok\n"...))
	if len(rs) != 1 || strings.TrimSpace(string(render.Text(rs[0]))) != "ok" {
		t.Fatalf("receipts %d: %q", len(rs), render.Text(rs[0]))
	}
}
