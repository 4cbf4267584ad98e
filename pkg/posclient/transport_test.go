package posclient_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/render"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
)

// TestOperationsOnServedPrinter runs every operation with the emulator
// served over TCP and over a pty and reached through the real transports
// by URL, as a bench printer would be: sale, refund, void, reprint, an
// owed receipt printed by Recover, settlement.
func TestOperationsOnServedPrinter(t *testing.T) {
	for _, endpoint := range []string{"tcp", "pty"} {
		t.Run(endpoint, func(t *testing.T) {
			ctx := context.Background()
			var env *posclienttest.Env
			var paperOutNext atomic.Bool
			env = posclienttest.New(t, posclienttest.Options{PrinterEndpoint: endpoint,
				Config: posclient.Config{CrashHook: func(step string) {
					if step == posclient.CrashAfterApproval && paperOutNext.CompareAndSwap(true, false) {
						env.Printer.SetPaper(escpos.PaperOut)
					}
				}}})

			s1 := sale(t, env, 4321, posclienttest.CardApprove)
			if s1.Receipt != posclient.ReceiptPrinted {
				t.Fatalf("sale receipt %s", s1.Receipt)
			}
			r, err := env.Terminal.Refund(ctx, posclient.RefundRequest{OrigRef: s1.Ref, Amount: 321, PAN: posclienttest.CardApprove})
			if err != nil || r.State != posclient.StateApproved || r.Receipt != posclient.ReceiptPrinted {
				t.Fatalf("refund %+v, %v", r, err)
			}
			s2 := sale(t, env, 999, posclienttest.CardOther)
			v, err := env.Terminal.Void(ctx, posclient.VoidRequest{OrigRef: s2.Ref, PAN: posclienttest.CardOther})
			if err != nil || v.State != posclient.StateApproved || v.Receipt != posclient.ReceiptPrinted {
				t.Fatalf("void %+v, %v", v, err)
			}
			if d, err := env.Terminal.Reprint(ctx, s1.Ref); err != nil || d.Copies != 1 {
				t.Fatalf("reprint %+v, %v", d, err)
			}
			rep, err := env.Terminal.Settle(ctx)
			if err != nil || !rep.Balanced {
				t.Fatalf("settle %+v, %v", rep, err)
			}
			if err := env.Printer.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, p := range env.Printer.Receipts() {
				texts = append(texts, string(render.Text(p)))
			}
			all := strings.Join(texts, "\n")
			if strings.Count(all, s1.Ref) != 2 || strings.Count(all, "DUPLICATE #1") != 1 || !strings.Contains(all, r.RRN) || !strings.Contains(all, v.RRN) {
				t.Errorf("emulator printed:\n%s", all)
			}
			// S1 over the served link: paper out after approval, owed, then
			// printed once by Recover.
			paperOutNext.Store(true)
			s3 := sale(t, env, 555, posclienttest.CardApprove)
			if s3.Receipt != posclient.ReceiptOwed {
				t.Fatalf("receipt %s with the paper out, want owed", s3.Receipt)
			}
			if st, err := env.Terminal.PrinterStatus(ctx); err != nil || st.Ready {
				t.Errorf("printer status %+v, %v; want not ready", st, err)
			}
			env.Printer.SetPaper(escpos.PaperOK)
			if st, err := env.Terminal.PrinterStatus(ctx); err != nil || !st.Ready {
				t.Fatalf("printer status %+v, %v", st, err)
			}
			rec, err := env.Terminal.Recover(ctx)
			if err != nil || len(rec.Printed) != 1 {
				t.Fatalf("recover %+v, %v", rec, err)
			}
			if err := env.Printer.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, p := range env.Printer.Receipts() {
				if txt := string(render.Text(p)); strings.Contains(txt, s3.RRN) && strings.Contains(txt, "CUT]") {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d complete receipts of the owed sale, want 1", n)
			}
		})
	}
}
