package faults

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ErrReset is wrapped by the error a wrapped connection returns when a
// link reset rule fired on it.
var ErrReset = errors.New("faults: link reset")

// LinkError is returned by a wrapped connection's Read or Write when a link
// fault ended the operation.
type LinkError struct {
	Op   string // "read" or "write"
	Conn string // ConnOptions.Name
	Err  error  // ErrReset, net.ErrClosed
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("faults: %s %s: %v", e.Conn, e.Op, e.Err)
}

func (e *LinkError) Unwrap() error { return e.Err }

// ConnOptions configure Conn.
type ConnOptions struct {
	// Name identifies the connection in the evidence (Hit.Conn), e.g.
	// "terminal->acquirer". Default: the remote address.
	Name string
}

// linkKinds are the kinds a wrapped connection asks about.
var linkKinds = []Kind{Reset, Blackhole, Latency, Bandwidth, Slice}

// Conn wraps c so that the injector's link rules act on it, in the manner
// of testing/iotest: a Write goes up (dir=up), a Read comes down
// (dir=down). On each Write and on each Read that returns data it asks the
// injector which rules fire and applies them in this order: reset (the
// connection is closed with a TCP RST where it is a *net.TCPConn),
// blackhole (data discarded while the condition lasts), latency (the data
// is held for by ± jitter), slice (data passes in size-byte chunks) and
// bandwidth (each chunk is paced at rate bytes per second). Waits use the
// injector's clock and end early when the connection is closed.
func Conn(c net.Conn, in *Injector, opts ConnOptions) net.Conn {
	fc := &faultConn{Conn: c, in: in, name: opts.Name, done: make(chan struct{})}
	if fc.name == "" && c.RemoteAddr() != nil {
		fc.name = c.RemoteAddr().String()
	}
	return fc
}

type faultConn struct {
	net.Conn
	in   *Injector
	name string

	closeOnce sync.Once
	done      chan struct{}
	wasReset  atomic.Bool // a reset rule closed it

	rmu     sync.Mutex
	pending []byte // data read and sliced, not yet returned
	pendCh  int    // chunk size for pending data
	pendBW  int    // bandwidth for pending data
}

var _ net.Conn = (*faultConn)(nil)

// shaping is what the fired rules ask of one chunk of data.
type shaping struct {
	reset, blackhole bool
	delay            time.Duration
	size             int // 0: no slicing
	rate             int // 0: no limit
}

func (c *faultConn) shape(dir Direction, n int) shaping {
	var s shaping
	fs := c.in.Fire(Event{Target: TargetLink, Hit: Hit{Conn: c.name, Dir: dir, Bytes: int64(n)}}, linkKinds...)
	for _, f := range fs {
		r := f.Rule
		switch r.Kind {
		case Reset:
			s.reset = true
		case Blackhole:
			s.blackhole = true
		case Latency:
			d := r.By
			if r.Jitter > 0 {
				c.in.Rand(func(rng *rand.Rand) { d += time.Duration(rng.Int64N(int64(2*r.Jitter)+1)) - r.Jitter })
			}
			s.delay += d
		case Slice:
			sz := max(r.Size, 1)
			if s.size == 0 || sz < s.size {
				s.size = sz
			}
		case Bandwidth:
			if s.rate == 0 || r.Rate < s.rate {
				s.rate = r.Rate
			}
		}
	}
	if !s.blackhole && c.in.Holding(TargetLink, Blackhole, dir) {
		s.blackhole = true
	}
	return s
}

// wait holds for d on the injector's clock; it returns false if the
// connection was closed meanwhile.
func (c *faultConn) wait(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	ch := make(chan struct{})
	stop := c.in.Clock().AfterFunc(d, func() { close(ch) })
	select {
	case <-ch:
		return true
	case <-c.done:
		stop()
		return false
	}
}

func paceFor(n, rate int) time.Duration {
	return time.Duration(int64(n) * int64(time.Second) / int64(rate))
}

func (c *faultConn) reset() {
	c.wasReset.Store(true)
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

func (c *faultConn) Write(b []byte) (int, error) {
	select {
	case <-c.done:
		return 0, &LinkError{Op: "write", Conn: c.name, Err: net.ErrClosed}
	default:
	}
	s := c.shape(Up, len(b))
	if s.reset {
		c.reset()
		return 0, &LinkError{Op: "write", Conn: c.name, Err: ErrReset}
	}
	if s.blackhole {
		return len(b), nil
	}
	if !c.wait(s.delay) {
		return 0, &LinkError{Op: "write", Conn: c.name, Err: net.ErrClosed}
	}
	if s.size == 0 && s.rate == 0 {
		return c.Conn.Write(b)
	}
	size := s.size
	if size == 0 {
		size = len(b)
		if s.rate > 0 {
			size = max(min(len(b), s.rate/10), 1) // pace in steps of about 100ms
		}
	}
	written := 0
	for written < len(b) {
		chunk := b[written:min(written+size, len(b))]
		n, err := c.Conn.Write(chunk)
		written += n
		if err != nil {
			return written, err
		}
		if s.rate > 0 && !c.wait(paceFor(n, s.rate)) {
			return written, &LinkError{Op: "write", Conn: c.name, Err: net.ErrClosed}
		}
	}
	return written, nil
}

func (c *faultConn) Read(b []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if len(b) == 0 {
		return 0, nil
	}
	if len(c.pending) > 0 {
		return c.fromPending(b)
	}
	for {
		n, err := c.Conn.Read(b)
		if n == 0 {
			return 0, err
		}
		s := c.shape(Down, n)
		if s.reset {
			c.reset()
			return 0, &LinkError{Op: "read", Conn: c.name, Err: ErrReset}
		}
		if s.blackhole {
			if err != nil {
				return 0, err
			}
			continue
		}
		if !c.wait(s.delay) {
			return 0, &LinkError{Op: "read", Conn: c.name, Err: net.ErrClosed}
		}
		if s.size > 0 && n > s.size {
			c.pending = append(c.pending[:0], b[s.size:n]...)
			c.pendCh, c.pendBW = s.size, s.rate
			n = s.size
		}
		if s.rate > 0 && !c.wait(paceFor(n, s.rate)) {
			return 0, &LinkError{Op: "read", Conn: c.name, Err: net.ErrClosed}
		}
		if len(c.pending) > 0 {
			return n, nil // the error, if any, comes after the pending data
		}
		return n, err
	}
}

func (c *faultConn) fromPending(b []byte) (int, error) {
	n := copy(b[:min(len(b), c.pendCh)], c.pending)
	c.pending = c.pending[n:]
	if c.pendBW > 0 && !c.wait(paceFor(n, c.pendBW)) {
		return 0, &LinkError{Op: "read", Conn: c.name, Err: net.ErrClosed}
	}
	return n, nil
}

// Close closes the connection and ends any wait in progress. It is
// idempotent: later calls return nil.
func (c *faultConn) Close() error {
	err := net.ErrClosed
	c.closeOnce.Do(func() {
		close(c.done)
		err = c.Conn.Close()
	})
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
