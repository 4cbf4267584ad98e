package escpos

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// DecoderOptions configures a Decoder. The zero value decodes like an
// Epson printer after power-on: code table PC437, single-byte mode.
type DecoderOptions struct {
	// Kanji starts the decoder in double-byte (GB18030) mode, as FS &
	// does, and ESC @ returns to it (printers that start in Chinese mode).
	Kanji bool
	// CodeTable is the ESC t table at start and after ESC @ (0 = PC437).
	CodeTable int
	// CodePages is the printer's ESC t table: the code page (CodePageNames)
	// each n selects. nil means the default profile's. ESC t with an n not
	// in it leaves the table as it was (CodeTable.Page is "").
	CodePages map[int]string
	// NoRealtime stops the decoder from reporting real-time commands; their
	// bytes are still skipped at command boundaries. The Printer uses it:
	// it answers real-time commands itself as the bytes arrive.
	NoRealtime bool
	// MaxData is the largest command data buffered (images, QR data,
	// graphics); a longer command is reported as Malformed and its data
	// skipped without buffering. 0 means 1 MiB.
	MaxData int
}

const (
	defaultMaxData = 1 << 20
	maxTextRun     = 1024 // a longer run of text is reported in pieces
	maxBarcodeA    = 255  // data bytes of GS k form A before the NUL
	maxTabs        = 32   // ESC D positions
)

type rtItem struct {
	cmd Command
	end int64
}

// Decoder turns an ESC/POS byte stream into Commands. It is incremental:
// Write bytes as they arrive, in chunks of any size, and call Next until
// it reports false; the commands do not depend on how the stream was
// split. A command is reported once its last byte has arrived; a run of
// text once the control code after it has arrived (or Flush was called).
// Real-time commands are reported as soon as their bytes arrive, even in
// the middle of another command's data, ordered by the position of their
// last byte.
//
// A Decoder is not safe for concurrent use. It does no I/O.
type Decoder struct {
	opts     DecoderOptions
	buf      []byte
	pos      int   // next unparsed byte in buf
	base     int64 // stream offset of buf[0]
	written  int64 // bytes written so far
	skip     int64 // bytes still to discard (data of a skipped command)
	need     int   // do not parse again before buf[pos:] has this many bytes
	textScan int   // bytes at buf[pos:] known to be text
	kanji    bool
	table    int        // ESC t n in force
	runes    *[256]rune // its characters
	eof      bool
	rt       rtScanner
	rtq      []rtItem
	rtHead   int
	found    func(Command, int64)
	gb       *encoding.Decoder
	arena    []byte // backing store of decoded text; see intern
}

// NewDecoder returns a decoder in its power-on state.
func NewDecoder(opts DecoderOptions) *Decoder {
	if opts.MaxData <= 0 {
		opts.MaxData = defaultMaxData
	}
	if opts.CodePages == nil {
		opts.CodePages = defaultCodePages()
	}
	d := &Decoder{opts: opts, kanji: opts.Kanji}
	d.selectTable(opts.CodeTable)
	d.found = d.addRealtime
	return d
}

// selectTable makes ESC t n the code table, if the printer has page n,
// and returns the page's name ("" if not: the table stays).
func (d *Decoder) selectTable(n int) string {
	name, ok := d.opts.CodePages[n]
	r := pageRunes(name)
	if !ok || r == nil {
		if d.runes == nil { // power-on table missing: a profile defect caught by its tests
			d.runes = pageRunes("PC437")
		}
		return ""
	}
	d.table, d.runes = n, r
	return name
}

func (d *Decoder) addRealtime(c Command, end int64) {
	d.rtq = append(d.rtq, rtItem{c, end})
}

// Write adds p to the stream. It never fails.
func (d *Decoder) Write(p []byte) (int, error) {
	if !d.opts.NoRealtime {
		d.rt.scan(p, d.written, d.found)
	}
	d.written += int64(len(p))
	d.buf = append(d.buf, p...)
	d.eof = false
	return len(p), nil
}

// Flush marks the end of the stream: a pending run of text is reported by
// Next, and an incomplete command as Malformed. Writing again continues
// the stream.
func (d *Decoder) Flush() { d.eof = true; d.need = 0 }

// Buffered returns the number of bytes written but not yet consumed by
// Next (an incomplete command or text waiting for its end).
func (d *Decoder) Buffered() int { return len(d.buf) - d.pos }

// Consumed returns the stream offset up to which bytes have been consumed
// by the commands returned so far (skipped data included).
func (d *Decoder) Consumed() int64 { return d.base + int64(d.pos) }

// Kanji reports whether double-byte mode is on at the current position.
func (d *Decoder) Kanji() bool { return d.kanji }

