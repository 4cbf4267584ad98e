package escpos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
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

// TestPrintedLinesKeepTheirText: printed lines share storage blocks with the
// line being assembled after them, so a line dropped half-built (ESC @,
// DLE DC4 8), a wrapped line, or thousands of later lines must never
// change the text of a line already on the paper.
func TestPrintedLinesKeepTheirText(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	texts := func(r *paper.Receipt) []string {
		var out []string
		for _, e := range r.Elements {
			if l, ok := e.(*paper.Line); ok {
				for _, run := range l.Runs {
					out = append(out, strings.Clone(run.Text))
				}
			}
		}
		return out
	}
	cut := b(GS, GsCut, 0)
	clearBuffers := b(DLE, DC4, 8, 1, 3, 20, 1, 6, 2, 8)
	var first []string
	steps := [][]byte{
		cat([]byte("first line\n"), b(ESC, EscEmphasize, 1), []byte("bold"), b(ESC, EscEmphasize, 0), []byte(" plain\n")),
		[]byte("dropped by ESC @"), b(ESC, EscInit),
		[]byte("dropped by DLE DC4 8"), clearBuffers,
		cat(bytes.Repeat([]byte("wrap"), 40), []byte("\n"), cut),
	}
	for _, s := range steps {
		send(t, p, out, s)
	}
	r1 := p.Receipts()[0]
	first = texts(r1)
	want := []string{"first line", "bold", " plain"}
	for i := 0; i < 160; i += 48 {
		want = append(want, strings.Repeat("wrap", 40)[i:min(i+48, 160)])
	}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Fatalf("first receipt (-want +got):\n%s", diff)
	}
	for i := range 3000 {
		send(t, p, out, fmt.Appendf(nil, "later %d ", i), b(ESC, EscEmphasize, byte(i%2)), []byte("xxxxxxxxxxxxxxxxxxxx"))
		switch i % 3 {
		case 0:
			send(t, p, out, []byte("\n"))
		case 1:
			send(t, p, out, b(ESC, EscInit))
		case 2:
			send(t, p, out, clearBuffers)
		}
	}
	if diff := cmp.Diff(first, texts(r1)); diff != "" {
		t.Errorf("first receipt changed by later printing (-before +after):\n%s", diff)
	}
}
