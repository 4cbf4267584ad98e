package posclient_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
)

// brokenJournal is a memory journal whose storage fails: Append from the
// failAt-th call on, and reads when corrupt is set.
type brokenJournal struct {
	*journal.Memory
	appends atomic.Int64
	failAt  int64
	corrupt atomic.Bool
}

var errDisk = errors.New("disk full")

func (b *brokenJournal) Append(ctx context.Context, e posclient.Entry) error {
	if n := b.appends.Add(1); b.failAt > 0 && n >= b.failAt {
		return errDisk
	}
	return b.Memory.Append(ctx, e)
}

func (b *brokenJournal) Find(ctx context.Context, q posclient.Query) ([]posclient.Txn, error) {
	if b.corrupt.Load() {
		return nil, &posclient.CorruptJournalError{Where: "test", Detail: "bad page"}
	}
	return b.Memory.Find(ctx, q)
}

func TestJournalFailureSendsNothing(t *testing.T) {
	bj := &brokenJournal{Memory: journal.NewMemory(), failAt: 1}
	env := posclienttest.New(t, posclienttest.Options{Config: posclient.Config{Journal: bj}})
	_, err := env.Terminal.Sale(context.Background(), posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardApprove})
	if !errors.Is(err, errDisk) {
		t.Fatalf("err %v, want the journal's error", err)
	}
	if n := len(env.Acquirer.Ledger().Transactions(posclienttest.TerminalID)); n != 0 {
		t.Errorf("the host saw %d transactions although the intent could not be journaled", n)
	}
}

func TestCorruptJournalSurfaces(t *testing.T) {
	bj := &brokenJournal{Memory: journal.NewMemory()}
	env := posclienttest.New(t, posclienttest.Options{Config: posclient.Config{Journal: bj}})
	bj.corrupt.Store(true)
	ctx := context.Background()
	if _, err := env.Terminal.Recover(ctx); !errors.Is(err, posclient.ErrCorruptJournal) {
		t.Errorf("Recover: %v, want ErrCorruptJournal", err)
	}
	var cj *posclient.CorruptJournalError
	if _, err := env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardApprove}); !errors.As(err, &cj) {
		t.Errorf("Sale: %v, want a *CorruptJournalError", err)
	}
	if n := len(env.Acquirer.Ledger().Transactions(posclienttest.TerminalID)); n != 0 {
		t.Errorf("the host saw %d transactions with a corrupt journal", n)
	}
}