// Discard drops every buffered byte and pending real-time report, as the
// printer's "clear buffers" does. Modes (code table, double-byte) stay.
func (d *Decoder) Discard() {
	d.base += int64(len(d.buf))
	d.buf = d.buf[:0]
	d.pos, d.skip, d.need, d.textScan = 0, 0, 0, 0
	d.rtq, d.rtHead = d.rtq[:0], 0
	d.rt.reset()
}

// Decode writes p and calls emit for every command that became complete.
func (d *Decoder) Decode(p []byte, emit func(Command)) {
	d.Write(p)
	for c, ok := d.Next(); ok; c, ok = d.Next() {
		emit(c)
	}
}

// Next returns the next complete command, or false when more bytes are
// needed.
func (d *Decoder) Next() (Command, bool) {
	for {
		if d.skip > 0 {
			k := min(int64(len(d.buf)-d.pos), d.skip)
			d.pos += int(k)
			d.skip -= k
			d.compact()
			if d.skip > 0 {
				return d.popRealtime()
			}
		}
		avail := len(d.buf) - d.pos
		if avail == 0 || (avail < d.need && !d.eof) {
			return d.popRealtime()
		}
		r := d.parse(d.buf[d.pos:], d.base+int64(d.pos), d.eof)
		if r.n == 0 {
			d.need = r.need
			return d.popRealtime()
		}
		end := d.base + int64(d.pos+r.n)
		if d.rtHead < len(d.rtq) && d.rtq[d.rtHead].end <= end {
			return d.popRealtime()
		}
		raw := d.buf[d.pos : d.pos+r.n]
		cmd := r.cmd
		if r.text {
			cmd = d.decodeText(raw)
		} else {
			cmd = d.commit(cmd)
		}
		d.pos += r.n
		d.skip = r.skip
		d.need, d.textScan = 0, 0
		d.compact()
		if cmd != nil {
			return cmd, true
		}
	}
}

func (d *Decoder) popRealtime() (Command, bool) {
	if d.rtHead < len(d.rtq) {
		c := d.rtq[d.rtHead].cmd
		d.rtq[d.rtHead].cmd = nil
		d.rtHead++
		if d.rtHead == len(d.rtq) {
			d.rtq, d.rtHead = d.rtq[:0], 0
		}
		return c, true
	}
	return nil, false
}

func (d *Decoder) compact() {
	switch {
	case d.pos == len(d.buf):
		d.base += int64(d.pos)
		d.buf, d.pos = d.buf[:0], 0
	case d.pos >= 4096 && d.pos >= len(d.buf)/2:
		n := copy(d.buf, d.buf[d.pos:])
		d.base += int64(d.pos)
		d.buf, d.pos = d.buf[:n], 0
	}
}

// commit applies a command's effect on decoding state and copies the
// data it holds out of the buffer.
func (d *Decoder) commit(c Command) Command {
	switch v := c.(type) {
	case Initialize:
		d.kanji = d.opts.Kanji
		d.selectTable(d.opts.CodeTable)
	case KanjiOn:
		d.kanji = true
	case KanjiOff:
		d.kanji = false
	case CodeTable:
		v.Page = d.selectTable(v.N)
		return v
	case Barcode:
		v.Data = clone(v.Data)
		return v
	case QRStore:
		v.Data = clone(v.Data)
		return v
	case PDF417Store:
		v.Data = clone(v.Data)
		return v
	case Symbol2D:
		v.Params = clone(v.Params)
		return v
	case RasterImage:
		v.Data = clone(v.Data)
		return v
	case ColumnImage:
		v.Data = clone(v.Data)
		return v
	case Graphics:
		v.Params = clone(v.Params)
		return v
	}
	return c
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

type parsed struct {
	cmd  Command
	n    int   // bytes consumed; 0 = incomplete
	skip int64 // data bytes to discard after n
	need int   // when n == 0: bytes needed before trying again
	text bool  // b[:n] is a text run
}

func done(c Command, n int) parsed { return parsed{cmd: c, n: n} }

func more(need int) parsed { return parsed{need: need} }

func bad(off int64, b []byte, n int, format string, args ...any) parsed {
	return parsed{cmd: Malformed{Offset: off, Bytes: clone(b[:n]), Reason: fmt.Sprintf(format, args...)}, n: n}
}

// want returns whether b has k bytes; if not, the parse result to return:
// more bytes, or at the end of the stream a truncated command.
func want(b []byte, k int, off int64, eof bool) (parsed, bool) {
	if len(b) >= k {
		return parsed{}, true
	}
	if eof {
		return bad(off, b, len(b), "truncated command (%d of %d bytes)", len(b), k), false
	}
	return more(k), false
}

func (d *Decoder) parse(b []byte, off int64, eof bool) parsed {
	c := b[0]
	if c >= 0x20 {
		return d.parseText(b, eof)
	}
	switch c {
	case LF:
		return done(LineFeed{}, 1)
	case CR:
		return done(CarriageReturn{}, 1)
	case HT:
		return done(Tab{}, 1)
	case FF:
		return done(FormFeed{}, 1)
	case CAN:
		return done(Cancel{}, 1)
	case DLE:
		return d.parseDLE(b, off, eof)
	case ESC:
		return d.parseESC(b, off, eof)
	case GS:
		return d.parseGS(b, off, eof)
	case FS:
		return d.parseFS(b, off, eof)
	}
	return bad(off, b, 1, "undefined control code %#02x", c)
}

func (d *Decoder) parseText(b []byte, eof bool) parsed {
	i := d.textScan + textLen(b[d.textScan:])
	if i > maxTextRun {
		return parsed{n: d.textCut(b), text: true}
	}
	if i < len(b) || eof {
		return parsed{n: i, text: true}
	}
	d.textScan = i
	return more(i + 1)
}

// textLen returns the length of the prefix of b without control codes
// (bytes below 0x20), eight bytes at a time.
func textLen(b []byte) int {
	const lo, hi = 0x2020202020202020, 0x8080808080808080
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		// A byte below 0x20 borrows in x-lo with its top bit clear in x:
		// the lowest flagged byte is the first control code.
		if m := (x - lo) &^ x & hi; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(b) && b[i] >= 0x20 {
		i++
	}
	return i
}

// isASCII reports whether b has no byte above 0x7F.
func isASCII(b []byte) bool {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= 0x80 {
			return false
		}
	}
	return true
}

