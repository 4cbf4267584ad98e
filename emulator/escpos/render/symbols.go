package render

import (
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/symbol"
)

// hriGap is the space between the bars and the HRI characters: none, as
// the printer counts the paper a barcode takes (bars plus HRI cells); the
// blank top and bottom rows of the glyphs keep them apart.
const hriGap = 0

func hriCell(f paper.Font) (int, int) {
	if f == paper.FontB {
		return 9, 17
	}
	return 12, 24
}

func align(j paper.Justify, x, area, w int) int {
	switch j {
	case paper.Center:
		return x + max((area-w)/2, 0)
	case paper.Right:
		return x + max(area-w, 0)
	}
	return x
}

func prepareBarcode(b *paper.Barcode) prepared {
	bh := clamp(b.Height, 0, MaxHeight)
	if bh <= 0 {
		bh = 162
	}
	hcw, hch := hriCell(b.HRIFont)
	above := b.HRI == paper.HRIAbove || b.HRI == paper.HRIBoth
	below := b.HRI == paper.HRIBelow || b.HRI == paper.HRIBoth
	h := bh
	if above {
		h += hch + hriGap
	}
	if below {
		h += hch + hriGap
	}
	bars, w, hri, err := symbol.BarWidths(b)
	if err != nil {
		return prepared{height: h, draw: nothing}
	}
	return prepared{height: h, draw: func(c *canvas, y int) {
		x0 := align(b.Align, b.X, b.AreaWidth, w)
		hx := align(paper.Center, x0, w, len(hri)*hcw)
		if above {
			drawHRI(c, hri, hx, y, hcw, hch)
			y += hch + hriGap
		}
		x := x0
		for i, bw := range bars {
			if i%2 == 0 {
				c.fill(x, y, x+bw, y+bh, black)
			}
			x += bw
		}
		y += bh
		if below {
			drawHRI(c, hri, hx, y+hriGap, hcw, hch)
		}
	}}
}

func drawHRI(c *canvas, s string, x, y, cw, ch int) {
	for _, r := range s {
		if r > ' ' {
			c.glyph(glyphFor(r, cw, ch), x, y, 1, 1, black)
		}
		x += cw
	}
}

func prepareQR(q *paper.QR) prepared {
	ms := clamp(q.ModuleSize, 0, maxModule)
	if ms <= 0 {
		ms = 3
	}
	mods, n, err := symbol.QRModules(q.Data, q.ECLevel)
	if err != nil {
		return prepared{draw: nothing}
	}
	return prepared{height: n * ms, draw: func(c *canvas, y int) {
		x0 := align(q.Align, q.X, q.AreaWidth, n*ms)
		for my := 0; my < n; my++ {
			for mx := 0; mx < n; mx++ {
				if mods[my*n+mx] {
					c.fill(x0+mx*ms, y+my*ms, x0+(mx+1)*ms, y+(my+1)*ms, black)
				}
			}
		}
	}}
}

func preparePDF417(p *paper.PDF417) prepared {
	mods, width, rows, err := symbol.PDF417Modules(p)
	if err != nil {
		return prepared{draw: nothing}
	}
	mw, rh := symbol.PDF417Dims(p)
	return prepared{height: rows * rh, draw: func(c *canvas, y int) {
		x0 := align(p.Align, p.X, p.AreaWidth, width*mw)
		for r := 0; r < rows; r++ {
			for x := 0; x < width; x++ {
				if mods[r*width+x] {
					c.fill(x0+x*mw, y+r*rh, x0+(x+1)*mw, y+(r+1)*rh, black)
				}
			}
		}
	}}
}
