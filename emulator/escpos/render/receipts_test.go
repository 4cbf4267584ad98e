package render

import (
	"math"
	"unicode/utf8"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// This file builds realistic receipts as the emulated printer lays them out
// on the default 80 mm profile (576 dots, Font A 12×24 in 48 columns,
// Font B 9×17, line spacing 30 dots), so that the renderers can be tested
// without the decoder.

const (
	testWidth   = 576
	testColumns = 48
	lineDots    = 30
)

type seg struct {
	text  string
	style paper.Style
}

func plain(s string) seg { return seg{text: s} }

func styled(s string, st paper.Style) seg { return seg{text: s, style: st} }

type builder struct{ r paper.Receipt }

func newReceipt(seq int) *builder {
	return &builder{r: paper.Receipt{Seq: seq, Profile: "tm-t88", Width: testWidth, Columns: testColumns}}
}

func cell(f paper.Font) (int, int) {
	if f == paper.FontB {
		return 9, 17
	}
	return 12, 24
}

// advance returns the dots a segment takes across.
func advance(s seg) int {
	cw, _ := cell(s.style.Font)
	mw := max(s.style.Width, 1)
	n := 0
	for _, r := range s.text {
		if isWide(r) {
			n += 2
		} else {
			n++
		}
	}
	return n * cw * int(mw)
}

// line lays segments out one after the other, justified.
func (b *builder) line(j paper.Justify, segs ...seg) *builder {
	total := 0
	for _, s := range segs {
		total += advance(s)
	}
	x := 0
	switch j {
	case paper.Center:
		x = (testWidth - total) / 2
	case paper.Right:
		x = testWidth - total
	}
	return b.place(j, x, segs...)
}

// place lays segments out from dot x.
func (b *builder) place(j paper.Justify, x int, segs ...seg) *builder {
	l := paper.Line{Align: j}
	for _, s := range segs {
		cw, ch := cell(s.style.Font)
		st := s.style
		st.Width, st.Height = max(st.Width, 1), max(st.Height, 1)
		l.Runs = append(l.Runs, paper.Run{X: x, Text: s.text, Style: st, CellWidth: cw, CellHeight: ch})
		l.Ascent = max(l.Ascent, ch*int(st.Height))
		x += advance(s)
	}
	l.Height = max(lineDots, l.Ascent+6)
	b.r.Elements = append(b.r.Elements, &l)
	return b
}

// lr prints left text and right-justified text on one line, as a POS
// application does with spaces.
func (b *builder) lr(left, right string) *builder {
	pad := testColumns - utf8.RuneCountInString(left) - utf8.RuneCountInString(right)
	for _, r := range left {
		if isWide(r) {
			pad--
		}
	}
	s := left
	for range max(pad, 1) {
		s += " "
	}
	return b.line(paper.Left, plain(s+right))
}

func (b *builder) feed(lines int) *builder {
	b.r.Elements = append(b.r.Elements, paper.Feed{Dots: lines * lineDots})
	return b
}

func (b *builder) add(e ...paper.Element) *builder {
	b.r.Elements = append(b.r.Elements, e...)
	return b
}

func (b *builder) receipt() *paper.Receipt { return &b.r }

var (
	boldStyle   = paper.Style{Bold: true}
	doubleStyle = paper.Style{Bold: true, Width: 2, Height: 2}
)

func englishReceipt() *paper.Receipt {
	return newReceipt(1).
		line(paper.Center, styled("CORNER DELI", doubleStyle)).
		line(paper.Center, plain("12 Market Street, Springfield")).
		line(paper.Center, plain("Tel 555-0142  VAT GB123456789")).
		feed(1).
		line(paper.Left, plain("Receipt 000412       2026-11-23 09:41")).
		line(paper.Left, plain("Till 2  Operator: Sam")).
		line(paper.Left, plain("------------------------------------------------")).
		lr("2 x Flat white @ 3.20", "6.40").
		lr("Bagel, smoked salmon", "7.95").
		lr("Orange juice 330ml", "2.50").
		lr("  Discount (staff 10%)", "-1.69").
		line(paper.Left, plain("------------------------------------------------")).
		add(&paper.Line{Runs: []paper.Run{
			{X: 0, Text: "TOTAL", Style: doubleStyle, CellWidth: 12, CellHeight: 24},
			{X: 576 - 5*24, Text: "15.16", Style: doubleStyle, CellWidth: 12, CellHeight: 24},
		}, Height: 54, Ascent: 48}).
		lr("VISA CONTACTLESS", "15.16").
		line(paper.Left, plain("Card  "), styled("************4242", paper.Style{Underline: 1})).
		line(paper.Left, plain("Auth code 0A12B3   "), styled(" APPROVED ", paper.Style{Reverse: true, Bold: true})).
		feed(1).
		line(paper.Center, styled("Thank you for shopping with us!", paper.Style{Font: paper.FontB})).
		line(paper.Center, styled("Keep this receipt for your records", paper.Style{Font: paper.FontB, Underline: 2})).
		line(paper.Center, styled("upside-down line", paper.Style{UpsideDown: true})).
		feed(3).
		add(paper.Cut{}).
		receipt()
}

func chineseReceipt() *paper.Receipt {
	return newReceipt(2).
		line(paper.Center, styled("好运来超市", doubleStyle)).
		line(paper.Center, plain("北京市朝阳区建国路88号")).
		feed(1).
		line(paper.Left, plain("单号: 20261123-0042")).
		line(paper.Left, plain("收银员: 王小明")).
		line(paper.Left, plain("------------------------------------------------")).
		lr("中文报纸 x1", "¥2.00").
		lr("矿泉水 550ml x2", "¥3.00").
		lr("苹果 (500克)", "¥8.50").
		line(paper.Left, plain("------------------------------------------------")).
		lr("合计", "¥13.50").
		lr("银联卡 ****1234", "¥13.50").
		feed(1).
		line(paper.Center, plain("谢谢惠顾，欢迎再次光临！")).
		feed(3).
		add(paper.Cut{Partial: true}).
		receipt()
}

func qrReceipt() *paper.Receipt {
	return newReceipt(3).
		line(paper.Center, styled("E-RECEIPT", boldStyle)).
		line(paper.Center, plain("Scan to keep this receipt")).
		feed(1).
		add(paper.QR{Data: "https://r.example.com/000412?t=9f2c", Model: 2, ModuleSize: 6, ECLevel: paper.ECLevelM,
			Align: paper.Center, X: 0, AreaWidth: testWidth}).
		feed(1).
		line(paper.Center, plain("000412")).
		feed(3).
		add(paper.Cut{Partial: true}).
		receipt()
}

func barcodeReceipt() *paper.Receipt {
	bc := func(sym paper.Symbology, data string) paper.Barcode {
		return paper.Barcode{Symbology: sym, Data: data, Height: 80, ModuleWidth: 2, HRI: paper.HRIBelow,
			Align: paper.Center, AreaWidth: testWidth}
	}
	return newReceipt(4).
		line(paper.Center, styled("RETURNS SLIP", boldStyle)).
		feed(1).
		add(bc(paper.Code128, "RET-000412-02")).
		feed(1).
		add(bc(paper.EAN13, "4006381333931")).
		feed(1).
		add(bc(paper.Code39, "TILL2")).
		feed(1).
		add(paper.Barcode{Symbology: paper.UPCA, Data: "03600029145", Height: 60, ModuleWidth: 2, HRI: paper.HRIBoth,
			HRIFont: paper.FontB, Align: paper.Left, X: 0, AreaWidth: testWidth}).
		feed(3).
		add(paper.Cut{}).
		receipt()
}

// logoBits draws a w×h test logo: a ring with a bar through it.
func logoBits(w, h int) []byte {
	stride := (w + 7) / 8
	bits := make([]byte, stride*h)
	cx, cy := float64(w)/2, float64(h)/2
	r := math.Min(cx, cy) - 2
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d := math.Hypot(float64(x)-cx, float64(y)-cy)
			ring := d <= r && d >= r-10
			bar := math.Abs(float64(y)-cy) < 6 && math.Abs(float64(x)-cx) < r
			if ring || bar {
				bits[y*stride+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	return bits
}

func logoReceipt() *paper.Receipt {
	return newReceipt(5).
		add(paper.Image{X: (testWidth - 200) / 2, Width: 200, Height: 120, Bits: logoBits(200, 120), Source: "raster"}).
		line(paper.Center, styled("RING & BAR HARDWARE", boldStyle)).
		add(paper.Image{X: 0, Width: 64, Height: 24, Bits: logoBits(64, 24), Source: "column"}).
		lr("Hammer, claw 16oz", "19.99").
		lr("CASH", "20.00").
		lr("CHANGE", "0.01").
		add(paper.Drawer{Pin: 2, OnMS: 100, OffMS: 200}).
		feed(3).
		add(paper.Cut{}).
		receipt()
}

var goldenReceipts = []struct {
	name string
	r    func() *paper.Receipt
}{
	{"english", englishReceipt},
	{"chinese", chineseReceipt},
	{"qr", qrReceipt},
	{"barcodes", barcodeReceipt},
	{"logo", logoReceipt},
}
