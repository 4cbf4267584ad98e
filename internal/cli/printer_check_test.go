package cli

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/internal/pty"
)

// hil printer check passes the emulator, on TCP and on its pty opened as
// a serial port, and names each check.
func TestPrinterCheckEmulator(t *testing.T) {
	srv, emu := emulatorServer(t)
	urls := map[string]string{"tcp": srv.URL()}
	if pty.Supported {
		urls["pty"] = "serial://" + srv.PTY() + "?baud=38400"
	}
	for name, url := range urls {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(t.Context(), []string{"printer", "check", url, "-v"}, nil, &stdout, &stderr)
			if code != ExitOK {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
			}
			out := stdout.String()
			for _, want := range []string{"ok    DLE EOT\n", "ok    GS ( H after printing\n", "ok    DLE DC4 8\n",
				"skip  operator (not interactive", `GS I 66 = "EPSON"`, url + ": 8 passed, 0 failed, 1 skipped\n"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
	if st := emu.Status(); st.LinesPrinted < 2 {
		t.Errorf("the suite printed %d lines", st.LinesPrinted)
	}
}

// A printer that answers every DLE EOT with 00 fails, and the output says
// which check failed and why.
func TestPrinterCheckCatchesABadPrinter(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				buf := make([]byte, 256)
				for {
					n, err := c.Read(buf)
					for i := 0; i+1 < n; i++ {
						if buf[i] == escpos.DLE && buf[i+1] == escpos.EOT {
							c.Write([]byte{0x00})
						}
					}
					if err != nil {
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), []string{"printer", "check", "--reply-timeout", "100ms", "--print-timeout", "100ms",
		"tcp://" + ln.Addr().String()}, nil, &stdout, &stderr)
	if code != ExitFailure {
		t.Fatalf("exit %d, want %d\n%s%s", code, ExitFailure, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"FAIL  DLE EOT\n", "DLE EOT 1 reply 0x00: bits 0,1,4,7 must read 0,1,1,0", " failed, "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestPrinterCheckUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, ExitUsage, "want exactly one printer URL"},
		{[]string{"127.0.0.1:9100"}, ExitUsage, "write tcp://127.0.0.1:9100"},
		{[]string{"--reply-timeout", "0s", "tcp://127.0.0.1:9"}, ExitUsage, "must be positive"},
		{[]string{silentURL(t), "--reply-timeout", "50ms", "--print-timeout", "50ms"}, ExitFailure, ""},
	} {
		var stdout, stderr bytes.Buffer
		code := Run(t.Context(), append([]string{"printer", "check"}, tc.args...), nil, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("hil printer check %q: exit %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}
