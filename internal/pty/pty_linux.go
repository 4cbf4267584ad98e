//go:build linux

package pty

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"
	"unsafe"

	"github.com/pkg/term/termios"
	"golang.org/x/sys/unix"
)

// Supported reports whether Open can create virtual serial ports here.
const Supported = true

// Pty is one pseudo-terminal pair. Read and Write act on the master side;
// clients open [Pty.Path] (or [Pty.Link]). It is safe for one reader and
// one writer at a time; Close may be called from any goroutine, any number
// of times, and unblocks a pending Read.
type Pty struct {
	master   *os.File // non-blocking, so deadlines work and Close unblocks Read
	slave    *os.File // our own handle: never read, keeps the line up between clients
	slaveFD  uintptr
	notify   *os.File // inotify instance watching the slave node
	path     string
	link     string
	events   chan Event
	done     chan struct{}
	wg       sync.WaitGroup
	once     sync.Once
	closeErr error
}

// Open creates a pty pair, sets the slave raw, creates the optional link,
// and starts watching clients. The returned Pty is ready: a client may open
// its path at once.
func Open(opts Options) (_ *Pty, err error) {
	mfd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &OpError{Op: "open", Path: "/dev/ptmx", Err: err}
	}
	// The fd is non-blocking before os.NewFile sees it, so the runtime
	// poller takes it: deadlines work and Close unblocks a pending Read.
	master := os.NewFile(uintptr(mfd), "/dev/ptmx")
	p := &Pty{master: master, events: make(chan Event, 64), done: make(chan struct{})}
	defer func() {
		if err != nil {
			p.release()
		}
	}()
	n, err := unix.IoctlGetUint32(mfd, unix.TIOCGPTN)
	if err != nil {
		return nil, &OpError{Op: "get pty number", Err: err}
	}
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		return nil, &OpError{Op: "unlock pty", Err: err}
	}
	p.path = fmt.Sprintf("/dev/pts/%d", n)
	sfd, err := unix.Open(p.path, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &OpError{Op: "open", Path: p.path, Err: err}
	}
	p.slave = os.NewFile(uintptr(sfd), p.path)
	p.slaveFD = uintptr(sfd)
	if err := makeRaw(uintptr(sfd)); err != nil {
		return nil, &OpError{Op: "set raw mode", Path: p.path, Err: err}
	}
	ifd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return nil, &OpError{Op: "inotify", Err: err}
	}
	p.notify = os.NewFile(uintptr(ifd), "inotify")
	// Our own open above happened before the watch: only clients count.
	if _, err := unix.InotifyAddWatch(ifd, p.path, unix.IN_OPEN|unix.IN_CLOSE_WRITE|unix.IN_CLOSE_NOWRITE); err != nil {
		return nil, &OpError{Op: "watch", Path: p.path, Err: err}
	}
	if opts.Link != "" {
		if err := makeLink(p.path, opts.Link); err != nil {
			return nil, err
		}
		p.link = opts.Link
	}
	p.wg.Add(1)
	go p.watch()
	return p, nil
}

func makeRaw(fd uintptr) error {
	var t unix.Termios
	if err := termios.Tcgetattr(fd, &t); err != nil {
		return err
	}
	termios.Cfmakeraw(&t)
	t.Cflag |= unix.CLOCAL | unix.CREAD
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	return termios.Tcsetattr(fd, termios.TCSANOW, &t)
}

func makeLink(target, link string) error {
	fi, err := os.Lstat(link)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink == 0:
		return &OpError{Op: "symlink", Path: link, Err: ErrNotSymlink}
	case err == nil:
		if err := os.Remove(link); err != nil {
			return &OpError{Op: "replace symlink", Path: link, Err: err}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return &OpError{Op: "symlink", Path: link, Err: err}
	}
	if err := os.Symlink(target, link); err != nil {
		return &OpError{Op: "symlink", Path: link, Err: err}
	}
	return nil
}

