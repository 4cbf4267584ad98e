package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/faults"
	"github.com/poshil/hil/pkg/hostproto"
)

func runHil(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestFaultsCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.plan")
	os.WriteFile(good, []byte("# S6\nseed 42\nacquirer drop-response nth=1 mti=0200\nlink latency jitter=5ms by=10ms\n"), 0o644)
	code, out, errs := runHil(t, "", "faults", "check", good)
	if code != ExitOK || out != "seed 42\nacquirer drop-response mti=0200 nth=1\nlink latency by=10ms jitter=5ms\n" {
		t.Fatalf("check good: %d\n%s\n%s", code, out, errs)
	}

	bad := filepath.Join(dir, "bad.plan")
	os.WriteFile(bad, []byte("seed 1\n\nprinter paper-out after-lines=twelve\n"), 0o644)
	code, out, errs = runHil(t, "", "faults", "check", bad)
	if want := bad + `:3:19: "after-lines=twelve": `; code != ExitFailure || out != "" || !strings.Contains(errs, want) {
		t.Fatalf("check bad: %d\nstdout %q\nstderr %q\nwant %q", code, out, errs, want)
	}

	code, out, _ = runHil(t, "client crash at=mid-print", "faults", "check", "--json", "-")
	if code != ExitOK || !strings.Contains(out, `"step": "mid-print"`) {
		t.Fatalf("check --json -: %d\n%s", code, out)
	}
	js := filepath.Join(dir, "p.json")
	os.WriteFile(js, []byte(out), 0o644)
	code, out, errs = runHil(t, "", "faults", "check", js)
	if code != ExitOK || out != "client crash at=mid-print\n" {
		t.Fatalf("check JSON file: %d %q %q", code, out, errs)
	}

	if code, _, _ := runHil(t, "", "faults", "check"); code != ExitUsage {
		t.Errorf("check without FILE: %d", code)
	}
	if code, _, _ := runHil(t, "", "faults", "frob"); code != ExitUsage {
		t.Errorf("unknown verb: %d", code)
	}
	if code, _, errs := runHil(t, "", "faults", "check", filepath.Join(dir, "missing")); code != ExitFailure || errs == "" {
		t.Errorf("missing file: %d %q", code, errs)
	}
}

func TestFaultsList(t *testing.T) {
	code, out, _ := runHil(t, "", "faults", "list")
	if code != ExitOK {
		t.Fatal(code)
	}
	for _, s := range faults.Catalogue() {
		if !strings.Contains(out, "\n"+s.Usage()+"\n") || !strings.Contains(out, s.Example) {
			t.Errorf("list lacks %s", s.Usage())
		}
	}
}

// serveAcquirer runs 'hil acquirer serve' in-process until the test ends
// and returns its ready lines by name (listen, admin, proxy).
func serveAcquirer(t *testing.T, args ...string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() {
		code := Run(ctx, append([]string{"acquirer", "serve"}, args...), strings.NewReader(""), pw, &lockedBuffer{b: &errb})
		pw.Close()
		done <- code
	}()
	t.Cleanup(func() {
		cancel()
		io.Copy(io.Discard, pr)
		if code := <-done; code != ExitOK {
			t.Errorf("acquirer serve exited %d", code)
		}
	})
	wantAdmin := false
	for _, a := range args {
		wantAdmin = wantAdmin || a == "--admin"
	}
	ready := map[string]string{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		ready[k] = v
		if ready["listen"] != "" && (!wantAdmin || ready["admin"] != "") {
			break
		}
	}
	if ready["listen"] == "" {
		t.Fatalf("acquirer serve did not start: %v", errb.String())
	}
	go io.Copy(io.Discard, pr)
	return ready
}

type lockedBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func getTransactions(t *testing.T, admin string) []acquirer.TxnView {
	t.Helper()
	resp, err := http.Get(admin + "/transactions")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []acquirer.TxnView
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

var demoNow = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

func demoSale(stan hostproto.STAN) *hostproto.FinancialRequest {
	return &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcSale, PAN: acquirer.CardApprove,
		Amount: 1250, Times: hostproto.TimesAt(demoNow), STAN: stan, TerminalID: "T0000001"}
}

// TestFaultsDemoS6 is the demo: with 'acquirer drop-response
// mti=0200 nth=1' the first sale times out on the client while GET
// /transactions shows it approved at the host (S6), and it happens the
// same way on every run.
func TestFaultsDemoS6(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "s6.plan")
	os.WriteFile(plan, []byte("acquirer drop-response mti=0200 nth=1\n"), 0o644)
	var evidence []string
	for run := range 2 {
		logFile := filepath.Join(t.TempDir(), "evidence.jsonl")
		ready := serveAcquirer(t, "--admin", "127.0.0.1:0", "--faults", plan, "--faults-log", logFile)
		c := acquirertest.Dial(t, ready["listen"])

		// The client gives up on its first sale after its timeout.
		if err := c.Send(demoSale(1)); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		_, err := c.Read(ctx)
		cancel()
		var ne net.Error
		if !errors.Is(err, context.DeadlineExceeded) && !(errors.As(err, &ne) && ne.Timeout()) {
			t.Fatalf("run %d: first sale: %v, want the client to time out", run, err)
		}
		// The host approved and debited it.
		txns := getTransactions(t, ready["admin"])
		if len(txns) != 1 || txns[0].STAN != "000001" || txns[0].Code != "00" {
			t.Fatalf("run %d: GET /transactions = %+v, want sale 000001 approved", run, txns)
		}
		// The next sale is answered, and no late answer to the first comes first.
		if err := c.Send(demoSale(2)); err != nil {
			t.Fatal(err)
		}
		m, err := c.Read(context.Background())
		if err != nil || m.Header().STAN != 2 {
			t.Fatalf("run %d: second sale answer %v, %v", run, m, err)
		}
		// GET /faults shows the rule fired once.
		resp, err := http.Get(ready["admin"] + "/faults")
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Rules []faults.RuleStatus `json:"rules"`
		}
		json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if len(st.Rules) != 1 || st.Rules[0].Fired != 1 || st.Rules[0].Matches != 2 {
			t.Fatalf("run %d: GET /faults %+v", run, st)
		}
		b, err := os.ReadFile(logFile)
		if err != nil {
			t.Fatal(err)
		}
		var e faults.Evidence
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("evidence %q: %v", b, err)
		}
		evidence = append(evidence, fmt.Sprintf("%s %+v", e.Rule, e.Hit))
	}
	if evidence[0] != evidence[1] || !strings.Contains(evidence[0], "STAN:000001") {
		t.Fatalf("the two runs applied different faults:\n%s\n%s", evidence[0], evidence[1])
	}
}

