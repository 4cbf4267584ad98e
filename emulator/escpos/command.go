package escpos

import (
	"fmt"
	"strconv"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// Command is one decoded ESC/POS command. The concrete types below are
// the whole vocabulary; String gives a short form for logs in the
// manual's notation.
type Command interface {
	fmt.Stringer
	isCommand()
}

// Realtime is implemented by the real-time commands (DLE EOT, DLE ENQ,
// DLE DC4), which a printer executes as soon as their bytes arrive,
// wherever they appear in the stream.
type Realtime interface {
	Command
	isRealtime()
}

// Text is a run of printable characters, decoded to UTF-8 with the code
// table (ESC t) or, in double-byte mode (FS &), with GB18030.
type Text struct {
	Text  string
	Kanji bool // decoded in double-byte mode: non-ASCII characters are double-byte cells
}

// Simple control codes and parameterless commands.
type (
	LineFeed           struct{}               // LF: print and feed one line
	CarriageReturn     struct{}               // CR: print and carriage return (ignored on most roll printers when auto line feed is off)
	Tab                struct{}               // HT: move to the next tab position
	FormFeed           struct{}               // FF: print (and in page mode return to standard mode)
	Cancel             struct{}               // CAN: cancel print data in page mode
	Initialize         struct{}               // ESC @
	DefaultLineSpacing struct{}               // ESC 2
	LegacyCut          struct{ Partial bool } // ESC i (full) / ESC m (partial)
	KanjiOn            struct{}               // FS &
	KanjiOff           struct{}               // FS .
	QRPrint            struct{}               // GS ( k cn=49 fn=81
	QRTransmitSize     struct{}               // GS ( k cn=49 fn=82
	PDF417Print        struct{}               // GS ( k cn=48 fn=81
	PDF417TransmitSize struct{}               // GS ( k cn=48 fn=82
)

// Commands with one byte parameter.
type (
	PrintMode      struct{ N byte }              // ESC ! n
	Emphasize      struct{ On bool }             // ESC E n
	Underline      struct{ Dots int }            // ESC - n (0, 1, 2)
	DoubleStrike   struct{ On bool }             // ESC G n
	SelectFont     struct{ Font paper.Font }     // ESC M n
	CharSize       struct{ Width, Height int }   // GS ! n: magnifications 1–8
	Reverse        struct{ On bool }             // GS B n
	Justification  struct{ Align paper.Justify } // ESC a n
	PrintFeedLines struct{ N int }               // ESC d n
	PrintFeedDots  struct{ N int }               // ESC J n
	PrintReverse   struct{ N int }               // ESC e n
	LineSpacing    struct{ Dots int }            // ESC 3 n
	RightSpacing   struct{ Dots int }            // ESC SP n
	// CodeTable is ESC t n; Page is the code page the printer has for n
	// (its profile's codePages), "" when it has none and ignores the command.
	CodeTable struct {
		N    int
		Page string
	}
	IntlCharset      struct{ N int }                 // ESC R n
	UpsideDown       struct{ On bool }               // ESC { n
	SelectPeripheral struct{ N byte }                // ESC = n
	PaperSensor      struct{ Which, N byte }         // ESC c 3|4|5 n (Which is '3', '4' or '5')
	BarcodeHeight    struct{ Dots int }              // GS h n
	BarcodeWidth     struct{ N int }                 // GS w n
	HRIPosition      struct{ Pos paper.HRIPosition } // GS H n
	HRIFont          struct{ Font paper.Font }       // GS f n
	ASBEnable        struct{ Mask byte }             // GS a n
	TransmitStatus   struct{ N byte }                // GS r n
	TransmitID       struct{ N byte }                // GS I n
	KanjiPrintMode   struct{ N byte }                // FS ! n
	KanjiCodeSystem  struct{ N byte }                // FS C n
	KanjiUnderline   struct{ Dots int }              // FS - n
	KanjiQuad        struct{ On bool }               // FS W n
	QRModel          struct{ Model int }             // GS ( k cn=49 fn=65
	QRModuleSize     struct{ Dots int }              // GS ( k cn=49 fn=67
	QRErrorLevel     struct{ Level paper.ECLevel }   // GS ( k cn=49 fn=69
	PDF417Columns    struct{ N int }                 // GS ( k cn=48 fn=65: 0 automatic, 1–30
	PDF417Rows       struct{ N int }                 // GS ( k cn=48 fn=66: 0 automatic, 3–90
	PDF417Module     struct{ Dots int }              // GS ( k cn=48 fn=67: 2–8
	PDF417RowHeight  struct{ N int }                 // GS ( k cn=48 fn=68: 2–8 modules
	PDF417Options    struct{ Truncated bool }        // GS ( k cn=48 fn=70
	// PDF417ErrorLevel is GS ( k cn=48 fn=69: a level 0–8 (m 48), or a
	// ratio of N×10 % of the data codewords (m 49, N 1–40).
	PDF417ErrorLevel struct {
		Ratio bool
		N     int
	}
)

// Commands with more parameters or data.
type (
	AbsolutePosition struct{ Dots int }        // ESC $ nL nH
	RelativePosition struct{ Dots int }        // ESC \ nL nH (signed)
	LeftMargin       struct{ Dots int }        // GS L nL nH
	PrintAreaWidth   struct{ Dots int }        // GS W nL nH
	MotionUnits      struct{ X, Y int }        // GS P x y
	SetTabs          struct{ Columns []int }   // ESC D n1 … nk NUL
	KanjiSpacing     struct{ Left, Right int } // FS S n1 n2
	DrawerPulse      struct {                  // ESC p m t1 t2
		Pin         int // 2 or 5
		OnMS, OffMS int
	}
	// Cut is GS V m [n]: Mode is m as sent; Feed is n (motion units) for
	// the forms that feed before cutting.
	Cut struct {
		Mode    byte
		Partial bool
		Feed    int
	}
	// Barcode is GS k in form A (m 0–6, NUL-terminated) or form B (m 65–79,
	// length-prefixed). Data is as sent (CODE128 code-set selectors included).
	Barcode struct {
		M         byte
		Symbology paper.Symbology
		Data      []byte
	}
	QRStore     struct{ Data []byte } // GS ( k cn=49 fn=80
	PDF417Store struct{ Data []byte } // GS ( k cn=48 fn=80
	// Symbol2D is a GS ( k function of another symbol (cn 50 MaxiCode, 51
	// DataBar, 52 Composite, 53 Aztec, 54 DataMatrix) or an unused QR or
	// PDF417 function: decoded and accepted, not printed.
	Symbol2D struct {
		CN, FN byte
		Params []byte
	}
	// RasterImage is GS v 0 m xL xH yL yH d…: WidthBytes × Height dots.
	RasterImage struct {
		Mode       byte // 0 normal, 1 double width, 2 double height, 3 quadruple
		WidthBytes int
		Height     int
		Data       []byte
	}
	// ColumnImage is ESC * m nL nH d…: Columns columns of 8 or 24 dots.
	ColumnImage struct {
		Mode    byte // 0, 1 (8-dot), 32, 33 (24-dot)
		Columns int
		Data    []byte
	}
	// Graphics is GS ( L / GS 8 L with m=48: Fn 112 stores a raster
	// graphic in the print buffer (Params = a bx by c xL xH yL yH d…), Fn 50
	// prints it. Other functions are decoded and ignored.
	Graphics struct {
		Fn     byte
		Params []byte
	}
	// ProcessID is GS ( H fn=48: the printer answers 37 22 d1 d2 d3 d4 00
	// once the data before it has been printed.
	ProcessID struct{ ID [4]byte }
	// Extended is a length-prefixed command (ESC (, GS (, FS (, GS 8 L)
	// whose function this emulator does not implement; it was skipped by
	// its length.
	Extended struct {
		Prefix byte // ESC, GS or FS
		Code   byte // '(' or '8'
		Fn     byte // function letter ('A', 'E', 'K', …)
		Len    int  // parameter bytes skipped (pL pH)
	}
	// Ignored is a known command that this emulator accepts and does not
	// act on (user-defined characters, page mode, rotation, macros, …).
	// Len is its length in bytes.
	Ignored struct {
		Prefix, Code byte
		Len          int
	}
	// Malformed is an unknown or invalid sequence, skipped. Offset is the
	// position of its first byte in the stream.
	Malformed struct {
		Offset int64
		Bytes  []byte
		Reason string
	}
)

// Real-time commands.
type (
	RealtimeStatus       struct{ N byte }          // DLE EOT n (1–4)
	RealtimeRequest      struct{ N byte }          // DLE ENQ n: 1 recover and restart, 2 recover and clear buffers
	RealtimePulse        struct{ Pin, Units byte } // DLE DC4 1 m t: Pin 0 (pin 2) or 1 (pin 5), t × 100 ms
	RealtimePowerOff     struct{}                  // DLE DC4 2 1 8
	RealtimeBuzzer       struct{ Params [4]byte }  // DLE DC4 3 a b c d
	RealtimeASB          struct{ M byte }          // DLE DC4 7 m
	RealtimeClearBuffers struct{}                  // DLE DC4 8 1 3 20 1 6 2 8
)

func (Text) isCommand()                 {}
func (LineFeed) isCommand()             {}
func (CarriageReturn) isCommand()       {}
func (Tab) isCommand()                  {}
func (FormFeed) isCommand()             {}
func (Cancel) isCommand()               {}
func (Initialize) isCommand()           {}
func (DefaultLineSpacing) isCommand()   {}
func (LegacyCut) isCommand()            {}
func (KanjiOn) isCommand()              {}
func (KanjiOff) isCommand()             {}
func (QRPrint) isCommand()              {}
func (QRTransmitSize) isCommand()       {}
func (PrintMode) isCommand()            {}
func (Emphasize) isCommand()            {}
func (Underline) isCommand()            {}
func (DoubleStrike) isCommand()         {}
func (SelectFont) isCommand()           {}
func (CharSize) isCommand()             {}
func (Reverse) isCommand()              {}
func (Justification) isCommand()        {}
func (PrintFeedLines) isCommand()       {}
func (PrintFeedDots) isCommand()        {}
func (PrintReverse) isCommand()         {}
func (LineSpacing) isCommand()          {}
func (RightSpacing) isCommand()         {}
func (CodeTable) isCommand()            {}
func (IntlCharset) isCommand()          {}
func (UpsideDown) isCommand()           {}
func (SelectPeripheral) isCommand()     {}
func (PaperSensor) isCommand()          {}
func (BarcodeHeight) isCommand()        {}
func (BarcodeWidth) isCommand()         {}
func (HRIPosition) isCommand()          {}
func (HRIFont) isCommand()              {}
func (ASBEnable) isCommand()            {}
func (TransmitStatus) isCommand()       {}
func (TransmitID) isCommand()           {}
func (KanjiPrintMode) isCommand()       {}
func (KanjiCodeSystem) isCommand()      {}
func (KanjiUnderline) isCommand()       {}
func (KanjiQuad) isCommand()            {}
func (QRModel) isCommand()              {}
func (QRModuleSize) isCommand()         {}
func (QRErrorLevel) isCommand()         {}
func (PDF417Columns) isCommand()        {}
func (PDF417Rows) isCommand()           {}
func (PDF417Module) isCommand()         {}
func (PDF417RowHeight) isCommand()      {}
func (PDF417ErrorLevel) isCommand()     {}
func (PDF417Options) isCommand()        {}
func (PDF417Store) isCommand()          {}
func (PDF417Print) isCommand()          {}
func (PDF417TransmitSize) isCommand()   {}
func (AbsolutePosition) isCommand()     {}
func (RelativePosition) isCommand()     {}
func (LeftMargin) isCommand()           {}
func (PrintAreaWidth) isCommand()       {}
func (MotionUnits) isCommand()          {}
func (SetTabs) isCommand()              {}
func (KanjiSpacing) isCommand()         {}
func (DrawerPulse) isCommand()          {}
func (Cut) isCommand()                  {}
func (Barcode) isCommand()              {}
func (QRStore) isCommand()              {}
func (Symbol2D) isCommand()             {}
func (RasterImage) isCommand()          {}
func (ColumnImage) isCommand()          {}
func (Graphics) isCommand()             {}
func (ProcessID) isCommand()            {}
func (Extended) isCommand()             {}
func (Ignored) isCommand()              {}
func (Malformed) isCommand()            {}
func (RealtimeStatus) isCommand()       {}
func (RealtimeRequest) isCommand()      {}
func (RealtimePulse) isCommand()        {}
func (RealtimePowerOff) isCommand()     {}
func (RealtimeBuzzer) isCommand()       {}
func (RealtimeASB) isCommand()          {}
func (RealtimeClearBuffers) isCommand() {}

func (RealtimeStatus) isRealtime()       {}
func (RealtimeRequest) isRealtime()      {}
func (RealtimePulse) isRealtime()        {}
func (RealtimePowerOff) isRealtime()     {}
func (RealtimeBuzzer) isRealtime()       {}
func (RealtimeASB) isRealtime()          {}
func (RealtimeClearBuffers) isRealtime() {}

func onOff(b bool) string {
	if b {
		return "1 (on)"
	}
	return "0 (off)"
}

func (c Text) String() string {
	if c.Kanji {
		return "TEXT(kanji) " + strconv.Quote(c.Text)
	}
	return "TEXT " + strconv.Quote(c.Text)
}
func (LineFeed) String() string           { return "LF" }
func (CarriageReturn) String() string     { return "CR" }
func (Tab) String() string                { return "HT" }
func (FormFeed) String() string           { return "FF" }
func (Cancel) String() string             { return "CAN" }
func (Initialize) String() string         { return "ESC @" }
func (DefaultLineSpacing) String() string { return "ESC 2" }
func (c LegacyCut) String() string {
	if c.Partial {
		return "ESC m (partial cut)"
	}
	return "ESC i (full cut)"
}
func (KanjiOn) String() string        { return "FS & (double-byte mode on)" }
func (KanjiOff) String() string       { return "FS . (double-byte mode off)" }
func (QRPrint) String() string        { return "GS ( k QR print" }
func (QRTransmitSize) String() string { return "GS ( k QR transmit size" }
func (c PrintMode) String() string    { return fmt.Sprintf("ESC ! %#02x", c.N) }
func (c Emphasize) String() string    { return "ESC E " + onOff(c.On) }
func (c Underline) String() string    { return fmt.Sprintf("ESC - %d", c.Dots) }
func (c DoubleStrike) String() string { return "ESC G " + onOff(c.On) }
func (c SelectFont) String() string   { return fmt.Sprintf("ESC M %d (font %s)", c.Font, c.Font) }
func (c CharSize) String() string {
	return fmt.Sprintf("GS ! (width %d, height %d)", c.Width, c.Height)
}
func (c Reverse) String() string        { return "GS B " + onOff(c.On) }
func (c Justification) String() string  { return fmt.Sprintf("ESC a %d (%s)", c.Align, c.Align) }
func (c PrintFeedLines) String() string { return fmt.Sprintf("ESC d %d", c.N) }
func (c PrintFeedDots) String() string  { return fmt.Sprintf("ESC J %d", c.N) }
func (c PrintReverse) String() string   { return fmt.Sprintf("ESC e %d", c.N) }
func (c LineSpacing) String() string    { return fmt.Sprintf("ESC 3 %d", c.Dots) }
func (c RightSpacing) String() string   { return fmt.Sprintf("ESC SP %d", c.Dots) }
func (c CodeTable) String() string {
	if c.Page == "" {
		return fmt.Sprintf("ESC t %d (no such code page)", c.N)
	}
	return fmt.Sprintf("ESC t %d (%s)", c.N, c.Page)
}
func (c IntlCharset) String() string { return fmt.Sprintf("ESC R %d", c.N) }
func (c UpsideDown) String() string  { return "ESC { " + onOff(c.On) }
func (c SelectPeripheral) String() string {
	return fmt.Sprintf("ESC = %d", c.N)
}
func (c PaperSensor) String() string    { return fmt.Sprintf("ESC c %c %#02x", c.Which, c.N) }
func (c BarcodeHeight) String() string  { return fmt.Sprintf("GS h %d", c.Dots) }
func (c BarcodeWidth) String() string   { return fmt.Sprintf("GS w %d", c.N) }
func (c HRIPosition) String() string    { return fmt.Sprintf("GS H %d", c.Pos) }
func (c HRIFont) String() string        { return fmt.Sprintf("GS f %d", c.Font) }
func (c ASBEnable) String() string      { return fmt.Sprintf("GS a %#02x", c.Mask) }
func (c TransmitStatus) String() string { return fmt.Sprintf("GS r %d", c.N) }
func (c TransmitID) String() string     { return fmt.Sprintf("GS I %d", c.N) }
func (c KanjiPrintMode) String() string { return fmt.Sprintf("FS ! %#02x", c.N) }
func (c KanjiCodeSystem) String() string {
	return fmt.Sprintf("FS C %d", c.N)
}
func (c KanjiUnderline) String() string { return fmt.Sprintf("FS - %d", c.Dots) }
func (c KanjiQuad) String() string      { return "FS W " + onOff(c.On) }
func (c QRModel) String() string        { return fmt.Sprintf("GS ( k QR model %d", c.Model) }
func (c QRModuleSize) String() string   { return fmt.Sprintf("GS ( k QR module size %d", c.Dots) }
func (c QRErrorLevel) String() string   { return fmt.Sprintf("GS ( k QR error correction %s", c.Level) }
func (c PDF417Columns) String() string  { return fmt.Sprintf("GS ( k PDF417 columns %d", c.N) }
func (c PDF417Rows) String() string     { return fmt.Sprintf("GS ( k PDF417 rows %d", c.N) }
func (c PDF417Module) String() string   { return fmt.Sprintf("GS ( k PDF417 module width %d", c.Dots) }
func (c PDF417RowHeight) String() string {
	return fmt.Sprintf("GS ( k PDF417 row height %d", c.N)
}
func (c PDF417ErrorLevel) String() string {
	if c.Ratio {
		return fmt.Sprintf("GS ( k PDF417 error correction %d0 %%", c.N)
	}
	return fmt.Sprintf("GS ( k PDF417 error correction level %d", c.N)
}
func (c PDF417Options) String() string {
	if c.Truncated {
		return "GS ( k PDF417 truncated"
	}
	return "GS ( k PDF417 standard"
}
func (c PDF417Store) String() string      { return fmt.Sprintf("GS ( k PDF417 store %q", c.Data) }
func (PDF417Print) String() string        { return "GS ( k PDF417 print" }
func (PDF417TransmitSize) String() string { return "GS ( k PDF417 transmit size" }
func (c AbsolutePosition) String() string {
	return fmt.Sprintf("ESC $ %d", c.Dots)
}
func (c RelativePosition) String() string {
	return fmt.Sprintf("ESC \\ %d", c.Dots)
}
func (c LeftMargin) String() string     { return fmt.Sprintf("GS L %d", c.Dots) }
func (c PrintAreaWidth) String() string { return fmt.Sprintf("GS W %d", c.Dots) }
func (c MotionUnits) String() string    { return fmt.Sprintf("GS P %d %d", c.X, c.Y) }
func (c SetTabs) String() string        { return fmt.Sprintf("ESC D %v", c.Columns) }
func (c KanjiSpacing) String() string   { return fmt.Sprintf("FS S %d %d", c.Left, c.Right) }
func (c DrawerPulse) String() string {
	return fmt.Sprintf("ESC p (pin %d, on %d ms, off %d ms)", c.Pin, c.OnMS, c.OffMS)
}
func (c Cut) String() string {
	kind := "full"
	if c.Partial {
		kind = "partial"
	}
	if c.Feed > 0 {
		return fmt.Sprintf("GS V %d (feed %d, %s cut)", c.Mode, c.Feed, kind)
	}
	return fmt.Sprintf("GS V %d (%s cut)", c.Mode, kind)
}
func (c Barcode) String() string {
	return fmt.Sprintf("GS k %d (%s) %q", c.M, c.Symbology, c.Data)
}
func (c QRStore) String() string { return fmt.Sprintf("GS ( k QR store %q", c.Data) }
func (c Symbol2D) String() string {
	return fmt.Sprintf("GS ( k cn=%d fn=%d (%d bytes)", c.CN, c.FN, len(c.Params))
}
func (c RasterImage) String() string {
	return fmt.Sprintf("GS v 0 %d (%dx%d dots)", c.Mode, c.WidthBytes*8, c.Height)
}
func (c ColumnImage) String() string {
	return fmt.Sprintf("ESC * %d (%d columns)", c.Mode, c.Columns)
}
func (c Graphics) String() string {
	return fmt.Sprintf("GS ( L fn=%d (%d bytes)", c.Fn, len(c.Params))
}
func (c ProcessID) String() string { return fmt.Sprintf("GS ( H process ID %q", c.ID[:]) }
func (c Extended) String() string {
	return fmt.Sprintf("%s %c %c (%d bytes, not implemented)", prefixName(c.Prefix), c.Code, c.Fn, c.Len)
}
func (c Ignored) String() string {
	return fmt.Sprintf("%s %c (%d bytes, accepted and ignored)", prefixName(c.Prefix), c.Code, c.Len)
}
func (c Malformed) String() string {
	return fmt.Sprintf("MALFORMED at %d % x: %s", c.Offset, c.Bytes, c.Reason)
}
func (c RealtimeStatus) String() string  { return fmt.Sprintf("DLE EOT %d", c.N) }
func (c RealtimeRequest) String() string { return fmt.Sprintf("DLE ENQ %d", c.N) }
func (c RealtimePulse) String() string {
	return fmt.Sprintf("DLE DC4 1 %d %d", c.Pin, c.Units)
}
func (RealtimePowerOff) String() string     { return "DLE DC4 2 (power off)" }
func (c RealtimeBuzzer) String() string     { return fmt.Sprintf("DLE DC4 3 % x", c.Params[:]) }
func (c RealtimeASB) String() string        { return fmt.Sprintf("DLE DC4 7 %d", c.M) }
func (RealtimeClearBuffers) String() string { return "DLE DC4 8 (clear buffers)" }

func prefixName(b byte) string {
	switch b {
	case ESC:
		return "ESC"
	case GS:
		return "GS"
	case FS:
		return "FS"
	case DLE:
		return "DLE"
	}
	return fmt.Sprintf("%#02x", b)
}

// Every command type implements Command (and the real-time ones Realtime).
var (
	_ = []Command{Text{}, LineFeed{}, CarriageReturn{}, Tab{}, FormFeed{}, Cancel{}, Initialize{}, DefaultLineSpacing{}, LegacyCut{}, KanjiOn{}, KanjiOff{}, QRPrint{}, QRTransmitSize{}, PrintMode{}, Emphasize{}, Underline{}, DoubleStrike{}, SelectFont{}, CharSize{}, Reverse{}, Justification{}, PrintFeedLines{}, PrintFeedDots{}, PrintReverse{}, LineSpacing{}, RightSpacing{}, CodeTable{}, IntlCharset{}, UpsideDown{}, SelectPeripheral{}, PaperSensor{}, BarcodeHeight{}, BarcodeWidth{}, HRIPosition{}, HRIFont{}, ASBEnable{}, TransmitStatus{}, TransmitID{}, KanjiPrintMode{}, KanjiCodeSystem{}, KanjiUnderline{}, KanjiQuad{}, QRModel{}, QRModuleSize{}, QRErrorLevel{}, PDF417Columns{}, PDF417Rows{}, PDF417Module{}, PDF417RowHeight{}, PDF417ErrorLevel{}, PDF417Options{}, PDF417Store{}, PDF417Print{}, PDF417TransmitSize{}, AbsolutePosition{}, RelativePosition{}, LeftMargin{}, PrintAreaWidth{}, MotionUnits{}, SetTabs{}, KanjiSpacing{}, DrawerPulse{}, Cut{}, Barcode{}, QRStore{}, Symbol2D{}, RasterImage{}, ColumnImage{}, Graphics{}, ProcessID{}, Extended{}, Ignored{}, Malformed{}, RealtimeStatus{}, RealtimeRequest{}, RealtimePulse{}, RealtimePowerOff{}, RealtimeBuzzer{}, RealtimeASB{}, RealtimeClearBuffers{}}
	_ = []Realtime{RealtimeStatus{}, RealtimeRequest{}, RealtimePulse{}, RealtimePowerOff{}, RealtimeBuzzer{}, RealtimeASB{}, RealtimeClearBuffers{}}
)
