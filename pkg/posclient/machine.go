package posclient

import (
	"strconv"
	"time"

	"github.com/poshil/hil/pkg/hostproto"
)

// EventType names what happened to a transaction.
type EventType string

// Events fed to [Machine.Step]. Time always comes in the event ([Event.At]):
// the machine has no clock.
const (
	EvBegin      EventType = "begin"       // start: persist the intent, then send the request
	EvSent       EventType = "sent"        // the request was written to the host
	EvSendFailed EventType = "send-failed" // the request could not be written (Event.MaybeSent: some bytes may have left)
	EvResponse   EventType = "response"    // an answer arrived (Code, RRN, AuthCode)
	EvNoResponse EventType = "no-response" // timeout, malformed answer or dropped connection after sending (Reason)

	EvReversalDue        EventType = "reversal-due"         // the driver is ready to send the queued reversal now
	EvReversalAck        EventType = "reversal-ack"         // 0410 arrived (Code)
	EvReversalNoResponse EventType = "reversal-no-response" // the 0400/0401 went unanswered

	EvPrinted        EventType = "printed"          // the printer confirmed the receipt
	EvPrintFailed    EventType = "print-failed"     // the printer did not confirm (Reason)
	EvEReceiptSent   EventType = "e-receipt-sent"   // the e-receipt sink took the receipt
	EvEReceiptFailed EventType = "e-receipt-failed" // the e-receipt sink failed (Reason)
	EvEReceiptOwed   EventType = "e-receipt-owed"   // Recover with no printer: send the owed receipt to the sink
	EvPrintOwed      EventType = "print-owed"       // Recover/Reprint: try the owed receipt again
	EvReprinted      EventType = "reprinted"        // a duplicate was printed (Reprint)
	EvRecoverInDoubt EventType = "recover"          // Recover found the transaction journaled/sent with no outcome

	// Settlement (a Txn of KindSettlement): the first 0500, on 95 the
	// batch upload (0320s) and a final 0500, then the batch closes.
	EvSettle       EventType = "settle"        // start (Chunks: the 0320s a batch upload would take)
	EvSettleDue    EventType = "settle-due"    // the driver is ready to send the next message (STAN: its STAN)
	EvSettleAnswer EventType = "settle-answer" // a 0510 arrived (Code)
	EvUploadAck    EventType = "upload-ack"    // a 0330 arrived (Code)
)

// Event is one input to the state machine.
type Event struct {
	Type      EventType
	At        time.Time
	Code      string // EvResponse, EvReversalAck: DE39
	RRN       string // EvResponse
	AuthCode  string // EvResponse
	Reason    string // free text for the journal (why it failed)
	MaybeSent bool   // EvSendFailed: bytes may have reached the host
	// MaybePrinted: EvPrintFailed: the job reached the printer and may
	// have printed whole although it was not confirmed.
	MaybePrinted bool
	// PrinterStopped: EvPrintFailed: the printer's status showed a fault
	// (paper out, cover open, an error) while it had the job.
	PrinterStopped bool
	STAN           uint32 // EvReversalDue: a fresh STAN for the reversal (used if it has none yet); EvSettleDue: the next message's
	Chunks         int    // EvSettle: how many 0320s the batch upload takes (0: nothing to upload)
}

// ActionType names what the driver must do.
type ActionType string

// Actions returned by [Machine.Step]. The driver executes them in order and
// must not execute an action before every Persist before it is durable.
const (
	ActPersist      ActionType = "persist"       // write Action.Txn and an event row (Action.Note) to the journal
	ActSend         ActionType = "send"          // send the request (0200) for Action.Txn
	ActSendReversal ActionType = "send-reversal" // send 0400, or 0401 when Action.Repeat
	ActPrint        ActionType = "print"         // print the customer receipt
	ActEReceipt     ActionType = "e-receipt"     // deliver the receipt to the e-receipt sink
	ActWait         ActionType = "wait"          // nothing to do before Action.Until (reversal backoff)
	ActNotify       ActionType = "notify"        // tell the operator (Action.Note): unresolved, owed, late answer

	ActSettleNext     ActionType = "settle-next"     // draw a STAN for the settlement's next message, then EvSettleDue
	ActSendSettlement ActionType = "send-settlement" // send the 0500 (Action.Final: the one after the upload), await the 0510
	ActSendUpload     ActionType = "send-upload"     // send the next 0320 of the batch upload, await the 0330
	ActCloseBatch     ActionType = "close-batch"     // close the settled batch in the journal and open the next
)

