// Package journal holds the implementations of [posclient.Journal].
//
// # Memory
//
// [NewMemory] keeps everything in memory. It is for tests and examples: it
// is durable only for the life of the process. It still behaves like the
// durable journal in every other way: it copies what it is given, rejects
// rows that would corrupt it, and refuses a full card number. Its queries
// go through indexes, so their cost does not grow with the history.
//
// # Owner lock
//
// A journal kept in a file has one writing process at a time: [LockOwner]
// takes an OS lock on the file's path plus [LockSuffix], and [Driver]
// lets one Terminal at a time claim the journal within the process. The
// SQLite journal uses both; a vendor's own file journal can too.
//
// # SQLite
//
// The durable journal is package
// github.com/poshil/hil/pkg/posclient/journal/sqlitejournal, kept apart
// so that a program using this package links no SQLite. Both follow the
// contract in the documentation of [posclient.Journal], which package
// journaltest checks.
package journal

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"

	"github.com/poshil/hil/pkg/posclient"
)

// ErrClosed is returned by every method of a closed journal.
var ErrClosed = errors.New("journal: closed")

// ErrFullPAN is returned when a row to be written holds what looks like a
// full card number. The row is not written.
var ErrFullPAN = errors.New("journal: refusing to store a full card number")

// Memory is an in-memory [posclient.Journal].
//
// Find, Get and CloseBatch do not scan the history: the journal keeps
// indexes on the fields the Terminal queries by (state and receipt state
// together, the original's reference, batch and settled), picks the
// smallest candidate set the query allows and filters it with
// [posclient.Query.Match]. A query no index serves (only a time range,
// amount, last 4 digits or kind) scans every transaction. A sale on a
// Terminal therefore costs the same after 500 or 100,000 journaled
// transactions (BenchmarkSaleAtHistory in pkg/posclient).
type Memory struct {
	mu     sync.Mutex
	closed bool
	seq    int64
	txns   map[string]*memRec
	order  []*memRec // in first-append order
	stan   map[string]uint32
	batch  map[string]uint32
	driver Driver

	byStatus  index[statusKey] // (state, receipt): every row
	byOrig    index[string]    // OrigRef, rows that have one
	byBatch   index[batchKey]  // (batch, settled): every row
	unsettled bucket           // rows not settled
}

// memRec is one transaction: its latest snapshot, its events and where it
// sits in each index's bucket.
type memRec struct {
	txn    posclient.Txn
	ord    int // first-append order
	events []posclient.Entry
	pos    [numIndexes]int
}

// Index slots in memRec.pos.
const (
	idxStatus = iota
	idxOrig
	idxBatch
	idxUnsettled
	numIndexes
)

type statusKey struct {
	state   posclient.State
	receipt posclient.ReceiptState
}

type batchKey struct {
	batch   uint32
	settled bool
}

// bucket is an unordered set of records with O(1) add and remove (swap
// with the last); each record keeps its position for the bucket's slot.
type bucket struct {
	slot int
	recs []*memRec
}

func (b *bucket) add(r *memRec) {
	r.pos[b.slot] = len(b.recs)
	b.recs = append(b.recs, r)
}

func (b *bucket) remove(r *memRec) {
	i, last := r.pos[b.slot], len(b.recs)-1
	b.recs[i] = b.recs[last]
	b.recs[i].pos[b.slot] = i
	b.recs[last] = nil
	b.recs = b.recs[:last]
	// Give back the room a burst left behind (an outage that queued many
	// reversals), so walking the bucket stays proportional to its size.
	if cap(b.recs) > 64 && len(b.recs) < cap(b.recs)/4 {
		b.recs = append([]*memRec(nil), b.recs...)
	}
}

// index maps a key to the bucket of records that have it. Empty buckets
// are deleted, so the number of keys is that of distinct values in use.
type index[K comparable] struct {
	slot int
	m    map[K]*bucket
}

func newIndex[K comparable](slot int) index[K] {
	return index[K]{slot: slot, m: map[K]*bucket{}}
}

