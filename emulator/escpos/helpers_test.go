package escpos

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// replies collects what the printer sends to the host.
type replies struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (r *replies) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(p)
}

// take returns and forgets what has been received.
func (r *replies) take() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := bytes.Clone(r.buf.Bytes())
	r.buf.Reset()
	return out
}

type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

func newTestPrinter(t testing.TB, opts Options) (*Printer, *replies) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{
			Level: slog.LevelDebug,
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			},
		}))
	}
	p, err := NewPrinter(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	out := &replies{}
	p.SetOutput(out)
	return p, out
}

// send writes data, waits until the printer has done what it can, and
// returns the replies. Being left offline with data waiting is fine.
func send(t testing.TB, p *Printer, out *replies, data ...[]byte) []byte {
	t.Helper()
	for _, d := range data {
		if _, err := p.Write(d); err != nil {
			t.Fatal(err)
		}
	}
	idle(t, p)
	return out.take()
}

func idle(t testing.TB, p *Printer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.WaitIdle(ctx); err != nil && !errors.Is(err, ErrOffline) {
		t.Fatalf("WaitIdle: %v", err)
	}
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
