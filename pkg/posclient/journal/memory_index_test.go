package journal_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
)

// model is the brute-force reference the memory journal's indexes are
// checked against: the latest snapshot per reference in first-append
// order, filtered by posclient.Query.Match over everything.
type model struct {
	order []string
	txns  map[string]posclient.Txn
}

func (md *model) append(t posclient.Txn) {
	if _, ok := md.txns[t.Ref]; !ok {
		md.order = append(md.order, t.Ref)
	}
	md.txns[t.Ref] = t
}

func (md *model) closeBatch(terminal string, batch uint32) {
	for ref, t := range md.txns {
		if t.TerminalID == terminal && t.Batch == batch && !t.Settled {
			t.Settled = true
			md.txns[ref] = t
		}
	}
}

func (md *model) find(q posclient.Query) []posclient.Txn {
	var out []posclient.Txn
	for _, ref := range md.order {
		if t := md.txns[ref]; q.Match(t) {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[len(out)-q.Limit:]
	}
	return out
}

var (
	allStates = []posclient.State{posclient.StateJournaled, posclient.StateSent, posclient.StateApproved,
		posclient.StateDeclined, posclient.StateFailed, posclient.StateInDoubt, posclient.StateReversalQueued,
		posclient.StateReversalSent, posclient.StateReversed, posclient.StateUnresolved}
	allReceipts = []posclient.ReceiptState{posclient.ReceiptNone, posclient.ReceiptPrinting, posclient.ReceiptPrinted,
		posclient.ReceiptOwed, posclient.ReceiptElectronic}
	allKinds     = []posclient.Kind{posclient.KindSale, posclient.KindRefund, posclient.KindVoid, posclient.KindSettlement}
	allTerminals = []string{"T1", "T2"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func some[T any](r *rand.Rand, s []T) []T {
	var out []T
	for range r.IntN(4) {
		out = append(out, pick(r, s)) // duplicates on purpose
	}
	return out
}

// randomTxn changes a few fields of prev (or makes a new row): refs are
// drawn from a small pool so rows are rewritten often, and times collide
// so the first-append tie-break matters.
func randomTxn(r *rand.Rand, refs []string, prev map[string]posclient.Txn) posclient.Txn {
	ref := pick(r, refs)
	t, ok := prev[ref]
	if !ok || r.IntN(4) == 0 {
		t = posclient.Txn{Ref: ref, Kind: pick(r, allKinds), TerminalID: pick(r, allTerminals),
			Amount: int64(r.IntN(4) * 100), Card: posclient.Card{Last4: pick(r, []string{"", "4242", "0002"})},
			Batch: uint32(r.IntN(3) + 1), Created: t0.Add(time.Duration(r.IntN(20)) * time.Second)}
		if r.IntN(3) == 0 {
			t.OrigRef = pick(r, refs)
		}
	}
	t.State = pick(r, allStates)
	t.Receipt = pick(r, allReceipts)
	if r.IntN(10) == 0 {
		t.Settled = !t.Settled
	}
	if r.IntN(10) == 0 {
		t.Batch = uint32(r.IntN(3) + 1)
	}
	if r.IntN(10) == 0 {
		t.Created = t0.Add(time.Duration(r.IntN(20)) * time.Second)
	}
	return t
}

func randomQuery(r *rand.Rand, refs []string) posclient.Query {
	var q posclient.Query
	switch r.IntN(8) {
	case 0:
		return posclient.QueryInDoubt
	case 1:
		return posclient.QueryReversalPending
	case 2:
		return posclient.QueryReceiptOwed
	}
	if r.IntN(6) == 0 {
		q.Ref = pick(r, append(refs, "unknown"))
	}
	if r.IntN(4) == 0 {
		q.Kind = pick(r, allKinds)
	}
	if r.IntN(4) == 0 {
		q.OrigRef = pick(r, append(refs, "unknown"))
	}
	if r.IntN(5) == 0 {
		q.From = t0.Add(time.Duration(r.IntN(20)) * time.Second)
	}
	if r.IntN(5) == 0 {
		q.To = t0.Add(time.Duration(r.IntN(20)) * time.Second)
	}
	if r.IntN(5) == 0 {
		q.Amount = int64(r.IntN(4) * 100)
	}
	if r.IntN(5) == 0 {
		q.Last4 = pick(r, []string{"4242", "0002", "9999"})
	}
	if r.IntN(2) == 0 {
		q.States = some(r, allStates)
	}
	if r.IntN(3) == 0 {
		q.Receipts = some(r, allReceipts)
	}
	if r.IntN(3) == 0 {
		q.Batch = uint32(r.IntN(4))
	}
	q.Unsettled = r.IntN(3) == 0
	if r.IntN(4) == 0 {
		q.Limit = r.IntN(5)
	}
	return q
}

// checkIndexedFind runs a random journal history on a memory journal and
// on the brute-force model, and fails at the first query on which they
// disagree (matches, order, or Get).
func checkIndexedFind(t *testing.T, seed1, seed2 uint64) {
	r := rand.New(rand.NewPCG(seed1, seed2))
	ctx := context.Background()
	j := journal.NewMemory()
	md := &model{txns: map[string]posclient.Txn{}}
	refs := make([]string, 2+r.IntN(30))
	for i := range refs {
		refs[i] = fmt.Sprintf("r%02d", i)
	}
	for step := range 300 {
		switch n := r.IntN(20); {
		case n == 0:
			term := pick(r, allTerminals)
			batch, err := j.Batch(ctx, term)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := j.CloseBatch(ctx, term, batch); err != nil {
				t.Fatal(err)
			}
			md.closeBatch(term, batch)
		case n < 12:
			tx := randomTxn(r, refs, md.txns)
			if err := j.Append(ctx, posclient.Entry{Txn: tx}); err != nil {
				t.Fatal(err)
			}
			md.append(tx)
		default:
			q := randomQuery(r, refs)
			got, err := j.Find(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if want := md.find(q); !slices.EqualFunc(got, want, func(a, b posclient.Txn) bool { return a == b }) {
				t.Fatalf("step %d: Find(%+v):\n got %v\nwant %v", step, q, txnRefs(got), txnRefs(want))
			}
		}
	}
	for _, ref := range refs {
		got, err := j.Get(ctx, ref)
		want, ok := md.txns[ref]
		if ok != (err == nil) || got != want {
			t.Fatalf("Get(%s) = %+v, %v; want %+v (known %v)", ref, got, err, want, ok)
		}
	}
}

func txnRefs(ts []posclient.Txn) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = fmt.Sprintf("%s/%s/%s/b%d/s%v", t.Ref, t.State, t.Receipt, t.Batch, t.Settled)
	}
	return out
}

// TestMemoryIndexedFindMatchesBruteForce is the property: over random
// journals (rows rewritten, settled by CloseBatch, times colliding), the
// indexed Find returns exactly what Query.Match over every transaction
// returns, in the same order, with Limit keeping the newest.
func TestMemoryIndexedFindMatchesBruteForce(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 50
	}
	for seed := range uint64(n) {
		checkIndexedFind(t, seed, 0x14b)
	}
}

func FuzzMemoryIndexedFind(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(0x14b), uint64(0))
	f.Fuzz(func(t *testing.T, a, b uint64) { checkIndexedFind(t, a, b) })
}

