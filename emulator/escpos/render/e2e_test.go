package render_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
)

// These tests run ESC/POS byte streams (testdata/e2e-*.bin, written from
// the named command constants below) through the emulated printer and
// render what it printed.

var updateE2E = flag.Bool("update-e2e", false, "rewrite the end-to-end .bin, .txt and .png files in testdata")

// stream builds an ESC/POS byte stream.
type stream struct{ b []byte }

func (s *stream) raw(b ...byte) *stream    { s.b = append(s.b, b...); return s }
func (s *stream) esc(b ...byte) *stream    { return s.raw(append([]byte{escpos.ESC}, b...)...) }
func (s *stream) gs(b ...byte) *stream     { return s.raw(append([]byte{escpos.GS}, b...)...) }
func (s *stream) fs(b ...byte) *stream     { return s.raw(append([]byte{escpos.FS}, b...)...) }
func (s *stream) text(t string) *stream    { s.b = append(s.b, t...); return s }
func (s *stream) line(t string) *stream    { return s.text(t).raw(escpos.LF) }
func (s *stream) align(j byte) *stream     { return s.esc(escpos.EscJustify, j) }
func (s *stream) bold(on bool) *stream     { return s.esc(escpos.EscEmphasize, b2i(on)) }
func (s *stream) size(w, h byte) *stream   { return s.gs(escpos.GsCharSize, (w-1)<<4|(h-1)) }
func (s *stream) feedLines(n byte) *stream { return s.esc(escpos.EscPrintFeedLines, n) }
func (s *stream) init() *stream            { return s.esc(escpos.EscInit) }
func (s *stream) cut(partial bool) *stream { return s.gs(escpos.GsCut, 65+b2i(partial), 0) }
func (s *stream) gb18030(t string) *stream { return s.text(mustGB(t)) }
func (s *stream) lr(l, r string) *stream {
	return s.line(l + strings.Repeat(" ", 48-len(l)-len(r)) + r)
}
func (s *stream) underline(n byte) *stream         { return s.esc(escpos.EscUnderline, n) }
func (s *stream) reverse(on bool) *stream          { return s.gs(escpos.GsReverse, b2i(on)) }
func (s *stream) font(f byte) *stream              { return s.esc(escpos.EscFont, f) }
func (s *stream) upsideDown(on bool) *stream       { return s.esc(escpos.EscUpsideDown, b2i(on)) }
func (s *stream) drawer(pin, on, off byte) *stream { return s.esc(escpos.EscPulse, pin, on, off) }

