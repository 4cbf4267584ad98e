package printer

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/internal/pty"
	"github.com/poshil/hil/internal/ser2nettest"
)

func TestTelnetFilterStripsAndRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []byte
		data    []byte
		answers []byte
	}{
		{"plain bytes pass", []byte{0x12, 0x16, 0x37, 0x22, 'A', 0x00}, []byte{0x12, 0x16, 0x37, 0x22, 'A', 0x00}, nil},
		// What ser2net 4.3 sends first on a telnet(rfc2217) port.
		{"ser2net's opening", []byte{0xFF, 0xFB, 0x03, 0xFF, 0xFD, 0x03, 0xFF, 0xFB, 0x01, 0xFF, 0xFE, 0x01, 0xFF, 0xFD, 0x00, 0xFF, 0xFB, 0x00, 0xFF, 0xFD, 0x2C, 0x12},
			[]byte{0x12},
			[]byte{0xFF, 0xFE, 0x03, 0xFF, 0xFC, 0x03, 0xFF, 0xFE, 0x01, 0xFF, 0xFC, 0x00, 0xFF, 0xFE, 0x00, 0xFF, 0xFC, 0x2C}},
		{"the same DO twice is refused once", []byte{0xFF, 0xFD, 0x2C, 0xFF, 0xFD, 0x2C}, nil, []byte{0xFF, 0xFC, 0x2C}},
		// RFC 2217 SET-BAUDRATE 38400 with an escaped 0xFF inside, then a status byte.
		{"subnegotiation", []byte{0xFF, 0xFA, 0x2C, 0x65, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0xFF, 0xF0, 0x1E}, []byte{0x1E}, nil},
		{"escaped data 0xFF and NOP", []byte{0x12, 0xFF, 0xFF, 0xFF, 0xF1, 0x12}, []byte{0x12, 0xFF, 0x12}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Byte by byte and whole: the result does not depend on the split.
			for _, split := range []int{1, len(tc.in)} {
				var f telnetFilter
				var data, answers []byte
				for i := 0; i < len(tc.in); i += split {
					chunk := bytes.Clone(tc.in[i:min(i+split, len(tc.in))])
					data = append(data, f.filter(chunk, func(a []byte) { answers = append(answers, a...) })...)
				}
				if !bytes.Equal(data, tc.data) || !bytes.Equal(answers, tc.answers) {
					t.Errorf("split %d: data % X answers % X; want % X and % X", split, data, answers, tc.data, tc.answers)
				}
			}
		})
	}
}

// A hand-written telnet server (as ser2net's telnet port behaves): it
// negotiates first, answers each DLE EOT with a NOP and the status byte,
// and records what the client sent besides the requests.
func TestStatusThroughATelnetPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	finish := make(chan struct{}) // the connection stays open until the client is done
	defer close(finish)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Write([]byte{0xFF, 0xFB, 0x03, 0xFF, 0xFD, 0x03, 0xFF, 0xFB, 0x01, 0xFF, 0xFD, 0x2C})
		r := bufio.NewReader(c)
		var other []byte
		for n := 0; n < 4; {
			b, err := r.ReadByte()
			if err != nil {
				return
			}
			if b != 0x10 {
				other = append(other, b)
				continue
			}
			r.ReadByte() // EOT
			r.ReadByte() // n
			n++
			c.Write([]byte{0xFF, 0xF1, 0x12}) // IAC NOP, then all clear
		}
		got <- other
		<-finish
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := Open(ctx, "tcp://"+ln.Addr().String(), &Options{ReplyTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	st, err := p.Status(ctx)
	if err != nil {
		t.Fatalf("status through a telnet port: %v", err)
	}
	if !st.Online {
		t.Errorf("status %v", st)
	}
	if other := <-got; !cmp.Equal(other, []byte{0xFF, 0xFE, 0x03, 0xFF, 0xFC, 0x03, 0xFF, 0xFE, 0x01, 0xFF, 0xFC, 0x2C}) {
		t.Errorf("client sent % X besides its requests; want the refusals", other)
	}
}

// Debian's ser2net on a telnet(rfc2217) port in front of the emulator's
// pty: hil's status read works through it. Needs ser2net (apt-get install
// ser2net); skipped without it outside CI, fails in CI.
func TestStatusThroughSer2net(t *testing.T) {
	emu := newEmulator(t, escpos.Options{})
	addr, ser2netLog := startSer2net(t, emu, "38400n81")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := Open(ctx, "tcp://"+addr, &Options{ReplyTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for round := range 3 {
		st, err := p.Status(ctx)
		if err != nil {
			t.Fatalf("round %d: status through ser2net: %v\nser2net:\n%s", round, err, ser2netLog())
		}
		if st.Raw != [4]byte{0x12, 0x12, 0x12, 0x12} {
			t.Errorf("round %d: status %v", round, st)
		}
	}
}

// startSer2net serves emu on a pty and starts Debian's ser2net with a
// telnet(rfc2217) accepter in front of it (ser2nettest.Start).
func startSer2net(t *testing.T, emu *escpos.Printer, settings string) (addr string, log func() string) {
	t.Helper()
	if !pty.Supported {
		t.Skip("no ptys here")
	}
	srv, err := escpos.NewServer(emu, escpos.ServerOptions{PTYLink: filepath.Join(t.TempDir(), "ttyPRN")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return ser2nettest.Start(t, srv.PTY(), settings)
}

// FuzzTelnetFilter: any bytes, split anywhere, give the same data and the
// same answers; data without IAC passes unchanged.
func FuzzTelnetFilter(f *testing.F) {
	f.Add([]byte{0xFF, 0xFB, 0x03, 0xFF, 0xFD, 0x2C, 0x12}, uint8(1))
	f.Add([]byte{0xFF, 0xFA, 0x2C, 0x65, 0xFF, 0xFF, 0xFF, 0xF0, 0x12}, uint8(3))
	f.Add([]byte{0x12, 0x16, 0x37, 0x22, 'A', 0x00}, uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, split uint8) {
		run := func(step int) (data, answers []byte) {
			var tf telnetFilter
			for i := 0; i < len(in); i += step {
				chunk := bytes.Clone(in[i:min(i+step, len(in))])
				data = append(data, tf.filter(chunk, func(a []byte) { answers = append(answers, a...) })...)
			}
			return data, answers
		}
		d1, a1 := run(max(len(in), 1))
		d2, a2 := run(int(split%16) + 1)
		if !bytes.Equal(d1, d2) || !bytes.Equal(a1, a2) {
			t.Fatalf("split changes the result: % X / % X vs % X / % X", d1, a1, d2, a2)
		}
		if !bytes.Contains(in, []byte{0xFF}) && !bytes.Equal(d1, in) {
			t.Fatalf("data without IAC changed: % X -> % X", in, d1)
		}
		if len(d1) > len(in) {
			t.Fatalf("more data out than in")
		}
	})
}
