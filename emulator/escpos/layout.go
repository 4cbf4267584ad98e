package escpos

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/symbol"
)

// layout holds the print modes and the line being assembled (the print
// buffer), and turns commands into paper elements. Positions are in dots;
// one motion unit is taken to be one dot.
type layout struct {
	prof Profile

	font int // ESC M / ESC ! bit 0, as selected (may name a font the profile lacks)
	// mode holds the other character modes (bold, double-strike,
	// underline, magnification, reverse, upside-down) as the style of the
	// next single-byte character; its Font is set by cellStyle.
	mode paper.Style

	kanjiMode      byte // FS ! n
	kanjiUnderline int
	kanjiQuad      bool
	kanjiLeft      int
	kanjiRight     int

	justify     paper.Justify
	lineSpacing int
	charSpacing int
	leftMargin  int
	areaWidth   int
	tabs        []int // tab columns (ESC D); nil = every 8 columns

	bcHeight, bcWidth int
	hriPos            paper.HRIPosition
	hriFont           paper.Font

	qrModel, qrModule int
	qrLevel           paper.ECLevel
	qrData            []byte

	pdfColumns, pdfRows int
	pdfModule, pdfRowH  int
	pdfRatio            bool // pdfLevel is a ratio (×10 % of the data), not a level
	pdfLevel            int
	pdfTruncated        bool
	pdfData             []byte

	graphics *paper.Image // stored by GS ( L fn 112

	// The line being assembled. Its runs and characters are built in
	// place at the free end of storage blocks that printed lines share, so
	// printing a line allocates nothing; see publish.
	runs    []paper.Run  // the line's runs (Run.Text is set when it prints)
	spans   []int        // end of each run's text in text8
	text8   []byte       // the line's characters, UTF-8, run after run
	lines   []paper.Line // storage for printed lines, emitted as *paper.Line
	runEnd  int          // x just after the last run
	x       int          // current print position from the start of the print area
	ascent  int
	content bool // characters, spaces or stripes in the line
	stripes []stripe
	align   paper.Justify // justification at the start of the line
}

type stripe struct {
	x   int
	img paper.Image
}

func newLayout(p Profile) *layout {
	l := &layout{prof: p, runs: make([]paper.Run, 0, runBlock), text8: make([]byte, 0, textBlock)}
	l.reset()
	return l
}

// reset is ESC @: modes to power-on values, print buffer cleared.
func (l *layout) reset() {
	*l = layout{
		prof:        l.prof,
		mode:        paper.Style{Width: 1, Height: 1},
		lineSpacing: l.prof.LineSpacing,
		areaWidth:   l.prof.WidthDots,
		bcHeight:    162,
		bcWidth:     3,
		qrModel:     2,
		qrModule:    3,
		qrLevel:     paper.ECLevelL,
		// Epson's PDF417 defaults: automatic columns and rows, module 3
		// dots, rows 3 modules high, error correction ratio 1 (10 %).
		pdfModule: 3,
		pdfRowH:   3,
		pdfRatio:  true,
		pdfLevel:  1,
		graphics:  l.graphics,
		// The storage of printed lines survives ESC @ (many streams start
		// every receipt with it); the unprinted line is dropped.
		lines: l.lines,
		runs:  l.runs[:0],
		spans: l.spans[:0],
		text8: l.text8[:0],
	}
}

// clearLine drops the print buffer (DLE DC4 8, DLE ENQ 2, CAN).
func (l *layout) clearLine() {
	l.runs, l.stripes = l.runs[:0], nil
	l.spans, l.text8 = l.spans[:0], l.text8[:0]
	l.runEnd, l.x, l.ascent, l.content = 0, 0, 0, false
	l.align = l.justify
}

func (l *layout) lineEmpty() bool { return !l.content }

// errIgnored reports a command that the printer ignores in the current
// state (a line-start command in mid-line, invalid barcode data, …).
type ignoredError struct{ reason string }

func (e *ignoredError) Error() string { return e.reason }

func ignored(format string, args ...any) error {
	return &ignoredError{fmt.Sprintf(format, args...)}
}

