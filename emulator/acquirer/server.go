package acquirer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poshil/hil/pkg/hostproto"
)

// Options configure a Server. The zero value serves on a free loopback
// port with the test cards loaded and no admin API.
type Options struct {
	// Addr is the address to listen on; "" means "127.0.0.1:0".
	Addr string
	// AdminAddr, when set, starts the admin HTTP API on that address
	// ("127.0.0.1:0" for a free port); see [Server.AdminURL].
	AdminAddr string
	// Ledger is the books to serve; nil means a new ledger with the test
	// cards, DefaultBalance and Now.
	Ledger *Ledger
	// DefaultBalance is the balance of cards created on first use when
	// Ledger is nil; 0 means [DefaultBalance].
	DefaultBalance int64
	// Now is the clock for the ledger (timestamps, card expiry) when
	// Ledger is nil; nil means time.Now.
	Now func() time.Time
	// KeepBatches is the ledger's window when Ledger is nil: the open
	// batch plus this many closed batches per terminal are kept, older
	// ones dropped from memory at settlement; 0 means DefaultKeepBatches
	// (2), negative keeps every batch. See LedgerOptions.KeepBatches.
	KeepBatches int
	// After returns a channel that fires once d has passed. It times
	// [Action.Delay]; nil means time.After. Tests inject their own to
	// release delayed messages without sleeping.
	After func(d time.Duration) <-chan time.Time
	// IdleTimeout closes a connection that sends nothing for this long;
	// 0 means 5 minutes, negative means never.
	IdleTimeout time.Duration
	// WriteTimeout bounds one response write to a client that does not
	// read; 0 means 10 seconds.
	WriteTimeout time.Duration
	// MaxFrame is the largest message body accepted; 0 means
	// hostproto.DefaultMaxFrame (4096). A larger length header closes the
	// connection.
	MaxFrame int
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
	// Profile is the host dialect terminals speak (hostproto.ISO87 or
	// hostproto.CUP); nil means hostproto.ISO87. On a profile that MACs
	// (hostproto.Rules.MAC), every approved sign-on hands the terminal
	// fresh working keys, each MACed request is verified with them and
	// answered 'A0' without the ledger when its MAC is wrong, and every
	// MACed answer is MACed. The server keeps one set of keys per
	// terminal id (a fixed 24 bytes each, replaced at each sign-on).
	Profile hostproto.Profile
	// ErrorHandler, if set, is called with a *ConnError each time the
	// server closes a connection because of what the client sent
	// (errors.Is(err, ErrBadFrame)) or because it stayed idle
	// (errors.Is(err, ErrIdleTimeout)). It runs on
	// the connection's goroutine and must not block.
	ErrorHandler func(error)
}

// Server is a fake acquirer speaking the hostproto wire profile over TCP,
// shaped like httptest.Server.
type Server struct {
	opts    Options
	profile hostproto.Profile
	ledger  *Ledger
	log     *slog.Logger
	after   func(time.Duration) <-chan time.Time
	ln      net.Listener

	adminLn   net.Listener
	adminSrv  *http.Server
	adminOnce sync.Once
	adminMux  *http.ServeMux // the admin API's mux (AdminHandler, HandleAdmin)

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	intercept atomic.Pointer[Interceptor]
	connSeq   atomic.Uint64

	mu     sync.Mutex
	conns  map[*conn]struct{}
	counts map[countKey]int
	keys   map[string]*hostproto.WorkingKeys // terminal id -> keys of its last sign-on
	closed bool

	closeOnce sync.Once
}

