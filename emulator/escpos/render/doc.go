// Package render draws what the emulated printer put on paper (a
// paper.Receipt) as plain text, as a dot-accurate 1-bit PNG, or as a
// self-contained HTML page.
//
// The three renderers read the same laid-out model, so they agree: a run of
// text starts at the dot where the printer placed it, whatever justification,
// margins and tabs did to it.
//
// # Text
//
// Text and AppendText give one line of text per printed line, characters
// placed by column (a run's X divided by its cell width plus spacing), the
// characters of a run together whatever their magnification ("TOTAL 12.50"
// at double width reads "TOTAL 12.50"), followed by spaces for the columns
// the run takes on paper beyond those written (a double-width character
// takes two, a double-byte or CJK character two, four at double width),
// runs in the order of their columns, and marker lines for what is not text:
//
//	[IMAGE 200x120]
//	[BARCODE EAN13] 4006381333931
//	[QR] https://r.example.com/000412
//	[PDF417] RCPT 000412
//	[DRAWER 2]
//	[CUT] or [PARTIAL CUT]
//
// Blank feeds give empty lines (one per line height), trailing spaces are
// trimmed, and control characters in barcode and QR data are written as
// \xNN. AppendText writes into a caller's buffer and does not allocate when
// the buffer is large enough, so that scenario checks on large jobs stay
// fast.
//
// # PNG
//
// PNG (and Image, which returns the picture) draw the paper one pixel a dot,
// r.Width dots across: text with the embedded GNU Unifont glyphs scaled into
// each font's cell (8×16 into Font A's 12×24 is an exact 3:2, so strokes stay
// crisp; CJK ideographs from Unifont's 16×16 glyphs into 24×24), magnified
// up to 8×8, bold, underlined (1 or 2 dots), reversed and upside down; bit
// images dot for dot; barcodes (UPC-A, UPC-E, EAN13, EAN8, CODE39, ITF,
// CODABAR, CODE93, CODE128, GS1-128, GS1 DataBar) module by module with
// their human-readable text (CODE39, ITF and CODABAR with narrow and wide
// elements per Epson's GS w table, see BarcodeWidth); QR codes module by
// module at their error correction level; PDF417 symbols (encoded here,
// pdf417.go, after ISO/IEC 15438) in the host's columns and rows. No other
// 2-D symbol is drawn. The output is a paletted PNG of bit depth 1. Glyph
// bitmaps are scaled once and cached; pixel buffers are pooled.
//
// Symbols are placed by their justification within their print area, as
// the printer places them. The quiet zone round a symbol is the paper
// round it: a barcode justified to the left margin of a 576-dot profile
// touches the picture's left edge, as it touches the printable area's edge
// on paper. Data a symbology cannot encode leaves the symbol's space blank,
// as a printer leaves it; Modules and QRModules report why with a
// SymbolError.
//
// # GS1 DataBar
//
// The GS1 DataBar symbols of GS k 75–78 are encoded here, following ISO/IEC
// 24724:2011 (databar.go), as single rows without quiet zones:
//
//   - Omnidirectional (96 modules) and Truncated, the same row, which the
//     printer prints GS h dots high like every barcode. Data: a GTIN of 13
//     digits (the check digit is added) or 14 (it is checked), without the
//     AI. Interpretation: "(01)" and the 14 digits.
//   - Limited (79 modules, the last five light, as the 2011 edition has
//     it): the same data, first digit 0 or 1.
//   - Expanded, single row (4 to 22 symbol characters, up to 543 modules;
//     not the stacked variant): the element string with each application
//     identifier in parentheses, "(01)09501101530003(17)140704(10)AB-123",
//     which is also the interpretation. AIs are 2–4 digits; AIs with a
//     predefined length (00–04, 11–20, 31–36, 41x) need data of that
//     length, all digits, and (01) its right check digit; other data may
//     hold the characters Expanded encodes, digits, letters and
//     ! " % & ' * + , - . / : ; < = > ? _ and space, but no parentheses.
//     AIs are not checked against the GS1 list. Every encodation method of
//     ISO/IEC 24724:2011 7.2.5.4 is used where it applies (the compressed
//     forms for (01) with (310x), (320x), (392x), (393x) and dates), and
//     data past 21 data characters is refused.
//
// The tests compare the module patterns with published ones (the ISO/IEC
// 24724 and GS1 General Specifications figures, zint's test suite), with
// zint where it is installed, and read Omnidirectional back with gozxing
// and Expanded with zbar where that is installed.
//
// # HTML
//
// HTML writes a page with inline CSS that shows the roll r.Width pixels
// wide, text in monospace cells at the printer's positions and styles,
// pictures as data: PNG URIs, cuts as dashed tear lines and drawer pulses as
// notes. It loads nothing from the network.
//
// # Font
//
// The glyphs are a subset of GNU Unifont 15 (SIL Open Font License 1.1; see
// fontdata/LICENSE): Latin (Extended-A, -B and Additional), combining
// marks, Greek, Cyrillic, Hebrew, Arabic and its presentation forms,
// punctuation, currency, mathematical and technical symbols, box drawing,
// block elements, geometric shapes and miscellaneous symbols, CJK symbols,
// the CJK Unified Ideographs U+4E00–U+9FFF and the halfwidth and fullwidth
// forms: every character of every code page of the printer profiles
// (HasGlyph; checked by the escpos tests). No system font is used. `go generate`
// rebuilds fontdata/unifont.bin.gz from /usr/share/unifont/unifont.hex
// (Debian package unifont) with internal/fontgen. A character outside the
// subset is drawn as U+FFFD.
//
// # Errors
//
// The renderers draw whatever the receipt holds and fail only when the
// writer fails: a WriteError, which matches ErrWrite and the writer's own
// error with errors.Is.
package render
