package render

import (
	_ "embed"
	"sync"

	"github.com/poshil/hil/emulator/escpos/render/internal/unihex"
)

//go:generate go run ./internal/fontgen -hex /usr/share/unifont/unifont.hex -o fontdata/unifont.bin.gz

// unifontGz is the embedded subset of GNU Unifont (see fontdata/LICENSE).
//
//go:embed fontdata/unifont.bin.gz
var unifontGz []byte

// loadFont decodes the embedded font once; the data is committed and tested,
// so an error here is a build defect, not bad input.
var loadFont = sync.OnceValues(func() (*unihex.Font, error) {
	return unihex.Decode(unifontGz)
})

// HasGlyph reports whether the PNG and HTML renderers draw r with a glyph
// of its own; a character without one is drawn as U+FFFD.
func HasGlyph(r rune) bool {
	font, err := loadFont()
	if err != nil {
		return false
	}
	_, ok := font.Glyph(r)
	return ok
}

// glyphKey identifies a glyph scaled into a cell.
type glyphKey struct {
	r      rune
	cw, ch int32
}

// cellGlyph is a glyph scaled into a cw×ch cell: one byte a dot, row-major,
// 1 for ink. Cached bitmaps are shared and never modified.
type cellGlyph struct {
	cw, ch int
	dots   []byte
}

// maxCachedGlyphs bounds the cache: every CJK ideograph in two sizes.
const maxCachedGlyphs = 1 << 16

var glyphCache struct {
	sync.RWMutex
	m map[glyphKey]*cellGlyph
}

// glyphFor returns r's glyph scaled into a cw×ch cell, from the cache.
func glyphFor(r rune, cw, ch int) *cellGlyph {
	k := glyphKey{r, int32(cw), int32(ch)}
	glyphCache.RLock()
	g := glyphCache.m[k]
	glyphCache.RUnlock()
	if g != nil {
		return g
	}
	g = scaleGlyph(r, cw, ch)
	glyphCache.Lock()
	if glyphCache.m == nil || len(glyphCache.m) >= maxCachedGlyphs {
		// Start afresh rather than grow without bound on odd cell sizes.
		glyphCache.m = make(map[glyphKey]*cellGlyph)
	}
	if old := glyphCache.m[k]; old != nil {
		g = old
	} else {
		glyphCache.m[k] = g
	}
	glyphCache.Unlock()
	return g
}

// scaleGlyph draws Unifont's glyph for r into a cw×ch cell. The glyph is
// scaled by nearest neighbour with a factor that is a multiple of 1/2 (so
// 8×16 → 12×24 is an exact 3:2 and stays crisp), or 1:1 when the cell is
// less than 1.5 times the glyph (Font B 9×17), or shrunk to fit a smaller
// cell; it is centred in the cell. A character the font lacks is drawn as
// U+FFFD, or as an empty box.
func scaleGlyph(r rune, cw, ch int) *cellGlyph {
	g := &cellGlyph{cw: cw, ch: ch, dots: make([]byte, cw*ch)}
	if cw <= 0 || ch <= 0 || r == ' ' || r == 0x3000 {
		return g
	}
	font, err := loadFont()
	var src unihex.Glyph
	ok := false
	if err == nil {
		if src, ok = font.Glyph(r); !ok {
			src, ok = font.Glyph(0xFFFD)
		}
	}
	if !ok {
		// A box one dot inside the cell.
		for x := 1; x < cw-1; x++ {
			g.dots[1*cw+x], g.dots[(ch-2)*cw+x] = 1, 1
		}
		for y := 1; y < ch-1; y++ {
			g.dots[y*cw+1], g.dots[y*cw+cw-2] = 1, 1
		}
		return g
	}
	// Scale factor as a fraction num/2.
	sx := 2 * cw / src.Width
	sy := 2 * ch / unihex.Rows
	num := min(sx, sy)
	var sw, sh int
	switch {
	case num >= 3:
		sw, sh = src.Width*num/2, unihex.Rows*num/2
	case num == 2:
		sw, sh = src.Width, unihex.Rows
	default: // the cell is smaller than the glyph: shrink to fit
		sw, sh = min(cw, src.Width), min(ch, unihex.Rows)
	}
	ox, oy := (cw-sw)/2, (ch-sh)/2
	for y := 0; y < sh; y++ {
		syy := y * unihex.Rows / sh
		row := (oy + y) * cw
		for x := 0; x < sw; x++ {
			if src.At(x*src.Width/sw, syy) {
				g.dots[row+ox+x] = 1
			}
		}
	}
	return g
}