// NewServer starts a server listening on opts.Addr (loopback port 0 by
// default) and, if opts.AdminAddr is set, the admin API.
func NewServer(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.IdleTimeout == 0 {
		opts.IdleTimeout = 5 * time.Minute
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	if opts.MaxFrame <= 0 {
		opts.MaxFrame = hostproto.DefaultMaxFrame
	}
	if opts.MaxFrame > hostproto.MaxFrameSize {
		return nil, fmt.Errorf("acquirer: MaxFrame %d exceeds the 2-byte header's %d", opts.MaxFrame, hostproto.MaxFrameSize)
	}
	if opts.Profile == nil {
		opts.Profile = hostproto.ISO87
	}
	s := &Server{
		opts:    opts,
		profile: opts.Profile,
		ledger:  opts.Ledger,
		log:     opts.Logger,
		after:   opts.After,
		conns:   map[*conn]struct{}{},
		counts:  map[countKey]int{},
		keys:    map[string]*hostproto.WorkingKeys{},
	}
	if s.ledger == nil {
		s.ledger = NewLedger(LedgerOptions{Now: opts.Now, DefaultBalance: opts.DefaultBalance, KeepBatches: opts.KeepBatches})
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.after == nil {
		s.after = time.After
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("acquirer: listen: %w", err)
	}
	s.ln = ln
	if opts.AdminAddr != "" {
		aln, err := net.Listen("tcp", opts.AdminAddr)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("acquirer: admin listen: %w", err)
		}
		s.adminLn = aln
		s.adminSrv = &http.Server{Handler: s.AdminHandler(), ReadHeaderTimeout: 10 * time.Second}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(1)
	go s.acceptLoop()
	if s.adminSrv != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.adminSrv.Serve(s.adminLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("admin server stopped", "err", err)
			}
		}()
	}
	s.log.Info("listening", "addr", s.Addr(), "admin", s.AdminURL(), "profile", s.profile.Name())
	return s, nil
}

// Addr returns the address the server listens on, e.g. "127.0.0.1:41234".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the address to give a terminal, in the form Config.Dial's
// net.Dial, --host and HIL_ACQUIRER_ADDR take: "host:port" (ISO 8583 over
// TCP has no URL scheme). It is the same as Addr; callers that want the
// address to hand on use URL, as with httptest.Server.
func (s *Server) URL() string { return s.Addr() }

// AdminURL returns the admin API's base URL ("http://127.0.0.1:41235"),
// or "" if it was not started.
func (s *Server) AdminURL() string {
	if s.adminLn == nil {
		return ""
	}
	return "http://" + s.adminLn.Addr().String()
}

// Profile returns the host dialect the server speaks.
func (s *Server) Profile() hostproto.Profile { return s.profile }

// terminalKeys returns the working keys of a terminal's last sign-on.
func (s *Server) terminalKeys(id string) *hostproto.WorkingKeys {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[id]
}

func (s *Server) setTerminalKeys(id string, k *hostproto.WorkingKeys) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[id] = k
}

// Ledger returns the server's books.
func (s *Server) Ledger() *Ledger { return s.ledger }

// Connections returns the number of open client connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// DropConnections closes every open client connection, as a host-side
// link failure would, and returns how many it closed. The server keeps
// listening.
func (s *Server) DropConnections() int {
	s.mu.Lock()
	list := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		list = append(list, c)
	}
	s.mu.Unlock()
	for _, c := range list {
		c.close()
	}
	return len(list)
}

// ServeConn serves the protocol on c (a connection accepted elsewhere,
// or one end of net.Pipe in tests) until c fails or the server closes.
// The server owns c from now on. It returns ErrClosed after Close.
func (s *Server) ServeConn(c net.Conn) error {
	return s.startConn(c)
}

// Close stops listening, closes every connection and the admin API and
// waits for all the server's goroutines. It is safe to call more than
// once; later calls return nil.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cancel()
		err = s.ln.Close()
		if s.adminSrv != nil {
			s.adminSrv.Close()
		}
		s.DropConnections()
		done := make(chan struct{})
		go func() { s.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			s.log.Warn("close is waiting for connections", "stuck", s.stuck())
			<-done
		}
		s.log.Info("closed")
	})
	return err
}

func (s *Server) stuck() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for c := range s.conns {
		out = append(out, fmt.Sprintf("conn %d %s", c.id, c.remote))
	}
	sort.Strings(out)
	return out
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	var backoff time.Duration
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if s.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off and retry.
			if backoff == 0 {
				backoff = 5 * time.Millisecond
			} else if backoff < time.Second {
				backoff *= 2
			}
			s.log.Warn("accept failed", "err", err, "retry_in", backoff)
			select {
			case <-s.after(backoff):
			case <-s.ctx.Done():
				return
			}
			continue
		}
		backoff = 0
		if err := s.startConn(nc); err != nil {
			return
		}
	}
}

func (s *Server) startConn(nc net.Conn) error {
	ctx, cancel := context.WithCancel(s.ctx)
	c := &conn{
		s:      s,
		nc:     nc,
		id:     s.connSeq.Add(1),
		remote: nc.RemoteAddr().String(),
		ctx:    ctx,
		cancel: cancel,
	}
	c.log = s.log.With("conn", c.id, "remote", c.remote)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		cancel()
		nc.Close()
		return ErrClosed
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go c.serve()
	return nil
}

