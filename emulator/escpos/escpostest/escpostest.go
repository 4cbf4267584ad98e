package escpostest

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/internal/pty"
)

// TestPrinter is an emulated printer served for a test: on a pty (where
// ptys exist) and on TCP on a free loopback port. The embedded Printer has
// the fault verbs (SetPaper, SetCover, …) and the receipts.
type TestPrinter struct {
	*escpos.Printer
	// Server serves the printer; its fault hooks (Stall, DropConnections)
	// are there.
	Server *escpos.Server
	// PTY is the path of the virtual serial port, "" where ptys are not
	// supported.
	PTY string
	// Addr is the TCP address, host:port.
	Addr string
	// URL is the printer URL of the TCP endpoint, "tcp://host:port" with
	// no trailing slash, as printer.Open and --printer take it.
	URL string
}

// NewServer starts a printer as opts say (a nil Logger logs to the test),
// serves it on a pty and on TCP, and closes both when the test ends, as
// httptest.NewServer does. It calls tb.Fatal on error.
func NewServer(tb testing.TB, opts escpos.Options) *TestPrinter {
	tb.Helper()
	return NewPrinterServer(tb, opts, escpos.ServerOptions{PTY: pty.Supported, TCP: true})
}

// NewPrinter is the old name of NewServer.
//
// Deprecated: use NewServer.
func NewPrinter(tb testing.TB, opts escpos.Options) *TestPrinter {
	tb.Helper()
	return NewServer(tb, opts)
}

// NewPrinterServer is NewServer with the server options given: which
// endpoints, WrapConn, Realtime, a Clock. A nil sopts.Logger logs to the
// test.
func NewPrinterServer(tb testing.TB, opts escpos.Options, sopts escpos.ServerOptions) *TestPrinter {
	tb.Helper()
	log := NewLogger(tb)
	if opts.Logger == nil {
		opts.Logger = log.With("part", "printer")
	}
	if sopts.Logger == nil {
		sopts.Logger = log.With("part", "server")
	}
	p, err := escpos.NewPrinter(opts)
	if err != nil {
		tb.Fatalf("escpostest: %v", err)
	}
	tb.Cleanup(func() { p.Close() })
	srv, err := escpos.NewServer(p, sopts)
	if err != nil {
		tb.Fatalf("escpostest: %v", err)
	}
	tb.Cleanup(func() { srv.Close() })
	return &TestPrinter{Printer: p, Server: srv, PTY: srv.PTY(), Addr: srv.Addr(), URL: srv.URL()}
}

// MustWaitIdle waits until the printer has processed everything it received,
// failing the test if it cannot (the printer is offline with data waiting,
// or the test's context ends).
func (tp *TestPrinter) MustWaitIdle(tb testing.TB) {
	tb.Helper()
	if err := tp.Printer.WaitIdle(tb.Context()); err != nil {
		tb.Fatalf("escpostest: %v", err)
	}
}

// NewLogger returns a logger that writes to tb.Logf, without times so that
// logs compare stably, and that goes quiet once the test has finished
// (late log lines from closing goroutines are dropped, not a panic).
func NewLogger(tb testing.TB) *slog.Logger {
	h := &tbHandler{tb: tb, state: &tbState{}}
	tb.Cleanup(func() {
		h.state.mu.Lock()
		h.state.done = true
		h.state.mu.Unlock()
	})
	return slog.New(h)
}

type tbState struct {
	mu   sync.Mutex
	done bool
}

// tbHandler formats records with a text handler into a buffer and sends
// each line to tb.Logf.
type tbHandler struct {
	tb    testing.TB
	state *tbState
	attrs []slog.Attr
	group []string
}

func (h *tbHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *tbHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	th := slog.NewTextHandler(&b, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})
	var hh slog.Handler = th.WithAttrs(h.attrs)
	for _, g := range h.group {
		hh = hh.WithGroup(g)
	}
	if err := hh.Handle(context.Background(), r); err != nil {
		return err
	}
	h.state.mu.Lock()
	defer h.state.mu.Unlock()
	if !h.state.done {
		h.tb.Logf("%s", strings.TrimSuffix(b.String(), "\n"))
	}
	return nil
}

func (h *tbHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	if len(h.group) > 0 {
		// Attributes inside a group: keep it simple and qualify the keys.
		for i := range attrs {
			attrs[i].Key = strings.Join(h.group, ".") + "." + attrs[i].Key
		}
	}
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

func (h *tbHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.group = append(append([]string(nil), h.group...), name)
	return &c
}
