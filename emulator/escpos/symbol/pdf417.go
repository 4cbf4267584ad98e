package symbol

import (
	"fmt"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// PDF417 after ISO/IEC 15438:2015. The codeword patterns are the
// standard's table (pdf417_table.go); the rest is here: byte compaction,
// Reed–Solomon error correction over GF(929), row indicators, the symbol
// laid out in the columns and rows the host asked for.

const (
	pdf417Start = 0x1fea8 // 11111111010101000: start pattern, 17 modules
	pdf417Stop  = 0x3fa29 // 111111101000101001: stop pattern, 18 modules
	pdf417Mod   = 929
)

// PDF417Modules returns the module matrix of p's symbol: rows×width
// modules, row-major, true for a dark module, start and stop patterns
// included, no quiet zone. Data is byte-compacted; ErrorLevel (0–8) gives
// 2^(level+1) error correction codewords; Columns (1–30) and Rows (3–90)
// fix the data columns and rows when not 0 (automatic: the shape nearest
// three times as wide as high, at 3 modules a row, that fits AreaWidth when
// it is set); Truncated
// draws the truncated symbol (no right row indicator, a one-module stop).
func PDF417Modules(p *paper.PDF417) (mods []bool, width, rows int, err error) {
	fail := func(format string, args ...any) ([]bool, int, int, error) {
		return nil, 0, 0, &SymbolError{Symbology: "PDF417", Data: p.Data, Reason: fmt.Sprintf(format, args...)}
	}
	level := p.ErrorLevel
	if level < 0 || level > 8 {
		return fail("error correction level %d out of range 0–8", level)
	}
	data := pdf417Bytes([]byte(p.Data))
	ec := 1 << (level + 1)
	n := 1 + len(data) // with the symbol length descriptor
	maxCols := 30
	if mw, _ := PDF417Dims(p); p.AreaWidth > 0 {
		// Automatic columns stay within the print area.
		maxCols = min(30, max(1, (p.AreaWidth/mw-1)/17-4))
		if p.Truncated {
			maxCols = min(30, max(1, (p.AreaWidth/mw-1)/17-2))
		}
	}
	cols, rows, ok := pdf417Shape(n+ec, p.Columns, p.Rows, maxCols)
	if !ok {
		return fail("%d codewords do not fit (columns %d, rows %d)", n+ec, p.Columns, p.Rows)
	}
	// Length descriptor, data, pad codewords (900), error correction.
	cw := make([]int, 0, cols*rows)
	pad := cols*rows - n - ec
	cw = append(cw, n+pad)
	cw = append(cw, data...)
	for range pad {
		cw = append(cw, 900)
	}
	cw = append(cw, pdf417EC(cw, ec)...)

	perRow := cols + 4 // start, left indicator, data, right indicator, stop
	width = 17*perRow + 1
	if p.Truncated {
		width = 17*(cols+2) + 1
	}
	mods = make([]bool, 0, width*rows)
	put := func(pattern uint32, bits int) {
		for i := bits - 1; i >= 0; i-- {
			mods = append(mods, pattern>>i&1 == 1)
		}
	}
	for r := 0; r < rows; r++ {
		k := r % 3
		base := 30 * (r / 3)
		var left, right int
		switch k {
		case 0:
			left, right = base+(rows-1)/3, base+cols-1
		case 1:
			left, right = base+level*3+(rows-1)%3, base+(rows-1)/3
		case 2:
			left, right = base+cols-1, base+level*3+(rows-1)%3
		}
		put(pdf417Start, 17)
		put(pdf417Patterns[k][left], 17)
		for c := 0; c < cols; c++ {
			put(pdf417Patterns[k][cw[r*cols+c]], 17)
		}
		if p.Truncated {
			put(1, 1)
			continue
		}
		put(pdf417Patterns[k][right], 17)
		put(pdf417Stop, 18)
	}
	return mods, width, rows, nil
}

// pdf417Shape returns the data columns and rows for total codewords:
// the host's numbers where given, else automatic with at most maxCols
// columns.
func pdf417Shape(total, cols, rows, maxCols int) (int, int, bool) {
	// A symbol has at most 928 codewords (ISO/IEC 15438 5.1), so the
	// length descriptor and row indicators stay codewords (0–928).
	fits := func(c, r int) bool { return c >= 1 && c <= 30 && r >= 3 && r <= 90 && c*r >= total && c*r <= 928 }
	switch {
	case cols > 0 && rows > 0:
		return cols, rows, fits(cols, rows)
	case cols > 0:
		r := max(3, (total+cols-1)/cols)
		return cols, r, fits(cols, r)
	case rows > 0:
		c := (total + rows - 1) / rows
		return c, rows, fits(c, rows)
	}
	// Automatic: the shape nearest 3:1 (width to height, at rows 3
	// modules high), as ZXing's encoder aims for.
	best, bc, br := -1.0, 0, 0
	for c := 1; c <= maxCols; c++ {
		r := max(3, (total+c-1)/c)
		if !fits(c, r) {
			continue
		}
		ratio := float64(17*(c+4)+1) / float64(3*r)
		d := ratio - 3
		if d < 0 {
			d = -d
		}
		if best < 0 || d < best {
			best, bc, br = d, c, r
		}
	}
	return bc, br, best >= 0
}

// pdf417Bytes byte-compacts data (ISO/IEC 15438 5.4.3): latch 924 and
// six bytes to five base-900 codewords when the length is a multiple of
// six, else latch 901, the same for whole groups and a codeword a byte for
// the rest.
func pdf417Bytes(data []byte) []int {
	out := make([]int, 0, 1+len(data)*5/6+6)
	if len(data)%6 == 0 {
		out = append(out, 924)
	} else {
		out = append(out, 901)
	}
	i := 0
	for ; i+6 <= len(data); i += 6 {
		var v uint64
		for _, b := range data[i : i+6] {
			v = v<<8 | uint64(b)
		}
		var g [5]int
		for j := 4; j >= 0; j-- {
			g[j] = int(v % 900)
			v /= 900
		}
		out = append(out, g[:]...)
	}
	for _, b := range data[i:] {
		out = append(out, int(b))
	}
	return out
}

// pdf417EC returns the k error correction codewords of data (ISO/IEC
// 15438 5.9 and Annex F): the remainder of data(x)·x^k divided by
// g(x) = (x−3)(x−3²)…(x−3^k) over GF(929), negated, highest power first.
func pdf417EC(data []int, k int) []int {
	// g's coefficients, g[i] for x^i, g[k] = 1.
	g := make([]int, k+1)
	g[0] = 1
	p := 1
	for i := 1; i <= k; i++ {
		p = p * 3 % pdf417Mod
		// g(x) *= (x − p)
		for j := i; j >= 0; j-- {
			v := 0
			if j > 0 {
				v = g[j-1]
			}
			g[j] = (v + (pdf417Mod-p)*g[j]) % pdf417Mod
		}
	}
	e := make([]int, k)
	for _, d := range data {
		t := (d + e[k-1]) % pdf417Mod
		for j := k - 1; j > 0; j-- {
			e[j] = (e[j-1] + pdf417Mod - t*g[j]%pdf417Mod) % pdf417Mod
		}
		e[0] = (pdf417Mod - t*g[0]%pdf417Mod) % pdf417Mod
	}
	out := make([]int, k)
	for j := range e {
		out[k-1-j] = (pdf417Mod - e[j]) % pdf417Mod
	}
	return out
}
