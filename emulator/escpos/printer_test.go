package escpos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/poshil/hil/emulator/escpos/paper"
)

func TestLookupProfile(t *testing.T) {
	p, err := LookupProfile("")
	if err != nil || p.Name != "tm-t88" {
		t.Fatalf("default profile = %q, %v", p.Name, err)
	}
	if p.Columns(0) != 48 || p.Columns(1) != 64 || p.WidthDots != 576 || p.BufferSize != 4096 {
		t.Errorf("tm-t88: %d/%d columns, %d dots, %d-byte buffer", p.Columns(0), p.Columns(1), p.WidthDots, p.BufferSize)
	}
	g, _ := LookupProfile("generic-58")
	if g.Columns(0) != 32 || g.Columns(1) != 42 || g.WidthDots != 384 {
		t.Errorf("generic-58: %d/%d columns, %d dots", g.Columns(0), g.Columns(1), g.WidthDots)
	}
	z, _ := LookupProfile("zh-80")
	if !z.KanjiAtPowerOn || z.KanjiCell != (Cell{24, 24}) || z.WidthDots != 576 {
		t.Errorf("zh-80: kanji at power-on %v, cell %v", z.KanjiAtPowerOn, z.KanjiCell)
	}
	if names := len(Profiles()); names != 6 {
		t.Errorf("Profiles() lists %d profiles, want 6", names)
	}
	_, err = LookupProfile("tm-x")
	var pe *ProfileError
	if !errors.Is(err, ErrUnknownProfile) || !errors.As(err, &pe) || pe.Name != "tm-x" || len(pe.Known) != 6 {
		t.Errorf("LookupProfile(tm-x) = %v", err)
	}
	if _, err := NewPrinter(Options{Profile: "nope"}); !errors.Is(err, ErrUnknownProfile) {
		t.Errorf("NewPrinter with unknown profile: %v", err)
	}
}

func TestASB(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	// GS a: the ASB is sent when the command is executed.
	if got := send(t, p, out, []byte{GS, GsASB, 0x0F}); !cmp.Equal(got, []byte{0x10, 0, 0, 0}) {
		t.Fatalf("ASB on GS a = % x, want 10 00 00 00", got)
	}
	steps := []struct {
		name string
		do   func()
		want []byte
	}{
		{"cover open", func() { p.SetCover(true) }, []byte{0x38, 0, 0, 0}},
		{"cover closed", func() { p.SetCover(false) }, []byte{0x10, 0, 0, 0}},
		{"drawer open", func() { p.SetDrawer(true) }, []byte{0x14, 0, 0, 0}},
		{"near end", func() { p.SetPaper(PaperNearEnd) }, []byte{0x14, 0, 0x03, 0}},
		{"paper out", func() { p.SetPaper(PaperOut) }, []byte{0x1C, 0, 0x0F, 0}},
		{"paper back", func() { p.SetPaper(PaperOK) }, []byte{0x14, 0, 0, 0}},
		{"cutter jam", func() { p.SetCutterJam(true) }, []byte{0x1C, 0x09, 0, 0}},
		{"cutter freed: error stays", func() { p.SetCutterJam(false) }, nil},
		{"no change: nothing sent", func() { p.SetDrawer(true) }, nil},
	}
	for _, s := range steps {
		s.do()
		idle(t, p)
		if got := out.take(); !cmp.Equal(got, s.want, cmp.Comparer(bytes.Equal)) {
			t.Errorf("%s: ASB % x, want % x", s.name, got, s.want)
		}
	}
	// DLE ENQ 1 recovers from the cutter error: the ASB reports it.
	if got := send(t, p, out, []byte{DLE, ENQ, 1}); !cmp.Equal(got, []byte{0x14, 0, 0, 0}) {
		t.Errorf("after DLE ENQ 1: % x, want 14 00 00 00", got)
	}
	// Only enabled items trigger an ASB; it still carries all items.
	send(t, p, out, []byte{GS, GsASB, 0x01})
	p.SetCover(true)
	if got := send(t, p, out); len(got) != 0 {
		t.Errorf("cover change with only the drawer enabled sent % x", got)
	}
	p.SetDrawer(false)
	if got := send(t, p, out); !cmp.Equal(got, []byte{0x38, 0, 0, 0}) {
		t.Errorf("drawer change: % x, want 38 00 00 00", got)
	}
	// DLE DC4 7 1 sends the ASB in real time.
	if got := send(t, p, out, []byte{DLE, DC4, 7, 1}); !cmp.Equal(got, []byte{0x38, 0, 0, 0}) {
		t.Errorf("DLE DC4 7 1: % x", got)
	}
	// GS a 0 disables.
	send(t, p, out, []byte{GS, GsASB, 0})
	p.SetCover(false) // back online: GS a 0 is executed now
	idle(t, p)
	p.SetDrawer(true)
	if got := send(t, p, out); len(got) != 0 {
		t.Errorf("ASB disabled but sent % x", got)
	}
}

