package escpos

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
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

func TestFeedAfterLastCutIsNoReceipt(t *testing.T) {
	// "PAID" LF, GS V 0 (full cut), LF: the common encoder's job ending.
	rs := printJob(t, "", "PAID\n\x1dV\x00\n")
	if len(rs) != 1 {
		t.Fatalf("%d receipts, want 1", len(rs))
	}
	if got := string(render.Text(rs[0])); got != "PAID\n[CUT]\n" {
		t.Errorf("receipt %q", got)
	}
	// Blank paper alone, cut or not, is no receipt either; the next
	// receipt keeps number 2.
	p, out := newTestPrinter(t, Options{})
	send(t, p, out, []byte("A\n\x1dV\x00\x1bd\x05\x1dV\x01"))
	p.EndJob()
	send(t, p, out, []byte("\n\n"))
	p.EndJob()
	send(t, p, out, []byte("B\n\x1dVB\x00")) // GS V 66 0: feed 0, partial cut
	rs = p.Receipts()
	if len(rs) != 2 || rs[1].Seq != 2 || string(render.Text(rs[1])) != "B\n[PARTIAL CUT]\n" {
		t.Fatalf("receipts %v", rs)
	}
	if st := p.Status(); st.Receipts != 2 || st.Cuts != 3 {
		t.Errorf("status: %d receipts, %d cuts; want 2 and 3", st.Receipts, st.Cuts)
	}
}

func TestColumnImageBandsAreOneImage(t *testing.T) {
	// ESC 3 24 (line spacing = band height), then three 24-dot bands of a
	// 64-dot-wide logo: ESC * 33 64 0 and 64 columns of 3 bytes, LF. In
	// band i only the top dot of column i is set.
	job := "\x1b3\x18"
	for i := 0; i < 3; i++ {
		cols := make([]byte, 64*3)
		cols[i*3] = 0x80
		job += "\x1b*\x21\x40\x00" + string(cols) + "\n"
	}
	job += "\x1b2after\n"
	rs := printJob(t, "", job)
	if len(rs) != 1 {
		t.Fatalf("%d receipts", len(rs))
	}
	if got, want := string(render.Text(rs[0])), "[IMAGE 64x72]\nafter\n"; got != want {
		t.Fatalf("text %q, want %q", got, want)
	}
	im := rs[0].Elements[0].(paper.Image)
	for y := 0; y < 72; y++ {
		for x := 0; x < 64; x++ {
			if want := y%24 == 0 && x == y/24; im.At(x, y) != want {
				t.Errorf("dot %d,%d = %v, want %v", x, y, im.At(x, y), want)
			}
		}
	}
	// With more line spacing than band height the bands are apart: three
	// images with blank paper between them.
	job = strings.Replace(job, "\x1b3\x18", "\x1b3\x1e", 1)
	if got := string(render.Text(printJob(t, "", job)[0])); strings.Count(got, "[IMAGE 64x24]") != 3 {
		t.Errorf("bands 6 dots apart: %q", got)
	}
}

// logBuffer is a slog destination that tests can read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLoggedPrinter(t *testing.T, opts Options) (*Printer, *replies, *logBuffer) {
	t.Helper()
	lb := &logBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(lb, nil))
	p, out := newTestPrinter(t, opts)
	return p, out, lb
}

func TestBarcodeWiderThanPrintAreaIsLogged(t *testing.T) {
	p, out, lb := newLoggedPrinter(t, Options{})
	// GS w 6, CODE39 "0123456789": 12 characters of 90 dots.
	send(t, p, out, []byte("\x1dw\x06\x1dk\x040123456789\x00\x1dV\x00"))
	if st := p.Status(); st.Receipts != 0 {
		t.Errorf("%d receipts: the bar code printed", st.Receipts)
	}
	if !strings.Contains(lb.String(), "1074-dot symbol wider than the 576-dot print area") {
		t.Errorf("log:\n%s", lb)
	}
}
