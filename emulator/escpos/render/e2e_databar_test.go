package render_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing/oned/rss"

	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
)

// dataBarPrinted prints the e2e-databar stream (ESC/POS bytes through the
// emulated printer) and returns the receipt, its picture and its barcodes
// by symbology with their element indexes.
func dataBarPrinted(t *testing.T) (*paper.Receipt, *image.Paletted, map[paper.Symbology]int) {
	t.Helper()
	for _, tc := range e2eStreams {
		if tc.name != "e2e-databar" {
			continue
		}
		r := printAll(t, tc.profile, tc.build())[0]
		at := map[paper.Symbology]int{}
		for i, e := range r.Elements {
			if b, ok := e.(paper.Barcode); ok {
				at[b.Symbology] = i
			}
		}
		return r, render.Image(r), at
	}
	t.Fatal("no e2e-databar stream")
	return nil, nil, nil
}

// readModules reads the bars of the barcode at element i back from the
// picture: the dots of a row through the bars, one sample a module from the
// module before the first bar (the left guard's space), n modules.
func readModules(r *paper.Receipt, img *image.Paletted, i, n int) string {
	b := r.Elements[i].(paper.Barcode)
	y := render.Image(&paper.Receipt{Width: r.Width, Elements: r.Elements[:i]}).Bounds().Dy() + b.Height/2
	x0 := 0
	for x0 < img.Bounds().Dx() && !black(img, x0, y) {
		x0++
	}
	x0 -= b.ModuleWidth
	var s strings.Builder
	for m := range n {
		if black(img, x0+m*b.ModuleWidth+b.ModuleWidth/2, y) {
			s.WriteByte('1')
		} else {
			s.WriteByte('0')
		}
	}
	return s.String()
}

// TestEndToEndDataBar reads the GS1 DataBar symbols the printer printed
// back from the picture: Omnidirectional and Truncated with gozxing's
// RSS-14 reader (an independent decoder), and all four bar by bar against
// published module patterns (zint's test suite, backend/tests/test_rss.c:
// the GS1 DataBar page of gs1.org for Omnidirectional and Expanded,
// ISO/IEC 24724:2011 Figures 4 and 7 for Truncated and Limited). gozxing
// has no reader for Limited or Expanded; TestEndToEndDataBarExpandedZbar
// decodes Expanded with zbar where it is installed.
func TestEndToEndDataBar(t *testing.T) {
	r, img, at := dataBarPrinted(t)
	for _, tc := range []struct {
		sym     paper.Symbology
		decoded string // by gozxing's RSS-14 reader: the GTIN with its check digit
		modules string
	}{
		{paper.DataBarOmni, "09501101530003",
			"010000010100000101000111111110010111101101011100100011011011000101111110000011001110110111001101"},
		{paper.DataBarTruncated, "00012345678905",
			"010101001000000001001111111000010111001011011110111001010110000101111111000111001100111101110101"},
		{paper.DataBarLimited, "",
			"0100011001100011011010100111010010101101001101001001011000110111001100110100000"},
		{paper.DataBarExpanded, "",
			"01010111110000100110111111110000101110000111011001010000001101101000101111100000011001101000000100110001110100010001100011111100001010100000111100100100100111000001001011111111001110000011011001000100010000101000011000110000000010110000110011010001101100111000001010111111111001101"},
	} {
		t.Run(string(tc.sym), func(t *testing.T) {
			i, ok := at[tc.sym]
			if !ok {
				t.Fatalf("no %s printed", tc.sym)
			}
			if got := readModules(r, img, i, len(tc.modules)); got != tc.modules {
				t.Errorf("bars read back\n got %s\nwant %s", got, tc.modules)
			}
			if tc.decoded != "" {
				if got := decode(t, rss.NewRSS14Reader(), crop(r, img, i)); got != tc.decoded {
					t.Errorf("decoded %q, want %q", got, tc.decoded)
				}
			}
		})
	}
	if b := r.Elements[at[paper.DataBarTruncated]].(paper.Barcode); b.Height != 40 {
		t.Errorf("Truncated printed %d dots high, want the 40 of GS h", b.Height)
	}
}

// TestEndToEndDataBarExpandedZbar decodes the printed GS1 DataBar Expanded
// symbol with zbarimg (Debian package zbar-tools), which reads Expanded
// and Omnidirectional, where gozxing reads only the latter. It is skipped
// where zbarimg is not installed.
func TestEndToEndDataBarExpandedZbar(t *testing.T) {
	zbar := render.LookTool(t, "zbarimg", "zbar-tools")
	r, img, at := dataBarPrinted(t)
	for _, tc := range []struct {
		sym  paper.Symbology
		want string // zbar gives the element string without parentheses
	}{
		{paper.DataBarExpanded, "01095011015300031714070410AB-123"},
		{paper.DataBarOmni, "0109501101530003"},
	} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, crop(r, img, at[tc.sym])); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "symbol.png")
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, zbar, "-q", "--raw", file).Output()
		cancel()
		if err != nil {
			t.Fatalf("%s: zbarimg: %v", tc.sym, err)
		}
		// FNC1 between element strings comes out as GS.
		if got := strings.ReplaceAll(strings.TrimSpace(string(out)), "\x1d", ""); got != tc.want {
			t.Errorf("%s: zbar read %q, want %q", tc.sym, got, tc.want)
		}
	}
}
