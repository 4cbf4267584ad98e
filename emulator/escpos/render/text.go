package render

import (
	"cmp"
	"math/bits"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// Text renders r as plain UTF-8 text. See AppendText.
func Text(r *paper.Receipt) []byte {
	return AppendText(nil, r)
}

// AppendText appends the text rendering of r to dst and returns the
// extended buffer, so that a caller rendering many receipts can reuse one.
//
// Every printed line gives one line of text. A run starts at column
// X / (cell width + character spacing) of its font, so justification, tabs
// and absolute positions come out as spaces. The characters of a run are
// written together ("TOTAL 12.50" at double width is "TOTAL 12.50"); the
// columns the run takes on paper beyond those written (a character takes as
// many as its horizontal magnification, twice that for an East Asian wide or
// double-byte character) follow it as spaces. Runs are written in the order
// of their columns. Blank feeds give
// one empty line per line height fed (the last printed line's height, or
// 30 dots). Images, barcodes, QR codes, cuts and drawer pulses give marker
// lines: "[IMAGE 384x120]", "[BARCODE EAN13] 4006381333931",
// "[QR] https://…", "[PDF417] …", "[CUT]" or "[PARTIAL CUT]", "[DRAWER 2]". Control
// characters in barcode and QR data are written as \xNN so that a marker
// stays on one line. Trailing spaces are trimmed.
func AppendText(dst []byte, r *paper.Receipt) []byte {
	if r == nil {
		return dst
	}
	unit := defaultLineDots
	for _, e := range r.Elements {
		switch e := e.(type) {
		case *paper.Line:
			dst = appendLine(dst, e)
			if e.Height > 0 {
				unit = e.Height
			}
		case paper.Feed:
			dst = appendFeed(dst, e.Dots, unit)
		case *paper.Feed:
			dst = appendFeed(dst, e.Dots, unit)
		case paper.Image:
			dst = appendImageMarker(dst, &e)
		case *paper.Image:
			dst = appendImageMarker(dst, e)
		case paper.Barcode:
			dst = appendBarcodeMarker(dst, &e)
		case *paper.Barcode:
			dst = appendBarcodeMarker(dst, e)
		case paper.QR:
			dst = appendEscaped(append(dst, "[QR] "...), e.Data)
			dst = append(dst, '\n')
		case *paper.QR:
			dst = appendEscaped(append(dst, "[QR] "...), e.Data)
			dst = append(dst, '\n')
		case paper.PDF417:
			dst = appendEscaped(append(dst, "[PDF417] "...), e.Data)
			dst = append(dst, '\n')
		case *paper.PDF417:
			dst = appendEscaped(append(dst, "[PDF417] "...), e.Data)
			dst = append(dst, '\n')
		case paper.Cut:
			dst = appendCutMarker(dst, e.Partial)
		case *paper.Cut:
			dst = appendCutMarker(dst, e.Partial)
		case paper.Drawer:
			dst = appendDrawerMarker(dst, e.Pin)
		case *paper.Drawer:
			dst = appendDrawerMarker(dst, e.Pin)
		}
	}
	return dst
}

// defaultLineDots is the line height assumed for feeds before any line was
// printed: the 1/6-inch default line spacing at 180 dpi.
const defaultLineDots = 30

func appendFeed(dst []byte, dots, unit int) []byte {
	for n := (clamp(dots, 0, MaxHeight) + unit/2) / unit; n > 0; n-- {
		dst = append(dst, '\n')
	}
	return dst
}

func appendImageMarker(dst []byte, im *paper.Image) []byte {
	dst = append(dst, "[IMAGE "...)
	dst = strconv.AppendInt(dst, int64(im.Width), 10)
	dst = append(dst, 'x')
	dst = strconv.AppendInt(dst, int64(im.Height), 10)
	return append(dst, "]\n"...)
}

func appendBarcodeMarker(dst []byte, b *paper.Barcode) []byte {
	dst = append(dst, "[BARCODE "...)
	dst = append(dst, b.Symbology...)
	dst = append(dst, "] "...)
	dst = appendEscaped(dst, b.Data)
	return append(dst, '\n')
}

func appendCutMarker(dst []byte, partial bool) []byte {
	if partial {
		return append(dst, "[PARTIAL CUT]\n"...)
	}
	return append(dst, "[CUT]\n"...)
}

func appendDrawerMarker(dst []byte, pin int) []byte {
	dst = append(dst, "[DRAWER "...)
	dst = strconv.AppendInt(dst, int64(pin), 10)
	return append(dst, "]\n"...)
}

const hexDigits = "0123456789ABCDEF"

// appendEscaped appends s with control characters and bytes that are not
// UTF-8 as \xNN.
func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			if r, size := utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError || size > 1 {
				dst = append(dst, s[i:i+size]...)
				i += size
				continue
			}
		}
		if c < 0x20 || c >= 0x7F {
			dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xF])
		} else {
			dst = append(dst, c)
		}
		i++
	}
	return dst
}

