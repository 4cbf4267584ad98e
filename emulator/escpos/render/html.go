package render

import (
	"bytes"
	"encoding/base64"
	"html"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// HTML writes r as one self-contained HTML page that looks like the paper
// roll: the roll is r.Width CSS pixels wide (one pixel a dot), text is laid
// out character cell by character cell at the printer's positions in a
// monospace font with the run's styles, images, barcodes and QR codes are
// inline data: PNG pictures drawn as PNG draws them, a cut is a dashed tear
// line and a drawer pulse a note beside the roll. The page needs no network
// and no other file.
func HTML(w io.Writer, r *paper.Receipt) error {
	var b bytes.Buffer
	writeHTML(&b, r)
	if _, err := w.Write(b.Bytes()); err != nil {
		return &WriteError{Format: "html", Err: err}
	}
	return nil
}

const htmlHead = `<!DOCTYPE html>
<html lang="und">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<title>`

const htmlStyle = `</title>
<style>
body{background:#d9d9d6;margin:0;padding:24px;font-family:"DejaVu Sans Mono","Liberation Mono","Noto Sans Mono CJK SC","Noto Sans CJK SC","WenQuanYi Zen Hei Mono",monospace}
.roll{background:#fff;margin:0 auto;padding:16px 12px;box-shadow:0 2px 8px rgba(0,0,0,.35);color:#000}
.line{position:relative;white-space:pre}
.line.up{transform:rotate(180deg)}
.r{position:absolute;transform-origin:0 100%;line-height:1;white-space:pre}
.r i{display:inline-block;font-style:normal;text-align:center;width:calc(var(--w) + var(--s));overflow:visible}
.r i.w{width:calc(2*var(--w) + var(--s))}
.b{font-weight:bold}
.u1 i{text-decoration:underline;text-decoration-thickness:1px}
.u2 i{text-decoration:underline;text-decoration-thickness:2px}
.rev{background:#000;color:#fff}
.pic{display:block;image-rendering:pixelated;image-rendering:crisp-edges}
.cut{border-top:2px dashed #777;margin:10px -12px 0;padding-top:2px;font:11px sans-serif;color:#777;text-align:center}
.note{font:11px sans-serif;color:#555;background:#fff6d5;border-left:3px solid #e0b000;padding:2px 6px;margin:2px 0}
.meta{font:12px sans-serif;color:#444;text-align:center;margin-bottom:8px}
</style>
`

func writeHTML(b *bytes.Buffer, r *paper.Receipt) {
	width := r.Width
	if width <= 0 {
		width = 576
	}
	width = min(width, MaxWidth)
	title := "Receipt " + strconv.Itoa(r.Seq)
	if r.Profile != "" {
		title += " (" + r.Profile + ")"
	}
	b.WriteString(htmlHead)
	b.WriteString(html.EscapeString(title))
	b.WriteString(htmlStyle)
	htmlFit(b, width)
	b.WriteString("</head>\n<body>\n")
	b.WriteString(`<div class="meta">`)
	b.WriteString(html.EscapeString(title))
	b.WriteString(", " + strconv.Itoa(width) + " dots</div>\n")
	b.WriteString(`<div class="roll" style="width:` + strconv.Itoa(width) + `px">` + "\n")
	for _, e := range r.Elements {
		switch e := e.(type) {
		case *paper.Line:
			htmlLine(b, e)
		case paper.Feed:
			htmlFeed(b, e.Dots)
		case *paper.Feed:
			htmlFeed(b, e.Dots)
		case paper.Cut:
			htmlCut(b, e.Partial)
		case *paper.Cut:
			htmlCut(b, e.Partial)
		case paper.Drawer:
			htmlDrawer(b, &e)
		case *paper.Drawer:
			htmlDrawer(b, e)
		case paper.Image:
			htmlImage(b, &e)
		case *paper.Image:
			htmlImage(b, e)
		default: // barcodes, QR codes and PDF417: drawn as PNG draws them
			p := prepare(e, width)
			p.height = min(p.height, MaxHeight)
			if p.height <= 0 {
				continue
			}
			c := &canvas{w: width, h: p.height, pix: make([]byte, width*p.height)}
			p.draw(c, 0)
			alt := "symbol"
			switch e := e.(type) {
			case paper.Barcode:
				alt = string(e.Symbology) + " " + e.Data
			case paper.QR:
				alt = "QR " + e.Data
			case paper.PDF417:
				alt = "PDF417 " + e.Data
			}
			htmlPicture(b, c.pix, width, p.height, 0, alt)
		}
	}
	b.WriteString("</div>\n</body>\n</html>\n")
}

// htmlFit writes the rules that keep a roll of width dots whole in a
// narrow window (a phone is 360 px wide): under the roll's width the page
// padding shrinks and the roll is zoomed down in 5 % steps, to 30 %, so
// that it is never clipped. The runs on a line are placed in pixels, so
// the roll is scaled as a whole rather than reflowed.
func htmlFit(b *bytes.Buffer, width int) {
	const rollPad, bodyPad, scrollbar = 24, 8, 20 // .roll padding (both sides), narrow body padding, a desktop scrollbar
	full := width + rollPad
	b.WriteString("<style>\n")
	b.WriteString("@media (max-width:" + strconv.Itoa(full+48+scrollbar) + "px){body{padding:" + strconv.Itoa(bodyPad) + "px}}\n")
	for pct := 95; pct >= 30; pct -= 5 {
		// Zoom pct% applies while pct+5 % would not fit.
		limit := (full*(pct+5)+99)/100 + 2*bodyPad + scrollbar
		b.WriteString("@media (max-width:" + strconv.Itoa(limit) + "px){.roll{zoom:" + strconv.Itoa(pct) + "%}}\n")
	}
	b.WriteString("</style>\n")
}

func htmlFeed(b *bytes.Buffer, dots int) {
	if dots > 0 {
		b.WriteString(`<div style="height:` + strconv.Itoa(dots) + `px"></div>` + "\n")
	}
}

func htmlCut(b *bytes.Buffer, partial bool) {
	if partial {
		b.WriteString(`<div class="cut">partial cut</div>` + "\n")
	} else {
		b.WriteString(`<div class="cut">cut</div>` + "\n")
	}
}

func htmlDrawer(b *bytes.Buffer, d *paper.Drawer) {
	b.WriteString(`<div class="note">cash drawer pulse on pin ` + strconv.Itoa(d.Pin))
	if d.OnMS > 0 || d.OffMS > 0 {
		b.WriteString(" (" + strconv.Itoa(d.OnMS) + " ms on, " + strconv.Itoa(d.OffMS) + " ms off)")
	}
	b.WriteString("</div>\n")
}

func htmlImage(b *bytes.Buffer, im *paper.Image) {
	// Bits bounds the picture: there is nothing to draw without them.
	if im.Width <= 0 || im.Height <= 0 || len(im.Bits) < (im.Width+7)/8*im.Height {
		return
	}
	c := &canvas{w: im.Width, h: im.Height, pix: make([]byte, im.Width*im.Height)}
	shifted := *im
	shifted.X = 0
	c.image(&shifted, 0)
	htmlPicture(b, c.pix, im.Width, im.Height, im.X, "image "+strconv.Itoa(im.Width)+"x"+strconv.Itoa(im.Height))
}

// htmlPicture writes a w×h one-byte-a-dot bitmap as an inline PNG at dot x.
func htmlPicture(b *bytes.Buffer, pix []byte, w, h, x int, alt string) {
	var p bytes.Buffer
	if err := encode1bit(&p, &canvas{w: w, h: h, pix: pix}); err != nil {
		return // cannot happen writing to a bytes.Buffer
	}
	b.WriteString(`<img class="pic" alt="` + html.EscapeString(alt) + `" width="` + strconv.Itoa(w) +
		`" height="` + strconv.Itoa(h) + `" style="margin-left:` + strconv.Itoa(x) + `px" src="data:image/png;base64,`)
	enc := base64.NewEncoder(base64.StdEncoding, b)
	enc.Write(p.Bytes())
	enc.Close()
	b.WriteString("\">\n")
}

func htmlLine(b *bytes.Buffer, l *paper.Line) {
	h, asc := l.Height, l.Ascent
	upside := false
	for i := range l.Runs {
		run := &l.Runs[i]
		asc = max(asc, clamp(run.CellHeight, 1, maxCell)*clamp(int(run.Style.Height), 1, maxMag))
		upside = upside || run.Style.UpsideDown
	}
	h = max(h, asc)
	b.WriteString(`<div class="line`)
	if upside {
		b.WriteString(" up")
	}
	b.WriteString(`" style="height:` + strconv.Itoa(h) + `px">`)
	for i := range l.Runs {
		htmlRun(b, &l.Runs[i], asc)
	}
	b.WriteString("</div>\n")
}

func htmlRun(b *bytes.Buffer, run *paper.Run, asc int) {
	st := &run.Style
	mw, mh := clamp(int(st.Width), 1, maxMag), clamp(int(st.Height), 1, maxMag)
	cw, ch := clamp(run.CellWidth, 0, maxCell), clamp(run.CellHeight, 0, maxCell)
	if cw <= 0 || ch <= 0 {
		cw, ch = 12, 24
	}
	b.WriteString(`<span class="r`)
	if st.Bold || st.DoubleStrike {
		b.WriteString(" b")
	}
	if st.Underline == 1 {
		b.WriteString(" u1")
	} else if st.Underline >= 2 {
		b.WriteString(" u2")
	}
	if st.Reverse {
		b.WriteString(" rev")
	}
	// The span is one unmagnified cell high, standing on the baseline, and
	// magnified from its bottom-left corner.
	b.WriteString(`" style="left:` + strconv.Itoa(run.X) + `px;top:` + strconv.Itoa(asc-ch) +
		`px;height:` + strconv.Itoa(ch) + `px;font-size:` + strconv.Itoa(ch*5/6) +
		`px;line-height:` + strconv.Itoa(ch) + `px;--w:` + strconv.Itoa(cw) + `px;--s:` + strconv.Itoa(clamp(run.CharSpacing, 0, maxCell)) + `px`)
	if mw != 1 || mh != 1 {
		b.WriteString(`;transform:scale(` + strconv.Itoa(mw) + `,` + strconv.Itoa(mh) + `)`)
	}
	b.WriteString(`">`)
	for _, r := range run.Text {
		if run.Kanji || r >= utf8.RuneSelf && isWide(r) {
			b.WriteString(`<i class="w">`)
		} else {
			b.WriteString(`<i>`)
		}
		switch {
		case r < ' ' || r == 0x7F:
			b.WriteByte(' ')
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
		b.WriteString(`</i>`)
	}
	b.WriteString("</span>")
}
