package escpos

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// warnLog collects the WARN lines a printer logs.
type warnLog struct {
	mu    sync.Mutex
	lines []string
}

func (w *warnLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for l := range strings.SplitSeq(strings.TrimRight(string(p), "\n"), "\n") {
		if strings.Contains(l, "level=WARN") {
			w.lines = append(w.lines, l)
		}
	}
	return len(p), nil
}

func (w *warnLog) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.lines...)
}

func warnLogger(w *warnLog) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// A run of malformed sequences is one log line with the count, the bytes
// and the offset range; a run far away is another line.
func TestMalformedRunIsOneLogLine(t *testing.T) {
	var w warnLog
	clk := &fakeClock{now: time.Unix(1000, 0)}
	p, _ := newTestPrinter(t, Options{Logger: warnLogger(&w), Now: clk.Now})
	// "ok\n", then GS 0xFF five times (undefined: two bytes each), then
	// "fine\n"; 5000 bytes of text later, one more GS 0xFF.
	job := []byte("ok\n\x1d\xff\x1d\xff\x1d\xff\x1d\xff\x1d\xfffine\n")
	job = append(job, bytes.Repeat([]byte("0123456789012345678901234567890\n"), 5000/32)...)
	far := len(job)
	job = append(job, 0x1d, 0xff, '\n')
	if _, err := p.Write(job); err != nil {
		t.Fatal(err)
	}
	idle(t, p)
	got := w.all()
	want := []string{
		`level=WARN msg="malformed input skipped" printer=tm-t88 sequences=5 bytes=10 from=3 to=13 first_reason="undefined command GS 0xff"`,
		`level=WARN msg="malformed command skipped" printer=tm-t88 offset=` + strconv.Itoa(far) + ` bytes="\x1d\xff" reason="undefined command GS 0xff"`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("log lines (-want +got):\n%s", diff)
	}
	st := p.Status()
	if st.MalformedCommands != 6 || st.MalformedBytes != 12 || st.LogSuppressed != 0 {
		t.Errorf("status counts: malformed %d bytes %d suppressed %d, want 6, 12, 0", st.MalformedCommands, st.MalformedBytes, st.LogSuppressed)
	}
}

// 64 KiB of random bytes (the 3,074 WARN lines) give a small,
// fixed number of lines; the counts are all in Status.
func TestRandomInputDoesNotFloodTheLog(t *testing.T) {
	var w warnLog
	clk := &fakeClock{now: time.Unix(1000, 0)} // the clock does not move: no refill
	p, _ := newTestPrinter(t, Options{Logger: warnLogger(&w), Now: clk.Now})
	noise := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(13, 13))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	for i := 0; i < len(noise); i += 4096 {
		if _, err := p.Feed(context.Background(), noise[i:i+4096]); err != nil {
			t.Fatal(err)
		}
	}
	p.EndJob()
	idle(t, p)
	lines := w.all()
	if len(lines) > logBurst {
		t.Errorf("%d WARN lines for 64 KiB of noise, want at most %d:\n%s", len(lines), logBurst, strings.Join(lines, "\n"))
	}
	st := p.Status()
	t.Logf("%d lines; status: malformed %d (%d bytes), ignored %d, suppressed %d", len(lines), st.MalformedCommands, st.MalformedBytes, st.IgnoredCommands, st.LogSuppressed)
	if st.MalformedCommands < 500 {
		t.Errorf("only %d malformed sequences counted in 64 KiB of noise", st.MalformedCommands)
	}
	if st.LogSuppressed == 0 {
		t.Error("nothing suppressed: the limiter did not act")
	}
	// The clock moves on: one more line a second, saying what was
	// suppressed before it.
	clk.Advance(logEvery)
	if _, err := p.Write([]byte{0x1d, 0xff, '\n'}); err != nil {
		t.Fatal(err)
	}
	idle(t, p)
	lines = w.all()
	if last := lines[len(lines)-1]; !strings.Contains(last, "suppressed_before=") {
		t.Errorf("line after the pause does not say what was suppressed: %s", last)
	}
}

// watchBuffered records the largest Status.Buffered seen at every event.
func watchBuffered(p *Printer) func() int {
	var mu sync.Mutex
	peak := 0
	p.OnEvent(func(Event) {
		b := p.Status().Buffered
		mu.Lock()
		peak = max(peak, b)
		mu.Unlock()
	})
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return max(peak, p.Status().Buffered)
	}
}

