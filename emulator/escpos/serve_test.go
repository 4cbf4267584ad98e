package escpos_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
	"github.com/poshil/hil/internal/pty"
)

var (
	dleEOT4  = []byte{escpos.DLE, escpos.EOT, 4}
	dleEOT1  = []byte{escpos.DLE, escpos.EOT, 1}
	initCmd  = []byte{escpos.ESC, escpos.EscInit}
	fullCut  = []byte{escpos.GS, escpos.GsCut, 0}
	statusOK = byte(0x12)
)

func receiptBytes(lines ...string) []byte {
	b := append([]byte(nil), initCmd...)
	for _, l := range lines {
		b = append(b, l...)
		b = append(b, escpos.LF)
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func newPrinter(t testing.TB) (*escpos.Printer, chan *paper.Receipt) {
	t.Helper()
	p, err := escpos.NewPrinter(escpos.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	got := make(chan *paper.Receipt, 100)
	p.OnReceipt(func(r *paper.Receipt) { got <- r })
	return p, got
}

func newServer(t testing.TB, p *escpos.Printer, opts escpos.ServerOptions) *escpos.Server {
	t.Helper()
	s, err := escpos.NewServer(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func nextReceipt(t *testing.T, ch chan *paper.Receipt) *paper.Receipt {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("no receipt")
		return nil
	}
}

func receiptText(r *paper.Receipt) string { return string(render.Text(r)) }

// serialReader makes go.bug.st/serial's (0, nil) read timeout an error.
type serialReader struct{ p serial.Port }

func (r serialReader) Read(b []byte) (int, error) {
	n, err := r.p.Read(b)
	if n == 0 && err == nil {
		return 0, errors.New("serial read timed out")
	}
	return n, err
}

func readN(t *testing.T, r io.Reader, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		t.Fatalf("reading %d bytes: %v", n, err)
	}
	return b
}

func TestServePTYThroughSerialCloseAndReopen(t *testing.T) {
	if !pty.Supported {
		t.Skip("no ptys here")
	}
	p, receipts := newPrinter(t)
	link := filepath.Join(t.TempDir(), "ttyPRN0")
	s := newServer(t, p, escpos.ServerOptions{PTYLink: link})
	if s.PTY() != link || !strings.HasPrefix(s.PTYDevice(), "/dev/pts/") || s.Addr() != "" {
		t.Fatalf("PTY %q device %q Addr %q", s.PTY(), s.PTYDevice(), s.Addr())
	}
	for round, word := range []string{"FIRST", "SECOND", "THIRD"} {
		port, err := serial.Open(link, &serial.Mode{BaudRate: 38400})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if err := port.SetReadTimeout(20 * time.Second); err != nil {
			t.Fatal(err)
		}
		if _, err := port.Write(cat(receiptBytes("TOTAL 12.50", word), fullCut, dleEOT4)); err != nil {
			t.Fatal(err)
		}
		if got := readN(t, serialReader{port}, 1); got[0] != statusOK {
			t.Fatalf("round %d: DLE EOT 4 answered % x, want 12", round, got)
		}
		port.Close()
		r := nextReceipt(t, receipts)
		if txt := receiptText(r); !strings.Contains(txt, word) || r.Cut() == nil {
			t.Fatalf("round %d: receipt %d cut=%v:\n%s", round, r.Seq, r.Cut(), txt)
		}
	}
	// A client that prints and goes away without a cut still ends the job.
	port, err := serial.Open(s.PTYDevice(), &serial.Mode{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := port.Write(receiptBytes("NO CUT HERE")); err != nil {
		t.Fatal(err)
	}
	port.Close()
	r := nextReceipt(t, receipts)
	if txt := receiptText(r); !strings.Contains(txt, "NO CUT HERE") || r.Cut() != nil {
		t.Fatalf("receipt at hang-up: cut=%v\n%s", r.Cut(), txt)
	}
}

func dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func write(t testing.TB, w io.Writer, b []byte) {
	t.Helper()
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
}

func TestServeTCPSessionsInTurnRepliesOnOwnStream(t *testing.T) {
	p, receipts := newPrinter(t)
	s := newServer(t, p, escpos.ServerOptions{})
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") || s.PTY() != "" {
		t.Fatalf("Addr %q PTY %q", s.Addr(), s.PTY())
	}
	a := dial(t, s.Addr())
	write(t, a, cat(receiptBytes("A1"), dleEOT4))
	if got := readN(t, a, 1); got[0] != statusOK {
		t.Fatalf("A status % x", got)
	}
	// A holds the printer now; B connects and sends meanwhile.
	b := dial(t, s.Addr())
	write(t, b, cat(receiptBytes("B1"), dleEOT1))
	write(t, a, cat([]byte("A2\n"), fullCut, dleEOT4))
	if got := readN(t, a, 1); got[0] != statusOK {
		t.Fatalf("A second status % x", got)
	}
	a.Close()
	// B's turn: its DLE EOT 1 is answered on B's stream.
	if got := readN(t, b, 1); got[0]&0x93 != 0x12 {
		t.Fatalf("B status % x", got)
	}
	b.Close()
	r1, r2 := nextReceipt(t, receipts), nextReceipt(t, receipts)
	t1, t2 := receiptText(r1), receiptText(r2)
	if !strings.Contains(t1, "A1") || !strings.Contains(t1, "A2") || strings.Contains(t1, "B1") || r1.Cut() == nil {
		t.Fatalf("first receipt is not A's whole job:\n%s", t1)
	}
	if !strings.Contains(t2, "B1") || strings.Contains(t2, "A") || r2.Cut() != nil {
		t.Fatalf("second receipt is not B's job:\n%s", t2)
	}
	// And again, one after another, without a restart.
	for i := range 3 {
		c := dial(t, s.Addr())
		write(t, c, cat(receiptBytes("AGAIN"), fullCut, dleEOT4))
		if got := readN(t, c, 1); got[0] != statusOK {
			t.Fatalf("connection %d: % x", i, got)
		}
		c.Close()
		if r := nextReceipt(t, receipts); !strings.Contains(receiptText(r), "AGAIN") {
			t.Fatalf("connection %d receipt:\n%s", i, receiptText(r))
		}
	}
}

func TestServeStatusFollowsPrinterState(t *testing.T) {
	p, _ := newPrinter(t)
	s := newServer(t, p, escpos.ServerOptions{})
	c := dial(t, s.Addr())
	p.SetPaper(escpos.PaperOut)
	write(t, c, dleEOT4)
	if got := readN(t, c, 1); got[0] != 0x7e {
		t.Fatalf("DLE EOT 4 with paper out = % x, want 7e (end and near-end sensors)", got)
	}
}

func TestDropConnectionsKeepsServing(t *testing.T) {
	p, receipts := newPrinter(t)
	s := newServer(t, p, escpos.ServerOptions{})
	c := dial(t, s.Addr())
	write(t, c, cat(receiptBytes("BEFORE DROP"), dleEOT4))
	readN(t, c, 1)
	s.DropConnections()
	if _, err := io.ReadAll(c); err != nil && !errors.Is(err, net.ErrClosed) {
		var op *net.OpError
		if !errors.As(err, &op) {
			t.Fatalf("read after drop: %v", err)
		}
	}
	// The dropped session ended the job with what was printed.
	if r := nextReceipt(t, receipts); !strings.Contains(receiptText(r), "BEFORE DROP") {
		t.Fatalf("receipt after drop:\n%s", receiptText(r))
	}
	c2 := dial(t, s.Addr())
	write(t, c2, dleEOT4)
	if got := readN(t, c2, 1); got[0] != statusOK {
		t.Fatalf("after drop: % x", got)
	}
}

func TestStallStopsReadingUntilTheClockSaysSo(t *testing.T) {
	p, _ := newPrinter(t)
	clk := newFakeClock()
	s := newServer(t, p, escpos.ServerOptions{Clock: clk})
	c := dial(t, s.Addr())
	write(t, c, dleEOT4)
	readN(t, c, 1)
	s.Stall(time.Hour)
	if d := <-clk.waiters; d != time.Hour {
		t.Fatalf("stalled for %v, want 1h", d)
	}
	write(t, c, dleEOT4)
	// The stalled server cannot answer: it is blocked on the fake clock.
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); n != 0 || !errors.Is(err, net.ErrClosed) && !isTimeout(err) {
		t.Fatalf("answer during a stall: n=%d err=%v", n, err)
	}
	c.SetReadDeadline(time.Time{})
	clk.Advance(time.Hour)
	if got := readN(t, c, 1); got[0] != statusOK {
		t.Fatalf("after the stall: % x", got)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// countingConn is a WrapConn that counts the bytes read through it.
type countingConn struct {
	io.ReadWriteCloser
	n *atomic.Int64
}

func (c countingConn) Read(b []byte) (int, error) {
	n, err := c.ReadWriteCloser.Read(b)
	c.n.Add(int64(n))
	return n, err
}

func TestWrapConnWrapsEveryConnection(t *testing.T) {
	p, _ := newPrinter(t)
	var wraps, bytesIn atomic.Int64
	s := newServer(t, p, escpos.ServerOptions{WrapConn: func(rwc io.ReadWriteCloser) io.ReadWriteCloser {
		wraps.Add(1)
		return countingConn{rwc, &bytesIn}
	}})
	for range 2 {
		c := dial(t, s.Addr())
		write(t, c, dleEOT4)
		readN(t, c, 1)
		c.Close()
	}
	if wraps.Load() != 2 || bytesIn.Load() != 6 {
		t.Fatalf("wraps %d bytes %d, want 2 and 6", wraps.Load(), bytesIn.Load())
	}
}

// recordingPacer records what the server reports as consumed.
type recordingPacer struct {
	mu          sync.Mutex
	bytes, dots int
	want        int           // bytes expected in all
	all         chan struct{} // closed once want bytes were consumed
}

func (r *recordingPacer) Consumed(_ context.Context, n, dots int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bytes += n
	r.dots += dots
	if r.bytes >= r.want && r.all != nil {
		close(r.all)
		r.all = nil
	}
	return nil
}

func TestPacerSeesBytesAndDots(t *testing.T) {
	p, receipts := newPrinter(t)
	job := cat(receiptBytes("ONE", "TWO", "THREE"), fullCut)
	all := make(chan struct{})
	rec := &recordingPacer{want: len(job), all: all}
	s := newServer(t, p, escpos.ServerOptions{Pacer: func(endpoint string) escpos.Pacer {
		if endpoint != "tcp" {
			t.Errorf("pacer for %q", endpoint)
		}
		return rec
	}})
	c := dial(t, s.Addr())
	write(t, c, job)
	c.Close()
	r := nextReceipt(t, receipts)
	// The pacer hears of the bytes once the printer has processed them,
	// which may be after the receipt hook ran: wait for it, then stop.
	select {
	case <-all:
	case <-time.After(10 * time.Second):
		t.Fatal("the pacer never heard of the whole job")
	}
	s.Close()
	want := 0
	for _, e := range r.Elements {
		if l, ok := e.(*paper.Line); ok {
			want += l.Height
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.bytes != len(job) || rec.dots != want || want == 0 {
		t.Fatalf("pacer saw %d bytes %d dots, want %d and %d", rec.bytes, rec.dots, len(job), want)
	}
}

func TestCloseIsIdempotentAndUnblocksClients(t *testing.T) {
	p, _ := newPrinter(t)
	s, err := escpos.NewServer(p, escpos.ServerOptions{PTY: pty.Supported, TCP: true})
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, s.Addr())
	write(t, c, receiptBytes("half a job"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(bufio.NewReader(c)); err != nil && !isReset(err) {
		t.Fatalf("client read after Close: %v", err)
	}
	if _, err := net.Dial("tcp", s.Addr()); err == nil {
		t.Fatal("still accepting after Close")
	}
	if err := s.Start(); !errors.Is(err, escpos.ErrServerClosed) {
		t.Fatalf("Start after Close: %v", err)
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}

func TestBadTCPAddressIsAClearError(t *testing.T) {
	p, _ := newPrinter(t)
	_, err := escpos.NewServer(p, escpos.ServerOptions{TCPAddr: "127.0.0.1:notaport"})
	var se *escpos.ServeError
	if !errors.As(err, &se) || se.Endpoint != "tcp" || se.Addr != "127.0.0.1:notaport" {
		t.Fatalf("error %v", err)
	}
}

func BenchmarkServe200Clients(b *testing.B) {
	p, err := escpos.NewPrinter(escpos.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	s, err := escpos.NewServer(p, escpos.ServerOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	job := cat(receiptBytes("STORE 42", "1 x COFFEE        3.50", "TOTAL             3.50", "APPROVED"), fullCut, dleEOT4)
	const clients = 200
	b.SetBytes(int64(len(job) * clients))
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for range clients {
			wg.Go(func() {
				c, err := net.Dial("tcp", s.Addr())
				if err != nil {
					errs <- err
					return
				}
				defer c.Close()
				if _, err := c.Write(job); err != nil {
					errs <- err
					return
				}
				st := make([]byte, 1)
				if _, err := io.ReadFull(c, st); err != nil || st[0] != statusOK {
					errs <- fmt.Errorf("status % x: %v", st, err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(clients*b.N)/b.Elapsed().Seconds(), "clients/s")
}

// waitPaced advances the fake clock through the pacer's waits until they
// add up to want, and fails if they overshoot it.
func waitPaced(t *testing.T, clk *fakeClock, want time.Duration) {
	t.Helper()
	var total time.Duration
	for total < want {
		select {
		case d := <-clk.waiters:
			total += d
			clk.Advance(d)
		case <-time.After(20 * time.Second):
			t.Fatalf("paced for %v, then nothing; want %v", total, want)
		}
	}
	if total != want {
		t.Fatalf("paced for %v, want %v", total, want)
	}
}

func TestRealtimeOnThePTYUsesTheProfileBaudRate(t *testing.T) {
	if !pty.Supported {
		t.Skip("no ptys here")
	}
	p, _ := newPrinter(t)
	clk := newFakeClock()
	s := newServer(t, p, escpos.ServerOptions{PTY: true, Realtime: true, Clock: clk})
	port, err := serial.Open(s.PTY(), &serial.Mode{})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	port.SetReadTimeout(20 * time.Second)
	// One second of line time that feeds no paper: ESC E 1 (bold on) over and over.
	noPaper := bytes.Repeat([]byte{escpos.ESC, escpos.EscEmphasize, 1}, p.Profile().Baud/10/3)
	if len(noPaper) != p.Profile().Baud/10 {
		t.Fatalf("baud %d is not a multiple of 30", p.Profile().Baud)
	}
	write(t, port, noPaper)
	waitPaced(t, clk, time.Second)
	write(t, port, dleEOT4)
	waitPaced(t, clk, 3*time.Second/time.Duration(p.Profile().Baud/10))
	if got := readN(t, serialReader{port}, 1); got[0] != statusOK {
		t.Fatalf("status % x", got)
	}
}

func TestRealtimeOnTCPUsesThePrintSpeed(t *testing.T) {
	p, _ := newPrinter(t)
	clk := newFakeClock()
	s := newServer(t, p, escpos.ServerOptions{Realtime: true, Clock: clk})
	c := dial(t, s.Addr())
	write(t, c, []byte("ONE LINE\n"))
	prof := p.Profile()
	dotsPerSec := prof.SpeedMMPerSec * prof.DPI * 10 / 254
	want := escpos.NewRealtimePacer(escpos.RealtimeOptions{DotLinesPerSecond: dotsPerSec}).Cost(0, prof.LineSpacing)
	if want <= 0 {
		t.Fatalf("profile %s has no print speed", prof.Name)
	}
	waitPaced(t, clk, want)
}

// A client that stays connected between jobs does not keep the printer
// from others: at a job boundary it yields to a waiting connection, and
// mid-job it does not, so jobs never interleave.
func TestIdleSessionYieldsAtAJobBoundaryOnly(t *testing.T) {
	p, receipts := newPrinter(t)
	s := newServer(t, p, escpos.ServerOptions{})
	a := dial(t, s.Addr())
	write(t, a, cat(receiptBytes("A FIRST"), fullCut, dleEOT4))
	readN(t, a, 1)
	if r := nextReceipt(t, receipts); !strings.Contains(receiptText(r), "A FIRST") {
		t.Fatalf("receipt:\n%s", receiptText(r))
	}
	// A stays connected and idle; B is served meanwhile.
	b := dial(t, s.Addr())
	write(t, b, dleEOT4)
	if got := readN(t, b, 1); got[0] != statusOK {
		t.Fatalf("B, while A idles at a boundary: % x", got)
	}
	// And A again while B idles.
	write(t, a, cat(receiptBytes("A MID"), dleEOT4))
	readN(t, a, 1)
	// A is mid-job: C waits until A's cut; its job does not land inside A's.
	c := dial(t, s.Addr())
	write(t, c, cat(receiptBytes("C ONLY"), fullCut, dleEOT4))
	write(t, a, cat([]byte("A END\n"), fullCut, dleEOT4))
	readN(t, a, 1)
	if got := readN(t, c, 1); got[0] != statusOK {
		t.Fatalf("C: % x", got)
	}
	ra, rc := receiptText(nextReceipt(t, receipts)), receiptText(nextReceipt(t, receipts))
	if !strings.Contains(ra, "A MID") || !strings.Contains(ra, "A END") || strings.Contains(ra, "C ONLY") {
		t.Fatalf("A's second job was interleaved:\n%s", ra)
	}
	if !strings.Contains(rc, "C ONLY") || strings.Contains(rc, "A ") {
		t.Fatalf("C's job:\n%s", rc)
	}
}