// textCut returns the length of the first piece of an over-long text run:
// at most maxTextRun bytes, never splitting a double-byte character.
func (d *Decoder) textCut(b []byte) int {
	if !d.kanji {
		return maxTextRun
	}
	i := 0
	for {
		k := 1
		if b[i] >= 0x80 {
			k = 2
			if i+1 < len(b) && b[i+1] >= 0x30 && b[i+1] <= 0x39 {
				k = 4
			}
		}
		if i+k > maxTextRun {
			if i == 0 {
				return maxTextRun
			}
			return i
		}
		i += k
	}
}

func (d *Decoder) parseDLE(b []byte, off int64, eof bool) parsed {
	m, n, _ := matchRealtime(b)
	switch m {
	case rtComplete:
		// Reported by the real-time scanner when its bytes arrived.
		return parsed{n: n}
	case rtNeedMore:
		if eof {
			return bad(off, b, len(b), "truncated real-time command")
		}
		return more(len(b) + 1)
	}
	if b[1] == EOT || b[1] == ENQ || b[1] == DC4 {
		return bad(off, b, min(3, len(b)), "invalid real-time command parameters")
	}
	return bad(off, b, 2, "undefined command DLE %#02x", b[1])
}

// Fixed parameter counts; -1 = not a fixed-length command.
var escFixed, gsFixed, fsFixed [256]int8

func init() {
	for i := range escFixed {
		escFixed[i], gsFixed[i], fsFixed[i] = -1, -1, -1
	}
	for _, e := range []struct {
		c byte
		n int8
	}{
		{EscInit, 0}, {EscPrintMode, 1}, {EscEmphasize, 1}, {EscUnderline, 1}, {EscDoubleStrike, 1},
		{EscFont, 1}, {EscJustify, 1}, {EscPrintFeedLines, 1}, {EscPrintFeedDots, 1},
		{EscPrintReverse, 1}, {EscDefaultSpacing, 0}, {EscLineSpacing, 1}, {EscRightSpacing, 1},
		{EscAbsolutePos, 2}, {EscRelativePos, 2}, {EscCodeTable, 1}, {EscIntlCharset, 1},
		{EscFullCutLegacy, 0}, {EscPartCutLegacy, 0}, {EscPulse, 3}, {EscPaperSensor, 2},
		{EscPeripheral, 1}, {EscUpsideDown, 1},
		// Accepted and ignored: unidirectional, 90° rotation, standard/page
		// mode, page area, page direction, colour, user-defined character
		// set on/off, cancel user-defined character, panel buttons.
		{'U', 1}, {'V', 1}, {'S', 0}, {'L', 0}, {'W', 8}, {'T', 1}, {'r', 1}, {'%', 1}, {'?', 1},
	} {
		escFixed[e.c] = e.n
	}
	for _, e := range []struct {
		c byte
		n int8
	}{
		{GsCharSize, 1}, {GsReverse, 1}, {GsLeftMargin, 2}, {GsPrintWidth, 2}, {GsMotionUnits, 2},
		{GsBarcodeHeight, 1}, {GsBarcodeWidth, 1}, {GsHRIPosition, 1}, {GsHRIFont, 1},
		{GsASB, 1}, {GsStatus, 1}, {GsPrinterID, 1},
		// Accepted and ignored: smoothing, print position to line start,
		// absolute/relative vertical position (page mode), print downloaded
		// bit image, select 2D symbology (old form), macro execution and
		// definition, ink ASB.
		{'b', 1}, {'T', 1}, {'$', 2}, {'\\', 2}, {'/', 1}, {'Z', 1}, {'^', 3}, {':', 0}, {'j', 1},
	} {
		gsFixed[e.c] = e.n
	}
	for _, e := range []struct {
		c byte
		n int8
	}{
		{FsKanjiOn, 0}, {FsKanjiOff, 0}, {FsKanjiPrintMode, 1}, {FsKanjiCode, 1},
		{FsKanjiUnderline, 1}, {FsKanjiQuad, 1}, {FsKanjiSpacing, 2},
		// Accepted and ignored: print NV bit image, cancel user-defined Kanji.
		{'p', 2}, {'?', 2},
	} {
		fsFixed[e.c] = e.n
	}
}

