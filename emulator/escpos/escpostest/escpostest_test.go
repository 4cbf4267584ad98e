package escpostest_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"go.bug.st/serial"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/escpostest"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/internal/pty"
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

// The conformance suite passes against the served emulator, on TCP and
// through go.bug.st/serial on the pty, as it would against a real printer.
func TestConformanceOverTCP(t *testing.T) {
	tp := escpostest.NewServer(t, escpos.Options{})
	c, err := net.Dial("tcp", tp.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	escpostest.Conformance(t, c, false)
}

func TestConformanceOverPTY(t *testing.T) {
	if !pty.Supported {
		t.Skip("no ptys here")
	}
	tp := escpostest.NewServer(t, escpos.Options{})
	port, err := serial.Open(tp.PTY, &serial.Mode{BaudRate: 38400})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { port.Close() })
	escpostest.Conformance(t, serialPort{port}, false)
}

// serialPort turns go.bug.st/serial's (0, nil) read timeout into an error
// and its closed-port error into io.EOF, so that the suite's reader
// goroutine ends cleanly when the test closes the port.
type serialPort struct{ serial.Port }

func (p serialPort) Read(b []byte) (int, error) {
	n, err := p.Port.Read(b)
	var pe *serial.PortError
	switch {
	case n == 0 && err == nil:
		return 0, errors.New("serial read timed out")
	case errors.As(err, &pe) && pe.Code() == serial.PortClosed:
		return n, io.EOF
	}
	return n, err
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
