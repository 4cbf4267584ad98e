package render

import "github.com/poshil/hil/emulator/escpos/symbol"

// Limits that keep a corrupt or hostile receipt from making a renderer
// allocate or loop without bound. They are well beyond what a printer
// produces: magnification is 1–8 (GS !), cells are at most a few dozen
// dots, and paper rolls are tens of metres.
const (
	// MaxWidth is the widest paper drawn, in dots; wider receipts are
	// drawn MaxWidth dots wide.
	MaxWidth = 2048
	// MaxHeight is the longest paper drawn, in dots (about 8 m at 203
	// dpi). PNG fails with ErrTooLong beyond it; Image draws the first
	// MaxHeight dots.
	MaxHeight = 1 << 16
	maxMag    = 8                // character magnification
	maxCell   = 255              // character cell side, dots
	maxModule = symbol.MaxModule // barcode module width and QR module size, dots
	maxX      = 1 << 16
)

// clamp returns v limited to [lo, hi].
func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }
