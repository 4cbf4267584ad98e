package acquirer

import (
	"fmt"
	"time"

	"github.com/poshil/hil/pkg/hostproto"
)

// BatchState is where a terminal's batch is in settlement.
type BatchState int

const (
	BatchOpen      BatchState = iota + 1 // taking transactions
	BatchUploading                       // settlement answered 95; waiting for 0320 uploads and the final 0500
	BatchClosed                          // settled; a report is attached
)

var batchStateNames = [...]string{"", "open", "uploading", "closed"}

func (s BatchState) String() string {
	if s <= 0 || int(s) >= len(batchStateNames) {
		return fmt.Sprintf("BatchState(%d)", int(s))
	}
	return batchStateNames[s]
}

// MarshalText implements encoding.TextMarshaler.
func (s BatchState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Batch is one terminal's batch: the transactions between two
// settlements. The view returned by the ledger is a copy.
type Batch struct {
	Terminal string      `json:"terminal"`
	Number   int         `json:"number"`
	State    BatchState  `json:"state"`
	Opened   time.Time   `json:"opened"`
	Closed   time.Time   `json:"closed,omitzero"`
	Host     Totals      `json:"host_totals"` // the host's totals now (open) or at close
	Txns     []TxnView   `json:"transactions"`
	Uploads  []Record    `json:"uploads,omitempty"`
	Report   *Settlement `json:"report,omitempty"` // set once closed

	txns     []*Txn
	uploads  []Record
	terminal Totals // the totals of the first 0500
}

// Settlement is the report attached to a closed batch.
type Settlement struct {
	Balanced bool   `json:"balanced"` // the 920000 0500 matched the host's totals
	Terminal Totals `json:"terminal"` // the terminal's totals in its first 0500
	Host     Totals `json:"host"`     // the host's totals at close
	Uploaded int    `json:"uploaded"` // records received in 0320 uploads
	// Differences compares the uploaded records with the host's
	// transactions, one entry per transaction that differs. Empty when
	// balanced.
	Differences []Difference `json:"differences"`
}

// Difference is one transaction on which terminal and host disagree.
type Difference struct {
	STAN           string   `json:"stan"`
	RRN            string   `json:"rrn,omitempty"`
	Type           Kind     `json:"type"`
	Kind           DiffKind `json:"kind"`
	TerminalAmount int64    `json:"terminal_amount"` // 0 if the terminal did not upload it
	HostAmount     int64    `json:"host_amount"`     // 0 if the host does not count it
	HostState      string   `json:"host_state"`      // approved, declined, voided, reversed or "missing"
}

// DiffKind says how a transaction differs; the letters are those of
// hostproto.DifferenceKind, which carries them in the final 0510.
type DiffKind byte

const (
	TerminalOnly   DiffKind = 'T' // uploaded, unknown to the host
	HostOnly       DiffKind = 'H' // counted by the host, not uploaded
	AmountDiffers  DiffKind = 'A'
	ReversedAtHost DiffKind = 'R' // uploaded, but reversed (or declined) at the host
	TypeDiffers    DiffKind = 'P'
)

var diffNames = map[DiffKind]string{
	TerminalOnly: "terminal only", HostOnly: "host only", AmountDiffers: "amount differs",
	ReversedAtHost: "reversed at host", TypeDiffers: "type differs",
}

func (k DiffKind) String() string {
	if n, ok := diffNames[k]; ok {
		return n
	}
	return fmt.Sprintf("DiffKind(%q)", rune(k))
}

// MarshalText implements encoding.TextMarshaler ("host only", …).
func (k DiffKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

func (b *Batch) hostTotals() Totals {
	var t Totals
	for _, x := range b.txns {
		if !x.counted() {
			continue
		}
		switch {
		case x.Kind == KindSale || x.Kind == KindCompletion:
			t.DebitsCount++
			t.DebitsAmount += x.Amount
		case x.Kind == KindRefund:
			t.CreditsCount++
			t.CreditsAmount += x.Amount
		case x.Orig.Kind == KindSale:
			t.DebitReversalsCount++
			t.DebitReversalsAmount += x.Amount
		default:
			t.CreditReversalsCount++
			t.CreditReversalsAmount += x.Amount
		}
	}
	return t
}

func (b *Batch) view() Batch {
	v := Batch{Terminal: b.Terminal, Number: b.Number, State: b.State, Opened: b.Opened, Closed: b.Closed,
		Host: b.hostTotals(), Report: b.Report}
	if b.Report != nil {
		v.Host = b.Report.Host
	}
	v.Txns = make([]TxnView, len(b.txns))
	for i, x := range b.txns {
		v.Txns[i] = x.view()
	}
	v.Uploads = append([]Record(nil), b.uploads...)
	return v
}

// settle implements 0500. The first 0500 (Final false): balanced → 00
// and the batch closes; unbalanced → 95 and the batch waits for uploads
// (a repeated first 0500 with other totals compares again and drops the
// uploads so far). The final 0500 (after a 95) closes the batch with a
// difference report and answers 00; without a 95 before it answers 12.
func (l *Ledger) settle(t *terminal, req Request) Result {
	b := t.cur
	host := b.hostTotals()
	res := Result{Code: hostproto.RCApproved, Host: host, Batch: b.Number}
	switch {
	case !req.Final:
		b.terminal = req.Totals
		b.uploads = nil
		if req.Folded && req.Totals.folded() != host.folded() || !req.Folded && req.Totals != host {
			b.State = BatchUploading
			res.Code = hostproto.RCReconcileError
			return res
		}
		l.close(t, &Settlement{Balanced: true, Terminal: req.Totals, Host: host, Differences: []Difference{}})
	case b.State == BatchUploading:
		rep := &Settlement{Terminal: b.terminal, Host: host, Uploaded: len(b.uploads), Differences: diff(b)}
		res.Diffs = rep.Differences
		l.close(t, rep)
	default:
		res.Code = hostproto.RCInvalidTransaction
	}
	return res
}

// folded returns t with debits and credits only, as the cup profile's
// field 48 carries them: voids of sales are credits, voids of refunds debits.
func (t Totals) folded() Totals {
	return Totals{
		DebitsCount: t.DebitsCount + t.CreditReversalsCount, DebitsAmount: t.DebitsAmount + t.CreditReversalsAmount,
		CreditsCount: t.CreditsCount + t.DebitReversalsCount, CreditsAmount: t.CreditsAmount + t.DebitReversalsAmount,
	}
}

func (l *Ledger) close(t *terminal, rep *Settlement) {
	b := t.cur
	b.State = BatchClosed
	b.Closed = l.now()
	b.Report = rep
	t.closed = append(t.closed, b)
	t.cur = &Batch{Terminal: t.id, Number: b.Number + 1, Opened: l.now(), State: BatchOpen}
	// Keep duplicate detection for this batch and the one before it.
	t.dedupe[1] = t.dedupe[0]
	t.dedupe[0] = map[dedupeKey]dedupeEntry{}
	// Tombstones of reversals made before the batch just closed expire;
	// those of the batch just closed stay for one more batch.
	for stan, n := range t.early {
		if n < b.Number {
			delete(t.early, stan)
		}
	}
	if n := len(t.closed) - l.keep; l.keep >= 0 && n > 0 {
		l.drop(t, t.closed[:n])
		t.closed = append([]*Batch(nil), t.closed[n:]...)
	}
}

// drop forgets the transactions of batches that left the terminal's
// window: they are no longer found by RRN or STAN, listed or counted.
// A transaction in the window may still point at a dropped original.
func (l *Ledger) drop(t *terminal, old []*Batch) {
	for _, b := range old {
		for _, x := range b.txns {
			x.dropped = true
			if l.byRRN[x.RRN] == x {
				delete(l.byRRN, x.RRN)
			}
			if t.fin[x.STAN] == x {
				delete(t.fin, x.STAN)
			}
		}
		t.dropped += len(b.txns)
	}
	kept := l.txns[:0]
	for _, x := range l.txns {
		if !x.dropped {
			kept = append(kept, x)
		}
	}
	clear(l.txns[len(kept):])
	l.txns = kept
	if cap(l.txns) > 1024 && len(l.txns) < cap(l.txns)/4 {
		l.txns = append([]*Txn(nil), l.txns...)
	}
}

// upload records a 0320's records. Uploads are accepted (00) while the
// batch waits for them (after a 95), and answered 12 otherwise.
func (l *Ledger) upload(t *terminal, req Request) Result {
	if t.cur.State != BatchUploading {
		return Result{Code: hostproto.RCInvalidTransaction, Batch: t.cur.Number}
	}
	t.cur.uploads = append(t.cur.uploads, req.Records...)
	return Result{Code: hostproto.RCApproved, Batch: t.cur.Number}
}

// diff compares the uploads with the batch's transactions, by STAN.
func diff(b *Batch) []Difference {
	out := []Difference{}
	host := map[string]*Txn{}
	for _, x := range b.txns {
		if x.Kind == KindSale || x.Kind == KindRefund || x.Kind == KindVoid || x.Kind == KindCompletion {
			host[x.STAN] = x
		}
	}
	seen := map[string]bool{}
	for _, u := range b.uploads {
		if seen[u.STAN] {
			continue
		}
		seen[u.STAN] = true
		x, ok := host[u.STAN]
		d := Difference{STAN: u.STAN, RRN: u.RRN, Type: u.Type, TerminalAmount: u.Amount, HostState: "missing"}
		switch {
		case !ok:
			d.Kind = TerminalOnly
		case !x.counted():
			d.Kind, d.RRN, d.HostState = ReversedAtHost, x.RRN, x.State.String()
		case u.Type != 0 && x.Kind != u.Type: // cup records carry no type
			d.Kind, d.RRN, d.HostState, d.HostAmount = TypeDiffers, x.RRN, x.State.String(), x.Amount
		case x.Amount != u.Amount:
			d.Kind, d.RRN, d.HostState, d.HostAmount = AmountDiffers, x.RRN, x.State.String(), x.Amount
		default:
			continue
		}
		out = append(out, d)
	}
	for _, x := range b.txns {
		if x.counted() && !seen[x.STAN] {
			out = append(out, Difference{STAN: x.STAN, RRN: x.RRN, Type: x.Kind, Kind: HostOnly, HostAmount: x.Amount, HostState: x.State.String()})
		}
	}
	return out
}

// Batches returns a terminal's batches in the window (see
// LedgerOptions.KeepBatches), closed ones first (oldest first), the open
// one last.
func (l *Ledger) Batches(terminal string) ([]Batch, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.terminals[terminal]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownTerminal, terminal)
	}
	out := make([]Batch, 0, len(t.closed)+1)
	for _, b := range t.closed {
		out = append(out, b.view())
	}
	return append(out, t.cur.view()), nil
}

// Terminals lists the terminal ids the ledger has seen, in no order.
func (l *Ledger) Terminals() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.terminals))
	for id := range l.terminals {
		out = append(out, id)
	}
	return out
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *BatchState) UnmarshalText(b []byte) error {
	return parseName(b, batchStateNames[:], (*int)(s), "batch state")
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *DiffKind) UnmarshalText(b []byte) error {
	for v, n := range diffNames {
		if n == string(b) {
			*k = v
			return nil
		}
	}
	return fmt.Errorf("acquirer: unknown difference kind %q", b)
}
