package escpos

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// commandBytes pins the byte values of every command the emulator knows:
// each case is written out in hexadecimal from Epson's ESC/POS reference,
// not built from this package's constants, and must decode to exactly the
// command given.
var commandBytes = []struct {
	in   string
	want Command
}{
	{"A", Text{Text: "A"}},
	{"\x0a", LineFeed{}},
	{"\x0d", CarriageReturn{}},
	{"\x09", Tab{}},
	{"\x0c", FormFeed{}},
	{"\x18", Cancel{}},
	{"\x1b\x40", Initialize{}},
	{"\x1b\x32", DefaultLineSpacing{}},
	{"\x1b\x69", LegacyCut{}},
	{"\x1b\x6d", LegacyCut{Partial: true}},
	{"\x1c\x26", KanjiOn{}},
	{"\x1c\x2e", KanjiOff{}},
	{"\x1d\x28\x6b\x03\x00\x31\x51\x30", QRPrint{}},
	{"\x1d\x28\x6b\x03\x00\x31\x52\x30", QRTransmitSize{}},
	{"\x1b\x21\x38", PrintMode{N: 0x38}},
	{"\x1b\x45\x01", Emphasize{On: true}},
	{"\x1b\x2d\x02", Underline{Dots: 2}},
	{"\x1b\x47\x01", DoubleStrike{On: true}},
	{"\x1b\x4d\x01", SelectFont{Font: paper.FontB}},
	{"\x1d\x21\x11", CharSize{Width: 2, Height: 2}},
	{"\x1d\x42\x01", Reverse{On: true}},
	{"\x1b\x61\x02", Justification{Align: paper.Right}},
	{"\x1b\x64\x03", PrintFeedLines{N: 3}},
	{"\x1b\x4a\x28", PrintFeedDots{N: 40}},
	{"\x1b\x65\x02", PrintReverse{N: 2}},
	{"\x1b\x33\x18", LineSpacing{Dots: 24}},
	{"\x1b\x20\x04", RightSpacing{Dots: 4}},
	{"\x1b\x74\x0d", CodeTable{N: 13, Page: "PC857"}},
	{"\x1b\x74\x63", CodeTable{N: 99}},
	{"\x1b\x52\x03", IntlCharset{N: 3}},
	{"\x1b\x7b\x01", UpsideDown{On: true}},
	{"\x1b\x3d\x01", SelectPeripheral{N: 1}},
	{"\x1b\x63\x34\x01", PaperSensor{Which: '4', N: 1}},
	{"\x1d\x68\x50", BarcodeHeight{Dots: 80}},
	{"\x1d\x77\x02", BarcodeWidth{N: 2}},
	{"\x1d\x48\x02", HRIPosition{Pos: paper.HRIBelow}},
	{"\x1d\x66\x01", HRIFont{Font: paper.FontB}},
	{"\x1d\x61\x0f", ASBEnable{Mask: 0x0f}},
	{"\x1d\x72\x01", TransmitStatus{N: 1}},
	{"\x1d\x49\x42", TransmitID{N: 66}},
	{"\x1c\x21\x0c", KanjiPrintMode{N: 0x0c}},
	{"\x1c\x43\x00", KanjiCodeSystem{N: 0}},
	{"\x1c\x2d\x01", KanjiUnderline{Dots: 1}},
	{"\x1c\x57\x01", KanjiQuad{On: true}},
	{"\x1d\x28\x6b\x04\x00\x31\x41\x32\x00", QRModel{Model: 2}},
	{"\x1d\x28\x6b\x03\x00\x31\x43\x06", QRModuleSize{Dots: 6}},
	{"\x1d\x28\x6b\x03\x00\x31\x45\x33", QRErrorLevel{Level: paper.ECLevelH}},
	{"\x1d\x28\x6b\x03\x00\x30\x41\x05", PDF417Columns{N: 5}},
	{"\x1d\x28\x6b\x03\x00\x30\x42\x0a", PDF417Rows{N: 10}},
	{"\x1d\x28\x6b\x03\x00\x30\x43\x04", PDF417Module{Dots: 4}},
	{"\x1d\x28\x6b\x03\x00\x30\x44\x05", PDF417RowHeight{N: 5}},
	{"\x1d\x28\x6b\x04\x00\x30\x45\x30\x33", PDF417ErrorLevel{N: 3}},
	{"\x1d\x28\x6b\x04\x00\x30\x45\x31\x05", PDF417ErrorLevel{Ratio: true, N: 5}},
	{"\x1d\x28\x6b\x03\x00\x30\x46\x01", PDF417Options{Truncated: true}},
	{"\x1d\x28\x6b\x06\x00\x30\x50\x30\x41\x42\x43", PDF417Store{Data: []byte("ABC")}},
	{"\x1d\x28\x6b\x03\x00\x30\x51\x30", PDF417Print{}},
	{"\x1d\x28\x6b\x03\x00\x30\x52\x30", PDF417TransmitSize{}},
	{"\x1b\x24\x2c\x01", AbsolutePosition{Dots: 300}},
	{"\x1b\x5c\xf6\xff", RelativePosition{Dots: -10}},
	{"\x1d\x4c\x10\x00", LeftMargin{Dots: 16}},
	{"\x1d\x57\x00\x02", PrintAreaWidth{Dots: 512}},
	{"\x1d\x50\xb4\xb4", MotionUnits{X: 180, Y: 180}},
	{"\x1b\x44\x08\x10\x00", SetTabs{Columns: []int{8, 16}}},
	{"\x1c\x53\x01\x02", KanjiSpacing{Left: 1, Right: 2}},
	{"\x1b\x70\x00\x19\xfa", DrawerPulse{Pin: 2, OnMS: 50, OffMS: 500}},
	{"\x1d\x56\x00", Cut{Mode: 0}},
	{"\x1d\x56\x31", Cut{Mode: '1', Partial: true}},
	{"\x1d\x56\x42\x10", Cut{Mode: 66, Partial: true, Feed: 16}},
	{"\x1d\x6b\x02\x34\x30\x30\x36\x33\x38\x31\x33\x33\x33\x39\x33\x00", Barcode{M: 2, Symbology: paper.EAN13, Data: []byte("400638133393")}},
	{"\x1d\x6b\x49\x05\x7b\x42\x41\x42\x43", Barcode{M: 73, Symbology: paper.Code128, Data: []byte("{BABC")}},
	{"\x1d\x28\x6b\x06\x00\x31\x50\x30\x61\x62\x63", QRStore{Data: []byte("abc")}},
	{"\x1d\x28\x6b\x03\x00\x35\x41\x00", Symbol2D{CN: 53, FN: 65, Params: []byte{0}}},
	{"\x1d\x76\x30\x00\x01\x00\x02\x00\xff\x81", RasterImage{Mode: 0, WidthBytes: 1, Height: 2, Data: []byte{0xff, 0x81}}},
	{"\x1b\x2a\x21\x01\x00\x80\x00\x01", ColumnImage{Mode: 33, Columns: 1, Data: []byte{0x80, 0x00, 0x01}}},
	{"\x1d\x28\x4c\x02\x00\x30\x32", Graphics{Fn: 50}},
	{"\x1d\x28\x48\x06\x00\x30\x30\x41\x42\x43\x44", ProcessID{ID: [4]byte{'A', 'B', 'C', 'D'}}},
	{"\x1d\x28\x45\x02\x00\x01\x02", Extended{Prefix: 0x1d, Code: '(', Fn: 'E', Len: 2}},
	{"\x1b\x53", Ignored{Prefix: 0x1b, Code: 'S', Len: 2}},
	{"\x1b\x01", Malformed{Offset: 0, Bytes: []byte{0x1b, 0x01}, Reason: "undefined command ESC 0x01"}},
	{"\x10\x04\x01", RealtimeStatus{N: 1}},
	{"\x10\x05\x02", RealtimeRequest{N: 2}},
	{"\x10\x14\x01\x00\x05", RealtimePulse{Pin: 0, Units: 5}},
	{"\x10\x14\x02\x01\x08", RealtimePowerOff{}},
	{"\x10\x14\x03\x01\x02\x03\x04", RealtimeBuzzer{Params: [4]byte{1, 2, 3, 4}}},
	{"\x10\x14\x07\x01", RealtimeASB{M: 1}},
	{"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08", RealtimeClearBuffers{}},
}

func TestCommandBytes(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range commandBytes {
		got := decodeAll([]byte(tc.in), DecoderOptions{})
		if diff := cmp.Diff([]Command{tc.want}, got); diff != "" {
			t.Errorf("% x (-want +got):\n%s", tc.in, diff)
		}
		covered[reflect.TypeOf(tc.want).Name()] = true
	}
	// Every command type of the package (every type with an isCommand
	// method) has a case.
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range pkgs["escpos"].Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Name.Name != "isCommand" || fd.Recv == nil {
				continue
			}
			name := fd.Recv.List[0].Type.(*ast.Ident).Name
			n++
			if !covered[name] {
				t.Errorf("command %s has no case in commandBytes", name)
			}
		}
	}
	if n < 80 {
		t.Errorf("found %d command types, expected more: the parse went wrong", n)
	}
}
