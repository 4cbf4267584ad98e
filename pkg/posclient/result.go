package posclient

import (
	"fmt"
	"time"
)

// Result is the outcome of a Sale, Refund or Void. A decline is a result
// (State declined, ResponseCode ≠ "00"), not an error.
type Result struct {
	Ref          string       `json:"ref"`
	Kind         Kind         `json:"kind"`
	State        State        `json:"state"`
	ResponseCode string       `json:"response_code"`
	RRN          string       `json:"rrn"`
	AuthCode     string       `json:"auth_code"`
	Amount       int64        `json:"amount"` // minor units
	Currency     string       `json:"currency"`
	Card         string       `json:"card"` // masked
	OrigRef      string       `json:"orig_ref,omitempty"`
	STAN         uint32       `json:"stan"`
	Batch        uint32       `json:"batch"`
	Receipt      ReceiptState `json:"receipt"`          // printed, owed, e-receipt; empty when none is due
	Copies       int          `json:"copies,omitempty"` // duplicates printed so far
	Time         time.Time    `json:"time"`
}

// Approved reports whether the host approved the transaction and it stands.
func (r Result) Approved() bool { return r.State == StateApproved }

// ResultOf returns the Result view of a journaled transaction.
func ResultOf(t Txn) Result {
	return Result{Ref: t.Ref, Kind: t.Kind, State: t.State, ResponseCode: t.ResponseCode, RRN: t.RRN,
		AuthCode: t.AuthCode, Amount: t.Amount, Currency: t.Currency, Card: t.Card.Masked, OrigRef: t.OrigRef,
		STAN: t.STAN, Batch: t.Batch, Receipt: t.Receipt, Copies: t.Copies, Time: t.Created}
}

// InDoubtError is returned with a Result when the host did not give a
// usable answer (timeout, malformed answer, dropped connection after the
// request left). The transaction was reversed, or its reversal is queued
// (Result.State says which); it never stands as a charge unknown to the
// terminal.
type InDoubtError struct {
	Ref   string
	State State // state after the reversal attempt
	Err   error // the cause: ErrTimeout, a *HostError, …
}

func (e *InDoubtError) Error() string { return "posclient: " + e.bare() }

func (e *InDoubtError) bare() string {
	return fmt.Sprintf("%s in doubt (%s): %s", e.Ref, e.State, bare(e.Err))
}

// Unwrap returns the cause.
func (e *InDoubtError) Unwrap() error { return e.Err }

// Refundable returns what is left to refund of orig given the journaled
// refunds and voids that link to it. Refunds whose outcome is not known
// yet count as taken, so that two refunds can never exceed the original.
// A voided original has nothing left.
func Refundable(orig Txn, linked []Txn) int64 {
	if orig.Kind != KindSale || orig.State != StateApproved {
		return 0
	}
	left := orig.Amount
	for _, l := range linked {
		if l.OrigRef != orig.Ref {
			continue
		}
		counts := l.State == StateApproved || l.State.Doubtful()
		switch {
		case l.Kind == KindVoid && counts:
			return 0
		case l.Kind == KindRefund && counts:
			left -= l.Amount
		}
	}
	return max(left, 0)
}

// BatchTotals are the terminal's totals of a batch as sent in the 0500
// (DE74-77, 86-89): debits are approved sales, debit reversals approved
// voids of sales, credits approved refunds. Timeout reversals do not count:
// a reversed sale is no sale.
type BatchTotals struct {
	DebitCount          int64 `json:"debit_count"`
	DebitAmount         int64 `json:"debit_amount"`
	DebitReversalCount  int64 `json:"debit_reversal_count"`
	DebitReversalAmount int64 `json:"debit_reversal_amount"`
	CreditCount         int64 `json:"credit_count"`
	CreditAmount        int64 `json:"credit_amount"`
}

// Net is debits less debit reversals less credits (DE97).
func (b BatchTotals) Net() int64 { return b.DebitAmount - b.DebitReversalAmount - b.CreditAmount }

// Totals computes the batch totals of txns (the batch's transactions, of
// any state).
func Totals(txns []Txn) BatchTotals {
	var b BatchTotals
	for _, t := range txns {
		if t.State != StateApproved {
			continue
		}
		switch t.Kind {
		case KindSale, KindCompletion:
			b.DebitCount++
			b.DebitAmount += t.Amount
		case KindVoid:
			b.DebitReversalCount++
			b.DebitReversalAmount += t.Amount
		case KindRefund:
			b.CreditCount++
			b.CreditAmount += t.Amount
		}
	}
	return b
}
