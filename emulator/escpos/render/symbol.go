package render

import (
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/symbol"
)

// The encoders live in package symbol, which the emulator's layout uses
// without linking a renderer; these names stay for render's callers.

// SymbolError reports data that a barcode or QR symbology cannot encode.
type SymbolError = symbol.SymbolError

// Modules returns the modules of data in symbology sym and its HRI text
// (see symbol.Modules).
func Modules(sym paper.Symbology, data string) ([]bool, string, error) {
	return symbol.Modules(sym, data)
}

// BarcodeWidth returns the width in dots of b's bars as the printer draws
// them (see symbol.BarcodeWidth).
func BarcodeWidth(b *paper.Barcode) (int, error) { return symbol.BarcodeWidth(b) }

// QRModules returns the module matrix of a QR code (see symbol.QRModules).
func QRModules(data string, level paper.ECLevel) ([]bool, int, error) {
	return symbol.QRModules(data, level)
}

// PDF417Modules returns the module matrix of a PDF417 symbol (see
// symbol.PDF417Modules).
func PDF417Modules(p *paper.PDF417) (mods []bool, width, rows int, err error) {
	return symbol.PDF417Modules(p)
}

// PDF417Size returns the size in dots of a PDF417 symbol as printed (see
// symbol.PDF417Size).
func PDF417Size(p *paper.PDF417) (w, h int, err error) { return symbol.PDF417Size(p) }