// GS ( H is answered when the data before it has printed: withheld while
// the paper is out, sent after recovery.
func TestProcessIDWithheldUntilPrinted(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	pid := []byte{GS, GsParen, GsParenProcessID, 6, 0, 48, 48, 'J', 'O', 'B', '1'}
	want := []byte{0x37, 0x22, 'J', 'O', 'B', '1', 0x00}
	if got := send(t, p, out, []byte("line\n"), pid); !cmp.Equal(got, want) {
		t.Fatalf("GS ( H reply = % x, want % x", got, want)
	}
	p.SetPaper(PaperOut)
	pid[10] = '2'
	want[5] = '2'
	if got := send(t, p, out, []byte("second\n"), pid); len(got) != 0 {
		t.Fatalf("GS ( H answered with the paper out: % x", got)
	}
	if err := p.WaitIdle(context.Background()); !errors.Is(err, ErrOffline) {
		t.Fatalf("WaitIdle offline with data = %v, want ErrOffline", err)
	}
	// Real-time status still answers at once.
	if got := send(t, p, out, []byte{DLE, EOT, 4}); !cmp.Equal(got, []byte{0x7E}) {
		t.Fatalf("DLE EOT 4 while out = % x", got)
	}
	p.SetPaper(PaperOK)
	idle(t, p)
	if got := out.take(); !cmp.Equal(got, want) {
		t.Fatalf("after recovery GS ( H reply = % x, want % x", got, want)
	}
	// "line" went out on the end of the old roll, torn off with it; the
	// new roll holds "second".
	lines := textLines(p.EndJobAndWait(t))
	if !cmp.Equal(lines, []string{"second"}) {
		t.Errorf("printed on the new roll %q", lines)
	}
	if rs := p.Receipts(); len(rs) != 2 || !cmp.Equal(textLines(rs[0]), []string{"line"}) || rs[0].Cut() != nil {
		t.Errorf("%d receipts; want the torn, uncut \"line\" first", len(rs))
	}
}

// EndJobAndWait ends the job and returns the last receipt.
func (p *Printer) EndJobAndWait(t *testing.T) *paper.Receipt {
	t.Helper()
	p.EndJob()
	idle(t, p)
	rs := p.Receipts()
	if len(rs) == 0 {
		t.Fatal("no receipt")
	}
	return rs[len(rs)-1]
}

func textLines(r *paper.Receipt) []string {
	var out []string
	for _, e := range r.Elements {
		if l, ok := e.(*paper.Line); ok {
			s := ""
			for _, run := range l.Runs {
				s += run.Text
			}
			out = append(out, s)
		}
	}
	return out
}

func TestClearBuffers(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	p.SetCover(true)
	send(t, p, out, []byte("lost\n"))
	if got := send(t, p, out, clearBuffersSeq[:]); !cmp.Equal(got, []byte{0x37, 0x25, 0x00}) {
		t.Fatalf("DLE DC4 8 reply = % x, want 37 25 00", got)
	}
	if st := p.Status(); st.Buffered != 0 {
		t.Errorf("%d bytes buffered after DLE DC4 8", st.Buffered)
	}
	p.SetCover(false)
	send(t, p, out, []byte("kept\n"))
	if lines := textLines(p.EndJobAndWait(t)); !cmp.Equal(lines, []string{"kept"}) {
		t.Errorf("printed %q, want only kept", lines)
	}
}

