package posclient

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Kind is the type of a transaction.
type Kind string

// Transaction kinds.
const (
	KindSale   Kind = "sale"
	KindRefund Kind = "refund" // partial refund of an approved sale, to the same card
	KindVoid   Kind = "void"   // full cancellation of an approved sale of the open batch
	// KindSettlement rows record a settlement's messages; they are never
	// reversed or counted.
	KindSettlement Kind = "settlement"
)

// Financial reports whether k moves money (sale, refund, void, and the
// pre-authorization kinds of preauth.go): the kinds that are reversed,
// printed and looked up.
func (k Kind) Financial() bool {
	return k == KindSale || k == KindRefund || k == KindVoid || k.preAuth()
}

// State is where a transaction is in its lifecycle. See the package
// documentation for the diagram.
type State string

// Transaction states.
const (
	StateCreated        State = "created"         // in memory only
	StateJournaled      State = "journaled"       // persisted with its reversal intent; request not yet sent
	StateSent           State = "sent"            // request written to the host; awaiting the answer
	StateApproved       State = "approved"        // host answered 00
	StateDeclined       State = "declined"        // host answered with another code
	StateFailed         State = "failed"          // never left the terminal (dial failed); nothing to reverse
	StateInDoubt        State = "in_doubt"        // sent, no usable answer (timeout, garbage, dropped connection)
	StateReversalQueued State = "reversal_queued" // reversal persisted, waiting to be sent
	StateReversalSent   State = "reversal_sent"   // 0400/0401 written, awaiting 0410
	StateReversed       State = "reversed"        // host acknowledged the reversal
	StateUnresolved     State = "unresolved"      // reversal tries exhausted: operator must act
)

// Final reports whether no further host exchange will happen for the
// transaction (its receipt may still be owed).
func (s State) Final() bool {
	switch s {
	case StateApproved, StateDeclined, StateFailed, StateReversed, StateUnresolved:
		return true
	}
	return false
}

// Doubtful reports whether the outcome at the host is not known yet: the
// states that Lookup's "in doubt" filter returns.
func (s State) Doubtful() bool {
	switch s {
	case StateJournaled, StateSent, StateInDoubt, StateReversalQueued, StateReversalSent, StateUnresolved:
		return true
	}
	return false
}

// ReversalPending reports whether a reversal is still to be delivered.
func (s State) ReversalPending() bool {
	return s == StateInDoubt || s == StateReversalQueued || s == StateReversalSent
}

// ReceiptState is the state of the customer receipt of a transaction.
type ReceiptState string

// Receipt states.
const (
	ReceiptNone       ReceiptState = ""          // no receipt due (not approved)
	ReceiptPrinting   ReceiptState = "printing"  // job sent to the printer, not confirmed yet
	ReceiptPrinted    ReceiptState = "printed"   // the printer confirmed the job
	ReceiptOwed       ReceiptState = "owed"      // due but not delivered: shown to the operator, printed by Recover/Reprint
	ReceiptElectronic ReceiptState = "e-receipt" // delivered to the e-receipt sink
)

// Card is how a card is kept: never the full number.
type Card struct {
	Masked string `json:"masked"` // first 6 and last 4 digits, the rest '*'
	Last4  string `json:"last4"`
	Token  string `json:"token"` // hex HMAC-SHA256 of the PAN under the terminal key
}

// NewCard masks pan and derives its token with key. It does not keep pan.
func NewCard(pan string, key []byte) Card {
	return Card{Masked: MaskPAN(pan), Last4: last4(pan), Token: CardToken(key, pan)}
}

// SameAs reports whether c and o are the same card (same token).
func (c Card) SameAs(o Card) bool {
	return c.Token != "" && hmac.Equal([]byte(c.Token), []byte(o.Token))
}

// MaskPAN keeps at most the first 6 and last 4 digits of pan. Numbers of 10
// digits or fewer keep only their last 4.
func MaskPAN(pan string) string {
	n := len(pan)
	switch {
	case n == 0:
		return ""
	case n <= 4:
		return strings.Repeat("*", n)
	case n <= 10:
		return strings.Repeat("*", n-4) + pan[n-4:]
	}
	return pan[:6] + strings.Repeat("*", n-10) + pan[n-4:]
}

func last4(pan string) string {
	if len(pan) < 8 {
		return ""
	}
	return pan[len(pan)-4:]
}

// CardToken is the keyed token of a card number: hex HMAC-SHA256(key, pan).
// The same card under the same key always gives the same token, so "same
// card" can be checked without keeping the number.
func CardToken(key []byte, pan string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(pan))
	return hex.EncodeToString(m.Sum(nil))
}

// Txn is the journaled record of one transaction. The journal keeps the
// latest Txn per Ref plus one event row per change.
type Txn struct {
	Ref        string       `json:"ref"`  // terminal reference: batch and STAN, "000001-000042"
	Kind       Kind         `json:"kind"` // sale, refund, void
	TerminalID string       `json:"terminal_id"`
	MerchantID string       `json:"merchant_id,omitempty"`
	Amount     int64        `json:"amount"` // minor units
	Currency   string       `json:"currency"`
	Card       Card         `json:"card"`
	OrigRef    string       `json:"orig_ref,omitempty"` // refund and void: the original sale
	STAN       uint32       `json:"stan"`
	Batch      uint32       `json:"batch"`
	State      State        `json:"state"`
	Receipt    ReceiptState `json:"receipt,omitempty"`
	// ReceiptMode is how the receipt is to be delivered: printed (default)
	// or electronic when the printer was not ready before the sale.
	ReceiptMode ReceiptState `json:"receipt_mode,omitempty"`
	Copies      int          `json:"copies,omitempty"` // duplicates printed by Reprint
	// Interrupted is set once a print of the customer receipt may have
	// come out without being confirmed (a crash mid-print or between the
	// cut and the journal write, a lost confirmation): every later print of
	// it is marked "REPRINT - PRINTING WAS INTERRUPTED", so the customer
	// never holds two unmarked originals.
	Interrupted bool `json:"interrupted,omitempty"`
	// EReceiptTry is set while an e-receipt has been handed to the sink
	// and its outcome is not journaled: a crash or a failed journal write
	// there leaves the customer maybe holding it, so what is delivered
	// later is marked as interrupted.
	EReceiptTry bool `json:"e_receipt_try,omitempty"`

	ResponseCode string    `json:"response_code,omitempty"`
	RRN          string    `json:"rrn,omitempty"`
	AuthCode     string    `json:"auth_code,omitempty"`
	LocalTime    time.Time `json:"local_time"` // DE12/13 of the request

	ReversalReason   string    `json:"reversal_reason,omitempty"` // DE39 of the 0400: 98 no response, 06 other
	ReversalSTAN     uint32    `json:"reversal_stan,omitempty"`   // DE11 of the 0400, kept by its repeats
	ReversalAttempts int       `json:"reversal_attempts,omitempty"`
	NextReversalAt   time.Time `json:"next_reversal_at,omitzero"`
	ReversalCode     string    `json:"reversal_code,omitempty"` // DE39 of the 0410
	// LateCode is the response code of an answer that arrived after the
	// transaction was already in doubt (a late approval is "00").
	LateCode string `json:"late_code,omitempty"`
	Settled  bool   `json:"settled,omitempty"`

	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Charged reports whether the transaction stands at the host as far as the
// terminal knows: approved and not reversed.
func (t Txn) Charged() bool { return t.State == StateApproved }
