package terminal_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/poshil/hil/terminal"
)

// fakeEnv makes the test binary a misbehaving terminal (see TestMain).
const fakeEnv = "HIL_TERMINAL_TEST_FAKE"

// fakeTerminal runs one misbehaviour, reading requests from stdin.
func fakeTerminal(mode string) {
	buf := make([]byte, 4096)
	answer := func(s string) { os.Stdout.WriteString(s + "\n") }
	n := 0
	for {
		k, err := os.Stdin.Read(buf)
		if err != nil {
			os.Exit(0)
		}
		for range strings.Count(string(buf[:k]), "\n") {
			n++
			switch {
			case n == 1 && mode != "old-version":
				answer(`{"id":1,"outcome":"ok","version":1,"capabilities":["sale"]}`)
			case n == 1:
				answer(`{"id":1,"outcome":"ok","version":99}`)
			case mode == "die":
				os.Exit(3)
			case mode == "wrong-id":
				answer(`{"id":42,"outcome":"declined"}`)
			case mode == "garbage":
				answer(`Approved! Thank you`)
			}
		}
	}
}

func fake(t *testing.T, mode string) (*terminal.Process, error) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	p, err := terminal.StartProcess(ctx, terminal.ProcessConfig{Command: []string{exe}, Env: []string{fakeEnv + "=" + mode}})
	if p != nil {
		t.Cleanup(p.Kill)
	}
	return p, err
}

// TestProcessMisbehaving: the driver names what a broken terminal did
// instead of hanging or taking a wrong line for an answer.
func TestProcessMisbehaving(t *testing.T) {
	if _, err := fake(t, "old-version"); err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("terminal of another version: %v", err)
	}
	for _, c := range []struct{ mode, want string }{
		{"die", "ended without answering"},
		{"wrong-id", "id 42, want 2"},
		{"garbage", "not a protocol line"},
	} {
		p, err := fake(t, c.mode)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Sale(t.Context(), 100, "4242424242424242", "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.mode, err, c.want)
		}
	}
	// An operation the hello did not list is not sent.
	p, err := fake(t, "wrong-id")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := p.Refund(t.Context(), "1", 100, "4242424242424242"); err != nil || res.Reason != terminal.ReasonUnsupported {
		t.Errorf("refund on a sale-only terminal: %+v %v", res, err)
	}
}