// text lays out a text run at the current position, wrapping onto new
// lines when the print area is full; emit receives finished lines. Work is
// per stretch of characters of one cell size, not per character.
func (l *layout) text(t Text, emit func(paper.Element)) {
	l.textString(t.Text, t.Kanji, emit)
}

// textASCII lays out ASCII text given as bytes (the printer's fast path:
// no string is made until the line prints).
func (l *layout) textASCII(s []byte, emit func(paper.Element)) {
	if !l.content {
		l.align = l.justify
	}
	st, cw, ch, sp := l.cellStyle(false)
	adv := max((cw+sp)*int(st.Width), 1)
	for len(s) > 0 {
		k := len(s)
		if l.x+k*adv > l.areaWidth { // not all of it fits on this line
			room := (l.areaWidth - l.x) / adv
			if room <= 0 {
				if l.content {
					l.printLine(emit, 0)
					continue
				}
				room = 1
			}
			k = min(room, k)
		}
		l.text8 = append(l.text8, s[:k]...)
		l.addRun(k, st, cw, ch, sp, adv, false)
		s = s[k:]
	}
}

func (l *layout) textString(s string, kanji bool, emit func(paper.Element)) {
	if !l.content {
		l.align = l.justify
	}
	for len(s) > 0 {
		wide := kanji && s[0] >= 0x80
		end := len(s)
		if kanji {
			end = 1
			for end < len(s) && (s[end] >= 0x80) == wide {
				end++
			}
		}
		seg := s[:end]
		s = s[end:]
		st, cw, ch, sp := l.cellStyle(wide)
		adv := (cw + sp) * int(st.Width)
		if wide {
			adv = (2*cw + sp) * int(st.Width)
		}
		adv = max(adv, 1)
		for len(seg) > 0 {
			room := (l.areaWidth - l.x) / adv
			if room <= 0 {
				if l.content {
					l.printLine(emit, 0)
					continue
				}
				room = 1 // a character wider than the print area still prints
			}
			n, k := takeRunes(seg, room)
			l.text8 = append(l.text8, seg[:k]...)
			l.addRun(n, st, cw, ch, sp, adv, wide)
			seg = seg[k:]
		}
	}
}

// takeRunes returns how many characters (n) and bytes (k) of s make up
// at most room characters.
func takeRunes(s string, room int) (n, k int) {
	if room >= len(s) {
		return utf8.RuneCountInString(s), len(s)
	}
	for k < len(s) && n < room {
		_, size := utf8.DecodeRuneInString(s[k:])
		k += size
		n++
	}
	return n, k
}

// cellStyle returns the style and cell metrics of the next character.
func (l *layout) cellStyle(wide bool) (st paper.Style, cellW, cellH, spacing int) {
	st = l.mode
	if !wide {
		i := l.fontIndex()
		st.Font = paper.Font(i)
		f := &l.prof.Fonts[i]
		return st, f.Width, f.Height, l.charSpacing
	}
	st.Font = paper.Font(l.font)
	// Double-byte characters: FS ! / FS W enlarge them, FS - underlines
	// them; GS ! applies to all characters.
	if l.kanjiMode&0x04 != 0 || l.kanjiQuad {
		st.Width = max(st.Width, 2)
	}
	if l.kanjiMode&0x08 != 0 || l.kanjiQuad {
		st.Height = max(st.Height, 2)
	}
	st.Underline = uint8(l.kanjiUnderline)
	if l.kanjiMode&0x80 != 0 && st.Underline == 0 {
		st.Underline = 1
	}
	// CellWidth of a double-byte run is half the Kanji cell: the paper
	// model counts a double-byte character as two cells.
	return st, l.prof.KanjiCell.Width / 2, l.prof.KanjiCell.Height, l.kanjiLeft + l.kanjiRight
}

func (l *layout) fontIndex() int {
	if l.font < len(l.prof.Fonts) {
		return l.font
	}
	return 0
}

