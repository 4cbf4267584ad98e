package escpos_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/poshil/hil/emulator/escpos"
)

func TestRealtimeBaudRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := escpos.NewRealtimePacer(escpos.RealtimeOptions{BaudRate: 9600})
		start := time.Now()
		// 960 bytes at 9600 baud, 10 bits a byte: one second.
		if err := r.Consumed(t.Context(), 960, 0); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != time.Second {
			t.Fatalf("960 bytes at 9600 baud took %v, want 1s", got)
		}
	})
}

func TestRealtimePrintSpeedAddsToLink(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := escpos.NewRealtimePacer(escpos.RealtimeOptions{BaudRate: 19200, DotLinesPerSecond: 2000})
		start := time.Now()
		// 192 bytes = 100 ms on the link; 24 dot rows (one text line) = 12 ms.
		for range 10 {
			if err := r.Consumed(t.Context(), 192, 24); err != nil {
				t.Fatal(err)
			}
		}
		if got, want := time.Since(start), 10*(100+12)*time.Millisecond; got != want {
			t.Fatalf("took %v, want %v", got, want)
		}
	})
}

func TestRealtimeDoesNotCreditIdleTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := escpos.NewRealtimePacer(escpos.RealtimeOptions{BaudRate: 9600})
		time.Sleep(time.Hour) // the host was idle (fake time inside the bubble)
		start := time.Now()
		if err := r.Consumed(t.Context(), 96, 0); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 100*time.Millisecond {
			t.Fatalf("after an idle hour 96 bytes took %v, want 100ms", got)
		}
	})
}

func TestRealtimeZeroIsUnlimitedAndCtxStopsAWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fast := escpos.NewRealtimePacer(escpos.RealtimeOptions{})
		start := time.Now()
		if err := fast.Consumed(t.Context(), 1<<20, 1<<20); err != nil || time.Since(start) != 0 {
			t.Fatalf("unlimited pacer waited %v, err %v", time.Since(start), err)
		}
		slow := escpos.NewRealtimePacer(escpos.RealtimeOptions{BaudRate: 10})
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := slow.Consumed(ctx, 1000, 0); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Consumed with an expiring ctx: %v", err)
		}
		if got := time.Since(start); got != time.Second {
			t.Fatalf("gave up after %v, want 1s", got)
		}
	})
}

// fakeClock is a manual Clock: time moves only with Advance, and every
// After call is announced on waiters so tests wait for events, not time.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []fakeTimer
	waiters chan time.Duration
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), waiters: make(chan time.Duration, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	ch := make(chan time.Time, 1)
	c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), ch: ch})
	c.mu.Unlock()
	select {
	case c.waiters <- d:
	default:
	}
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, tm := range c.timers {
		if !tm.at.After(c.now) {
			tm.ch <- c.now
		} else {
			kept = append(kept, tm)
		}
	}
	c.timers = kept
}

var _ escpos.Clock = (*fakeClock)(nil)

func TestRealtimeWithInjectedClock(t *testing.T) {
	clk := newFakeClock()
	r := escpos.NewRealtimePacer(escpos.RealtimeOptions{BaudRate: 9600, Clock: clk})
	done := make(chan error, 1)
	go func() { done <- r.Consumed(context.Background(), 9600, 0) }()
	if d := <-clk.waiters; d != 10*time.Second {
		t.Fatalf("waits %v, want 10s", d)
	}
	clk.Advance(9 * time.Second)
	select {
	case err := <-done:
		t.Fatalf("returned after 9 of 10 s: %v", err)
	default:
	}
	clk.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestRealtimeChunkingDoesNotChangeTheCost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := escpos.NewRealtimePacer(escpos.RealtimeOptions{BaudRate: 38400, DotLinesPerSecond: 1998})
		start := time.Now()
		// 3840 bytes and 1998 dots in uneven pieces: exactly 2 s.
		for _, n := range []int{1600, 1400, 7, 833} {
			if err := r.Consumed(t.Context(), n, 0); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range []int{1000, 1, 997} {
			if err := r.Consumed(t.Context(), 0, d); err != nil {
				t.Fatal(err)
			}
		}
		if got := time.Since(start); got != 2*time.Second {
			t.Fatalf("took %v, want 2s", got)
		}
	})
}
