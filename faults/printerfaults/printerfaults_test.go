package printerfaults_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/faults"
	"github.com/poshil/hil/faults/printerfaults"
)

var (
	dleEOT4  = []byte{escpos.DLE, escpos.EOT, 4}
	fullCut  = []byte{escpos.GS, escpos.GsCut, 0}
	statusOK = byte(0x12)
)

func lines(n int) []byte {
	var b []byte
	for i := range n {
		b = append(b, "LINE "...)
		b = append(b, byte('A'+i))
		b = append(b, escpos.LF)
	}
	return b
}

type rig struct {
	in  *faults.Injector
	p   *escpos.Printer
	srv *escpos.Server
	ad  *printerfaults.Adapter
}

// newRig starts the real printer emulator (and a TCP server when serve is
// set) with the plan attached.
func newRig(t *testing.T, plan string, serve bool, clk escpos.Clock) *rig {
	t.Helper()
	pl, err := faults.Parse(plan)
	if err != nil {
		t.Fatal(err)
	}
	in, err := faults.NewInjector(pl, faults.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := escpos.NewPrinter(escpos.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{in: in, p: p}
	if serve {
		r.srv, err = escpos.NewServer(p, escpos.ServerOptions{WrapConn: printerfaults.WrapConn(in), Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
	}
	r.ad = printerfaults.Attach(in, p, r.srv)
	t.Cleanup(func() {
		r.ad.Close()
		if r.srv != nil {
			r.srv.Close()
		}
		p.Close()
		in.Close()
	})
	return r
}

func (r *rig) write(t *testing.T, b []byte) {
	t.Helper()
	if _, err := r.p.Write(b); err != nil {
		t.Fatal(err)
	}
}

// idle waits for the printer; offline says whether it must have stopped
// with data left.
func (r *rig) idle(t *testing.T, offline bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := r.p.WaitIdle(ctx)
	if offline != errors.Is(err, escpos.ErrOffline) {
		t.Fatalf("WaitIdle = %v, want offline %v", err, offline)
	}
}

func TestPaperOutAfterLines(t *testing.T) {
	r := newRig(t, "printer paper-out after-lines=3", false, nil)
	r.write(t, lines(5))
	r.idle(t, true)
	if st := r.p.Status(); st.Paper != escpos.PaperOut || st.LinesPrinted != 3 {
		t.Fatalf("status %+v: want paper out after 3 lines", st)
	}
	ev := r.in.Evidence()
	if len(ev) != 1 || ev[0].Hit.Line != 3 {
		t.Fatalf("evidence %+v", ev)
	}
	// Heal puts a roll in: the rest prints.
	r.in.Heal()
	r.idle(t, false)
	if st := r.p.Status(); st.Paper != escpos.PaperOK || st.LinesPrinted != 5 {
		t.Fatalf("after heal %+v", st)
	}
}

func TestPaperOutAfterBytes(t *testing.T) {
	r := newRig(t, "printer paper-out after-bytes=14", false, nil)
	b := lines(4) // 7 bytes a line
	r.write(t, b[:7])
	r.idle(t, false)
	// The paper runs out as the write carrying byte 14 arrives; that
	// write's own line races the hook and may or may not print.
	r.write(t, b[7:14])
	r.write(t, b[14:])
	r.idle(t, true)
	if st := r.p.Status(); st.Paper != escpos.PaperOut || st.LinesPrinted < 1 || st.LinesPrinted > 2 {
		t.Fatalf("status %+v: want paper out after 14 bytes, before the third line", st)
	}
}

func TestCoverOpenAtCut(t *testing.T) {
	r := newRig(t, "printer cover-open cut=1", false, nil)
	r.write(t, bytes.Join([][]byte{lines(2), fullCut, lines(2)}, nil))
	r.idle(t, true)
	if st := r.p.Status(); !st.CoverOpen || st.Cuts != 1 || st.LinesPrinted != 2 {
		t.Fatalf("status %+v: want the cover open after the cut, nothing more printed", st)
	}
}

func TestCutterJam(t *testing.T) {
	r := newRig(t, "printer cutter-jam cut=1", false, nil)
	r.write(t, bytes.Join([][]byte{lines(1), fullCut, lines(1)}, nil))
	r.idle(t, true)
	if st := r.p.Status(); !st.CutterJammed || !st.CutterError || st.Online {
		t.Fatalf("status %+v: want jammed and offline", st)
	}
	r.in.Heal()
	r.idle(t, false)
	if st := r.p.Status(); st.CutterJammed || st.CutterError || !st.Online || st.LinesPrinted != 2 {
		t.Fatalf("after heal %+v", st)
	}
}

func TestPaperNearEndNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, "printer paper-near-end", false, nil)
		synctest.Wait()
		if st := r.p.Status(); st.Paper != escpos.PaperNearEnd || !st.Online {
			t.Fatalf("status %+v: want near end, still online", st)
		}
	})
}

