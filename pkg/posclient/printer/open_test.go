package printer

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestOpenBadURLs(t *testing.T) {
	for _, u := range []string{
		"",
		"/dev/ttyUSB0",
		"lpt://printer",
		"usb://0x04b8",
		"serial:///dev/ttyUSB0?baud=fast",
		"serial:///dev/ttyUSB0?baud=0",
		"serial:///dev/ttyUSB0?parity=mark",
		"serial:///dev/ttyUSB0?databits=5",
		"serial:///dev/ttyUSB0?stopbits=3",
		"serial:///dev/ttyUSB0?speed=9600",
		"serial://host/dev/ttyUSB0",
		"serial://",
		"tcp://",
		"tcp://10.0.0.5:9100/path",
		"tcp://10.0.0.5:9100?x=1",
		"file://",
		"file:///dev/usb/lp0?x=1",
		"%zz",
	} {
		_, err := Open(t.Context(), u, nil)
		var ue *URLError
		if !errors.Is(err, ErrBadURL) || !errors.As(err, &ue) {
			t.Errorf("Open(%q) = %v, want a URLError", u, err)
		}
	}
}

func TestOpenUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = Open(t.Context(), "tcp://"+addr, nil)
	var te *TransportError
	if !errors.As(err, &te) || te.Op != "open" || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Open(closed port) = %v, want a TransportError for connection refused", err)
	}

	_, err = Open(t.Context(), "serial:///dev/poshil-no-such-tty", nil)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(missing tty) = %v, want fs.ErrNotExist", err)
	}
	var se *SerialError
	_, err = Open(t.Context(), "serial:///dev/null", nil)
	if !errors.As(err, &se) {
		t.Errorf("Open(/dev/null as serial) = %v, want a SerialError", err)
	}
	_, err = Open(t.Context(), "file:///dev/poshil-no-such-lp", nil)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open(missing file) = %v, want fs.ErrNotExist", err)
	}
}

func TestOpenTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	peer := newPeer()
	var wg sync.WaitGroup
	wg.Go(func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		peer.serve(conn)
	})
	defer func() { ln.Close(); wg.Wait() }()
	p, err := Open(t.Context(), "tcp://"+ln.Addr().String(), &Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Name() != "tcp://"+ln.Addr().String() {
		t.Errorf("Name = %q", p.Name())
	}
	peer.set([4]byte{0x12, 0x12, 0x12, 0x1E})
	st, err := p.Status(t.Context())
	if err != nil || !st.PaperNearEnd {
		t.Fatalf("Status = %+v, %v", st, err)
	}
	if err := p.Print(t.Context(), []byte("tcp job\n")); err != nil {
		t.Fatal(err)
	}
}

func TestOpenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lp0")
	if err := os.WriteFile(path, []byte("old "), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Open(t.Context(), "file://"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Status(t.Context()); !errors.Is(err, ErrStatusUnsupported) {
		t.Errorf("Status on a plain file = %v", err)
	}
	if err := p.Print(t.Context(), []byte("job")); !errors.Is(err, ErrNotConfirmed) || !errors.Is(err, ErrStatusUnsupported) {
		t.Errorf("Print on a plain file = %v", err)
	}
	p.Close()
	if b, _ := os.ReadFile(path); string(b) != "old job" {
		t.Errorf("file holds %q, want the job appended", b)
	}

	// A character device that reads as empty gives no status either.
	p, err = Open(t.Context(), "file:///dev/null", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Status(t.Context()); !errors.Is(err, ErrStatusUnsupported) {
		t.Errorf("Status on /dev/null = %v", err)
	}
}

// openPty returns the master of a new pty pair and the slave's path. The
// slave is set raw and kept open by the test, as the emulator does, so the
// master never sees EIO when the client closes.
func openPty(t *testing.T) (*os.File, string) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Skipf("no pty support: %v", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	master := os.NewFile(uintptr(fd), "/dev/ptmx")
	path := fmt.Sprintf("/dev/pts/%d", n)
	sfd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	tio, err := unix.IoctlGetTermios(sfd, unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	tio.Oflag &^= unix.OPOST
	tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	tio.Cflag &^= unix.CSIZE | unix.PARENB
	tio.Cflag |= unix.CS8
	if err := unix.IoctlSetTermios(sfd, unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(sfd) })
	return master, path
}

func TestOpenSerialPty(t *testing.T) {
	master, path := openPty(t)
	peer := newPeer()
	var wg sync.WaitGroup
	wg.Go(func() { peer.serve(master) })
	defer func() { master.Close(); wg.Wait() }()

	p, err := Open(t.Context(), "serial://"+path+"?baud=19200", &Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	peer.set([4]byte{0x1A, 0x52, 0x1A, 0x12})
	if err := p.Ready(t.Context()); !errors.Is(err, ErrCutter) {
		t.Errorf("Ready = %v, want ErrCutter", err)
	}
	peer.set([4]byte{0x12, 0x12, 0x12, 0x12})
	// Bytes that a cooked tty would mangle (CR, LF, ^D, ^C) pass unchanged.
	job := []byte{0x1b, 0x40, 'A', 0x0d, 0x0a, 0x04, 0x03, 0x1d, 0x56, 0x42, 0x00}
	if err := p.Print(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	if got := peer.bytesReceived(); !containsBytes(got, job) {
		t.Errorf("job mangled on the pty: % X", got)
	}
}

func containsBytes(b, sub []byte) bool {
	for i := 0; i+len(sub) <= len(b); i++ {
		if string(b[i:i+len(sub)]) == string(sub) {
			return true
		}
	}
	return false
}

// Dial gives the connection Open prints over, raw: bytes written arrive
// as they are, replies are not parsed, and a plain file cannot be read.
func TestDial(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		b := make([]byte, 3)
		_, err = io.ReadFull(c, b)
		if err == nil {
			c.Write([]byte{0x12}) // a DLE EOT 1 answer
		}
		got <- b
	}()
	rwc, err := Dial(t.Context(), "tcp://"+ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer rwc.Close()
	if _, err := rwc.Write([]byte{0x10, 0x04, 0x01}); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != "\x10\x04\x01" {
		t.Errorf("the printer read % x, want 10 04 01", b)
	}
	reply := make([]byte, 1)
	if _, err := io.ReadFull(rwc, reply); err != nil || reply[0] != 0x12 {
		t.Errorf("read % x, %v; want the raw reply 12", reply, err)
	}

	file := filepath.Join(t.TempDir(), "out.bin")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Dial(t.Context(), "file://"+file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Read(make([]byte, 1)); !errors.Is(err, ErrStatusUnsupported) {
		t.Errorf("reading a plain file: %v, want ErrStatusUnsupported", err)
	}
	f.Close()
	if b, _ := os.ReadFile(file); string(b) != "hello\n" {
		t.Errorf("file holds %q", b)
	}
	if _, err := Dial(t.Context(), "tcp//x"); !errors.Is(err, ErrBadURL) {
		t.Errorf("bad URL: %v, want ErrBadURL", err)
	}
}
