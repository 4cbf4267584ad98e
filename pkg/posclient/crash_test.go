package posclient_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
	"github.com/poshil/hil/pkg/posclient/receipt"
)

type crashed struct{ step string }

// saleReached returns a channel closed once the host has booked the first
// 0200. A test that simulates a crash after the send waits for it before
// restarting: a real killed process leaves its request in flight, and
// this test is not about a reversal overtaking it on a new connection.
func saleReached(srv *acquirer.Server) <-chan struct{} {
	ch := make(chan struct{})
	var once sync.Once
	srv.SetIntercept(func(st acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		if st == acquirer.AfterLedger && ex.MTI == hostproto.MTIFinancialRequest {
			once.Do(func() { close(ch) })
		}
		return acquirer.Action{}
	})
	return ch
}

// TestCrashAtEveryStepThenRecover kills the terminal (a panic from the
// crash hook stands in for SIGKILL: nothing after it runs) at each crash
// point of a sale, starts a new terminal on the same journal, printer and
// host, runs Recover, and checks the invariants: no approved sale lost,
// none charged twice, every owed receipt printed exactly once.
func TestCrashAtEveryStepThenRecover(t *testing.T) {
	for _, step := range posclient.CrashPoints {
		t.Run(step, func(t *testing.T) {
			ctx := context.Background()
			env := posclienttest.New(t, posclienttest.Options{Config: posclient.Config{CrashHook: func(s string) {
				if s == step {
					panic(crashed{s})
				}
			}}})
			reached := saleReached(env.Acquirer)
			func() {
				defer func() {
					r := recover()
					if c, ok := r.(crashed); !ok || c.step != step {
						t.Fatalf("did not crash at %s: %v", step, r)
					}
				}()
				env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 3300, PAN: posclienttest.CardApprove})
			}()
			// The first journal row (the intent) is written before the send.
			if step != posclient.CrashAfterJournalWrite && step != posclient.CrashAfterPersist {
				<-reached
			}
			env.Terminal.Close()

			// Restart on the same journal and devices.
			cfg := env.Config
			cfg.CrashHook = nil
			term, err := posclient.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer term.Close()
			rep, err := term.Recover(ctx)
			if err != nil {
				t.Fatalf("recover: %v", err)
			}
			all, _ := env.Journal.Find(ctx, posclient.Query{Kind: posclient.KindSale})
			if len(all) != 1 {
				t.Fatalf("journal holds %d sales, want 1", len(all))
			}
			tx := all[0]
			var hostSales []acquirer.TxnView
			for _, v := range env.Acquirer.Ledger().Transactions(posclienttest.TerminalID) {
				if v.Type == acquirer.KindSale {
					hostSales = append(hostSales, v)
				}
			}
			charged := 0
			for _, v := range hostSales {
				if v.State == acquirer.StateApproved {
					charged++
				}
			}
			if charged > 1 {
				t.Fatalf("customer charged %d times", charged)
			}
			switch tx.State {
			case posclient.StateApproved:
				if charged != 1 {
					t.Errorf("journal approved, host charged %d", charged)
				}
				if tx.Receipt != posclient.ReceiptPrinted || len(rep.Printed) != 1 {
					t.Errorf("receipt %s, recover printed %v", tx.Receipt, rep.Printed)
				}
				// A crash while the receipt was at the printer leaves the
				// journal not knowing whether it came out: recover prints it
				// again marked as interrupted, never a second original.
				orig, marked := 0, 0
				for _, r := range env.Receipts() {
					switch {
					case !strings.Contains(r, tx.RRN):
					case strings.Contains(r, receipt.InterruptedMark):
						marked++
					default:
						orig++
					}
				}
				wantOrig, wantMarked := 1, 0
				switch step {
				case posclient.CrashAfterApproval, posclient.CrashMidPrint:
					// Journaled as printing; the job had not reached the
					// printer, but the journal cannot tell.
					wantOrig, wantMarked = 0, 1
				case posclient.CrashAfterPrint: // after the cut, before the journal knew
					wantOrig, wantMarked = 1, 1
				}
				if orig != wantOrig || marked != wantMarked {
					t.Errorf("%d original and %d interrupted-marked receipts, want %d and %d", orig, marked, wantOrig, wantMarked)
				}
			case posclient.StateReversed:
				if charged != 0 {
					t.Errorf("journal reversed, host still charged")
				}
				if len(rep.Reversed) != 1 {
					t.Errorf("recover report %+v", rep)
				}
			default:
				t.Errorf("after recover the sale is %s", tx.State)
			}
			posclienttest.AssertNoPAN(t, env.Journal, env.Receipts(), posclienttest.CardApprove)
		})
	}
}

// TestRecoverWithHostDown keeps the in-doubt sale queued and says so.
func TestRecoverWithHostDown(t *testing.T) {
	ctx := context.Background()
	srv := acquirertest.NewServer(t, acquirer.Options{})
	addr := srv.Addr()
	env := posclienttest.New(t, posclienttest.Options{Config: posclient.Config{
		Dial: func(ctx context.Context) (net.Conn, error) { var d net.Dialer; return d.DialContext(ctx, "tcp", addr) },
		CrashHook: func(s string) {
			if s == posclient.CrashAfterSend {
				panic(crashed{s})
			}
		}}})
	reached := saleReached(srv)
	func() {
		defer func() { recover() }()
		env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardApprove})
	}()
	<-reached
	env.Terminal.Close()
	srv.Close()
	cfg := env.Config
	cfg.CrashHook = nil
	term, _ := posclient.New(cfg)
	defer term.Close()
	rep, err := term.Recover(ctx)
	if !errors.Is(err, posclient.ErrReversalPending) || len(rep.Pending) != 1 {
		t.Fatalf("recover with the host down: %+v, %v; want the reversal pending and an error", rep, err)
	}
	if _, err := term.Sale(ctx, posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardApprove}); !errors.Is(err, posclient.ErrReversalPending) {
		t.Errorf("new sale with a reversal undelivered: %v, want ErrReversalPending", err)
	}
}

// TestCrashedSaleReversedBeforeNextSale: after a crash right after the
// request left, the next sale on a restarted terminal (no explicit
// Recover) first reverses the crashed one (S6).
func TestCrashedSaleReversedBeforeNextSale(t *testing.T) {
	ctx := context.Background()
	env := posclienttest.New(t, posclienttest.Options{Config: posclient.Config{CrashHook: func(s string) {
		if s == posclient.CrashAfterSend {
			panic(crashed{s})
		}
	}}})
	reached := saleReached(env.Acquirer)
	func() {
		defer func() { recover() }()
		env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 3300, PAN: posclienttest.CardApprove})
	}()
	<-reached
	env.Terminal.Close()
	cfg := env.Config
	cfg.CrashHook = nil
	term, err := posclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	res, err := term.Sale(ctx, posclient.SaleRequest{Amount: 500, PAN: posclienttest.CardApprove})
	if err != nil || res.State != posclient.StateApproved {
		t.Fatalf("second sale: %+v, %v", res, err)
	}
	var states []acquirer.TxnState
	for _, v := range env.Acquirer.Ledger().Transactions(posclienttest.TerminalID) {
		states = append(states, v.State)
	}
	// sale 1 reversed, its reversal, sale 2 approved — in that order.
	if len(states) != 3 || states[0] != acquirer.StateReversed || states[2] != acquirer.StateApproved {
		t.Errorf("host transactions %v", states)
	}
}