func u16(lo, hi byte) int { return int(lo) | int(hi)<<8 }

func underlineDots(n byte) int {
	switch n {
	case 1, '1':
		return 1
	case 2, '2':
		return 2
	}
	return 0
}

func (d *Decoder) parseESC(b []byte, off int64, eof bool) parsed {
	if r, ok := want(b, 2, off, eof); !ok {
		return r
	}
	code := b[1]
	if k := escFixed[code]; k >= 0 {
		n := 2 + int(k)
		if r, ok := want(b, n, off, eof); !ok {
			return r
		}
		p := b[2:n]
		switch code {
		case EscInit:
			return done(Initialize{}, n)
		case EscPrintMode:
			return done(PrintMode{N: p[0]}, n)
		case EscEmphasize:
			return done(Emphasize{On: p[0]&1 != 0}, n)
		case EscUnderline:
			return done(Underline{Dots: underlineDots(p[0])}, n)
		case EscDoubleStrike:
			return done(DoubleStrike{On: p[0]&1 != 0}, n)
		case EscFont:
			f := p[0]
			if f >= '0' {
				f -= '0'
			}
			if f > 4 {
				return bad(off, b, n, "ESC M font %d out of range", p[0])
			}
			return done(SelectFont{Font: paper.Font(f)}, n)
		case EscJustify:
			j := p[0]
			if j >= '0' {
				j -= '0'
			}
			if j > 2 {
				return bad(off, b, n, "ESC a justification %d out of range", p[0])
			}
			return done(Justification{Align: paper.Justify(j)}, n)
		case EscPrintFeedLines:
			return done(PrintFeedLines{N: int(p[0])}, n)
		case EscPrintFeedDots:
			return done(PrintFeedDots{N: int(p[0])}, n)
		case EscPrintReverse:
			return done(PrintReverse{N: int(p[0])}, n)
		case EscDefaultSpacing:
			return done(DefaultLineSpacing{}, n)
		case EscLineSpacing:
			return done(LineSpacing{Dots: int(p[0])}, n)
		case EscRightSpacing:
			return done(RightSpacing{Dots: int(p[0])}, n)
		case EscAbsolutePos:
			return done(AbsolutePosition{Dots: u16(p[0], p[1])}, n)
		case EscRelativePos:
			return done(RelativePosition{Dots: int(int16(u16(p[0], p[1])))}, n)
		case EscCodeTable:
			return done(CodeTable{N: int(p[0])}, n)
		case EscIntlCharset:
			return done(IntlCharset{N: int(p[0])}, n)
		case EscFullCutLegacy:
			return done(LegacyCut{}, n)
		case EscPartCutLegacy:
			return done(LegacyCut{Partial: true}, n)
		case EscPulse:
			pin := 2
			switch p[0] {
			case 0, '0':
			case 1, '1':
				pin = 5
			default:
				return bad(off, b, n, "ESC p connector %d out of range", p[0])
			}
			return done(DrawerPulse{Pin: pin, OnMS: int(p[1]) * 2, OffMS: int(p[2]) * 2}, n)
		case EscPaperSensor:
			if p[0] < '3' || p[0] > '5' {
				return done(Ignored{Prefix: ESC, Code: code, Len: n}, n)
			}
			return done(PaperSensor{Which: p[0], N: p[1]}, n)
		case EscPeripheral:
			return done(SelectPeripheral{N: p[0]}, n)
		case EscUpsideDown:
			return done(UpsideDown{On: p[0]&1 != 0}, n)
		}
		return done(Ignored{Prefix: ESC, Code: code, Len: n}, n)
	}
	switch code {
	case EscTabs:
		var cols []int
		for i := 2; i < len(b); i++ {
			c := b[i]
			if c == NUL {
				return done(SetTabs{Columns: cols}, i+1)
			}
			if len(cols) == maxTabs || (len(cols) > 0 && int(c) <= cols[len(cols)-1]) {
				// Epson: the setting ends; this byte is normal data.
				return done(SetTabs{Columns: cols}, i)
			}
			cols = append(cols, int(c))
		}
		if eof {
			return done(SetTabs{Columns: cols}, len(b))
		}
		return more(len(b) + 1)
	case EscBitImage:
		if r, ok := want(b, 5, off, eof); !ok {
			return r
		}
		m, cols := b[2], u16(b[3], b[4])
		k := cols
		switch m {
		case 0, 1:
		case 32, 33:
			k = 3 * cols
		default:
			return bad(off, b, 5, "ESC * mode %d out of range", m)
		}
		if r, ok := want(b, 5+k, off, eof); !ok {
			return r
		}
		return done(ColumnImage{Mode: m, Columns: cols, Data: b[5 : 5+k]}, 5+k)
	case EscParen:
		return d.parseParen(b, off, eof)
	case '&': // ESC & y c1 c2 [x d1…d(y×x)]…: define user-defined characters
		if r, ok := want(b, 5, off, eof); !ok {
			return r
		}
		y, c1, c2 := int(b[2]), b[3], b[4]
		if y < 1 || y > 3 || c1 < 32 || c2 > 126 || c1 > c2 {
			return bad(off, b, 5, "ESC & parameters out of range")
		}
		i := 5
		for ch := int(c1); ch <= int(c2); ch++ {
			if r, ok := want(b, i+1, off, eof); !ok {
				return r
			}
			i += 1 + y*int(b[i])
		}
		if r, ok := want(b, i, off, eof); !ok {
			return r
		}
		return done(Ignored{Prefix: ESC, Code: '&', Len: i}, i)
	}
	return bad(off, b, 2, "undefined command ESC %s", printable(code))
}

