package render

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/oned/rss"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/poshil/hil/emulator/escpos/paper"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

func TestTextGolden(t *testing.T) {
	for _, tc := range goldenReceipts {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.name+".txt", Text(tc.r()))
		})
	}
}

// TestPNGGolden compares the pictures dot for dot (not the PNG bytes, which
// depend on the encoder).
func TestPNGGolden(t *testing.T) {
	for _, tc := range goldenReceipts {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := PNG(&buf, tc.r()); err != nil {
				t.Fatal(err)
			}
			got, err := png.Decode(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("our PNG does not decode: %v", err)
			}
			if got.Bounds().Dx() != testWidth {
				t.Errorf("width %d, want %d", got.Bounds().Dx(), testWidth)
			}
			path := filepath.Join("testdata", tc.name+".png")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			defer f.Close()
			want, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if n := diffDots(want, got); n != 0 {
				out := filepath.Join(t.TempDir(), tc.name+".png")
				os.WriteFile(out, buf.Bytes(), 0o644)
				t.Errorf("%s: %d dots differ; got written to %s", path, n, out)
			}
		})
	}
}

func ink(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r+g+b < 3*0x8000
}

// diffDots counts the dots that differ (all of them if the sizes differ).
func diffDots(a, b image.Image) int {
	if a.Bounds() != b.Bounds() {
		return a.Bounds().Dx()*a.Bounds().Dy() + 1
	}
	n := 0
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if ink(a, x, y) != ink(b, x, y) {
				n++
			}
		}
	}
	return n
}

func TestPNGIsOneBit(t *testing.T) {
	var buf bytes.Buffer
	if err := PNG(&buf, englishReceipt()); err != nil {
		t.Fatal(err)
	}
	// IHDR: 8-byte signature, 4 length, 4 type, 4 width, 4 height, bit depth, colour type.
	b := buf.Bytes()
	if string(b[12:16]) != "IHDR" || b[24] != 1 || b[25] != 3 {
		t.Fatalf("IHDR bit depth %d colour type %d, want 1 and 3 (paletted)", b[24], b[25])
	}
}

func decodeWith(t *testing.T, reader gozxing.Reader, img image.Image) string {
	t.Helper()
	src := gozxing.NewLuminanceSourceFromImage(img)
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := reader.Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("symbol not decoded: %v", err)
	}
	return res.GetText()
}

// TestQRDecodesAgain reads the QR code back from the golden receipt's picture.
func TestQRDecodesAgain(t *testing.T) {
	r := qrReceipt()
	img := Image(r)
	var want string
	for _, e := range r.Elements {
		if q, ok := e.(paper.QR); ok {
			want = q.Data
		}
	}
	if got := decodeWith(t, qrcode.NewQRCodeReader(), img); got != want {
		t.Errorf("QR decoded %q, want %q", got, want)
	}
}

func TestQRLevelsAndSizes(t *testing.T) {
	for _, lv := range []paper.ECLevel{paper.ECLevelL, paper.ECLevelM, paper.ECLevelQ, paper.ECLevelH} {
		for _, size := range []int{3, 8} {
			data := "hil QR " + lv.String() + " 收据"
			r := newReceipt(1).feed(2).add(paper.QR{Data: data, Model: 2, ModuleSize: size, ECLevel: lv,
				Align: paper.Right, AreaWidth: testWidth - 40}).feed(2).receipt()
			if got := decodeWith(t, qrcode.NewQRCodeReader(), Image(r)); got != data {
				t.Errorf("level %v size %d: decoded %q", lv, size, got)
			}
		}
	}
}

