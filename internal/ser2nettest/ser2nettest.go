// Package ser2nettest runs Debian's ser2net in front of a serial device
// for tests: the independent RFC 2217 and telnet access server that bench
// rigs (and labgrid) use to reach remote printers.
package ser2nettest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Start runs ser2net with a telnet(rfc2217) accepter on a free loopback
// port in front of device (serial settings such as "38400n81") until the
// test ends. It returns the address once ser2net listens, and a function
// that returns ser2net's log so far. Without ser2net the test is skipped,
// or fails when CI is set.
func Start(t testing.TB, device, settings string) (addr string, log func() string) {
	t.Helper()
	bin, err := exec.LookPath("ser2net")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/ser2net"); serr == nil {
			bin, err = "/usr/sbin/ser2net", nil
		}
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ser2net is not installed (apt-get install ser2net)")
		}
		t.Skip("ser2net is not installed (apt-get install ser2net)")
	}
	// A free loopback port for ser2net (it cannot report one it picked).
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	host, port, _ := net.SplitHostPort(addr)
	cfg := fmt.Sprintf("connection: &prn#  accepter: telnet(rfc2217),tcp,%s,%s#  connector: serialdev,%s,%s,local", host, port, device, settings)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, bin, "-d", "-u", "-Y", cfg)
	logPath := filepath.Join(t.TempDir(), "ser2net.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	log = func() string { b, _ := os.ReadFile(logPath); return string(b) }
	// ser2net has no readiness signal. Dialling to probe would open and
	// close the device (ser2net opens it per connection), so watch for
	// its listening socket instead.
	for !Listening(t, port) {
		select {
		case <-ctx.Done():
			t.Fatalf("ser2net never listened on %s\n%s", addr, log())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return addr, log
}

// Listening reports whether a TCP socket listens on port (from
// /proc/net/tcp: local address :PORT in hex, state 0A).
func Listening(t testing.TB, port string) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(port, &n)
	want := fmt.Sprintf(":%04X", n)
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) > 3 && strings.HasSuffix(f[1], want) && f[3] == "0A" {
			return true
		}
	}
	return false
}
