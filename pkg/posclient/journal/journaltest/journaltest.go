// Package journaltest checks an implementation of posclient.Journal
// against the interface's contract, as testing/fstest checks an fs.FS: a
// vendor who keeps the terminal's journal in their own storage runs Run
// on it. The journals of pkg/posclient/journal pass it (with their exact
// errors named in Options).
package journaltest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/poshil/hil/pkg/posclient"
)

// T0 is the time the contract's rows start at.
var T0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// CardKey is the card-token key of the contract's rows.
var CardKey = []byte("contract test key")

// Sale is a sale row as the contract writes it: terminal T1, merchant
// M0001, batch 1, STAN 7, the card tokenised with CardKey, local time in
// CET, updated a second after at.
func Sale(ref string, amount int64, pan string, s posclient.State, r posclient.ReceiptState, at time.Time) posclient.Txn {
	return posclient.Txn{Ref: ref, Kind: posclient.KindSale, TerminalID: "T1", MerchantID: "M0001", Amount: amount,
		Currency: "978", Batch: 1, STAN: 7, Card: posclient.NewCard(pan, CardKey), State: s, Receipt: r,
		LocalTime: at.In(time.FixedZone("CET", 3600)), Created: at, Updated: at.Add(time.Second)}
}

// Refs returns the references of ts, in order.
func Refs(ts []posclient.Txn) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Ref)
	}
	return out
}

// Options name the errors an implementation returns where the contract
// only asks for an error.
type Options struct {
	// FullPAN is the error of an Append whose row holds a full card
	// number. Nil: any error will do, or none if the row is stored without
	// the number.
	FullPAN error
	// Closed is the error of a call after Close. Nil: any error.
	Closed error
}

// is reports whether err is what the contract asks: the named error, or
// any error when none is named.
func is(err, want error) bool {
	if want == nil {
		return err != nil
	}
	return errors.Is(err, want)
}

// Run checks the contract of posclient.Journal on journals made by open
// (a new, empty journal for each call; open registers its own cleanup).
// Each part of the contract is a subtest: Find, RoundTrip, FullPAN,
// STANAndBatch, Closed, Canceled, Concurrent and FindAgreesWithMatch. A
// vendor runs it on their own Journal as testing/fstest.TestFS is run on
// an fs.FS:
//
//	func TestMyJournal(t *testing.T) {
//		journaltest.Run(t, func(t *testing.T) posclient.Journal { return myjournal.Open(t.TempDir()) }, nil)
//	}
//
// opts may be nil; its fields name the errors the implementation returns,
// when the test should insist on them.
func Run(t *testing.T, open func(t *testing.T) posclient.Journal, opts *Options) {
	var o Options
	if opts != nil {
		o = *opts
	}
	t.Run("Find", func(t *testing.T) { contractFind(t, open(t)) })
	t.Run("RoundTrip", func(t *testing.T) { contractRoundTrip(t, open(t)) })
	t.Run("FullPAN", func(t *testing.T) { contractFullPAN(t, open(t), o.FullPAN) })
	t.Run("STANAndBatch", func(t *testing.T) { contractSTANAndBatch(t, open(t)) })
	t.Run("Closed", func(t *testing.T) { contractClosed(t, open(t), o.Closed) })
	t.Run("Canceled", func(t *testing.T) { contractCanceled(t, open(t)) })
	t.Run("Concurrent", func(t *testing.T) { contractConcurrent(t, open(t)) })
	t.Run("FindAgreesWithMatch", func(t *testing.T) { contractFindMatch(t, open(t)) })
}

