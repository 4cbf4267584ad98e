package escpos

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"runtime"
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

// The printer keeps the last KeepReceipts receipts, within KeepBytes,
// and counts the others.
func TestReceiptsInMemoryAreBounded(t *testing.T) {
	p, _ := newTestPrinter(t, Options{KeepReceipts: 3, Logger: slog.New(slog.DiscardHandler)})
	for i := range 10 {
		p.Write([]byte("\x1b@receipt " + strconv.Itoa(i+1) + "\n\x1dV\x00"))
	}
	idle(t, p)
	var seqs []int
	for _, r := range p.Receipts() {
		seqs = append(seqs, r.Seq)
	}
	st := p.Status()
	if !cmp.Equal(seqs, []int{8, 9, 10}) || st.ReceiptsEvicted != 7 || st.ReceiptsInMemory != 3 || st.Receipts != 10 {
		t.Errorf("kept %v; status: evicted %d in memory %d printed %d", seqs, st.ReceiptsEvicted, st.ReceiptsInMemory, st.Receipts)
	}

	// Receipts of a 100 KB image (about 200 KB each: the image's dots
	// and its host bytes) against a 450 KB budget: two fit.
	p2, _ := newTestPrinter(t, Options{KeepBytes: 450_000, Logger: slog.New(slog.DiscardHandler)})
	img := []byte("\x1dv0\x00\x48\x00\x78\x05") // 72 bytes × 1400 rows = 100,800 bytes
	img = append(img, bytes.Repeat([]byte{0x55}, 72*1400)...)
	for range 5 {
		p2.Write(append(append([]byte("\x1b@"), img...), "\x1dV\x00"...))
	}
	idle(t, p2)
	st = p2.Status()
	if st.ReceiptsInMemory != 2 || st.ReceiptsEvicted != 3 || st.ReceiptBytesInMemory > 450_000 {
		t.Errorf("status: in memory %d (%d bytes), evicted %d", st.ReceiptsInMemory, st.ReceiptBytesInMemory, st.ReceiptsEvicted)
	}
}

// A receipt keeps at most MaxReceiptRaw host bytes; the rest is counted,
// and the bytes of the next receipts stay right.
func TestReceiptRawIsBounded(t *testing.T) {
	p, _ := newTestPrinter(t, Options{MaxReceiptRaw: 1000, Logger: slog.New(slog.DiscardHandler)})
	big := []byte("\x1b@")
	for i := range 300 { // 300 × 12 = 3600 bytes of lines
		big = append(big, []byte("line "+strconv.Itoa(100000+i)+"\n")...)
	}
	big = append(big, "\x1dV\x00"...)
	small1 := []byte("\x1b@small one\n\x1dV\x00")
	small2 := []byte("\x1b@small two\n\x1dV\x00")
	want := [][]byte{big, small2}
	p.Write(big)
	idle(t, p)
	p.Write(small1) // after the big one printed: recorded whole
	p.Write(append(append([]byte(nil), big...), small2...))
	idle(t, p)
	rs := p.Receipts()
	if len(rs) != 4 {
		t.Fatalf("%d receipts", len(rs))
	}
	if got := rs[0]; !bytes.Equal(got.Raw, big[:1000]) || got.RawTruncated != int64(len(big)-1000) {
		t.Errorf("big receipt: raw %d bytes, truncated %d; want 1000 and %d", len(got.Raw), got.RawTruncated, len(big)-1000)
	}
	if got := rs[1]; !bytes.Equal(got.Raw, small1) || got.RawTruncated != 0 {
		t.Errorf("small receipt: raw %q truncated %d", got.Raw, got.RawTruncated)
	}
	// Every receipt accounts for all its bytes, kept or counted; the
	// small one that came in behind the big one, in the same Write, is
	// recorded whole from the tail kept while recording was stopped.
	for i, n := range []int{len(big), len(small2)} {
		if got := rs[2+i]; int64(len(got.Raw))+got.RawTruncated != int64(n) || !bytes.HasPrefix(want[i], got.Raw) {
			t.Errorf("receipt %d: %d kept + %d counted, want %d", got.Seq, len(got.Raw), got.RawTruncated, n)
		}
	}
	if got := rs[3]; !bytes.Equal(got.Raw, small2) {
		t.Errorf("small receipt behind the big one: raw %q, truncated %d", got.Raw, got.RawTruncated)
	}
}