// TestMemoryBucketsShrink rewrites many rows through one state and out
// of it again: what is left in the state is still found, and nothing else.
func TestMemoryBucketsShrink(t *testing.T) {
	ctx := context.Background()
	j := journal.NewMemory()
	for i := range 1000 {
		tx := posclient.Txn{Ref: fmt.Sprintf("r%04d", i), Kind: posclient.KindSale, State: posclient.StateReversalQueued,
			Batch: 1, Created: t0.Add(time.Duration(i) * time.Millisecond)}
		if err := j.Append(ctx, posclient.Entry{Txn: tx}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 1000 {
		if i%250 == 7 {
			continue
		}
		tx, err := j.Get(ctx, fmt.Sprintf("r%04d", i))
		if err != nil {
			t.Fatal(err)
		}
		tx.State = posclient.StateReversed
		if err := j.Append(ctx, posclient.Entry{Txn: tx}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := j.Find(ctx, posclient.QueryReversalPending)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"r0007", "r0257", "r0507", "r0757"}; !slices.Equal(refs(got), want) {
		t.Fatalf("pending after the burst: %v, want %v", refs(got), want)
	}
	rev, err := j.Find(ctx, posclient.Query{States: []posclient.State{posclient.StateReversed}, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"r0998", "r0999"}; !slices.Equal(refs(rev), want) {
		t.Fatalf("newest reversed: %v, want %v", refs(rev), want)
	}
}
