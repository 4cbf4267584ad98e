package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/pkg/hostproto"
)

func TestAcquirerServe(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		code := Run(ctx, []string{"acquirer", "serve", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"},
			strings.NewReader(""), outW, &syncWriter{w: &stderr})
		outW.Close()
		done <- code
	}()
	ready := map[string]string{}
	sc := bufio.NewScanner(outR)
	for len(ready) < 2 && sc.Scan() {
		kind, val, _ := strings.Cut(sc.Text(), " ")
		ready[kind] = val
	}
	if ready["listen"] == "" || !strings.HasPrefix(ready["admin"], "http://127.0.0.1:") {
		cancel()
		t.Fatalf("ready lines %v, exit %d, stderr:\n%s", ready, <-done, stderr.String())
	}
	go io.Copy(io.Discard, outR)
	if host, _, _ := net.SplitHostPort(ready["listen"]); host != "127.0.0.1" {
		t.Errorf("listening on %s, want loopback", ready["listen"])
	}

	c := acquirertest.Dial(t, ready["listen"])
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()
	resp, err := c.Exchange(rctx, &hostproto.FinancialRequest{
		ProcessingCode: hostproto.ProcSale, PAN: "4000000000009995", Amount: 100,
		Times: hostproto.TimesAt(time.Now()), STAN: 1, TerminalID: "CLI00001",
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := resp.(*hostproto.FinancialResponse); r.ResponseCode != hostproto.RCInsufficientFunds {
		t.Errorf("answer %s, want 51", r.ResponseCode)
	}
	hr, err := http.Get(ready["admin"] + "/transactions")
	if err != nil {
		t.Fatal(err)
	}
	var txns []map[string]any
	json.NewDecoder(hr.Body).Decode(&txns)
	hr.Body.Close()
	if len(txns) != 1 || txns[0]["card"] != "400000******9995" || txns[0]["code"] != "51" {
		t.Errorf("transactions %v", txns)
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
	}
}

func TestAcquirerUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"acquirer"}, ExitUsage},
		{[]string{"acquirer", "nope"}, ExitUsage},
		{[]string{"acquirer", "serve", "extra"}, ExitUsage},
		{[]string{"acquirer", "serve", "--balance", "-1"}, ExitUsage},
		{[]string{"acquirer", "serve", "--listen", "256.0.0.1:1"}, ExitFailure},
		{[]string{"acquirer", "--help"}, ExitOK},
		{[]string{"acquirer", "serve", "--help"}, ExitOK},
	} {
		var out, errb bytes.Buffer
		if got := Run(t.Context(), tc.args, strings.NewReader(""), &out, &errb); got != tc.want {
			t.Errorf("hil %v = %d, want %d; stderr %s", tc.args, got, tc.want, errb.String())
		}
	}
}
