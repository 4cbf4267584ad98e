package printer

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/pkg/rfc2217"
)

// hil's rfc2217:// client through Debian's ser2net on the emulator's pty:
// the handshake completes with every setting confirmed by ser2net, status
// reads work, and a job with 0xFF bytes in it (escaped IAC IAC) prints
// as sent.
func TestRFC2217ThroughSer2net(t *testing.T) {
	emu := newEmulator(t, escpos.Options{})
	addr, ser2netLog := startSer2net(t, emu, "9600n81")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := Open(ctx, "rfc2217://"+addr+"?baud=19200", &Options{ReplyTimeout: 5 * time.Second, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("open through ser2net: %v\nser2net:\n%s", err, ser2netLog())
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
	job, raster := jobWithIAC()
	if err := p.Print(ctx, job); err != nil {
		t.Fatalf("print through ser2net: %v\nser2net:\n%s", err, ser2netLog())
	}
	checkPrinted(t, emu, raster)
}

// jobWithIAC is a receipt whose raster image has 0xFF bytes, which must
// travel escaped (IAC IAC) on a telnet connection, and that raster.
func jobWithIAC() (job, raster []byte) {
	raster = []byte{0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x02, 0x00, 0xFF, 0xFF, 0x00, 0xFF}
	job = append([]byte("\x1b@RFC 2217\n"), raster...)
	job = append(job, "\n\x1dV\x00"...)
	return job, raster
}

// checkPrinted checks that the emulator's last receipt consumed raster
// intact and was cut.
func checkPrinted(t *testing.T, emu *escpos.Printer, raster []byte) {
	t.Helper()
	if err := emu.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	rs := emu.Receipts()
	if len(rs) == 0 {
		t.Fatal("no receipt printed")
	}
	r := rs[len(rs)-1]
	if !bytes.Contains(r.Raw, raster) || r.Cut() == nil {
		t.Errorf("receipt raw % X (cut %v); want the raster % X in it", r.Raw, r.Cut(), raster)
	}
}

func TestRFC2217URLs(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{
		"rfc2217://127.0.0.1",                 // no port
		"rfc2217://127.0.0.1:2000/dev/ttyS0",  // a path
		"rfc2217://127.0.0.1:2000?flow=cts",   // bad flow
		"rfc2217://127.0.0.1:2000?baud=fast",  // bad baud
		"rfc2217://127.0.0.1:2000?speed=9600", // unknown key
		"serial:///dev/ttyUSB0?flow=rtscts",   // serial:// has no flow yet
	} {
		if _, err := Open(ctx, u, nil); !errors.Is(err, ErrBadURL) {
			t.Errorf("%s: %v, want ErrBadURL", u, err)
		}
	}
}

// hil's rfc2217:// client against the emulator's RFC 2217 endpoint: the
// settings asked for are confirmed, status and printing work with 0xFF
// in the job, and the modem lines drop when the paper runs out and come
// back with a new roll.
func TestRFC2217AgainstEmulator(t *testing.T) {
	emu := newEmulator(t, escpos.Options{})
	srv, err := escpos.NewServer(emu, escpos.ServerOptions{RFC2217: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := Open(ctx, srv.RFC2217URL()+"?baud=19200&parity=even&flow=rtscts", &Options{ReplyTimeout: 5 * time.Second, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	lines, _, err := p.ModemLines()
	if err != nil {
		t.Fatalf("modem lines after open: %v", err)
	}
	if !lines.CTS || !lines.DSR || !lines.CD || lines.RI {
		t.Errorf("modem lines of a ready printer: %v", lines)
	}
	job, raster := jobWithIAC()
	if err := p.Print(ctx, job); err != nil {
		t.Fatal(err)
	}
	checkPrinted(t, emu, raster)

	waitLines := func(want func(ModemLines) bool) ModemLines {
		t.Helper()
		for {
			lines, changed, err := p.ModemLines()
			if err == nil && want(lines) {
				return lines
			}
			select {
			case <-changed:
			case <-ctx.Done():
				t.Fatalf("modem lines stay %v (%v)", lines, err)
			}
		}
	}
	emu.SetPaper(escpos.PaperOut)
	waitLines(func(l ModemLines) bool { return !l.CTS && !l.DSR && l.CD })
	if err := p.Ready(ctx); !errors.Is(err, ErrPaperOut) {
		t.Errorf("ready with paper out: %v", err)
	}
	emu.SetPaper(escpos.PaperOK)
	waitLines(func(l ModemLines) bool { return l.CTS && l.DSR })
	emu.SetCover(true)
	waitLines(func(l ModemLines) bool { return !l.CTS && !l.DSR })
}

// A hand-written access server that sets 9600 baud whatever is asked, or
// refuses COM-PORT-OPTION altogether: Open fails and says which.
func TestRFC2217Refusals(t *testing.T) {
	serve := func(t *testing.T, refuse bool) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			if refuse {
				c.Write([]byte{0xFF, 0xFE, 0x2C}) // DONT COM-PORT-OPTION
			} else {
				c.Write([]byte{0xFF, 0xFD, 0x2C}) // DO COM-PORT-OPTION
			}
			var d rfc2217.Decoder
			buf := make([]byte, 256)
			for {
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				var out []byte
				d.Decode(buf[:n], func(cmd rfc2217.Command) {
					cp, ok := rfc2217.ParseComPort(cmd)
					if !ok {
						return
					}
					v := cp.Value
					if cp.Code == rfc2217.SetBaudrate {
						v = rfc2217.Uint32Value(9600)
					}
					out = rfc2217.AppendComPort(out, cp.Code.Server(), v...)
				})
				c.Write(out)
			}
		}()
		return ln.Addr().String()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	_, err := Open(ctx, "rfc2217://"+serve(t, false)+"?baud=19200", &Options{ReplyTimeout: 5 * time.Second})
	var se *SettingError
	if !errors.As(err, &se) || !errors.Is(err, ErrSettingRefused) || *se != (SettingError{Setting: "baud", Asked: "19200", Got: "9600"}) {
		t.Errorf("baud refused: %v", err)
	}
	_, err = Open(ctx, "rfc2217://"+serve(t, true), &Options{ReplyTimeout: 5 * time.Second})
	var te *TransportError
	if !errors.As(err, &te) || !errors.Is(err, ErrNotRFC2217) {
		t.Errorf("COM-PORT-OPTION refused: %v", err)
	}
}

func TestModemLinesOnOtherTransports(t *testing.T) {
	p, _ := emulatorPrinter(t, escpos.Options{}, nil)
	if _, ch, err := p.ModemLines(); !errors.Is(err, ErrNoModemLines) || ch != nil {
		t.Errorf("modem lines on a pipe: %v %v", err, ch)
	}
}
