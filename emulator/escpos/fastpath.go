package escpos

import "github.com/poshil/hil/emulator/escpos/paper"

// The printer's fast path. Receipts are mostly text, line feeds and a few
// style and position commands. Without OnEvent hooks nobody needs a
// Command value for them, so the printer executes them straight from the
// decoder's buffer: the decoder recognises the command (peekFast), the
// printer applies it to the layout exactly as execLocked does, and only
// then is it consumed (consumeFast). Everything else, and any case the
// fast path is unsure of (malformed parameters, a command that would be
// ignored and logged, non-ASCII text), goes through Decoder.Next and
// execLocked. FuzzPrinter checks that both paths print the same receipts.

// fastOp is a command of the fast path.
type fastOp uint8

const (
	fastText fastOp = iota + 1 // printable ASCII text: fastCmd.text
	fastLF
	fastCR
	fastTab
	fastEmphasize     // ESC E n
	fastUnderline     // ESC - n
	fastDoubleStrike  // ESC G n
	fastPrintMode     // ESC ! n
	fastFont          // ESC M n
	fastJustify       // ESC a n
	fastRightSpacing  // ESC SP n
	fastDefaultSpace  // ESC 2
	fastLineSpacing   // ESC 3 n
	fastAbsolutePos   // ESC $ nL nH
	fastRelativePos   // ESC \ nL nH
	fastUpsideDown    // ESC { n
	fastCharSize      // GS ! n
	fastReverse       // GS B n
	fastPrintFeedDots // ESC J n
	fastPrintFeedLine // ESC d n
)

// fastCmd is a decoded fast-path command: its operation, its parameter
// bytes (p0, p1) and, for text, the bytes (valid until the next call into
// the decoder).
type fastCmd struct {
	op     fastOp
	p0, p1 byte
	text   []byte
}

// escFast maps the ESC commands of the fast path to their operation.
var escFast = [256]fastOp{
	EscEmphasize:      fastEmphasize,
	EscUnderline:      fastUnderline,
	EscDoubleStrike:   fastDoubleStrike,
	EscPrintMode:      fastPrintMode,
	EscFont:           fastFont,
	EscJustify:        fastJustify,
	EscRightSpacing:   fastRightSpacing,
	EscDefaultSpacing: fastDefaultSpace,
	EscLineSpacing:    fastLineSpacing,
	EscAbsolutePos:    fastAbsolutePos,
	EscRelativePos:    fastRelativePos,
	EscUpsideDown:     fastUpsideDown,
	EscPrintFeedDots:  fastPrintFeedDots,
	EscPrintFeedLines: fastPrintFeedLine,
}

// peekFast recognises the next command when it is a complete fast-path
// command, fills f and returns its length; 0 means "use Next". Nothing is
// consumed: the caller calls consumeFast once it has executed f. Only for
// NoRealtime decoders (there are no real-time reports to order against).
func (d *Decoder) peekFast(f *fastCmd) int {
	if d.skip > 0 || !d.opts.NoRealtime {
		return 0
	}
	b := d.buf[d.pos:]
	if len(b) == 0 || (len(b) < d.need && !d.eof) {
		return 0
	}
	switch c := b[0]; {
	case c >= 0x20:
		r := d.parseText(b, d.eof)
		if r.n == 0 {
			d.need = r.need
			return 0
		}
		if !isASCII(b[:r.n]) {
			return 0
		}
		f.op, f.text = fastText, b[:r.n]
		return r.n
	case c == LF:
		f.op = fastLF
		return 1
	case c == CR:
		f.op = fastCR
		return 1
	case c == HT:
		f.op = fastTab
		return 1
	case c == ESC:
		if len(b) < 2 {
			return 0
		}
		op := escFast[b[1]]
		if op == 0 {
			return 0
		}
		n := 2 + int(escFixed[b[1]])
		if len(b) < n {
			return 0
		}
		f.op = op
		if n > 2 {
			f.p0 = b[2]
		}
		if n > 3 {
			f.p1 = b[3]
		}
		return n
	case c == GS:
		if len(b) < 3 {
			return 0
		}
		switch b[1] {
		case GsCharSize:
			f.op = fastCharSize
		case GsReverse:
			f.op = fastReverse
		default:
			return 0
		}
		f.p0 = b[2]
		return 3
	}
	return 0
}

