package journal_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func txn(ref string, amount int64, pan string, s posclient.State, r posclient.ReceiptState, at time.Time) posclient.Txn {
	return posclient.Txn{Ref: ref, Kind: posclient.KindSale, TerminalID: "T1", Amount: amount, Batch: 1,
		Card: posclient.NewCard(pan, []byte("k")), State: s, Receipt: r, Created: at, Updated: at}
}

func refs(ts []posclient.Txn) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Ref)
	}
	return out
}

func TestMemoryFind(t *testing.T) {
	ctx := context.Background()
	j := journal.NewMemory()
	rows := []posclient.Txn{
		txn("a", 1000, "4242424242424242", posclient.StateApproved, posclient.ReceiptPrinted, t0),
		txn("b", 2500, "4000000000000002", posclient.StateDeclined, "", t0.Add(time.Minute)),
		txn("c", 1000, "4000056655665556", posclient.StateApproved, posclient.ReceiptOwed, t0.Add(2*time.Minute)),
		txn("d", 700, "4242424242424242", posclient.StateReversalQueued, "", t0.Add(3*time.Minute)),
	}
	for _, r := range rows {
		if err := j.Append(ctx, posclient.Entry{At: r.Created, Txn: r, Note: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	for name, tc := range map[string]struct {
		q    posclient.Query
		want []string
	}{
		"all":          {posclient.Query{}, []string{"a", "b", "c", "d"}},
		"ref":          {posclient.Query{Ref: "c"}, []string{"c"}},
		"amount":       {posclient.Query{Amount: 1000}, []string{"a", "c"}},
		"last4":        {posclient.Query{Last4: "4242"}, []string{"a", "d"}},
		"time range":   {posclient.Query{From: t0.Add(time.Minute), To: t0.Add(3 * time.Minute)}, []string{"b", "c"}},
		"receipt owed": {posclient.QueryReceiptOwed, []string{"c"}},
		"in doubt":     {posclient.QueryInDoubt, []string{"d"}},
		"reversal":     {posclient.QueryReversalPending, []string{"d"}},
		"limit newest": {posclient.Query{Limit: 2}, []string{"c", "d"}},
	} {
		got, err := j.Find(ctx, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(refs(got), tc.want) {
			t.Errorf("%s: got %v, want %v", name, refs(got), tc.want)
		}
	}
}

func TestMemoryHistoryAndGet(t *testing.T) {
	ctx := context.Background()
	j := journal.NewMemory()
	tx := txn("r1", 100, "4242424242424242", posclient.StateJournaled, "", t0)
	msg := &posclient.Message{Direction: posclient.Outbound, MTI: "0200", STAN: 1, Fields: map[int]string{2: tx.Card.Masked}}
	if err := j.Append(ctx, posclient.Entry{Txn: tx, Note: "journaled", Message: msg}); err != nil {
		t.Fatal(err)
	}
	msg.Fields[2] = "changed after append"
	tx.State = posclient.StateSent
	if err := j.Append(ctx, posclient.Entry{Txn: tx, Note: "sent"}); err != nil {
		t.Fatal(err)
	}
	got, err := j.Get(ctx, "r1")
	if err != nil || got.State != posclient.StateSent {
		t.Fatalf("Get = %v, %v; want state sent", got.State, err)
	}
	h, err := j.History(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Note != "journaled" || h[1].Note != "sent" || h[0].Seq >= h[1].Seq {
		t.Fatalf("history = %+v", h)
	}
	if h[0].Message.Fields[2] != "424242******4242" {
		t.Errorf("journal kept the caller's map: %q", h[0].Message.Fields[2])
	}
	if _, err := j.Get(ctx, "nope"); !errors.Is(err, posclient.ErrNotFound) {
		t.Errorf("Get unknown: %v, want ErrNotFound", err)
	}
	if _, err := j.History(ctx, "nope"); !errors.Is(err, posclient.ErrNotFound) {
		t.Errorf("History unknown: %v, want ErrNotFound", err)
	}
}

func TestMemoryRefusesFullPAN(t *testing.T) {
	ctx := context.Background()
	j := journal.NewMemory()
	tx := txn("r1", 100, "4242424242424242", posclient.StateJournaled, "", t0)
	bad := []posclient.Entry{
		{Txn: tx, Note: "card 4242424242424242"},
		{Txn: tx, Message: &posclient.Message{MTI: "0200", Fields: map[int]string{35: "4242424242424242=2912"}}},
	}
	leaky := tx
	leaky.Card.Masked = "4242424242424242"
	bad = append(bad, posclient.Entry{Txn: leaky})
	for i, e := range bad {
		if err := j.Append(ctx, e); !errors.Is(err, journal.ErrFullPAN) {
			t.Errorf("entry %d: err %v, want ErrFullPAN", i, err)
		}
	}
	if _, err := j.Get(ctx, "r1"); !errors.Is(err, posclient.ErrNotFound) {
		t.Errorf("a refused row was stored")
	}
	// A masked number and long non-Luhn digit runs are fine.
	ok := posclient.Entry{Txn: tx, Note: "card 424242******4242 ref 1234567890123"}
	if err := j.Append(ctx, ok); err != nil {
		t.Errorf("masked entry refused: %v", err)
	}
}

func TestMemorySTANAndBatch(t *testing.T) {
	ctx := context.Background()
	j := journal.NewMemory()
	for want := uint32(1); want <= 3; want++ {
		if got, err := j.NextSTAN(ctx, "T1"); err != nil || got != want {
			t.Fatalf("NextSTAN = %d, %v; want %d", got, err, want)
		}
	}
	if got, _ := j.NextSTAN(ctx, "T2"); got != 1 {
		t.Errorf("STAN is not per terminal: T2 got %d", got)
	}
	b, _ := j.Batch(ctx, "T1")
	if b != 1 {
		t.Fatalf("first batch %d", b)
	}
	tx := txn("s", 100, "4242424242424242", posclient.StateApproved, posclient.ReceiptPrinted, t0)
	if err := j.Append(ctx, posclient.Entry{Txn: tx}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.CloseBatch(ctx, "T1", 7); err == nil {
		t.Error("closing a batch that is not open succeeded")
	}
	nb, err := j.CloseBatch(ctx, "T1", 1)
	if err != nil || nb != 2 {
		t.Fatalf("CloseBatch = %d, %v", nb, err)
	}
	got, _ := j.Get(ctx, "s")
	if !got.Settled {
		t.Error("transaction of the closed batch not marked settled")
	}
	if open, _ := j.Find(ctx, posclient.Query{Unsettled: true}); len(open) != 0 {
		t.Errorf("unsettled after close: %v", refs(open))
	}
}

func TestMemoryClosed(t *testing.T) {
	ctx := context.Background()
	j := journal.NewMemory()
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := j.NextSTAN(ctx, "T1"); !errors.Is(err, journal.ErrClosed) {
		t.Errorf("NextSTAN after Close: %v", err)
	}
	if err := j.Append(ctx, posclient.Entry{Txn: posclient.Txn{Ref: "x"}}); !errors.Is(err, journal.ErrClosed) {
		t.Errorf("Append after Close: %v", err)
	}
}

func TestMemoryConcurrentSTAN(t *testing.T) {
	ctx := context.Background()
	j := journal.NewMemory()
	var mu sync.Mutex
	seen := map[uint32]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				s, err := j.NextSTAN(ctx, "T1")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[s] {
					t.Errorf("STAN %d handed out twice", s)
				}
				seen[s] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 800 {
		t.Errorf("%d distinct STANs, want 800", len(seen))
	}
}

func ExampleNewMemory() {
	ctx := context.Background()
	j := journal.NewMemory()
	stan, _ := j.NextSTAN(ctx, "T0000001")
	tx := posclient.Txn{
		Ref: fmt.Sprintf("000001-%06d", stan), Kind: posclient.KindSale, TerminalID: "T0000001", Amount: 1250,
		Card: posclient.NewCard("4242424242424242", []byte("terminal key")), State: posclient.StateApproved,
		Receipt: posclient.ReceiptOwed,
	}
	_ = j.Append(ctx, posclient.Entry{Txn: tx, Note: "approved; receipt owed"})
	owed, _ := j.Find(ctx, posclient.QueryReceiptOwed)
	for _, t := range owed {
		fmt.Println(t.Ref, t.Card.Masked, t.Amount, t.Receipt)
	}
	// Output: 000001-000001 424242******4242 1250 owed
}
