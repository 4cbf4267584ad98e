package terminal_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/terminal"
	"github.com/poshil/hil/terminal/evidence"
)

// TestBrokenTerminals: each broken terminal under testdata/terminals is
// caught by the world-side checker, with the right invariant named, and
// with nothing from its journal.
func TestBrokenTerminals(t *testing.T) {
	py := python(t)
	for _, c := range []struct {
		script string
		want   int
		run    func(t *testing.T, ctx context.Context, w *world, p terminal.Terminal)
	}{
		{"pyterm_prints_twice.py", evidence.InvReceipt, func(t *testing.T, ctx context.Context, w *world, p terminal.Terminal) {
			if res, err := p.Sale(ctx, 1250, acquirer.CardApprove, ""); err != nil || res.Outcome != terminal.Approved {
				t.Fatalf("sale: %+v %v", res, err)
			}
			w.waitReceipts(t, ctx, 2) // the bug: the same receipt twice
		}},
		{"pyterm_no_reversal.py", evidence.InvCharge, func(t *testing.T, ctx context.Context, w *world, p terminal.Terminal) {
			w.host.SetIntercept(dropFirst(hostproto.MTIFinancialRequest, acquirer.AfterLedger))
			if res, err := p.Sale(ctx, 777, acquirer.CardApprove, ""); err != nil || res.Outcome != terminal.InDoubt {
				t.Fatalf("sale with the answer lost: %+v %v", res, err)
			}
			w.host.SetIntercept(nil)
			if _, err := p.Recover(ctx); err != nil { // recovery does not save it either
				t.Fatal(err)
			}
		}},
		{"pyterm_refund_any_card.py", evidence.InvRefund, func(t *testing.T, ctx context.Context, w *world, p terminal.Terminal) {
			sale, err := p.Sale(ctx, 1250, acquirer.CardApprove, "")
			if err != nil || sale.Outcome != terminal.Approved {
				t.Fatalf("sale: %+v %v", sale, err)
			}
			w.waitReceipts(t, ctx, 1)
			// The bug: sent to the host, which refuses it; a terminal must not send it.
			if res, err := p.Refund(ctx, sale.Ref, 500, acquirer.CardDecline); err != nil || res.Outcome == terminal.Refused {
				t.Fatalf("refund to another card: %+v %v", res, err)
			}
		}},
		{"pyterm_settle_blind.py", evidence.InvSettle, func(t *testing.T, ctx context.Context, w *world, p terminal.Terminal) {
			if res, err := p.Sale(ctx, 1250, acquirer.CardApprove, ""); err != nil || res.Outcome != terminal.Approved {
				t.Fatalf("sale: %+v %v", res, err)
			}
			w.waitReceipts(t, ctx, 1)
			// The host finds the books unbalanced.
			w.host.SetIntercept(func(st acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
				if st == acquirer.BeforeLedger && ex.MTI == hostproto.MTISettlementRequest {
					return acquirer.Action{Respond: "95"}
				}
				return acquirer.Action{}
			})
			if res, err := p.Settle(ctx); err != nil || res.Outcome != terminal.OK {
				t.Fatalf("settle: %+v %v (the bug: ok after 95)", res, err)
			}
		}},
		{"pyterm_logs_card.py", evidence.InvPAN, func(t *testing.T, ctx context.Context, w *world, p terminal.Terminal) {
			if res, err := p.Sale(ctx, 1250, acquirer.CardApprove, ""); err != nil || res.Outcome != terminal.Approved {
				t.Fatalf("sale: %+v %v", res, err)
			}
			w.waitReceipts(t, ctx, 1)
		}},
	} {
		t.Run(c.script, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			w := newWorld(t)
			proc := w.start(t, ctx, refTerminal{name: c.script, cmd: []string{py, filepath.Join("..", "testdata", "terminals", c.script)}})
			rec := &evidence.Recorder{T: proc}
			c.run(t, ctx, w, rec)
			if err := rec.Close(); err != nil {
				t.Fatal(err)
			}
			vs, err := evidence.Check(w.evidence(proc, rec))
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) == 0 {
				t.Fatalf("the checker found nothing wrong with %s", c.script)
			}
			for _, v := range vs {
				t.Logf("found: %s", v)
				if v.Invariant != c.want {
					t.Errorf("violation of invariant %d, want only invariant %d: %s", v.Invariant, c.want, v)
				}
			}
		})
	}
}

// TestPaperOut: with the paper out, both reference terminals (which ask
// the printer first) refuse the sale before any host traffic, and the
// world-side checker agrees: nothing charged, no receipt due.
func TestPaperOut(t *testing.T) {
	for _, rt := range referenceTerminals(t)[:2] {
		t.Run(rt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			w := newWorld(t)
			w.prn.SetPaper(escpos.PaperOut)
			proc := w.start(t, ctx, rt)
			rec := &evidence.Recorder{T: proc}
			res, err := rec.Sale(ctx, 1250, acquirer.CardApprove, "")
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != terminal.Refused {
				t.Errorf("sale with the paper out: %+v, want refused", res)
			}
			if err := rec.Close(); err != nil {
				t.Fatal(err)
			}
			if n := len(w.host.Ledger().Transactions(termID)); n != 0 {
				t.Errorf("the host has %d transactions, want none", n)
			}
			vs, err := evidence.Check(w.evidence(proc, rec))
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				t.Errorf("%s", v)
			}
		})
	}
}
