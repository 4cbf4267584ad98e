package escpos_test

import (
	"net"
	"net/url"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/internal/pty"
)

// TestServerURL: URL is a tcp:// printer URL whose host answers ESC/POS
// (DLE EOT 1 gets one status byte back); a server without TCP has none.
func TestServerURL(t *testing.T) {
	p, _ := newPrinter(t)
	s := newServer(t, p, escpos.ServerOptions{TCP: true})
	u, err := url.Parse(s.URL())
	if err != nil || u.Scheme != "tcp" || u.Host != s.Addr() || u.Path != "" {
		t.Fatalf("URL() = %q (%v), want tcp://%s", s.URL(), err, s.Addr())
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte{0x10, 0x04, 0x01}); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	if _, err := c.Read(b); err != nil {
		t.Fatalf("no status byte from %s: %v", s.URL(), err)
	}
	if b[0]&0x93 != 0x12 {
		t.Errorf("DLE EOT 1 answered %#02x, not a status byte (fixed bits 0x12 under mask 0x93)", b[0])
	}

	if !pty.Supported {
		return // a server without TCP needs a pty
	}
	p2, _ := newPrinter(t)
	if s2 := newServer(t, p2, escpos.ServerOptions{PTY: true}); s2.URL() != "" {
		t.Errorf("server on a pty only: URL() = %q, want \"\"", s2.URL())
	}
}