// addRun puts n characters, just appended to text8, at the current
// position, extending the last run when it has the same style and ends
// here.
func (l *layout) addRun(n int, st paper.Style, cw, cellH, sp, adv int, wide bool) {
	if k := len(l.runs); k > 0 {
		last := &l.runs[k-1]
		if last.Style == st && last.CellWidth == cw && last.CellHeight == cellH &&
			last.CharSpacing == sp && l.runEnd == l.x && last.Kanji == wide {
			l.spans[k-1] = len(l.text8)
			l.x += n * adv
			l.runEnd = l.x
			l.grow(cellH * int(st.Height))
			return
		}
	}
	l.runs = append(l.runs, paper.Run{X: l.x, Style: st, CellWidth: cw, CellHeight: cellH, CharSpacing: sp, Kanji: wide})
	l.spans = append(l.spans, len(l.text8))
	l.x += n * adv
	l.runEnd = l.x
	l.grow(cellH * int(st.Height))
}

func (l *layout) grow(h int) {
	l.content = true
	l.ascent = max(l.ascent, h)
}

// printLine prints the print buffer and feeds: the paper moves by the
// line spacing, or by the height of the tallest character when that is
// more. An empty buffer feeds one line. extra adds feed after the line.
func (l *layout) printLine(emit func(paper.Element), extra int) {
	if !l.content {
		emit(paper.Feed{Dots: l.lineSpacing + extra})
		l.clearLine()
		return
	}
	used := l.x
	for _, s := range l.stripes {
		used = max(used, s.x+s.img.Width)
	}
	off := l.leftMargin
	switch l.align {
	case paper.Center:
		off += max(0, (l.areaWidth-used)/2)
	case paper.Right:
		off += max(0, l.areaWidth-used)
	}
	if len(l.stripes) > 0 {
		img := l.mergeStripes(off)
		emit(img)
		if len(l.runs) == 0 {
			if rest := l.lineSpacing - img.Height + extra; rest > 0 {
				emit(paper.Feed{Dots: rest})
			}
			l.clearLine()
			return
		}
	}
	if len(l.runs) == 0 { // only tabs or positioning: the paper still moves a line
		emit(paper.Feed{Dots: l.lineSpacing + extra})
		l.clearLine()
		return
	}
	if len(l.runs) > 0 {
		l.publish(emit, off)
	}
	if extra > 0 {
		emit(paper.Feed{Dots: extra})
	}
	l.clearLine()
}

// Sizes of the storage blocks of printed lines.
const (
	runBlock  = 256
	textBlock = 32 << 10
)

// publish emits the line's runs, shifted by off, as a *paper.Line. The runs
// and text stay where they were built, at the free end of their storage
// blocks; the blocks' free ends then move past them. Published runs and
// text are never written again (later lines are appended after them), so
// the text can be a string without a copy, as Decoder.intern does for
// decoded text.
func (l *layout) publish(emit func(paper.Element), off int) {
	n, m := len(l.runs), len(l.text8)
	runs := l.runs[:n:n]
	var text string
	if m > 0 {
		text = unsafe.String(&l.text8[0], m)
	}
	start := 0
	for i := range runs {
		runs[i].X += off
		runs[i].Text = text[start:l.spans[i]]
		start = l.spans[i]
	}
	if len(l.lines) == cap(l.lines) {
		l.lines = make([]paper.Line, 0, 128)
	}
	l.lines = append(l.lines, paper.Line{Runs: runs, Height: max(l.lineSpacing, l.ascent), Ascent: l.ascent, Align: l.align})
	emit(&l.lines[len(l.lines)-1])
	if l.runs = l.runs[n:n]; cap(l.runs) < 16 {
		l.runs = make([]paper.Run, 0, runBlock)
	}
	if l.text8 = l.text8[m:m]; cap(l.text8) < 512 {
		l.text8 = make([]byte, 0, textBlock)
	}
}