func TestFaultsAcquirerAdminAndProxy(t *testing.T) {
	ready := serveAcquirer(t, "--admin", "127.0.0.1:0", "--faults-proxy", "127.0.0.1:0")
	if ready["proxy"] == "" {
		t.Fatalf("no proxy line: %v", ready)
	}
	// Add a rule at run time: the next sale through the proxy is declined.
	resp, err := http.Post(ready["admin"]+"/faults", "text/plain", strings.NewReader("acquirer decline code=51\nlink slice size=2 dir=down"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST /faults: %s", resp.Status)
	}
	c := acquirertest.Dial(t, ready["proxy"])
	m, err := c.Exchange(context.Background(), demoSale(1))
	if err != nil {
		t.Fatal(err)
	}
	if r := m.(*hostproto.FinancialResponse); r.ResponseCode != "51" {
		t.Fatalf("response %s, want 51", r.ResponseCode)
	}
	// A bad plan is refused with its position.
	resp, err = http.Post(ready["admin"]+"/faults", "text/plain", strings.NewReader("acquirer delay"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), `"line": 1`) {
		t.Fatalf("bad plan: %s %s", resp.Status, b)
	}
	// Heal.
	req, _ := http.NewRequest("DELETE", ready["admin"]+"/faults", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	m, err = c.Exchange(context.Background(), demoSale(2))
	if err != nil || m.(*hostproto.FinancialResponse).ResponseCode != "00" {
		t.Fatalf("after heal: %v %v", m, err)
	}
}

func TestFaultsAcquirerBadPlan(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "bad.plan")
	os.WriteFile(plan, []byte("acquirer drop-response nth=zero\n"), 0o644)
	code, _, errs := runHil(t, "", "acquirer", "serve", "--faults", plan)
	if code != ExitFailure || !strings.Contains(errs, plan+`:1:24: "nth=zero"`) {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

func TestPosFaults(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "pos.plan")
	os.WriteFile(plan, []byte("client crash at=after-send\nlink reset dir=up\n"), 0o644)
	pf, err := loadPosFaults(&Env{}, plan)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.close()
	var crashed []string
	hook := pf.crashHook(func(step string) { crashed = append(crashed, step) })
	for _, s := range []string{"after-journal-write", "after-send", "after-send"} {
		hook(s)
	}
	if len(crashed) != 1 || crashed[0] != "after-send" {
		t.Errorf("crashed at %q", crashed)
	}
	a, b := net.Pipe()
	defer b.Close()
	dial := pf.dial(func(context.Context) (net.Conn, error) { return a, nil })
	c, err := dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("0200")); !errors.Is(err, faults.ErrReset) {
		t.Errorf("write through the plan's link = %v, want ErrReset", err)
	}
	if pf, err := loadPosFaults(&Env{}, ""); pf != nil || err != nil {
		t.Errorf("no file: %v %v", pf, err)
	}
}

func TestFaultsPrinterServe(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "printer.plan")
	os.WriteFile(plan, []byte("printer paper-out after-bytes=1\nprinter garble nth=3\n"), 0o644)
	ready, stop, stderr := startPrinterServe(t, "--pty", "off", "--tcp", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--faults", plan)
	c, err := net.Dial("tcp", ready["tcp"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	status := func() byte {
		t.Helper()
		if _, err := c.Write([]byte{0x10, 0x04, 4}); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 1)
		if _, err := io.ReadFull(c, b); err != nil {
			t.Fatal(err)
		}
		return b[0]
	}
	const ok, paperOut = 0x12, 0x7e
	// The first request is answered before its bytes run the paper out.
	if got := []byte{status(), status()}; got[0] != ok || got[1] != paperOut {
		t.Fatalf("status % x, want %x %x", got, ok, paperOut)
	}
	if b := status(); b == paperOut {
		t.Fatal("third reply not garbled")
	}
	if b := status(); b != paperOut {
		t.Fatalf("fourth reply % x", b)
	}
	resp, err := http.Get(ready["admin"] + "/faults")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Rules   []faults.RuleStatus `json:"rules"`
		Applied int                 `json:"applied"`
	}
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if len(st.Rules) != 2 || st.Rules[0].Fired != 1 || st.Rules[1].Fired != 1 || st.Applied != 2 {
		t.Fatalf("GET /faults %+v", st)
	}
	// The printer's own admin endpoints still answer.
	if resp, err := http.Get(ready["admin"] + "/status"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /status: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	req, _ := http.NewRequest("DELETE", ready["admin"]+"/faults", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	if b := status(); b != ok {
		t.Fatalf("after heal % x, want the paper back", b)
	}
	c.Close()
	if code := stop(); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

func TestFaultsPrinterServeBadPlan(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "bad.plan")
	os.WriteFile(plan, []byte("printer paper-out after-lines=1 cut=2\n"), 0o644)
	code, _, errs := runHil(t, "", "printer", "serve", "--pty", "off", "--faults", plan)
	if code != ExitFailure || !strings.Contains(errs, plan+":1:9:") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}