// count returns the 1-based number of requests with this MTI and
// processing code read so far.
type countKey struct {
	mti  hostproto.MTI
	proc hostproto.ProcessingCode
}

func (s *Server) count(mti hostproto.MTI, proc hostproto.ProcessingCode) int {
	k := countKey{mti, proc}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[k]++
	return s.counts[k]
}

func (s *Server) connError(err *ConnError) {
	if s.opts.ErrorHandler != nil {
		s.opts.ErrorHandler(err)
	}
}

// conn is one client connection. Its serve goroutine reads frames and
// handles them in order; a delayed message is finished by a goroutine of
// its own, counted in s.wg and stopped by the connection's ctx.
type conn struct {
	s      *Server
	nc     net.Conn
	id     uint64
	remote string
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc

	// keys are the working keys of the last sign-on on this connection.
	keys      atomic.Pointer[hostproto.WorkingKeys]
	br        *bufio.Reader // one read syscall for header and body
	wmu       sync.Mutex
	wbuf      []byte // frame buffer, under wmu
	closeOnce sync.Once
}

func (c *conn) close() {
	c.closeOnce.Do(func() {
		c.cancel()
		c.nc.Close()
		c.s.mu.Lock()
		delete(c.s.conns, c)
		c.s.mu.Unlock()
	})
}

func (c *conn) serve() {
	defer c.s.wg.Done()
	defer c.close()
	c.log.Debug("connected")
	c.br = bufio.NewReaderSize(c.nc, 4096)
	for {
		if c.s.opts.IdleTimeout > 0 {
			c.nc.SetReadDeadline(time.Now().Add(c.s.opts.IdleTimeout))
		}
		body, err := hostproto.ReadFrame(c.br, c.s.opts.MaxFrame)
		if err != nil {
			c.readFailed(err)
			return
		}
		if err := c.handle(body); err != nil {
			if errors.Is(err, ErrBadFrame) {
				c.log.Warn("closing connection", "reason", err)
				c.s.connError(&ConnError{Remote: c.remote, Err: err})
			} else {
				c.log.Debug("connection ended", "reason", err)
			}
			return
		}
	}
}

func (c *conn) readFailed(err error) {
	var ne net.Error
	var fe *hostproto.FrameError
	switch {
	case c.ctx.Err() != nil:
		c.log.Debug("closed by server")
	case errors.Is(err, io.EOF):
		c.log.Debug("closed by client")
	case errors.As(err, &fe):
		ce := &ConnError{Remote: c.remote, Err: fmt.Errorf("%w: %w", ErrBadFrame, err)}
		c.log.Warn("closing connection", "reason", ce.Err)
		c.s.connError(ce)
	case errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded):
		ce := &ConnError{Remote: c.remote, Err: fmt.Errorf("%w for %v: %w", ErrIdleTimeout, c.s.opts.IdleTimeout, err)}
		c.log.Info("closing idle connection", "idle", c.s.opts.IdleTimeout)
		c.s.connError(ce)
	default:
		c.log.Debug("read failed", "err", err)
	}
}

func (c *conn) handle(body []byte) error {
	in, err := c.s.decodeRequest(body, c.keys.Load())
	if err != nil {
		// A request whose fields split but that the profile refuses (a
		// mandatory field missing, such as DE41 in an echo test) is
		// answered with response code 30, format error, as a host does;
		// the connection stays. Only bytes that are no message at all
		// close it.
		if resp, ferr := hostproto.FormatErrorResponse(body); ferr == nil {
			c.log.Warn("format error: answered 30", "err", err)
			return c.writeFrame(resp, 1)
		}
		return fmt.Errorf("%w: %w", ErrBadFrame, err)
	}
	ex := in.exchange()
	ex.Conn = c.id
	ex.N = c.s.count(ex.MTI, ex.Proc)
	f := c.s.interceptor()
	var act Action
	if f != nil {
		act = f(BeforeLedger, ex)
	}
	if act.Delay > 0 {
		c.later(act.Delay, func() error { return c.apply(in, ex, act, f) })
		return nil
	}
	return c.apply(in, ex, act, f)
}