// mergeStripes draws the ESC * stripes of the line into one image.
func (l *layout) mergeStripes(off int) paper.Image {
	minX, maxX, h := l.stripes[0].x, 0, 0
	for _, s := range l.stripes {
		minX = min(minX, s.x)
		maxX = max(maxX, s.x+s.img.Width)
		h = max(h, s.img.Height)
	}
	w := maxX - minX
	out := paper.Image{X: off + minX, Width: w, Height: h, Source: "column", Bits: make([]byte, (w+7)/8*h)}
	stride := (w + 7) / 8
	for _, s := range l.stripes {
		for y := 0; y < s.img.Height; y++ {
			for x := 0; x < s.img.Width; x++ {
				if s.img.At(x, y) {
					X := s.x - minX + x
					out.Bits[y*stride+X/8] |= 0x80 >> (X % 8)
				}
			}
		}
	}
	return out
}

// tab moves to the next tab position (HT); ignored when none is left.
func (l *layout) tab() {
	if !l.content {
		l.align = l.justify
	}
	f := l.prof.font(l.fontIndex())
	colW := (f.Width + l.charSpacing) * int(l.mode.Width)
	next := -1
	if l.tabs == nil {
		next = (l.x/(8*colW) + 1) * 8 * colW
		if l.x/colW >= 32*8 {
			next = -1
		}
	} else {
		for _, c := range l.tabs {
			if p := c * colW; p > l.x {
				next = p
				break
			}
		}
	}
	if next < 0 || next > l.areaWidth {
		return
	}
	l.x = next
	l.content = true
}

// position sets the absolute (ESC $) print position.
func (l *layout) position(x int) {
	if x < 0 || x > l.areaWidth {
		return
	}
	if !l.content {
		l.align = l.justify
	}
	l.x = x
	l.content = true
}

// printMode applies ESC ! n.
func (l *layout) printMode(n byte) {
	l.font = int(n & 1)
	l.mode.Bold = n&0x08 != 0
	l.mode.Height, l.mode.Width = 1, 1
	if n&0x10 != 0 {
		l.mode.Height = 2
	}
	if n&0x20 != 0 {
		l.mode.Width = 2
	}
	l.mode.Underline = 0
	if n&0x80 != 0 {
		l.mode.Underline = 1
	}
}

// scaleBits returns bits of a w×h image scaled by sx, sy.
func scaleBits(src []byte, w, h, sx, sy int) (out []byte, W, H int) {
	W, H = w*sx, h*sy
	if sx == 1 && sy == 1 {
		return src, W, H
	}
	ss, ds := (w+7)/8, (W+7)/8
	out = make([]byte, ds*H)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if src[y*ss+x/8]&(0x80>>(x%8)) == 0 {
				continue
			}
			for dy := 0; dy < sy; dy++ {
				for dx := 0; dx < sx; dx++ {
					X, Y := x*sx+dx, y*sy+dy
					out[Y*ds+X/8] |= 0x80 >> (X % 8)
				}
			}
		}
	}
	return out, W, H
}

// placeImage crops an image to the print area and applies justification.
func (l *layout) placeImage(bits []byte, w, h int, source string) paper.Image {
	if w > l.areaWidth {
		stride, ns := (w+7)/8, (l.areaWidth+7)/8
		cropped := make([]byte, ns*h)
		for y := 0; y < h; y++ {
			copy(cropped[y*ns:(y+1)*ns], bits[y*stride:y*stride+ns])
			if r := l.areaWidth % 8; r != 0 {
				cropped[(y+1)*ns-1] &= byte(0xFF << (8 - r))
			}
		}
		bits, w = cropped, l.areaWidth
	}
	x := l.leftMargin
	switch l.justify {
	case paper.Center:
		x += (l.areaWidth - w) / 2
	case paper.Right:
		x += l.areaWidth - w
	}
	return paper.Image{X: x, Width: w, Height: h, Bits: bits, Source: source}
}

func (l *layout) raster(c RasterImage) (paper.Image, error) {
	if !l.lineEmpty() {
		return paper.Image{}, ignored("GS v 0 ignored: not at the beginning of a line")
	}
	if c.WidthBytes == 0 || c.Height == 0 {
		return paper.Image{}, ignored("GS v 0 ignored: empty image")
	}
	sx, sy := 1, 1
	if c.Mode&1 != 0 {
		sx = 2
	}
	if c.Mode&2 != 0 {
		sy = 2
	}
	bits, w, h := scaleBits(c.Data, c.WidthBytes*8, c.Height, sx, sy)
	if &bits[0] == &c.Data[0] {
		bits = append([]byte(nil), bits...)
	}
	return l.placeImage(bits, w, h, "raster"), nil
}

