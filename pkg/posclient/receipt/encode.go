package receipt

import (
	"fmt"
	"strings"

	"github.com/poshil/hil/pkg/escposcmd"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Cut is how the encoder ends a receipt.
type Cut uint8

const (
	PartialCut Cut = iota // GS V 66 0: feed to the cutter and cut leaving a hinge (the zero value)
	FullCut               // GS V 65 0: feed to the cutter and cut through
	NoCut                 // ESC d: feed the paper out without cutting (printers without a cutter)
)

func (c Cut) String() string {
	switch c {
	case PartialCut:
		return "partial"
	case FullCut:
		return "full"
	case NoCut:
		return "none"
	}
	return fmt.Sprintf("cut(%d)", uint8(c))
}

// Options control the encoding. The zero value prints for an 80 mm roll
// (48 columns of Font A) with a partial cut and QR module size 6.
type Options struct {
	// Columns is the number of Font A characters across the roll: 48 on
	// 80 mm (the default when 0), 32 on 58 mm. Between 24 and 64.
	Columns int
	// Cut ends the receipt; default PartialCut.
	Cut Cut
	// QRModuleSize is the size in dots of one QR module (GS ( k fn 67);
	// 1–16, default 6 (4 on rolls of fewer than 40 columns).
	QRModuleSize int
}

// DefaultColumns is the Font A column count of an 80 mm roll.
const DefaultColumns = 48

func (o *Options) resolve() (Options, error) {
	var v Options
	if o != nil {
		v = *o
	}
	if v.Columns == 0 {
		v.Columns = DefaultColumns
	}
	if v.Columns < 24 || v.Columns > 64 {
		return v, invalid("Options.Columns", "%d, want 24 to 64", v.Columns)
	}
	if v.Cut > NoCut {
		return v, invalid("Options.Cut", "unknown cut %d", v.Cut)
	}
	if v.QRModuleSize == 0 {
		v.QRModuleSize = 6
		if v.Columns < 40 {
			v.QRModuleSize = 4
		}
	}
	if v.QRModuleSize < 1 || v.QRModuleSize > 16 {
		return v, invalid("Options.QRModuleSize", "%d, want 1 to 16", v.QRModuleSize)
	}
	return v, nil
}

// Parameter values of the commands the encoder sends (the command bytes
// themselves are the named constants of package escpos).
const (
	justifyLeft   byte = 0 // ESC a 0
	justifyCenter byte = 1 // ESC a 1
	justifyRight  byte = 2 // ESC a 2

	sizeByteNormal byte = 0x00 // GS ! : width 1, height 1
	sizeByteTall   byte = 0x01 // GS ! : width 1, height 2
	sizeByteDouble byte = 0x11 // GS ! : width 2, height 2

	cutFeedFull    byte = 65 // GS V 65 n: feed to cutting position + n, full cut
	cutFeedPartial byte = 66 // GS V 66 n: feed to cutting position + n, partial cut
	noCutFeedLines byte = 4  // ESC d n: lines fed out when the printer has no cutter

	qrModel2      byte = 50 // GS ( k fn 65 n1: model 2
	qrECLevelM    byte = 49 // GS ( k fn 69 n: error correction level M (15 %)
	qrStoreSymbol byte = 48 // GS ( k fn 80 / fn 81 m: the only defined value
)

// Encode lays out one copy of a receipt and returns the ESC/POS job that
// prints it: ESC @, the lines (switching to GB18030 double-byte mode with
// FS & when any text is not ASCII), the optional QR code and the cut. The
// receipt is validated first; the job never holds more than the masked PAN.
func Encode(r *Receipt, opts *Options) ([]byte, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	items := layout(r, o.Columns)
	dbcs := needsDoubleByte(items)
	enc := simplifiedchinese.GB18030.NewEncoder()

	b := make([]byte, 0, 1024)
	b = append(b, escposcmd.ESC, escposcmd.EscInit)
	if dbcs {
		b = append(b, escposcmd.FS, escposcmd.FsKanjiOn)
	}
	curAlign, curBold, curSize := alignLeft, false, sizeNormal
	setAlign := func(a align) {
		if a != curAlign {
			b = append(b, escposcmd.ESC, escposcmd.EscJustify, justifyByte(a))
			curAlign = a
		}
	}
	for _, it := range items {
		setAlign(it.align)
		if it.qr != "" {
			b = appendQR(b, it.qr, o.QRModuleSize)
			continue
		}
		if it.bold != curBold {
			b = append(b, escposcmd.ESC, escposcmd.EscEmphasize, boolByte(it.bold))
			curBold = it.bold
		}
		if it.size != curSize {
			b = append(b, escposcmd.GS, escposcmd.GsCharSize, sizeByte(it.size))
			curSize = it.size
		}
		text := it.text
		if it.align == alignLeft {
			text = strings.TrimRight(text, " ")
		}
		if dbcs {
			t, err := enc.String(text)
			if err != nil {
				return nil, invalid("Receipt", "text %q cannot be encoded in GB18030: %v", text, err)
			}
			text = t
		}
		b = append(b, text...)
		b = append(b, escposcmd.LF)
	}
	setAlign(alignLeft)
	if curBold {
		b = append(b, escposcmd.ESC, escposcmd.EscEmphasize, boolByte(false))
	}
	if curSize != sizeNormal {
		b = append(b, escposcmd.GS, escposcmd.GsCharSize, sizeByteNormal)
	}
	if dbcs {
		b = append(b, escposcmd.FS, escposcmd.FsKanjiOff)
	}
	switch o.Cut {
	case PartialCut:
		b = append(b, escposcmd.GS, escposcmd.GsCut, cutFeedPartial, 0)
	case FullCut:
		b = append(b, escposcmd.GS, escposcmd.GsCut, cutFeedFull, 0)
	case NoCut:
		b = append(b, escposcmd.ESC, escposcmd.EscPrintFeedLines, noCutFeedLines)
	}
	return b, nil
}

// appendQR appends the GS ( k sequence that stores and prints a model 2 QR
// code of data with error correction M, followed by a line feed.
func appendQR(b []byte, data string, module int) []byte {
	fn := func(pL, pH byte, rest ...byte) {
		b = append(b, escposcmd.GS, escposcmd.GsParen, escposcmd.GsParenQR, pL, pH, escposcmd.QRSymbolQR)
		b = append(b, rest...)
	}
	fn(4, 0, escposcmd.QRFnModel, qrModel2, 0)
	fn(3, 0, escposcmd.QRFnModuleSize, byte(module))
	fn(3, 0, escposcmd.QRFnErrorLevel, qrECLevelM)
	n := len(data) + 3 // cn, fn, m
	fn(byte(n), byte(n>>8), escposcmd.QRFnStore, qrStoreSymbol)
	b = append(b, data...)
	fn(3, 0, escposcmd.QRFnPrint, qrStoreSymbol)
	return append(b, escposcmd.LF)
}

func justifyByte(a align) byte {
	switch a {
	case alignCenter:
		return justifyCenter
	case alignRight:
		return justifyRight
	}
	return justifyLeft
}

func sizeByte(s size) byte {
	switch s {
	case sizeTall:
		return sizeByteTall
	case sizeDouble:
		return sizeByteDouble
	}
	return sizeByteNormal
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// Text lays out one copy of a receipt as plain UTF-8 text, one line per
// printed line at the column count of opts, centred lines centred, the QR
// code shown as "[QR] <url>" and the cut as "[CUT]" or "[PARTIAL CUT]". It
// is what the e-receipt file sink stores next to the JSON.
func Text(r *Receipt, opts *Options) (string, error) {
	o, err := opts.resolve()
	if err != nil {
		return "", err
	}
	if err := r.Validate(); err != nil {
		return "", err
	}
	var sb strings.Builder
	for _, it := range layout(r, o.Columns) {
		if it.qr != "" {
			sb.WriteString("[QR] " + it.qr + "\n")
			continue
		}
		text := strings.TrimRight(it.text, " ")
		if it.align == alignCenter {
			// The printer centres the magnified text in the full width.
			w := cells(text) * it.size.widthFactor()
			if pad := (o.Columns - w) / 2; pad > 0 {
				text = strings.Repeat(" ", pad) + text
			}
		}
		sb.WriteString(text + "\n")
	}
	switch o.Cut {
	case PartialCut:
		sb.WriteString("[PARTIAL CUT]\n")
	case FullCut:
		sb.WriteString("[CUT]\n")
	}
	return sb.String(), nil
}
