package printer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// testLogger routes the printer's logs to the test.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// pipePrinter connects a Printer to peer over net.Pipe. Everything is
// closed when the test (or synctest bubble) ends.
func pipePrinter(t *testing.T, peer *epsonPeer, opts *Options) (*Printer, net.Conn) {
	t.Helper()
	c1, c2 := net.Pipe()
	var wg sync.WaitGroup
	wg.Go(func() { peer.serve(c2) })
	o := Options{Logger: testLogger(t)}
	if opts != nil {
		o = *opts
		o.Logger = testLogger(t)
	}
	p := New(c1, &o)
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		c2.Close()
		wg.Wait()
	})
	return p, c2
}

func TestStatusFromPeerStates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		peer := newPeer()
		p, _ := pipePrinter(t, peer, nil)
		ctx := t.Context()
		for _, tc := range []struct {
			name string
			raw  [4]byte
			err  error
		}{
			{"ready", [4]byte{0x12, 0x12, 0x12, 0x12}, nil},
			{"near end", [4]byte{0x12, 0x12, 0x12, 0x1E}, nil},
			{"paper out", [4]byte{0x1A, 0x32, 0x12, 0x72}, ErrPaperOut},
			{"cover open", [4]byte{0x1A, 0x16, 0x12, 0x12}, ErrCoverOpen},
			{"cutter jam", [4]byte{0x1A, 0x52, 0x1A, 0x12}, ErrCutter},
			{"offline", [4]byte{0x1A, 0x12, 0x12, 0x12}, ErrOffline},
		} {
			peer.set(tc.raw)
			st, err := p.Status(ctx)
			if err != nil {
				t.Fatalf("%s: Status: %v", tc.name, err)
			}
			if st.Raw != tc.raw {
				t.Errorf("%s: Raw % X, want % X", tc.name, st.Raw, tc.raw)
			}
			err = p.Ready(ctx)
			var se *StatusError
			if tc.err == nil && err != nil || tc.err != nil && (!errors.Is(err, tc.err) || !errors.As(err, &se)) {
				t.Errorf("%s: Ready = %v, want %v", tc.name, err, tc.err)
			}
		}
		// The requests on the wire are DLE EOT 1, 2, 3, 4, repeated.
		got := peer.bytesReceived()
		if !bytes.HasPrefix(got, []byte{0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 3, 0x10, 0x04, 4}) {
			t.Errorf("requests % X", got[:12])
		}
	})
}

func TestStatusSkipsStrayASBAndXON(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		peer := newPeer()
		peer.before = []byte{0x11, 0x14, 0x00, 0x00, 0x00, 0x13} // XON, ASB (drawer high), XOFF
		peer.set([4]byte{0x16, 0x12, 0x12, 0x1E})
		p, _ := pipePrinter(t, peer, nil)
		st, err := p.Status(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !st.DrawerPin3High || !st.PaperNearEnd || !st.Online {
			t.Errorf("status %+v", st)
		}
		if asb, ok := p.LastASB(); !ok || asb != [4]byte{0x14, 0, 0, 0} {
			t.Errorf("LastASB = % X, %v", asb, ok)
		}
	})
}

func TestStatusNoReplyTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		peer := newPeer()
		peer.silent = true
		p, _ := pipePrinter(t, peer, &Options{ReplyTimeout: 700 * time.Millisecond})
		start := time.Now()
		_, err := p.Status(t.Context())
		var re *ReplyError
		if !errors.Is(err, ErrNoReply) || !errors.As(err, &re) || re.Request != "DLE EOT 1" {
			t.Fatalf("err = %v, want a DLE EOT 1 ErrNoReply", err)
		}
		if d := time.Since(start); d != 700*time.Millisecond {
			t.Errorf("gave up after %v, want the reply timeout", d)
		}
		// A context deadline shorter than the reply timeout wins.
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		if _, err := p.Status(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
	})
}

func TestStatusWrongByte(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		peer := newPeer()
		peer.wrong = []byte{0x0C} // a GS r style byte: fixed bits wrong for DLE EOT
		p, _ := pipePrinter(t, peer, nil)
		_, err := p.Status(t.Context())
		var re *ReplyError
		if !errors.Is(err, ErrBadReply) || !errors.As(err, &re) || !bytes.Equal(re.Got, []byte{0x0C}) {
			t.Fatalf("err = %v, want ErrBadReply with the byte", err)
		}
		if !strings.Contains(err.Error(), "0C") {
			t.Errorf("error %q does not show the byte", err)
		}
	})
}