func TestOfflineBufferAndOverflow(t *testing.T) {
	p, out := newTestPrinter(t, Options{XONXOFF: true})
	p.SetOnline(false)
	line := []byte("0123456789012345678901234567890\n") // 32 bytes
	for range 120 {                                     // 3840 bytes: BUSY (free 256 <= 128? no) …
		send(t, p, out, line)
	}
	st := p.Status()
	if st.Buffered != 3840 || st.Busy || st.OverflowBytes != 0 {
		t.Fatalf("after 3840 bytes: buffered %d busy %v overflow %d", st.Buffered, st.Busy, st.OverflowBytes)
	}
	for range 4 { // 3968: free 128 → BUSY, XOFF
		send(t, p, out, line)
	}
	st = p.Status()
	if !st.Busy {
		t.Errorf("not BUSY with %d free", st.BufferSize-st.Buffered)
	}
	if got := out.take(); len(got) != 0 {
		t.Errorf("unexpected bytes % x", got)
	}
	// The XOFF went out when the threshold was crossed.
	p2, out2 := newTestPrinter(t, Options{XONXOFF: true})
	p2.SetOnline(false)
	if got := send(t, p2, out2, bytes.Repeat(line, 124)); !cmp.Equal(got, []byte{XOF}) {
		t.Errorf("XOFF: got % x", got)
	}
	// Overflow: 200 more bytes than fit are lost and counted.
	send(t, p, out, bytes.Repeat([]byte("x"), 128+200))
	st = p.Status()
	if st.Buffered != 4096 || st.OverflowBytes != 200 {
		t.Errorf("buffered %d overflow %d, want 4096 and 200", st.Buffered, st.OverflowBytes)
	}
	// Real-time commands are answered even with the buffer full.
	if got := send(t, p, out, []byte{DLE, EOT, 1}); !cmp.Equal(got, []byte{0x1A}) {
		t.Errorf("DLE EOT 1 with full buffer = % x", got)
	}
	// Back online: everything that fit prints.
	p.SetOnline(true)
	idle(t, p)
	// The 128 x's wait for a line feed: taken from the receive buffer,
	// pending as a run of text.
	if st := p.Status(); st.Buffered != 0 || st.PendingBytes != 128 || st.LinesPrinted != 124 || st.Busy {
		t.Errorf("after recovery: buffered %d pending %d lines %d busy %v", st.Buffered, st.PendingBytes, st.LinesPrinted, st.Busy)
	}
	p2.SetOnline(true)
	idle(t, p2)
	if got := out2.take(); !cmp.Equal(got, []byte{XON}) {
		t.Errorf("XON after recovery: got % x", got)
	}
}

func TestCutterJamRecovery(t *testing.T) {
	for _, tc := range []struct {
		name    string
		recover []byte
		want    []string
	}{
		{"DLE ENQ 1 keeps the data", []byte{DLE, ENQ, 1}, []string{"before", "waiting"}},
		{"DLE ENQ 2 clears the buffers", []byte{DLE, ENQ, 2}, []string{"before"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, out := newTestPrinter(t, Options{})
			send(t, p, out, []byte("before\n"))
			p.SetCutterJam(true)
			send(t, p, out, []byte("waiting\n"))
			// The cause is still there: DLE ENQ does not recover.
			send(t, p, out, tc.recover)
			if !p.Status().CutterError {
				t.Fatal("recovered with the cutter still jammed")
			}
			p.SetCutterJam(false)
			if got := send(t, p, out, []byte{DLE, EOT, 3}); !cmp.Equal(got, []byte{0x1A}) {
				t.Errorf("DLE EOT 3 after freeing the blade = % x, want 1A (error latched)", got)
			}
			send(t, p, out, tc.recover)
			if got := send(t, p, out, []byte{DLE, EOT, 3}); !cmp.Equal(got, []byte{0x12}) {
				t.Errorf("DLE EOT 3 after recovery = % x, want 12", got)
			}
			if lines := textLines(p.EndJobAndWait(t)); !cmp.Equal(lines, tc.want) {
				t.Errorf("printed %q, want %q", lines, tc.want)
			}
		})
	}
}

func TestOverheatRecoversWithClock(t *testing.T) {
	clk := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p, out := newTestPrinter(t, Options{Now: clk.Now})
	p.Overheat(time.Hour) // the timer is far away: only the clock recovers it here
	send(t, p, out, []byte("hot\n"))
	if st := p.Status(); st.Online || st.LinesPrinted != 0 || !st.Overheated {
		t.Fatalf("overheated printer printed or is online: %+v", st)
	}
	clk.Advance(59 * time.Minute)
	if got := send(t, p, out, []byte{DLE, EOT, 3}); !cmp.Equal(got, []byte{0x52}) {
		t.Errorf("DLE EOT 3 before the end = % x, want 52", got)
	}
	clk.Advance(time.Minute)
	if got := send(t, p, out, []byte{DLE, EOT, 3}); !cmp.Equal(got, []byte{0x12}) {
		t.Errorf("DLE EOT 3 after cooling = % x, want 12", got)
	}
	idle(t, p)
	if st := p.Status(); !st.Online || st.LinesPrinted != 1 {
		t.Errorf("after cooling: online %v, lines %d", st.Online, st.LinesPrinted)
	}
}

