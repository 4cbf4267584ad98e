// Package paper is the model of what a receipt printer put on paper: the
// output of the emulated printer (package escpos) and the input of the
// renderers (package render). It holds laid-out lines and symbols in printer
// dots, so that every renderer draws the same picture.
//
// Positions and sizes are in dots of the printer's head (576 dots across an
// 80 mm roll on the default profile). A Receipt is the paper between two
// cuts, or up to the end of a job when no cut came. Blank paper (only feeds
// and cuts, such as the line feed many encoders send after the last cut) is
// not a receipt.
package paper

// Justify is the justification selected with ESC a.
type Justify uint8

const (
	Left   Justify = 0
	Center Justify = 1
	Right  Justify = 2
)

func (j Justify) String() string {
	switch j {
	case Left:
		return "left"
	case Center:
		return "center"
	case Right:
		return "right"
	}
	return "justify(?)"
}

// Font is a character font selected with ESC M or ESC ! bit 0.
type Font uint8

const (
	FontA Font = 0
	FontB Font = 1
	FontC Font = 2
)

func (f Font) String() string { return string(rune('A' + f)) }

// Style is how a run of characters is printed.
type Style struct {
	Font         Font
	Bold         bool  // ESC E / ESC ! bit 3
	DoubleStrike bool  // ESC G (prints like bold on thermal heads)
	Underline    uint8 // 0 off, 1 one-dot, 2 two-dot (ESC - / ESC ! bit 7 / FS -)
	Width        uint8 // horizontal magnification 1–8 (GS !, ESC ! bit 5)
	Height       uint8 // vertical magnification 1–8 (GS !, ESC ! bit 4)
	Reverse      bool  // GS B: white on black
	UpsideDown   bool  // ESC {
}

// Run is a stretch of characters printed with one style, starting at dot X
// of the line (left margin, justification and tabs already applied).
type Run struct {
	X     int    // first dot of the run
	Text  string // the characters, decoded to UTF-8 (code table or GB18030 applied)
	Style Style
	// CellWidth and CellHeight are the size in dots of one single-byte
	// character cell before magnification (Font A 12×24 on the default
	// profile). Double-byte (CJK) characters take two cells across.
	CellWidth  int
	CellHeight int
	// CharSpacing is the right-side spacing (ESC SP / FS S) in dots added
	// after every character cell, before magnification.
	CharSpacing int
	// Kanji is set on runs of double-byte characters (printed in FS &
	// mode): every character of the run takes two cells across
	// (2×CellWidth), e.g. a 24×24 CJK cell with CellWidth 12. Runs of
	// single-byte characters, ASCII in double-byte mode included, have it
	// false and take one cell per character.
	Kanji bool
}

// Element is one thing on the paper, in feed order: a printed line of text
// (*Line), an image, a barcode, a 2D symbol, blank feed, a cut or a drawer
// pulse (Image, Barcode, QR, PDF417, Feed, Cut, Drawer: values).
type Element interface{ isElement() }

// Line is one printed line of text. Lines are most of a receipt, so they
// are elements by pointer (*Line): the printer stores them in blocks, not
// one allocation each. A Line on a finished receipt is not changed again.
type Line struct {
	Runs []Run
	// Height is the distance in dots the paper moved for this line: the line
	// spacing, or more when a magnified character is taller.
	Height int
	// Ascent is the height in dots of the tallest character on the line;
	// characters stand on a common baseline Ascent dots below the line's top.
	Ascent int
	// Align is the justification in force when the line was printed. Runs
	// are already placed; renderers that lay text out by columns use it.
	Align Justify
}

// Image is a bit image (GS v 0, ESC *, GS ( L) placed on the paper.
type Image struct {
	X      int // first dot
	Width  int // dots across
	Height int // dot rows
	// Bits holds the rows top to bottom, each (Width+7)/8 bytes, most
	// significant bit first; a set bit is a printed (black) dot.
	Bits   []byte
	Source string // "raster" (GS v 0), "column" (ESC *) or "graphics" (GS ( L)
}

// At reports whether the dot at column x, row y is printed.
func (im *Image) At(x, y int) bool {
	if x < 0 || y < 0 || x >= im.Width || y >= im.Height {
		return false
	}
	stride := (im.Width + 7) / 8
	return im.Bits[y*stride+x/8]&(0x80>>(x%8)) != 0
}

// Symbology names a one-dimensional barcode symbology of GS k.
type Symbology string

