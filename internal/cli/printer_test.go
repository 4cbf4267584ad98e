package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.bug.st/serial"

	"github.com/poshil/hil/internal/pty"
)

// startPrinterServe runs 'hil printer serve' in-process and returns its
// ready lines by endpoint, a function that stops it and returns its exit
// status, and its stderr.
func startPrinterServe(t *testing.T, args ...string) (map[string]string, func() int, *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		code := Run(ctx, append([]string{"printer", "serve"}, args...), strings.NewReader(""), outW, &syncWriter{w: &stderr})
		outW.Close()
		done <- code
	}()
	want := 0
	if !argsHave(args, "--tcp", "off") {
		want++
	}
	if pty.Supported && !argsHave(args, "--pty", "off") {
		want++
	}
	if argsHave(args, "--admin", "") {
		want++
	}
	if argsHave(args, "--rfc2217", "") {
		want++
	}
	ready := map[string]string{}
	sc := bufio.NewScanner(outR)
	for len(ready) < want && sc.Scan() {
		kind, val, _ := strings.Cut(sc.Text(), " ")
		ready[kind] = val
	}
	if len(ready) < want {
		cancel()
		t.Fatalf("ready lines %v, exit %d, stderr:\n%s", ready, <-done, stderr.String())
	}
	go io.Copy(io.Discard, outR)
	stop := sync.OnceValue(func() int {
		cancel()
		return <-done
	})
	t.Cleanup(func() { stop() })
	return ready, stop, &stderr
}

// argsHave reports whether args has flag (followed by value, unless value is "").
func argsHave(args []string, flag, value string) bool {
	for i, a := range args {
		if a == flag && (value == "" || i+1 < len(args) && args[i+1] == value) {
			return true
		}
	}
	return false
}

var printerTestJob = []byte("\x1b@TOTAL 12.50\nTHANK YOU\n\x1dV\x00\x10\x04\x04")

func TestPrinterServeTCPAdminOut(t *testing.T) {
	out := t.TempDir()
	ready, stop, stderr := startPrinterServe(t, "--tcp", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--out", out)
	if !strings.HasPrefix(ready["tcp"], "127.0.0.1:") || !strings.HasPrefix(ready["admin"], "http://127.0.0.1:") {
		t.Fatalf("ready lines %v", ready)
	}
	c, err := net.Dial("tcp", ready["tcp"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(printerTestJob); err != nil {
		t.Fatal(err)
	}
	st := make([]byte, 1)
	if _, err := io.ReadFull(c, st); err != nil || st[0] != 0x12 {
		t.Fatalf("status % x %v", st, err)
	}
	// A second job without a cut, ended by the client going away.
	c.Close()
	c, err = net.Dial("tcp", ready["tcp"])
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("\x1b@SECOND\n\x10\x04\x01"))
	io.ReadFull(c, st)
	c.Close()

	resp, err := http.Get(ready["admin"] + "/status")
	if err != nil {
		t.Fatal(err)
	}
	var status map[string]any
	json.NewDecoder(resp.Body).Decode(&status)
	resp.Body.Close()
	if status["profile"] != "tm-t88" {
		t.Fatalf("admin status %v", status)
	}

	if code := stop(); code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, name := range []string{"0001.bin", "0001.txt", "0001.png", "0002.bin", "0002.txt", "0002.png"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Fatalf("--out: %v", err)
		}
	}
	bin, _ := os.ReadFile(filepath.Join(out, "0001.bin"))
	// The receipt's bytes run to its cut; the DLE EOT 4 after it is not its.
	if want := printerTestJob[:len(printerTestJob)-3]; !bytes.Equal(bin, want) {
		t.Fatalf("0001.bin = % x, want % x", bin, want)
	}
	txt, _ := os.ReadFile(filepath.Join(out, "0001.txt"))
	if !strings.Contains(string(txt), "TOTAL 12.50") {
		t.Fatalf("0001.txt:\n%s", txt)
	}
	txt, _ = os.ReadFile(filepath.Join(out, "0002.txt"))
	if !strings.Contains(string(txt), "SECOND") {
		t.Fatalf("0002.txt:\n%s", txt)
	}
	f, _ := os.Open(filepath.Join(out, "0001.png"))
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("0001.png: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(out, ".tmp-*")); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestPrinterServePTYLink(t *testing.T) {
	if !pty.Supported {
		t.Skip("no ptys here")
	}
	link := filepath.Join(t.TempDir(), "ttyPRN0")
	ready, stop, stderr := startPrinterServe(t, "--pty", link, "--tcp", "off", "--profile", "generic-58")
	if ready["pty"] != link {
		t.Fatalf("ready lines %v", ready)
	}
	port, err := serial.Open(link, &serial.Mode{BaudRate: 9600})
	if err != nil {
		t.Fatal(err)
	}
	port.SetReadTimeout(20 * time.Second)
	port.Write([]byte{0x10, 0x04, 0x04})
	b := make([]byte, 1)
	if n, err := port.Read(b); n != 1 || err != nil || b[0] != 0x12 {
		t.Fatalf("status over the pty: n=%d % x %v", n, b, err)
	}
	port.Close()
	if code := stop(); code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Fatalf("link left after exit: %v", err)
	}
}

func TestPrinterServeErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, tc := range []struct {
		args    []string
		code    int
		mention string
	}{
		{[]string{"--profile", "nope"}, ExitUsage, `"nope"`},
		{[]string{"--pty", "off", "--tcp", ln.Addr().String()}, ExitFailure, ln.Addr().String()},
		{[]string{"--pty", "off", "--tcp", "off"}, ExitUsage, "nothing to serve"},
		{[]string{"--pty", "off", "--admin", "256.0.0.1:1"}, ExitFailure, "--admin"},
		{[]string{"extra"}, ExitUsage, "unexpected"},
	} {
		var stdout, stderr bytes.Buffer
		code := Run(t.Context(), append([]string{"printer", "serve"}, tc.args...), strings.NewReader(""), &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.mention) {
			t.Errorf("%v: exit %d, stderr %q (want %d mentioning %s)", tc.args, code, stderr.String(), tc.code, tc.mention)
		}
	}
}

func TestPrinterHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Run(t.Context(), []string{"printer", "--help"}, nil, &stdout, &stderr); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"hil printer serve", "pty /dev/pts/7", "admin http://", "9100"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, stdout.String())
		}
	}
	stdout.Reset()
	stderr.Reset()
	if code := Run(t.Context(), []string{"printer", "serve", "--help"}, nil, &stdout, &stderr); code != ExitOK || !strings.Contains(stderr.String(), "-realtime") {
		t.Fatalf("serve --help: %d\n%s", code, stderr.String())
	}
}

// With --keep 2 the admin API keeps the last two receipts in memory and
// serves the older ones from --out; /status counts them.
func TestPrinterServeKeepsTheLastNInMemory(t *testing.T) {
	out := t.TempDir()
	ready, stop, stderr := startPrinterServe(t, "--pty", "off", "--tcp", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--out", out, "--keep", "2")
	c, err := net.Dial("tcp", ready["tcp"])
	if err != nil {
		t.Fatal(err)
	}
	var jobs [][]byte
	for i := range 5 {
		job := []byte("\x1b@KEEP TEST " + string(rune('1'+i)) + "\n\x1dV\x00")
		jobs = append(jobs, job)
		c.Write(job)
	}
	// GS ( H: the reply comes once everything before it has printed.
	c.Write([]byte("\x1d(H\x06\x00\x30\x30SYNC"))
	reply := make([]byte, 7)
	if _, err := io.ReadFull(c, reply); err != nil || string(reply[2:6]) != "SYNC" {
		t.Fatalf("process ID reply % x %v", reply, err)
	}
	get := func(path string) (int, []byte) {
		resp, err := http.Get(ready["admin"] + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	// Receipt 1 is in memory or, once evicted, on disk: served either way.
	if code, b := get("/receipts/1.bin"); code != http.StatusOK || !bytes.Equal(b, jobs[0]) {
		t.Errorf("/receipts/1.bin: %d %q", code, b)
	}
	if code, b := get("/receipts/1.txt"); code != http.StatusOK || !strings.Contains(string(b), "KEEP TEST 1") {
		t.Errorf("/receipts/1.txt: %d %q", code, b)
	}
	c.Close()
	if code := stop(); code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for i := range 5 {
		if b, err := os.ReadFile(filepath.Join(out, "000"+string(rune('1'+i))+".bin")); err != nil || !bytes.Equal(b, jobs[i]) {
			t.Errorf("receipt %d on disk: %q %v", i+1, b, err)
		}
	}
}

func TestPrinterServeMemoryAndTimeoutFlags(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		mention string
	}{
		{[]string{"--keep", "0"}, "--keep"},
		{[]string{"--keep-mb", "0"}, "--keep-mb"},
		{[]string{"--idle-timeout", "soon"}, `--idle-timeout "soon"`},
		{[]string{"--idle-timeout", "-5s"}, `--idle-timeout "-5s"`},
	} {
		var stdout, stderr bytes.Buffer
		code := Run(t.Context(), append([]string{"printer", "serve", "--pty", "off"}, tc.args...), strings.NewReader(""), &stdout, &stderr)
		if code != ExitUsage || !strings.Contains(stderr.String(), tc.mention) {
			t.Errorf("%v: exit %d, stderr %q (want %d mentioning %s)", tc.args, code, stderr.String(), ExitUsage, tc.mention)
		}
	}
}

// --idle-timeout closes an idle TCP connection: the server closes it (EOF).
func TestPrinterServeIdleTimeout(t *testing.T) {
	ready, _, _ := startPrinterServe(t, "--pty", "off", "--tcp", "127.0.0.1:0", "--idle-timeout", "50ms")
	c, err := net.Dial("tcp", ready["tcp"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	if n, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("read %d, %v; want EOF from the idle timeout", n, err)
	}
}