func TestRollRunsOut(t *testing.T) {
	// A 10 mm roll at 203 dpi is 79 dots: two 30-dot lines fit, the third
	// runs it out; the rest waits for a new roll.
	p, out := newTestPrinter(t, Options{RollLengthMM: 10, NearEndMM: 5})
	send(t, p, out, []byte("1\n2\n3\n4\n"))
	st := p.Status()
	if st.Paper != PaperOut || st.LinesPrinted != 3 || st.RollRemainingDots != 0 {
		t.Fatalf("paper %v lines %d left %d, want out after 3 lines", st.Paper, st.LinesPrinted, st.RollRemainingDots)
	}
	p.SetPaper(PaperOK)
	idle(t, p)
	if st := p.Status(); st.LinesPrinted != 4 || st.RollRemainingDots != 79-30 {
		t.Errorf("after a new roll: lines %d left %d", st.LinesPrinted, st.RollRemainingDots)
	}
	send(t, p, out, []byte("5\n"))
	if st := p.Status(); st.Paper != PaperNearEnd {
		t.Errorf("paper %v with %d dots left, want near-end", st.Paper, st.RollRemainingDots)
	}
}

// Faults set the paper out from an event hook at an exact line: the line
// after it does not print, and the hook calling a state verb does not
// deadlock.
func TestEventHookStopsAtLine(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	var mu sync.Mutex
	var kinds []EventKind
	p.OnEvent(func(e Event) {
		mu.Lock()
		kinds = append(kinds, e.Kind)
		mu.Unlock()
		if e.Kind == EventLine && e.Lines == 2 {
			p.SetPaper(PaperOut)
			_ = p.Status()
		}
	})
	send(t, p, out, []byte("1\n2\n3\n"))
	if st := p.Status(); st.LinesPrinted != 2 || st.Paper != PaperOut {
		t.Fatalf("lines %d paper %v, want 2 and out", st.LinesPrinted, st.Paper)
	}
	p.SetPaper(PaperOK)
	idle(t, p)
	if st := p.Status(); st.LinesPrinted != 3 {
		t.Errorf("lines %d after recovery, want 3", st.LinesPrinted)
	}
	mu.Lock()
	defer mu.Unlock()
	if kinds[0] != EventBytes {
		t.Errorf("first event %v, want bytes", kinds[0])
	}
	n := map[EventKind]int{}
	for _, k := range kinds {
		n[k]++
	}
	if n[EventLine] != 3 || n[EventCommand] != 6 {
		t.Errorf("events %v", n)
	}
}

func TestReceiptsAtCutAndEndJob(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	var got []*paper.Receipt
	var mu sync.Mutex
	p.OnReceipt(func(r *paper.Receipt) { mu.Lock(); got = append(got, r); mu.Unlock() })
	job1 := cat([]byte("one\n"), b(GS, GsCut, 0))
	job2 := []byte("two\n")
	send(t, p, out, job1, job2)
	p.EndJob()
	idle(t, p)
	rs := p.Receipts()
	if len(rs) != 2 {
		t.Fatalf("%d receipts, want 2", len(rs))
	}
	if rs[0].Seq != 1 || rs[0].Cut() == nil || rs[0].Cut().Partial || !bytes.Equal(rs[0].Raw, job1) {
		t.Errorf("receipt 1: seq %d cut %v raw %q", rs[0].Seq, rs[0].Cut(), rs[0].Raw)
	}
	if rs[1].Seq != 2 || rs[1].Cut() != nil || !bytes.Equal(rs[1].Raw, job2) {
		t.Errorf("receipt 2: seq %d cut %v raw %q", rs[1].Seq, rs[1].Cut(), rs[1].Raw)
	}
	mu.Lock()
	if len(got) != 2 {
		t.Errorf("OnReceipt called %d times", len(got))
	}
	mu.Unlock()
	// EndJob with nothing printed makes no receipt.
	p.EndJob()
	idle(t, p)
	if n := len(p.Receipts()); n != 2 {
		t.Errorf("%d receipts after an empty job", n)
	}
}