// parseParen decodes the length-prefixed families ESC ( / GS ( / FS (:
// prefix '(' fn pL pH data.
func (d *Decoder) parseParen(b []byte, off int64, eof bool) parsed {
	if r, ok := want(b, 5, off, eof); !ok {
		return r
	}
	prefix, fn, p := b[0], b[2], u16(b[3], b[4])
	known := prefix == GS && (fn == GsParenQR || fn == GsParenProcessID || fn == GsParenGraphics)
	if !known {
		// Unknown function: skip by its length without buffering.
		return parsed{cmd: Extended{Prefix: prefix, Code: '(', Fn: fn, Len: p}, n: 5, skip: int64(p)}
	}
	if p > d.opts.MaxData {
		r := bad(off, b, 5, "%s ( %c: %d bytes of data exceed the %d-byte limit", prefixName(prefix), fn, p, d.opts.MaxData)
		r.skip = int64(p)
		return r
	}
	n := 5 + p
	if r, ok := want(b, n, off, eof); !ok {
		return r
	}
	data := b[5:n]
	switch fn {
	case GsParenQR:
		return d.parse2D(b, off, n, data)
	case GsParenProcessID:
		if p == 6 && data[0] == 48 && data[1] == 48 {
			var id [4]byte
			copy(id[:], data[2:6])
			for _, c := range id {
				if c < 32 || c > 126 {
					return bad(off, b, n, "GS ( H process ID byte %#02x out of range 32–126", c)
				}
			}
			return done(ProcessID{ID: id}, n)
		}
		if p >= 1 {
			return done(Extended{Prefix: GS, Code: '(', Fn: fn, Len: p}, n)
		}
		return bad(off, b, n, "GS ( H without parameters")
	default: // GsParenGraphics
		if p < 2 {
			return bad(off, b, n, "GS ( L with %d parameter bytes", p)
		}
		if data[0] != 48 {
			return done(Extended{Prefix: GS, Code: '(', Fn: fn, Len: p}, n)
		}
		return done(Graphics{Fn: data[1], Params: data[2:]}, n)
	}
}

