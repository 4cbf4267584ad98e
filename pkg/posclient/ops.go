package posclient

import (
	"context"
	"errors"
	"fmt"

	"github.com/poshil/hil/pkg/hostproto"
)

// Lookup returns the transactions matching q, oldest first (S3, S5, S9):
// by reference, time range, amount, card last 4, or state — see
// QueryReceiptOwed, QueryInDoubt and QueryReversalPending. Settlement rows
// are left out unless q.Kind asks for them.
func (t *Terminal) Lookup(ctx context.Context, q Query) ([]Result, error) {
	txns, err := t.j.Find(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]Result, 0, len(txns))
	for _, tx := range txns {
		if !tx.Kind.Financial() && q.Kind != tx.Kind {
			continue
		}
		out = append(out, ResultOf(tx))
	}
	return out, nil
}

// History returns the journal rows of one transaction: every state change
// and the (masked) messages exchanged for it.
func (t *Terminal) History(ctx context.Context, ref string) ([]Entry, error) {
	return t.j.History(ctx, ref)
}

// PrinterStatus asks the printer whether it can print now.
func (t *Terminal) PrinterStatus(ctx context.Context) (PrinterState, error) {
	if t.cfg.Printer == nil {
		return PrinterState{}, ErrNoPrinter
	}
	if err := t.cfg.Printer.Ready(ctx); err != nil {
		return PrinterState{Ready: false, Reason: err.Error()}, nil
	}
	return PrinterState{Ready: true}, nil
}

// recoveryPolicy is the policy for receipts printed after the fact: the
// customer may be gone, so a failure never reverses.
func (t *Terminal) recoveryPolicy() Policy {
	p := t.cfg.Policy
	p.ReverseOnPrintFailure = false
	p.EReceiptFallback = t.cfg.EReceipt != nil
	return p
}

// Reprint prints the customer receipt of ref again, or of the last approved
// transaction when ref is "". An owed receipt is printed as the original
// (it never came out); a delivered one is printed as a duplicate, marked
// "DUPLICATE #n" (重印), and the copy count is journaled.
func (t *Terminal) Reprint(ctx context.Context, ref string) (Result, error) {
	ctx, done, err := t.begin(ctx)
	if err != nil {
		return Result{}, err
	}
	defer done()
	var tx Txn
	if ref == "" {
		all, err := t.j.Find(ctx, Query{States: []State{StateApproved}})
		if err != nil {
			return Result{}, err
		}
		for i := len(all) - 1; i >= 0; i-- {
			if all[i].Kind.Financial() {
				tx = all[i]
				break
			}
		}
		if tx.Ref == "" {
			return Result{}, fmt.Errorf("%w: no approved transaction to reprint", ErrNotFound)
		}
	} else if tx, err = t.j.Get(ctx, ref); err != nil {
		return Result{}, err
	}
	if tx.State != StateApproved || !tx.Kind.Financial() {
		return Result{}, fmt.Errorf("%w: %s is %s: no receipt to print", ErrNotFound, tx.Ref, tx.State)
	}
	m := NewMachine(tx, t.recoveryPolicy())
	if tx.Receipt == ReceiptOwed || tx.Receipt == ReceiptPrinting {
		if err := t.deliverOwed(ctx, m); err != nil {
			return ResultOf(m.Txn()), err
		}
		if m.Txn().Receipt != ReceiptPrinted && m.Txn().Receipt != ReceiptElectronic {
			return ResultOf(m.Txn()), fmt.Errorf("posclient: owed receipt of %s still not delivered", tx.Ref)
		}
		return ResultOf(m.Txn()), nil
	}
	if t.cfg.Printer == nil {
		return ResultOf(tx), ErrNoPrinter
	}
	job, err := t.receiptJob(ctx, tx, tx.Copies+1)
	if err != nil {
		return ResultOf(tx), err
	}
	if err := t.cfg.Printer.Print(ctx, job); err != nil {
		return ResultOf(tx), &wrapError{"duplicate of " + tx.Ref + " not confirmed", err}
	}
	if err := t.run(ctx, m, nil, Event{Type: EvReprinted, At: t.cfg.Now()}, nil); err != nil {
		return ResultOf(m.Txn()), err
	}
	return ResultOf(m.Txn()), nil
}

// deliverOwed prints an owed receipt (or hands it to the e-receipt sink
// when there is no printer).
func (t *Terminal) deliverOwed(ctx context.Context, m *Machine) error {
	if t.cfg.Printer != nil {
		return t.run(ctx, m, nil, Event{Type: EvPrintOwed, At: t.cfg.Now()}, nil)
	}
	if t.cfg.EReceipt == nil {
		return ErrNoPrinter
	}
	// Journaled before the sink is called; marked if an earlier print or
	// e-receipt of it may have reached the customer.
	return t.run(ctx, m, nil, Event{Type: EvEReceiptOwed, At: t.cfg.Now()}, nil)
}