func TestPrintConfirmedByProcessID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		peer := newPeer()
		p, _ := pipePrinter(t, peer, nil)
		job := []byte("\x1b@HELLO\n\x1dVB\x00")
		for range 2 {
			if err := p.Print(t.Context(), job); err != nil {
				t.Fatalf("Print: %v", err)
			}
		}
		got := peer.bytesReceived()
		i := bytes.Index(got, job)
		j := bytes.LastIndex(got, job)
		if i < 0 || i == j {
			t.Fatalf("jobs not on the wire: % X", got)
		}
		// Each job is followed by GS ( H 6 0 48 48 and a 4-character ID.
		id1 := got[i+len(job):][:11]
		id2 := got[j+len(job):][:11]
		if !bytes.Equal(id1[:7], seqProcess) || !bytes.Equal(id2[:7], seqProcess) {
			t.Fatalf("no GS ( H after the job: % X / % X", id1, id2)
		}
		if bytes.Equal(id1[7:], id2[7:]) {
			t.Errorf("process ID reused: %q", id1[7:])
		}
		for _, c := range append(id1[7:], id2[7:]...) {
			if c < 32 || c > 126 {
				t.Errorf("process ID byte %02X out of 32–126", c)
			}
		}
	})
}

// A printer that never answers GS ( H cannot prove that it printed: a
// clean status after the job is no proof (a power cycle leaves one too).
func TestPrintWithoutProcessIDIsNotConfirmed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		peer := newPeer()
		peer.noProcess = true
		p, _ := pipePrinter(t, peer, &Options{ReplyTimeout: time.Second, ConfirmTimeout: 3 * time.Second, PollInterval: -1})
		for i := range 2 {
			err := p.Print(t.Context(), []byte("x\n"))
			var pe *PrintError
			if !errors.Is(err, ErrNotConfirmed) || !errors.Is(err, ErrNoReply) || !errors.As(err, &pe) {
				t.Fatalf("Print %d = %v, want not confirmed for want of a GS ( H answer", i+1, err)
			}
			if !pe.MaybePrinted || !pe.MayHavePrinted() {
				t.Errorf("Print %d: MaybePrinted false; the job reached the printer and may have printed", i+1)
			}
		}
	})
}

// Before every job the printer is brought to a command boundary with DLE
// DC4 8, and the job follows only after the printer answered it.
func TestPrintResetsThePrinterFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		peer := newPeer()
		p, _ := pipePrinter(t, peer, nil)
		job := []byte("receipt\n")
		if err := p.Print(t.Context(), job); err != nil {
			t.Fatal(err)
		}
		got := peer.bytesReceived()
		i, j := bytes.Index(got, seqClear), bytes.Index(got, job)
		if i < 0 || j < 0 || i > j {
			t.Fatalf("want DLE DC4 8 before the job on the wire: % X", got)
		}
	})
}

func TestPrintPaperRunsOutDuringJob(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		peer := newPeer()
		peer.paperAtCut = true
		p, _ := pipePrinter(t, peer, &Options{ConfirmTimeout: time.Minute, PollInterval: 200 * time.Millisecond})
		start := time.Now()
		err := p.Print(t.Context(), []byte("line\n\x1dVB\x00"))
		var pe *PrintError
		if !errors.Is(err, ErrPaperOut) || !errors.Is(err, ErrNotConfirmed) || !errors.As(err, &pe) {
			t.Fatalf("err = %v, want a PrintError for paper out", err)
		}
		if pe.Status == nil || !pe.Status.PaperOut {
			t.Errorf("PrintError.Status = %+v", pe.Status)
		}
		if d := time.Since(start); d != 200*time.Millisecond {
			t.Errorf("failed after %v, want at the first poll", d)
		}
		if !pe.MaybePrinted {
			t.Error("MaybePrinted not set: the job reached the printer, which may have cut it before the fault")
		}
		// The rest of the job was cleared from the printer (DLE DC4 8; the
		// first one went before the job).
		if !bytes.HasSuffix(peer.bytesReceived(), seqClear) || peer.clears != 2 {
			t.Errorf("job not cleared after the failure: % X", peer.bytesReceived())
		}
	})
}

func TestPrintKeepJobOnFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		peer := newPeer()
		peer.set([4]byte{0x1A, 0x16, 0x12, 0x12})
		p, _ := pipePrinter(t, peer, &Options{KeepJobOnFailure: true, PollInterval: 50 * time.Millisecond})
		if err := p.Print(t.Context(), []byte("x\n")); !errors.Is(err, ErrCoverOpen) {
			t.Fatalf("Print = %v", err)
		}
		if got := peer.bytesReceived(); bytes.Count(got, seqClear) != 1 || !bytes.HasPrefix(got, seqClear) {
			t.Errorf("DLE DC4 8 after the failed job although KeepJobOnFailure is set: % X", got)
		}
	})
}

func TestPrintConnectionLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		peer := newPeer()
		peer.silent = true
		p, far := pipePrinter(t, peer, &Options{PollInterval: -1})
		errc := make(chan error, 1)
		go func() { errc <- p.Print(t.Context(), []byte("x\n")) }()
		synctest.Wait() // the job is written and Print is waiting for the reply
		far.Close()
		err := <-errc
		var te *TransportError
		if !errors.Is(err, ErrNotConfirmed) || !errors.As(err, &te) {
			t.Fatalf("err = %v, want a PrintError wrapping a TransportError", err)
		}
		if _, err := p.Status(t.Context()); err == nil {
			t.Error("Status after the connection ended: no error")
		}
	})
}

func TestWriteOnlyPrinter(t *testing.T) {
	var buf closeBuffer
	p := NewWriteOnly(&buf, &Options{Name: "file:///dev/usb/lp0"})
	defer p.Close()
	if _, err := p.Status(t.Context()); !errors.Is(err, ErrStatusUnsupported) {
		t.Errorf("Status err = %v", err)
	}
	if err := p.Ready(t.Context()); !errors.Is(err, ErrStatusUnsupported) {
		t.Errorf("Ready err = %v", err)
	}
	err := p.Print(t.Context(), []byte("job"))
	if !errors.Is(err, ErrNotConfirmed) || !errors.Is(err, ErrStatusUnsupported) {
		t.Errorf("Print err = %v", err)
	}
	if buf.String() != "job" {
		t.Errorf("written %q", buf.String())
	}
}

type closeBuffer struct{ bytes.Buffer }

func (*closeBuffer) Close() error { return nil }

func TestCloseIsIdempotentAndStopsWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		peer := newPeer()
		peer.silent = true
		c1, c2 := net.Pipe()
		go peer.serve(c2)
		defer c2.Close()
		p := New(c1, &Options{ReplyTimeout: time.Hour})
		errc := make(chan error, 1)
		go func() {
			_, err := p.Status(context.Background())
			errc <- err
		}()
		synctest.Wait()
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() { p.Close() })
		}
		wg.Wait()
		if err := <-errc; !errors.Is(err, ErrClosed) {
			t.Errorf("Status during Close: %v, want ErrClosed", err)
		}
		if err := p.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if _, err := p.Status(t.Context()); !errors.Is(err, ErrClosed) {
			t.Errorf("Status after Close = %v, want ErrClosed", err)
		}
		if err := p.Print(t.Context(), []byte("x")); !errors.Is(err, ErrClosed) || !errors.Is(err, ErrNotConfirmed) {
			t.Errorf("Print after Close = %v, want ErrClosed", err)
		}
	})
}

// Ensure a Read that returns (0, nil), as go.bug.st/serial does on a read
// timeout, is not taken for the end of the stream.
func TestZeroReadIsNotEOF(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c1, c2 := net.Pipe()
		peer := newPeer()
		go peer.serve(c2)
		defer c2.Close()
		p := New(&zeroReads{Conn: c1, n: 5}, nil)
		defer p.Close()
		if _, err := p.Status(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}

type zeroReads struct {
	net.Conn
	mu sync.Mutex
	n  int
}

func (z *zeroReads) Read(b []byte) (int, error) {
	z.mu.Lock()
	if z.n > 0 {
		z.n--
		z.mu.Unlock()
		return 0, nil
	}
	z.mu.Unlock()
	return z.Conn.Read(b)
}

var _ io.ReadWriteCloser = (*zeroReads)(nil)

func TestPrintToleratesAMissedPollReply(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		peer := newPeer()
		peer.holdProcess = true
		peer.wrong = []byte{0x00} // garbage answers while printing
		p, _ := pipePrinter(t, peer, &Options{PollInterval: time.Second, ConfirmTimeout: 5 * time.Second})
		errc := make(chan error, 1)
		go func() { errc <- p.Print(t.Context(), []byte("x\n")) }()
		time.Sleep(2500 * time.Millisecond) // fake time: two polls have failed
		peer.mu.Lock()
		peer.wrong = nil // the printer answers properly again
		peer.mu.Unlock()
		peer.releaseProcess()
		if err := <-errc; err != nil {
			t.Fatalf("Print = %v, want confirmation by the GS ( H answer", err)
		}
	})
}

// A write blocked on a printer that does not read (usblp on paper out
// blocks forever) ends with the caller's context.
func TestWriteBlockedEndsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c1, c2 := net.Pipe() // nobody reads c2
		defer c2.Close()
		p := NewWriteOnly(c1, nil)
		defer p.Close()
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		err := p.Print(ctx, []byte("job"))
		if !errors.Is(err, ErrNotConfirmed) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Print = %v, want not confirmed by the deadline", err)
		}
	})
}
