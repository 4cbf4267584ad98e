package unihex_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/poshil/hil/emulator/escpos/render/internal/unihex"
)

func Example() {
	hex := "0041:0000000018242442427E424242420000\n"
	glyphs, err := unihex.ParseHex(strings.NewReader(hex), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	var packed bytes.Buffer
	if err := unihex.Encode(&packed, glyphs); err != nil {
		fmt.Println(err)
		return
	}
	font, err := unihex.Decode(packed.Bytes())
	if err != nil {
		fmt.Println(err)
		return
	}
	a, _ := font.Glyph('A')
	for y := 4; y < 14; y++ {
		for x := 0; x < a.Width; x++ {
			if a.At(x, y) {
				fmt.Print("#")
			} else {
				fmt.Print(".")
			}
		}
		fmt.Println()
	}
	// Output:
	// ...##...
	// ..#..#..
	// ..#..#..
	// .#....#.
	// .#....#.
	// .######.
	// .#....#.
	// .#....#.
	// .#....#.
	// .#....#.
}