func (d *Decoder) parse2D(b []byte, off int64, n int, data []byte) parsed {
	if len(data) < 2 {
		return bad(off, b, n, "GS ( k with %d parameter bytes", len(data))
	}
	cn, fn, args := data[0], data[1], data[2:]
	if cn == PDF417Symbol {
		return d.parsePDF417(b, off, n, fn, args)
	}
	if cn != QRSymbolQR {
		return done(Symbol2D{CN: cn, FN: fn, Params: args}, n)
	}
	arg := func(min int) bool { return len(args) >= min }
	switch fn {
	case QRFnModel:
		if !arg(2) || args[0] < 49 || args[0] > 51 {
			return bad(off, b, n, "GS ( k QR model: bad parameters")
		}
		return done(QRModel{Model: int(args[0] - 48)}, n)
	case QRFnModuleSize:
		if !arg(1) || args[0] < 1 || args[0] > 16 {
			return bad(off, b, n, "GS ( k QR module size out of range 1–16")
		}
		return done(QRModuleSize{Dots: int(args[0])}, n)
	case QRFnErrorLevel:
		if !arg(1) || args[0] < 48 || args[0] > 51 {
			return bad(off, b, n, "GS ( k QR error correction level out of range 48–51")
		}
		return done(QRErrorLevel{Level: paper.ECLevel(args[0] - 48)}, n)
	case QRFnStore:
		if !arg(1) || args[0] != 48 {
			return bad(off, b, n, "GS ( k QR store: m must be 48")
		}
		return done(QRStore{Data: args[1:]}, n)
	case QRFnPrint:
		return done(QRPrint{}, n)
	case QRFnSize:
		return done(QRTransmitSize{}, n)
	}
	return done(Symbol2D{CN: cn, FN: fn, Params: args}, n)
}

// parsePDF417 decodes GS ( k cn=48 function fn with its parameters.
func (d *Decoder) parsePDF417(b []byte, off int64, n int, fn byte, args []byte) parsed {
	if len(args) < 1 {
		return bad(off, b, n, "GS ( k PDF417 fn %d without parameters", fn)
	}
	a := int(args[0])
	switch fn {
	case PDF417FnColumns:
		if a > 30 {
			return bad(off, b, n, "GS ( k PDF417 columns %d out of range 0–30", a)
		}
		return done(PDF417Columns{N: a}, n)
	case PDF417FnRows:
		if a != 0 && (a < 3 || a > 90) {
			return bad(off, b, n, "GS ( k PDF417 rows %d out of range 0, 3–90", a)
		}
		return done(PDF417Rows{N: a}, n)
	case PDF417FnModule:
		if a < 2 || a > 8 {
			return bad(off, b, n, "GS ( k PDF417 module width %d out of range 2–8", a)
		}
		return done(PDF417Module{Dots: a}, n)
	case PDF417FnRowHeight:
		if a < 2 || a > 8 {
			return bad(off, b, n, "GS ( k PDF417 row height %d out of range 2–8", a)
		}
		return done(PDF417RowHeight{N: a}, n)
	case PDF417FnErrorLvl:
		if len(args) < 2 {
			return bad(off, b, n, "GS ( k PDF417 error correction: m and n needed")
		}
		v := int(args[1])
		switch {
		case a == 48 && v >= 48 && v <= 56:
			return done(PDF417ErrorLevel{N: v - 48}, n)
		case a == 49 && v >= 1 && v <= 40:
			return done(PDF417ErrorLevel{Ratio: true, N: v}, n)
		}
		return bad(off, b, n, "GS ( k PDF417 error correction m=%d n=%d out of range (48, 48–56 or 49, 1–40)", a, v)
	case PDF417FnOptions:
		if a > 1 {
			return bad(off, b, n, "GS ( k PDF417 option %d out of range 0–1", a)
		}
		return done(PDF417Options{Truncated: a == 1}, n)
	case PDF417FnStore, PDF417FnPrint, PDF417FnSize:
		if a != 48 {
			return bad(off, b, n, "GS ( k PDF417 fn %d: m must be 48", fn)
		}
		switch fn {
		case PDF417FnStore:
			return done(PDF417Store{Data: args[1:]}, n)
		case PDF417FnPrint:
			return done(PDF417Print{}, n)
		}
		return done(PDF417TransmitSize{}, n)
	}
	return done(Symbol2D{CN: PDF417Symbol, FN: fn, Params: args}, n)
}

