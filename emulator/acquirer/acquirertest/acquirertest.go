// Package acquirertest starts the fake acquirer for tests and gives them
// a minimal terminal-side client.
//
// # Server
//
// [NewTestServer] starts an [acquirer.Server] on a loopback port, logs to
// the test and closes it when the test ends:
//
//	srv := acquirertest.NewServer(t, acquirer.Options{})
//	c := acquirertest.Dial(t, srv.Addr())
//	resp, err := c.Exchange(ctx, &hostproto.FinancialRequest{...})
//
// # Client
//
// [Client] sends one hostproto message and reads the next frame back. It
// does no matching, retrying or reversal: it is for testing the host, not
// a terminal (that is pkg/posclient).
package acquirertest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/pkg/hostproto"
)

// NewTestServer is the old name of NewServer.
//
// Deprecated: use NewServer.
func NewTestServer(tb testing.TB, opts acquirer.Options) *acquirer.Server {
	tb.Helper()
	return NewServer(tb, opts)
}

// NewServer starts a server with opts, calls tb.Fatalf if it cannot, and
// registers tb.Cleanup(srv.Close), as httptest.NewServer does. Unless
// opts.Logger is set, the server logs (debug level, without times) to the
// test's output. srv.URL() is the address to give a terminal.
func NewServer(tb testing.TB, opts acquirer.Options) *acquirer.Server {
	tb.Helper()
	if opts.Logger == nil {
		opts.Logger = TestLogger(tb)
	}
	srv, err := acquirer.NewServer(opts)
	if err != nil {
		tb.Fatalf("acquirertest: starting the acquirer: %v", err)
	}
	tb.Cleanup(func() { srv.Close() })
	return srv
}

// TestLogger returns a logger writing to tb's output, without time
// attributes so that logs are stable.
func TestLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// Client is one terminal connection to the acquirer.
type Client struct {
	nc net.Conn
	mu sync.Mutex
	// Profile is the dialect Send and Read speak; nil means
	// hostproto.ISO87. Set it before the first message.
	Profile hostproto.Profile
	// Keys MAC what Send sends and verify what Read reads, on a profile
	// with a MAC. Read sets them from an approved sign-on answer.
	Keys *hostproto.WorkingKeys
}

func (c *Client) profile() hostproto.Profile {
	if c.Profile == nil {
		return hostproto.ISO87
	}
	return c.Profile
}

// Dial connects to addr, calls tb.Fatalf on failure and closes the
// connection when the test ends.
func Dial(tb testing.TB, addr string) *Client {
	tb.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatalf("acquirertest: dial %s: %v", addr, err)
	}
	c := &Client{nc: nc}
	tb.Cleanup(func() { c.Close() })
	return c
}

// NewClient wraps a connection (for example one end of net.Pipe).
func NewClient(nc net.Conn) *Client { return &Client{nc: nc} }

// Conn returns the underlying connection.
func (c *Client) Conn() net.Conn { return c.nc }

// Close closes the connection.
func (c *Client) Close() error { return c.nc.Close() }

// Send writes one message.
func (c *Client) Send(m hostproto.Message) error {
	b, err := c.profile().AppendEncode(nil, m, c.Keys)
	if err != nil {
		return err
	}
	return c.WriteFrame(b)
}

// WriteFrame writes b with a length header.
func (c *Client) WriteFrame(b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return hostproto.WriteFrame(c.nc, b)
}

// Write writes raw bytes (garbage, broken headers, …).
func (c *Client) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nc.Write(b)
}

// ReadFrame reads the next frame's body, waiting until ctx is done.
func (c *Client) ReadFrame(ctx context.Context) ([]byte, error) {
	if dl, ok := ctx.Deadline(); ok {
		c.nc.SetReadDeadline(dl)
	} else {
		c.nc.SetReadDeadline(time.Time{})
	}
	stop := context.AfterFunc(ctx, func() { c.nc.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	b, err := hostproto.ReadFrame(c.nc, hostproto.MaxFrameSize)
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("acquirertest: read: %w (%w)", ctx.Err(), err)
	}
	return b, err
}

// Read reads and decodes the next message. On a profile with a MAC, a
// message whose MAC does not verify comes back with an error matching
// hostproto.ErrBadMAC.
func (c *Client) Read(ctx context.Context) (hostproto.Message, error) {
	b, err := c.ReadFrame(ctx)
	if err != nil {
		return nil, err
	}
	m, err := c.profile().Decode(b, c.Keys)
	if nr, ok := m.(*hostproto.NetworkResponse); ok && err == nil && nr.Keys != nil {
		c.Keys = nr.Keys
	}
	return m, err
}

// Exchange sends m and reads the next message. It does not check that
// the answer matches m.
func (c *Client) Exchange(ctx context.Context, m hostproto.Message) (hostproto.Message, error) {
	if err := c.Send(m); err != nil {
		return nil, err
	}
	return c.Read(ctx)
}
