package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
)

// emulatorServer serves a new emulated printer on loopback TCP and on a
// pty with the emulator's own server.
func emulatorServer(t *testing.T) (*escpos.Server, *escpos.Printer) {
	t.Helper()
	emu, err := escpos.NewPrinter(escpos.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	srv, err := escpos.NewServer(emu, escpos.ServerOptions{TCP: true, PTY: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, emu
}

// emulatorURL is the tcp:// URL of a new emulated printer.
func emulatorURL(t *testing.T) (string, *escpos.Printer) {
	srv, emu := emulatorServer(t)
	return srv.URL(), emu
}

// silentURL accepts TCP connections and never answers.
func silentURL(t *testing.T) string {
	t.Helper()
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
			io.Copy(io.Discard, c)
			c.Close()
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return "tcp://" + ln.Addr().String()
}

func runStatusCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, nil, &out, &errb)
	return code, out.String(), errb.String()
}

func TestStatusLines(t *testing.T) {
	url, emu := emulatorURL(t)
	emu.SetPaper(escpos.PaperOut)
	code, out, errs := runStatusCmd(t, "status", url)
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
		"raw               1A 32 12 7E\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if code, _, _ := runStatusCmd(t, "status", "--ready", url); code != ExitFailure {
		t.Errorf("--ready on a printer without paper: exit %d, want %d", code, ExitFailure)
	}
}

func TestStatusJSON(t *testing.T) {
	url, emu := emulatorURL(t)
	emu.SetPaper(escpos.PaperNearEnd)
	code, out, errs := runStatusCmd(t, "status", "--json", "--ready", url)
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

func TestStatusOverSerialPty(t *testing.T) {
	srv, emu := emulatorServer(t)
	emu.SetCutterJam(true)
	url := "serial://" + srv.PTY() + "?baud=19200"
	code, out, errs := runStatusCmd(t, "status", "--json", url)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got["cutter_error"] != true || got["ready"] != false || got["reason"] != "autocutter error" {
		t.Errorf("status over the pty: %s", out)
	}
}

func TestStatusErrors(t *testing.T) {
	silent := silentURL(t)
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
		code, _, errs := runStatusCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errs, tc.code, tc.msg)
		}
	}
}
