package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/pkg/hostproto"
)

func TestAcquirerServeCUP(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		code := Run(ctx, []string{"acquirer", "serve", "--listen", "127.0.0.1:0", "--profile", "cup"},
			strings.NewReader(""), outW, &syncWriter{w: &stderr})
		outW.Close()
		done <- code
	}()
	ready := map[string]string{}
	sc := bufio.NewScanner(outR)
	for ready["profile"] == "" && sc.Scan() {
		kind, val, _ := strings.Cut(sc.Text(), " ")
		ready[kind] = val
	}
	if ready["listen"] == "" || ready["profile"] != "cup" {
		cancel()
		t.Fatalf("ready lines %v, exit %d, stderr:\n%s", ready, <-done, stderr.String())
	}
	go io.Copy(io.Discard, outR)

	c := acquirertest.Dial(t, ready["listen"])
	c.Profile = hostproto.CUP
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()
	if _, err := c.Exchange(rctx, &hostproto.NetworkRequest{STAN: 1, TerminalID: "CLI00001", Code: hostproto.NetSignOn}); err != nil || c.Keys == nil {
		t.Fatalf("sign-on: %v (keys %v)", err, c.Keys)
	}
	resp, err := c.Exchange(rctx, &hostproto.FinancialRequest{
		ProcessingCode: hostproto.ProcSale, PAN: "4000000000009995", Amount: 100, STAN: 2, TerminalID: "CLI00001", Batch: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := resp.(*hostproto.FinancialResponse); r.ResponseCode != hostproto.RCInsufficientFunds {
		t.Errorf("answer %s, want 51", r.ResponseCode)
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
	}
}

func TestProfileFlagsRefuseUnknownNames(t *testing.T) {
	for _, args := range [][]string{
		{"acquirer", "serve", "--profile", "visa"},
		{"run", "--profile", "visa"},
	} {
		var stdout, stderr bytes.Buffer
		code := Run(t.Context(), args, strings.NewReader(""), &stdout, &stderr)
		if code != ExitUsage || !strings.Contains(stderr.String(), `unknown profile "visa"`) {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	code := Run(t.Context(), []string{"pos", "--profile", "visa", "lookup"}, strings.NewReader(""), &stdout, &stderr)
	if code == ExitOK || !strings.Contains(stderr.String(), `unknown profile "visa"`) {
		t.Errorf("pos: exit %d, stderr %q", code, stderr.String())
	}
}
