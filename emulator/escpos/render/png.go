package render

import (
	"image"
	"image/color"
	"io"
	"sync"
	"unicode/utf8"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// Ink and paper in the 1-bit palette: index 0 paper (white), 1 ink (black).
const (
	white = 0
	black = 1
)

var palette = color.Palette{color.Gray{Y: 0xFF}, color.Gray{Y: 0}}

var pixPool sync.Pool // *[]byte canvases

// PNG draws r dot for dot, r.Width dots wide, and writes it to w as a 1-bit
// PNG. See Image for what is drawn.
func PNG(w io.Writer, r *paper.Receipt) error {
	c := draw(r, true)
	if c == nil {
		return ErrTooLong
	}
	defer c.release()
	if err := encode1bit(w, c); err != nil {
		return &WriteError{Format: "png", Err: err}
	}
	return nil
}

// Image draws r dot for dot as a two-colour paletted image r.Width dots
// wide (index 0 paper, 1 ink), as tall as the paper the receipt used.
//
// Text is drawn with the embedded Unifont glyphs scaled into each run's
// cell, magnified by the run's width and height, standing on the line's
// baseline; bold and double-strike print each dot twice, one dot apart;
// underline is 1 or 2 dots under the cell; reverse prints white on black;
// an upside-down line is turned 180° across the paper. Images are copied
// dot for dot. Barcodes and QR codes are drawn module by module
// (ModuleWidth or ModuleSize dots a module) and placed by their
// justification in their print area, as the printer does: the quiet zone
// is whatever paper surrounds them. A symbol whose data its symbology
// cannot encode is left blank, as the printer leaves it. Feeds are blank
// paper; cuts and drawer pulses print nothing.
func Image(r *paper.Receipt) *image.Paletted {
	c := draw(r, false)
	// The caller keeps the image: its pixels do not go back to the pool.
	return &image.Paletted{Pix: c.pix, Stride: c.w, Rect: image.Rect(0, 0, c.w, c.h), Palette: palette}
}

// draw lays out and draws r on a canvas from the pool; c.release returns
// it once the caller is done with it. A receipt longer than MaxHeight is
// cut short, or not drawn at all (nil) when refuseTooLong is set.
func draw(r *paper.Receipt, refuseTooLong bool) *canvas {
	width := r.Width
	if width <= 0 {
		width = 576
	}
	width = min(width, MaxWidth)
	items := make([]prepared, 0, len(r.Elements))
	height := 0
	for _, e := range r.Elements {
		if height > MaxHeight {
			break
		}
		p := prepare(e, width)
		p.height = clamp(p.height, 0, MaxHeight)
		height += p.height
		items = append(items, p)
	}
	if height > MaxHeight && refuseTooLong {
		return nil
	}
	height = clamp(height, 1, MaxHeight) // a PNG needs at least one row
	n := width * height
	var pix []byte
	bp, _ := pixPool.Get().(*[]byte)
	if bp != nil && cap(*bp) >= n {
		pix = (*bp)[:n]
		clear(pix)
	} else {
		pix = make([]byte, n)
	}
	c := &canvas{w: width, h: height, pix: pix}
	y := 0
	for i := range items {
		items[i].draw(c, y)
		y += items[i].height
	}
	return c
}

// release returns the canvas's pixels to the pool.
func (c *canvas) release() {
	pix := c.pix
	c.pix = nil
	pixPool.Put(&pix)
}

// prepared is an element measured and ready to draw at a y.
type prepared struct {
	height int
	draw   func(c *canvas, y int)
}

func nothing(*canvas, int) {}

func prepare(e paper.Element, width int) prepared {
	switch e := e.(type) {
	case *paper.Line:
		return prepareLine(e, width)
	case paper.Image:
		return prepared{height: max(e.Height, 0), draw: func(c *canvas, y int) { c.image(&e, y) }}
	case *paper.Image:
		return prepared{height: max(e.Height, 0), draw: func(c *canvas, y int) { c.image(e, y) }}
	case paper.Barcode:
		return prepareBarcode(&e)
	case *paper.Barcode:
		return prepareBarcode(e)
	case paper.QR:
		return prepareQR(&e)
	case *paper.QR:
		return prepareQR(e)
	case paper.PDF417:
		return preparePDF417(&e)
	case *paper.PDF417:
		return preparePDF417(e)
	case paper.Feed:
		return prepared{height: max(e.Dots, 0), draw: nothing}
	case *paper.Feed:
		return prepared{height: max(e.Dots, 0), draw: nothing}
	}
	return prepared{draw: nothing} // cut, drawer: no ink
}

// canvas is a one-byte-a-dot bitmap: 0 paper, 1 ink.
type canvas struct {
	w, h int
	pix  []byte
}

// fill sets the rectangle [x0,x1)×[y0,y1), clipped, to v.
func (c *canvas) fill(x0, y0, x1, y1 int, v byte) {
	x0, y0 = max(x0, 0), max(y0, 0)
	x1, y1 = min(x1, c.w), min(y1, c.h)
	if x0 >= x1 {
		return
	}
	for y := y0; y < y1; y++ {
		row := c.pix[y*c.w+x0 : y*c.w+x1]
		for i := range row {
			row[i] = v
		}
	}
}

// glyph draws g at (x, y) magnified mw×mh, setting its ink dots to v.
func (c *canvas) glyph(g *cellGlyph, x, y, mw, mh int, v byte) {
	for gy := 0; gy < g.ch; gy++ {
		src := g.dots[gy*g.cw : (gy+1)*g.cw]
		for my := 0; my < mh; my++ {
			yy := y + gy*mh + my
			if yy < 0 || yy >= c.h {
				continue
			}
			row := c.pix[yy*c.w : (yy+1)*c.w]
			for gx, d := range src {
				if d == 0 {
					continue
				}
				xx := x + gx*mw
				for mx := 0; mx < mw; mx++ {
					if uint(xx+mx) < uint(c.w) {
						row[xx+mx] = v
					}
				}
			}
		}
	}
}

func (c *canvas) image(im *paper.Image, top int) {
	stride := (im.Width + 7) / 8
	if im.Width <= 0 || im.Height <= 0 || len(im.Bits) < stride*im.Height {
		return
	}
	for y := 0; y < im.Height; y++ {
		yy := top + y
		if yy < 0 || yy >= c.h {
			continue
		}
		row := c.pix[yy*c.w : (yy+1)*c.w]
		bits := im.Bits[y*stride : (y+1)*stride]
		for x := 0; x < im.Width; x++ {
			if bits[x>>3]&(0x80>>(x&7)) != 0 {
				if xx := im.X + x; uint(xx) < uint(c.w) {
					row[xx] = black
				}
			}
		}
	}
}

// rotate180 turns the band of rows [y0,y1) by 180° across the paper.
func (c *canvas) rotate180(y0, y1 int) {
	y0, y1 = max(y0, 0), min(y1, c.h)
	for a, b := y0, y1-1; a <= b; a, b = a+1, b-1 {
		ra := c.pix[a*c.w : (a+1)*c.w]
		rb := c.pix[b*c.w : (b+1)*c.w]
		if a == b {
			for i, j := 0, c.w-1; i < j; i, j = i+1, j-1 {
				ra[i], ra[j] = ra[j], ra[i]
			}
			break
		}
		for i := 0; i < c.w; i++ {
			ra[i], rb[c.w-1-i] = rb[c.w-1-i], ra[i]
		}
	}
}

func prepareLine(l *paper.Line, width int) prepared {
	h := l.Height
	asc := l.Ascent
	for i := range l.Runs {
		run := &l.Runs[i]
		ch := clamp(run.CellHeight, 0, maxCell)
		if ch == 0 {
			ch = 24
		}
		asc = max(asc, ch*clamp(int(run.Style.Height), 1, maxMag))
	}
	asc = clamp(asc, 0, MaxHeight)
	h = clamp(max(h, asc), 0, MaxHeight)
	return prepared{height: h, draw: func(c *canvas, y int) {
		upside := false
		for i := range l.Runs {
			drawRun(c, &l.Runs[i], y+asc)
			upside = upside || l.Runs[i].Style.UpsideDown
		}
		if upside {
			c.rotate180(y, y+h)
		}
	}}
}

// drawRun draws a run's characters standing on the baseline.
func drawRun(c *canvas, run *paper.Run, baseline int) {
	st := &run.Style
	mw, mh := clamp(int(st.Width), 1, maxMag), clamp(int(st.Height), 1, maxMag)
	cw, ch := clamp(run.CellWidth, 0, maxCell), clamp(run.CellHeight, 0, maxCell)
	if cw <= 0 || ch <= 0 {
		cw, ch = 12, 24
	}
	top := baseline - ch*mh
	x := clamp(run.X, -maxX, maxX)
	ink, bg := byte(black), byte(white)
	if st.Reverse {
		ink, bg = white, black
	}
	bold := st.Bold || st.DoubleStrike
	for _, r := range run.Text {
		cells := 1
		if run.Kanji || r >= utf8.RuneSelf && isWide(r) {
			cells = 2
		}
		gw := cw * cells
		// The printer's advance: the cells and one spacing a character.
		adv := (gw + clamp(run.CharSpacing, 0, maxCell)) * mw
		if x >= c.w {
			break // the rest of the run is off the paper
		}
		if st.Reverse {
			c.fill(x, top, x+adv, baseline, bg)
		}
		if r > ' ' {
			g := glyphFor(r, gw, ch)
			c.glyph(g, x, top, mw, mh, ink)
			if bold {
				c.glyph(g, x+1, top, mw, mh, ink)
			}
		}
		if st.Underline > 0 && !st.Reverse {
			c.fill(x, baseline-int(st.Underline), x+adv, baseline, black)
		}
		x += adv
	}
}