// later runs fn after d on a goroutine owned by the server, unless the
// connection closes first.
func (c *conn) later(d time.Duration, fn func() error) {
	c.s.wg.Add(1)
	go func() {
		defer c.s.wg.Done()
		select {
		case <-c.s.after(d):
		case <-c.ctx.Done():
			return
		}
		if err := fn(); err != nil {
			c.close()
		}
	}()
}

// apply runs the before-ledger action, the ledger and the after-ledger
// stage of one exchange.
func (c *conn) apply(in *inbound, ex *Exchange, act Action, f Interceptor) error {
	log := c.log
	if log.Enabled(c.ctx, slog.LevelError) {
		log = log.With("mti", ex.MTI, "stan", ex.STAN, "terminal", ex.Terminal)
	}
	switch {
	case act.Close:
		log.Info("interceptor: closing before the ledger")
		c.close()
		return nil
	case act.Drop:
		log.Info("interceptor: request dropped before the ledger")
		return nil
	}
	var out *outbound
	if in.badMAC != nil && act.Respond == "" {
		log.Warn("MAC does not verify; answering A0 without the ledger", "err", in.badMAC)
		act.Respond = hostproto.RCMACError
	}
	if act.Respond != "" {
		log.Info("interceptor: answering without the ledger", "code", string(act.Respond))
		out = in.respond(Result{Code: act.Respond})
	} else {
		res, err := in.process(c.s)
		if err != nil {
			log.Warn("invalid request", "err", err)
		}
		if _, ok := in.msg.(*hostproto.NetworkRequest); ok && in.keys != nil {
			c.keys.Store(in.keys) // a sign-on handed out new keys
		}
		out = in.respond(res)
		if log.Enabled(c.ctx, slog.LevelDebug) {
			log.Debug("processed", "code", string(res.Code), "rrn", res.RRN, "duplicate", res.Duplicate)
		}
	}
	ex.Response = out.msg
	ex.Code = out.code
	var act2 Action
	if f != nil {
		act2 = f(AfterLedger, ex)
	}
	if act2.Delay > 0 {
		c.later(act2.Delay, func() error { return c.deliver(out, act2, log) })
		return nil
	}
	return c.deliver(out, act2, log)
}

func (c *conn) deliver(out *outbound, act Action, log *slog.Logger) error {
	switch {
	case act.Close:
		log.Info("interceptor: closing instead of answering", "code", out.code)
		c.close()
		return nil
	case act.Drop:
		log.Info("interceptor: response dropped", "code", out.code)
		return nil
	}
	b, err := out.encode(c.s.profile, act.WrongSTAN)
	if err != nil {
		// Our own response does not pack: a bug, but the connection
		// cannot go on in step with the client.
		return fmt.Errorf("acquirer: packing response: %w", err)
	}
	if act.Malform {
		b = malform(b, c.s.profile.BitmapOffset())
	}
	if act.BadMAC && c.s.profile.MACed(out.msg) && len(b) > 0 {
		b[len(b)-1] ^= 0x01 // field 64 is last
	}
	n := 1
	if act.Duplicate {
		n = 2
	}
	if act.WrongSTAN || act.Malform || act.Duplicate || act.BadMAC {
		log.Info("interceptor: altered response", "wrong_stan", act.WrongSTAN, "malform", act.Malform, "duplicate", act.Duplicate, "bad_mac", act.BadMAC)
	}
	return c.writeFrame(b, n)
}

// writeFrame frames b and writes it n times.
func (c *conn) writeFrame(b []byte, n int) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	var err error
	c.wbuf, err = hostproto.AppendFrame(c.wbuf[:0], b)
	if err != nil {
		return fmt.Errorf("acquirer: framing response: %w", err)
	}
	for i := 0; i < n; i++ {
		c.nc.SetWriteDeadline(time.Now().Add(c.s.opts.WriteTimeout))
		if _, err := c.nc.Write(c.wbuf); err != nil {
			if c.ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("acquirer: write: %w", err)
		}
	}
	return nil
}

// malform returns a copy of a packed message whose primary bitmap (at
// off) announces fields 1 to 8, of which 5, 6 and 8 are in neither
// profile: the frame is well formed but its message cannot be unpacked.
func malform(b []byte, off int) []byte {
	out := append([]byte(nil), b...)
	if len(out) > off {
		out[off] = 0xFF
	}
	return out
}
