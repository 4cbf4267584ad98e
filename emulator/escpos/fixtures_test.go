package escpos

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

var update = flag.Bool("update", false, "rewrite testdata fixtures and fuzz seed corpora")

// Wire fixtures: realistic receipts as a POS would send them. They are
// built here, stored under testdata/ for other tools (hil render, fuzz
// seeds), and TestFixturesUpToDate keeps the two in step.

// logo is a 32×8 raster: a frame with a diagonal.
func logo() (widthBytes, height int, bits []byte) {
	bits = make([]byte, 4*8)
	for y := 0; y < 8; y++ {
		for x := 0; x < 32; x++ {
			if y == 0 || y == 7 || x == 0 || x == 31 || x/4 == y {
				bits[y*4+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	return 4, 8, bits
}

func rasterCmd(mode byte) []byte {
	w, h, bits := logo()
	return cat(b(GS, GsRaster, '0', mode, byte(w), 0, byte(h), 0), bits)
}

func qrCmds(data string, module, level byte) []byte {
	n := len(data) + 3
	return cat(
		b(GS, GsParen, GsParenQR, 4, 0, QRSymbolQR, QRFnModel, 50, 0),
		b(GS, GsParen, GsParenQR, 3, 0, QRSymbolQR, QRFnModuleSize, module),
		b(GS, GsParen, GsParenQR, 3, 0, QRSymbolQR, QRFnErrorLevel, level),
		b(GS, GsParen, GsParenQR, byte(n), byte(n>>8), QRSymbolQR, QRFnStore, 48), []byte(data),
		b(GS, GsParen, GsParenQR, 3, 0, QRSymbolQR, QRFnPrint, 48),
	)
}

// englishReceipt is a sale receipt for the tm-t88 profile.
func englishReceipt() []byte {
	return cat(
		b(ESC, EscInit),
		b(ESC, EscJustify, 1), rasterCmd(0),
		b(ESC, EscPrintMode, 0x30), []byte("POSHIL MART\n"), b(ESC, EscPrintMode, 0),
		[]byte("12 High Street\n"),
		b(ESC, EscJustify, 0),
		[]byte("Coffee x2"), b(ESC, EscAbsolutePos, 0xD0, 0x01), []byte("7.00\n"),
		[]byte("Bagel"), b(HT), []byte("2.50\n"),
		b(ESC, EscEmphasize, 1), []byte("TOTAL"), b(ESC, EscAbsolutePos, 0xD0, 0x01), []byte("9.50\n"), b(ESC, EscEmphasize, 0),
		[]byte("VISA ************4242\n"),
		b(ESC, EscJustify, 1),
		b(GS, GsBarcodeHeight, 60, GS, GsBarcodeWidth, 2, GS, GsHRIPosition, 2),
		b(GS, GsBarcode, 73, 10), []byte("{BRCPT-0001"[:10]),
		b(GS, GsBarcode, 67, 12), []byte("400638133393"),
		qrCmds("https://poshil.example/r/0001", 4, 49),
		b(GS, GsParen, GsParenProcessID, 6, 0, 48, 48, 'R', '0', '0', '1'),
		b(ESC, EscPrintFeedLines, 2),
		b(GS, GsCut, 66, 3),
	)
}

func gb(s string) []byte {
	out, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return out
}

// chineseReceipt is a receipt for the zh-80 profile, which starts in
// GB18030 double-byte mode; 𠀀 (U+20000) is a 4-byte GB18030 sequence.
func chineseReceipt() []byte {
	return cat(
		b(ESC, EscInit),
		b(ESC, EscJustify, 1), b(GS, GsCharSize, 0x11), gb("收据\n"), b(GS, GsCharSize, 0),
		b(ESC, EscJustify, 0),
		gb("咖啡 x1"), b(ESC, EscAbsolutePos, 0xD0, 0x01), gb("18.00\n"),
		gb("合计"), b(ESC, EscAbsolutePos, 0xD0, 0x01), gb("18.00\n"),
		gb("𠀀字\n"),
		b(ESC, EscJustify, 1), rasterCmd(1),
		qrCmds("https://poshil.example/zh/0002", 5, 50),
		b(LF),
		b(GS, GsCut, 0),
	)
}

// realtimeInImage has DLE EOT 1 inside raster data.
func realtimeInImage() []byte {
	return cat(b(GS, GsRaster, '0', 0, 2, 0, 2, 0, 0x10, 0x04, 0x01, 0xFF), []byte("after\n"))
}

// codePagesJob selects code pages of the tm-t88 table and prints their
// upper halves, and an ESC t the profile has no page for.
func codePagesJob() []byte {
	var out []byte
	for _, n := range []byte{1, 13, 16, 30, 37, 46, 53, 99, 255} {
		out = append(out, 0x1b, 't', n)
		for c := 0x80; c <= 0xff; c++ {
			out = append(out, byte(c))
		}
		out = append(out, '\n')
	}
	return append(out, "\x1b@\x80\n"...)
}

// pdf417FixtureJob sets every PDF417 parameter of GS ( k cn 48 and prints
// a symbol, then sends out-of-range parameters.
func pdf417FixtureJob() []byte {
	return []byte("\x1d(k\x03\x000A\x04\x1d(k\x03\x000B\x00\x1d(k\x03\x000C\x02\x1d(k\x03\x000D\x03" +
		"\x1d(k\x04\x000E1\x05\x1d(k\x03\x000F\x00\x1d(k\x0e\x000P0PDF417 data\x1d(k\x03\x000Q0" +
		"\x1d(k\x03\x000R0\x1d(k\x04\x000E0\x39\x1d(k\x03\x000F\x01\x1d(k\x03\x000Q0" +
		"\x1d(k\x03\x000A\x1f\x1d(k\x03\x000B\x02\x1d(k\x03\x000C\x09\x1d(k\x04\x000E0\x2f\x1dV\x00")
}

var fixtures = map[string]func() []byte{
	"codepages.bin":      codePagesJob,
	"pdf417.bin":         pdf417FixtureJob,
	"english.bin":        englishReceipt,
	"chinese.bin":        chineseReceipt,
	"realtime-image.bin": realtimeInImage,
}

func TestFixturesUpToDate(t *testing.T) {
	for name, f := range fixtures {
		path := filepath.Join("testdata", name)
		want := f()
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, target := range []string{"FuzzDecoder", "FuzzDecoderChunking", "FuzzPrinter"} {
				writeSeed(t, target, strings.TrimSuffix(name, ".bin"), want)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestFixturesUpToDate -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go test -run TestFixturesUpToDate -update", path)
		}
	}
}

// writeSeed writes a fuzz seed corpus file in the go test fuzz v1 format.
func writeSeed(t *testing.T, target, name string, data []byte) {
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString("go test fuzz v1\n[]byte(\"")
	for _, c := range data {
		fmt.Fprintf(&sb, "\\x%02x", c)
	}
	sb.WriteString("\")\n")
	if target == "FuzzDecoderChunking" {
		sb.WriteString("[]byte(\"\\x03\\x11\\x07\\x01\\x40\")\n")
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
