package escpos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poshil/hil/internal/pty"
)

// Errors of the server.
var (
	// ErrServerClosed is returned by Start on a closed server.
	ErrServerClosed = errors.New("escpos: server closed")
	// ErrNoPTY is wrapped when a pty is asked for where none can be made.
	ErrNoPTY = errors.New("escpos: virtual serial ports (pty) are not supported on this platform")
)

// ServeError is a failure to set up an endpoint of a [Server].
type ServeError struct {
	Endpoint string // "pty", "tcp" or "rfc2217"
	Addr     string // the address or link asked for
	Err      error
}

func (e *ServeError) Error() string {
	if e.Addr != "" {
		return fmt.Sprintf("escpos: serve %s %s: %v", e.Endpoint, e.Addr, e.Err)
	}
	return fmt.Sprintf("escpos: serve %s: %v", e.Endpoint, e.Err)
}

func (e *ServeError) Unwrap() error { return e.Err }

// ServerOptions configures a [Server]. The zero value serves TCP on a free
// loopback port.
type ServerOptions struct {
	// PTY serves the printer on a new virtual serial port.
	PTY bool
	// PTYLink, if set, is a path where a symbolic link to the pty is made
	// (removed by Close). It implies PTY.
	PTYLink string
	// TCP serves the printer on TCPAddr. It is implied when neither PTY
	// nor RFC2217 is on.
	TCP bool
	// TCPAddr is the TCP address to listen on; "" means 127.0.0.1:0 (a free
	// loopback port). Real printers listen on port 9100.
	TCPAddr string
	// RFC2217 serves the printer as a remote serial port (RFC 2217, as
	// ser2net's telnet(rfc2217) accepters do) on RFC2217Addr, with modem
	// lines driven by the printer's BUSY signal (rfc2217.go).
	RFC2217 bool
	// RFC2217Addr is the TCP address of the RFC 2217 endpoint; "" means
	// 127.0.0.1:0. Setting it implies RFC2217.
	RFC2217Addr string
	// Listener, if set, is where TCP clients come from instead of a
	// listener on TCPAddr (it implies TCP); Close closes it. Tests use it
	// to serve net.Pipe connections inside a testing/synctest bubble.
	Listener net.Listener
	// IdleTimeout closes a TCP connection that sent nothing for this long
	// while the server was reading from it, as Epson's port-9100
	// interfaces do (see Profile.IdleTimeoutSec): a client idle in the
	// middle of a job does not hold the printer forever. 0 means the
	// profile's value; negative means never. It runs on the wall clock (a
	// read deadline), so tests use testing/synctest. The pty has no
	// timeout: a serial line has no connection to close.
	IdleTimeout time.Duration
	// Realtime paces consumption like the profile's printer: its baud rate
	// on the pty and its print speed on both endpoints. Off by default: as
	// fast as possible.
	Realtime bool
	// Pacer, if set, builds the pacer of each stream instead of Realtime;
	// endpoint is "pty" or "tcp".
	Pacer func(endpoint string) Pacer
	// WrapConn, if set, wraps every client stream (each TCP connection;
	// the pty once for the server's life) before it is used, e.g. to garble
	// or delay bytes. Its Close must close the stream it wraps.
	WrapConn func(io.ReadWriteCloser) io.ReadWriteCloser
	// Clock times Stall and the realtime model; nil means the system clock.
	Clock Clock
	// Logger receives connection events; nil discards them.
	Logger *slog.Logger
}

// Server serves one [Printer] on a pty, TCP and/or RFC 2217, in the manner
// of net/http/httptest.Server.
//
// A printer is one device: one client session holds it at a time, and
// replies go to the stream of that session. A session starts with the
// first bytes a client sends. It ends when the client goes away (TCP
// connection closed or dropped, last handle on the pty closed); with paper
// printed since the last cut, the job ends there and that paper becomes a
// receipt. A session also yields the printer, without ending the client's
// connection, when another stream is waiting and the session is at a job
// boundary (everything it sent is printed and nothing was printed since
// the last receipt ended); its next bytes then wait their turn. Other TCP
// connections are accepted at once and wait, unread, in arrival order (a
// real port-9100 printer usually leaves them in the listen backlog).
type Server struct {
	p    *Printer
	opts ServerOptions
	log  *slog.Logger
	clk  Clock

	ctx    context.Context
	cancel context.CancelFunc

	pty   *pty.Pty
	ln    net.Listener
	rfcLn net.Listener // RFC 2217 endpoint

	// turn is the printer: a session sends on it to take the printer and
	// receives from it to give it back.
	turn chan struct{}

	mu         sync.Mutex
	started    bool
	closed     bool
	conns      map[*stream]struct{}
	stallUntil time.Time
	nextID     int

	wg        sync.WaitGroup
	closeOnce sync.Once
	dots      atomic.Int64 // dot rows fed, for the pacers

	holder  atomic.Pointer[stream] // the stream whose session holds the printer
	waiting atomic.Int32           // streams waiting for the printer
}

