package escpostest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/escpostest"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/internal/pty"
	"github.com/poshil/hil/pkg/posclient/printer"
)

func TestNewPrinterServesPTYAndTCP(t *testing.T) {
	tp := escpostest.NewServer(t, escpos.Options{})
	if tp.Addr == "" || (pty.Supported && tp.PTY == "") {
		t.Fatalf("endpoints: pty %q tcp %q", tp.PTY, tp.Addr)
	}
	got := make(chan *paper.Receipt, 4)
	tp.OnReceipt(func(r *paper.Receipt) { got <- r })

	c, err := net.Dial("tcp", tp.Addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("\x1b@OVER TCP\n\x1dV\x00\x10\x04\x04"))
	b := make([]byte, 1)
	if _, err := io.ReadFull(c, b); err != nil || b[0] != 0x12 {
		t.Fatalf("TCP status % x %v", b, err)
	}
	c.Close()
	if r := <-got; !strings.Contains(receiptText(r), "OVER TCP") {
		t.Fatalf("TCP receipt %+v", r)
	}
	if !pty.Supported {
		return
	}
	port, err := serial.Open(tp.PTY, &serial.Mode{BaudRate: 19200})
	if err != nil {
		t.Fatal(err)
	}
	port.Write([]byte("\x1b@OVER THE PTY\n\x1dV\x00\x10\x04\x04"))
	if n, err := port.Read(b); n != 1 || err != nil || b[0] != 0x12 {
		t.Fatalf("pty status n=%d % x %v", n, b, err)
	}
	port.Close()
	if r := <-got; !strings.Contains(receiptText(r), "OVER THE PTY") {
		t.Fatalf("pty receipt %+v", r)
	}
	tp.MustWaitIdle(t)
}

func receiptText(r *paper.Receipt) string {
	var b strings.Builder
	for _, e := range r.Elements {
		if l, ok := e.(*paper.Line); ok {
			for _, run := range l.Runs {
				b.WriteString(run.Text)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// The conformance suite passes against the served emulator, on its TCP
// URL and on its pty as a serial:// URL, opened as posclient's printer
// package opens a real printer.
func TestConformanceOverTCP(t *testing.T) {
	tp := escpostest.NewServer(t, escpos.Options{})
	escpostest.Conformance(t, tp.URL, escpostest.ConformanceOptions{})
	if st := tp.Printer.Status(); st.LinesPrinted < 2 {
		t.Errorf("the suite printed %d lines on the emulator, want its 2", st.LinesPrinted)
	}
}

func TestConformanceOverPTY(t *testing.T) {
	if !pty.Supported {
		t.Skip("no ptys here")
	}
	tp := escpostest.NewServer(t, escpos.Options{})
	rep, err := escpostest.CheckURL(context.Background(), "serial://"+tp.PTY+"?baud=38400", escpostest.ConformanceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range rep.Checks {
		names = append(names, c.Name+" "+c.Outcome.String())
	}
	want := []string{"reset ok", "DLE EOT ok", "GS r ok", "GS I ok", "ASB ok", "GS ( H after printing ok",
		"real-time inside raster data ok", "DLE DC4 8 ok", "operator skip"}
	if !slices.Equal(names, want) {
		t.Errorf("checks %q, want %q", names, want)
	}
}

// fstest-style: nil for a printer that conforms, an error naming the
// printer for one that cannot answer at all.
func TestTestURL(t *testing.T) {
	tp := escpostest.NewServer(t, escpos.Options{})
	if err := escpostest.TestURL(context.Background(), tp.URL, escpostest.ConformanceOptions{}); err != nil {
		t.Errorf("emulator: %v", err)
	}
	file := filepath.Join(t.TempDir(), "receipts.bin")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := escpostest.TestURL(context.Background(), "file://"+file, escpostest.ConformanceOptions{ReplyTimeout: 50 * time.Millisecond})
	if !errors.Is(err, printer.ErrStatusUnsupported) {
		t.Errorf("a plain file: %v, want ErrStatusUnsupported", err)
	}
	if err := escpostest.TestURL(context.Background(), "tcp//nowhere", escpostest.ConformanceOptions{}); !errors.Is(err, printer.ErrBadURL) {
		t.Errorf("a bad URL: %v, want ErrBadURL", err)
	}
}

func TestLoggerGoesToTheTestAndQuietsAfter(t *testing.T) {
	var lines []string
	rec := &recordingTB{TB: t, logf: func(s string) { lines = append(lines, s) }}
	log := escpostest.NewLogger(rec)
	log.With("conn", "tcp-1").WithGroup("g").Info("hello", "k", 1)
	if len(lines) != 1 || lines[0] != `level=INFO msg=hello conn=tcp-1 g.k=1` {
		t.Fatalf("logged %q", lines)
	}
	rec.runCleanups()
	log.Info("late")
	if len(lines) != 1 {
		t.Fatalf("logged after the test ended: %q", lines)
	}
}

// recordingTB captures Logf and Cleanup of a testing.TB.
type recordingTB struct {
	testing.TB
	logf     func(string)
	cleanups []func()
}

func (r *recordingTB) Logf(format string, args ...any) {
	r.logf(strings.TrimSpace(fmt.Sprintf(format, args...)))
}
func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}
