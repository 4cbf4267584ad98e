package escpos

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
)

func printReceipt(t *testing.T, profile string, data []byte) (*paper.Receipt, []byte) {
	t.Helper()
	p, out := newTestPrinter(t, Options{Profile: profile})
	replies := send(t, p, out, data)
	rs := p.Receipts()
	if len(rs) != 1 {
		t.Fatalf("%d receipts, want 1", len(rs))
	}
	return rs[0], replies
}

func TestLayoutEnglishReceipt(t *testing.T) {
	r, replies := printReceipt(t, "tm-t88", englishReceipt())
	if !bytes.Equal(replies, []byte{0x37, 0x22, 'R', '0', '0', '1', 0}) {
		t.Errorf("replies % x, want the GS ( H answer", replies)
	}
	_, _, logoBits := logo()
	A := paper.Style{Width: 1, Height: 1}
	bold := A
	bold.Bold = true
	big := paper.Style{Width: 2, Height: 2}
	run := func(x int, s string, st paper.Style) paper.Run {
		return paper.Run{X: x, Text: s, Style: st, CellWidth: 12, CellHeight: 24}
	}
	want := []paper.Element{
		paper.Image{X: 272, Width: 32, Height: 8, Bits: logoBits, Source: "raster"},
		&paper.Line{Runs: []paper.Run{run(156, "POSHIL MART", big)}, Height: 48, Ascent: 48, Align: paper.Center},
		&paper.Line{Runs: []paper.Run{run(204, "12 High Street", A)}, Height: 30, Ascent: 24, Align: paper.Center},
		&paper.Line{Runs: []paper.Run{run(0, "Coffee x2", A), run(464, "7.00", A)}, Height: 30, Ascent: 24},
		&paper.Line{Runs: []paper.Run{run(0, "Bagel", A), run(96, "2.50", A)}, Height: 30, Ascent: 24},
		&paper.Line{Runs: []paper.Run{run(0, "TOTAL", bold), run(464, "9.50", bold)}, Height: 30, Ascent: 24},
		&paper.Line{Runs: []paper.Run{run(0, "VISA ************4242", A)}, Height: 30, Ascent: 24},
		paper.Barcode{Symbology: paper.Code128, Data: "RCPT-000", Height: 60, ModuleWidth: 2, HRI: paper.HRIBelow, Align: paper.Center, AreaWidth: 576},
		paper.Barcode{Symbology: paper.EAN13, Data: "4006381333931", Height: 60, ModuleWidth: 2, HRI: paper.HRIBelow, Align: paper.Center, AreaWidth: 576},
		paper.QR{Data: "https://poshil.example/r/0001", Model: 2, ModuleSize: 4, ECLevel: paper.ECLevelM, Align: paper.Center, AreaWidth: 576},
		paper.Feed{Dots: 60},
		paper.Feed{Dots: 3},
		paper.Cut{Partial: true},
	}
	if diff := cmp.Diff(want, r.Elements); diff != "" {
		t.Errorf("English receipt (-want +got):\n%s", diff)
	}
	if r.Profile != "tm-t88" || r.Width != 576 || r.Columns != 48 || !bytes.Equal(r.Raw, englishReceipt()) {
		t.Errorf("receipt header: %s %d %d, %d raw bytes", r.Profile, r.Width, r.Columns, len(r.Raw))
	}
}

func TestLayoutChineseReceipt(t *testing.T) {
	r, _ := printReceipt(t, "zh-80", chineseReceipt())
	w, h, bits := logo()
	wide, ww, wh := scaleBits(bits, w*8, h, 2, 1)
	A := paper.Style{Width: 1, Height: 1}
	big := paper.Style{Width: 2, Height: 2}
	ank := func(x int, s string) paper.Run {
		return paper.Run{X: x, Text: s, Style: A, CellWidth: 12, CellHeight: 24}
	}
	cjk := func(x int, s string, st paper.Style) paper.Run {
		return paper.Run{X: x, Text: s, Style: st, CellWidth: 12, CellHeight: 24, Kanji: true}
	}
	want := []paper.Element{
		&paper.Line{Runs: []paper.Run{cjk(240, "收据", big)}, Height: 48, Ascent: 48, Align: paper.Center},
		&paper.Line{Runs: []paper.Run{cjk(0, "咖啡", A), ank(48, " x1"), ank(464, "18.00")}, Height: 30, Ascent: 24},
		&paper.Line{Runs: []paper.Run{cjk(0, "合计", A), ank(464, "18.00")}, Height: 30, Ascent: 24},
		&paper.Line{Runs: []paper.Run{cjk(0, "\U00020000字", A)}, Height: 30, Ascent: 24},
		paper.Image{X: (576 - ww) / 2, Width: ww, Height: wh, Bits: wide, Source: "raster"},
		paper.QR{Data: "https://poshil.example/zh/0002", Model: 2, ModuleSize: 5, ECLevel: paper.ECLevelQ, Align: paper.Center, AreaWidth: 576},
		paper.Feed{Dots: 30},
		paper.Cut{},
	}
	if diff := cmp.Diff(want, r.Elements); diff != "" {
		t.Errorf("Chinese receipt (-want +got):\n%s", diff)
	}
}