// stream is one client stream: a TCP connection or the pty.
type stream struct {
	id       string
	endpoint string
	raw      interface {
		SetReadDeadline(time.Time) error
		Close() error
	}
	rw     io.ReadWriteCloser // raw, wrapped by WrapConn
	rfc    *rfcConn           // the RFC 2217 connection, on that endpoint
	log    *slog.Logger
	pacer  Pacer
	holds  bool        // the session holds the printer (only the stream's goroutine touches it)
	hangup atomic.Bool // pty: the last client closed; drain and end the session
	woken  atomic.Bool // wake asked the reader to look at the server's state
	idle   time.Duration
	idleAt time.Time // read deadline of the idle timeout (the stream's goroutine only)
	ctx    context.Context
	cancel context.CancelFunc // ends a Feed that waits for room (drop, timeout, close)
}

// wake interrupts the stream's Read so that it looks at the server's state
// (a stall, a pty hang-up, a stream waiting for the printer).
func (st *stream) wake() {
	st.woken.Store(true)
	_ = st.raw.SetReadDeadline(time.Unix(1, 0))
}

// NewServer starts serving p as opts say.
func NewServer(p *Printer, opts ServerOptions) (*Server, error) {
	s := NewUnstartedServer(p, opts)
	if err := s.Start(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// NewUnstartedServer returns a server that serves nothing until Start.
func NewUnstartedServer(p *Printer, opts ServerOptions) *Server {
	if opts.PTYLink != "" {
		opts.PTY = true
	}
	if opts.RFC2217Addr != "" {
		opts.RFC2217 = true
	}
	if !opts.PTY && !opts.RFC2217 || opts.Listener != nil {
		opts.TCP = true
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	clk := opts.Clock
	if clk == nil {
		clk = SystemClock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		p: p, opts: opts, log: log, clk: clk,
		ctx: ctx, cancel: cancel,
		turn:  make(chan struct{}, 1),
		conns: map[*stream]struct{}{},
	}
}

// Start opens the endpoints and starts serving.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrServerClosed
	}
	if s.started {
		return nil
	}
	s.started = true
	if s.opts.PTY {
		if !pty.Supported {
			return &ServeError{Endpoint: "pty", Addr: s.opts.PTYLink, Err: ErrNoPTY}
		}
		pt, err := pty.Open(pty.Options{Link: s.opts.PTYLink})
		if err != nil {
			return &ServeError{Endpoint: "pty", Addr: s.opts.PTYLink, Err: err}
		}
		s.pty = pt
	}
	if s.opts.Listener != nil {
		s.ln = s.opts.Listener
	} else if s.opts.TCP {
		addr := s.opts.TCPAddr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return &ServeError{Endpoint: "tcp", Addr: addr, Err: err}
		}
		s.ln = ln
	}
	if s.opts.RFC2217 {
		addr := s.opts.RFC2217Addr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return &ServeError{Endpoint: "rfc2217", Addr: addr, Err: err}
		}
		s.rfcLn = ln
	}
	if s.opts.Pacer != nil || s.opts.Realtime {
		// Only pacers need every element: an event hook slows the printer.
		s.p.OnEvent(func(e Event) {
			if e.Kind == EventLine {
				s.dots.Add(int64(elementDots(e.Element)))
			}
		})
	}
	if s.pty != nil {
		st := s.newStream("pty", s.pty, s.pty)
		s.conns[st] = struct{}{}
		s.wg.Add(2)
		go s.watchPTY(st)
		go s.serveStream(st)
		s.log.Info("serving", "pty", s.pty.Name())
	}
	if s.ln != nil {
		s.wg.Add(1)
		go s.accept(s.ln, "tcp")
		s.log.Info("serving", "tcp", s.ln.Addr().String())
	}
	if s.rfcLn != nil {
		s.wg.Add(1)
		go s.accept(s.rfcLn, "rfc2217")
		s.log.Info("serving", "rfc2217", s.rfcLn.Addr().String())
	}
	return nil
}