// consumeFast consumes the n bytes of the command peekFast returned.
func (d *Decoder) consumeFast(n int) {
	d.pos += n
	d.need, d.textScan = 0, 0
	d.compact()
}

// fastLocked executes fast-path commands until the next command is not
// one (or the printer stopped) and reports whether it executed any. The
// caller has checked that there are no event hooks, no pending command,
// no EndJob waiting and that the printer is selected.
func (p *Printer) fastLocked() bool {
	var f fastCmd
	ran := false
	d, l, emit := p.dec, p.lay, p.emit
	for {
		n := d.peekFast(&f)
		if n == 0 || !p.execFastLocked(l, &f, emit) {
			return ran
		}
		d.consumeFast(n)
		ran = true
		if p.busy {
			p.updateBusyLocked()
		}
		if p.offlineLocked() {
			return ran
		}
	}
}

// execFastLocked executes f as execLocked executes the same command, or
// returns false (nothing done) when f is a case that execLocked reports:
// a parameter out of range or a command ignored in mid-line.
func (p *Printer) execFastLocked(l *layout, f *fastCmd, emit func(paper.Element)) bool {
	switch f.op {
	case fastText:
		l.textASCII(f.text, emit)
	case fastLF:
		l.printLine(emit, 0)
	case fastCR:
	case fastTab:
		l.tab()
	case fastEmphasize:
		l.mode.Bold = f.p0&1 != 0
	case fastUnderline:
		l.mode.Underline = uint8(underlineDots(f.p0))
	case fastDoubleStrike:
		l.mode.DoubleStrike = f.p0&1 != 0
	case fastPrintMode:
		l.printMode(f.p0)
	case fastFont:
		font := f.p0
		if font >= '0' {
			font -= '0'
		}
		if font > 4 {
			return false
		}
		l.font = int(font)
	case fastJustify:
		j := f.p0
		if j >= '0' {
			j -= '0'
		}
		if j > 2 || !l.lineEmpty() {
			return false
		}
		l.justify = paper.Justify(j)
	case fastRightSpacing:
		l.charSpacing = int(f.p0)
	case fastDefaultSpace:
		l.lineSpacing = p.prof.LineSpacing
	case fastLineSpacing:
		l.lineSpacing = int(f.p0)
	case fastAbsolutePos:
		l.position(u16(f.p0, f.p1))
	case fastRelativePos:
		l.position(l.x + int(int16(u16(f.p0, f.p1))))
	case fastUpsideDown:
		l.mode.UpsideDown = f.p0&1 != 0
	case fastCharSize:
		w, h := int(f.p0>>4)+1, int(f.p0&0x0F)+1
		if w > 8 || h > 8 {
			return false
		}
		l.mode.Width, l.mode.Height = uint8(w), uint8(h)
	case fastReverse:
		l.mode.Reverse = f.p0&1 != 0
	case fastPrintFeedDots:
		switch {
		case !l.lineEmpty():
			sp := l.lineSpacing
			l.lineSpacing = int(f.p0)
			l.printLine(emit, 0)
			l.lineSpacing = sp
		case f.p0 > 0:
			emit(paper.Feed{Dots: int(f.p0)})
		}
	case fastPrintFeedLine:
		switch n := int(f.p0); {
		case !l.lineEmpty():
			l.printLine(emit, max(0, n-1)*l.lineSpacing)
		case n > 0:
			emit(paper.Feed{Dots: n * l.lineSpacing})
		}
	default:
		return false
	}
	return true
}