// DLE EOT 1 inside GS v 0 data is answered, and the image keeps its bytes.
func TestRealtimeInsideRasterData(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	data := realtimeInImage()
	// Byte at a time, as over a slow serial line: the answer comes while
	// the image is still incomplete.
	for i, c := range data[:11] {
		p.Write([]byte{c})
		if i == 10 {
			idle(t, p)
			if got := out.take(); !bytes.Equal(got, []byte{0x12}) {
				t.Fatalf("reply after the third byte of DLE EOT 1 = % x, want 12", got)
			}
		}
	}
	send(t, p, out, data[11:])
	r := p.EndJobAndWait(t)
	img, ok := r.Elements[0].(paper.Image)
	if !ok {
		t.Fatalf("first element %T, want the image", r.Elements[0])
	}
	if want := []byte{0x10, 0x04, 0x01, 0xFF}; img.Width != 16 || img.Height != 2 || !bytes.Equal(img.Bits, want) {
		t.Errorf("image %dx%d % x, want 16x2 % x", img.Width, img.Height, img.Bits, want)
	}
	if lines := textLines(r); !cmp.Equal(lines, []string{"after"}) {
		t.Errorf("text after the image: %q", lines)
	}
}

func TestLayoutWrapJustifyMargins(t *testing.T) {
	p, out := newTestPrinter(t, Options{Profile: "generic-58"})
	long := bytes.Repeat([]byte("abcd"), 9) // 36 chars on a 32-column line
	send(t, p, out,
		long, b(LF),
		b(ESC, EscJustify, 2), []byte("right\n"),
		b(ESC, EscJustify, 0, GS, GsLeftMargin, 24, 0, GS, GsPrintWidth, 0x20, 0x01), []byte("margin\n"),
		b(ESC, EscFont, 1), []byte("small\n"),
		b(ESC, EscRightSpacing, 3, GS, GsCharSize, 0x10), []byte("ab\n"),
		[]byte("mid"), b(ESC, EscJustify, 1), []byte("dle\n"), // ESC a in mid-line is ignored
	)
	r := p.EndJobAndWait(t)
	lines := r.Elements
	get := func(i int) *paper.Line { return lines[i].(*paper.Line) }
	if len(lines) != 7 {
		t.Fatalf("%d elements: %v", len(lines), lines)
	}
	if got := get(0).Runs[0].Text; got != string(long[:32]) {
		t.Errorf("wrapped first line %q", got)
	}
	if got := get(1).Runs[0]; got.Text != "abcd" || got.X != 0 {
		t.Errorf("wrapped rest %+v", got)
	}
	if got := get(2).Runs[0].X; got != 384-5*12 {
		t.Errorf("right-justified X = %d, want %d", got, 384-60)
	}
	if got := get(3).Runs[0].X; got != 24 {
		t.Errorf("left margin X = %d, want 24", got)
	}
	if got := get(4).Runs[0]; got.CellWidth != 9 || got.CellHeight != 17 || got.Style.Font != paper.FontB {
		t.Errorf("Font B run %+v", got)
	}
	if got := get(5); got.Runs[0].CharSpacing != 3 || got.Runs[0].Style.Width != 2 {
		t.Errorf("spacing/size run %+v", got.Runs[0])
	}
	if got := get(6); got.Align != paper.Left || got.Runs[0].Text != "middle" {
		t.Errorf("mid-line ESC a changed the line: %+v", got)
	}
}