func TestOfflineAtFor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, "printer offline at=1s for=2s", false, nil)
		online := func() bool { synctest.Wait(); return r.p.Status().Online }
		if !online() {
			t.Fatal("offline before at=1s")
		}
		time.Sleep(time.Second)
		if online() {
			t.Fatal("online at 1s")
		}
		time.Sleep(2 * time.Second)
		if !online() {
			t.Fatal("still offline after for=2s")
		}
	})
}

func TestHeadOverheat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, "printer head-overheat after-lines=1 for=3s", false, nil)
		r.write(t, lines(3))
		synctest.Wait()
		if st := r.p.Status(); !st.Overheated || st.LinesPrinted != 1 {
			t.Fatalf("status %+v: want overheated after line 1", st)
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		if st := r.p.Status(); st.Overheated || st.LinesPrinted != 3 {
			t.Fatalf("status %+v: want recovered and the rest printed", st)
		}
	})
}

func TestPowerCycleLosesBuffer(t *testing.T) {
	r := newRig(t, "printer power-cycle after-bytes=1", false, nil)
	r.p.SetOnline(false) // hold the data in the buffer
	r.write(t, lines(2))
	r.p.SetOnline(true)
	r.idle(t, false)
	if st := r.p.Status(); st.LinesPrinted != 0 || st.BytesReceived != 14 {
		t.Fatalf("status %+v: want the buffered lines lost", st)
	}
	if ev := r.in.Evidence(); len(ev) != 1 || ev[0].Kind != faults.PowerCycle {
		t.Fatalf("evidence %+v", ev)
	}
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func status(t *testing.T, c net.Conn) byte {
	t.Helper()
	if _, err := c.Write(dleEOT4); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatal(err)
	}
	return b[0]
}

func TestGarble(t *testing.T) {
	r := newRig(t, "seed 1\nprinter garble nth=2", true, nil)
	c := dial(t, r.srv.Addr())
	if b := status(t, c); b != statusOK {
		t.Fatalf("first status % x, want %x", b, statusOK)
	}
	if b := status(t, c); b == statusOK {
		t.Fatal("second status not garbled")
	}
	if b := status(t, c); b != statusOK {
		t.Fatalf("third status % x: garble count=1 exceeded", b)
	}
}

func TestDisconnect(t *testing.T) {
	r := newRig(t, "printer disconnect after-bytes=3", true, nil)
	c := dial(t, r.srv.Addr())
	c.Write(dleEOT4)
	// The status may or may not be answered before the drop; then EOF.
	if _, err := io.ReadAll(c); err != nil {
		var op *net.OpError
		if !errors.As(err, &op) {
			t.Fatalf("read after disconnect: %v", err)
		}
	}
	if ev := r.in.Evidence(); len(ev) != 1 || ev[0].Kind != faults.Disconnect {
		t.Fatalf("evidence %+v", ev)
	}
	// The printer keeps serving.
	if b := status(t, dial(t, r.srv.Addr())); b != statusOK {
		t.Fatalf("after disconnect: % x", b)
	}
}

// fakeClock is an escpos.Clock whose waits end when the test says so.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters chan time.Duration
	release chan time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.waiters <- d
	return c.release
}

func TestStall(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1000, 0), waiters: make(chan time.Duration, 10), release: make(chan time.Time)}
	r := newRig(t, "printer stall after-bytes=4 for=1h", true, clk)
	c := dial(t, r.srv.Addr())
	if b := status(t, c); b != statusOK {
		t.Fatal(b)
	}
	c.Write(dleEOT4) // byte 4 fires the stall
	if d := <-clk.waiters; d != time.Hour {
		t.Fatalf("stalled for %v, want 1h", d)
	}
	clk.mu.Lock()
	clk.now = clk.now.Add(time.Hour)
	clk.mu.Unlock()
	close(clk.release)
	b := make([]byte, 1)
	if _, err := io.ReadFull(c, b); err != nil || b[0] != statusOK {
		t.Fatalf("after the stall: % x %v", b, err)
	}
}

func TestGarbleFor(t *testing.T) {
	r := newRig(t, "printer garble at=0s for=1h", true, nil)
	c := dial(t, r.srv.Addr())
	for i := range 3 {
		if b := status(t, c); b == statusOK {
			t.Fatalf("reply %d not garbled during for=1h", i+1)
		}
	}
	if n := len(r.in.Evidence()); n != 1 {
		t.Errorf("%d evidence entries, want 1 (the rule fired once, the condition lasted)", n)
	}
	r.in.Heal()
	if b := status(t, c); b != statusOK {
		t.Fatalf("after heal % x", b)
	}
}
