package escpos

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/poshil/hil/emulator/escpos/paper"
)

// fastOpsStream uses every command of the fast path, with parameters in
// and out of range, at the start and in the middle of lines.
func fastOpsStream() []byte {
	var s []byte
	add := func(b ...byte) { s = append(s, b...) }
	text := func(t string) { s = append(s, t...) }
	add(ESC, EscInit)
	text("plain")
	add(LF)
	for _, n := range []byte{0, 1, 2, '1', '2', 3} {
		add(ESC, EscUnderline, n)
		text("u")
	}
	add(ESC, EscEmphasize, 1, ESC, EscDoubleStrike, 1)
	text("bold")
	add(ESC, EscEmphasize, 0, ESC, EscDoubleStrike, 0, LF)
	for _, n := range []byte{0x01, 0x08, 0x10, 0x20, 0x80, 0xB9, 0} {
		add(ESC, EscPrintMode, n)
		text("mode")
	}
	add(LF)
	for _, n := range []byte{0, 1, '0', '1', 2, 4, 5, '9'} { // 5 and '9' are out of range
		add(ESC, EscFont, n)
		text("font")
	}
	add(ESC, EscFont, 0, LF)
	for _, n := range []byte{1, '2', 0, 3} { // 3 is out of range
		add(ESC, EscJustify, n)
		text("justify")
		add(ESC, EscJustify, 2) // mid-line: ignored
		add(LF)
	}
	add(ESC, EscJustify, 0)
	add(ESC, EscRightSpacing, 3)
	text("spaced")
	add(ESC, EscRightSpacing, 0, LF)
	add(ESC, EscLineSpacing, 60)
	text("tall line")
	add(LF, ESC, EscDefaultSpacing)
	text("a")
	add(ESC, EscAbsolutePos, 0x20, 0x01)
	text("b")
	add(ESC, EscAbsolutePos, 0xFF, 0x7F) // beyond the print area: ignored
	text("c")
	add(ESC, EscRelativePos, 0xF0, 0xFF) // -16
	text("d")
	add(ESC, EscRelativePos, 0x00, 0x80) // far left: ignored
	add(HT)
	text("tab")
	add(CR, LF)
	add(ESC, EscUpsideDown, 1)
	text("upside")
	add(ESC, EscUpsideDown, 0, LF)
	for _, n := range []byte{0x00, 0x11, 0x77, 0x01, 0x10, 0x80, 0x08, 0x99} { // 0x80, 0x08 out of range
		add(GS, GsCharSize, n)
		text("size")
	}
	add(GS, GsCharSize, 0, LF)
	add(GS, GsReverse, 1)
	text("reverse")
	add(GS, GsReverse, 0, LF)
	add(ESC, EscPrintFeedDots, 40) // empty line: feed
	text("feed dots")
	add(ESC, EscPrintFeedDots, 50) // prints the line at 50 dots
	add(ESC, EscPrintFeedDots, 0)
	add(ESC, EscPrintFeedLines, 2)
	text("feed lines")
	add(ESC, EscPrintFeedLines, 3)
	text("feed one")
	add(ESC, EscPrintFeedLines, 0)
	add(ESC, EscPrintFeedLines, 0)
	text(string(bytes.Repeat([]byte("0123456789"), 150))) // wraps, longer than one text run
	add(LF)
	text("del\x7f and code page \x82\xe9")
	add(LF)
	add(FS, FsKanjiOn)
	text("kanji \xc4\xe3\xba\xc3 ascii")
	add(LF, FS, FsKanjiOff)
	add(ESC, EscPeripheral, 0)
	text("deselected")
	add(LF, ESC, EscPeripheral, 1)
	text("selected")
	add(LF, GS, GsCut, 66, 3)
	text("after the cut")
	add(LF, CAN, DLE, EOT, 1)
	text("no terminator")
	return s
}

// printChunked prints data written in pieces of chunk bytes, with an EndJob
// after the first half when endJob is set (a client going away), and returns the receipts; slow
// registers an event hook, which turns the fast path off.
func printChunked(t *testing.T, prof string, data []byte, chunk int, endJob, slow bool) []*paper.Receipt {
	t.Helper()
	p, err := NewPrinter(Options{Profile: prof})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if slow {
		p.OnEvent(func(Event) {})
	}
	half := len(data) / 2
	for i := 0; i < len(data); i += chunk {
		end := min(i+chunk, len(data))
		if endJob && i < half && end >= half {
			p.Write(data[i:half])
			p.EndJob()
			// The next client comes once this one's data has been
			// processed (otherwise where its receipt ends depends on timing).
			if err := p.WaitIdle(context.Background()); err != nil && !errors.Is(err, ErrOffline) {
				t.Fatal(err)
			}
			if half < end {
				p.Write(data[half:end])
			}
			continue
		}
		p.Write(data[i:end])
	}
	p.EndJob()
	if err := p.WaitIdle(context.Background()); err != nil && !errors.Is(err, ErrOffline) {
		t.Fatal(err)
	}
	return p.Receipts()
}

func TestFastPathPrintsAsCommandPath(t *testing.T) {
	streams := []struct {
		name string
		data []byte
	}{
		{"text-heavy", textHeavy(90)},
		{"fast-ops", fastOpsStream()},
	}
	for _, s := range streams {
		for _, prof := range []string{"tm-t88", "zh-80", "generic-58"} {
			for _, chunk := range []int{len(s.data), 4096, 7, 1} {
				for _, endJob := range []bool{false, true} {
					slow := printChunked(t, prof, s.data, chunk, endJob, true)
					fast := printChunked(t, prof, s.data, chunk, endJob, false)
					if len(slow) == 0 {
						t.Fatalf("%s: nothing printed", s.name)
					}
					if diff := cmp.Diff(slow, fast); diff != "" {
						t.Fatalf("%s on %s in %d-byte writes (EndJob mid-stream %v): fast path differs (-command path +fast path):\n%s",
							s.name, prof, chunk, endJob, diff)
					}
				}
			}
		}
	}
}
