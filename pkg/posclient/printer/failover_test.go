package printer

import (
	"errors"
	"testing"
	"testing/synctest"
)

func TestFailover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		primaryPeer, backupPeer := newPeer(), newPeer()
		primary, _ := pipePrinter(t, primaryPeer, nil)
		backup, _ := pipePrinter(t, backupPeer, nil)
		g := Failover(primary, backup)
		g.Logger = testLogger(t)
		job := []byte("receipt\n\x1dVB\x00")

		// Both ready: the primary prints.
		if err := g.Print(ctx, job); err != nil || g.Used() != 0 {
			t.Fatalf("Print = %v, used %d; want the primary", err, g.Used())
		}

		// Primary out of paper before the job: skipped, the backup prints.
		primaryPeer.set([4]byte{0x1A, 0x32, 0x12, 0x72})
		if err := g.Print(ctx, job); err != nil || g.Used() != 1 {
			t.Fatalf("Print = %v, used %d; want the backup", err, g.Used())
		}
		if err := g.Ready(ctx); err != nil {
			t.Errorf("Ready with one good printer: %v", err)
		}

		// Primary ready but its roll runs out at the cut: not confirmed, yet
		// the receipt may be whole in the customer's hand, so the backup
		// must not print the same unmarked original: the round ends with an
		// error that says the job may have printed (the caller prints it
		// again marked).
		primaryPeer.set([4]byte{0x12, 0x12, 0x12, 0x12})
		primaryPeer.mu.Lock()
		primaryPeer.paperAtCut = true
		primaryPeer.mu.Unlock()
		before := len(backupPeer.bytesReceived())
		err := g.Print(ctx, job)
		var fe *FailoverError
		if !errors.As(err, &fe) || !fe.MayHavePrinted() || !errors.Is(err, ErrPaperOut) || g.Used() != -1 {
			t.Fatalf("Print = %v, used %d; want a FailoverError that may have printed", err, g.Used())
		}
		if len(backupPeer.bytesReceived()) != before {
			t.Error("the backup was sent the job although the primary may have printed it")
		}
		// The marked reprint goes to the backup: the primary is out of paper.

		if err := g.Print(ctx, job); err != nil || g.Used() != 1 {
			t.Fatalf("Print = %v, used %d; want the backup", err, g.Used())
		}

		// Nothing works: a FailoverError naming each printer's reason.
		backupPeer.set([4]byte{0x1A, 0x16, 0x12, 0x12})
		err = g.Print(ctx, job)
		if !errors.As(err, &fe) || len(fe.Errs) != 2 || !errors.Is(err, ErrNotConfirmed) ||
			!errors.Is(err, ErrPaperOut) || !errors.Is(err, ErrCoverOpen) || g.Used() != -1 {
			t.Fatalf("Print = %v (used %d), want a FailoverError for paper out and cover open", err, g.Used())
		}
		if err := g.Ready(ctx); !errors.Is(err, ErrCoverOpen) || !errors.Is(err, ErrPaperOut) {
			t.Errorf("Ready = %v", err)
		}
	})
}

func TestFailoverEmpty(t *testing.T) {
	g := Failover(nil)
	if err := g.Print(t.Context(), nil); !errors.Is(err, ErrNoPrinter) {
		t.Errorf("Print = %v", err)
	}
}