// appendLine appends one printed line and its newline. A run's characters
// are written together, whatever their magnification; the columns the run
// takes on paper beyond those written (a double-width run takes two a
// character) follow it as spaces, so that the next run still starts at its
// column. Runs are written in the order of their columns: a run placed
// left of an earlier one (ESC $ backwards) comes first.
func appendLine(dst []byte, l *paper.Line) []byte {
	start := len(dst)
	col := 0 // columns written so far on this line
	runs := l.Runs
	var order []int
	if !runsSorted(runs) {
		var stack [32]int
		order = stack[:0]
		if len(runs) > len(stack) {
			order = make([]int, 0, len(runs))
		}
		for i := range runs {
			order = append(order, i)
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(runs[a].X, runs[b].X) })
	}
	for k := range runs {
		i := k
		if order != nil {
			i = order[k]
		}
		run := &runs[i]
		first := runColumn(run)
		if first > col {
			dst = appendSpaces(dst, first-col)
			col = first
		}
		mag := clamp(int(run.Style.Width), 1, maxMag)
		s := run.Text
		pad := 0 // columns the run takes beyond those written
		for len(s) > 0 {
			c := s[0]
			if c < utf8.RuneSelf && !run.Kanji {
				// Copy the longest printable ASCII stretch at once.
				n := printableLen(s)
				if n == 0 {
					n = 1
					c = ' ' // a control character
				}
				if n == 1 {
					dst = append(dst, c)
				} else {
					dst = append(dst, s[:n]...)
				}
				col += n * mag
				pad += n * (mag - 1)
				s = s[n:]
				continue
			}
			r, size := utf8.DecodeRuneInString(s)
			switch {
			case r < 0x20 || r == 0x7F:
				dst = append(dst, ' ')
			case r == utf8.RuneError && size == 1:
				dst = utf8.AppendRune(dst, utf8.RuneError) // invalid UTF-8
			default:
				dst = append(dst, s[:size]...)
			}
			s = s[size:]
			// Columns the character takes on paper, and in a terminal.
			cols, shown := mag, 1
			if isWide(r) {
				shown = 2
			}
			if run.Kanji || shown == 2 {
				cols = 2 * mag
			}
			pad += cols - shown
			col += cols
		}
		dst = appendSpaces(dst, pad)
	}
	// Trim trailing spaces.
	end := len(dst)
	for end > start && dst[end-1] == ' ' {
		end--
	}
	dst = dst[:end]
	return append(dst, '\n')
}

// runColumn is the column of a run's first character: its X divided by
// its character pitch.
func runColumn(run *paper.Run) int {
	cw, sp := clamp(run.CellWidth, 0, maxCell), clamp(run.CharSpacing, 0, maxCell)
	if cw <= 0 {
		cw = 12
	}
	x := clamp(run.X, 0, maxX)
	if run.Kanji {
		// A double-byte character is two cells and one spacing.
		return 2 * x / (2*cw + sp)
	}
	return x / (cw + sp)
}

func runsSorted(runs []paper.Run) bool {
	for i := 1; i < len(runs); i++ {
		if runs[i].X < runs[i-1].X {
			return false
		}
	}
	return true
}

const spaces = "                                                                "

// printableLen returns the length of the prefix of s made of printable
// ASCII (0x20–0x7E), eight bytes at a time.
func printableLen(s string) int {
	const ones, lo, hi = 0x0101010101010101, 0x2020202020202020, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// A byte below 0x20 borrows in x-lo with its top bit clear; one
		// of 0x7F or more has its top bit set in x or in x+1. A borrow or
		// carry only crosses into the next byte from a flagged byte, so
		// the lowest flagged byte is the first one that is not printable.
		if m := ((x-lo)&^x | x | (x + ones)) & hi; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7F {
		i++
	}
	return i
}

func appendSpaces(dst []byte, n int) []byte {
	for n > len(spaces) {
		dst = append(dst, spaces...)
		n -= len(spaces)
	}
	if n > 0 {
		dst = append(dst, spaces[:n]...)
	}
	return dst
}

// isWide reports whether r is an East Asian wide or fullwidth character,
// which a printer prints in two cells (a double-byte character) and a
// terminal shows in two columns.
func isWide(r rune) bool {
	if r < 0x1100 {
		return false
	}
	switch {
	case r <= 0x115F, // Hangul Jamo initials
		r >= 0x2E80 && r <= 0x303E,   // CJK radicals … CJK symbols and punctuation
		r >= 0x3041 && r <= 0x33FF,   // kana, bopomofo, CJK compatibility
		r >= 0x3400 && r <= 0x4DBF,   // CJK extension A
		r >= 0x4E00 && r <= 0x9FFF,   // CJK Unified Ideographs
		r >= 0xA000 && r <= 0xA4CF,   // Yi
		r >= 0xAC00 && r <= 0xD7A3,   // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF,   // CJK compatibility ideographs
		r >= 0xFE30 && r <= 0xFE4F,   // CJK compatibility forms
		r >= 0xFF00 && r <= 0xFF60,   // fullwidth forms
		r >= 0xFFE0 && r <= 0xFFE6,   // fullwidth signs
		r >= 0x20000 && r <= 0x3FFFD: // CJK extensions B…
		return true
	}
	return false
}