const (
	UPCA    Symbology = "UPC-A"
	UPCE    Symbology = "UPC-E"
	EAN13   Symbology = "EAN13"
	EAN8    Symbology = "EAN8"
	Code39  Symbology = "CODE39"
	ITF     Symbology = "ITF"
	Codabar Symbology = "CODABAR"
	Code93  Symbology = "CODE93"
	Code128 Symbology = "CODE128"
	// Symbologies of GS k form B on newer models (m = 74–79).
	GS1128           Symbology = "GS1-128"
	DataBarOmni      Symbology = "GS1 DATABAR OMNIDIRECTIONAL"
	DataBarTruncated Symbology = "GS1 DATABAR TRUNCATED"
	DataBarLimited   Symbology = "GS1 DATABAR LIMITED"
	DataBarExpanded  Symbology = "GS1 DATABAR EXPANDED"
	Code128Auto      Symbology = "CODE128 AUTO" // data without code-set selectors
)

// HRIPosition is where the human-readable interpretation of a barcode goes (GS H).
type HRIPosition uint8

const (
	HRINone HRIPosition = iota
	HRIAbove
	HRIBelow
	HRIBoth
)

// Barcode is a one-dimensional barcode printed with GS k.
type Barcode struct {
	Symbology Symbology
	// Data is the content as encoded in the symbol; for CODE128 the code-set
	// selectors ({A {B {C) are removed and the data decoded; for GS1
	// DataBar Omnidirectional, Truncated and Limited it is the 14-digit
	// GTIN, check digit included, without the AI 01; for GS1 DataBar
	// Expanded the element string with each AI in parentheses,
	// "(01)09501101530003(17)140704".
	Data        string
	Height      int // bar height in dots (GS h)
	ModuleWidth int // narrow bar width in dots (GS w)
	HRI         HRIPosition
	HRIFont     Font
	Align       Justify
	X           int // first dot of the print area (left margin)
	AreaWidth   int // width of the print area in dots; Align places the symbol in it
}

// ECLevel is a QR error correction level (GS ( k fn 69).
type ECLevel uint8

const (
	ECLevelL ECLevel = iota
	ECLevelM
	ECLevelQ
	ECLevelH
)

func (l ECLevel) String() string { return string("LMQH"[l]) }

// QR is a QR code printed with GS ( k.
type QR struct {
	Data       string
	Model      int // 1 or 2
	ModuleSize int // dots per module (1–16)
	ECLevel    ECLevel
	Align      Justify
	X          int // first dot of the print area
	AreaWidth  int // width of the print area in dots
}

// PDF417 is a PDF417 symbol printed with GS ( k (cn 48).
type PDF417 struct {
	Data string
	// Columns and Rows are the data columns and rows the host asked for
	// (0: automatic); ErrorLevel is the error correction level 0–8 the
	// symbol is encoded at. Truncated is the host's truncated-PDF417
	// option.
	Columns, Rows int
	ErrorLevel    int
	Truncated     bool
	ModuleWidth   int // dots per module across (2–8)
	RowHeight     int // height of a row in modules (2–8): RowHeight×ModuleWidth dots
	Align         Justify
	X             int // first dot of the print area
	AreaWidth     int // width of the print area in dots
}

// Feed is blank paper fed without printing (ESC J, ESC d on an empty line, LF on an empty line).
type Feed struct{ Dots int }

// Cut is a paper cut: the end of a receipt.
type Cut struct{ Partial bool }

// Drawer is a cash-drawer kick pulse on connector pin 2 or 5.
type Drawer struct {
	Pin   int // 2 or 5
	OnMS  int // pulse on time, milliseconds
	OffMS int // pulse off time, milliseconds
}

func (*Line) isElement()   {}
func (Image) isElement()   {}
func (Barcode) isElement() {}
func (QR) isElement()      {}
func (PDF417) isElement()  {}
func (Feed) isElement()    {}
func (Cut) isElement()     {}
func (Drawer) isElement()  {}

// Receipt is the paper between two cuts (the cut included as its last
// element), or up to the end of a job, with something printed on it (or a
// drawer pulse): the printer makes no receipt of blank paper.
type Receipt struct {
	Seq      int    // 1-based number of the receipt since the printer started
	Profile  string // name of the printer profile
	Width    int    // printable width in dots
	Columns  int    // Font A characters per line on this profile
	Elements []Element
	// Raw is the host data consumed while this receipt was printed, real-time
	// commands included, in order.
	Raw []byte
	// RawTruncated is how many of those bytes are not in Raw: a printer
	// keeps a bounded number of bytes per receipt (escpos
	// Options.MaxReceiptRaw), so Raw holds the first bytes and this counts
	// the rest. 0 when Raw is complete.
	RawTruncated int64
}

// Cut reports how the receipt ended: nil if it was not cut.
func (r *Receipt) Cut() *Cut {
	if n := len(r.Elements); n > 0 {
		if c, ok := r.Elements[n-1].(Cut); ok {
			return &c
		}
	}
	return nil
}
