package terminal_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/escpostest"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
	"github.com/poshil/hil/internal/cli"
	"github.com/poshil/hil/internal/testtool"
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/terminal"
	"github.com/poshil/hil/terminal/evidence"
)

// The test binary doubles as "hil terminal serve": the reference terminal
// is started as a process through the real CLI entry point.
const serveEnv = "HIL_TERMINAL_TEST_SERVE"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeEnv); mode != "" {
		fakeTerminal(mode)
	}
	if os.Getenv(serveEnv) == "1" {
		os.Exit(cli.Run(context.Background(), []string{"terminal", "serve"}, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

type refTerminal struct {
	name string
	cmd  []string
	env  []string
}

// pyterm is the second reference terminal, in Python.
var pyterm = filepath.Join("..", "testdata", "terminals", "pyterm.py")

func python(tb testing.TB) string {
	return testtool.Python(tb)
}

func referenceTerminals(tb testing.TB) []refTerminal {
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	rts := []refTerminal{
		{name: "posclient", cmd: []string{exe}, env: []string{serveEnv + "=1"}},
		{name: "pyterm", cmd: []string{python(tb), pyterm}},
	}
	// A vendor's terminal joins the suite by its command line (split at
	// spaces): HIL_TERMINAL_CMD='java -jar term.jar' go test ./terminal.
	if cmd := strings.Fields(os.Getenv(vendorEnv)); len(cmd) > 0 {
		rts = append(rts, refTerminal{name: "vendor", cmd: cmd})
	}
	return rts
}

const vendorEnv = "HIL_TERMINAL_CMD"

// world is the emulated shop a terminal is put in.
type world struct {
	host *acquirer.Server
	prn  *escpostest.TestPrinter
	work string
	env  []string

	mu       sync.Mutex
	receipts []string       // text of every receipt printed, in order
	printed  chan struct{}  // a receipt came out
	lines    [][]byte       // every answer line the terminals wrote
	requests [][]byte       // every request line sent (card numbers blanked)
	schema   *schemaChecker //
}

const termID = "TERM0001"

func newWorld(t *testing.T) *world {
	w := &world{
		host:    acquirertest.NewTestServer(t, acquirer.Options{}),
		prn:     escpostest.NewPrinter(t, escpos.Options{}),
		work:    t.TempDir(),
		printed: make(chan struct{}, 64),
		schema:  newSchemaChecker(t),
	}
	w.prn.OnReceipt(func(r *paper.Receipt) {
		w.mu.Lock()
		w.receipts = append(w.receipts, string(render.Text(r)))
		w.mu.Unlock()
		w.printed <- struct{}{}
	})
	w.env = []string{
		terminal.EnvAcquirerAddr + "=" + w.host.Addr(),
		terminal.EnvPrinterURL + "=tcp://" + w.prn.Addr,
		terminal.EnvWorkDir + "=" + w.work,
		terminal.EnvTerminalID + "=" + termID,
		terminal.EnvResponseTimeout + "=1s",
		"HOME=" + w.work, "XDG_STATE_HOME=" + w.work,
	}
	return w
}

func (w *world) start(t *testing.T, ctx context.Context, rt refTerminal, extra ...string) *terminal.Process {
	t.Helper()
	p, err := terminal.StartProcess(ctx, terminal.ProcessConfig{
		Command: rt.cmd,
		Env:     append(append(append([]string(nil), rt.env...), w.env...), extra...),
		Stderr:  testWriter{t},
		Observe: func(sent bool, line []byte) {
			w.schema.check(t, sent, line)
		},
	})
	if err != nil {
		t.Fatalf("%s: %v", rt.name, err)
	}
	t.Cleanup(p.Kill)
	return p
}

// waitReceipts waits until n receipts have come out in all.
func (w *world) waitReceipts(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	for {
		w.mu.Lock()
		got := len(w.receipts)
		w.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-w.printed:
		case <-ctx.Done():
			t.Fatalf("waiting for receipt %d: %v (printed: %q)", n, ctx.Err(), w.receiptsNow())
		}
	}
}

func (w *world) receiptsNow() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.receipts...)
}

// receiptsFor counts the receipts that print rrn.
func (w *world) receiptsFor(rrn string) int {
	n := 0
	for _, r := range w.receiptsNow() {
		if strings.Contains(r, rrn) {
			n++
		}
	}
	return n
}

