package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// statusAnswerer listens on loopback and answers every DLE EOT n with
// answers[n-1] (nothing when silent). It stands in for a printer until the
// test can use the emulator's TCP server.
func statusAnswerer(t *testing.T, answers [4]byte, silent bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				var pending []byte
				buf := make([]byte, 64)
				for {
					n, err := c.Read(buf)
					pending = append(pending, buf[:n]...)
					for len(pending) >= 3 {
						if pending[0] == 0x10 && pending[1] == 0x04 && pending[2] >= 1 && pending[2] <= 4 {
							if !silent {
								c.Write([]byte{answers[pending[2]-1]})
							}
							pending = pending[3:]
						} else {
							pending = pending[1:]
						}
					}
					if err != nil {
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "tcp://" + ln.Addr().String()
}

func runHil(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, nil, &out, &errb)
	return code, out.String(), errb.String()
}

func TestStatusLines(t *testing.T) {
	url := statusAnswerer(t, [4]byte{0x1A, 0x32, 0x12, 0x72}, false)
	code, out, errs := runHil(t, "status", url)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := "printer           " + url + "\n" +
		"ready             no (paper out)\n" +
		"online            no\n" +
		"cover             closed\n" +
		"paper             out\n" +
		"cutter            ok\n" +
		"error             none\n" +
		"feeding           no\n" +
		"waiting-recovery  no\n" +
		"drawer-pin3       low\n" +
		"raw               1A 32 12 72\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if code, _, _ := runHil(t, "status", "--ready", url); code != ExitFailure {
		t.Errorf("--ready on a printer without paper: exit %d, want %d", code, ExitFailure)
	}
}

func TestStatusJSON(t *testing.T) {
	url := statusAnswerer(t, [4]byte{0x12, 0x12, 0x12, 0x1E}, false)
	code, out, errs := runHil(t, "status", "--json", "--ready", url)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for k, v := range map[string]any{"printer": url, "ready": true, "online": true, "paper": "near-end",
		"paper_near_end": true, "paper_out": false, "cover_open": false, "raw": "12 12 12 1E"} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if strings.Count(out, "\n") != 1 {
		t.Errorf("want one line, got %q", out)
	}
}

func TestStatusErrors(t *testing.T) {
	silent := statusAnswerer(t, [4]byte{}, true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "tcp://" + ln.Addr().String()
	ln.Close()
	plain := filepath.Join(t.TempDir(), "out.bin")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"status"}, ExitUsage, "want exactly one printer URL"},
		{[]string{"status", "lpt://x"}, ExitUsage, `unknown scheme "lpt"`},
		{[]string{"status", "serial:///dev/ttyUSB0?baud=x"}, ExitUsage, `baud="x"`},
		{[]string{"status", closed}, ExitFailure, "cannot reach printer"},
		{[]string{"status", "serial:///dev/poshil-no-such-tty"}, ExitFailure, "no such file"},
		{[]string{"status", "--timeout", "200ms", silent}, ExitFailure, "DLE EOT 1: no reply within 200ms"},
		{[]string{"status", "file://" + plain}, ExitFailure, "cannot be read, so it has no status"},
	} {
		code, _, errs := runHil(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errs, tc.code, tc.msg)
		}
	}
}
