package escpos

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// decodeAll decodes b in one piece and flushes the end.
func decodeAll(b []byte, opts DecoderOptions) []Command {
	d := NewDecoder(opts)
	var out []Command
	d.Decode(b, func(c Command) { out = append(out, c) })
	d.Flush()
	for c, ok := d.Next(); ok; c, ok = d.Next() {
		out = append(out, c)
	}
	return out
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func b(v ...byte) []byte { return v }

func TestDecodeCommands(t *testing.T) {
	raster := cat(b(GS, GsRaster, '0', 0, 2, 0, 3, 0), b(0xFF, 0x00, 0x81, 0x42, 0x3C, 0xAA))
	tests := []struct {
		name string
		in   []byte
		want []Command
	}{
		{"ESC @", b(ESC, EscInit), []Command{Initialize{}}},
		{"ESC ! n", b(ESC, EscPrintMode, 0x39), []Command{PrintMode{N: 0x39}}},
		{"ESC E n", b(ESC, EscEmphasize, 1, ESC, EscEmphasize, 0), []Command{Emphasize{On: true}, Emphasize{}}},
		{"ESC - n", b(ESC, EscUnderline, 2, ESC, EscUnderline, '1', ESC, EscUnderline, 0), []Command{Underline{Dots: 2}, Underline{Dots: 1}, Underline{}}},
		{"ESC G n", b(ESC, EscDoubleStrike, 1), []Command{DoubleStrike{On: true}}},
		{"ESC M n", b(ESC, EscFont, 1, ESC, EscFont, '0'), []Command{SelectFont{Font: paper.FontB}, SelectFont{Font: paper.FontA}}},
		{"GS ! n", b(GS, GsCharSize, 0x11, GS, GsCharSize, 0x70), []Command{CharSize{Width: 2, Height: 2}, CharSize{Width: 8, Height: 1}}},
		{"GS B n", b(GS, GsReverse, 1), []Command{Reverse{On: true}}},
		{"ESC a n", b(ESC, EscJustify, 1, ESC, EscJustify, '2'), []Command{Justification{Align: paper.Center}, Justification{Align: paper.Right}}},
		{"ESC d n", b(ESC, EscPrintFeedLines, 3), []Command{PrintFeedLines{N: 3}}},
		{"ESC J n", b(ESC, EscPrintFeedDots, 40), []Command{PrintFeedDots{N: 40}}},
		{"ESC e n", b(ESC, EscPrintReverse, 1), []Command{PrintReverse{N: 1}}},
		{"LF CR HT FF CAN", b(LF, CR, HT, FF, CAN), []Command{LineFeed{}, CarriageReturn{}, Tab{}, FormFeed{}, Cancel{}}},
		{"ESC D", b(ESC, EscTabs, 8, 16, 24, NUL), []Command{SetTabs{Columns: []int{8, 16, 24}}}},
		{"ESC D non-ascending ends", b(ESC, EscTabs, 8, 4, NUL), nil},
		{"ESC 2 / ESC 3 n", b(ESC, EscDefaultSpacing, ESC, EscLineSpacing, 24), []Command{DefaultLineSpacing{}, LineSpacing{Dots: 24}}},
		{"ESC SP n", b(ESC, EscRightSpacing, 2), []Command{RightSpacing{Dots: 2}}},
		{"ESC $ / ESC \\", b(ESC, EscAbsolutePos, 0x2C, 0x01, ESC, EscRelativePos, 0xF6, 0xFF), []Command{AbsolutePosition{Dots: 300}, RelativePosition{Dots: -10}}},
		{"GS L / GS W", b(GS, GsLeftMargin, 16, 0, GS, GsPrintWidth, 0x00, 0x02), []Command{LeftMargin{Dots: 16}, PrintAreaWidth{Dots: 512}}},
		{"GS P", b(GS, GsMotionUnits, 180, 180), []Command{MotionUnits{X: 180, Y: 180}}},
		{"ESC t / ESC R", b(ESC, EscCodeTable, 16, ESC, EscIntlCharset, 15), []Command{CodeTable{N: 16, Page: "WPC1252"}, IntlCharset{N: 15}}},
		{"FS & . ! C - W S", b(FS, FsKanjiOn, FS, FsKanjiPrintMode, 0x0C, FS, FsKanjiCode, 0, FS, FsKanjiUnderline, 1, FS, FsKanjiQuad, 1, FS, FsKanjiSpacing, 1, 2, FS, FsKanjiOff),
			[]Command{KanjiOn{}, KanjiPrintMode{N: 0x0C}, KanjiCodeSystem{N: 0}, KanjiUnderline{Dots: 1}, KanjiQuad{On: true}, KanjiSpacing{Left: 1, Right: 2}, KanjiOff{}}},
		{"GS k form A", cat(b(GS, GsBarcode, 2), []byte("4006381333931"), b(NUL)), []Command{Barcode{M: 2, Symbology: paper.EAN13, Data: []byte("4006381333931")}}},
		{"GS k form A all", cat(b(GS, GsBarcode, 0), []byte("01234567890"), b(NUL, GS, GsBarcode, 1), []byte("0123456"), b(NUL, GS, GsBarcode, 3), []byte("1234567"), b(NUL, GS, GsBarcode, 4), []byte("ABC-1"), b(NUL, GS, GsBarcode, 5), []byte("1234"), b(NUL, GS, GsBarcode, 6), []byte("A123B"), b(NUL)),
			[]Command{
				Barcode{M: 0, Symbology: paper.UPCA, Data: []byte("01234567890")},
				Barcode{M: 1, Symbology: paper.UPCE, Data: []byte("0123456")},
				Barcode{M: 3, Symbology: paper.EAN8, Data: []byte("1234567")},
				Barcode{M: 4, Symbology: paper.Code39, Data: []byte("ABC-1")},
				Barcode{M: 5, Symbology: paper.ITF, Data: []byte("1234")},
				Barcode{M: 6, Symbology: paper.Codabar, Data: []byte("A123B")},
			}},
		{"GS k form B", cat(b(GS, GsBarcode, 73, 6), []byte("{BAB12"), b(GS, GsBarcode, 72, 3), []byte("XYZ"), b(GS, GsBarcode, 74, 2), []byte("12")),
			[]Command{
				Barcode{M: 73, Symbology: paper.Code128, Data: []byte("{BAB12")},
				Barcode{M: 72, Symbology: paper.Code93, Data: []byte("XYZ")},
				Barcode{M: 74, Symbology: paper.GS1128, Data: []byte("12")},
			}},
		{"GS h w H f", b(GS, GsBarcodeHeight, 80, GS, GsBarcodeWidth, 2, GS, GsHRIPosition, '2', GS, GsHRIFont, 1),
			[]Command{BarcodeHeight{Dots: 80}, BarcodeWidth{N: 2}, HRIPosition{Pos: paper.HRIBelow}, HRIFont{Font: paper.FontB}}},
		{"GS ( k QR", cat(
			b(GS, GsParen, GsParenQR, 4, 0, QRSymbolQR, QRFnModel, 50, 0),
			b(GS, GsParen, GsParenQR, 3, 0, QRSymbolQR, QRFnModuleSize, 6),
			b(GS, GsParen, GsParenQR, 3, 0, QRSymbolQR, QRFnErrorLevel, 49),
			b(GS, GsParen, GsParenQR, 8, 0, QRSymbolQR, QRFnStore, 48), []byte("hello"),
			b(GS, GsParen, GsParenQR, 3, 0, QRSymbolQR, QRFnPrint, 48),
			b(GS, GsParen, GsParenQR, 3, 0, QRSymbolQR, QRFnSize, 48),
			b(GS, GsParen, GsParenQR, 3, 0, 48, 65, 0)),
			[]Command{QRModel{Model: 2}, QRModuleSize{Dots: 6}, QRErrorLevel{Level: paper.ECLevelM}, QRStore{Data: []byte("hello")}, QRPrint{}, QRTransmitSize{}, PDF417Columns{N: 0}}},
		{"GS v 0", raster, []Command{RasterImage{Mode: 0, WidthBytes: 2, Height: 3, Data: b(0xFF, 0x00, 0x81, 0x42, 0x3C, 0xAA)}}},
		{"ESC * 8-dot", b(ESC, EscBitImage, 1, 2, 0, 0x80, 0x01), []Command{ColumnImage{Mode: 1, Columns: 2, Data: b(0x80, 0x01)}}},
		{"ESC * 24-dot", b(ESC, EscBitImage, 33, 1, 0, 1, 2, 3), []Command{ColumnImage{Mode: 33, Columns: 1, Data: b(1, 2, 3)}}},
		{"GS ( L store and print", cat(b(GS, GsParen, GsParenGraphics, 11, 0, 48, 112, 48, 1, 1, 49, 8, 0, 1, 0, 0xF0), b(GS, GsParen, GsParenGraphics, 2, 0, 48, 50)),
			[]Command{Graphics{Fn: 112, Params: b(48, 1, 1, 49, 8, 0, 1, 0, 0xF0)}, Graphics{Fn: 50, Params: b()}}},
		{"GS 8 L", b(GS, GsGraphics8, 'L', 2, 0, 0, 0, 48, 50), []Command{Graphics{Fn: 50, Params: b()}}},
		{"GS V all forms", b(GS, GsCut, 0, GS, GsCut, '1', GS, GsCut, 65, 3, GS, GsCut, 66, 0, GS, GsCut, 97, 5, GS, GsCut, 104, 1),
			[]Command{Cut{Mode: 0}, Cut{Mode: '1', Partial: true}, Cut{Mode: 65, Feed: 3}, Cut{Mode: 66, Partial: true}, Cut{Mode: 97, Feed: 5}, Cut{Mode: 104, Partial: true, Feed: 1}}},
		{"ESC i / ESC m", b(ESC, EscFullCutLegacy, ESC, EscPartCutLegacy), []Command{LegacyCut{}, LegacyCut{Partial: true}}},
		{"ESC p", b(ESC, EscPulse, 0, 25, 250, ESC, EscPulse, '1', 50, 50), []Command{DrawerPulse{Pin: 2, OnMS: 50, OffMS: 500}, DrawerPulse{Pin: 5, OnMS: 100, OffMS: 100}}},
		{"GS a r I", b(GS, GsASB, 0x0F, GS, GsStatus, 1, GS, GsPrinterID, 67), []Command{ASBEnable{Mask: 0x0F}, TransmitStatus{N: 1}, TransmitID{N: 67}}},
		{"GS ( H", b(GS, GsParen, GsParenProcessID, 6, 0, 48, 48, 'R', 'C', 'P', '1'), []Command{ProcessID{ID: [4]byte{'R', 'C', 'P', '1'}}}},
		{"ESC c 4 / ESC = / ESC {", b(ESC, EscPaperSensor, '4', 3, ESC, EscPeripheral, 1, ESC, EscUpsideDown, 1), []Command{PaperSensor{Which: '4', N: 3}, SelectPeripheral{N: 1}, UpsideDown{On: true}}},
		{"DLE EOT 1-4", b(DLE, EOT, 1, DLE, EOT, 2, DLE, EOT, 3, DLE, EOT, 4), []Command{RealtimeStatus{N: 1}, RealtimeStatus{N: 2}, RealtimeStatus{N: 3}, RealtimeStatus{N: 4}}},
		{"DLE ENQ", b(DLE, ENQ, 1, DLE, ENQ, 2), []Command{RealtimeRequest{N: 1}, RealtimeRequest{N: 2}}},
		{"DLE DC4 1 / 8", cat(b(DLE, DC4, 1, 0, 3), clearBuffersSeq[:]), []Command{RealtimePulse{Pin: 0, Units: 3}, RealtimeClearBuffers{}}},
		{"DLE DC4 2 3 7", b(DLE, DC4, 2, 1, 8, DLE, DC4, 3, 1, 2, 3, 4, DLE, DC4, 7, 1), []Command{RealtimePowerOff{}, RealtimeBuzzer{Params: [4]byte{1, 2, 3, 4}}, RealtimeASB{M: 1}}},
		{"unknown ESC ( skipped by length", cat(b(ESC, EscParen, 'A', 4, 0, 48, 1, 2, 3), []byte("ok\n")), []Command{Extended{Prefix: ESC, Code: '(', Fn: 'A', Len: 4}, Text{Text: "ok"}, LineFeed{}}},
		{"unknown GS ( E skipped by length", cat(b(GS, GsParen, 'E', 3, 0, 1, 2, 3), []byte("x")), []Command{Extended{Prefix: GS, Code: '(', Fn: 'E', Len: 3}, Text{Text: "x"}}},
		{"unknown FS ( skipped", b(FS, FsParen, 'e', 2, 0, 51, 2), []Command{Extended{Prefix: FS, Code: '(', Fn: 'e', Len: 2}}},
		{"GS 8 L unknown m", b(GS, GsGraphics8, 'L', 3, 0, 0, 0, 49, 1, 2), []Command{Extended{Prefix: GS, Code: '8', Fn: 'L', Len: 3}}},
		{"ignored known commands", b(ESC, 'V', 1, GS, 'b', 1, FS, 'p', 1, 0), []Command{Ignored{Prefix: ESC, Code: 'V', Len: 3}, Ignored{Prefix: GS, Code: 'b', Len: 3}, Ignored{Prefix: FS, Code: 'p', Len: 4}}},
		{"text PC437", cat([]byte("Caf"), b(0x82, LF)), []Command{Text{Text: "Café"}, LineFeed{}}},
		{"text WPC1252", cat(b(ESC, EscCodeTable, 16), []byte("5 "), b(0x80, LF)), []Command{CodeTable{N: 16, Page: "WPC1252"}, Text{Text: "5 €"}, LineFeed{}}},
		{"text at end without LF", []byte("tail"), []Command{Text{Text: "tail"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeAll(tc.in, DecoderOptions{})
			want := tc.want
			if tc.name == "ESC D non-ascending ends" {
				want = []Command{SetTabs{Columns: []int{8}}, Malformed{Offset: 3, Bytes: b(4), Reason: "undefined control code 0x04"}, Malformed{Offset: 4, Bytes: b(0), Reason: "undefined control code 0x00"}}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("decode % x (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestDecodeGB18030(t *testing.T) {
	// 中文 (2-byte GB18030), € (2-byte A2E3 in GB18030), 𠀀 U+20000 (4-byte 95 32 82 36).
	in := cat(b(FS, FsKanjiOn), b(0xD6, 0xD0, 0xCE, 0xC4), []byte("A"), b(0x95, 0x32, 0x82, 0x36, LF, FS, FsKanjiOff), b(0xD6, LF))
	got := decodeAll(in, DecoderOptions{})
	want := []Command{KanjiOn{}, Text{Text: "中文A\U00020000", Kanji: true}, LineFeed{}, KanjiOff{}, Text{Text: "╓"}, LineFeed{}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// A printer that starts in double-byte mode returns to it on ESC @.
	got = decodeAll(cat(b(FS, FsKanjiOff, ESC, EscInit), b(0xD6, 0xD0, LF)), DecoderOptions{Kanji: true})
	want = []Command{KanjiOff{}, Initialize{}, Text{Text: "中", Kanji: true}, LineFeed{}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after ESC @ (-want +got):\n%s", diff)
	}
}

func TestDecodeMalformed(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []Command
	}{
		{"unknown ESC", cat(b(ESC, 0x01), []byte("A\n")), []Command{Malformed{Offset: 0, Bytes: b(ESC, 0x01), Reason: "undefined command ESC 0x01"}, Text{Text: "A"}, LineFeed{}}},
		{"GS k bad symbology", cat([]byte("x\n"), b(GS, GsBarcode, 99), []byte("y\n")), []Command{Text{Text: "x"}, LineFeed{}, Malformed{Offset: 2, Bytes: b(GS, GsBarcode, 99), Reason: "GS k symbology 99 out of range"}, Text{Text: "y"}, LineFeed{}}},
		{"DLE EOT 9", b(DLE, EOT, 9, LF), []Command{Malformed{Offset: 0, Bytes: b(DLE, EOT, 9), Reason: "invalid real-time command parameters"}, LineFeed{}}},
		{"truncated raster", b(GS, GsRaster, '0', 0, 1, 0, 5, 0, 0xFF), []Command{Malformed{Offset: 0, Bytes: b(GS, GsRaster, '0', 0, 1, 0, 5, 0, 0xFF), Reason: "truncated command (9 of 13 bytes)"}}},
		{"oversized raster skipped", cat(b(GS, GsRaster, '0', 0, 0xFF, 0xFF, 0xFF, 0xFF)), []Command{Malformed{Offset: 0, Bytes: b(GS, GsRaster, '0', 0, 0xFF, 0xFF, 0xFF, 0xFF), Reason: "GS v 0 image of 4294836225 bytes exceeds the 1048576-byte limit"}}},
		{"QR module size 0", b(GS, GsParen, GsParenQR, 3, 0, 49, 67, 0), []Command{Malformed{Offset: 0, Bytes: b(GS, GsParen, GsParenQR, 3, 0, 49, 67, 0), Reason: "GS ( k QR module size out of range 1–16"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decodeAll(tc.in, DecoderOptions{})
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// A real-time command inside image data is reported where its last byte
// is, and the image keeps every byte.
func TestDecodeRealtimeInsideData(t *testing.T) {
	data := b(0x10, 0x04, 0x01, 0xAA)
	in := cat(b(GS, GsRaster, '0', 0, 1, 0, 4, 0), data, []byte("A\n"))
	got := decodeAll(in, DecoderOptions{})
	want := []Command{RealtimeStatus{N: 1}, RasterImage{WidthBytes: 1, Height: 4, Data: data}, Text{Text: "A"}, LineFeed{}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Byte at a time, the real-time command comes out before the image is complete.
	d := NewDecoder(DecoderOptions{})
	var seen []Command
	for i, c := range in {
		d.Write([]byte{c})
		for cmd, ok := d.Next(); ok; cmd, ok = d.Next() {
			seen = append(seen, cmd)
			if _, rt := cmd.(RealtimeStatus); rt && i != 10 {
				t.Errorf("DLE EOT 1 reported after byte %d, want 10", i)
			}
		}
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("byte at a time (-want +got):\n%s", diff)
	}
	// ESC 3 followed by DLE EOT 3: ESC 3 takes 0x10 as its parameter, and
	// the real-time command is still executed. Commands come out in the
	// order of their last byte.
	got = decodeAll(b(ESC, EscLineSpacing, DLE, EOT, 3), DecoderOptions{})
	want = []Command{LineSpacing{Dots: 0x10}, Malformed{Offset: 3, Bytes: b(EOT), Reason: "undefined control code 0x04"}, RealtimeStatus{N: 3}, Malformed{Offset: 4, Bytes: b(3), Reason: "undefined control code 0x03"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ESC 3 DLE EOT 3 (-want +got):\n%s", diff)
	}
}

func TestDecodeNoRealtime(t *testing.T) {
	got := decodeAll(b(DLE, EOT, 1, 'A', LF), DecoderOptions{NoRealtime: true})
	want := []Command{Text{Text: "A"}, LineFeed{}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDecodeLongTextSplits(t *testing.T) {
	in := bytes.Repeat([]byte("x"), 2*maxTextRun+10)
	got := decodeAll(append(in, LF), DecoderOptions{})
	if len(got) != 4 {
		t.Fatalf("got %d commands, want 3 text pieces and LF", len(got))
	}
	total := 0
	for _, c := range got[:3] {
		total += len(c.(Text).Text)
	}
	if total != len(in) {
		t.Errorf("text pieces hold %d bytes, want %d", total, len(in))
	}
}

func TestCommandStrings(t *testing.T) {
	for _, c := range []Command{Text{Text: "a"}, Cut{Mode: 66, Partial: true, Feed: 3}, Malformed{Offset: 7, Bytes: b(ESC, 1), Reason: "r"}, RealtimeStatus{N: 2}, Barcode{M: 73, Symbology: paper.Code128, Data: []byte("{B1")}} {
		if c.String() == "" {
			t.Errorf("%T has an empty String", c)
		}
	}
	if got, want := (Cut{Mode: 66, Partial: true, Feed: 3}).String(), "GS V 66 (feed 3, partial cut)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

func TestTextLen(t *testing.T) {
	for n := 0; n < 40; n++ {
		for _, c := range []byte{0x00, 0x0A, 0x1F} {
			for _, fill := range []byte{'a', 0x20, 0x7F, 0x80, 0xFF, 0xA0} {
				b := bytes.Repeat([]byte{fill}, 40)
				want := 40
				if n < 40 {
					b[n] = c
					want = n
				}
				if got := textLen(b); got != want {
					t.Fatalf("textLen(fill %#02x, %#02x at %d) = %d, want %d", fill, c, n, got, want)
				}
			}
		}
	}
}