// hostTxn is the host's record of the only transaction of kind and amount.
func (w *world) hostTxn(t *testing.T, kind string, amount int64) acquirer.TxnView {
	t.Helper()
	var found []acquirer.TxnView
	for _, x := range w.host.Ledger().Transactions(termID) {
		if x.Type.String() == kind && x.Amount == amount {
			found = append(found, x)
		}
	}
	if len(found) != 1 {
		t.Fatalf("host ledger: %d %s transactions of %d, want 1: %+v", len(found), kind, amount, w.host.Ledger().Transactions(termID))
	}
	return found[0]
}

// evidence is what the world saw of the terminal.
func (w *world) evidence(p *terminal.Process, rec *evidence.Recorder) evidence.Evidence {
	out, _ := p.Transcript()
	batches, _ := w.host.Ledger().Batches(termID)
	return evidence.Evidence{
		Batches:   batches,
		Host:      w.host.Ledger().Transactions(termID),
		Receipts:  w.receiptsNow(),
		Exchanges: rec.Exchanges(),
		WorkDir:   w.work,
		Output:    out,
		Cards:     []string{acquirer.CardApprove, acquirer.CardDecline},
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Logf("terminal stderr: %s", bytes.TrimRight(b, "\n"))
	return len(b), nil
}

// TestReferenceTerminals drives both reference terminals through the
// Process driver against the emulators and judges every step from the
// world's side: the host's ledger and the paper.
func TestReferenceTerminals(t *testing.T) {
	for _, rt := range referenceTerminals(t) {
		t.Run(rt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			w := newWorld(t)
			proc := w.start(t, ctx, rt)
			p := &evidence.Recorder{T: proc}
			must := func(res terminal.Response, err error) terminal.Response {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				return res
			}

			// An approved sale: one standing charge at the host, one receipt
			// carrying its RRN.
			sale := must(p.Sale(ctx, 1250, acquirer.CardApprove, ""))
			if sale.Outcome != terminal.Approved || sale.Receipt != terminal.ReceiptPrinted || sale.RRN == "" {
				t.Fatalf("sale: %+v, want approved with a printed receipt and an RRN", sale)
			}
			w.waitReceipts(t, ctx, 1)
			if h := w.hostTxn(t, "sale", 1250); h.RRN != sale.RRN || h.State != acquirer.StateApproved {
				t.Errorf("host has the sale as %+v, terminal said RRN %s", h, sale.RRN)
			}
			if n := w.receiptsFor(sale.RRN); n != 1 {
				t.Errorf("%d receipts print the sale's RRN %s, want 1: %q", n, sale.RRN, w.receiptsNow())
			}

			// A decline: recorded at the host as declined, nothing printed
			// for it (the reference terminals print no decline slips).
			dec := must(p.Sale(ctx, 300, acquirer.CardDecline, ""))
			if dec.Outcome != terminal.Declined {
				t.Fatalf("sale on the declining card: %+v", dec)
			}
			if h := w.hostTxn(t, "sale", 300); h.State != acquirer.StateDeclined {
				t.Errorf("host has the declined sale as %+v", h)
			}

			// A partial refund to the original card.
			ref := must(p.Refund(ctx, sale.Ref, 500, acquirer.CardApprove))
			if ref.Outcome != terminal.Approved || ref.RRN == "" {
				t.Fatalf("refund: %+v", ref)
			}
			w.waitReceipts(t, ctx, 2)
			if h := w.hostTxn(t, "refund", 500); h.OrigRRN != sale.RRN || h.State != acquirer.StateApproved || h.RRN != ref.RRN {
				t.Errorf("host has the refund as %+v, want approved against %s", h, sale.RRN)
			}
			if s, _ := w.host.Ledger().Transaction(sale.RRN); s.Refunded != 500 {
				t.Errorf("host: sale refunded %d, want 500", s.Refunded)
			}
			if n := w.receiptsFor(ref.RRN); n != 1 {
				t.Errorf("%d receipts print the refund's RRN %s, want 1", n, ref.RRN)
			}

			// Lookup tells what the terminal knows.
			if lk := must(p.Lookup(ctx, sale.Ref)); lk.Outcome != terminal.OK || lk.State != terminal.StateApproved || lk.RRN != sale.RRN {
				t.Errorf("lookup %s: %+v", sale.Ref, lk)
			}
			if lk := must(p.Lookup(ctx, "no-such-ref")); lk.Outcome != terminal.Refused || lk.Reason != terminal.ReasonNotFound {
				t.Errorf("lookup of an unknown ref: %+v", lk)
			}

			// The approval is lost on the way back: the terminal must answer
			// in doubt and the host must end with the sale reversed, no
			// receipt printed for it.
			w.host.SetIntercept(dropFirst(hostproto.MTIFinancialRequest, acquirer.AfterLedger))
			lost := must(p.Sale(ctx, 777, acquirer.CardApprove, ""))
			w.host.SetIntercept(nil)
			if lost.Outcome != terminal.InDoubt {
				t.Fatalf("sale whose answer was lost: %+v, want in_doubt", lost)
			}
			h := w.hostTxn(t, "sale", 777)
			if h.State != acquirer.StateReversed {
				t.Errorf("host has the lost sale as %s, want reversed", h.State)
			}
			if n := w.receiptsFor(h.RRN); n != 0 {
				t.Errorf("%d receipts print the reversed sale's RRN %s", n, h.RRN)
			}
			if lk := must(p.Lookup(ctx, lost.Ref)); lk.State != terminal.StateReversed {
				t.Errorf("lookup of the reversed sale: %+v", lk)
			}

			// Answer and reversal both lost, then the till loses power
			// (SIGKILL): after the restart, recover reverses it.
			var mu sync.Mutex
			drops := map[hostproto.MTI]bool{hostproto.MTIFinancialRequest: true}
			w.host.SetIntercept(func(st acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
				mu.Lock()
				defer mu.Unlock()
				if ex.MTI == hostproto.MTIFinancialRequest && st == acquirer.AfterLedger && drops[ex.MTI] {
					drops[ex.MTI] = false
					return acquirer.Action{Drop: true}
				}
				if ex.MTI != hostproto.MTIFinancialRequest && st == acquirer.BeforeLedger {
					return acquirer.Action{Drop: true} // every reversal (0400, 0401)
				}
				return acquirer.Action{}
			})
			crash := must(p.Sale(ctx, 888, acquirer.CardApprove, ""))
			if crash.Outcome != terminal.InDoubt {
				t.Fatalf("sale with answer and reversal lost: %+v", crash)
			}
			if h := w.hostTxn(t, "sale", 888); h.State != acquirer.StateApproved {
				t.Fatalf("host: %s before recovery, want approved (the reversal was dropped)", h.State)
			}
			if _, err := p.Restart(ctx); err != nil {
				t.Fatal(err)
			}
			w.host.SetIntercept(nil)
			rec := must(p.Recover(ctx))
			if rec.Outcome != terminal.OK {
				t.Errorf("recover: %+v", rec)
			}
			if h := w.hostTxn(t, "sale", 888); h.State != acquirer.StateReversed {
				t.Errorf("host: %s after recovery, want reversed", h.State)
			}

			// A terminal without an operation says so, and the driver does
			// not send what hello did not list.
			if !proc.HelloAnswer().Supports(terminal.OpVoid) {
				if v := must(p.Void(ctx, sale.Ref, acquirer.CardApprove)); v.Outcome != terminal.Refused || v.Reason != terminal.ReasonUnsupported {
					t.Errorf("void on a terminal without void: %+v", v)
				}
				if v := must(proc.Do(ctx, terminal.Request{Op: terminal.OpVoid, Ref: sale.Ref, Card: acquirer.CardApprove})); v.Reason != terminal.ReasonUnsupported {
					t.Errorf("the terminal itself answered void with %+v", v)
				}
			}
			if err := p.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
			w.prn.MustWaitIdle(t)
			if got := len(w.receiptsNow()); got != 2 {
				t.Errorf("%d receipts in all, want 2 (sale, refund): %q", got, w.receiptsNow())
			}
			// The world-side checker finds nothing wrong.
			vs, err := evidence.Check(w.evidence(proc, p))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				t.Errorf("%s", v)
			}
		})
	}
}

// dropFirst drops the answer to the first request of this MTI.
func dropFirst(mti hostproto.MTI, st acquirer.Stage) acquirer.Interceptor {
	var mu sync.Mutex
	done := false
	return func(stage acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		mu.Lock()
		defer mu.Unlock()
		if !done && stage == st && ex.MTI == mti {
			done = true
			return acquirer.Action{Drop: true}
		}
		return acquirer.Action{}
	}
}