// watch turns inotify open/close events on the slave into Events. When the
// last client closes, replies nobody read are flushed from the slave's
// input queue so that the next client does not read stale status bytes.
func (p *Pty) watch() {
	defer p.wg.Done()
	defer close(p.events)
	buf := make([]byte, 4096)
	clients := 0
	for {
		n, err := p.notify.Read(buf)
		if err != nil {
			return // closed
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			off += unix.SizeofInotifyEvent + int(ev.Len)
			var e Event
			switch {
			case ev.Mask&unix.IN_OPEN != 0:
				clients++
				e = Event{Kind: Opened, Clients: clients}
			case ev.Mask&(unix.IN_CLOSE_WRITE|unix.IN_CLOSE_NOWRITE) != 0:
				// inotify coalesces identical adjacent events, so two
				// handles opened at once may count as one: never go below 0.
				clients = max(clients-1, 0)
				// Flush only when no event is waiting: a client that
				// reopened at once has its open queued before it could
				// write, and the flush would wipe the reply it waits for.
				if clients == 0 && off >= n && !p.eventsWaiting() {
					_ = termios.Tcflush(p.slaveFD, termios.TCIFLUSH)
				}
				e = Event{Kind: Closed, Clients: clients}
			default:
				continue // IN_IGNORED and the like
			}
			select {
			case p.events <- e:
			case <-p.done:
				return
			}
		}
	}
}

// eventsWaiting reports whether the inotify instance has events queued
// (FIONREAD, which is TIOCINQ on Linux)
// that watch has not read yet.
func (p *Pty) eventsWaiting() bool {
	rc, err := p.notify.SyscallConn()
	if err != nil {
		return false
	}
	n := 0
	rc.Control(func(fd uintptr) { n, _ = unix.IoctlGetInt(int(fd), unix.TIOCINQ) })
	return n > 0
}

// Path is the slave device, e.g. /dev/pts/7.
func (p *Pty) Path() string { return p.path }

// Link is the symbolic link made for Options.Link, or "".
func (p *Pty) Link() string { return p.link }

// Name is what clients should open: the link if there is one, else Path.
func (p *Pty) Name() string {
	if p.link != "" {
		return p.link
	}
	return p.path
}

// Events reports clients opening and closing the slave. The channel is
// closed by Close. Events that nobody receives hold up the next ones (64
// are buffered), so a user of the Pty must either drain it or ignore it
// entirely.
func (p *Pty) Events() <-chan Event { return p.events }

// Read reads bytes the clients wrote.
func (p *Pty) Read(b []byte) (int, error) { return p.master.Read(b) }

// Write sends bytes to the client side.
func (p *Pty) Write(b []byte) (int, error) { return p.master.Write(b) }

// SetReadDeadline sets the deadline for Read; a zero time means none.
func (p *Pty) SetReadDeadline(t time.Time) error { return p.master.SetReadDeadline(t) }

// SetWriteDeadline sets the deadline for Write; a zero time means none.
func (p *Pty) SetWriteDeadline(t time.Time) error { return p.master.SetWriteDeadline(t) }

// ReadAvailable reads bytes the clients wrote without waiting: it returns
// 0, nil when there are none. Unlike a byte count from an ioctl, it sees
// bytes still in the kernel's flip buffer (the tty layer flushes that work
// before a non-blocking read reports "nothing"), so after a client closed,
// calling it until it returns 0 collects everything that client wrote.
func (p *Pty) ReadAvailable(b []byte) (int, error) {
	rc, err := p.master.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		n, rerr = unix.Read(int(fd), b)
		return true
	})
	switch {
	case err != nil:
		return 0, err
	case errors.Is(rerr, unix.EAGAIN):
		return 0, nil
	case rerr != nil:
		return 0, &OpError{Op: "read", Err: rerr}
	}
	return max(n, 0), nil
}

// Close removes the link, stops the watcher, and closes both sides. It is
// idempotent and returns the first error.
func (p *Pty) Close() error {
	p.once.Do(func() {
		close(p.done)
		_ = p.notify.Close() // unblocks the watcher
		p.wg.Wait()
		p.closeErr = p.release()
	})
	return p.closeErr
}

func (p *Pty) release() error {
	var errs []error
	if p.link != "" {
		// Remove the link only if it is still ours.
		if target, err := os.Readlink(p.link); err == nil && target == p.path {
			if err := os.Remove(p.link); err != nil {
				errs = append(errs, &OpError{Op: "remove symlink", Path: p.link, Err: err})
			}
		}
	}
	if p.notify != nil {
		_ = p.notify.Close() // a second Close of an *os.File is harmless
	}
	if p.master != nil {
		if err := p.master.Close(); err != nil {
			errs = append(errs, &OpError{Op: "close master", Err: err})
		}
	}
	if p.slave != nil {
		_ = p.slave.Close()
	}
	return errors.Join(errs...)
}
