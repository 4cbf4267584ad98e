package posclient_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
)

// pipeTerminal is a terminal whose host is a PipeHost, so that it runs
// inside a synctest bubble. Call it inside the bubble.
func pipeTerminal(t *testing.T, host *posclienttest.PipeHost, j posclient.Journal, pol posclient.Policy) *posclient.Terminal {
	t.Helper()
	term, err := posclient.New(posclient.Config{
		TerminalID: posclienttest.TerminalID, CardKey: posclienttest.Key, Journal: j,
		Dial: host.Dial, ResponseTimeout: 30 * time.Second, Policy: pol,
		Logger: acquirertest.TestLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { term.Close() })
	return term
}

func messages(t *testing.T, j posclient.Journal, ref string) []string {
	t.Helper()
	h, err := j.History(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	var mtis []string
	for _, e := range h {
		if e.Message != nil {
			mtis = append(mtis, e.Message.MTI)
		}
	}
	return mtis
}

func hostSaleStates(l *acquirer.Ledger) []acquirer.TxnState {
	var out []acquirer.TxnState
	for _, v := range l.Transactions(posclienttest.TerminalID) {
		if v.Type == acquirer.KindSale {
			out = append(out, v.State)
		}
	}
	return out
}

func TestSaleTimeoutIsReversed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		host := posclienttest.NewPipeHost(t)
		// The host approves and charges, but the answer is lost (S6).
		host.Hook = func(m hostproto.Message, n int) posclienttest.HostAction {
			return posclienttest.HostAction{Drop: m.MTI() == hostproto.MTIFinancialRequest}
		}
		j := journal.NewMemory()
		term := pipeTerminal(t, host, j, posclient.Policy{})
		start := time.Now()
		res, err := term.Sale(context.Background(), posclient.SaleRequest{Amount: 4200, PAN: posclienttest.CardApprove})
		var doubt *posclient.InDoubtError
		if !errors.As(err, &doubt) || !errors.Is(err, posclient.ErrTimeout) {
			t.Fatalf("err %v, want an *InDoubtError wrapping ErrTimeout", err)
		}
		if res.State != posclient.StateReversed || doubt.State != posclient.StateReversed {
			t.Fatalf("state %s, want reversed", res.State)
		}
		if waited := time.Since(start); waited != 30*time.Second {
			t.Errorf("waited %v, want exactly the 30s response timeout", waited)
		}
		if got, want := messages(t, j, res.Ref), []string{"0200", "0400", "0410"}; !equal(got, want) {
			t.Errorf("journaled messages %v, want %v", got, want)
		}
		if got := hostSaleStates(host.Ledger); !equal(got, []acquirer.TxnState{acquirer.StateReversed}) {
			t.Errorf("host sales %v, want one reversed", got)
		}
	})
}

func TestMalformedAnswerIsReversed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		host := posclienttest.NewPipeHost(t)
		host.Hook = func(m hostproto.Message, n int) posclienttest.HostAction {
			return posclienttest.HostAction{Malform: m.MTI() == hostproto.MTIFinancialRequest}
		}
		j := journal.NewMemory()
		term := pipeTerminal(t, host, j, posclient.Policy{})
		res, err := term.Sale(context.Background(), posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardApprove})
		if !errors.Is(err, posclient.ErrHost) || res.State != posclient.StateReversed {
			t.Fatalf("%s, %v; want reversed after a garbled answer", res.State, err)
		}
		if got := hostSaleStates(host.Ledger); !equal(got, []acquirer.TxnState{acquirer.StateReversed}) {
			t.Errorf("host sales %v, want one reversed", got)
		}
	})
}

func TestDroppedConnectionAfterSendIsReversed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		host := posclienttest.NewPipeHost(t)
		host.Hook = func(m hostproto.Message, n int) posclienttest.HostAction {
			return posclienttest.HostAction{Close: m.MTI() == hostproto.MTIFinancialRequest}
		}
		j := journal.NewMemory()
		term := pipeTerminal(t, host, j, posclient.Policy{})
		res, err := term.Sale(context.Background(), posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardApprove})
		if !errors.Is(err, posclient.ErrHost) || res.State != posclient.StateReversed {
			t.Fatalf("%s, %v; want reversed on a new connection", res.State, err)
		}
	})
}