// column adds an ESC * stripe to the line.
func (l *layout) column(c ColumnImage) {
	if c.Columns == 0 {
		return
	}
	if !l.content {
		l.align = l.justify
	}
	dotsPerCol, sx, sy := 8, 2, 3
	switch c.Mode {
	case 1:
		sx = 1
	case 32:
		dotsPerCol, sy = 24, 1
	case 33:
		dotsPerCol, sx, sy = 24, 1, 1
	}
	bpc := dotsPerCol / 8
	w, h := c.Columns, dotsPerCol
	stride := (w + 7) / 8
	bits := make([]byte, stride*h)
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			if c.Data[x*bpc+y/8]&(0x80>>(y%8)) != 0 {
				bits[y*stride+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	bits, w, h = scaleBits(bits, w, h, sx, sy)
	if l.x+w > l.areaWidth {
		w = max(0, l.areaWidth-l.x) // the part beyond the print area is not printed
		if w == 0 {
			return
		}
		bits = cropBits(bits, c.Columns*sx, h, w)
	}
	l.stripes = append(l.stripes, stripe{x: l.x, img: paper.Image{Width: w, Height: h, Bits: bits}})
	l.x += w
	l.content = true
}

func cropBits(bits []byte, w, h, nw int) []byte {
	stride, ns := (w+7)/8, (nw+7)/8
	out := make([]byte, ns*h)
	for y := 0; y < h; y++ {
		for x := 0; x < nw; x++ {
			if bits[y*stride+x/8]&(0x80>>(x%8)) != 0 {
				out[y*ns+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	return out
}

// graphicsCmd handles GS ( L / GS 8 L functions 112 (store) and 50 (print).
func (l *layout) graphicsCmd(c Graphics) (*paper.Image, error) {
	switch c.Fn {
	case 112:
		p := c.Params // a bx by c xL xH yL yH d…
		if len(p) < 8 {
			return nil, ignored("GS ( L fn 112 ignored: %d parameter bytes", len(p))
		}
		bx, by := int(p[1]), int(p[2])
		x, y := u16(p[4], p[5]), u16(p[6], p[7])
		k := (x + 7) / 8 * y
		if p[0] != 48 || bx < 1 || bx > 2 || by < 1 || by > 2 || x == 0 || y == 0 || len(p)-8 != k {
			return nil, ignored("GS ( L fn 112 ignored: bad parameters")
		}
		if p[3] != 49 { // only colour 1 is printed on a monochrome head
			l.graphics = nil
			return nil, nil
		}
		bits, w, h := scaleBits(append([]byte(nil), p[8:]...), x, y, bx, by)
		l.graphics = &paper.Image{Width: w, Height: h, Bits: bits}
		return nil, nil
	case 2, 50:
		if l.graphics == nil {
			return nil, ignored("GS ( L fn 50 ignored: no graphics stored")
		}
		if !l.lineEmpty() {
			return nil, ignored("GS ( L fn 50 ignored: not at the beginning of a line")
		}
		g := l.graphics
		l.graphics = nil
		img := l.placeImage(g.Bits, g.Width, g.Height, "graphics")
		return &img, nil
	}
	return nil, nil
}

func (l *layout) barcode(c Barcode) (paper.Barcode, error) {
	if !l.lineEmpty() {
		return paper.Barcode{}, ignored("GS k ignored: not at the beginning of a line")
	}
	data, err := barcodeData(c.Symbology, c.Data)
	if err != nil {
		return paper.Barcode{}, ignored("GS k %d ignored: %v", c.M, err)
	}
	sym := c.Symbology
	if sym == paper.Code128Auto {
		sym = paper.Code128
	}
	b := paper.Barcode{
		Symbology: sym, Data: data, Height: l.bcHeight, ModuleWidth: l.bcWidth,
		HRI: l.hriPos, HRIFont: l.hriFont, Align: l.justify, X: l.leftMargin, AreaWidth: l.areaWidth,
	}
	// Epson: a bar code wider than the print area is not printed.
	if w, err := symbol.BarcodeWidth(&b); err == nil && w > l.areaWidth {
		return paper.Barcode{}, ignored("GS k %d ignored: %d-dot symbol wider than the %d-dot print area", c.M, w, l.areaWidth)
	}
	return b, nil
}

// barcodeHeight is the paper used by a barcode, HRI included.
func (l *layout) barcodeHeight(b paper.Barcode) int {
	h := b.Height
	hri := l.prof.font(int(b.HRIFont)).Height
	switch b.HRI {
	case paper.HRIAbove, paper.HRIBelow:
		h += hri
	case paper.HRIBoth:
		h += 2 * hri
	}
	return h
}

var errBarcodeData = errors.New("invalid data for the symbology")

func digits(d []byte) bool {
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// checkDigit computes the UPC/EAN check digit of d (without it).
func checkDigit(d []byte) byte {
	sum := 0
	for i := range d {
		v := int(d[len(d)-1-i] - '0')
		if i%2 == 0 {
			v *= 3
		}
		sum += v
	}
	return byte('0' + (10-sum%10)%10)
}

// barcodeData validates the data of GS k and returns what the symbol
// encodes, which the printer stores in paper.Barcode.Data and the renderer
// draws from: check digits of UPC-A, EAN-13 and EAN-8 added when missing,
// CODE128 code-set selectors decoded, the 14-digit GTIN of GS1 DataBar
// Omnidirectional, Truncated and Limited, the element string of GS1 DataBar
// Expanded (dataBarExpandedData).
func barcodeData(sym paper.Symbology, d []byte) (string, error) {
	ean := func(n int) (string, error) {
		if !digits(d) || (len(d) != n-1 && len(d) != n) {
			return "", fmt.Errorf("%w: %s needs %d or %d digits, got %q", errBarcodeData, sym, n-1, n, d)
		}
		cd := checkDigit(d[:n-1])
		if len(d) == n && d[n-1] != cd {
			return "", fmt.Errorf("%w: %s check digit %c, want %c", errBarcodeData, sym, d[n-1], cd)
		}
		return string(d[:n-1]) + string(cd), nil
	}
	switch sym {
	case paper.UPCA:
		return ean(12)
	case paper.EAN13:
		return ean(13)
	case paper.EAN8:
		return ean(8)
	case paper.UPCE:
		if !digits(d) || !(len(d) >= 6 && len(d) <= 8 || len(d) == 11 || len(d) == 12) {
			return "", fmt.Errorf("%w: UPC-E needs 6–8, 11 or 12 digits, got %q", errBarcodeData, d)
		}
		return string(d), nil
	case paper.Code39:
		for _, c := range d {
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == ' ' || c == '$' || c == '%' || c == '*' || c == '+' || c == '-' || c == '.' || c == '/') {
				return "", fmt.Errorf("%w: CODE39 character %q", errBarcodeData, c)
			}
		}
		if len(d) == 0 {
			return "", fmt.Errorf("%w: empty CODE39", errBarcodeData)
		}
		return string(d), nil
	case paper.ITF:
		if !digits(d) || len(d) == 0 || len(d)%2 != 0 {
			return "", fmt.Errorf("%w: ITF needs an even number of digits, got %q", errBarcodeData, d)
		}
		return string(d), nil
	case paper.Codabar:
		if len(d) < 2 {
			return "", fmt.Errorf("%w: CODABAR too short", errBarcodeData)
		}
		for i, c := range d {
			ss := c >= 'A' && c <= 'D' || c >= 'a' && c <= 'd'
			if (i == 0 || i == len(d)-1) != ss && !(c >= '0' && c <= '9' || c == '$' || c == '+' || c == '-' || c == '.' || c == '/' || c == ':') {
				return "", fmt.Errorf("%w: CODABAR character %q at %d", errBarcodeData, c, i)
			}
		}
		return string(d), nil
	case paper.Code93:
		for _, c := range d {
			if c > 0x7F {
				return "", fmt.Errorf("%w: CODE93 byte %#02x", errBarcodeData, c)
			}
		}
		if len(d) == 0 {
			return "", fmt.Errorf("%w: empty CODE93", errBarcodeData)
		}
		return string(d), nil
	case paper.Code128:
		return code128Data(d)
	case paper.DataBarOmni, paper.DataBarTruncated, paper.DataBarLimited:
		// Epson: the GTIN without the AI 01 and without its check digit,
		// which the printer computes (and prints in the HRI).
		if !digits(d) || len(d) != 13 {
			return "", fmt.Errorf("%w: %s needs 13 digits (the GTIN without AI 01 and check digit), got %q", errBarcodeData, sym, d)
		}
		if sym == paper.DataBarLimited && d[0] > '1' {
			return "", fmt.Errorf("%w: %s first digit must be 0 or 1, got %c", errBarcodeData, sym, d[0])
		}
		return string(d) + string(checkDigit(d)), nil
	case paper.DataBarExpanded:
		return dataBarExpandedData(d)
	}
	if len(d) == 0 {
		return "", fmt.Errorf("%w: empty %s", errBarcodeData, sym)
	}
	return string(d), nil
}

// dataBarExpandedData turns GS k 78 data as Epson documents it for GS1
// DataBar Expanded into the element string the symbol encodes, each
// application identifier in parentheses: "(01)09501101530003(17)140704".
// Epson's rules (the GS1 DataBar Expanded notes of its TM-C3500, TM-C7500
// and ColorWorks C6500 manuals; python-escpos's range check for GS k 78
// agrees): 2–255 bytes of 0–9 A–Z a–z space ! " % & ' ( ) * + , - . / : ;
// < = > ? _ {, every AI in parentheses (printed in the HRI, not encoded),
// "*" skipped, "{1" an FNC1, a wrong check digit of (01) an error.
//
// Here FNC1 is accepted only right before an AI, where the element string
// implies it anyway, and dropped; Epson's other escapes ("{(" "{)" for
// parentheses in data, "{*", "{{") are refused, as the parentheses mark
// AIs in the stored element string and "{" is not encodable. What is
// left must be an element string the renderer can encode (symbol.Modules):
// AIs of 2–4 digits, predefined-length AIs with data of their length
// (Epson documents no such check), at most 21 data characters.
func dataBarExpandedData(d []byte) (string, error) {
	if len(d) < 2 {
		return "", fmt.Errorf("%w: %s needs at least 2 bytes, got %q", errBarcodeData, paper.DataBarExpanded, d)
	}
	out := make([]byte, 0, len(d))
	for i := 0; i < len(d); i++ {
		c := d[i]
		switch {
		case c == '*':
		case c == '{':
			if i+1 >= len(d) || d[i+1] != '1' {
				return "", fmt.Errorf("%w: %s: only {1 (FNC1) is accepted after {, at %d", errBarcodeData, paper.DataBarExpanded, i)
			}
			if i+2 >= len(d) || d[i+2] != '(' {
				return "", fmt.Errorf("%w: %s: FNC1 ({1) at %d is not before an AI", errBarcodeData, paper.DataBarExpanded, i)
			}
			i++
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', strings.IndexByte(` !"%&'()+,-./:;<=>?_`, c) >= 0:
			out = append(out, c)
		default:
			return "", fmt.Errorf("%w: %s byte %#02x at %d", errBarcodeData, paper.DataBarExpanded, c, i)
		}
	}
	if _, _, err := symbol.Modules(paper.DataBarExpanded, string(out)); err != nil {
		return "", fmt.Errorf("%w: %w", errBarcodeData, err)
	}
	return string(out), nil
}

// code128Data decodes GS k 73 data: {A {B {C select code sets, {S shifts,
// {1–{4 are FNC1–4 (dropped from the text), {{ is a brace; code set C
// bytes are two-digit values.
func code128Data(d []byte) (string, error) {
	if len(d) < 2 || d[0] != '{' || d[1] < 'A' || d[1] > 'C' {
		return "", fmt.Errorf("%w: CODE128 data must start with {A, {B or {C", errBarcodeData)
	}
	var out []byte
	set := d[1]
	for i := 2; i < len(d); i++ {
		c := d[i]
		if c == '{' {
			if i+1 >= len(d) {
				return "", fmt.Errorf("%w: CODE128 ends with {", errBarcodeData)
			}
			i++
			switch d[i] {
			case 'A', 'B', 'C':
				set = d[i]
			case 'S', '1', '2', '3', '4':
			case '{':
				out = append(out, '{')
			default:
				return "", fmt.Errorf("%w: CODE128 {%c", errBarcodeData, d[i])
			}
			continue
		}
		switch set {
		case 'A':
			if c > 0x5F {
				return "", fmt.Errorf("%w: CODE128 code set A byte %#02x", errBarcodeData, c)
			}
			out = append(out, c)
		case 'B':
			if c < 0x20 || c > 0x7F {
				return "", fmt.Errorf("%w: CODE128 code set B byte %#02x", errBarcodeData, c)
			}
			out = append(out, c)
		case 'C':
			if c > 99 {
				return "", fmt.Errorf("%w: CODE128 code set C value %d", errBarcodeData, c)
			}
			out = strconv.AppendInt(out, int64(c/10), 10)
			out = strconv.AppendInt(out, int64(c%10), 10)
		}
	}
	if len(out) == 0 {
		return "", fmt.Errorf("%w: empty CODE128", errBarcodeData)
	}
	return string(out), nil
}

func (l *layout) qr() (paper.QR, int, error) {
	if len(l.qrData) == 0 {
		return paper.QR{}, 0, ignored("QR print ignored: no data stored")
	}
	if !l.lineEmpty() {
		return paper.QR{}, 0, ignored("QR print ignored: not at the beginning of a line")
	}
	modules, err := qrModules(string(l.qrData), l.qrLevel)
	if err != nil {
		return paper.QR{}, 0, ignored("QR print ignored: %v", err)
	}
	size := modules * l.qrModule
	if size > l.areaWidth {
		return paper.QR{}, 0, ignored("QR print ignored: %d-dot symbol wider than the %d-dot print area", size, l.areaWidth)
	}
	return paper.QR{
		Data: string(l.qrData), Model: l.qrModel, ModuleSize: l.qrModule, ECLevel: l.qrLevel,
		Align: l.justify, X: l.leftMargin, AreaWidth: l.areaWidth,
	}, size, nil
}

// pdf417 prints the stored PDF417 symbol (GS ( k cn 48 fn 81).
func (l *layout) pdf417() (paper.PDF417, int, error) {
	if len(l.pdfData) == 0 {
		return paper.PDF417{}, 0, ignored("PDF417 print ignored: no data stored")
	}
	if !l.lineEmpty() {
		return paper.PDF417{}, 0, ignored("PDF417 print ignored: not at the beginning of a line")
	}
	level := l.pdfLevel
	if l.pdfRatio {
		// Epson: error correction codewords of n×10 % of the data
		// codewords; the level (2^(level+1) codewords) that gives at
		// least that, the data's bytes taken as its codewords.
		want := max(2, (len(l.pdfData)*l.pdfLevel+9)/10)
		level = 0
		for level < 8 && 1<<(level+1) < want {
			level++
		}
	}
	p := paper.PDF417{
		Data: string(l.pdfData), Columns: l.pdfColumns, Rows: l.pdfRows, ErrorLevel: level,
		Truncated: l.pdfTruncated, ModuleWidth: l.pdfModule, RowHeight: l.pdfRowH,
		Align: l.justify, X: l.leftMargin, AreaWidth: l.areaWidth,
	}
	w, h, err := symbol.PDF417Size(&p)
	if err != nil {
		return paper.PDF417{}, 0, ignored("PDF417 print ignored: %v", err)
	}
	if w > l.areaWidth {
		return paper.PDF417{}, 0, ignored("PDF417 print ignored: %d-dot symbol wider than the %d-dot print area", w, l.areaWidth)
	}
	return p, h, nil
}

// qrModules returns the number of modules across the QR symbol for data.
func qrModules(data string, level paper.ECLevel) (int, error) {
	return qrSymbols.modules(data, level) // qrcache.go
}
