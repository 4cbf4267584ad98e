package escpostest_test

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/escpostest"
)

// pipePort connects a Printer to one end of a net.Pipe and returns the
// other end, as a serial line or a TCP connection would.
func pipePort(t *testing.T, opts escpos.Options) (net.Conn, *escpos.Printer) {
	t.Helper()
	p, err := escpos.NewPrinter(opts)
	if err != nil {
		t.Fatal(err)
	}
	host, dev := net.Pipe()
	p.SetOutput(dev)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := dev.Read(buf)
			if n > 0 {
				p.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		host.Close()
		dev.Close()
		<-done
		p.Close()
	})
	return host, p
}

func TestConformanceEmulator(t *testing.T) {
	for _, prof := range escpos.Profiles() {
		t.Run(prof.Name, func(t *testing.T) {
			port, p := pipePort(t, escpos.Options{Profile: prof.Name})
			escpostest.ConformancePort(t, port, escpostest.ConformanceOptions{})
			// The suite printed its lines.
			if st := p.Status(); st.LinesPrinted < 2 || !st.Online {
				t.Errorf("after the suite: %+v", st)
			}
		})
	}
}

// The operator checks, with the test playing the operator.
func TestConformanceEmulatorInteractive(t *testing.T) {
	port, p := pipePort(t, escpos.Options{})
	var asked []string
	escpostest.ConformancePort(t, port, escpostest.ConformanceOptions{
		Interactive:  true,
		PollInterval: time.Millisecond,
		Prompt: func(action string) {
			asked = append(asked, action)
			switch {
			case strings.HasPrefix(action, "open the printer cover"):
				p.SetCover(true)
			case strings.HasPrefix(action, "close the printer cover"):
				p.SetCover(false)
			case strings.HasPrefix(action, "take the paper"):
				p.SetPaper(escpos.PaperOut)
			case strings.HasPrefix(action, "put the paper"):
				p.SetPaper(escpos.PaperOK)
			}
		},
	})
	if len(asked) != 4 {
		t.Errorf("operator asked %d times: %q", len(asked), asked)
	}
}

// A printer that answers DLE EOT wrongly fails the suite. The suite runs
// in a child test process, so that its expected failure is not this
// test's.
func TestConformanceCatchesBadStatus(t *testing.T) {
	if os.Getenv("ESCPOSTEST_BAD_PRINTER") == "1" {
		badPrinter(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestConformanceCatchesBadStatus$")
	cmd.Env = append(os.Environ(), "ESCPOSTEST_BAD_PRINTER=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("the suite passed a printer that answers DLE EOT with 00 (err %v):\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("DLE EOT 1 reply 0x00: bits 0,1,4,7 must read 0,1,1,0")) {
		t.Errorf("the failure does not name the bad reply:\n%s", out)
	}
}

// badPrinter answers every DLE EOT with 00 and nothing else.
func badPrinter(t *testing.T) {
	host, dev := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 256)
		for {
			n, err := dev.Read(buf)
			for i := 0; i+1 < n; i++ {
				if buf[i] == escpos.DLE && buf[i+1] == escpos.EOT {
					dev.Write([]byte{0x00})
				}
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { host.Close(); dev.Close(); <-done })
	escpostest.ConformancePort(t, host, escpostest.ConformanceOptions{ReplyTimeout: 100 * time.Millisecond, PrintTimeout: 100 * time.Millisecond})
}
