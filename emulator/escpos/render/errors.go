package render

import (
	"errors"
	"fmt"

	"github.com/poshil/hil/emulator/escpos/symbol"
)

var (
	// ErrSymbol is wrapped by a SymbolError: barcode or QR data that its
	// symbology cannot encode.
	ErrSymbol = symbol.ErrSymbol
	// ErrWrite is wrapped by a WriteError: the output writer failed.
	ErrWrite = errors.New("render: write failed")
	// ErrTooLong: the receipt is longer than MaxHeight dots.
	ErrTooLong = fmt.Errorf("render: receipt longer than %d dots (about 8 m of paper at 203 dpi)", MaxHeight)
)

// WriteError reports a failure to write a rendering; Err is the writer's
// error (or the encoder's).
type WriteError struct {
	Format string // "png", "html"
	Err    error
}

func (e *WriteError) Error() string { return fmt.Sprintf("render: writing %s: %v", e.Format, e.Err) }

// Unwrap returns both ErrWrite and the cause, for errors.Is and errors.As.
func (e *WriteError) Unwrap() []error { return []error{ErrWrite, e.Err} }