// The receive buffer never holds more than its size, whatever arrives:
// random bytes (the issue saw buffered 28788 of 4096) or a large job.
func TestBufferedNeverExceedsBufferSize(t *testing.T) {
	noise := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(7, 7))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	// A large job: text, a 48×2000-byte GS v 0 raster (96,000 bytes), text.
	large := []byte("\x1b@before\n\x1dv0\x00\x30\x00\xd0\x07")
	large = append(large, bytes.Repeat([]byte{0xAA}, 48*2000)...)
	large = append(large, "after\n\x1dV\x00"...)
	for _, tc := range []struct {
		name string
		data []byte
		feed bool
	}{
		{"noise, Write", noise, false},
		{"noise, Feed", noise, true},
		{"large job, Write", large, false},
		{"large job, Feed", large, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := newTestPrinter(t, Options{Logger: slog.New(slog.DiscardHandler)})
			peak := watchBuffered(p)
			for i := 0; i < len(tc.data); i += 32 << 10 {
				chunk := tc.data[i:min(i+32<<10, len(tc.data))]
				var err error
				if tc.feed {
					_, err = p.Feed(context.Background(), chunk)
				} else {
					_, err = p.Write(chunk)
				}
				if err != nil {
					t.Fatal(err)
				}
				if b := p.Status().Buffered; b > p.Profile().BufferSize {
					t.Fatalf("buffered %d > bufferSize %d", b, p.Profile().BufferSize)
				}
			}
			idle(t, p)
			st := p.Status()
			if pk := peak(); pk > st.BufferSize {
				t.Errorf("peak buffered %d > bufferSize %d", pk, st.BufferSize)
			}
			if st.OverflowBytes != 0 {
				t.Errorf("%d bytes lost online", st.OverflowBytes)
			}
		})
	}
}

// Offline, Feed fills the receive buffer to its size and then waits (a
// host honouring BUSY): nothing is lost, and everything prints once the
// printer is back online.
func TestFeedWaitsForRoomOffline(t *testing.T) {
	p, out := newTestPrinter(t, Options{XONXOFF: true, Logger: slog.New(slog.DiscardHandler)})
	p.SetPaper(PaperOut)
	var job []byte
	for i := range 1000 { // 1000 lines of 32 bytes: 32,000 bytes
		job = append(job, []byte("line "+strconv.Itoa(10000+i)+" 0123456789012345678\n")...)
	}
	job = append(job, 0x1d, 'V', 0)
	done := make(chan error, 1)
	full := make(chan struct{})
	var once sync.Once
	p.OnEvent(func(e Event) {
		if e.Kind == EventBytes && p.Status().Buffered == p.Profile().BufferSize {
			once.Do(func() { close(full) })
		}
	})
	go func() {
		_, err := p.Feed(context.Background(), job)
		done <- err
	}()
	<-full
	st := p.Status()
	if !st.Busy || st.Buffered != st.BufferSize || st.OverflowBytes != 0 {
		t.Fatalf("offline and full: busy %v buffered %d overflow %d", st.Busy, st.Buffered, st.OverflowBytes)
	}
	select {
	case err := <-done:
		t.Fatalf("Feed returned (%v) with the printer offline and the buffer full", err)
	default:
	}
	idle(t, p) // the reply goroutine has written what it had
	if got := out.take(); !cmp.Equal(got, []byte{XOF}) {
		t.Errorf("replies while filling: % x, want XOFF", got)
	}
	p.SetPaper(PaperOK)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	idle(t, p)
	rs := p.Receipts()
	if len(rs) != 1 {
		t.Fatalf("%d receipts", len(rs))
	}
	st = p.Status()
	if st.LinesPrinted != 1000 || st.OverflowBytes != 0 || st.Buffered != 0 || st.Busy {
		t.Errorf("after recovery: lines %d overflow %d buffered %d busy %v", st.LinesPrinted, st.OverflowBytes, st.Buffered, st.Busy)
	}
	if !bytes.Equal(rs[0].Raw, job) {
		t.Errorf("receipt raw is %d bytes, want the %d sent", len(rs[0].Raw), len(job))
	}
}

// Feed gives up when its context ends.
func TestFeedStopsWithItsContext(t *testing.T) {
	p, _ := newTestPrinter(t, Options{Logger: slog.New(slog.DiscardHandler)})
	p.SetOnline(false)
	ctx, cancel := context.WithCancel(context.Background())
	p.OnEvent(func(e Event) {
		if e.Kind == EventBytes && p.Status().Buffered == p.Profile().BufferSize {
			cancel()
		}
	})
	n, err := p.Feed(ctx, make([]byte, 10000))
	if !errors.Is(err, context.Canceled) || n != p.Profile().BufferSize {
		t.Errorf("Feed = %d, %v; want %d, context.Canceled", n, err, p.Profile().BufferSize)
	}
}
