package escpos

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/poshil/hil/pkg/rfc2217"
)

// fuzzConn is a net.Conn that reads in and records what is written.
type fuzzConn struct {
	net.Conn // nil: only the methods below are used
	r        io.Reader
	w        bytes.Buffer
}

func (c *fuzzConn) Read(b []byte) (int, error)      { return c.r.Read(b) }
func (c *fuzzConn) Write(b []byte) (int, error)     { return c.w.Write(b) }
func (c *fuzzConn) SetReadDeadline(time.Time) error { return nil }
func (c *fuzzConn) Close() error                    { return nil }

// FuzzRFC2217Server: whatever a client sends, the access server does not
// fail, passes on exactly the data bytes, and writes only well-formed
// telnet: decoding its output yields no data (the printer wrote none)
// and only commands it may send.
func FuzzRFC2217Server(f *testing.F) {
	f.Add([]byte{0xFF, 0xFB, 0x2C, 0xFF, 0xFA, 0x2C, 0x01, 0x00, 0x00, 0x4B, 0x00, 0xFF, 0xF0, 0x1B, 0x40})
	f.Add([]byte{0xFF, 0xFD, 0x2C, 0xFF, 0xFA, 0x2C, 0x05, 0x03, 0xFF, 0xF0, 0xFF, 0xFA, 0x2C, 0x07, 0xFF, 0xF0})
	f.Add([]byte{0xFF, 0xFA, 0x2C, 0x0B, 0xFF, 0xFF, 0xFF, 0xF0, 0xFF, 0xFF, 'A'})
	f.Add([]byte{0xFF, 0xFA, 0x2C, 0x00, 0xFF, 0xF0, 0xFF, 0xFA, 0x2C, 0x0C, 0x09, 0xFF, 0xF0, 0xFF, 0xFD, 0x01})
	f.Fuzz(func(t *testing.T, in []byte) {
		fc := &fuzzConn{r: bytes.NewReader(in)}
		c := newRFCConn(fc, 38400, slog.New(slog.DiscardHandler))
		if err := c.start(); err != nil {
			t.Fatal(err)
		}
		var data []byte
		buf := make([]byte, 64)
		for {
			n, err := c.Read(buf)
			data = append(data, buf[:n]...)
			if err != nil {
				break
			}
		}
		var want rfc2217.Decoder
		if w := want.Decode(bytes.Clone(in), func(rfc2217.Command) {}); !bytes.Equal(data, w) {
			t.Fatalf("data % X, want % X", data, w)
		}
		c.setLines(rfc2217.ModemCD)
		var d rfc2217.Decoder
		if out := d.Decode(fc.w.Bytes(), func(cmd rfc2217.Command) {
			switch cmd.Verb {
			case rfc2217.WILL, rfc2217.WONT, rfc2217.DO, rfc2217.DONT:
			case rfc2217.SB:
				if cp, ok := rfc2217.ParseComPort(cmd); !ok || !cp.Code.IsServer() {
					t.Fatalf("server sent %+v", cmd)
				}
			default:
				t.Fatalf("server sent %+v", cmd)
			}
		}); len(out) != 0 {
			t.Fatalf("server sent data % X", out)
		}
	})
}

func TestModemLinesFollowTheProfile(t *testing.T) {
	all := rfc2217.ModemCD | rfc2217.ModemDSR | rfc2217.ModemCTS
	for _, tc := range []struct {
		lines []string
		busy  rfc2217.ModemState
	}{
		{nil, rfc2217.ModemCD},
		{[]string{"dsr"}, rfc2217.ModemCD | rfc2217.ModemCTS},
		{[]string{"cts"}, rfc2217.ModemCD | rfc2217.ModemDSR},
		{[]string{"none"}, all},
	} {
		prof := Profile{BusyLines: tc.lines}
		if got := modemLines(prof, false); got != all {
			t.Errorf("%v, not busy: %v", tc.lines, got)
		}
		if got := modemLines(prof, true); got != tc.busy {
			t.Errorf("%v, busy: %v, want %v", tc.lines, got, tc.busy)
		}
	}
	prof, err := LookupProfile("")
	if err != nil {
		t.Fatal(err)
	}
	prof.BusyLines = []string{"dtr"}
	if err := prof.validate(); err == nil {
		t.Error("busyLines dtr accepted")
	}
}
