package printer

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/escpos"
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
