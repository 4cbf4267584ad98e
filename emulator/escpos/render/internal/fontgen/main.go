package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/poshil/hil/emulator/escpos/render/internal/unihex"
)

// ranges are the code point blocks kept, inclusive.
var ranges = [][2]rune{
	{0x0020, 0x007E}, // ASCII
	{0x00A0, 0x00FF}, // Latin-1 supplement
	{0x0100, 0x017F}, // Latin Extended-A
	{0x0180, 0x024F}, // Latin Extended-B (ƒ of PC437, Ơ Ư of Vietnamese)
	{0x02B0, 0x02FF}, // spacing modifier letters (ˆ ˇ ˘ ˙ ˛ ˜ ˝ of the Windows pages)
	{0x0300, 0x036F}, // combining diacritical marks (WPC1258; a printer prints them in a cell of their own)
	{0x0370, 0x03FF}, // Greek
	{0x0400, 0x04FF}, // Cyrillic
	{0x0590, 0x05FF}, // Hebrew (PC862, WPC1255)
	{0x0600, 0x06FF}, // Arabic (PC720, PC864, PC1098, WPC1256)
	{0x1E00, 0x1EFF}, // Latin Extended Additional (Vietnamese: TCVN-3, WPC1258)
	{0x2000, 0x209F}, // general punctuation, superscripts and subscripts (ⁿ of PC437)
	{0x20A0, 0x20CF}, // currency symbols
	{0x2100, 0x21FF}, // letterlike symbols, number forms, arrows
	{0x2200, 0x22FF}, // mathematical operators (∞ √ ≈ ≤ of PC437)
	{0x2300, 0x23FF}, // miscellaneous technical (⌐ ⌠ ⌡ of PC437)
	{0x2460, 0x24FF}, // enclosed alphanumerics (①, common on Chinese receipts)
	{0x2500, 0x259F}, // box drawing, block elements
	{0x25A0, 0x25FF}, // geometric shapes
	{0x2600, 0x26FF}, // miscellaneous symbols (♠ ♥ ♦ ♣ of the Katakana page)
	{0x3000, 0x303F}, // CJK symbols and punctuation
	{0x4E00, 0x9FFF}, // CJK Unified Ideographs
	{0xFB50, 0xFDFF}, // Arabic presentation forms A (PC1098)
	{0xFE70, 0xFEFF}, // Arabic presentation forms B (PC864, PC1098)
	{0xFF00, 0xFFEF}, // halfwidth and fullwidth forms
	{0xFFFD, 0xFFFD}, // replacement character
}

func keep(r rune) bool {
	for _, rg := range ranges {
		if r >= rg[0] && r <= rg[1] {
			return true
		}
	}
	return false
}

func main() {
	in := flag.String("hex", "/usr/share/unifont/unifont.hex", "Unifont .hex file to read")
	out := flag.String("o", "fontdata/unifont.bin.gz", "file to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "fontgen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	glyphs, err := unihex.ParseHex(f, keep)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := unihex.Encode(&buf, glyphs); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("fontgen: %d glyphs, %d bytes -> %s\n", len(glyphs), buf.Len(), out)
	return nil
}
