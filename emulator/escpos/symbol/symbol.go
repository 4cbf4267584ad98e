// Package symbol encodes the barcode symbologies a receipt printer prints
// (UPC, EAN, CODE39, ITF, CODABAR, CODE93, CODE128, GS1 DataBar, QR,
// PDF417) into modules and measures them in dots as the printer lays them
// out. It draws nothing: the emulator's layout uses it to place symbols,
// and package render to draw them.
package symbol

import (
	"errors"
	"fmt"
	"image/color"
	"strings"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/codabar"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/code39"
	"github.com/boombuler/barcode/code93"
	"github.com/boombuler/barcode/ean"
	"github.com/boombuler/barcode/qr"
	"github.com/boombuler/barcode/twooffive"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// ErrSymbol is wrapped by a SymbolError: barcode or QR data that its
// symbology cannot encode.
var ErrSymbol = errors.New("render: cannot encode symbol")

// MaxModule is the widest barcode module and the largest QR module drawn,
// in dots; larger settings are clamped to it.
const MaxModule = 16

// clamp returns v limited to [lo, hi].
func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

// Modules returns the bar pattern of a one-dimensional barcode, one bool a
// module (true for a bar), without quiet zones, and the text a printer puts
// in the human-readable interpretation (check digits included).
//
// GS1 DataBar Omnidirectional, Truncated (the same pattern; only the bar
// height differs) and Limited take a GTIN of 13 digits (the check digit is
// added) or 14 (it is checked), Limited's first digit 0 or 1; their
// interpretation is "(01)" and the 14 digits. GS1 DataBar Expanded takes
// the GS1 element string with each application identifier in parentheses,
// "(01)09501101530003(17)140704(10)AB-123", which is also its
// interpretation; see the package documentation for what it accepts.
func Modules(sym paper.Symbology, data string) ([]bool, string, error) {
	var bc barcode.Barcode
	var err error
	hri := data
	switch sym {
	case paper.UPCA:
		if len(data) != 11 && len(data) != 12 {
			return nil, "", &SymbolError{Symbology: string(sym), Data: data, Reason: "want 11 or 12 digits"}
		}
		bc, err = ean.Encode("0" + data)
		if err == nil {
			hri = bc.Content()[1:]
		}
	case paper.UPCE:
		return upce(data)
	case paper.EAN13, paper.EAN8:
		if n := len(data); (sym == paper.EAN13 && n != 12 && n != 13) || (sym == paper.EAN8 && n != 7 && n != 8) {
			return nil, "", &SymbolError{Symbology: string(sym), Data: data, Reason: "wrong number of digits"}
		}
		bc, err = ean.Encode(data)
		if err == nil {
			hri = bc.Content()
		}
	case paper.Code39:
		d := strings.TrimSuffix(strings.TrimPrefix(data, "*"), "*")
		bc, err = code39.Encode(d, false, false)
		hri = "*" + d + "*"
	case paper.ITF:
		bc, err = twooffive.Encode(data, true)
	case paper.Codabar:
		d := strings.ToUpper(data)
		if len(d) < 2 || !strings.ContainsAny(d[:1], "ABCD") || !strings.ContainsAny(d[len(d)-1:], "ABCD") {
			d = "A" + d + "A"
		}
		bc, err = codabar.Encode(d)
	case paper.Code93:
		bc, err = code93.Encode(data, true, true)
	case paper.Code128, paper.Code128Auto:
		bc, err = code128.Encode(data)
	case paper.GS1128:
		// FNC1 first; the parentheses round application identifiers are
		// for the HRI only.
		enc := strings.NewReplacer("(", "", ")", "").Replace(data)
		bc, err = code128.Encode(string(code128.FNC1) + enc)
	case paper.DataBarOmni, paper.DataBarTruncated, paper.DataBarLimited, paper.DataBarExpanded:
		return dataBar(sym, data)
	default:
		return nil, "", &SymbolError{Symbology: string(sym), Data: data, Reason: "symbology not drawn by this renderer"}
	}
	if err != nil {
		return nil, "", &SymbolError{Symbology: string(sym), Data: data, Reason: err.Error()}
	}
	b := bc.Bounds()
	mods := make([]bool, b.Dx())
	for x := range mods {
		mods[x] = isInk(bc.At(b.Min.X+x, b.Min.Y))
	}
	return mods, hri, nil
}

// upce encodes UPC-E: 6 digits (number system 0 assumed), 7 (with number
// system) or 8 (with check digit).
func upce(data string) ([]bool, string, error) {
	d := data
	if len(d) == 6 {
		d = "0" + d
	}
	bm, err := oned.NewUPCEWriter().Encode(d, gozxing.BarcodeFormat_UPC_E, 0, 1,
		map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_MARGIN: 0})
	if err != nil {
		return nil, "", &SymbolError{Symbology: string(paper.UPCE), Data: data, Reason: err.Error()}
	}
	mods := make([]bool, bm.GetWidth())
	for x := range mods {
		mods[x] = bm.Get(x, 0)
	}
	if len(d) == 7 {
		// The check digit is that of the expanded UPC-A number.
		d += upcECheck(d)
	}
	return mods, d, nil
}