func TestLayoutColumnImageAndGraphics(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	send(t, p, out,
		b(ESC, EscLineSpacing, 24),
		b(ESC, EscBitImage, 33, 2, 0, 0x80, 0, 0x01, 0xFF, 0xFF, 0xFF), b(LF),
		b(ESC, EscDefaultSpacing),
		b(GS, GsParen, GsParenGraphics, 11, 0, 48, 112, 48, 1, 1, 49, 8, 0, 1, 0, 0xA5),
		b(GS, GsParen, GsParenGraphics, 2, 0, 48, 50),
		b(ESC, EscPulse, 0, 50, 100),
	)
	r := p.EndJobAndWait(t)
	col, ok := r.Elements[0].(paper.Image)
	if !ok || col.Width != 2 || col.Height != 24 || col.Source != "column" {
		t.Fatalf("column image %+v", r.Elements[0])
	}
	if !col.At(0, 0) || col.At(0, 1) || !col.At(0, 23) || !col.At(1, 5) {
		t.Errorf("column image bits % x", col.Bits)
	}
	g, ok := r.Elements[1].(paper.Image)
	if !ok || g.Width != 8 || g.Height != 1 || g.Bits[0] != 0xA5 || g.Source != "graphics" {
		t.Errorf("graphics %+v", r.Elements[1])
	}
	if d, ok := r.Elements[2].(paper.Drawer); !ok || d != (paper.Drawer{Pin: 2, OnMS: 100, OffMS: 200}) {
		t.Errorf("drawer %+v", r.Elements[2])
	}
	if !p.Status().DrawerOpen {
		t.Error("drawer kick did not open the drawer")
	}
}