// PTY is the path clients should open (the link if one was asked for), or
// "" when the server has no pty.
func (s *Server) PTY() string {
	if s.pty == nil {
		return ""
	}
	return s.pty.Name()
}

// PTYDevice is the pty's device path (/dev/pts/N), or "".
func (s *Server) PTYDevice() string {
	if s.pty == nil {
		return ""
	}
	return s.pty.Path()
}

// Addr is the TCP address the server listens on, or "" without TCP.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL is the printer URL of the TCP endpoint, "tcp://host:port" with no
// trailing slash, as printer.Open and --printer take it; "" without TCP.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "tcp://" + s.ln.Addr().String()
}

// RFC2217Addr is the address of the RFC 2217 endpoint, or "" without one.
func (s *Server) RFC2217Addr() string {
	if s.rfcLn == nil {
		return ""
	}
	return s.rfcLn.Addr().String()
}

// RFC2217URL is the printer URL of the RFC 2217 endpoint,
// "rfc2217://host:port" with no trailing slash, as printer.Open and
// pyserial's serial_for_url take it; "" without one.
func (s *Server) RFC2217URL() string {
	if s.rfcLn == nil {
		return ""
	}
	return "rfc2217://" + s.rfcLn.Addr().String()
}

// Printer is the printer served.
func (s *Server) Printer() *Printer { return s.p }

// idleTimeout is ServerOptions.IdleTimeout with the profile's default; 0
// means none.
func (s *Server) idleTimeout() time.Duration {
	switch d := s.opts.IdleTimeout; {
	case d < 0:
		return 0
	case d > 0:
		return d
	}
	return time.Duration(s.p.Profile().IdleTimeoutSec) * time.Second
}

func (s *Server) newStream(endpoint string, raw interface {
	SetReadDeadline(time.Time) error
	Close() error
}, rwc io.ReadWriteCloser) *stream {
	s.nextID++
	st := &stream{id: fmt.Sprintf("%s-%d", endpoint, s.nextID), endpoint: endpoint, raw: raw, rw: rwc}
	st.ctx, st.cancel = context.WithCancel(s.ctx)
	if endpoint == "tcp" {
		st.idle = s.idleTimeout()
	}
	if s.opts.WrapConn != nil {
		st.rw = s.opts.WrapConn(rwc)
	}
	st.log = s.log.With("conn", st.id)
	switch {
	case s.opts.Pacer != nil:
		st.pacer = s.opts.Pacer(endpoint)
	case s.opts.Realtime:
		prof := s.p.Profile()
		ro := RealtimeOptions{Clock: s.clk, DotLinesPerSecond: prof.SpeedMMPerSec * prof.DPI * 10 / 254}
		if endpoint == "pty" || endpoint == "rfc2217" {
			ro.BaudRate = prof.Baud
		}
		st.pacer = NewRealtimePacer(ro)
	}
	return st
}

func (s *Server) accept(ln net.Listener, endpoint string) {
	defer s.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.ctx.Err() == nil {
				s.log.Error("accept", "err", err)
			}
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		var st *stream
		if endpoint == "rfc2217" {
			rc := newRFCConn(c, s.p.Profile().Baud, s.log)
			busy, _ := s.p.BusyLine()
			rc.lines = modemLines(s.p.Profile(), busy)
			st = s.newStream(endpoint, rc, rc)
			st.rfc = rc
			rc.log = st.log
			s.wg.Add(1)
			go s.driveModem(st, rc)
			if err := rc.start(); err != nil {
				st.log.Info("rfc2217: negotiation", "err", err)
			}
		} else {
			st = s.newStream(endpoint, c, c)
		}
		s.conns[st] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		st.log.Info("connected", "remote", c.RemoteAddr().String())
		go func() {
			s.serveStream(st)
			st.rw.Close()
			s.mu.Lock()
			delete(s.conns, st)
			s.mu.Unlock()
			st.log.Info("disconnected")
		}()
	}
}

