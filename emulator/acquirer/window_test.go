package acquirer_test

import (
	"slices"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
)

func windowLedger(keep int) *acquirer.Ledger {
	return acquirer.NewLedger(acquirer.LedgerOptions{Now: func() time.Time { return fixedNow }, KeepBatches: keep})
}

// settleOpen closes T1's open batch with a balanced 0500 (the host's own
// totals).
func settleOpen(t *testing.T, l *acquirer.Ledger, stan string) {
	t.Helper()
	bs, err := l.Batches("T1")
	if err != nil {
		t.Fatal(err)
	}
	step(t, l, settle(stan, bs[len(bs)-1].Host, false), "00")
}

func batchNumbers(t *testing.T, l *acquirer.Ledger) []int {
	t.Helper()
	bs, err := l.Batches("T1")
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, b := range bs {
		out = append(out, b.Number)
	}
	return out
}

func dropped(t *testing.T, l *acquirer.Ledger) int {
	t.Helper()
	v, err := l.TerminalStatus("T1")
	if err != nil {
		t.Fatal(err)
	}
	return v.Dropped
}

// TestWindowDropsOldBatches: with the default window (open batch + 2
// closed), the third settlement drops batch 1 with its transactions;
// every ledger rule still holds inside the window, and an original
// outside it is answered 25.
func TestWindowDropsOldBatches(t *testing.T) {
	l := windowLedger(0)
	pan := acquirer.CardApprove
	s1 := step(t, l, sale("000001", pan, 1000), "00")
	s2 := step(t, l, sale("000002", pan, 2000), "00")
	settleOpen(t, l, "000003")
	s4 := step(t, l, sale("000004", pan, 400), "00")
	settleOpen(t, l, "000005")
	s6 := step(t, l, sale("000006", pan, 600), "00")
	if got := batchNumbers(t, l); !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("before the window fills: batches %v", got)
	}
	settleOpen(t, l, "000007")

	if got := batchNumbers(t, l); !slices.Equal(got, []int{2, 3, 4}) {
		t.Fatalf("batches %v, want [2 3 4]: batch 1 left the window", got)
	}
	if got := dropped(t, l); got != 2 {
		t.Errorf("dropped %d, want 2 (the two sales of batch 1)", got)
	}
	if _, ok := l.Transaction(s1.RRN); ok {
		t.Errorf("sale of batch 1 still found by RRN")
	}
	var listed []string
	for _, x := range l.Transactions("T1") {
		listed = append(listed, x.RRN)
	}
	if want := []string{s4.RRN, s6.RRN}; !slices.Equal(listed, want) {
		t.Errorf("transactions %v, want %v", listed, want)
	}
	const start = 1_000_000
	if got := balance(t, l, pan); got != start-1000-2000-400-600 {
		t.Fatalf("balance %d: card balances must survive the drop", got)
	}

	// Outside the window: refund and reversal find no original.
	step(t, l, refund("000008", pan, s2.RRN, 100), "25")
	step(t, l, reversal("000009", "000001"), "25")
	if got := balance(t, l, pan); got != start-4000 {
		t.Fatalf("balance %d after refusals, want %d", got, start-4000)
	}

	// Inside the window: refund of batch 2, reversal of batch 3, both once.
	r := step(t, l, refund("000010", pan, s4.RRN, 100), "00")
	again := step(t, l, refund("000010", pan, s4.RRN, 100), "00")
	if !again.Duplicate || again.RRN != r.RRN {
		t.Errorf("repeated refund: %+v, want the first answer (RRN %s) marked duplicate", again, r.RRN)
	}
	step(t, l, refund("000010", pan, s4.RRN, 200), "94")
	step(t, l, refund("000011", pan, s4.RRN, 301), "13") // 400 - 100 refunded: 300 left
	step(t, l, reversal("000012", "000006"), "00")
	step(t, l, reversal("000013", "000006"), "00") // exactly once
	if got := balance(t, l, pan); got != start-4000+100+600 {
		t.Fatalf("balance %d, want %d", got, start-4000+100+600)
	}

	// RRNs stay unique after the drop.
	s14 := step(t, l, sale("000014", pan, 1), "00")
	for _, old := range []string{s1.RRN, s2.RRN, s4.RRN, s6.RRN, r.RRN} {
		if s14.RRN == old {
			t.Fatalf("RRN %s handed out twice", old)
		}
	}

	// Two more settlements push batch 2 out: its sale is gone too.
	settleOpen(t, l, "000015")
	settleOpen(t, l, "000016")
	if got := batchNumbers(t, l); !slices.Equal(got, []int{4, 5, 6}) {
		t.Fatalf("batches %v, want [4 5 6]", got)
	}
	step(t, l, refund("000017", pan, s4.RRN, 100), "25")
	if got := dropped(t, l); got != 2+1+1 {
		t.Errorf("dropped %d, want 4 (batches 1, 2 and 3)", got)
	}
}

// TestWindowSizes: a larger window keeps more closed batches, a negative
// one every batch, and duplicate detection of the batch before still holds.
func TestWindowSizes(t *testing.T) {
	for _, tc := range []struct {
		keep int
		want []int
	}{{1, []int{5, 6}}, {4, []int{2, 3, 4, 5, 6}}, {10, []int{1, 2, 3, 4, 5, 6}}, {-1, []int{1, 2, 3, 4, 5, 6}}} {
		l := windowLedger(tc.keep)
		var last acquirer.Result
		for i := range 5 {
			last = step(t, l, sale(stanN(2*i), acquirer.CardApprove, 10), "00")
			settleOpen(t, l, stanN(2*i+1))
		}
		if got := batchNumbers(t, l); !slices.Equal(got, tc.want) {
			t.Errorf("keep %d: batches %v, want %v", tc.keep, got, tc.want)
		}
		if got, want := dropped(t, l), 6-len(tc.want); got != want {
			t.Errorf("keep %d: dropped %d, want %d", tc.keep, got, want)
		}
		// The sale of batch 5 repeated: the first answer, whatever the window.
		again := step(t, l, sale(stanN(8), acquirer.CardApprove, 10), "00")
		if !again.Duplicate || again.RRN != last.RRN {
			t.Errorf("keep %d: repeat of the last batch's sale: %+v", tc.keep, again)
		}
		if got := balance(t, l, acquirer.CardApprove); got != 1_000_000-50 {
			t.Errorf("keep %d: balance %d", tc.keep, got)
		}
	}
}

// TestServerKeepBatches: Options.KeepBatches reaches the server's ledger.
func TestServerKeepBatches(t *testing.T) {
	s, err := acquirer.NewServer(acquirer.Options{KeepBatches: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l := s.Ledger()
	step(t, l, sale("000001", acquirer.CardApprove, 10), "00")
	settleOpen(t, l, "000002")
	settleOpen(t, l, "000003")
	if got := batchNumbers(t, l); !slices.Equal(got, []int{2, 3}) {
		t.Fatalf("batches %v, want [2 3]", got)
	}
}
