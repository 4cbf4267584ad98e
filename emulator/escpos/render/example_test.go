package render_test

import (
	"bytes"
	"fmt"
	"image/png"
	"os"

	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
)

// sample is a small receipt as the printer lays it out on a 576-dot roll
// with Font A cells of 12×24 dots.
func sample() *paper.Receipt {
	cell := func(x int, text string, st paper.Style) paper.Run {
		st.Width, st.Height = max(st.Width, 1), max(st.Height, 1)
		return paper.Run{X: x, Text: text, Style: st, CellWidth: 12, CellHeight: 24}
	}
	return &paper.Receipt{
		Seq: 1, Profile: "tm-t88", Width: 576, Columns: 48,
		Elements: []paper.Element{
			&paper.Line{Runs: []paper.Run{cell(0, "Receipt 1", paper.Style{})}, Height: 30, Ascent: 24},
			&paper.Line{Runs: []paper.Run{cell(240, "CAFE", paper.Style{Bold: true, Width: 2})}, Height: 30, Ascent: 24, Align: paper.Center},
			&paper.Line{Runs: []paper.Run{cell(0, "Tea", paper.Style{}), cell(528, "2.50", paper.Style{})}, Height: 30, Ascent: 24},
			&paper.Line{Runs: []paper.Run{cell(0, "茶", paper.Style{}), cell(528, "2.50", paper.Style{})}, Height: 30, Ascent: 24},
			paper.QR{Data: "https://example.com/r/1", Model: 2, ModuleSize: 4, ECLevel: paper.ECLevelM, Align: paper.Center, AreaWidth: 576},
			paper.Drawer{Pin: 2, OnMS: 100, OffMS: 200},
			paper.Feed{Dots: 30},
			paper.Cut{Partial: true},
		},
	}
}

func ExampleText() {
	os.Stdout.Write(render.Text(sample()))
	// Output:
	// Receipt 1
	//                     CAFE
	// Tea                                         2.50
	// 茶                                          2.50
	// [QR] https://example.com/r/1
	// [DRAWER 2]
	//
	// [PARTIAL CUT]
}

func ExampleAppendText() {
	var buf []byte
	for seq := 1; seq <= 2; seq++ {
		r := sample()
		r.Seq = seq
		buf = render.AppendText(buf[:0], r) // one buffer for every receipt
		fmt.Printf("receipt %d: %d bytes of text\n", seq, len(buf))
	}
	// Output:
	// receipt 1: 189 bytes of text
	// receipt 2: 189 bytes of text
}

func ExamplePNG() {
	var buf bytes.Buffer
	if err := render.PNG(&buf, sample()); err != nil {
		fmt.Println(err)
		return
	}
	img, err := png.Decode(&buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(img.Bounds().Dx(), "dots wide,", img.Bounds().Dy(), "dots long")
	// Output:
	// 576 dots wide, 250 dots long
}

func ExampleModules() {
	bars, hri, err := render.Modules(paper.EAN13, "400638133393")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(bars), "modules, HRI", hri)
	_, _, err = render.Modules(paper.EAN13, "12AB")
	fmt.Println(err)
	// Output:
	// 95 modules, HRI 4006381333931
	// render: cannot encode "12AB" as EAN13: wrong number of digits
}

func ExamplePDF417Modules() {
	// 11 bytes: latch 901 and 10 byte-compaction codewords, the length
	// descriptor and 8 error correction codewords (level 2): 20 codewords,
	// two columns of 10 rows (the shape nearest 3:1).
	p := &paper.PDF417{Data: "RCPT 000412", ErrorLevel: 2, ModuleWidth: 2, RowHeight: 3, AreaWidth: 576}
	_, width, rows, err := render.PDF417Modules(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	w, h, _ := render.PDF417Size(p)
	fmt.Printf("%d modules x %d rows, %dx%d dots\n", width, rows, w, h)
	// Output:
	// 103 modules x 10 rows, 206x60 dots
}

func ExampleBarcodeWidth() {
	// CODE39 "*T2*" at GS w 2: four characters of 3 wide elements (5 dots,
	// Epson's table) and 6 narrow ones (2 dots), 3 narrow gaps: 4×27 + 6.
	w, err := render.BarcodeWidth(&paper.Barcode{Symbology: paper.Code39, Data: "T2", ModuleWidth: 2})
	fmt.Println(w, err)
	// Output:
	// 114 <nil>
}