// Action is one output of the state machine.
type Action struct {
	Type   ActionType
	Txn    Txn       // the transaction after the step (a copy)
	Note   string    // event row text / operator message
	Repeat bool      // ActSendReversal: this is a repeat (0401)
	Final  bool      // ActSendSettlement: the 0500 after the batch upload
	Until  time.Time // ActWait
}

// Policy holds the state machine's tunables. The zero value is usable: see
// each field's default.
type Policy struct {
	// MaxReversalAttempts bounds the 0400/0401 tries before the transaction
	// becomes unresolved. Default 5.
	MaxReversalAttempts int
	// ReversalBackoff is the wait before the second try; it doubles per
	// try up to MaxReversalBackoff. Default 1s.
	ReversalBackoff time.Duration
	// MaxReversalBackoff caps the backoff. Default 30s.
	MaxReversalBackoff time.Duration
	// ReverseOnPrintFailure reverses an approved sale whose receipt could
	// not be printed, instead of the default: the sale stands and the
	// receipt is owed.
	ReverseOnPrintFailure bool
	// EReceiptFallback sends the receipt to the e-receipt sink when
	// printing fails (the receipt stays owed until the sink takes it).
	EReceiptFallback bool
}

func (p Policy) withDefaults() Policy {
	if p.MaxReversalAttempts <= 0 {
		p.MaxReversalAttempts = 5
	}
	if p.ReversalBackoff <= 0 {
		p.ReversalBackoff = time.Second
	}
	if p.MaxReversalBackoff <= 0 {
		p.MaxReversalBackoff = 30 * time.Second
	}
	return p
}

// backoff returns the wait after the n-th failed reversal try (n ≥ 1).
func (p Policy) backoff(n int) time.Duration {
	d := p.ReversalBackoff
	for i := 1; i < n && d < p.MaxReversalBackoff; i++ {
		d *= 2
	}
	return min(d, p.MaxReversalBackoff)
}

// Machine is the pure transaction state machine: events in, actions out,
// no I/O and no clock. A Machine is not safe for concurrent use.
type Machine struct {
	t Txn
	p Policy
	s settlement // KindSettlement only
}

// settlement is where a settlement stands. It is not journaled: a
// settlement cut short is started again from the first 0500, never
// resumed.
type settlement struct {
	phase  settlePhase
	chunks int // 0320s the upload takes
	sent   int // 0320s acknowledged
}

type settlePhase int

const (
	settleFirst  settlePhase = iota // the first 0500, with the terminal's totals
	settleUpload                    // the host answered 95: the 0320s
	settleFinal                     // the 0500 after the upload
)

// NewMachine returns a machine for t (a new transaction in StateCreated, or
// one read back from the journal).
func NewMachine(t Txn, p Policy) *Machine {
	if t.State == "" {
		t.State = StateCreated
	}
	return &Machine{t: t, p: p.withDefaults()}
}

// Txn returns a copy of the transaction as it stands.
func (m *Machine) Txn() Txn { return m.t }

// Approved is the response code of an approval.
const Approved = string(hostproto.RCApproved)

// reversalDone reports whether a 0410 code ends the reversal: 00, or 25
// (the host has no such original, so nothing was charged).
func reversalDone(code string) bool {
	return code == Approved || code == string(hostproto.RCOriginalNotFound)
}

