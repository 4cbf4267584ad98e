package posclient_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
)

func TestCloseInterruptsWaitAndRecoverFinishes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		host := posclienttest.NewPipeHost(t)
		host.Hook = func(m hostproto.Message, n int) posclienttest.HostAction {
			return posclienttest.HostAction{Drop: m.MTI() == hostproto.MTIFinancialRequest}
		}
		j := journal.NewMemory()
		term := pipeTerminal(t, host, j, posclient.Policy{})
		var (
			res posclient.Result
			err error
			wg  sync.WaitGroup
		)
		wg.Go(func() {
			res, err = term.Sale(context.Background(), posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardApprove})
		})
		synctest.Wait() // the sale waits for its answer
		start := time.Now()
		term.Close()
		term.Close() // idempotent
		wg.Wait()
		if time.Since(start) != 0 {
			t.Errorf("Close waited %v for the response timeout", time.Since(start))
		}
		if !errors.Is(err, context.Canceled) || !res.State.Doubtful() {
			t.Fatalf("sale after Close: %s, %v", res.State, err)
		}
		if _, err := term.Sale(context.Background(), posclient.SaleRequest{Amount: 1, PAN: posclienttest.CardApprove}); !errors.Is(err, posclient.ErrClosed) {
			t.Errorf("sale on a closed terminal: %v", err)
		}
		term2 := pipeTerminal(t, host, j, posclient.Policy{})
		rep, err := term2.Recover(context.Background())
		if err != nil || len(rep.Reversed) != 1 {
			t.Fatalf("recover: %+v, %v", rep, err)
		}
		if got := hostSaleStates(host.Ledger); !equal(got, []acquirer.TxnState{acquirer.StateReversed}) {
			t.Errorf("host sales %v", got)
		}
	})
}

// TestNoPANInJournalOrLogs runs approvals, a decline, a refund, a timeout
// with its reversal and a reprint with debug logging on, then scans the
// journal, the logs and the printed receipts for the card numbers.
func TestNoPANInJournalOrLogs(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	env := posclienttest.New(t, posclienttest.Options{Config: posclient.Config{Logger: logger, ResponseTimeout: 300 * time.Millisecond}})
	ctx := context.Background()
	s := sale(t, env, 5000, posclienttest.CardApprove)
	env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardDecline})
	if _, err := env.Terminal.Refund(ctx, posclient.RefundRequest{OrigRef: s.Ref, Amount: 100, PAN: posclienttest.CardApprove}); err != nil {
		t.Fatal(err)
	}
	env.Terminal.Refund(ctx, posclient.RefundRequest{OrigRef: s.Ref, Amount: 100, PAN: posclienttest.CardOther})
	env.Acquirer.SetIntercept(interceptFirst(hostproto.MTIFinancialRequest, acquirer.AfterLedger))
	if _, err := env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardOther}); !errors.Is(err, posclient.ErrTimeout) {
		t.Fatalf("want a timeout, got %v", err)
	}
	if _, err := env.Terminal.Reprint(ctx, s.Ref); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	text := logs.String()
	mu.Unlock()
	if len(text) == 0 {
		t.Fatal("no logs captured")
	}
	posclienttest.AssertNoPAN(t, env.Journal, append(env.Receipts(), text),
		posclienttest.CardApprove, posclienttest.CardDecline, posclienttest.CardOther)
}

// interceptFirst drops the answer to every request with this MTI.
func interceptFirst(mti hostproto.MTI, st acquirer.Stage) acquirer.Interceptor {
	return func(stage acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		return acquirer.Action{Drop: stage == st && ex.MTI == mti}
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