func contractFind(t *testing.T, j posclient.Journal) {
	ctx := context.Background()
	rows := []posclient.Txn{
		Sale("a", 1000, "4242424242424242", posclient.StateApproved, posclient.ReceiptPrinted, T0),
		Sale("b", 2500, "4000000000000002", posclient.StateDeclined, "", T0.Add(time.Minute)),
		Sale("c", 1000, "4000056655665556", posclient.StateApproved, posclient.ReceiptOwed, T0.Add(2*time.Minute)),
		Sale("d", 700, "4242424242424242", posclient.StateReversalQueued, "", T0.Add(3*time.Minute)),
		Sale("e", 300, "4242424242424242", posclient.StateApproved, posclient.ReceiptPrinting, T0.Add(time.Minute)),
	}
	rows[4].Kind, rows[4].OrigRef = posclient.KindRefund, "a"
	for _, r := range rows {
		if err := j.Append(ctx, posclient.Entry{At: r.Created, Txn: r, Note: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	for name, tc := range map[string]struct {
		q    posclient.Query
		want []string
	}{
		"all":          {posclient.Query{}, []string{"a", "b", "e", "c", "d"}},
		"ref":          {posclient.Query{Ref: "c"}, []string{"c"}},
		"kind":         {posclient.Query{Kind: posclient.KindRefund}, []string{"e"}},
		"orig":         {posclient.Query{OrigRef: "a"}, []string{"e"}},
		"amount":       {posclient.Query{Amount: 1000}, []string{"a", "c"}},
		"last4":        {posclient.Query{Last4: "4242"}, []string{"a", "e", "d"}},
		"time range":   {posclient.Query{From: T0.Add(time.Minute), To: T0.Add(3 * time.Minute)}, []string{"b", "e", "c"}},
		"from only":    {posclient.Query{From: T0.Add(2 * time.Minute)}, []string{"c", "d"}},
		"receipt owed": {posclient.QueryReceiptOwed, []string{"e", "c"}},
		"in doubt":     {posclient.QueryInDoubt, []string{"d"}},
		"reversal":     {posclient.QueryReversalPending, []string{"d"}},
		"limit newest": {posclient.Query{Limit: 2}, []string{"c", "d"}},
		"limit ties":   {posclient.Query{Limit: 4}, []string{"b", "e", "c", "d"}},
		"batch":        {posclient.Query{Batch: 2}, nil},
		"unsettled":    {posclient.Query{Unsettled: true, Amount: 700}, []string{"d"}},
		"none":         {posclient.Query{Ref: "zz"}, nil},
	} {
		got, err := j.Find(ctx, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(Refs(got), tc.want) {
			t.Errorf("%s: got %v, want %v", name, Refs(got), tc.want)
		}
	}
}

func contractRoundTrip(t *testing.T, j posclient.Journal) {
	ctx := context.Background()
	tx := Sale("r1", 100, "4242424242424242", posclient.StateJournaled, "", T0)
	tx.NextReversalAt = T0.Add(time.Hour)
	msg := &posclient.Message{Direction: posclient.Outbound, MTI: "0200", STAN: 1, Fields: map[int]string{2: tx.Card.Masked, 4: "000000000100"}}
	e1 := posclient.Entry{At: T0, Txn: tx, Note: "journaled", Message: msg}
	if err := j.Append(ctx, e1); err != nil {
		t.Fatal(err)
	}
	msg.Fields[2] = "changed after append"
	tx2 := tx
	tx2.State, tx2.ResponseCode, tx2.RRN, tx2.AuthCode = posclient.StateApproved, "00", "123456789012", "A1B2C3"
	e2 := posclient.Entry{At: T0.Add(time.Second), Txn: tx2, Note: "approved",
		Message: &posclient.Message{Direction: posclient.Inbound, MTI: "0210", STAN: 1, Fields: map[int]string{39: "00"}}}
	if err := j.Append(ctx, e2); err != nil {
		t.Fatal(err)
	}
	e3 := posclient.Entry{At: T0.Add(2 * time.Second), Txn: tx2, Note: "no message, empty fields"}
	if err := j.Append(ctx, e3); err != nil {
		t.Fatal(err)
	}
	got, err := j.Get(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(tx2, got); d != "" {
		t.Errorf("Get (-want +got):\n%s", d)
	}
	h, err := j.History(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 || h[0].Seq >= h[1].Seq || h[1].Seq >= h[2].Seq {
		t.Fatalf("history seqs: %+v", h)
	}
	e1.Message = &posclient.Message{Direction: posclient.Outbound, MTI: "0200", STAN: 1, Fields: map[int]string{2: tx.Card.Masked, 4: "000000000100"}}
	for i, want := range []posclient.Entry{e1, e2, e3} {
		want.Seq = h[i].Seq
		if d := cmp.Diff(want, h[i]); d != "" {
			t.Errorf("event %d (-want +got):\n%s", i, d)
		}
	}
	if _, err := j.Get(ctx, "nope"); !errors.Is(err, posclient.ErrNotFound) {
		t.Errorf("Get unknown: %v, want ErrNotFound", err)
	}
	if _, err := j.History(ctx, "nope"); !errors.Is(err, posclient.ErrNotFound) {
		t.Errorf("History unknown: %v, want ErrNotFound", err)
	}
	if err := j.Append(ctx, posclient.Entry{Txn: posclient.Txn{}}); err == nil {
		t.Error("Append with an empty reference succeeded")
	}
}

func contractFullPAN(t *testing.T, j posclient.Journal, want error) {
	ctx := context.Background()
	tx := Sale("r1", 100, "4242424242424242", posclient.StateJournaled, "", T0)
	leaky := tx
	leaky.Card.Masked = "4242424242424242"
	for i, e := range []posclient.Entry{
		{Txn: tx, Note: "card 4242424242424242"},
		{Txn: tx, Message: &posclient.Message{MTI: "0200", Fields: map[int]string{35: "4242424242424242=2912"}}},
		{Txn: leaky},
	} {
		err := j.Append(ctx, e)
		if want != nil && !errors.Is(err, want) {
			t.Errorf("entry %d: err %v, want %v", i, err, want)
		}
		if err != nil {
			continue
		}
		// Stored: the number must not be in it.
		h, herr := j.History(ctx, e.Txn.Ref)
		if herr != nil {
			t.Fatal(herr)
		}
		for _, r := range h {
			if strings.Contains(fmt.Sprintf("%+v %v", r, r.Message), "4242424242424242") {
				t.Errorf("entry %d: the full card number was stored", i)
			}
		}
	}
	if _, err := j.Get(ctx, "r1"); want != nil && !errors.Is(err, posclient.ErrNotFound) {
		t.Errorf("a refused row was stored")
	}
	if err := j.Append(ctx, posclient.Entry{Txn: tx, Note: "card 424242******4242 ref 1234567890123"}); err != nil {
		t.Errorf("masked entry refused: %v", err)
	}
}

func contractSTANAndBatch(t *testing.T, j posclient.Journal) {
	ctx := context.Background()
	for want := uint32(1); want <= 3; want++ {
		if got, err := j.NextSTAN(ctx, "T1"); err != nil || got != want {
			t.Fatalf("NextSTAN = %d, %v; want %d", got, err, want)
		}
	}
	if got, _ := j.NextSTAN(ctx, "T2"); got != 1 {
		t.Errorf("STAN is not per terminal: T2 got %d", got)
	}
	if b, err := j.Batch(ctx, "T1"); err != nil || b != 1 {
		t.Fatalf("first batch %d, %v", b, err)
	}
	in := Sale("s", 100, "4242424242424242", posclient.StateApproved, posclient.ReceiptPrinted, T0)
	other := Sale("o", 200, "4242424242424242", posclient.StateApproved, posclient.ReceiptPrinted, T0)
	other.TerminalID = "T2"
	for _, tx := range []posclient.Txn{in, other} {
		if err := j.Append(ctx, posclient.Entry{Txn: tx}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := j.CloseBatch(ctx, "T1", 7); err == nil {
		t.Error("closing a batch that is not open succeeded")
	}
	nb, err := j.CloseBatch(ctx, "T1", 1)
	if err != nil || nb != 2 {
		t.Fatalf("CloseBatch = %d, %v", nb, err)
	}
	if b, _ := j.Batch(ctx, "T1"); b != 2 {
		t.Errorf("batch after close %d, want 2", b)
	}
	if b, _ := j.Batch(ctx, "T2"); b != 1 {
		t.Errorf("T2's batch moved to %d", b)
	}
	got, _ := j.Get(ctx, "s")
	if !got.Settled {
		t.Error("transaction of the closed batch not marked settled")
	}
	if open, _ := j.Find(ctx, posclient.Query{Unsettled: true}); !slices.Equal(Refs(open), []string{"o"}) {
		t.Errorf("unsettled after close: %v, want [o]", Refs(open))
	}
	// A settled transaction's later rows are kept as given.
	got.Receipt = posclient.ReceiptOwed
	if err := j.Append(ctx, posclient.Entry{Txn: got, Note: "reprint owed"}); err != nil {
		t.Fatal(err)
	}
	if again, _ := j.Get(ctx, "s"); !again.Settled || again.Receipt != posclient.ReceiptOwed {
		t.Errorf("after append: %+v", again)
	}
}

func contractClosed(t *testing.T, j posclient.Journal, want error) {
	ctx := context.Background()
	if err := j.Append(ctx, posclient.Entry{Txn: Sale("x", 1, "4242424242424242", posclient.StateJournaled, "", T0)}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := j.NextSTAN(ctx, "T1"); !is(err, want) {
		t.Errorf("NextSTAN after Close: %v", err)
	}
	if err := j.Append(ctx, posclient.Entry{Txn: posclient.Txn{Ref: "x"}}); !is(err, want) {
		t.Errorf("Append after Close: %v", err)
	}
	if _, err := j.Get(ctx, "x"); !is(err, want) {
		t.Errorf("Get after Close: %v", err)
	}
	if _, err := j.Find(ctx, posclient.Query{}); !is(err, want) {
		t.Errorf("Find after Close: %v", err)
	}
}

func contractCanceled(t *testing.T, j posclient.Journal) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := j.Append(ctx, posclient.Entry{Txn: Sale("x", 1, "4242424242424242", posclient.StateJournaled, "", T0)}); !errors.Is(err, context.Canceled) {
		t.Errorf("Append with a canceled context: %v", err)
	}
	if _, err := j.NextSTAN(ctx, "T1"); !errors.Is(err, context.Canceled) {
		t.Errorf("NextSTAN with a canceled context: %v", err)
	}
	if _, err := j.Get(context.Background(), "x"); !errors.Is(err, posclient.ErrNotFound) {
		t.Errorf("a canceled Append was stored: %v", err)
	}
}

func contractConcurrent(t *testing.T, j posclient.Journal) {
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[uint32]bool{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 25 {
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
				ref := fmt.Sprintf("w%d", w)
				tx := Sale(ref, int64(i), "4242424242424242", posclient.StateSent, "", T0)
				if err := j.Append(ctx, posclient.Entry{Txn: tx, Note: fmt.Sprint(i)}); err != nil {
					t.Error(err)
					return
				}
				if _, err := j.Find(ctx, posclient.QueryInDoubt); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != 100 {
		t.Errorf("%d distinct STANs, want 100", len(seen))
	}
	for w := range 4 {
		h, err := j.History(ctx, fmt.Sprintf("w%d", w))
		if err != nil || len(h) != 25 {
			t.Fatalf("w%d: %d events, %v", w, len(h), err)
		}
		for i, e := range h {
			if e.Note != fmt.Sprint(i) {
				t.Fatalf("w%d event %d note %q", w, i, e.Note)
			}
		}
	}
}

// contractFindMatch appends random transactions (some updated several
// times) and checks random queries against Query.Match over the latest
// snapshots.
func contractFindMatch(t *testing.T, j posclient.Journal) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	states := []posclient.State{posclient.StateApproved, posclient.StateDeclined, posclient.StateInDoubt, posclient.StateReversalQueued, posclient.StateReversed}
	receipts := []posclient.ReceiptState{"", posclient.ReceiptOwed, posclient.ReceiptPrinted, posclient.ReceiptPrinting}
	cards := []string{"4242424242424242", "4000056655665556", "5555555555554444"}
	amounts := []int64{100, 250, 1000}
	kinds := []posclient.Kind{posclient.KindSale, posclient.KindRefund}
	latest := map[string]posclient.Txn{}
	var order []string
	for i := range 120 {
		ref := fmt.Sprintf("r%02d", rng.IntN(40))
		tx, ok := latest[ref]
		if !ok {
			at := T0.Add(time.Duration(rng.IntN(20)) * time.Minute).Add(time.Duration(rng.IntN(3)) * time.Nanosecond)
			tx = Sale(ref, amounts[rng.IntN(3)], cards[rng.IntN(3)], "", "", at)
			tx.Kind = kinds[rng.IntN(2)]
			tx.Batch = uint32(1 + rng.IntN(2))
			if tx.Kind == posclient.KindRefund {
				tx.OrigRef = fmt.Sprintf("r%02d", rng.IntN(5))
			}
			order = append(order, ref)
		}
		tx.State, tx.Receipt = states[rng.IntN(len(states))], receipts[rng.IntN(len(receipts))]
		latest[ref] = tx
		if err := j.Append(ctx, posclient.Entry{Txn: tx, Note: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := j.CloseBatch(ctx, "T1", 1); err != nil {
		t.Fatal(err)
	}
	for _, ref := range order {
		if tx := latest[ref]; tx.Batch == 1 {
			tx.Settled = true
			latest[ref] = tx
		}
	}
	for i := range 300 {
		var q posclient.Query
		if rng.IntN(4) == 0 {
			q.Amount = amounts[rng.IntN(3)]
		}
		if rng.IntN(4) == 0 {
			q.Last4 = posclient.NewCard(cards[rng.IntN(3)], CardKey).Last4
		}
		if rng.IntN(3) == 0 {
			q.From = T0.Add(time.Duration(rng.IntN(20)) * time.Minute).Add(time.Duration(rng.IntN(3)) * time.Nanosecond)
		}
		if rng.IntN(3) == 0 {
			q.To = T0.Add(time.Duration(rng.IntN(20)) * time.Minute)
		}
		if rng.IntN(3) == 0 {
			q.States = []posclient.State{states[rng.IntN(len(states))], states[rng.IntN(len(states))]}
		}
		if rng.IntN(3) == 0 {
			q.Receipts = []posclient.ReceiptState{receipts[rng.IntN(len(receipts))]}
		}
		if rng.IntN(5) == 0 {
			q.Kind = kinds[rng.IntN(2)]
		}
		if rng.IntN(6) == 0 {
			q.OrigRef = fmt.Sprintf("r%02d", rng.IntN(5))
		}
		if rng.IntN(5) == 0 {
			q.Batch = uint32(1 + rng.IntN(2))
		}
		q.Unsettled = rng.IntN(4) == 0
		if rng.IntN(4) == 0 {
			q.Limit = 1 + rng.IntN(5)
		}
		var want []posclient.Txn
		for _, ref := range order {
			if q.Match(latest[ref]) {
				want = append(want, latest[ref])
			}
		}
		slices.SortStableFunc(want, func(a, b posclient.Txn) int { return a.Created.Compare(b.Created) })
		if q.Limit > 0 && len(want) > q.Limit {
			want = want[len(want)-q.Limit:]
		}
		got, err := j.Find(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("query %d %+v (-want +got):\n%s", i, q, d)
		}
	}
}