func (x *index[K]) add(k K, r *memRec) {
	b := x.m[k]
	if b == nil {
		b = &bucket{slot: x.slot}
		x.m[k] = b
	}
	b.add(r)
}

func (x *index[K]) remove(k K, r *memRec) {
	b := x.m[k]
	b.remove(r)
	if len(b.recs) == 0 {
		delete(x.m, k)
	}
}

var _ posclient.Journal = (*Memory)(nil)

// NewMemory returns an empty in-memory journal.
func NewMemory() *Memory {
	return &Memory{
		txns:      map[string]*memRec{},
		stan:      map[string]uint32{},
		batch:     map[string]uint32{},
		byStatus:  newIndex[statusKey](idxStatus),
		byOrig:    newIndex[string](idxOrig),
		byBatch:   newIndex[batchKey](idxBatch),
		unsettled: bucket{slot: idxUnsettled},
	}
}

func (m *Memory) check(ctx context.Context) error {
	if m.closed {
		return ErrClosed
	}
	return ctx.Err()
}

// link adds r to every index under its current snapshot; unlink removes
// it. A snapshot change is unlink, change, link.
func (m *Memory) link(r *memRec) {
	t := &r.txn
	m.byStatus.add(statusKey{t.State, t.Receipt}, r)
	if t.OrigRef != "" {
		m.byOrig.add(t.OrigRef, r)
	}
	m.byBatch.add(batchKey{t.Batch, t.Settled}, r)
	if !t.Settled {
		m.unsettled.add(r)
	}
}

func (m *Memory) unlink(r *memRec) {
	t := &r.txn
	m.byStatus.remove(statusKey{t.State, t.Receipt}, r)
	if t.OrigRef != "" {
		m.byOrig.remove(t.OrigRef, r)
	}
	m.byBatch.remove(batchKey{t.Batch, t.Settled}, r)
	if !t.Settled {
		m.unsettled.remove(r)
	}
}

// Append implements [posclient.Journal].
func (m *Memory) Append(ctx context.Context, e posclient.Entry) error {
	if e.Txn.Ref == "" {
		return fmt.Errorf("journal: append: empty transaction reference")
	}
	if err := CheckNoPAN(e); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(ctx); err != nil {
		return err
	}
	m.seq++
	e.Seq = m.seq
	if e.Message != nil {
		msg := *e.Message
		msg.Fields = maps.Clone(msg.Fields)
		e.Message = &msg
	}
	r, ok := m.txns[e.Txn.Ref]
	if ok {
		m.unlink(r)
	} else {
		r = &memRec{ord: len(m.order)}
		m.txns[e.Txn.Ref] = r
		m.order = append(m.order, r)
	}
	r.txn = e.Txn
	r.events = append(r.events, e)
	m.link(r)
	return nil
}

// Get implements [posclient.Journal].
func (m *Memory) Get(ctx context.Context, ref string) (posclient.Txn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(ctx); err != nil {
		return posclient.Txn{}, err
	}
	r, ok := m.txns[ref]
	if !ok {
		return posclient.Txn{}, fmt.Errorf("journal: %q: %w", ref, posclient.ErrNotFound)
	}
	return r.txn, nil
}

// Find implements [posclient.Journal].
func (m *Memory) Find(ctx context.Context, q posclient.Query) ([]posclient.Txn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(ctx); err != nil {
		return nil, err
	}
	var hits []*memRec
	if cands, ok := m.candidates(q); ok {
		for _, b := range cands {
			for _, r := range b {
				if q.Match(r.txn) {
					hits = append(hits, r)
				}
			}
		}
		// Oldest first; equal times in first-append order, as a stable
		// sort of the whole journal would give.
		sort.Slice(hits, func(i, j int) bool {
			a, b := hits[i], hits[j]
			if c := a.txn.Created.Compare(b.txn.Created); c != 0 {
				return c < 0
			}
			return a.ord < b.ord
		})
	} else {
		for _, r := range m.order {
			if q.Match(r.txn) {
				hits = append(hits, r)
			}
		}
		sort.SliceStable(hits, func(i, j int) bool { return hits[i].txn.Created.Before(hits[j].txn.Created) })
	}
	if q.Limit > 0 && len(hits) > q.Limit {
		hits = hits[len(hits)-q.Limit:]
	}
	var out []posclient.Txn
	if len(hits) > 0 {
		out = make([]posclient.Txn, len(hits))
		for i, r := range hits {
			out[i] = r.txn
		}
	}
	return out, nil
}

