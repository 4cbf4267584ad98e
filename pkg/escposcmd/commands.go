package escposcmd

// Control codes and command prefixes of ESC/POS, named as in the Epson
// ESC/POS reference.
const (
	HT  byte = 0x09 // horizontal tab
	LF  byte = 0x0A // print and line feed
	FF  byte = 0x0C // print and return to standard mode (page mode); on roll printers, print
	CR  byte = 0x0D // print and carriage return
	DLE byte = 0x10 // real-time command prefix
	EOT byte = 0x04 // DLE EOT n: transmit real-time status
	ENQ byte = 0x05 // DLE ENQ n: real-time request to printer
	DC4 byte = 0x14 // DLE DC4 fn: real-time drawer pulse, clear buffers, …
	XON byte = 0x11 // flow control: resume sending
	XOF byte = 0x13 // flow control: stop sending (XOFF)
	CAN byte = 0x18 // cancel print data in page mode
	ESC byte = 0x1B
	FS  byte = 0x1C
	GS  byte = 0x1D
	NUL byte = 0x00
)

// Second bytes of ESC sequences.
const (
	EscInit           byte = '@'  // ESC @: initialize printer
	EscPrintMode      byte = '!'  // ESC ! n: select print mode(s)
	EscEmphasize      byte = 'E'  // ESC E n: emphasized on/off
	EscUnderline      byte = '-'  // ESC - n: underline mode
	EscDoubleStrike   byte = 'G'  // ESC G n: double-strike on/off
	EscFont           byte = 'M'  // ESC M n: select character font
	EscJustify        byte = 'a'  // ESC a n: justification
	EscPrintFeedLines byte = 'd'  // ESC d n: print and feed n lines
	EscPrintFeedDots  byte = 'J'  // ESC J n: print and feed n motion units
	EscPrintReverse   byte = 'e'  // ESC e n: print and reverse feed n lines
	EscTabs           byte = 'D'  // ESC D n1…nk NUL: horizontal tab positions
	EscDefaultSpacing byte = '2'  // ESC 2: default line spacing
	EscLineSpacing    byte = '3'  // ESC 3 n: line spacing n motion units
	EscRightSpacing   byte = ' '  // ESC SP n: right-side character spacing
	EscAbsolutePos    byte = '$'  // ESC $ nL nH: absolute print position
	EscRelativePos    byte = '\\' // ESC \ nL nH: relative print position
	EscCodeTable      byte = 't'  // ESC t n: character code table
	EscIntlCharset    byte = 'R'  // ESC R n: international character set
	EscBitImage       byte = '*'  // ESC * m nL nH d…: bit image (column format)
	EscFullCutLegacy  byte = 'i'  // ESC i: full cut (legacy)
	EscPartCutLegacy  byte = 'm'  // ESC m: partial cut (legacy)
	EscPulse          byte = 'p'  // ESC p m t1 t2: drawer kick pulse
	EscPaperSensor    byte = 'c'  // ESC c 3/4/5 n: paper sensors, panel buttons
	EscPeripheral     byte = '='  // ESC = n: select peripheral device
	EscUpsideDown     byte = '{'  // ESC { n: upside-down printing
	EscParen          byte = '('  // ESC ( fn pL pH …: length-prefixed extended commands
)

// Second bytes of GS sequences.
const (
	GsCharSize       byte = '!' // GS ! n: character size (width and height multipliers)
	GsReverse        byte = 'B' // GS B n: white/black reverse
	GsLeftMargin     byte = 'L' // GS L nL nH: left margin
	GsPrintWidth     byte = 'W' // GS W nL nH: print area width
	GsBarcode        byte = 'k' // GS k m …: print barcode
	GsBarcodeHeight  byte = 'h' // GS h n: barcode height in dots
	GsBarcodeWidth   byte = 'w' // GS w n: barcode module width
	GsHRIPosition    byte = 'H' // GS H n: HRI character position
	GsHRIFont        byte = 'f' // GS f n: HRI character font
	GsRaster         byte = 'v' // GS v 0 m xL xH yL yH d…: raster bit image
	GsCut            byte = 'V' // GS V m [n]: select cut mode and cut paper
	GsASB            byte = 'a' // GS a n: enable/disable Automatic Status Back
	GsStatus         byte = 'r' // GS r n: transmit status
	GsPrinterID      byte = 'I' // GS I n: transmit printer ID
	GsParen          byte = '(' // GS ( fn pL pH …: length-prefixed extended commands
	GsMotionUnits    byte = 'P' // GS P x y: horizontal and vertical motion units
	GsGraphics8      byte = '8' // GS 8 L p1 p2 p3 p4 …: graphics with 4-byte length
	GsParenQR        byte = 'k' // GS ( k: 2D symbols (QR: cn = 49)
	GsParenProcessID byte = 'H' // GS ( H: request transmission of response or status (process ID)
	GsParenGraphics  byte = 'L' // GS ( L: graphics
)

// Second bytes of FS sequences (Kanji / Chinese double-byte mode).
const (
	FsKanjiOn        byte = '&' // FS &: select Kanji (double-byte) character mode
	FsKanjiOff       byte = '.' // FS .: cancel Kanji character mode
	FsKanjiPrintMode byte = '!' // FS ! n: print mode for Kanji characters
	FsKanjiCode      byte = 'C' // FS C n: Kanji character code system
	FsKanjiUnderline byte = '-' // FS - n: underline for Kanji characters
	FsKanjiQuad      byte = 'W' // FS W n: quadruple size for Kanji characters
	FsKanjiSpacing   byte = 'S' // FS S n1 n2: Kanji character spacing
	FsParen          byte = '(' // FS ( fn pL pH …: length-prefixed extended commands
)

// QR code functions of GS ( k with cn = 49 ('1').
const (
	QRSymbolQR     byte = 49 // cn for QR Code
	QRFnModel      byte = 65 // fn 'A': select the model
	QRFnModuleSize byte = 67 // fn 'C': set the module size
	QRFnErrorLevel byte = 69 // fn 'E': select the error correction level
	QRFnStore      byte = 80 // fn 'P': store the data in the symbol storage area
	QRFnPrint      byte = 81 // fn 'Q': print the symbol data in the symbol storage area
	QRFnSize       byte = 82 // fn 'R': transmit the size information of the stored data
)

// PDF417 functions of GS ( k with cn = 48 ('0').
const (
	PDF417Symbol      byte = 48 // cn for PDF417
	PDF417FnColumns   byte = 65 // fn 'A': number of data columns (0 automatic, 1–30)
	PDF417FnRows      byte = 66 // fn 'B': number of rows (0 automatic, 3–90)
	PDF417FnModule    byte = 67 // fn 'C': module width in dots (2–8)
	PDF417FnRowHeight byte = 68 // fn 'D': row height in modules (2–8)
	PDF417FnErrorLvl  byte = 69 // fn 'E': error correction level (m 48: level n−48; m 49: ratio n×10 %)
	PDF417FnOptions   byte = 70 // fn 'F': options (0 standard, 1 truncated)
	PDF417FnStore     byte = 80 // fn 'P': store the data in the symbol storage area
	PDF417FnPrint     byte = 81 // fn 'Q': print the symbol data in the symbol storage area
	PDF417FnSize      byte = 82 // fn 'R': transmit the size information of the stored data
)