// upcECheck returns the check digit of a 7-digit UPC-E number.
func upcECheck(d string) string {
	a := upcEtoA(d)
	sum := 0
	for i := 0; i < 11; i++ {
		v := int(a[i] - '0')
		if i%2 == 0 {
			v *= 3
		}
		sum += v
	}
	return string(rune('0' + (10-sum%10)%10))
}

// upcEtoA expands a UPC-E number (number system + 6 digits) to the first
// 11 digits of its UPC-A form.
func upcEtoA(d string) string {
	ns, m := d[0:1], d[1:7]
	switch m[5] {
	case '0', '1', '2':
		return ns + m[0:2] + m[5:6] + "0000" + m[2:5]
	case '3':
		return ns + m[0:3] + "00000" + m[3:5]
	case '4':
		return ns + m[0:4] + "00000" + m[4:5]
	default:
		return ns + m[0:5] + "0000" + m[5:6]
	}
}

func isInk(c color.Color) bool {
	return color.GrayModel.Convert(c).(color.Gray).Y < 0x80
}

// wideBar is the width in dots of a wide element of the binary-level
// symbologies (CODE39, ITF, CODABAR) for GS w n = 1–6: Epson's GS w table
// (TM-T88 manuals: thin/thick element 0.282/0.706 mm for n = 2 … 0.847/2.258
// mm for n = 6, at 0.141 mm a dot: 2/5, 3/8, 4/10, 5/13, 6/16 dots). n = 1
// is outside the TM-T88's range (2–6); it is drawn 1/3. The narrow element
// is n dots.
var wideBar = [...]int{1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 16}

// binaryLevel reports whether a symbology has narrow and wide elements
// (Epson's "binary-level bar codes") rather than modules.
func binaryLevel(sym paper.Symbology) bool {
	return sym == paper.Code39 || sym == paper.ITF || sym == paper.Codabar
}

// BarWidths returns the widths in dots of b's elements as the printer draws
// them, bar first then alternately space and bar, their total and the HRI
// text. Multi-level symbologies take ModuleWidth dots a module; the
// binary-level ones (CODE39, ITF, CODABAR) take ModuleWidth dots a narrow
// element and wideBar[ModuleWidth] a wide one.
func BarWidths(b *paper.Barcode) (bars []int, total int, hri string, err error) {
	mw := clamp(b.ModuleWidth, 0, MaxModule)
	if mw <= 0 {
		mw = 3
	}
	mods, hri, err := Modules(b.Symbology, b.Data)
	if err != nil {
		return nil, 0, "", err
	}
	// Runs of equal modules; the patterns start with a bar.
	for i := 0; i < len(mods); {
		j := i + 1
		for j < len(mods) && mods[j] == mods[i] {
			j++
		}
		if i == 0 && !mods[0] {
			bars = append(bars, 0)
		}
		bars = append(bars, j-i)
		i = j
	}
	narrow := len(mods)
	for _, n := range bars {
		if n > 0 {
			narrow = min(narrow, n)
		}
	}
	wide := 0
	if binaryLevel(b.Symbology) && mw < len(wideBar) {
		wide = wideBar[mw]
	}
	for i, n := range bars {
		switch {
		case n == 0:
		case wide > 0 && n > narrow:
			bars[i] = wide
		case wide > 0:
			bars[i] = mw
		default:
			bars[i] = n * mw
		}
		total += bars[i]
	}
	return bars, total, hri, nil
}