// A 100 MB GS v 0 image (beyond DecoderOptions.MaxData: skipped) is held
// nowhere: the heap stays small while it streams through and after.
func TestHugeRasterIsNotHeld(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 100 MB")
	}
	p, _ := newTestPrinter(t, Options{Logger: slog.New(slog.DiscardHandler)})
	// GS v 0 m=0, x = 0xFFFF bytes, y = 0x0640 = 1600 rows: 104,856,000 bytes.
	const x, y = 0xFFFF, 0x0640
	head := []byte("\x1b@before\n\x1dv0\x00\xff\xff\x40\x06")
	ctx := context.Background()
	if _, err := p.Feed(ctx, head); err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	chunk := make([]byte, 1<<20)
	var peak uint64
	for sent := 0; sent < x*y; sent += len(chunk) {
		if _, err := p.Feed(ctx, chunk[:min(len(chunk), x*y-sent)]); err != nil {
			t.Fatal(err)
		}
		if sent%(16<<20) == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	p.Feed(ctx, []byte("after\n\x1dV\x00"))
	idle(t, p)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapAlloc)
	if grow := int64(peak) - int64(base); grow > 24<<20 {
		t.Errorf("heap grew by %d MiB while a 100 MB image streamed through", grow>>20)
	}
	rs := p.Receipts()
	if len(rs) != 1 {
		t.Fatalf("%d receipts", len(rs))
	}
	r := rs[0]
	if int64(len(r.Raw))+r.RawTruncated != int64(len(head)+x*y+len("after\n\x1dV\x00")) || len(r.Raw) > DefaultMaxReceiptRaw {
		t.Errorf("raw: %d kept, %d counted", len(r.Raw), r.RawTruncated)
	}
	if txt := textLines(r); !cmp.Equal(txt, []string{"before", "after"}) {
		t.Errorf("printed %q", txt)
	}
}

// Raw bookkeeping stays aligned with the stream whatever the bound: every
// receipt accounts for exactly its bytes, and those it keeps are its first.
func TestReceiptRawAccountsForEveryByte(t *testing.T) {
	var jobs [][]byte
	for i := range 40 {
		j := []byte("\x1b@")
		for k := range i * 7 % 50 {
			j = append(j, []byte("r"+strconv.Itoa(i)+" line "+strconv.Itoa(k)+"\n")...)
		}
		j = append(j, "end\n\x1dV\x00"...)
		jobs = append(jobs, j)
	}
	for _, limit := range []int{-1, 1, 13, 100, 257, 1000, 5000} {
		for _, chunk := range []int{1, 7, 64, 4096, 1 << 20} {
			p, _ := newTestPrinter(t, Options{MaxReceiptRaw: limit, Logger: slog.New(slog.DiscardHandler)})
			stream := bytes.Join(jobs, nil)
			for i := 0; i < len(stream); i += chunk {
				p.Feed(context.Background(), stream[i:min(i+chunk, len(stream))])
			}
			idle(t, p)
			rs := p.Receipts()
			if len(rs) != len(jobs) {
				t.Fatalf("limit %d chunk %d: %d receipts", limit, chunk, len(rs))
			}
			for i, r := range rs {
				if int64(len(r.Raw))+r.RawTruncated != int64(len(jobs[i])) || !bytes.HasPrefix(jobs[i], r.Raw) || len(r.Raw) > max(limit, 0) {
					t.Fatalf("limit %d chunk %d receipt %d: kept %d (%q…) + counted %d, want %d", limit, chunk, i+1, len(r.Raw), r.Raw[:min(len(r.Raw), 12)], r.RawTruncated, len(jobs[i]))
				}
			}
			p.Close()
		}
	}
}