// TestBarcodesDecodeAgain draws each symbology on its own receipt and reads
// it back with an independent decoder.
func TestBarcodesDecodeAgain(t *testing.T) {
	for _, tc := range []struct {
		sym    paper.Symbology
		data   string
		reader gozxing.Reader
		want   string
		hri    string
	}{
		{paper.Code128, "RET-000412-02", oned.NewCode128Reader(), "RET-000412-02", "RET-000412-02"},
		{paper.Code128, "1234567890", oned.NewCode128Reader(), "1234567890", "1234567890"},
		{paper.EAN13, "4006381333931", oned.NewEAN13Reader(), "4006381333931", "4006381333931"},
		{paper.EAN13, "400638133393", oned.NewEAN13Reader(), "4006381333931", "4006381333931"},
		{paper.EAN8, "9638507", oned.NewEAN8Reader(), "96385074", "96385074"},
		{paper.UPCA, "03600029145", oned.NewUPCAReader(), "036000291452", "036000291452"},
		{paper.UPCE, "0123456", oned.NewUPCEReader(), "01234565", "01234565"},
		{paper.UPCE, "01234565", oned.NewUPCEReader(), "01234565", "01234565"},
		{paper.Code39, "TILL-2", oned.NewCode39Reader(), "TILL-2", "*TILL-2*"},
		{paper.Code93, "Receipt 42", oned.NewCode93Reader(), "Receipt 42", "Receipt 42"},
		{paper.ITF, "12345678", oned.NewITFReader(), "12345678", "12345678"},
		{paper.Codabar, "A40156B", oned.NewCodaBarReader(), "40156", "A40156B"},
		{paper.DataBarOmni, "0950110153000", rss.NewRSS14Reader(), "09501101530003", "(01)09501101530003"},
		{paper.DataBarOmni, "20012345678909", rss.NewRSS14Reader(), "20012345678909", "(01)20012345678909"},
		{paper.DataBarTruncated, "0001234567890", rss.NewRSS14Reader(), "00012345678905", "(01)00012345678905"},
	} {
		t.Run(string(tc.sym)+"/"+tc.data, func(t *testing.T) {
			_, hri, err := Modules(tc.sym, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if hri != tc.hri {
				t.Errorf("HRI %q, want %q", hri, tc.hri)
			}
			r := newReceipt(1).feed(1).add(paper.Barcode{Symbology: tc.sym, Data: tc.data, Height: 80, ModuleWidth: 2,
				HRI: paper.HRIBelow, Align: paper.Center, AreaWidth: testWidth}).feed(1).receipt()
			if got := decodeWith(t, tc.reader, Image(r)); got != tc.want {
				t.Errorf("decoded %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBadSymbolsAreLeftBlank(t *testing.T) {
	for _, e := range []paper.Element{
		paper.Barcode{Symbology: paper.EAN13, Data: "12AB", Height: 50, ModuleWidth: 2, AreaWidth: testWidth},
		paper.Barcode{Symbology: paper.ITF, Data: "123", Height: 50, ModuleWidth: 2, AreaWidth: testWidth},
		paper.Barcode{Symbology: "PDF417", Data: "x", Height: 50, ModuleWidth: 2, AreaWidth: testWidth},
	} {
		b := e.(paper.Barcode)
		if _, _, err := Modules(b.Symbology, b.Data); !errors.Is(err, ErrSymbol) {
			t.Errorf("%s %q: error %v, want ErrSymbol", b.Symbology, b.Data, err)
		}
		img := Image(newReceipt(1).add(e).receipt())
		if img.Bounds().Dy() != 50 {
			t.Errorf("%s: height %d, want the 50 dots the paper moved", b.Symbology, img.Bounds().Dy())
		}
		for _, p := range img.Pix {
			if p != white {
				t.Fatalf("%s %q: ink drawn for a symbol that cannot be encoded", b.Symbology, b.Data)
			}
		}
	}
}

type failWriter struct{}

var errDisk = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errDisk }

func TestPNGWriteError(t *testing.T) {
	err := PNG(failWriter{}, englishReceipt())
	var we *WriteError
	if !errors.As(err, &we) || !errors.Is(err, ErrWrite) || !errors.Is(err, errDisk) {
		t.Fatalf("error %v, want a WriteError wrapping the writer's error", err)
	}
}

func TestTextMarkers(t *testing.T) {
	r := newReceipt(1).add(
		paper.Image{Width: 16, Height: 2, Bits: make([]byte, 4)},
		paper.Barcode{Symbology: paper.Code128, Data: "A\nB"},
		paper.QR{Data: "line1\r\nline2"},
		paper.Drawer{Pin: 5},
		paper.Cut{Partial: true},
		paper.Cut{},
	).receipt()
	want := "[IMAGE 16x2]\n[BARCODE CODE128] A\\x0AB\n[QR] line1\\x0D\\x0Aline2\n[DRAWER 5]\n[PARTIAL CUT]\n[CUT]\n"
	if got := string(Text(r)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestTextColumns(t *testing.T) {
	// A double-width run, CJK at double width, a Font B run placed by its own
	// cells, overlapping runs and control characters.
	r := newReceipt(1).
		line(paper.Left, styled("AB", paper.Style{Width: 2}), plain("c")).
		line(paper.Left, styled("中a", paper.Style{Width: 2})).
		place(paper.Left, 90, styled("fontB", paper.Style{Font: paper.FontB})).
		add(&paper.Line{Runs: []paper.Run{
			{X: 0, Text: "abc", CellWidth: 12, CellHeight: 24},
			{X: 12, Text: "d\te", CellWidth: 12, CellHeight: 24},
		}}).
		receipt()
	want := "AB  c\n中a\n          fontB\nabcd e\n"
	if got := string(Text(r)); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// TestTextKeepsRunsTogether: a magnified run's characters stay together,
// the columns it takes on paper follow it as spaces, and runs placed out of
// order (ESC $ backwards) come out at their columns.
func TestTextKeepsRunsTogether(t *testing.T) {
	r := newReceipt(1).
		line(paper.Left, styled("TOTAL 12.50", paper.Style{Width: 2, Height: 2}), plain("|")).
		add(&paper.Line{Runs: []paper.Run{
			{X: 256, Text: "B", CellWidth: 12, CellHeight: 24, Style: paper.Style{Width: 1, Height: 1}},
			{X: 0, Text: "A", CellWidth: 12, CellHeight: 24, Style: paper.Style{Width: 1, Height: 1}},
		}}).
		receipt()
	want := "TOTAL 12.50           |\nA" + strings.Repeat(" ", 20) + "B\n"
	if got := string(Text(r)); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestTextAppendReusesBuffer(t *testing.T) {
	r := englishReceipt()
	buf := AppendText(nil, r)
	n := len(buf)
	buf = AppendText(buf[:0], r)
	if len(buf) != n {
		t.Fatalf("second render %d bytes, first %d", len(buf), n)
	}
	if allocs := testing.AllocsPerRun(20, func() { buf = AppendText(buf[:0], r) }); allocs != 0 {
		t.Errorf("AppendText into a large enough buffer allocates %v times", allocs)
	}
}

func TestFeedLines(t *testing.T) {
	r := newReceipt(1).line(paper.Left, plain("a")).add(paper.Feed{Dots: 10}, paper.Feed{Dots: 60}).line(paper.Left, plain("b")).receipt()
	if got, want := string(Text(r)), "a\n\n\nb\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNilAndEmpty(t *testing.T) {
	if got := Text(nil); len(got) != 0 {
		t.Errorf("Text(nil) = %q", got)
	}
	var buf bytes.Buffer
	if err := PNG(&buf, &paper.Receipt{}); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil || img.Bounds().Dx() != 576 || img.Bounds().Dy() != 1 {
		t.Fatalf("empty receipt: %v %v", img.Bounds(), err)
	}
}

// TestGlyphScaling checks the 3:2 scale of an 8×16 glyph into Font A's
// 12×24 cell against the font's own bitmap.
func TestGlyphScaling(t *testing.T) {
	font, err := loadFont()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range "A中" {
		src, _ := font.Glyph(r)
		cw := 12 * src.Width / 8
		g := glyphFor(r, cw, 24)
		for y := 0; y < 24; y++ {
			for x := 0; x < cw; x++ {
				if want := src.At(x*2/3, y*2/3); (g.dots[y*cw+x] == 1) != want {
					t.Fatalf("%c dot (%d,%d) = %v, want %v", r, x, y, g.dots[y*cw+x], want)
				}
			}
		}
	}
	// Missing glyphs fall back to U+FFFD, not to nothing.
	g := glyphFor('\U0001F600', 12, 24)
	if !bytes.Contains(g.dots, []byte{1}) {
		t.Error("a character outside the font draws nothing")
	}
}

func TestStyles(t *testing.T) {
	at := func(img *image.Paletted, x, y int) bool { return img.Pix[y*img.Stride+x] == black }
	count := func(img *image.Paletted) int {
		n := 0
		for _, p := range img.Pix {
			n += int(p)
		}
		return n
	}
	one := func(st paper.Style) *image.Paletted {
		return Image(newReceipt(1).place(paper.Left, 0, styled("H", st)).receipt())
	}
	normal := one(paper.Style{})
	if bold := one(paper.Style{Bold: true}); count(bold) <= count(normal) {
		t.Error("bold prints no more dots than normal")
	}
	big := one(paper.Style{Width: 2, Height: 3})
	if got, want := count(big), 6*count(normal); got != want {
		t.Errorf("2×3 magnified H has %d dots, want %d", got, want)
	}
	ul := one(paper.Style{Underline: 2})
	for x := 0; x < 12; x++ {
		if !at(ul, x, 23) || !at(ul, x, 22) || at(ul, x, 21) && !at(normal, x, 21) {
			t.Fatalf("2-dot underline wrong at x=%d", x)
		}
	}
	rev := one(paper.Style{Reverse: true})
	if got, want := count(rev), 12*24-count(normal); got != want {
		t.Errorf("reverse H has %d ink dots, want %d (the cell less the glyph)", got, want)
	}
	up := one(paper.Style{UpsideDown: true})
	h := up.Bounds().Dy()
	for y := 0; y < h; y++ {
		for x := 0; x < testWidth; x++ {
			if at(up, x, y) != at(normal, testWidth-1-x, h-1-y) {
				t.Fatalf("upside-down line is not the normal one turned 180° at (%d,%d)", x, y)
			}
		}
	}
}

func BenchmarkText(b *testing.B) {
	var r paper.Receipt
	r = *newReceipt(1).receipt()
	for i := 0; i < 200; i++ {
		r.Elements = append(r.Elements, englishReceipt().Elements...)
	}
	var buf []byte
	buf = AppendText(buf, &r)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendText(buf[:0], &r)
	}
}

func thirtyLines() *paper.Receipt {
	b := newReceipt(1).line(paper.Center, styled("CORNER DELI", doubleStyle))
	for i := 0; i < 28; i++ {
		b.lr(strings.Repeat("Item ", 1+i%5)+"x1", "12.34")
	}
	return b.line(paper.Center, styled("中文 Thank you", boldStyle)).add(paper.Cut{}).receipt()
}

func BenchmarkPNG30Lines(b *testing.B) {
	r := thirtyLines()
	var buf bytes.Buffer
	if err := PNG(&buf, r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := PNG(&buf, r); err != nil {
			b.Fatal(err)
		}
	}
}

// padded returns img with m dots of paper added round it.
func padded(img image.Image, m int) image.Image {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx()+2*m, b.Dy()+2*m))
	for i := range out.Pix {
		out.Pix[i] = 0xFF
	}
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			if ink(img, b.Min.X+x, b.Min.Y+y) {
				out.Pix[(y+m)*out.Stride+x+m] = 0
			}
		}
	}
	return out
}

// TestKanjiRuns checks double-byte runs from the printer: every character
// takes two cells and one spacing, whether or not a terminal shows it wide.
func TestKanjiRuns(t *testing.T) {
	kanji := paper.Run{X: 0, Text: "①─中", Kanji: true, CellWidth: 12, CellHeight: 24, CharSpacing: 2, Style: paper.Style{Width: 1, Height: 1}}
	next := paper.Run{X: 3 * (24 + 2), Text: "x", CellWidth: 12, CellHeight: 24, Style: paper.Style{Width: 1, Height: 1}}
	r := newReceipt(1).add(&paper.Line{Runs: []paper.Run{kanji, next}, Height: 30, Ascent: 24}).receipt()
	if got, want := string(Text(r)), "①─中  x\n"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	// 中 is the third character: at dot 2×26 = 52, as if printed alone there.
	alone := kanji
	alone.X, alone.Text = 52, "中"
	a := Image(r)
	b := Image(newReceipt(1).add(&paper.Line{Runs: []paper.Run{alone}, Height: 30, Ascent: 24}).receipt())
	for y := 0; y < 30; y++ {
		for x := 52; x < 52+24; x++ {
			if a.Pix[y*a.Stride+x] != b.Pix[y*b.Stride+x] {
				t.Fatalf("中 not drawn at dot 52 (differs at %d,%d)", x, y)
			}
		}
	}
	page := renderHTML(t, r)
	if !strings.Contains(page, `<i class="w">①</i><i class="w">─</i><i class="w">中</i>`) {
		t.Error("HTML does not give every double-byte character two cells")
	}
}

func TestCode128VariantsDecode(t *testing.T) {
	for _, tc := range []struct {
		sym  paper.Symbology
		data string
		want string
	}{
		{paper.Code128Auto, "Order 42", "Order 42"},
		{paper.GS1128, "(01)09501101530003", "0109501101530003"},
	} {
		r := newReceipt(1).feed(1).add(paper.Barcode{Symbology: tc.sym, Data: tc.data, Height: 80, ModuleWidth: 2,
			HRI: paper.HRIBelow, Align: paper.Center, AreaWidth: testWidth}).feed(1).receipt()
		if got := decodeWith(t, oned.NewCode128Reader(), Image(r)); got != tc.want {
			t.Errorf("%s %q decoded %q, want %q", tc.sym, tc.data, got, tc.want)
		}
	}
	// GS1 DataBar is drawn now; its data is the GTIN alone, so a GTIN with
	// the AI in front (16 digits) is refused.
	if _, _, err := Modules(paper.DataBarOmni, "0109501101530003"); !errors.Is(err, ErrSymbol) {
		t.Errorf("DataBar with the AI in the data: error %v, want ErrSymbol", err)
	}
	if _, _, err := Modules(paper.DataBarOmni, "09501101530003"); err != nil {
		t.Errorf("DataBar: %v", err)
	}
}

// TestConcurrentRendering renders from several goroutines at once, as the
// admin API does, and expects the pictures a lone caller gets.
func TestConcurrentRendering(t *testing.T) {
	want := make(map[string][]byte)
	for _, tc := range goldenReceipts {
		var buf bytes.Buffer
		if err := PNG(&buf, tc.r()); err != nil {
			t.Fatal(err)
		}
		want[tc.name] = buf.Bytes()
	}
	errs := make(chan error, 4*len(goldenReceipts))
	var wg sync.WaitGroup
	for range 4 {
		for _, tc := range goldenReceipts {
			wg.Go(func() {
				var buf bytes.Buffer
				if err := PNG(&buf, tc.r()); err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(buf.Bytes(), want[tc.name]) {
					errs <- fmt.Errorf("%s: concurrent PNG differs", tc.name)
				}
				if err := HTML(io.Discard, tc.r()); err != nil {
					errs <- err
				}
				_ = Text(tc.r())
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestPrintableLen checks the eight-bytes-at-a-time scan against the
// byte-by-byte definition: every byte value at every position of a line.
func TestPrintableLen(t *testing.T) {
	naive := func(s string) int {
		n := 0
		for n < len(s) && s[n] >= 0x20 && s[n] < 0x7F {
			n++
		}
		return n
	}
	line := []byte("Item 00042  Widget, blue, large")
	for pos := range line {
		for c := range 256 {
			b := append([]byte(nil), line...)
			b[pos] = byte(c)
			if pos > 0 {
				b[pos-1] = 0x7E // the top printable byte just before
			}
			if got, want := printableLen(string(b)), naive(string(b)); got != want {
				t.Fatalf("printableLen(%q) = %d, want %d", b, got, want)
			}
		}
	}
}