func (d *Decoder) parseGS(b []byte, off int64, eof bool) parsed {
	if r, ok := want(b, 2, off, eof); !ok {
		return r
	}
	code := b[1]
	if k := gsFixed[code]; k >= 0 {
		n := 2 + int(k)
		if r, ok := want(b, n, off, eof); !ok {
			return r
		}
		p := b[2:n]
		switch code {
		case GsCharSize:
			w, h := int(p[0]>>4)+1, int(p[0]&0x0F)+1
			if w > 8 || h > 8 {
				return bad(off, b, n, "GS ! size %#02x out of range", p[0])
			}
			return done(CharSize{Width: w, Height: h}, n)
		case GsReverse:
			return done(Reverse{On: p[0]&1 != 0}, n)
		case GsLeftMargin:
			return done(LeftMargin{Dots: u16(p[0], p[1])}, n)
		case GsPrintWidth:
			return done(PrintAreaWidth{Dots: u16(p[0], p[1])}, n)
		case GsMotionUnits:
			return done(MotionUnits{X: int(p[0]), Y: int(p[1])}, n)
		case GsBarcodeHeight:
			if p[0] == 0 {
				return bad(off, b, n, "GS h height 0 out of range 1–255")
			}
			return done(BarcodeHeight{Dots: int(p[0])}, n)
		case GsBarcodeWidth:
			if p[0] < 1 || p[0] > 6 {
				return bad(off, b, n, "GS w module width %d out of range 1–6", p[0])
			}
			return done(BarcodeWidth{N: int(p[0])}, n)
		case GsHRIPosition:
			v := p[0]
			if v >= '0' {
				v -= '0'
			}
			if v > 3 {
				return bad(off, b, n, "GS H position %d out of range", p[0])
			}
			return done(HRIPosition{Pos: paper.HRIPosition(v)}, n)
		case GsHRIFont:
			v := p[0]
			if v >= '0' {
				v -= '0'
			}
			if v > 4 {
				return bad(off, b, n, "GS f font %d out of range", p[0])
			}
			return done(HRIFont{Font: paper.Font(v)}, n)
		case GsASB:
			return done(ASBEnable{Mask: p[0]}, n)
		case GsStatus:
			return done(TransmitStatus{N: p[0]}, n)
		case GsPrinterID:
			return done(TransmitID{N: p[0]}, n)
		}
		return done(Ignored{Prefix: GS, Code: code, Len: n}, n)
	}
	switch code {
	case GsCut:
		if r, ok := want(b, 3, off, eof); !ok {
			return r
		}
		m := b[2]
		switch m {
		case 0, '0':
			return done(Cut{Mode: m}, 3)
		case 1, '1':
			return done(Cut{Mode: m, Partial: true}, 3)
		case 65, 66, 97, 98, 103, 104:
			if r, ok := want(b, 4, off, eof); !ok {
				return r
			}
			return done(Cut{Mode: m, Partial: m%2 == 0, Feed: int(b[3])}, 4)
		}
		return bad(off, b, 3, "GS V mode %d out of range", m)
	case GsBarcode:
		return d.parseBarcode(b, off, eof)
	case GsRaster:
		if r, ok := want(b, 8, off, eof); !ok {
			return r
		}
		if b[2] != '0' {
			return bad(off, b, 3, "undefined command GS v %s", printable(b[2]))
		}
		m := b[3]
		if m >= '0' {
			m -= '0'
		}
		if m > 3 {
			return bad(off, b, 8, "GS v 0 mode %d out of range", b[3])
		}
		x, y := u16(b[4], b[5]), u16(b[6], b[7])
		k := x * y
		if k > d.opts.MaxData {
			r := bad(off, b, 8, "GS v 0 image of %d bytes exceeds the %d-byte limit", k, d.opts.MaxData)
			r.skip = int64(k)
			return r
		}
		if r, ok := want(b, 8+k, off, eof); !ok {
			return r
		}
		return done(RasterImage{Mode: m, WidthBytes: x, Height: y, Data: b[8 : 8+k]}, 8+k)
	case GsParen:
		return d.parseParen(b, off, eof)
	case GsGraphics8:
		if r, ok := want(b, 7, off, eof); !ok {
			return r
		}
		if b[2] != 'L' {
			return bad(off, b, 3, "undefined command GS 8 %s", printable(b[2]))
		}
		p := int64(b[3]) | int64(b[4])<<8 | int64(b[5])<<16 | int64(b[6])<<24
		if p < 2 || p > int64(d.opts.MaxData) {
			r := bad(off, b, 7, "GS 8 L with %d bytes of data (limit %d)", p, d.opts.MaxData)
			r.skip = p
			return r
		}
		n := 7 + int(p)
		if r, ok := want(b, n, off, eof); !ok {
			return r
		}
		if b[7] != 48 {
			return done(Extended{Prefix: GS, Code: '8', Fn: 'L', Len: int(p)}, n)
		}
		return done(Graphics{Fn: b[8], Params: b[9:n]}, n)
	case '*': // GS * x y d1…d(x×y×8): define downloaded bit image
		if r, ok := want(b, 4, off, eof); !ok {
			return r
		}
		n := 4 + int(b[2])*int(b[3])*8
		if r, ok := want(b, n, off, eof); !ok {
			return r
		}
		return done(Ignored{Prefix: GS, Code: '*', Len: n}, n)
	}
	return bad(off, b, 2, "undefined command GS %s", printable(code))
}

var symbologyA = [...]paper.Symbology{paper.UPCA, paper.UPCE, paper.EAN13, paper.EAN8, paper.Code39, paper.ITF, paper.Codabar}

var symbologyB = [...]paper.Symbology{
	paper.UPCA, paper.UPCE, paper.EAN13, paper.EAN8, paper.Code39, paper.ITF, paper.Codabar,
	paper.Code93, paper.Code128, paper.GS1128, paper.DataBarOmni, paper.DataBarTruncated,
	paper.DataBarLimited, paper.DataBarExpanded, paper.Code128Auto,
}