func TestBarcodeData(t *testing.T) {
	tests := []struct {
		sym  paper.Symbology
		in   string
		want string
		ok   bool
	}{
		{paper.EAN13, "400638133393", "4006381333931", true},
		{paper.EAN13, "4006381333931", "4006381333931", true},
		{paper.EAN13, "4006381333930", "", false},
		{paper.UPCA, "03600029145", "036000291452", true},
		{paper.EAN8, "9638507", "96385074", true},
		{paper.Code39, "AB-12", "AB-12", true},
		{paper.Code39, "ab", "", false},
		{paper.ITF, "123", "", false},
		{paper.Codabar, "A40156B", "A40156B", true},
		{paper.Code128, "{BNo.{C\x0c\x22", "No.1234", true},
		{paper.Code128, "ABC", "", false},
	}
	for _, tc := range tests {
		got, err := barcodeData(tc.sym, []byte(tc.in))
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%s %q = %q, %v; want %q ok=%v", tc.sym, tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// TestBarcodeDataDataBar checks GS k 75–78 data against Epson's rules for
// GS1 DataBar (see dataBarExpandedData for the sources): Omnidirectional,
// Truncated and Limited take the 13 digits of a GTIN without the AI 01 and
// its check digit, Limited's first digit 0 or 1; Expanded takes element
// strings with every AI in parentheses, "*" skipped and "{1" (FNC1) before
// an AI. What barcodeData returns is stored in paper.Barcode.Data.
func TestBarcodeDataDataBar(t *testing.T) {
	tests := []struct {
		sym  paper.Symbology
		in   string
		want string // "" for an error
	}{
		{paper.DataBarOmni, "0950110153000", "09501101530003"},
		{paper.DataBarOmni, "2001234567890", "20012345678909"},
		{paper.DataBarOmni, "09501101530003", ""}, // 14 digits: Epson takes 13
		{paper.DataBarOmni, "095011015300", ""},
		{paper.DataBarOmni, "0950110153O00", ""},
		{paper.DataBarOmni, "", ""},
		{paper.DataBarTruncated, "0001234567890", "00012345678905"},
		{paper.DataBarTruncated, "(01)000123456", ""},
		{paper.DataBarLimited, "1501234567890", "15012345678907"},
		{paper.DataBarLimited, "0031234567890", "00312345678906"},
		{paper.DataBarLimited, "2501234567890", ""}, // first digit 0 or 1
		{paper.DataBarLimited, "9501234567890", ""},
		{paper.DataBarExpanded, "(01)09501101530003(17)140704(10)AB-123", "(01)09501101530003(17)140704(10)AB-123"},
		{paper.DataBarExpanded, "(01)90614141000015(3202)000150", "(01)90614141000015(3202)000150"},
		{paper.DataBarExpanded, "(10)12A", "(10)12A"},
		{paper.DataBarExpanded, "(10)AB-123{1(21)x y", "(10)AB-123(21)x y"},                       // FNC1 before an AI is implied
		{paper.DataBarExpanded, "*(01)0950110153000*3(17)140704", "(01)09501101530003(17)140704"}, // '*' skipped
		{paper.DataBarExpanded, `(91)!"%&'+,-./:;<=>?_`, `(91)!"%&'+,-./:;<=>?_`},
		{paper.DataBarExpanded, "(01)09501101530004", ""}, // check digit of (01)
		{paper.DataBarExpanded, "(01)0950110153000", ""},  // (01) is 14 digits
		{paper.DataBarExpanded, "0109501101530003", ""},   // no AI in parentheses
		{paper.DataBarExpanded, "(", ""},                  // too short and no AI
		{paper.DataBarExpanded, "(10)AB{2", ""},           // only {1 is accepted
		{paper.DataBarExpanded, "(10)AB{(C{)", ""},        // no parentheses in data
		{paper.DataBarExpanded, "(10)AB{1", ""},           // FNC1 at the end
		{paper.DataBarExpanded, "(10)A{1B", ""},           // FNC1 inside data
		{paper.DataBarExpanded, `(10)AB\x`, ""},           // backslash: not in Epson's range
		{paper.DataBarExpanded, "(10)AB\x00", ""},
		{paper.DataBarExpanded, "(10)", ""},                           // AI without data
		{paper.DataBarExpanded, "(1)23", ""},                          // AI of one digit
		{paper.DataBarExpanded, "(91)" + strings.Repeat("A", 41), ""}, // more than 21 data characters
	}
	for _, tc := range tests {
		got, err := barcodeData(tc.sym, []byte(tc.in))
		if tc.want == "" {
			if !errors.Is(err, errBarcodeData) {
				t.Errorf("%s %q = %q, %v; want an error wrapping errBarcodeData", tc.sym, tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s %q = %q, %v; want %q", tc.sym, tc.in, got, err, tc.want)
		}
	}
	// A bad element string names the renderer's reason as well.
	_, err := barcodeData(paper.DataBarExpanded, []byte("(01)09501101530004"))
	if !errors.Is(err, render.ErrSymbol) {
		t.Errorf("error %v does not wrap render.ErrSymbol", err)
	}
}

// TestLayoutDataBar prints GS k 75–78 and checks what lands on paper:
// the data barcodeData returns, the symbology, the barcode parameters.
func TestLayoutDataBar(t *testing.T) {
	var s []byte
	gsk := func(m byte, data string) {
		s = append(s, GS, GsBarcode, m, byte(len(data)))
		s = append(s, data...)
	}
	s = append(s, GS, GsBarcodeHeight, 40, GS, GsBarcodeWidth, 2, GS, GsHRIPosition, 2)
	gsk(75, "0950110153000")
	gsk(76, "0001234567890")
	gsk(77, "1501234567890")
	gsk(77, "2501234567890") // ignored: Limited starts with 0 or 1
	gsk(78, "(01)09501101530003(17)140704{1(10)AB-123")
	gsk(78, "(01)09501101530004") // ignored: check digit
	s = append(s, GS, GsCut, 49)
	r, _ := printReceipt(t, "tm-t88", s)
	bc := func(sym paper.Symbology, data string) paper.Barcode {
		return paper.Barcode{Symbology: sym, Data: data, Height: 40, ModuleWidth: 2, HRI: paper.HRIBelow, AreaWidth: 576}
	}
	want := []paper.Element{
		bc(paper.DataBarOmni, "09501101530003"),
		bc(paper.DataBarTruncated, "00012345678905"),
		bc(paper.DataBarLimited, "15012345678907"),
		bc(paper.DataBarExpanded, "(01)09501101530003(17)140704(10)AB-123"),
		paper.Cut{Partial: true},
	}
	if diff := cmp.Diff(want, r.Elements); diff != "" {
		t.Errorf("DataBar receipt (-want +got):\n%s", diff)
	}
}

func TestLayoutTabOnlyLineFeeds(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	send(t, p, out, []byte("a\n\t\nb\n"))
	r := p.EndJobAndWait(t)
	if len(r.Elements) != 3 {
		t.Fatalf("elements %v", r.Elements)
	}
	if f, ok := r.Elements[1].(paper.Feed); !ok || f.Dots != 30 {
		t.Errorf("a line with only a tab: %#v, want a 30-dot feed", r.Elements[1])
	}
}
