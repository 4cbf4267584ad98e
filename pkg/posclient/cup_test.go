package posclient_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
)

func cupEnv(t *testing.T) *posclienttest.Env {
	t.Helper()
	return posclienttest.New(t, posclienttest.Options{
		NoPrinter: true,
		Acquirer:  acquirer.Options{Profile: hostproto.CUP},
		Config:    posclient.Config{Profile: hostproto.CUP},
	})
}

// TestCUPTerminalEndToEnd runs sale, void, refund and a balanced
// settlement on the cup profile against the fake acquirer over TCP.
func TestCUPTerminalEndToEnd(t *testing.T) {
	env := cupEnv(t)
	ctx := context.Background()
	term := env.Terminal
	a, err := term.Sale(ctx, posclient.SaleRequest{Amount: 1500, PAN: posclienttest.CardApprove})
	if err != nil || !a.Approved() {
		t.Fatalf("sale: %+v %v", a, err)
	}
	if v, err := term.Void(ctx, posclient.VoidRequest{OrigRef: a.Ref, PAN: posclienttest.CardApprove}); err != nil || !v.Approved() {
		t.Fatalf("void: %+v %v", v, err)
	}
	b, err := term.Sale(ctx, posclient.SaleRequest{Amount: 2000, PAN: posclienttest.CardApprove})
	if err != nil || !b.Approved() {
		t.Fatalf("sale: %+v %v", b, err)
	}
	if r, err := term.Refund(ctx, posclient.RefundRequest{OrigRef: b.Ref, Amount: 500, PAN: posclienttest.CardApprove}); err != nil || !r.Approved() {
		t.Fatalf("refund: %+v %v", r, err)
	}
	rep, err := term.Settle(ctx)
	if err != nil || !rep.Balanced {
		t.Fatalf("settle: %+v %v", rep, err)
	}
	c, _ := env.Acquirer.Ledger().Card(posclienttest.CardApprove)
	if c.Balance != 1_000_000-1500 {
		t.Fatalf("balance %d, want %d", c.Balance, 1_000_000-1500)
	}
}