func (d *Decoder) parseBarcode(b []byte, off int64, eof bool) parsed {
	if r, ok := want(b, 3, off, eof); !ok {
		return r
	}
	m := b[2]
	switch {
	case m <= 6: // form A: data up to NUL
		for i := 3; i < len(b) && i <= 3+maxBarcodeA; i++ {
			if b[i] == NUL {
				return done(Barcode{M: m, Symbology: symbologyA[m], Data: b[3:i]}, i+1)
			}
		}
		if len(b) > 3+maxBarcodeA {
			return bad(off, b, 3, "GS k %d: no NUL within %d data bytes", m, maxBarcodeA)
		}
		if eof {
			return bad(off, b, len(b), "truncated GS k %d (no NUL)", m)
		}
		return more(len(b) + 1)
	case m >= 65 && m <= 79: // form B: length-prefixed
		if r, ok := want(b, 4, off, eof); !ok {
			return r
		}
		n := 4 + int(b[3])
		if r, ok := want(b, n, off, eof); !ok {
			return r
		}
		return done(Barcode{M: m, Symbology: symbologyB[m-65], Data: b[4:n]}, n)
	}
	return bad(off, b, 3, "GS k symbology %d out of range", m)
}

func (d *Decoder) parseFS(b []byte, off int64, eof bool) parsed {
	if r, ok := want(b, 2, off, eof); !ok {
		return r
	}
	code := b[1]
	if k := fsFixed[code]; k >= 0 {
		n := 2 + int(k)
		if r, ok := want(b, n, off, eof); !ok {
			return r
		}
		p := b[2:n]
		switch code {
		case FsKanjiOn:
			return done(KanjiOn{}, n)
		case FsKanjiOff:
			return done(KanjiOff{}, n)
		case FsKanjiPrintMode:
			return done(KanjiPrintMode{N: p[0]}, n)
		case FsKanjiCode:
			return done(KanjiCodeSystem{N: p[0]}, n)
		case FsKanjiUnderline:
			return done(KanjiUnderline{Dots: underlineDots(p[0])}, n)
		case FsKanjiQuad:
			return done(KanjiQuad{On: p[0]&1 != 0}, n)
		case FsKanjiSpacing:
			return done(KanjiSpacing{Left: int(p[0]), Right: int(p[1])}, n)
		}
		return done(Ignored{Prefix: FS, Code: code, Len: n}, n)
	}
	switch code {
	case '2': // FS 2 c1 c2 d1…d72: define user-defined Kanji (24×24)
		if r, ok := want(b, 76, off, eof); !ok {
			return r
		}
		return done(Ignored{Prefix: FS, Code: '2', Len: 76}, 76)
	case FsParen:
		return d.parseParen(b, off, eof)
	}
	return bad(off, b, 2, "undefined command FS %s", printable(code))
}

func printable(c byte) string {
	if c > 0x20 && c < 0x7F {
		return fmt.Sprintf("%c", c)
	}
	return fmt.Sprintf("%#02x", c)
}

// Text decoding.

// arenaSize is the size of the blocks that decoded text is copied into.
const arenaSize = 32 << 10

// intern returns a string holding the bytes appended to the arena by
// fill. Text strings share arena blocks instead of being allocated one by
// one; a block is never written again once a string points into it, so
// the strings are immutable as Go requires.
func (d *Decoder) intern(maxLen int, fill func([]byte) []byte) string {
	if maxLen > arenaSize/4 {
		return string(fill(nil))
	}
	if cap(d.arena)-len(d.arena) < maxLen {
		d.arena = make([]byte, 0, arenaSize)
	}
	start := len(d.arena)
	d.arena = fill(d.arena)
	if len(d.arena) == start {
		return ""
	}
	return unsafe.String(&d.arena[start], len(d.arena)-start)
}

func (d *Decoder) decodeText(raw []byte) Command {
	if isASCII(raw) {
		return Text{Text: d.intern(len(raw), func(dst []byte) []byte { return append(dst, raw...) }), Kanji: d.kanji}
	}
	if d.kanji {
		if d.gb == nil {
			d.gb = simplifiedchinese.GB18030.NewDecoder()
		}
		out, err := d.gb.Bytes(raw)
		if err != nil {
			out = []byte(string(raw)) // cannot happen: the decoder replaces invalid bytes
		}
		return Text{Text: string(out), Kanji: true}
	}
	t := d.runes
	return Text{Text: d.intern(3*len(raw), func(dst []byte) []byte {
		for _, c := range raw {
			dst = utf8.AppendRune(dst, t[c])
		}
		return dst
	})}
}