// candidates returns disjoint sets of records that hold every match of q:
// those of the index that gives the fewest. It returns false when no
// index narrows q (the caller scans everything).
func (m *Memory) candidates(q posclient.Query) ([][]*memRec, bool) {
	if q.Ref != "" {
		r, ok := m.txns[q.Ref]
		if !ok {
			return nil, true
		}
		return [][]*memRec{{r}}, true
	}
	var best [][]*memRec
	bestN, found := 0, false
	consider := func(sets [][]*memRec) {
		n := 0
		for _, s := range sets {
			n += len(s)
		}
		if !found || n < bestN {
			best, bestN, found = sets, n, true
		}
	}
	if q.OrigRef != "" {
		var sets [][]*memRec
		if b := m.byOrig.m[q.OrigRef]; b != nil {
			sets = append(sets, b.recs)
		}
		consider(sets)
	}
	if len(q.States) > 0 || len(q.Receipts) > 0 {
		// Keys are the (state, receipt) pairs in use: a few dozen at most.
		var sets [][]*memRec
		for k, b := range m.byStatus.m {
			if (len(q.States) == 0 || slices.Contains(q.States, k.state)) &&
				(len(q.Receipts) == 0 || slices.Contains(q.Receipts, k.receipt)) {
				sets = append(sets, b.recs)
			}
		}
		consider(sets)
	}
	switch {
	case q.Batch != 0:
		var sets [][]*memRec
		for _, settled := range []bool{false, true} {
			if settled && q.Unsettled {
				continue
			}
			if b := m.byBatch.m[batchKey{q.Batch, settled}]; b != nil {
				sets = append(sets, b.recs)
			}
		}
		consider(sets)
	case q.Unsettled:
		consider([][]*memRec{m.unsettled.recs})
	}
	return best, found
}

// History implements [posclient.Journal].
func (m *Memory) History(ctx context.Context, ref string) ([]posclient.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(ctx); err != nil {
		return nil, err
	}
	r, ok := m.txns[ref]
	if !ok {
		return nil, fmt.Errorf("journal: %q: %w", ref, posclient.ErrNotFound)
	}
	return append([]posclient.Entry(nil), r.events...), nil
}

// NextSTAN implements [posclient.Journal].
func (m *Memory) NextSTAN(ctx context.Context, terminalID string) (uint32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(ctx); err != nil {
		return 0, err
	}
	s := m.stan[terminalID]%999999 + 1
	m.stan[terminalID] = s
	return s, nil
}

// Batch implements [posclient.Journal].
func (m *Memory) Batch(ctx context.Context, terminalID string) (uint32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(ctx); err != nil {
		return 0, err
	}
	if m.batch[terminalID] == 0 {
		m.batch[terminalID] = 1
	}
	return m.batch[terminalID], nil
}

// CloseBatch implements [posclient.Journal].
func (m *Memory) CloseBatch(ctx context.Context, terminalID string, batch uint32) (uint32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(ctx); err != nil {
		return 0, err
	}
	cur := max(m.batch[terminalID], 1)
	if batch != cur {
		return 0, fmt.Errorf("journal: close batch %d: open batch is %d", batch, cur)
	}
	if b := m.byBatch.m[batchKey{batch, false}]; b != nil {
		for _, r := range slices.Clone(b.recs) {
			if r.txn.TerminalID == terminalID {
				m.unlink(r)
				r.txn.Settled = true
				m.link(r)
			}
		}
	}
	m.batch[terminalID] = cur%999999 + 1
	return m.batch[terminalID], nil
}

// Close implements [posclient.Journal]. It is idempotent.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}
