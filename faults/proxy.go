package faults

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// ProxyOptions configure NewProxy. The zero value is usable.
type ProxyOptions struct {
	// Injector supplies the link rules; nil passes data through untouched.
	Injector *Injector
	// Listen is the address to listen on. Default "127.0.0.1:0".
	Listen string
	// Name prefixes the connection names in the evidence. Default "proxy".
	Name string
	// DialTimeout bounds the dial to the upstream. Default 5s.
	DialTimeout time.Duration
	Logger      *slog.Logger // nil: discard
}

// Proxy is a loopback TCP proxy that applies link rules to everything
// passing through it, shaped like httptest.Server: it listens as soon as
// NewProxy returns, Addr says where, and Close is idempotent and waits for
// every goroutine. Data from the client toward the upstream goes up
// (dir=up), the answers come down (dir=down).
type Proxy struct {
	Addr     string // host:port the proxy listens on
	Upstream string

	ln     net.Listener
	in     *Injector
	name   string
	dialTO time.Duration
	logger *slog.Logger

	ctx       context.Context
	cancel    context.CancelFunc
	mu        sync.Mutex
	conns     map[net.Conn]struct{}
	seq       int
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// NewProxy listens and starts proxying to upstream.
func NewProxy(upstream string, opts ProxyOptions) (*Proxy, error) {
	if upstream == "" {
		return nil, errors.New("faults: proxy needs an upstream address")
	}
	addr := opts.Listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	in := opts.Injector
	if in == nil {
		in, _ = NewInjector(nil, Options{})
	}
	p := &Proxy{Addr: ln.Addr().String(), Upstream: upstream, ln: ln, in: in,
		name: opts.Name, dialTO: opts.DialTimeout, logger: opts.Logger, conns: map[net.Conn]struct{}{}}
	if p.name == "" {
		p.name = "proxy"
	}
	if p.dialTO == 0 {
		p.dialTO = 5 * time.Second
	}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				p.logger.Error("proxy accept", "err", err)
			}
			return
		}
		if !p.track(c) {
			c.Close()
			return
		}
		p.mu.Lock()
		p.seq++
		id := p.seq
		p.mu.Unlock()
		p.wg.Add(1)
		go p.handle(c, id)
	}
}

func (p *Proxy) handle(client net.Conn, id int) {
	defer p.wg.Done()
	defer p.untrack(client)
	defer client.Close()
	d := net.Dialer{Timeout: p.dialTO}
	up, err := d.DialContext(p.ctx, "tcp", p.Upstream)
	if err != nil {
		p.logger.Error("proxy dial upstream", "upstream", p.Upstream, "err", err)
		return
	}
	name := p.name + "#" + itoa(id)
	wrapped := Conn(up, p.in, ConnOptions{Name: name})
	if !p.track(wrapped) {
		wrapped.Close()
		return
	}
	defer p.untrack(wrapped)
	defer wrapped.Close()
	log := p.logger.With("conn", name)
	log.Debug("proxy connection", "client", client.RemoteAddr())

	var once sync.Once
	finish := func(err error) {
		once.Do(func() {
			if errors.Is(err, ErrReset) || wrapped.(*faultConn).wasReset.Load() {
				if tc, ok := client.(*net.TCPConn); ok {
					tc.SetLinger(0)
				}
			}
			client.Close()
			wrapped.Close()
		})
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, err := io.Copy(wrapped, client) // up
		finish(err)
	}()
	go func() {
		defer wg.Done()
		_, err := io.Copy(client, wrapped) // down
		finish(err)
	}()
	wg.Wait()
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// DropConnections closes every open connection through the proxy; the
// proxy keeps accepting new ones.
func (p *Proxy) DropConnections() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

// Close stops listening, closes every connection and waits for the
// proxy's goroutines. It is idempotent.
func (p *Proxy) Close() error {
	p.closeOnce.Do(func() {
		p.cancel()
		p.ln.Close()
		p.mu.Lock()
		for c := range p.conns {
			c.Close()
		}
		p.conns = nil
		p.mu.Unlock()
	})
	p.wg.Wait()
	return nil
}