func b2i(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func mustGB(s string) string {
	out, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return string(out)
}

// qr appends the GS ( k sequence of a QR code: model 2, module size, level, store, print.
func (s *stream) qr(data string, size, level byte) *stream {
	fn := func(args ...byte) {
		n := len(args) + 1
		s.gs(escpos.GsParen, escpos.GsParenQR, byte(n), byte(n>>8), escpos.QRSymbolQR)
		s.raw(args...)
	}
	fn(escpos.QRFnModel, 50, 0)
	fn(escpos.QRFnModuleSize, size)
	fn(escpos.QRFnErrorLevel, 48+level)
	fn(append([]byte{escpos.QRFnStore, 48}, data...)...)
	fn(escpos.QRFnPrint, 48)
	return s
}

// barcode appends GS k in its second form (m = 65 + symbology, length).
func (s *stream) barcode(m byte, data string) *stream {
	return s.gs(escpos.GsBarcode, m, byte(len(data))).text(data)
}

// raster appends GS v 0 with a w×h image.
func (s *stream) raster(w, h int, bits []byte) *stream {
	xb := (w + 7) / 8
	s.gs(escpos.GsRaster, '0', 0, byte(xb), byte(xb>>8), byte(h), byte(h>>8))
	return s.raw(bits...)
}

// ring draws a w×h test logo: a ring with a bar through it.
func ring(w, h int) []byte {
	stride := (w + 7) / 8
	bits := make([]byte, stride*h)
	cx, cy, r := w/2, h/2, min(w, h)/2-2
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := x-cx, y-cy
			d2 := dx*dx + dy*dy
			if (d2 <= r*r && d2 >= (r-10)*(r-10)) || (dy > -6 && dy < 6 && dx > -r && dx < r) {
				bits[y*stride+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	return bits
}

// column24 appends ESC * 33 (24-dot double density) of a w-dot-wide
// pattern: a checkerboard of 8-dot squares.
func (s *stream) column24(w int) *stream {
	s.esc(escpos.EscBitImage, 33, byte(w), byte(w>>8))
	for x := 0; x < w; x++ {
		for k := 0; k < 3; k++ {
			if (x/8+k)%2 == 0 {
				s.raw(0xFF)
			} else {
				s.raw(0x00)
			}
		}
	}
	return s.raw(escpos.LF)
}

var e2eStreams = []struct {
	name    string
	profile string
	build   func() []byte
}{
	{"e2e-english", "tm-t88", func() []byte {
		s := new(stream).init().
			align(1).size(2, 2).bold(true).line("CORNER DELI").size(1, 1).bold(false).
			line("12 Market Street, Springfield").
			line("Tel 555-0142  VAT GB123456789").raw(escpos.LF).
			align(0).line("Receipt 000412       2026-11-23 09:41").
			line(strings.Repeat("-", 48)).
			lr("2 x Flat white @ 3.20", "6.40").
			lr("Bagel, smoked salmon", "7.95").
			lr("Orange juice 330ml", "2.50").
			line(strings.Repeat("-", 48)).
			bold(true).size(2, 2).line("TOTAL"+strings.Repeat(" ", 14)+"16.85").size(1, 1).bold(false).
			text("Card ").underline(1).line("************4242").underline(0).
			text("Auth 0A12B3  ").reverse(true).line(" APPROVED ").reverse(false).
			align(1).font(1).line("Thank you for shopping with us!").font(0).
			upsideDown(true).line("upside-down").upsideDown(false).
			feedLines(3).cut(false)
		return s.b
	}},
	{"e2e-chinese", "zh-80", func() []byte {
		s := new(stream).init().
			align(1).size(2, 2).gb18030("好运来超市\n").size(1, 1).
			gb18030("北京市朝阳区建国路88号\n").raw(escpos.LF).
			align(0).gb18030("收银员: 王小明\n").
			line(strings.Repeat("-", 48)).
			gb18030("中文报纸 x1" + strings.Repeat(" ", 32) + "2.00\n").
			gb18030("合计" + strings.Repeat(" ", 38) + "13.50\n").
			align(1).gb18030("谢谢惠顾，欢迎再次光临！\n").
			feedLines(3).cut(true)
		return s.b
	}},
	{"e2e-qr", "tm-t88", func() []byte {
		s := new(stream).init().
			align(1).bold(true).line("E-RECEIPT").bold(false).
			qr("https://r.example.com/000412?t=9f2c", 6, 1).raw(escpos.LF).
			line("000412").
			feedLines(3).cut(true)
		return s.b
	}},
	{"e2e-barcodes", "tm-t88", func() []byte {
		s := new(stream).init().align(1).
			gs(escpos.GsBarcodeHeight, 80).gs(escpos.GsBarcodeWidth, 2).gs(escpos.GsHRIPosition, 2).
			barcode(73, "{BRET-000412-02").raw(escpos.LF).
			barcode(67, "4006381333931").raw(escpos.LF).
			feedLines(3).cut(false)
		return s.b
	}},
	{"e2e-databar", "tm-t88", func() []byte {
		s := new(stream).init().align(1).line("GS1 DATABAR").
			gs(escpos.GsBarcodeHeight, 80).gs(escpos.GsBarcodeWidth, 2).gs(escpos.GsHRIPosition, 2).
			barcode(75, "0950110153000").raw(escpos.LF).
			gs(escpos.GsBarcodeHeight, 40).barcode(76, "0001234567890").raw(escpos.LF).
			barcode(77, "1501234567890").raw(escpos.LF).
			gs(escpos.GsBarcodeHeight, 80).barcode(78, "(01)09501101530003(17)140704(10)AB-123").raw(escpos.LF).
			feedLines(3).cut(false)
		return s.b
	}},
	{"e2e-logo", "generic-58", func() []byte {
		s := new(stream).init().align(1).
			raster(200, 120, ring(200, 120)).
			line("RING & BAR HARDWARE").align(0).
			column24(96).
			line("CASH            20.00").
			drawer(0, 50, 100).
			feedLines(3).raw(escpos.ESC, escpos.EscFullCutLegacy)
		return s.b
	}},
}

// printAll feeds a stream to a printer of the profile and returns what it printed.
func printAll(t *testing.T, profile string, data []byte) []*paper.Receipt {
	t.Helper()
	p, err := escpos.NewPrinter(escpos.Options{Profile: profile})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Write(data); err != nil {
		t.Fatal(err)
	}
	p.EndJob()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	return p.Receipts()
}

func goldenFile(t *testing.T, path string, got []byte) {
	t.Helper()
	if *updateE2E {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-e2e to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

func TestEndToEnd(t *testing.T) {
	for _, tc := range e2eStreams {
		t.Run(tc.name, func(t *testing.T) {
			bin := filepath.Join("testdata", tc.name+".bin")
			built := tc.build()
			if *updateE2E {
				if err := os.WriteFile(bin, built, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			data, err := os.ReadFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, built) {
				t.Fatalf("%s is not what the test builds (run with -update-e2e)", bin)
			}
			receipts := printAll(t, tc.profile, data)
			if len(receipts) != 1 {
				t.Fatalf("%d receipts, want 1", len(receipts))
			}
			r := receipts[0]
			goldenFile(t, filepath.Join("testdata", tc.name+".txt"), render.Text(r))

			var buf bytes.Buffer
			if err := render.PNG(&buf, r); err != nil {
				t.Fatal(err)
			}
			pngPath := filepath.Join("testdata", tc.name+".png")
			if *updateE2E {
				if err := os.WriteFile(pngPath, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := png.Decode(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if got.Bounds().Dx() != r.Width {
				t.Errorf("PNG %d dots wide, profile %d", got.Bounds().Dx(), r.Width)
			}
			f, err := os.Open(pngPath)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			want, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if n := differing(want, got); n != 0 {
				out := filepath.Join(t.TempDir(), tc.name+".png")
				os.WriteFile(out, buf.Bytes(), 0o644)
				t.Errorf("%s: %d dots differ; got written to %s", pngPath, n, out)
			}
		})
	}
}

func black(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r+g+b < 3*0x8000
}

func differing(a, b image.Image) int {
	if a.Bounds() != b.Bounds() {
		return a.Bounds().Dx()*a.Bounds().Dy() + 1
	}
	n := 0
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if black(a, x, y) != black(b, x, y) {
				n++
			}
		}
	}
	return n
}

func decode(t *testing.T, reader gozxing.Reader, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(gozxing.NewLuminanceSourceFromImage(img)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := reader.Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("not decoded: %v", err)
	}
	return res.GetText()
}

// crop returns the rows of img that the element at index i of r occupies,
// found by drawing the receipt up to and including it.
func crop(r *paper.Receipt, img *image.Paletted, i int) image.Image {
	before := render.Image(&paper.Receipt{Width: r.Width, Elements: r.Elements[:i]}).Bounds().Dy()
	upto := render.Image(&paper.Receipt{Width: r.Width, Elements: r.Elements[:i+1]}).Bounds().Dy()
	if i == 0 {
		before = 0
	}
	return img.SubImage(image.Rect(0, max(before-20, 0), r.Width, min(upto+20, img.Bounds().Dy())))
}

// TestEndToEndSymbolsDecode reads the QR code and barcodes the printer
// printed back from the PNG, with an independent decoder.
func TestEndToEndSymbolsDecode(t *testing.T) {
	get := func(name string) (*paper.Receipt, *image.Paletted) {
		for _, tc := range e2eStreams {
			if tc.name == name {
				r := printAll(t, tc.profile, tc.build())[0]
				return r, render.Image(r)
			}
		}
		t.Fatalf("no stream %s", name)
		return nil, nil
	}
	r, img := get("e2e-qr")
	if got := decode(t, qrcode.NewQRCodeReader(), img); got != "https://r.example.com/000412?t=9f2c" {
		t.Errorf("QR decoded %q", got)
	}
	r, img = get("e2e-barcodes")
	want := map[paper.Symbology]struct {
		reader gozxing.Reader
		text   string
	}{
		paper.Code128: {oned.NewCode128Reader(), "RET-000412-02"},
		paper.EAN13:   {oned.NewEAN13Reader(), "4006381333931"},
	}
	found := 0
	for i, e := range r.Elements {
		b, ok := e.(paper.Barcode)
		if !ok {
			continue
		}
		w, ok := want[b.Symbology]
		if !ok {
			t.Errorf("unexpected barcode %v", b.Symbology)
			continue
		}
		found++
		if got := decode(t, w.reader, crop(r, img, i)); got != w.text {
			t.Errorf("%s decoded %q, want %q", b.Symbology, got, w.text)
		}
	}
	if found != len(want) {
		t.Errorf("%d barcodes printed, want %d", found, len(want))
	}
}

func ExampleText_fromPrinter() {
	p, err := escpos.NewPrinter(escpos.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	s := new(stream).init().line("Receipt 42").align(1).line("Thank you").cut(true)
	p.Write(s.b)
	p.WaitIdle(context.Background())
	for _, r := range p.Receipts() {
		os.Stdout.Write(render.Text(r))
	}
	// Output:
	// Receipt 42
	//                    Thank you
	// [PARTIAL CUT]
}

// textHeavy is a text-heavy job of about 1 MB: 48-column item lines with
// emphasis toggles, a cut every 40 lines.
func textHeavy() []byte {
	s := new(stream).init()
	for i := 0; len(s.b) < 1<<20; i++ {
		if i%7 == 0 {
			s.bold(i%14 == 0)
		}
		s.lr(fmt.Sprintf("%4d x Item number %d", i%9+1, i), fmt.Sprintf("%d.%02d", i%500, i%100))
		if i%40 == 39 {
			s.cut(true)
		}
	}
	return s.cut(false).b
}

// BenchmarkPrintAndText measures decode + print + text render: the
// emulated printer takes a text-heavy stream and every receipt it printed
// is rendered as text.
func BenchmarkPrintAndText(b *testing.B) {
	data := textHeavy()
	b.SetBytes(int64(len(data)))
	var buf []byte
	for b.Loop() {
		p, err := escpos.NewPrinter(escpos.Options{})
		if err != nil {
			b.Fatal(err)
		}
		p.Write(data)
		p.EndJob()
		if err := p.WaitIdle(context.Background()); err != nil {
			b.Fatal(err)
		}
		buf = buf[:0]
		for _, r := range p.Receipts() {
			buf = render.AppendText(buf, r)
		}
		p.Close()
	}
}

// TestPictureAsLongAsPaperUsed checks that the PNG of each stream is as
// long as the paper the printer reports it consumed from a finite roll.
func TestPictureAsLongAsPaperUsed(t *testing.T) {
	const rollMM = 50000
	for _, tc := range e2eStreams {
		t.Run(tc.name, func(t *testing.T) {
			p, err := escpos.NewPrinter(escpos.Options{Profile: tc.profile, RollLengthMM: rollMM})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			full := p.Status().RollRemainingDots
			p.Write(tc.build())
			p.EndJob()
			if err := p.WaitIdle(context.Background()); err != nil {
				t.Fatal(err)
			}
			used := full - p.Status().RollRemainingDots
			drawn := 0
			for _, r := range p.Receipts() {
				drawn += render.Image(r).Bounds().Dy()
			}
			if drawn != used {
				t.Errorf("pictures are %d dots long, the printer used %d dots of paper", drawn, used)
			}
		})
	}
}