// watchPTY turns the last client closing the pty into the end of the
// pty's session.
func (s *Server) watchPTY(st *stream) {
	defer s.wg.Done()
	for ev := range s.pty.Events() {
		st.log.Debug("pty client", "event", ev.Kind.String(), "clients", ev.Clients)
		if ev.Kind == pty.Closed && ev.Clients == 0 {
			st.hangup.Store(true)
			st.wake()
		}
	}
}

// take waits for the printer.
func (s *Server) take(st *stream) error {
	if st.holds {
		return nil
	}
	s.waiting.Add(1)
	if h := s.holder.Load(); h != nil {
		h.wake() // ask it to yield at a job boundary
	}
	select {
	case s.turn <- struct{}{}:
		s.waiting.Add(-1)
	case <-st.ctx.Done():
		s.waiting.Add(-1)
		return st.ctx.Err()
	}
	st.holds = true
	s.holder.Store(st)
	s.p.SetOutput(st.rw)
	st.log.Debug("session start")
	return nil
}

// release ends the stream's session: the job ends once everything the
// session sent is printed, replies still queued are delivered, and the
// printer is given back.
func (s *Server) release(st *stream) { s.giveBack(st, true) }

// yield gives the printer to a waiting stream if st's session is at a job
// boundary: everything it sent is printed, no paper was printed since the
// last receipt ended, and no command is half received. Its next bytes wait
// for their turn like any other stream's.
func (s *Server) yield(st *stream) {
	if !st.holds || s.waiting.Load() == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	err := s.p.WaitIdle(ctx)
	cancel()
	if err != nil {
		return // offline with data waiting, or closing: keep the printer
	}
	if stt := s.p.Status(); stt.PendingBytes > 0 || stt.Unfinished > 0 {
		return // mid-job
	}
	st.log.Debug("yield at a job boundary")
	s.giveBack(st, false)
}

func (s *Server) giveBack(st *stream, endJob bool) {
	if !st.holds {
		return
	}
	if endJob {
		s.p.EndJob()
	}
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	err := s.p.WaitIdle(ctx)
	cancel()
	switch {
	case err != nil && s.ctx.Err() == nil:
		st.log.Info("session ends with data not printed yet", "err", err)
	case err == nil && endJob:
		// A command cut short by the client going away must not take
		// the next client's bytes as the rest of it.
		if n := s.p.DropIncomplete(); n > 0 {
			st.log.Info("session ended in the middle of a command", "dropped", n)
		}
	}
	s.p.SetOutput(nil)
	st.holds = false
	s.holder.CompareAndSwap(st, nil)
	<-s.turn
	st.log.Debug("session end")
}

// serveStream feeds what a client sends to the printer until the stream
// ends, stays idle for the idle timeout, or the server closes.
func (s *Server) serveStream(st *stream) {
	defer s.wg.Done()
	defer s.release(st)
	defer st.cancel()
	buf := make([]byte, 32<<10)
	if st.idle > 0 {
		st.idleAt = time.Now().Add(st.idle)
	}
	for {
		if err := s.waitStall(); err != nil {
			return
		}
		if st.idle > 0 {
			_ = st.raw.SetReadDeadline(st.idleAt) // from the last bytes received
		} else {
			_ = st.raw.SetReadDeadline(time.Time{})
		}
		if st.woken.Swap(false) { // woken before the deadline was set
			if !s.wakeUp(st, buf) {
				return
			}
			continue
		}
		n, err := st.rw.Read(buf)
		if n > 0 {
			if st.idle > 0 {
				st.idleAt = time.Now().Add(st.idle)
			}
			if !s.feed(st, buf[:n]) {
				return
			}
			s.yield(st)
		}
		switch {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			if st.woken.Swap(false) {
				if !s.wakeUp(st, buf) {
					return
				}
				continue
			}
			if st.idle > 0 && !time.Now().Before(st.idleAt) {
				st.log.Info("idle timeout: closing the connection", "idle", st.idle, "holds_printer", st.holds)
				return
			}
		default:
			if s.ctx.Err() == nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				st.log.Info("read", "err", err)
			}
			return
		}
	}
}

