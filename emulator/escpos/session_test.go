package escpos_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/paper"
)

// pipeListener hands out net.Pipe connections: a listener that works
// inside a synctest bubble.
type pipeListener struct {
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error { l.once.Do(func() { close(l.done) }); return nil }

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial connects a client.
func (l *pipeListener) dial() net.Conn {
	client, server := net.Pipe()
	l.conns <- server
	return client
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

var _ net.Listener = (*pipeListener)(nil)

// servePipes starts a printer served on a pipeListener, inside the bubble.
func servePipes(t *testing.T, opts escpos.ServerOptions) (*escpos.Printer, *pipeListener, *[]*paper.Receipt) {
	t.Helper()
	p, err := escpos.NewPrinter(escpos.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var receipts []*paper.Receipt
	p.OnReceipt(func(r *paper.Receipt) {
		mu.Lock()
		receipts = append(receipts, r)
		mu.Unlock()
	})
	ln := newPipeListener()
	opts.Listener = ln
	s, err := escpos.NewServer(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); p.Close() })
	return p, ln, &receipts
}

// A client idle in the middle of a job holds the printer only until the
// idle timeout (the profile's, Epson's 5 minutes): then its connection is
// closed, its half-received command is dropped, and the next client's job
// prints whole.
func TestIdleClientMidJobIsClosedAndTheNextJobPrints(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, ln, receipts := servePipes(t, escpos.ServerOptions{})
		if got := p.Profile().IdleTimeoutSec; got != 300 {
			t.Fatalf("profile idle timeout %d s, want 300", got)
		}
		start := time.Now()
		a := ln.dial()
		// A prints a line and stops inside a GS v 0 image: 8 header
		// bytes announce 2×16 = 32 bytes of dots; 5 arrive.
		write(t, a, []byte("\x1b@A WAS HERE\n\x1dv0\x00\x02\x00\x10\x00\xff\xff\xff\xff\xff"))
		synctest.Wait()
		b := ln.dial()
		done := make(chan struct{})
		go func() {
			defer close(done)
			// B's whole job; with A's command left, its first 27 bytes
			// would be A's image dots.
			write(t, b, []byte("\x1b@B PRINTS THIS\n\x1dV\x00\x10\x04\x04"))
			if got := readN(t, b, 1); got[0] != statusOK {
				t.Errorf("B's DLE EOT 4: % x", got)
			}
		}()
		// A's connection is closed by the printer after the timeout.
		if n, err := a.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
			t.Fatalf("A read %d, %v; want EOF (closed by the printer)", n, err)
		}
		if d := time.Since(start); d != 300*time.Second {
			t.Errorf("A closed after %v, want 5m0s", d)
		}
		<-done
		b.Close()
		synctest.Wait()
		rs := *receipts
		if len(rs) != 2 {
			t.Fatalf("%d receipts, want A's and B's", len(rs))
		}
		if txt := receiptText(rs[0]); !strings.Contains(txt, "A WAS HERE") || strings.Contains(txt, "B PRINTS") {
			t.Errorf("A's receipt:\n%s", txt)
		}
		if txt := receiptText(rs[1]); !strings.Contains(txt, "B PRINTS THIS") || rs[1].Cut() == nil || strings.Contains(txt, "IMAGE") {
			t.Errorf("B's receipt (cut %v):\n%s", rs[1].Cut(), txt)
		}
		if st := p.Status(); st.DroppedAtSessionEnd != 13 {
			t.Errorf("dropped at session end: %d bytes, want 13 (A's image header and 5 dots)", st.DroppedAtSessionEnd)
		}
	})
}

// A command cut short by a disconnect does not swallow the next client's
// job (without any timeout: A goes away by itself).
func TestCommandCutShortByDisconnectIsDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, ln, receipts := servePipes(t, escpos.ServerOptions{IdleTimeout: -1})
		a := ln.dial()
		// GS ( k store of a QR code announcing 300 bytes (pL=0x2F pH=1:
		// 303 with cn fn m), then A leaves after 4 of them.
		write(t, a, []byte("\x1b@A\n\x1d(k\x2f\x01\x31\x50\x30abcd"))
		a.Close()
		synctest.Wait()
		b := ln.dial()
		write(t, b, []byte("\x1b@B WHOLE\n\x1dV\x00"))
		b.Close()
		synctest.Wait()
		rs := *receipts
		if len(rs) != 2 || !strings.Contains(receiptText(rs[1]), "B WHOLE") || rs[1].Cut() == nil {
			var txt []string
			for _, r := range rs {
				txt = append(txt, receiptText(r))
			}
			t.Fatalf("receipts: %q", txt)
		}
		if st := p.Status(); st.DroppedAtSessionEnd != 12 || st.PendingBytes != 0 {
			t.Errorf("dropped %d (want 12), pending %d", st.DroppedAtSessionEnd, st.PendingBytes)
		}
	})
}