// RecoverReport says what Recover did.
type RecoverReport struct {
	Reversed   []string `json:"reversed"`   // reversals acknowledged now
	Unresolved []string `json:"unresolved"` // reversals that ran out of tries: call the acquirer
	Printed    []string `json:"printed"`    // owed receipts delivered now (paper or e-receipt)
	Owed       []string `json:"owed"`       // receipts still owed
	Pending    []string `json:"pending"`    // reversals still queued (host unreachable)
}

// Recover finishes what a crash or an outage left: transactions journaled
// or sent without an answer are reversed, queued reversals are sent, owed
// receipts are printed once. Run it at start and whenever the operator
// asks. It returns an error wrapping ErrReversalPending when the host
// cannot be reached (the report is still filled in) and fails only on
// journal errors before that.
func (t *Terminal) Recover(ctx context.Context) (RecoverReport, error) {
	var rep RecoverReport
	ctx, done, err := t.begin(ctx)
	if err != nil {
		return rep, err
	}
	defer done()
	doubt, err := t.j.Find(ctx, QueryInDoubt)
	if err != nil {
		return rep, err
	}
	for _, tx := range doubt {
		if !tx.Kind.Financial() {
			continue
		}
		m := NewMachine(tx, t.cfg.Policy)
		switch tx.State {
		case StateJournaled, StateSent:
			err = t.run(ctx, m, nil, Event{Type: EvRecoverInDoubt, At: t.cfg.Now(), Reason: "found " + string(tx.State) + " at recovery"}, nil)
		}
		if err != nil {
			return rep, err
		}
	}
	hostErr := t.drainReversals(ctx)
	if hostErr != nil && !errors.Is(hostErr, ErrReversalPending) {
		return rep, hostErr
	}
	for _, tx := range doubt {
		if !tx.Kind.Financial() {
			continue
		}
		now, err := t.j.Get(ctx, tx.Ref)
		if err != nil {
			return rep, err
		}
		switch {
		case now.State == StateReversed && tx.State != StateReversed:
			rep.Reversed = append(rep.Reversed, tx.Ref)
		case now.State == StateUnresolved:
			rep.Unresolved = append(rep.Unresolved, tx.Ref)
		case now.State.ReversalPending():
			rep.Pending = append(rep.Pending, tx.Ref)
		}
	}
	owed, err := t.j.Find(ctx, QueryReceiptOwed)
	if err != nil {
		return rep, err
	}
	for _, tx := range owed {
		m := NewMachine(tx, t.recoveryPolicy())
		if err := t.deliverOwed(ctx, m); err != nil && !errors.Is(err, ErrNoPrinter) {
			return rep, err
		}
		if r := m.Txn().Receipt; r == ReceiptPrinted || r == ReceiptElectronic {
			rep.Printed = append(rep.Printed, tx.Ref)
		} else {
			rep.Owed = append(rep.Owed, tx.Ref)
		}
	}
	return rep, hostErr
}

// SettleReport is the outcome of Settle, transaction by transaction.
type SettleReport struct {
	Batch        uint32       `json:"batch"`
	NextBatch    uint32       `json:"next_batch"`
	Balanced     bool         `json:"balanced"` // the first 0500 matched the host
	Terminal     BatchTotals  `json:"terminal_totals"`
	Host         *BatchTotals `json:"host_totals,omitempty"` // the host's totals when they differed
	Uploaded     int          `json:"uploaded"`              // records sent in 0320s
	Transactions []Result     `json:"transactions"`          // the batch as the terminal has it
	Differences  []Difference `json:"differences,omitempty"`
}

// Difference is one transaction on which terminal and host disagree.
type Difference struct {
	Ref            string `json:"ref,omitempty"` // the terminal's reference, when known
	STAN           uint32 `json:"stan"`
	RRN            string `json:"rrn,omitempty"`
	Kind           string `json:"kind"` // terminal only, host only, amount differs, …
	TerminalAmount int64  `json:"terminal_amount"`
	HostAmount     int64  `json:"host_amount"`
}

