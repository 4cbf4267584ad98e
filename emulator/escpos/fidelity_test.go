package escpos

import (
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
)

// The tests of this file print hand-written bytes, as a client sends them,
// and check what comes out (issue 13: printing fidelity).

// printJob prints data as one job (the client then goes away) and returns
// the receipts it made.
func printJob(t *testing.T, profile string, data string) []*paper.Receipt {
	t.Helper()
	p, out := newTestPrinter(t, Options{Profile: profile})
	if _, err := p.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	p.EndJob()
	send(t, p, out)
	return p.Receipts()
}

// jobText prints data as one job and renders every receipt as text.
func jobText(t *testing.T, data string) string {
	t.Helper()
	var b []byte
	for _, r := range printJob(t, "", data) {
		b = render.AppendText(b, r)
	}
	return string(b)
}

func TestTextDoubleWidthRunStaysTogether(t *testing.T) {
	// GS ! 0x11 (double width and height), "TOTAL 12.50", GS ! 0, "|", LF.
	got := jobText(t, "\x1d!\x11TOTAL 12.50\x1d!\x00|\n")
	want := "TOTAL 12.50" + strings.Repeat(" ", 11) + "|\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// ESC ! 0x20 (double width) gives the same; the run ends the line.
	if got := jobText(t, "\x1b! SALE\n"); got != "SALE\n" {
		t.Errorf("ESC ! 0x20: got %q, want %q", got, "SALE\n")
	}
}

func TestTextBackwardAbsolutePosition(t *testing.T) {
	// ESC $ 0 1 (dot 256) "B", ESC $ 0 0 (dot 0) "A", LF: A at column 0,
	// B at column 256/12 = 21.
	got := jobText(t, "\x1b$\x00\x01B\x1b$\x00\x00A\n")
	if want := "A" + strings.Repeat(" ", 20) + "B\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
