package terminal

import (
	"fmt"
	"slices"
)

// Version is the contract version a terminal names in its hello answer.
// A driver refuses a terminal speaking another major version.
const Version = 1

// Environment variables the harness sets for a terminal process.
const (
	EnvPrinterURL      = "HIL_PRINTER_URL"      // printer URL: tcp://host:port, serial:///dev/…, file://…
	EnvAcquirerAddr    = "HIL_ACQUIRER_ADDR"    // host:port of the acquirer (ISO 8583, 2-byte length header)
	EnvWorkDir         = "HIL_WORK_DIR"         // the only directory the terminal may write to (journal, logs)
	EnvTerminalID      = "HIL_TERMINAL_ID"      // DE41, 8 characters
	EnvResponseTimeout = "HIL_RESPONSE_TIMEOUT" // how long to wait for the host's answer (Go duration, e.g. 2s); optional
)

// Op is an operation the harness asks of a terminal.
type Op string

// The operations. Every terminal answers hello; the others are optional and
// listed in the hello answer's capabilities.
const (
	OpHello   Op = "hello"   // handshake: version, name, capabilities
	OpSale    Op = "sale"    // amount, card, [expiry]
	OpRefund  Op = "refund"  // ref (of the sale), amount, card
	OpVoid    Op = "void"    // ref, card
	OpSettle  Op = "settle"  // close the batch
	OpReprint Op = "reprint" // ref: print a duplicate (or the owed original)
	OpLookup  Op = "lookup"  // ref: the transaction's state as the terminal knows it now
	OpRecover Op = "recover" // reverse what is in doubt, send queued reversals, print owed receipts
	OpRestart Op = "restart" // drop memory and reload from durable state, as after a power cycle
)

// Ops lists every operation, hello first.
var Ops = []Op{OpHello, OpSale, OpRefund, OpVoid, OpSettle, OpReprint, OpLookup, OpRecover, OpRestart}

// Outcome is the first thing an answer says.
type Outcome string

// The outcomes.
const (
	Approved Outcome = "approved" // the host approved (sale, refund, void)
	Declined Outcome = "declined" // the host declined; nothing charged
	InDoubt  Outcome = "in_doubt" // no usable answer: the terminal reversed it or queued the reversal (recover: work left open)
	Refused  Outcome = "refused"  // the terminal refused before any host traffic (unsupported, bad input, not refundable, printer not ready)
	Error    Outcome = "error"    // the operation failed; nothing charged
	OK       Outcome = "ok"       // a non-financial operation (hello, settle, reprint, lookup, recover, restart) is done
)

// Receipt is the state of the customer receipt a terminal reports.
type Receipt string

// Receipt states.
const (
	ReceiptPrinted  Receipt = "printed"   // on paper
	ReceiptOwed     Receipt = "owed"      // due, not delivered yet (recover or reprint delivers it)
	ReceiptEReceipt Receipt = "e-receipt" // delivered electronically
	ReceiptNone     Receipt = "none"      // no receipt is due
)

// Request is one line on the terminal's standard input.
type Request struct {
	ID     int64  `json:"id"`               // chosen by the harness, echoed in the answer
	Op     Op     `json:"op"`               //
	Amount int64  `json:"amount,omitempty"` // minor units: sale, refund
	Card   string `json:"card,omitempty"`   // full card number: sale, refund, void (never written anywhere by a terminal)
	Expiry string `json:"expiry,omitempty"` // YYMM
	Ref    string `json:"ref,omitempty"`    // a reference the terminal gave: refund, void, reprint, lookup
}

// Response is one line on the terminal's standard output.
type Response struct {
	ID      int64   `json:"id"`
	Outcome Outcome `json:"outcome"`
	Ref     string  `json:"ref,omitempty"`     // the terminal's reference of the transaction
	RRN     string  `json:"rrn,omitempty"`     // DE37 from the host, when it answered
	Receipt Receipt `json:"receipt,omitempty"` // financial operations
	// State is what lookup found: approved, declined, reversed, voided,
	// in_doubt (reversal pending) or failed.
	State  string `json:"state,omitempty"`
	Amount int64  `json:"amount,omitempty"`
	Error  string `json:"error,omitempty"`  // for people
	Reason string `json:"reason,omitempty"` // stable, for programs: unsupported, bad_request, not_found, …
	// Hello only.
	Version      int    `json:"version,omitempty"`
	Name         string `json:"name,omitempty"`
	Capabilities []Op   `json:"capabilities,omitempty"`
	// Recover only: references reversed now, and the work still open.
	Reversed []string `json:"reversed,omitempty"`
	Open     []string `json:"open,omitempty"`
}

// Lookup states.
const (
	StateApproved = "approved"
	StateDeclined = "declined"
	StateReversed = "reversed"
	StateVoided   = "voided"
	StateInDoubt  = "in_doubt"
	StateFailed   = "failed"
)

// Supports reports whether a hello answer lists op.
func (r Response) Supports(op Op) bool { return op == OpHello || slices.Contains(r.Capabilities, op) }

// Unsupported is the answer of a terminal to an operation it does not have.
func Unsupported(id int64, op Op) Response {
	return Response{ID: id, Outcome: Refused, Reason: ReasonUnsupported, Error: fmt.Sprintf("operation %q is not supported by this terminal", op)}
}

// Reasons the contract itself defines; terminals add their own.
const (
	ReasonUnsupported = "unsupported" // the operation is not in the capabilities
	ReasonBadRequest  = "bad_request" // the line is not a valid request
	ReasonNotFound    = "not_found"   // no transaction has that reference
)

// Check reports what is wrong with a request, naming the field.
func (r Request) Check() error {
	if !slices.Contains(Ops, r.Op) {
		return fmt.Errorf("op %q: not one of %v", r.Op, Ops)
	}
	switch r.Op {
	case OpSale:
		if r.Amount <= 0 {
			return fmt.Errorf("sale: amount %d: must be positive (minor units)", r.Amount)
		}
		if r.Card == "" {
			return fmt.Errorf("sale: card missing")
		}
	case OpRefund:
		if r.Amount <= 0 || r.Ref == "" || r.Card == "" {
			return fmt.Errorf("refund: needs ref, a positive amount and card")
		}
	case OpVoid:
		if r.Ref == "" || r.Card == "" {
			return fmt.Errorf("void: needs ref and card")
		}
	case OpLookup:
		if r.Ref == "" {
			return fmt.Errorf("lookup: ref missing")
		}
	}
	if r.Expiry != "" && (len(r.Expiry) != 4 || !digits(r.Expiry)) {
		return fmt.Errorf("expiry %q: must be YYMM", r.Expiry)
	}
	return nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
