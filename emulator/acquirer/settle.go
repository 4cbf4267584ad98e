package acquirer

import (
	"fmt"
	"time"
)

// BatchState is where a terminal's batch is in settlement.
type BatchState int

const (
	BatchOpen      BatchState = iota + 1 // taking transactions
	BatchUploading                       // settlement answered 95; waiting for 0320 uploads and the closing 0500
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
	Uploads  []Upload    `json:"uploads,omitempty"`
	Report   *Settlement `json:"report,omitempty"` // set once closed

	txns     []*Txn
	uploads  []Upload
	terminal Totals // the totals of the first 0500
}

// Upload is one transaction the terminal listed in a 0320 batch upload.
type Upload struct {
	STAN   string `json:"stan"`
	Type   Kind   `json:"type"`
	Amount int64  `json:"amount"`
	Card   string `json:"card"` // masked
}

// Settlement is the report attached to a closed batch.
type Settlement struct {
	Balanced bool   `json:"balanced"` // the first 0500 matched the host's totals
	Terminal Totals `json:"terminal"` // the terminal's totals in its first 0500
	Host     Totals `json:"host"`     // the host's totals at close
	Uploaded int    `json:"uploaded"` // 0320 messages received
	// Differences compares the uploaded transactions with the host's,
	// one entry per transaction that differs. Empty when balanced.
	Differences []Difference `json:"differences"`
}

// Difference is one transaction on which terminal and host disagree.
type Difference struct {
	STAN           string `json:"stan"`
	RRN            string `json:"rrn,omitempty"`
	Type           Kind   `json:"type"`
	HostAmount     int64  `json:"host_amount"`     // 0 if the host has no standing transaction
	TerminalAmount int64  `json:"terminal_amount"` // 0 if the terminal did not upload it
	HostState      string `json:"host_state"`      // approved, declined, voided, reversed or "missing"
	Reason         string `json:"reason"`
}

// Difference reasons.
const (
	DiffMissingAtTerminal = "missing at terminal"  // the host holds it standing, the terminal did not upload it
	DiffMissingAtHost     = "missing at host"      // uploaded, but the host has no such transaction
	DiffNotStanding       = "not standing at host" // uploaded, but the host declined, voided or reversed it
	DiffAmount            = "amount differs"
	DiffType              = "type differs"
)

func (b *Batch) hostTotals() Totals {
	var t Totals
	for _, x := range b.txns {
		if !x.standing() {
			continue
		}
		if x.Kind == KindSale {
			t.DebitsCount++
			t.DebitsAmount += x.Amount
		} else {
			t.CreditsCount++
			t.CreditsAmount += x.Amount
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
	v.Uploads = append([]Upload(nil), b.uploads...)
	return v
}

// settle implements 0500: balanced → 00 and close; unbalanced → 95 and
// wait for uploads; the 0500 after a 95 closes with a difference report
// and answers 00.
func (l *Ledger) settle(t *terminal, req Request) Result {
	b := t.cur
	host := b.hostTotals()
	res := Result{Code: CodeApproved, Host: host}
	switch b.State {
	case BatchOpen:
		b.terminal = req.Totals
		if req.Totals != host {
			b.State = BatchUploading
			res.Code = CodeReconcileError
			return res
		}
		l.close(t, &Settlement{Balanced: true, Terminal: req.Totals, Host: host, Differences: []Difference{}})
	case BatchUploading:
		l.close(t, &Settlement{Terminal: b.terminal, Host: host, Uploaded: len(b.uploads), Differences: diff(b)})
	}
	return res
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
}

// upload records one 0320. Uploads are accepted (00) while the batch
// waits for them, and answered 12 otherwise.
func (l *Ledger) upload(t *terminal, req Request) Result {
	if t.cur.State != BatchUploading {
		return Result{Code: CodeInvalidTxn}
	}
	stan := req.OrigSTAN
	if stan == "" {
		stan = req.STAN
	}
	kind := req.UploadKind
	if kind == 0 {
		kind = KindSale
	}
	t.cur.uploads = append(t.cur.uploads, Upload{STAN: stan, Type: kind, Amount: req.Amount, Card: MaskPAN(req.PAN)})
	return Result{Code: CodeApproved}
}

// diff compares the uploads with the batch's transactions, by STAN.
func diff(b *Batch) []Difference {
	out := []Difference{}
	host := map[string]*Txn{}
	for _, x := range b.txns {
		if x.Kind == KindSale || x.Kind == KindRefund {
			host[x.STAN] = x
		}
	}
	seen := map[string]bool{}
	for _, u := range b.uploads {
		seen[u.STAN] = true
		x, ok := host[u.STAN]
		switch {
		case !ok:
			out = append(out, Difference{STAN: u.STAN, Type: u.Type, TerminalAmount: u.Amount, HostState: "missing", Reason: DiffMissingAtHost})
		case !x.standing():
			out = append(out, Difference{STAN: u.STAN, RRN: x.RRN, Type: x.Kind, TerminalAmount: u.Amount, HostState: x.State.String(), Reason: DiffNotStanding})
		case x.Kind != u.Type:
			out = append(out, Difference{STAN: u.STAN, RRN: x.RRN, Type: x.Kind, HostAmount: x.Amount, TerminalAmount: u.Amount, HostState: x.State.String(), Reason: DiffType})
		case x.Amount != u.Amount:
			out = append(out, Difference{STAN: u.STAN, RRN: x.RRN, Type: x.Kind, HostAmount: x.Amount, TerminalAmount: u.Amount, HostState: x.State.String(), Reason: DiffAmount})
		}
	}
	for _, x := range b.txns {
		if x.standing() && !seen[x.STAN] {
			out = append(out, Difference{STAN: x.STAN, RRN: x.RRN, Type: x.Kind, HostAmount: x.Amount, HostState: x.State.String(), Reason: DiffMissingAtTerminal})
		}
	}
	return out
}

// Batches returns a terminal's batches, closed ones first (oldest
// first), the open one last.
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