// Step applies ev and returns the actions the driver must perform, in
// order. An event that does not apply to the current state returns a
// *TransitionError and changes nothing.
func (m *Machine) Step(ev Event) ([]Action, error) {
	t := &m.t
	bad := func() ([]Action, error) {
		return nil, &TransitionError{Ref: t.Ref, State: t.State, Event: ev.Type}
	}
	var out []Action
	persist := func(note string) {
		t.Updated = ev.At
		out = append(out, Action{Type: ActPersist, Txn: *t, Note: note})
	}
	emit := func(a ActionType, note string) {
		out = append(out, Action{Type: a, Txn: *t, Note: note})
	}
	queueReversal := func(reason, note string) {
		t.ReversalReason = reason
		t.NextReversalAt = ev.At
		t.State = StateReversalQueued
		persist(note)
	}
	retryReversal := func(why string) {
		if t.ReversalAttempts >= m.p.MaxReversalAttempts {
			t.State = StateUnresolved
			t.NextReversalAt = time.Time{}
			persist("reversal unresolved after " + itoa(t.ReversalAttempts) + " tries: " + why)
			emit(ActNotify, "reversal of "+t.Ref+" unresolved: call the acquirer")
			return
		}
		t.State = StateReversalQueued
		t.NextReversalAt = ev.At.Add(m.p.backoff(t.ReversalAttempts))
		persist("reversal retry queued: " + why)
	}
	startReceipt := func() {
		if t.ReceiptMode == ReceiptElectronic {
			t.Receipt = ReceiptOwed
			t.EReceiptTry = true
			persist("approved " + t.AuthCode + "; e-receipt due")
			emit(ActEReceipt, "")
			return
		}
		t.Receipt = ReceiptPrinting
		persist("approved " + t.AuthCode + "; printing receipt")
		emit(ActPrint, "")
	}

	settling := ev.Type == EvSettle || ev.Type == EvSettleDue || ev.Type == EvSettleAnswer || ev.Type == EvUploadAck
	if settling != (t.Kind == KindSettlement) {
		return bad()
	}

	switch ev.Type {
	case EvBegin:
		if t.State != StateCreated {
			return bad()
		}
		t.Created = ev.At
		t.State = StateJournaled
		// The reversal intent is this row: from here on, Recover treats the
		// transaction as possibly charged until told otherwise.
		persist("journaled " + string(t.Kind) + " with reversal intent")
		emit(ActSend, "")

	case EvSent:
		if t.State != StateJournaled {
			return bad()
		}
		t.State = StateSent
		persist("request sent")

	case EvSendFailed:
		if t.State != StateJournaled {
			return bad()
		}
		if !ev.MaybeSent {
			t.State = StateFailed
			persist("not sent: " + ev.Reason)
			break
		}
		t.State = StateInDoubt
		persist("in doubt: send failed midway: " + ev.Reason)
		queueReversal(string(hostproto.RCError), "reversal queued")

	case EvResponse:
		switch t.State {
		case StateSent:
			t.ResponseCode, t.RRN, t.AuthCode = ev.Code, ev.RRN, ev.AuthCode
			if ev.Code != Approved {
				t.State = StateDeclined
				persist("declined " + ev.Code)
				break
			}
			t.State = StateApproved
			startReceipt()
		case StateInDoubt, StateReversalQueued, StateReversalSent, StateReversed, StateUnresolved:
			// A late answer. The reversal was decided and may already be at
			// the host, so it goes on: the charge will be undone. The late
			// code is kept as evidence and shown to the operator.
			t.LateCode = ev.Code
			persist("late response " + ev.Code + " after reversal was queued; reversal stands")
			if ev.Code == Approved {
				emit(ActNotify, "late approval of "+t.Ref+" is being reversed")
			}
		default:
			return bad()
		}

	case EvNoResponse, EvRecoverInDoubt:
		if t.State != StateSent && !(ev.Type == EvRecoverInDoubt && (t.State == StateJournaled || t.State == StateInDoubt)) {
			return bad()
		}
		if t.State != StateInDoubt {
			t.State = StateInDoubt
			persist("in doubt: " + ev.Reason)
		}
		reason := string(hostproto.RCReversalNoResponse)
		if ev.Code != "" {
			reason = ev.Code // e.g. A0: the answer's MAC failed
		}
		queueReversal(reason, "reversal queued")

	case EvReversalDue:
		if t.State != StateReversalQueued {
			return bad()
		}
		if ev.At.Before(t.NextReversalAt) {
			out = append(out, Action{Type: ActWait, Txn: *t, Until: t.NextReversalAt})
			break
		}
		t.ReversalAttempts++
		if t.ReversalSTAN == 0 {
			t.ReversalSTAN = ev.STAN
		}
		t.State = StateReversalSent
		repeat := t.ReversalAttempts > 1
		mti := "0400"
		if repeat {
			mti = "0401"
		}
		// Persisted before sending, like the request: a crash after this
		// row means the reversal may be at the host, and it is repeated.
		persist("sending reversal " + mti + " try " + itoa(t.ReversalAttempts))
		out = append(out, Action{Type: ActSendReversal, Txn: *t, Repeat: repeat})

	case EvReversalAck:
		if t.State != StateReversalSent {
			return bad()
		}
		t.ReversalCode = ev.Code
		if !reversalDone(ev.Code) {
			retryReversal("host answered " + ev.Code)
			break
		}
		t.State = StateReversed
		t.NextReversalAt = time.Time{}
		if t.Receipt == ReceiptOwed || t.Receipt == ReceiptPrinting {
			t.Receipt = ReceiptNone // nothing stands, so no receipt is owed
		}
		persist("reversed (" + ev.Code + ")")

	case EvReversalNoResponse:
		if t.State != StateReversalSent {
			return bad()
		}
		retryReversal("no answer: " + ev.Reason)

	case EvPrinted:
		if t.State != StateApproved || t.Receipt != ReceiptPrinting {
			return bad()
		}
		t.Receipt = ReceiptPrinted
		persist("receipt printed")

	case EvPrintFailed:
		if t.State != StateApproved || t.Receipt != ReceiptPrinting {
			return bad()
		}
		reverse := m.p.ReverseOnPrintFailure && t.Kind == KindSale && (!ev.MaybePrinted || ev.PrinterStopped)
		if ev.MaybePrinted && !reverse {
			// The customer may hold this receipt: whatever prints for this
			// transaction from now on is marked, and the sale is not
			// reversed under a receipt that may be in hand. The first time,
			// the marked receipt is printed at once (on a backup printer if
			// the first is not ready); if that is not confirmed either, it
			// is owed.
			if !t.Interrupted {
				t.Interrupted = true
				persist("receipt not confirmed, may have printed (" + ev.Reason + "); printing it again, marked as interrupted")
				emit(ActPrint, "")
				break
			}
			t.Receipt = ReceiptOwed
			persist("receipt not confirmed, may have printed (" + ev.Reason + "); owed, to be printed marked as interrupted")
			emit(ActNotify, "receipt of "+t.Ref+" not confirmed: "+ev.Reason)
			break
		}
		if reverse {
			t.Receipt = ReceiptNone
			t.State = StateInDoubt // not doubtful at the host, but it goes the same way
			persist("receipt failed (" + ev.Reason + "): policy reverses the sale")
			queueReversal(string(hostproto.RCError), "reversal queued (printer)")
			break
		}
		t.Receipt = ReceiptOwed
		t.EReceiptTry = m.p.EReceiptFallback
		persist("receipt owed: " + ev.Reason)
		emit(ActNotify, "receipt of "+t.Ref+" owed: "+ev.Reason)
		if m.p.EReceiptFallback {
			emit(ActEReceipt, "")
		}

	case EvPrintOwed, EvEReceiptOwed:
		if t.State != StateApproved || (t.Receipt != ReceiptOwed && t.Receipt != ReceiptPrinting) {
			return bad()
		}
		// ReceiptPrinting here means a crash mid-print (or between the cut
		// and the journal write), EReceiptTry an e-receipt handed to the
		// sink with no outcome journaled: the customer may hold the
		// receipt, so what is delivered now is marked as interrupted,
		// never a second unmarked original.
		what, act := "printing owed receipt", ActPrint
		if ev.Type == EvEReceiptOwed {
			what, act = "sending owed e-receipt", ActEReceipt
		}
		if t.Receipt == ReceiptPrinting || t.Interrupted || t.EReceiptTry {
			t.Interrupted = true
			what += ", marked: printing was interrupted"
		}
		if act == ActPrint {
			t.Receipt, t.EReceiptTry = ReceiptPrinting, false
		} else {
			t.Receipt, t.EReceiptTry = ReceiptOwed, true
		}
		persist(what)
		emit(act, "")

	case EvEReceiptSent:
		if t.State != StateApproved || t.Receipt != ReceiptOwed {
			return bad()
		}
		t.Receipt, t.EReceiptTry = ReceiptElectronic, false
		persist("e-receipt delivered")

	case EvEReceiptFailed:
		if t.State != StateApproved || t.Receipt != ReceiptOwed {
			return bad()
		}
		t.EReceiptTry = false
		persist("e-receipt failed, receipt still owed: " + ev.Reason)

	case EvReprinted:
		if t.State != StateApproved || (t.Receipt != ReceiptPrinted && t.Receipt != ReceiptElectronic) {
			return bad()
		}
		t.Copies++
		persist("duplicate " + itoa(t.Copies) + " printed")

	case EvSettle:
		if t.State != StateCreated {
			return bad()
		}
		t.Created = ev.At
		t.State = StateSent
		m.s = settlement{phase: settleFirst, chunks: ev.Chunks}
		emit(ActSettleNext, "")

	case EvSettleDue:
		if t.State != StateSent {
			return bad()
		}
		t.STAN = ev.STAN
		// Each message is journaled before it is sent, as a request is.
		switch m.s.phase {
		case settleFirst:
			persist("settlement " + string(hostproto.ProcSettle))
			emit(ActSendSettlement, "")
		case settleUpload:
			persist("batch upload")
			emit(ActSendUpload, "")
		case settleFinal:
			persist("settlement " + string(hostproto.ProcSettleAfterUpload))
			out = append(out, Action{Type: ActSendSettlement, Txn: *t, Final: true})
		}

	case EvSettleAnswer:
		if t.State != StateSent || m.s.phase == settleUpload {
			return bad()
		}
		t.ResponseCode = ev.Code
		persist("settlement answered " + ev.Code)
		switch {
		case ev.Code == Approved:
			t.State = StateApproved
			persist("batch " + strconv.FormatUint(uint64(t.Batch), 10) + " settled, balanced " + strconv.FormatBool(m.s.phase == settleFirst))
			emit(ActCloseBatch, "")
		case ev.Code == string(hostproto.RCReconcileError) && m.s.phase == settleFirst:
			// Totals out of balance: every approved transaction goes up,
			// then a final 0500 closes the batch.
			m.s.phase = settleUpload
			if m.s.chunks == 0 {
				m.s.phase = settleFinal
			}
			emit(ActSettleNext, "")
		default:
			t.State = StateDeclined
			what := "settlement"
			if m.s.phase == settleFinal {
				what = "final settlement"
			}
			persist(what + " refused: " + ev.Code)
		}

	case EvUploadAck:
		if t.State != StateSent || m.s.phase != settleUpload {
			return bad()
		}
		if ev.Code != Approved {
			t.State, t.ResponseCode = StateDeclined, ev.Code
			persist("batch upload refused: " + ev.Code)
			break
		}
		if m.s.sent++; m.s.sent >= m.s.chunks {
			m.s.phase = settleFinal
		}
		emit(ActSettleNext, "")

	default:
		return bad()
	}
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