func TestReversalRepeatsThenUnresolved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		host := posclienttest.NewPipeHost(t)
		var reversals []hostproto.MTI
		lose := true
		host.Hook = func(m hostproto.Message, n int) posclienttest.HostAction {
			switch m.MTI() {
			case hostproto.MTIFinancialRequest:
				return posclienttest.HostAction{Drop: n == 1} // the first sale is never answered
			case hostproto.MTIReversalRequest, hostproto.MTIReversalRepeat:
				reversals = append(reversals, m.MTI())
				return posclienttest.HostAction{Ignore: lose} // and its reversals are lost
			}
			return posclienttest.HostAction{}
		}
		j := journal.NewMemory()
		pol := posclient.Policy{MaxReversalAttempts: 3, ReversalBackoff: 10 * time.Second}
		term := pipeTerminal(t, host, j, pol)
		ctx := context.Background()
		res, err := term.Sale(ctx, posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardApprove})
		if !errors.Is(err, posclient.ErrTimeout) || res.State != posclient.StateReversalQueued {
			t.Fatalf("sale: %s, %v; want reversal queued after one lost try", res.State, err)
		}
		// The next sale first drains the reversal: two more tries with
		// backoff; then it is unresolved and visible, and the sale goes on.
		start := time.Now()
		res2, err := term.Sale(ctx, posclient.SaleRequest{Amount: 200, PAN: posclienttest.CardApprove})
		if err != nil || res2.State != posclient.StateApproved {
			t.Fatalf("second sale: %+v, %v", res2, err)
		}
		// Try 1 failed at 60s (two timeouts); try 2 is due 10s later, try 3
		// 20s after try 2 failed; each waits its 30s timeout.
		if took := time.Since(start); took != 90*time.Second {
			t.Errorf("drain took %v, want 90s", took)
		}
		got, _ := j.Get(ctx, res.Ref)
		if got.State != posclient.StateUnresolved || got.ReversalAttempts != 3 {
			t.Errorf("first sale %s after %d tries, want unresolved after 3", got.State, got.ReversalAttempts)
		}
		if doubt, _ := term.Lookup(ctx, posclient.QueryInDoubt); len(doubt) != 1 || doubt[0].Ref != res.Ref {
			t.Errorf("in-doubt lookup %+v, want the unresolved sale", doubt)
		}
		if want := []hostproto.MTI{"0400", "0401", "0401"}; !equal(reversals, want) {
			t.Errorf("reversal messages %v, want %v", reversals, want)
		}
	})
}

func TestReversalDrainedBeforeNextSale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		host := posclienttest.NewPipeHost(t)
		var order []hostproto.MTI
		host.Hook = func(m hostproto.Message, n int) posclienttest.HostAction {
			order = append(order, m.MTI())
			switch m.MTI() {
			case hostproto.MTIFinancialRequest:
				return posclienttest.HostAction{Drop: n == 1}
			case hostproto.MTIReversalRequest:
				return posclienttest.HostAction{Ignore: true} // first try lost
			}
			return posclienttest.HostAction{}
		}
		j := journal.NewMemory()
		term := pipeTerminal(t, host, j, posclient.Policy{ReversalBackoff: time.Second})
		ctx := context.Background()
		first, _ := term.Sale(ctx, posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardApprove})
		if first.State != posclient.StateReversalQueued {
			t.Fatalf("first sale %s", first.State)
		}
		if _, err := term.Sale(ctx, posclient.SaleRequest{Amount: 300, PAN: posclienttest.CardApprove}); err != nil {
			t.Fatal(err)
		}
		want := []hostproto.MTI{"0800", "0200", "0400", "0401", "0200"}
		if !equal(order, want) {
			t.Errorf("host saw %v, want %v (reversal repeat before the next sale)", order, want)
		}
		got, _ := j.Get(ctx, first.Ref)
		if got.State != posclient.StateReversed {
			t.Errorf("first sale %s, want reversed", got.State)
		}
	})
}

func TestLateApprovalAfterReversalQueued(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		host := posclienttest.NewPipeHost(t)
		host.Hook = func(m hostproto.Message, n int) posclienttest.HostAction {
			switch m.MTI() {
			case hostproto.MTIFinancialRequest:
				return posclienttest.HostAction{Delay: 45 * time.Second} // approved, answered late
			case hostproto.MTIReversalRequest:
				return posclienttest.HostAction{Delay: 20 * time.Second} // 0410 comes after the late 0210
			}
			return posclienttest.HostAction{}
		}
		j := journal.NewMemory()
		term := pipeTerminal(t, host, j, posclient.Policy{})
		res, err := term.Sale(context.Background(), posclient.SaleRequest{Amount: 700, PAN: posclienttest.CardApprove})
		if !errors.Is(err, posclient.ErrTimeout) {
			t.Fatalf("err %v", err)
		}
		got, _ := j.Get(context.Background(), res.Ref)
		if got.State != posclient.StateReversed || got.LateCode != "00" {
			t.Errorf("state %s late %q, want reversed with the late approval recorded", got.State, got.LateCode)
		}
		if got := hostSaleStates(host.Ledger); !equal(got, []acquirer.TxnState{acquirer.StateReversed}) {
			t.Errorf("host sales %v after a late approval, want one reversed", got)
		}
	})
}

func TestCancelWhileWaitingLeavesReversalForRecover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		host := posclienttest.NewPipeHost(t)
		host.Hook = func(m hostproto.Message, n int) posclienttest.HostAction {
			return posclienttest.HostAction{Drop: m.MTI() == hostproto.MTIFinancialRequest}
		}
		j := journal.NewMemory()
		term := pipeTerminal(t, host, j, posclient.Policy{})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := term.Sale(ctx, posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardApprove})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v, want the context's deadline", err)
		}
		if !res.State.Doubtful() {
			t.Fatalf("state %s, want an open outcome kept for recovery", res.State)
		}
		rep, err := term.Recover(context.Background())
		if err != nil || len(rep.Reversed) != 1 || rep.Reversed[0] != res.Ref {
			t.Fatalf("recover: %+v, %v", rep, err)
		}
		if got := hostSaleStates(host.Ledger); !equal(got, []acquirer.TxnState{acquirer.StateReversed}) {
			t.Errorf("host sales %v, want one reversed", got)
		}
	})
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
