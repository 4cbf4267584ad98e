// Package journal holds the implementations of [posclient.Journal].
//
// # Memory
//
// [NewMemory] keeps everything in memory. It is for tests and examples: it
// is durable only for the life of the process. It still behaves like the
// durable journal in every other way: it copies what it is given, rejects
// rows that would corrupt it, and refuses a full card number.
//
// # SQLite
//
// The durable journal (OpenSQLite) lives in this package too; see the
// contract in the documentation of [posclient.Journal].
package journal

import (
	"context"
	"errors"
	"fmt"
	"maps"
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
type Memory struct {
	mu     sync.Mutex
	closed bool
	seq    int64
	txns   map[string]posclient.Txn
	order  []string // refs in first-append order
	events map[string][]posclient.Entry
	stan   map[string]uint32
	batch  map[string]uint32
	driver driver
}

var _ posclient.Journal = (*Memory)(nil)

// NewMemory returns an empty in-memory journal.
func NewMemory() *Memory {
	return &Memory{
		txns:   map[string]posclient.Txn{},
		events: map[string][]posclient.Entry{},
		stan:   map[string]uint32{},
		batch:  map[string]uint32{},
	}
}

func (m *Memory) check(ctx context.Context) error {
	if m.closed {
		return ErrClosed
	}
	return ctx.Err()
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
	if _, ok := m.txns[e.Txn.Ref]; !ok {
		m.order = append(m.order, e.Txn.Ref)
	}
	m.txns[e.Txn.Ref] = e.Txn
	m.events[e.Txn.Ref] = append(m.events[e.Txn.Ref], e)
	return nil
}

// Get implements [posclient.Journal].
func (m *Memory) Get(ctx context.Context, ref string) (posclient.Txn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(ctx); err != nil {
		return posclient.Txn{}, err
	}
	t, ok := m.txns[ref]
	if !ok {
		return posclient.Txn{}, fmt.Errorf("journal: %q: %w", ref, posclient.ErrNotFound)
	}
	return t, nil
}

// Find implements [posclient.Journal].
func (m *Memory) Find(ctx context.Context, q posclient.Query) ([]posclient.Txn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(ctx); err != nil {
		return nil, err
	}
	var out []posclient.Txn
	for _, ref := range m.order {
		if t := m.txns[ref]; q.Match(t) {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[len(out)-q.Limit:]
	}
	return out, nil
}

// History implements [posclient.Journal].
func (m *Memory) History(ctx context.Context, ref string) ([]posclient.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(ctx); err != nil {
		return nil, err
	}
	ev, ok := m.events[ref]
	if !ok {
		return nil, fmt.Errorf("journal: %q: %w", ref, posclient.ErrNotFound)
	}
	return append([]posclient.Entry(nil), ev...), nil
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
	for ref, t := range m.txns {
		if t.TerminalID == terminalID && t.Batch == batch && !t.Settled {
			t.Settled = true
			m.txns[ref] = t
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