func TestPowerCycleLosesBuffer(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	send(t, p, out, []byte{GS, GsASB, 0x02})
	p.SetCover(true)
	send(t, p, out, []byte("lost\n"))
	p.PowerCycle()
	p.SetCover(false)
	if got := send(t, p, out); len(got) != 0 {
		t.Errorf("ASB after power cycle (GS a reset): % x", got)
	}
	st := p.Status()
	if st.Buffered != 0 || st.LinesPrinted != 0 {
		t.Errorf("after power cycle: buffered %d lines %d", st.Buffered, st.LinesPrinted)
	}
}

// Many goroutines at once: writers, state verbs, status readers, output
// switches; run with -race.
func TestConcurrentUse(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	p.OnEvent(func(e Event) {
		if e.Kind == EventLine && e.Lines%7 == 0 {
			p.SetDrawer(e.Lines%2 == 0)
		}
	})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				p.Write([]byte(fmt.Sprintf("w%d line %d\n", i, j)))
				p.Write([]byte{DLE, EOT, 1})
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			p.SetCover(true)
			p.SetCover(false)
			_ = p.Status()
		}
	})
	wg.Go(func() {
		for range 20 {
			p.SetOutput(out)
			p.Receipts()
		}
	})
	wg.Wait()
	idle(t, p)
	if st := p.Status(); st.LinesPrinted+int64(st.Buffered) == 0 || !st.Online {
		t.Errorf("after concurrent use: %+v", st)
	}
}

func TestCloseIdempotent(t *testing.T) {
	p, err := NewPrinter(Options{})
	if err != nil {
		t.Fatal(err)
	}
	p.Write([]byte("x\n"))
	done := make(chan error, 1)
	go func() { done <- p.WaitIdle(context.Background()) }()
	p.Close()
	p.Close()
	if err := <-done; err != nil && !errors.Is(err, ErrClosed) {
		t.Errorf("WaitIdle across Close: %v", err)
	}
	if _, err := p.Write([]byte("y")); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
}

// EndJob ends the receipt at the point of the stream where it was
// called, even when the next client's data is already buffered.
func TestEndJobAtStreamPosition(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	p.SetOnline(false) // nothing runs until both jobs are in
	p.Write([]byte("first client\n"))
	p.EndJob()
	p.Write([]byte("second client\n"))
	p.EndJob()
	p.SetOnline(true)
	idle(t, p)
	rs := p.Receipts()
	if len(rs) != 2 {
		t.Fatalf("%d receipts, want 2", len(rs))
	}
	for i, want := range []string{"first client", "second client"} {
		if got := textLines(rs[i]); !cmp.Equal(got, []string{want}) {
			t.Errorf("receipt %d: %q, want %q", i+1, got, want)
		}
	}
	_ = out
}

// The overheat ends by itself after its duration: the printer's timer
// (fake time inside the synctest bubble) brings it back online and the
// waiting data prints without any call into the printer.
func TestOverheatTimerRecovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, err := NewPrinter(Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		var printed atomic.Int64
		p.OnEvent(func(e Event) {
			if e.Kind == EventLine {
				printed.Store(e.Lines)
			}
		})
		p.Overheat(5 * time.Second)
		p.Write([]byte("after cooling\n"))
		synctest.Wait()
		if printed.Load() != 0 {
			t.Fatal("printed while overheated")
		}
		time.Sleep(5 * time.Second) // fake time: the bubble's clock advances
		synctest.Wait()
		if printed.Load() != 1 {
			t.Fatalf("printed %d lines after the head cooled, want 1", printed.Load())
		}
	})
}

// Garbage in the middle of a job is skipped and logged; the rest prints.
func TestMalformedDoesNotLoseTheJob(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	send(t, p, out, []byte("before\n"), []byte{ESC, 0x01, GS, 0xEE, 0x00, DLE, 0x7F, GS, GsBarcode, 99}, []byte("after\n"), []byte{GS, GsCut, 1})
	rs := p.Receipts()
	if len(rs) != 1 || rs[0].Cut() == nil {
		t.Fatalf("receipts %v", rs)
	}
	if lines := textLines(rs[0]); !cmp.Equal(lines, []string{"before", "after"}) {
		t.Errorf("printed %q", lines)
	}
}