// TestCUPBadMACIsReversedWithA0: the host books the sale but its answer's
// MAC does not verify. The terminal cannot trust it, so the sale is in
// doubt and reversed with a 0400 carrying the sale's STAN and reason A0.
func TestCUPBadMACIsReversedWithA0(t *testing.T) {
	env := cupEnv(t)
	var mu sync.Mutex
	var revs []*hostproto.ReversalRequest
	env.Acquirer.SetIntercept(func(st acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		mu.Lock()
		defer mu.Unlock()
		if r, ok := ex.Request.(*hostproto.ReversalRequest); ok && st == acquirer.BeforeLedger {
			revs = append(revs, r)
		}
		if st == acquirer.AfterLedger && ex.MTI == hostproto.MTIFinancialRequest {
			return acquirer.Action{BadMAC: true}
		}
		return acquirer.Action{}
	})
	res, err := env.Terminal.Sale(context.Background(), posclient.SaleRequest{Amount: 4200, PAN: posclienttest.CardApprove})
	var ide *posclient.InDoubtError
	if !errors.As(err, &ide) || !errors.Is(err, hostproto.ErrBadMAC) {
		t.Fatalf("sale with a bad answer MAC: %v, want an *InDoubtError wrapping ErrBadMAC", err)
	}
	if res.State != posclient.StateReversed {
		t.Fatalf("state %s, want reversed", res.State)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(revs) != 1 || revs[0].Reason != hostproto.RCMACError || revs[0].STAN != hostproto.STAN(res.STAN) {
		t.Fatalf("reversals %+v, want one with reason A0 and STAN %d", revs, res.STAN)
	}
	c, _ := env.Acquirer.Ledger().Card(posclienttest.CardApprove)
	if c.Balance != 1_000_000 {
		t.Fatalf("balance %d: the sale was not undone", c.Balance)
	}
	if got := hostSaleStates(env.Acquirer.Ledger()); len(got) != 1 || got[0] != acquirer.StateReversed {
		t.Fatalf("host sale states %v", got)
	}
}

// TestCUPPreAuth holds, completes for less, refuses a second completion,
// cancels another hold, and reverses a hold whose answer was lost.
func TestCUPPreAuth(t *testing.T) {
	env := cupEnv(t)
	ctx := context.Background()
	term := env.Terminal
	bal := func() int64 {
		c, _ := env.Acquirer.Ledger().Card(posclienttest.CardApprove)
		return c.Balance
	}
	h, err := term.PreAuth(ctx, posclient.SaleRequest{Amount: 30000, PAN: posclienttest.CardApprove})
	if err != nil || !h.Approved() || h.Kind != posclient.KindPreAuth {
		t.Fatalf("pre-auth: %+v %v", h, err)
	}
	if b := bal(); b != 1_000_000-30000 {
		t.Fatalf("held: balance %d", b)
	}
	if _, err := term.CompletePreAuth(ctx, h.Ref, 30001, posclienttest.CardApprove); !errors.Is(err, posclient.ErrExceedsRefundable) {
		t.Fatalf("completion above the hold: %v", err)
	}
	if _, err := term.CompletePreAuth(ctx, h.Ref, 100, posclienttest.CardOther); !errors.Is(err, posclient.ErrOtherCard) {
		t.Fatalf("completion on another card: %v", err)
	}
	c, err := term.CompletePreAuth(ctx, h.Ref, 25000, posclienttest.CardApprove)
	if err != nil || !c.Approved() || c.Amount != 25000 {
		t.Fatalf("completion: %+v %v", c, err)
	}
	if b := bal(); b != 1_000_000-25000 {
		t.Fatalf("completed: balance %d", b)
	}
	if _, err := term.CompletePreAuth(ctx, h.Ref, 0, posclienttest.CardApprove); !errors.Is(err, posclient.ErrNotRefundable) {
		t.Fatalf("second completion: %v", err)
	}
	if _, err := term.Refund(ctx, posclient.RefundRequest{OrigRef: h.Ref, PAN: posclienttest.CardApprove}); !errors.Is(err, posclient.ErrNotRefundable) {
		t.Fatalf("refund of a hold: %v", err)
	}
	k, err := term.PreAuth(ctx, posclient.SaleRequest{Amount: 8000, PAN: posclienttest.CardApprove})
	if err != nil || !k.Approved() {
		t.Fatalf("pre-auth: %+v %v", k, err)
	}
	if r, err := term.CancelPreAuth(ctx, k.Ref, posclienttest.CardApprove); err != nil || !r.Approved() {
		t.Fatalf("cancel: %+v %v", r, err)
	}
	if b := bal(); b != 1_000_000-25000 {
		t.Fatalf("cancelled: balance %d", b)
	}

	// The host books a hold and the connection drops before its answer:
	// the hold is reversed (on a new connection, signed on again) with its STAN.
	env.Acquirer.SetIntercept(func(st acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		if st == acquirer.AfterLedger && ex.MTI == hostproto.MTIFinancialRequest && ex.Proc == hostproto.ProcPreAuth && ex.Terminal == "TEST0002" {
			return acquirer.Action{Close: true}
		}
		return acquirer.Action{}
	})
	term2 := posclienttest.New(t, posclienttest.Options{NoPrinter: true, Config: posclient.Config{Profile: hostproto.CUP,
		Dial: env.Config.Dial, TerminalID: "TEST0002"}}).Terminal
	lost, err := term2.PreAuth(ctx, posclient.SaleRequest{Amount: 5000, PAN: posclienttest.CardApprove})
	var ide *posclient.InDoubtError
	if !errors.As(err, &ide) || lost.State != posclient.StateReversed {
		t.Fatalf("lost hold: %+v %v", lost, err)
	}
	if b := bal(); b != 1_000_000-25000 {
		t.Fatalf("lost hold reversed: balance %d", b)
	}

	// The completion counts in settlement; the holds do not.
	rep, err := term.Settle(ctx)
	if err != nil || !rep.Balanced || rep.Terminal.DebitCount != 1 || rep.Terminal.DebitAmount != 25000 {
		t.Fatalf("settle: %+v %v", rep, err)
	}
}

func TestPreAuthNeedsAProfileThatHasIt(t *testing.T) {
	env := posclienttest.New(t, posclienttest.Options{NoPrinter: true})
	if _, err := env.Terminal.PreAuth(context.Background(), posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardApprove}); !errors.Is(err, posclient.ErrUnsupported) {
		t.Fatalf("pre-auth on iso87: %v, want ErrUnsupported", err)
	}
}
