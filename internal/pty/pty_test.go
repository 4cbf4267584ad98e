//go:build linux

package pty_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/poshil/hil/internal/pty"
)

func openPty(t *testing.T, opts pty.Options) *pty.Pty {
	t.Helper()
	p, err := pty.Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func waitEvent(t *testing.T, p *pty.Pty, want pty.Event) {
	t.Helper()
	select {
	case got, ok := <-p.Events():
		if !ok {
			t.Fatalf("events closed, want %+v", want)
		}
		if got != want {
			t.Fatalf("event = %+v, want %+v", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no event, want %+v", want)
	}
}

func readFull(t *testing.T, r io.Reader, n int) []byte {
	t.Helper()
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	return buf
}

// serialReader adapts go.bug.st/serial's Read, which returns (0, nil) on a
// read timeout, into a reader that fails instead of spinning.
type serialReader struct{ p serial.Port }

func (r serialReader) Read(b []byte) (int, error) {
	n, err := r.p.Read(b)
	if n == 0 && err == nil {
		return 0, errors.New("serial read timed out")
	}
	return n, err
}

func TestBytesPassUntouchedBothWaysAcrossReopen(t *testing.T) {
	p := openPty(t, pty.Options{})
	if !bytes.HasPrefix([]byte(p.Path()), []byte("/dev/pts/")) || p.Name() != p.Path() {
		t.Fatalf("Path %q Name %q", p.Path(), p.Name())
	}
	// Bytes that cooked mode would mangle: CR, LF, VEOF (0x04), ^R, DEL, NUL.
	toPrinter := []byte{0x1b, 0x40, 'A', 0x0d, 0x0a, 0x04, 0x12, 0x7f, 0x00, 0x1d, 0x56, 0x00}
	toClient := []byte{0x12, 0x0d, 0x0a, 0x04, 0x41, 0x00, 0x7f}
	for round := range 3 {
		port, err := serial.Open(p.Path(), &serial.Mode{BaudRate: 38400})
		if err != nil {
			t.Fatalf("round %d: serial.Open: %v", round, err)
		}
		if err := port.SetReadTimeout(10 * time.Second); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, p, pty.Event{Kind: pty.Opened, Clients: 1})
		if _, err := port.Write(toPrinter); err != nil {
			t.Fatalf("round %d: client write: %v", round, err)
		}
		if got := readFull(t, p, len(toPrinter)); !bytes.Equal(got, toPrinter) {
			t.Fatalf("round %d: master read % x, want % x", round, got, toPrinter)
		}
		if _, err := p.Write(toClient); err != nil {
			t.Fatalf("round %d: master write: %v", round, err)
		}
		if got := readFull(t, serialReader{port}, len(toClient)); !bytes.Equal(got, toClient) {
			t.Fatalf("round %d: client read % x, want % x", round, got, toClient)
		}
		if err := port.Close(); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, p, pty.Event{Kind: pty.Closed, Clients: 0})
	}
}

func TestDataWrittenBeforeCloseIsStillRead(t *testing.T) {
	p := openPty(t, pty.Options{})
	port, err := serial.Open(p.Path(), &serial.Mode{})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, pty.Event{Kind: pty.Opened, Clients: 1})
	if _, err := port.Write([]byte("last words\n")); err != nil {
		t.Fatal(err)
	}
	port.Close()
	waitEvent(t, p, pty.Event{Kind: pty.Closed, Clients: 0})
	// Everything the client wrote is there without waiting.
	var got []byte
	buf := make([]byte, 4)
	for {
		n, err := p.ReadAvailable(buf)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != "last words\n" {
		t.Fatalf("ReadAvailable collected %q", got)
	}
}

func TestStaleRepliesAreFlushedWhenTheLastClientCloses(t *testing.T) {
	p := openPty(t, pty.Options{})
	port, err := serial.Open(p.Path(), &serial.Mode{})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, pty.Event{Kind: pty.Opened, Clients: 1})
	port.Close()
	// A reply to nobody, written after the client went away…
	waitEvent(t, p, pty.Event{Kind: pty.Closed, Clients: 0})
	// …is written now, while nobody listens, then the line is reopened.
	// (Written after the flush: it is only flushed at the next close.)
	if _, err := p.Write([]byte{0x12}); err != nil {
		t.Fatal(err)
	}
	port, err = serial.Open(p.Path(), &serial.Mode{})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, p, pty.Event{Kind: pty.Opened, Clients: 1})
	port.Close()
	waitEvent(t, p, pty.Event{Kind: pty.Closed, Clients: 0})
	port, err = serial.Open(p.Path(), &serial.Mode{})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	waitEvent(t, p, pty.Event{Kind: pty.Opened, Clients: 1})
	if _, err := p.Write([]byte{0x7e}); err != nil {
		t.Fatal(err)
	}
	if err := port.SetReadTimeout(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := readFull(t, serialReader{port}, 1); got[0] != 0x7e {
		t.Fatalf("client read % x first, want the fresh 7e (stale 12 not flushed)", got)
	}
}

func TestLinkIsCreatedOpenableAndRemoved(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "ttyPRN0")
	// A stale link from an earlier run is replaced.
	if err := os.Symlink("/dev/pts/nonexistent", link); err != nil {
		t.Fatal(err)
	}
	p := openPty(t, pty.Options{Link: link})
	if p.Link() != link || p.Name() != link {
		t.Fatalf("Link %q Name %q", p.Link(), p.Name())
	}
	if target, err := os.Readlink(link); err != nil || target != p.Path() {
		t.Fatalf("Readlink = %q, %v; want %q", target, err, p.Path())
	}
	port, err := serial.Open(link, &serial.Mode{BaudRate: 19200})
	if err != nil {
		t.Fatalf("open via link: %v", err)
	}
	if _, err := port.Write([]byte{0x10, 0x04, 0x04}); err != nil {
		t.Fatal(err)
	}
	if got := readFull(t, p, 3); !bytes.Equal(got, []byte{0x10, 0x04, 0x04}) {
		t.Fatalf("read % x", got)
	}
	port.Close()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(link); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("link still there after Close: %v", err)
	}
}

func TestLinkNeverClobbersARegularFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "important")
	if err := os.WriteFile(path, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := pty.Open(pty.Options{Link: path})
	if !errors.Is(err, pty.ErrNotSymlink) {
		t.Fatalf("Open over a regular file: %v, want ErrNotSymlink", err)
	}
	var opErr *pty.OpError
	if !errors.As(err, &opErr) || opErr.Path != path {
		t.Fatalf("error %v does not name the path", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "keep me" {
		t.Fatalf("file changed: %q", b)
	}
}

func TestCloseUnblocksReadAndIsIdempotent(t *testing.T) {
	p, err := pty.Open(pty.Options{})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := p.Read(make([]byte, 10))
		errc <- err
	}()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Read after Close: %v, want os.ErrClosed", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, ok := <-p.Events(); ok {
		t.Fatal("events channel not closed")
	}
}

func TestReadDeadline(t *testing.T) {
	p := openPty(t, pty.Options{})
	if err := p.SetReadDeadline(time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past deadline: %v", err)
	}
}