// wakeUp handles a wake: a pty hang-up ends the session, anything else
// is a chance to yield (or a stall, which the loop waits out).
func (s *Server) wakeUp(st *stream, buf []byte) bool {
	if st.hangup.Swap(false) {
		_ = st.raw.SetReadDeadline(time.Time{})
		if !s.drainPTY(st, buf) {
			return false
		}
		s.release(st)
		return true
	}
	s.yield(st)
	return true
}

// drainPTY feeds what the last client wrote before it closed the pty.
func (s *Server) drainPTY(st *stream, buf []byte) bool {
	for {
		n, err := s.pty.ReadAvailable(buf)
		if err != nil {
			st.log.Info("read", "err", err)
			return false
		}
		if n == 0 {
			return true
		}
		if !s.feed(st, buf[:n]) {
			return false
		}
	}
}

func (s *Server) feed(st *stream, b []byte) bool {
	if err := s.take(st); err != nil {
		return false
	}
	before := s.dots.Load()
	write := s.p.Feed
	if st.rfc != nil && !st.rfc.holdsOnBusy() {
		// No flow control on the emulated serial line: bytes go to the
		// printer whether it is BUSY or not (rfc2217.go).
		write = func(_ context.Context, b []byte) (int, error) { return s.p.Write(b) }
	}
	if _, err := write(st.ctx, b); err != nil {
		if st.ctx.Err() == nil {
			st.log.Error("printer", "err", err)
		}
		return false
	}
	if st.pacer != nil {
		if err := s.p.WaitIdle(s.ctx); err != nil && s.ctx.Err() != nil {
			return false
		}
		if err := st.pacer.Consumed(s.ctx, len(b), int(s.dots.Load()-before)); err != nil {
			return false
		}
	}
	return true
}

// waitStall blocks while the server is stalled.
func (s *Server) waitStall() error {
	for {
		s.mu.Lock()
		until := s.stallUntil
		s.mu.Unlock()
		now := s.clk.Now()
		if !now.Before(until) {
			return s.ctx.Err()
		}
		select {
		case <-s.clk.After(until.Sub(now)):
		case <-s.ctx.Done():
			return s.ctx.Err()
		}
	}
}

// Stall makes the server stop reading from every client for d, as a
// printer that hangs does: bytes pile up in the kernel buffers and the
// clients' writes eventually block. Real-time commands are not answered
// meanwhile. A later Stall replaces the end time.
func (s *Server) Stall(d time.Duration) {
	s.mu.Lock()
	s.stallUntil = s.clk.Now().Add(d)
	list := make([]*stream, 0, len(s.conns))
	for st := range s.conns {
		list = append(list, st)
	}
	s.mu.Unlock()
	s.log.Info("stall", "for", d)
	for _, st := range list {
		st.wake()
	}
}

// DropConnections closes every TCP connection at once (RFC 2217 ones
// too), as a printer that resets or a network that fails does. The pty is
// not affected: a serial line has no connection to drop. Each dropped session ends as if the
// client had gone away.
func (s *Server) DropConnections() {
	s.mu.Lock()
	var list []*stream
	for st := range s.conns {
		if st.endpoint != "pty" {
			list = append(list, st)
		}
	}
	s.mu.Unlock()
	s.log.Info("drop connections", "n", len(list))
	for _, st := range list {
		st.cancel()
		_ = st.raw.Close()
	}
}

// Close stops serving, closes every stream, and waits for the server's
// goroutines. It does not close the Printer. It is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		list := make([]*stream, 0, len(s.conns))
		for st := range s.conns {
			list = append(list, st)
		}
		s.mu.Unlock()
		s.cancel()
		if s.ln != nil {
			s.ln.Close()
		}
		if s.rfcLn != nil {
			s.rfcLn.Close()
		}
		for _, st := range list {
			st.rw.Close()
		}
		if s.pty != nil {
			s.pty.Close()
		}
		done := make(chan struct{})
		go func() { s.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			s.mu.Lock()
			var stuck []string
			for st := range s.conns {
				stuck = append(stuck, st.id)
			}
			s.mu.Unlock()
			s.log.Warn("close is waiting for streams", "streams", stuck)
			<-done
		}
	})
	return nil
}