// writerFunc adapts a function to io.Writer.
type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// TestReceiptHooksOffThePrintPath: a slow OnReceipt hook does not hold up
// printing or replies, WaitIdle counts a receipt whose hooks have not
// returned as work, hooks see receipts in order, and Close delivers every
// receipt finished before it.
func TestReceiptHooksOffThePrintPath(t *testing.T) {
	p, err := NewPrinter(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	release := make(chan struct{})
	var mu sync.Mutex
	var got []int
	p.OnReceipt(func(r *paper.Receipt) {
		if r.Seq == 1 {
			<-release
		}
		mu.Lock()
		got = append(got, r.Seq)
		mu.Unlock()
	})
	replied := make(chan []byte, 4)
	p.SetOutput(writerFunc(func(b []byte) (int, error) {
		replied <- bytes.Clone(b)
		return len(b), nil
	}))
	cut := b(GS, GsCut, 0)
	if _, err := p.Write(cat([]byte("one\n"), cut, []byte("two\n"), cut, b(GS, GsStatus, 1))); err != nil {
		t.Fatal(err)
	}
	// GS r 1 is answered after both cuts, while the first hook still runs.
	if r := <-replied; len(r) != 1 {
		t.Fatalf("GS r 1 reply %x", r)
	}
	if n := p.Status().Receipts; n != 2 {
		t.Fatalf("%d receipts finished before the reply, want 2", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.WaitIdle(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitIdle with a receipt hook running: %v, want context.Canceled", err)
	}
	mu.Lock()
	if len(got) != 0 {
		t.Errorf("hooks returned for %v while the first one was blocked", got)
	}
	mu.Unlock()
	close(release)
	p.Close()
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, []int{1, 2}) {
		t.Errorf("receipts delivered by Close: %v, want [1 2]", got)
	}
}

// TestPaperShowsThePieceNotYetCut: a job stopped by the cover opening and
// cleared by its client (DLE DC4 8), while the client stays connected, has
// put paper out: Paper shows it, uncut, although no receipt ended; the
// next job's cut (GS V 66 0) makes it a receipt of its own.
func TestPaperShowsThePieceNotYetCut(t *testing.T) {
	p, out := newTestPrinter(t, Options{})
	send(t, p, out, []byte("one\ntwo\n"))
	p.SetCover(true)
	send(t, p, out, []byte("three\n"), b(GS, GsCut, 0))
	piece := p.Paper()
	if len(p.Receipts()) != 0 || len(piece) != 1 || piece[0].Cut() != nil || len(piece[0].Elements) != 2 {
		t.Fatalf("cover open mid-job: %d receipts, paper %v; want none and one uncut piece of 2 lines", len(p.Receipts()), piece)
	}
	if !bytes.Equal(piece[0].Raw, []byte("one\ntwo\n")) {
		t.Errorf("the piece's host bytes %q, want what printed", piece[0].Raw)
	}
	send(t, p, out, clearBuffersSeq[:])
	p.SetCover(false)
	idle(t, p)
	if got := p.Paper(); len(got) != 1 || len(got[0].Elements) != 2 || len(p.Receipts()) != 0 {
		t.Fatalf("cover closed after DLE DC4 8: paper %v, %d receipts; want the same piece, no receipt", got, len(p.Receipts()))
	}
	send(t, p, out, b(GS, GsCut, 66, 0), []byte("next\n"), b(GS, GsCut, 0))
	rs := p.Receipts()
	if len(rs) != 2 || rs[0].Cut() == nil || rs[1].Cut() == nil {
		t.Fatalf("after the next job: %d receipts %v, want the piece cut off and the next receipt", len(rs), rs)
	}
	if got := p.Paper(); len(got) != 2 || got[0] != rs[0] || got[1] != rs[1] {
		t.Errorf("Paper %v, want the receipts %v", got, rs)
	}
	// The snapshot was a copy: the piece on paper then had 2 elements.
	if len(piece[0].Elements) != 2 {
		t.Errorf("the earlier Paper snapshot changed: %d elements", len(piece[0].Elements))
	}
	// Blank paper (a feed) is not a receipt.
	send(t, p, out, []byte("\n\n"))
	if got := p.Paper(); len(got) != 2 {
		t.Errorf("after a feed: %d pieces on paper, want 2", len(got))
	}
}
