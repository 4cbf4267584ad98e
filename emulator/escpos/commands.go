package escpos

import "github.com/poshil/hil/pkg/escposcmd"

// The command bytes of ESC/POS, from the vocabulary the client and the
// emulator share (pkg/escposcmd), under the names the decoder has always
// used. TestCommandNamesAreTheVocabulary keeps the two lists in step.
const (
	HT                = escposcmd.HT
	LF                = escposcmd.LF
	FF                = escposcmd.FF
	CR                = escposcmd.CR
	DLE               = escposcmd.DLE
	EOT               = escposcmd.EOT
	ENQ               = escposcmd.ENQ
	DC4               = escposcmd.DC4
	XON               = escposcmd.XON
	XOF               = escposcmd.XOF
	CAN               = escposcmd.CAN
	ESC               = escposcmd.ESC
	FS                = escposcmd.FS
	GS                = escposcmd.GS
	NUL               = escposcmd.NUL
	EscInit           = escposcmd.EscInit
	EscPrintMode      = escposcmd.EscPrintMode
	EscEmphasize      = escposcmd.EscEmphasize
	EscUnderline      = escposcmd.EscUnderline
	EscDoubleStrike   = escposcmd.EscDoubleStrike
	EscFont           = escposcmd.EscFont
	EscJustify        = escposcmd.EscJustify
	EscPrintFeedLines = escposcmd.EscPrintFeedLines
	EscPrintFeedDots  = escposcmd.EscPrintFeedDots
	EscPrintReverse   = escposcmd.EscPrintReverse
	EscTabs           = escposcmd.EscTabs
	EscDefaultSpacing = escposcmd.EscDefaultSpacing
	EscLineSpacing    = escposcmd.EscLineSpacing
	EscRightSpacing   = escposcmd.EscRightSpacing
	EscAbsolutePos    = escposcmd.EscAbsolutePos
	EscRelativePos    = escposcmd.EscRelativePos
	EscCodeTable      = escposcmd.EscCodeTable
	EscIntlCharset    = escposcmd.EscIntlCharset
	EscBitImage       = escposcmd.EscBitImage
	EscFullCutLegacy  = escposcmd.EscFullCutLegacy
	EscPartCutLegacy  = escposcmd.EscPartCutLegacy
	EscPulse          = escposcmd.EscPulse
	EscPaperSensor    = escposcmd.EscPaperSensor
	EscPeripheral     = escposcmd.EscPeripheral
	EscUpsideDown     = escposcmd.EscUpsideDown
	EscParen          = escposcmd.EscParen
	GsCharSize        = escposcmd.GsCharSize
	GsReverse         = escposcmd.GsReverse
	GsLeftMargin      = escposcmd.GsLeftMargin
	GsPrintWidth      = escposcmd.GsPrintWidth
	GsBarcode         = escposcmd.GsBarcode
	GsBarcodeHeight   = escposcmd.GsBarcodeHeight
	GsBarcodeWidth    = escposcmd.GsBarcodeWidth
	GsHRIPosition     = escposcmd.GsHRIPosition
	GsHRIFont         = escposcmd.GsHRIFont
	GsRaster          = escposcmd.GsRaster
	GsCut             = escposcmd.GsCut
	GsASB             = escposcmd.GsASB
	GsStatus          = escposcmd.GsStatus
	GsPrinterID       = escposcmd.GsPrinterID
	GsParen           = escposcmd.GsParen
	GsMotionUnits     = escposcmd.GsMotionUnits
	GsGraphics8       = escposcmd.GsGraphics8
	GsParenQR         = escposcmd.GsParenQR
	GsParenProcessID  = escposcmd.GsParenProcessID
	GsParenGraphics   = escposcmd.GsParenGraphics
	FsKanjiOn         = escposcmd.FsKanjiOn
	FsKanjiOff        = escposcmd.FsKanjiOff
	FsKanjiPrintMode  = escposcmd.FsKanjiPrintMode
	FsKanjiCode       = escposcmd.FsKanjiCode
	FsKanjiUnderline  = escposcmd.FsKanjiUnderline
	FsKanjiQuad       = escposcmd.FsKanjiQuad
	FsKanjiSpacing    = escposcmd.FsKanjiSpacing
	FsParen           = escposcmd.FsParen
	QRSymbolQR        = escposcmd.QRSymbolQR
	QRFnModel         = escposcmd.QRFnModel
	QRFnModuleSize    = escposcmd.QRFnModuleSize
	QRFnErrorLevel    = escposcmd.QRFnErrorLevel
	QRFnStore         = escposcmd.QRFnStore
	QRFnPrint         = escposcmd.QRFnPrint
	QRFnSize          = escposcmd.QRFnSize
	PDF417Symbol      = escposcmd.PDF417Symbol
	PDF417FnColumns   = escposcmd.PDF417FnColumns
	PDF417FnRows      = escposcmd.PDF417FnRows
	PDF417FnModule    = escposcmd.PDF417FnModule
	PDF417FnRowHeight = escposcmd.PDF417FnRowHeight
	PDF417FnErrorLvl  = escposcmd.PDF417FnErrorLvl
	PDF417FnOptions   = escposcmd.PDF417FnOptions
	PDF417FnStore     = escposcmd.PDF417FnStore
	PDF417FnPrint     = escposcmd.PDF417FnPrint
	PDF417FnSize      = escposcmd.PDF417FnSize
)