// BarcodeWidth returns the width in dots of b's bars as the printer draws
// them (quiet zones not included): modules of ModuleWidth dots, or for
// CODE39, ITF and CODABAR narrow elements of ModuleWidth dots and wide ones
// as Epson's GS w table has them (2/5, 3/8, 4/10, 5/13, 6/16 dots). It fails
// with a SymbolError when the symbology cannot encode b.Data.
func BarcodeWidth(b *paper.Barcode) (int, error) {
	_, w, _, err := BarWidths(b)
	return w, err
}

// QRModules returns the module matrix of a QR code (model 2) for data at
// the error correction level, without the quiet zone: size×size, row-major,
// true for a dark module.
func QRModules(data string, level paper.ECLevel) ([]bool, int, error) {
	lv := qr.M
	switch level {
	case paper.ECLevelL:
		lv = qr.L
	case paper.ECLevelQ:
		lv = qr.Q
	case paper.ECLevelH:
		lv = qr.H
	}
	bc, err := qr.Encode(data, lv, qr.Auto)
	if err != nil {
		return nil, 0, &SymbolError{Symbology: "QR", Data: data, Reason: err.Error()}
	}
	b := bc.Bounds()
	n := b.Dx()
	mods := make([]bool, n*n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			mods[y*n+x] = isInk(bc.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return mods, n, nil
}

// PDF417Size returns the width and height in dots of the PDF417 symbol
// of p as the printer prints it: ModuleWidth dots a module across,
// RowHeight×ModuleWidth dots a row.
func PDF417Size(p *paper.PDF417) (w, h int, err error) {
	_, width, rows, err := PDF417Modules(p)
	if err != nil {
		return 0, 0, err
	}
	mw, rh := PDF417Dims(p)
	return width * mw, rows * rh, nil
}

func PDF417Dims(p *paper.PDF417) (moduleW, rowH int) {
	mw := clamp(p.ModuleWidth, 0, MaxModule)
	if mw <= 0 {
		mw = 3
	}
	rh := clamp(p.RowHeight, 0, MaxModule)
	if rh <= 0 {
		rh = 3
	}
	return mw, rh * mw
}

// SymbolError reports data that a barcode or QR symbology cannot encode.
type SymbolError struct {
	Symbology string
	Data      string
	Reason    string
}

func (e *SymbolError) Error() string {
	return fmt.Sprintf("render: cannot encode %q as %s: %s", e.Data, e.Symbology, e.Reason)
}

// Unwrap returns ErrSymbol.
func (e *SymbolError) Unwrap() error { return ErrSymbol }

// dataBar encodes the GS1 DataBar symbologies (databar.go).
func dataBar(sym paper.Symbology, data string) ([]bool, string, error) {
	fail := func(err error) ([]bool, string, error) {
		return nil, "", &SymbolError{Symbology: string(sym), Data: data, Reason: err.Error()}
	}
	if sym == paper.DataBarExpanded {
		mods, err := dataBarExpanded(data)
		if err != nil {
			return fail(err)
		}
		return mods, data, nil
	}
	gtin, err := gtin14(data)
	if err != nil {
		return fail(err)
	}
	if sym == paper.DataBarLimited {
		if gtin[0] > '1' {
			return fail(fmt.Errorf("first digit %c, want 0 or 1", gtin[0]))
		}
		return dataBarLimited(gtin), "(01)" + gtin, nil
	}
	return dataBar14(gtin), "(01)" + gtin, nil
}