// With IdleTimeout negative a connection may idle as long as it likes; a
// set IdleTimeout overrides the profile's.
func TestIdleTimeoutIsConfigurable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, ln, _ := servePipes(t, escpos.ServerOptions{IdleTimeout: 90 * time.Second})
		start := time.Now()
		a := ln.dial()
		if _, err := a.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
			t.Fatalf("read: %v, want EOF", err)
		}
		if d := time.Since(start); d != 90*time.Second {
			t.Errorf("closed after %v, want 1m30s", d)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		_, ln, _ := servePipes(t, escpos.ServerOptions{IdleTimeout: -1})
		a := ln.dial()
		closed := make(chan struct{})
		go func() {
			a.Read(make([]byte, 1))
			close(closed)
		}()
		time.Sleep(24 * time.Hour) // fake time: the bubble's clock
		synctest.Wait()
		select {
		case <-closed:
			t.Fatal("connection closed without an idle timeout")
		default:
		}
		a.Close()
	})
}

// Over TCP the receive buffer is modelled as on a real printer: random
// bytes never make Status report more than bufferSize buffered, and with
// the printer offline a large job fills the buffer, the server stops
// reading (the client's write backs up) and nothing is lost: everything
// prints once the paper is back.
func TestServedBufferIsBoundedAndFlowControlled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, ln, receipts := servePipes(t, escpos.ServerOptions{})
		var mu sync.Mutex
		peak := 0
		p.OnEvent(func(escpos.Event) { // on the stream's goroutine and the printer's
			b := p.Status().Buffered
			mu.Lock()
			peak = max(peak, b)
			mu.Unlock()
		})
		noise := make([]byte, 64<<10)
		var x uint32 = 2463534242
		for i := range noise { // xorshift32: reproducible noise
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			noise[i] = byte(x)
		}
		a := ln.dial()
		write(t, a, noise)
		a.Close()
		synctest.Wait()
		mu.Lock()
		pk := peak
		mu.Unlock()
		if st := p.Status(); pk > st.BufferSize || st.Buffered > st.BufferSize || st.BytesReceived < int64(len(noise)) {
			t.Fatalf("random input: peak buffered %d, now %d, of %d; received %d", pk, st.Buffered, st.BufferSize, st.BytesReceived)
		}

		p.SetPaper(escpos.PaperOut)
		// Select the printer and initialise it, whatever the noise did;
		// then 2000 lines of 24 bytes: 48,000 bytes.
		job := []byte("\x1b=\x01\x1b@")
		for i := range 2000 {
			job = append(job, fmt.Sprintf("LARGE JOB LINE %06d  \n", i)...)
		}
		job = append(job, "\x1dV\x00"...)
		b := ln.dial()
		wrote := make(chan struct{})
		go func() {
			write(t, b, job)
			close(wrote)
		}()
		synctest.Wait() // everything is blocked: the server stopped reading
		select {
		case <-wrote:
			t.Fatal("the client's 48,000 bytes went through a full 4 KB buffer of an offline printer")
		default:
		}
		st := p.Status()
		if st.Buffered != st.BufferSize || !st.Busy || st.OverflowBytes != 0 {
			t.Fatalf("offline, full: buffered %d busy %v lost %d", st.Buffered, st.Busy, st.OverflowBytes)
		}
		p.SetPaper(escpos.PaperOK)
		<-wrote
		b.Close()
		synctest.Wait()
		rs := *receipts
		last := rs[len(rs)-1]
		if txt := receiptText(last); strings.Count(txt, "LARGE JOB LINE") != 2000 || last.Cut() == nil {
			t.Errorf("the large job printed %d of 2000 lines (cut %v)", strings.Count(txt, "LARGE JOB LINE"), last.Cut())
		}
		mu.Lock()
		pk = peak
		mu.Unlock()
		if st := p.Status(); st.OverflowBytes != 0 || pk > st.BufferSize {
			t.Errorf("lost %d bytes; peak buffered %d", st.OverflowBytes, pk)
		}
	})
}
