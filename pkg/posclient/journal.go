package posclient

import (
	"context"
	"time"
)

// Journal is the terminal's durable record: the latest state of every
// transaction, one event row per state change, the messages exchanged with
// the host (masked), and the terminal's counters (STAN, batch).
//
// # Contract
//
// Every method that writes is durable when it returns nil: after a power
// cut or SIGKILL at any later instant, reopening the journal shows the
// write. A write either happens completely or not at all (one transaction
// per call). The Terminal relies on this to write before it sends: when
// Append returns, the reversal intent survives a crash.
//
// A journal never stores a full card number: Txn.Card holds the masked PAN
// and a keyed token, and Message.Fields are masked by the Terminal before
// Append is called. Implementations may still scan what they are given.
//
// Opening storage that exists but cannot be read (bad header, failed
// integrity check, truncated file, unknown schema version) must fail with
// an error that matches ErrCorruptJournal (for example a
// *CorruptJournalError), never fall back to a fresh, empty journal.
// Get returns an error matching ErrNotFound for an unknown reference.
//
// Implementations must be safe for concurrent use.
//
// # Implementations
//
// journal.NewMemory() (package pkg/posclient/journal) keeps everything in
// memory, for tests. sqlitejournal.Open(path string) (*Journal, error),
// in package pkg/posclient/journal/sqlitejournal, is the durable one: modernc.org/sqlite in WAL mode with
// synchronous=FULL, one SQL transaction per Append/NextSTAN, a versioned
// schema migrated on open, and `PRAGMA quick_check` on open mapped to
// ErrCorruptJournal. Tables that fit this interface: txns (one row per
// Ref, latest snapshot, indexed on created, amount, card_last4, state,
// receipt), events (ref, seq, at, state, receipt, note) and messages (ref,
// seq, at, direction, mti, stan, fields JSON), counters (name, value).
type Journal interface {
	// Append stores e.Txn as the latest state of e.Txn.Ref and adds the
	// event row (and e.Message when non-nil), atomically and durably.
	Append(ctx context.Context, e Entry) error
	// Get returns the latest state of a transaction.
	Get(ctx context.Context, ref string) (Txn, error)
	// Find returns the transactions matching q, oldest first.
	Find(ctx context.Context, q Query) ([]Txn, error)
	// History returns the event rows of a transaction, oldest first.
	History(ctx context.Context, ref string) ([]Entry, error)
	// NextSTAN increments and returns the terminal's STAN (1…999999,
	// wrapping to 1), durably: a STAN is never handed out twice.
	NextSTAN(ctx context.Context, terminalID string) (uint32, error)
	// Batch returns the terminal's open batch number (1 for a new journal).
	Batch(ctx context.Context, terminalID string) (uint32, error)
	// CloseBatch marks the batch's transactions settled and opens the next
	// batch, atomically; it returns the new batch number.
	CloseBatch(ctx context.Context, terminalID string, batch uint32) (uint32, error)
	// Close releases the journal. Further calls fail.
	Close() error
}

// Claimer is implemented by journals that keep to "one driver per
// journal" themselves: posclient.New claims the journal for the new
// Terminal, and Close releases it. A second claim while the first holds
// fails with a *JournalInUseError. A journal that wraps another (a
// decorator) should have an Unwrap() Journal method, so that the claim
// reaches the journal underneath; New falls back to a table of the
// journal values driven in this process when it finds no Claimer.
//
// Both journals of pkg/posclient/journal implement it; the SQLite journal
// also holds an OS lock that keeps other processes out.
type Claimer interface {
	Claim(holder string) (release func(), err error)
}

// Entry is one journal row: a transaction snapshot, the reason it changed,
// and optionally the message that is about to go out or just came in.
type Entry struct {
	Seq     int64 // assigned by the journal, increasing
	At      time.Time
	Txn     Txn
	Note    string
	Message *Message // nil when the row records only a state change
}

// Direction is which way a message went.
type Direction string

// Message directions.
const (
	Outbound Direction = "out" // journaled before it is written to the host
	Inbound  Direction = "in"
)

// Message is a host message as journaled: its type and masked fields.
type Message struct {
	Direction Direction
	MTI       string
	STAN      uint32
	// Fields are the message's data elements by number, masked (field 2
	// and 35 never hold more than the masked PAN).
	Fields map[int]string
}

// Query selects transactions. Zero fields do not filter.
type Query struct {
	Ref       string
	Kind      Kind
	OrigRef   string    // refunds/voids of this original
	From, To  time.Time // Created in [From, To)
	Amount    int64
	Last4     string
	States    []State        // any of these
	Receipts  []ReceiptState // any of these
	Batch     uint32
	Unsettled bool // only transactions not yet settled
	Limit     int  // at most this many (the newest), 0: all
}

// Match reports whether t satisfies q. Journal implementations may use it
// (the memory journal does) and SQL ones must agree with it.
func (q Query) Match(t Txn) bool {
	if q.Ref != "" && t.Ref != q.Ref || q.Kind != "" && t.Kind != q.Kind || q.OrigRef != "" && t.OrigRef != q.OrigRef {
		return false
	}
	if !q.From.IsZero() && t.Created.Before(q.From) || !q.To.IsZero() && !t.Created.Before(q.To) {
		return false
	}
	if q.Amount != 0 && t.Amount != q.Amount || q.Last4 != "" && t.Card.Last4 != q.Last4 {
		return false
	}
	if q.Batch != 0 && t.Batch != q.Batch || q.Unsettled && t.Settled {
		return false
	}
	if len(q.States) > 0 && !contains(q.States, t.State) {
		return false
	}
	if len(q.Receipts) > 0 && !contains(q.Receipts, t.Receipt) {
		return false
	}
	return true
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Lookup filters by named situation, for Terminal.Lookup and hil pos lookup.
var (
	// QueryReceiptOwed: approved transactions whose receipt is owed.
	QueryReceiptOwed = Query{States: []State{StateApproved}, Receipts: []ReceiptState{ReceiptOwed, ReceiptPrinting}}
	// QueryInDoubt: transactions whose outcome at the host is not settled.
	QueryInDoubt = Query{States: []State{StateJournaled, StateSent, StateInDoubt, StateReversalQueued, StateReversalSent, StateUnresolved}}
	// QueryReversalPending: reversals still to be delivered.
	QueryReversalPending = Query{States: []State{StateInDoubt, StateReversalQueued, StateReversalSent}}
)