// Settle closes the batch: pending reversals first, then a 0500 with the
// terminal's totals. If the host answers 95 (unbalanced), every approved
// transaction is uploaded (0320) and a final 0500 closes the batch; the
// host's difference report comes back transaction by transaction.
func (t *Terminal) Settle(ctx context.Context) (SettleReport, error) {
	var rep SettleReport
	ctx, done, err := t.begin(ctx)
	if err != nil {
		return rep, err
	}
	defer done()
	if err := t.drainReversals(ctx); err != nil {
		return rep, err
	}
	batch, err := t.j.Batch(ctx, t.cfg.TerminalID)
	if err != nil {
		return rep, err
	}
	txns, err := t.j.Find(ctx, Query{Batch: batch, Unsettled: true})
	if err != nil {
		return rep, err
	}
	var mine []Txn
	for _, tx := range txns {
		if tx.Kind.Financial() && tx.TerminalID == t.cfg.TerminalID {
			mine = append(mine, tx)
			rep.Transactions = append(rep.Transactions, ResultOf(tx))
		}
	}
	rep.Batch, rep.Terminal = batch, Totals(mine)
	if err := t.connect(ctx); err != nil {
		return rep, err
	}
	now := t.cfg.Now()
	m := NewMachine(Txn{Ref: fmt.Sprintf("settle-%06d", batch), Kind: KindSettlement, TerminalID: t.cfg.TerminalID,
		MerchantID: t.cfg.MerchantID, Batch: batch, Currency: t.cfg.Currency, LocalTime: now}, t.cfg.Policy)
	s := &settling{totals: rep.Terminal, chunks: t.uploadChunks(mine)}
	err = t.run(ctx, m, &exchange{settle: s}, Event{Type: EvSettle, At: now, Chunks: len(s.chunks)}, nil)
	if s.first != nil {
		rep.Balanced = s.first.ResponseCode == hostproto.RCApproved
		if ht := s.first.HostTotals; ht != nil {
			h := fromHostTotals(*ht)
			rep.Host = &h
		}
	}
	rep.Uploaded = s.uploaded
	if err != nil {
		return rep, err
	}
	if m.Txn().State != StateApproved {
		return rep, s.refused
	}
	if s.final != nil {
		byStan := map[uint32]string{}
		for _, tx := range mine {
			byStan[tx.STAN] = tx.Ref
		}
		for _, d := range s.final.Differences {
			rep.Differences = append(rep.Differences, Difference{Ref: byStan[uint32(d.STAN)], STAN: uint32(d.STAN), RRN: d.RRN,
				Kind: d.Kind.String()[2:], TerminalAmount: int64(d.TerminalAmount), HostAmount: int64(d.HostAmount)})
		}
	}
	rep.NextBatch = s.nextBatch
	return rep, nil
}

// settlementRequest is the 0500 of a settlement row: the terminal's
// totals, and after the upload the number of records sent (the cup
// profile carries it).
func (t *Terminal) settlementRequest(row Txn, final bool, s *settling) *hostproto.SettlementRequest {
	pc, uploaded := hostproto.ProcSettle, 0
	if final {
		pc, uploaded = hostproto.ProcSettleAfterUpload, s.uploaded
	}
	return &hostproto.SettlementRequest{ProcessingCode: pc, Times: hostproto.TimesAt(t.cfg.Now()), STAN: hostproto.STAN(row.STAN),
		TerminalID: t.cfg.TerminalID, MerchantID: t.cfg.MerchantID, Currency: currencyNumeric[t.cfg.Currency],
		Batch: hostproto.BatchNumber(row.Batch), Totals: toHostTotals(s.totals), UploadCount: uploaded}
}

// uploadChunks is the batch upload of txns: their approved, counted
// transactions, as many to a 0320 as the profile allows.
func (t *Terminal) uploadChunks(txns []Txn) [][]hostproto.BatchRecord {
	var recs []hostproto.BatchRecord
	for _, tx := range txns {
		if tx.State == StateApproved && tx.Kind.counted() {
			recs = append(recs, hostproto.BatchRecord{STAN: hostproto.STAN(tx.STAN), ProcessingCode: procOf(tx.Kind),
				Amount: hostproto.Amount(tx.Amount), RRN: tx.RRN, AuthCode: tx.AuthCode})
		}
	}
	per := max(t.cfg.Profile.Rules().MaxBatchRecords, 1)
	var chunks [][]hostproto.BatchRecord
	for start := 0; start < len(recs); start += per {
		chunks = append(chunks, recs[start:min(start+per, len(recs))])
	}
	return chunks
}

func toHostTotals(b BatchTotals) hostproto.Totals {
	return hostproto.Totals{
		DebitCount: b.DebitCount, DebitAmount: hostproto.Amount(b.DebitAmount),
		DebitReversalCount: b.DebitReversalCount, DebitReversalAmount: hostproto.Amount(b.DebitReversalAmount),
		CreditCount: b.CreditCount, CreditAmount: hostproto.Amount(b.CreditAmount),
	}.WithNet()
}

func fromHostTotals(h hostproto.Totals) BatchTotals {
	return BatchTotals{
		DebitCount: h.DebitCount, DebitAmount: int64(h.DebitAmount),
		DebitReversalCount: h.DebitReversalCount, DebitReversalAmount: int64(h.DebitReversalAmount),
		CreditCount: h.CreditCount, CreditAmount: int64(h.CreditAmount),
	}
}
