package posclient

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

var propSeed = flag.Uint64("prop.seed", 0, "seed for TestPropertyRandomEventOrders (0: a fixed set)")

// hostModel is the acquirer as the property test sees it: what it has
// charged, and the answers in flight to the terminal.
type hostModel struct {
	charged  bool
	received bool
	inflight []Event // answers the network may still deliver, in any order
}

// TestPropertyRandomEventOrders drives one transaction with events in
// random orders — answers delayed, lost, duplicated, mixed with events that
// do not apply — and checks the invariants after every step and after a
// heal phase in which the network and printer work again.
func TestPropertyRandomEventOrders(t *testing.T) {
	seeds := []uint64{1, 2, 3, 42, 20261123}
	if *propSeed != 0 {
		seeds = []uint64{*propSeed}
	}
	for _, seed := range seeds {
		r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		for run := range 400 {
			if err := propertyRun(r); err != nil {
				t.Fatalf("seed %d run %d: %v", seed, run, err)
			}
		}
	}
}

func propertyRun(r *rand.Rand) error {
	pol := Policy{
		MaxReversalAttempts:   1 + r.IntN(5),
		ReversalBackoff:       time.Duration(1+r.IntN(3)) * time.Second,
		ReverseOnPrintFailure: r.IntN(4) == 0,
		EReceiptFallback:      r.IntN(2) == 0,
	}
	kind := []Kind{KindSale, KindRefund, KindVoid}[r.IntN(3)]
	m := NewMachine(Txn{Ref: "p", Kind: kind, Amount: 100}, pol)
	now := t0
	h := &hostModel{}
	var (
		log          []Action
		sends        int
		printedOK    int
		intentStored bool
		trace        []string
	)
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s\ntrace: %v\nfinal %+v", fmt.Sprintf(format, args...), trace, m.Txn())
	}
	// exec plays the actions against the host model and checks the
	// ordering invariants.
	exec := func(acts []Action, reliable bool) error {
		for _, a := range acts {
			log = append(log, a)
			switch a.Type {
			case ActPersist:
				if a.Txn.State == StateJournaled {
					intentStored = true
				}
			case ActSend:
				sends++
				if sends > 1 {
					return fail("request sent twice: a second charge is possible")
				}
				if !intentStored {
					return fail("request sent before the reversal intent was persisted")
				}
				if reliable || r.IntN(5) > 0 {
					h.received = true
					code := []string{"00", "00", "00", "51", "05"}[r.IntN(5)]
					h.charged = code == Approved
					if reliable || r.IntN(3) > 0 {
						h.inflight = append(h.inflight, Event{Type: EvResponse, Code: code, RRN: "1", AuthCode: "A"})
					}
				}
			case ActSendReversal:
				prev := log[len(log)-2]
				if prev.Type != ActPersist || prev.Txn.State != StateReversalSent {
					return fail("reversal sent before its attempt was persisted")
				}
				if reliable || r.IntN(3) > 0 {
					h.charged = false // reversal is idempotent at the host
					if reliable || r.IntN(2) > 0 {
						h.inflight = append(h.inflight, Event{Type: EvReversalAck, Code: "00"})
					}
				}
			}
		}
		return nil
	}
	step := func(ev Event, reliable bool) error {
		now = now.Add(time.Duration(r.IntN(3000)) * time.Millisecond)
		ev.At = now
		before := m.Txn()
		acts, err := m.Step(ev)
		trace = append(trace, string(ev.Type)+ev.Code)
		if err != nil {
			if m.Txn() != before {
				return fail("refused event %s changed the transaction", ev.Type)
			}
			return nil
		}
		if before.State.Final() && before.State != StateApproved && m.Txn().State != before.State {
			return fail("left final state %s for %s", before.State, m.Txn().State)
		}
		if before.State == StateReversed && m.Txn().State != StateReversed {
			return fail("reversed transaction came back to %s", m.Txn().State)
		}
		if ev.Type == EvPrinted {
			printedOK++
			if printedOK > 1 {
				return fail("receipt printed twice")
			}
		}
		return exec(acts, reliable)
	}
	random := func(reliable bool) Event {
		// Deliver something in flight, or make something happen locally.
		if len(h.inflight) > 0 && r.IntN(3) == 0 {
			i := r.IntN(len(h.inflight))
			ev := h.inflight[i]
			if r.IntN(5) > 0 { // sometimes duplicated
				h.inflight = append(h.inflight[:i], h.inflight[i+1:]...)
			}
			return ev
		}
		all := []EventType{EvBegin, EvSent, EvSendFailed, EvNoResponse, EvRecoverInDoubt, EvReversalDue,
			EvReversalNoResponse, EvPrinted, EvPrintFailed, EvEReceiptSent, EvEReceiptFailed, EvPrintOwed, EvReprinted,
			EvResponse, EvReversalAck}
		ev := Event{Type: all[r.IntN(len(all))], MaybeSent: r.IntN(2) == 0, Code: []string{"00", "96", "05"}[r.IntN(3)]}
		if reliable && (ev.Type == EvPrintFailed || ev.Type == EvEReceiptFailed) {
			ev.Type = EvPrinted
		}
		// Events that claim something from the host only come from the
		// host model above; a stray "response" here is a duplicate or a
		// garbled one, which must be harmless.
		if ev.Type == EvResponse || ev.Type == EvReversalAck {
			if m.Txn().State == StateSent || m.Txn().State == StateReversalSent {
				ev.Type = EvNoResponse
				if m.Txn().State == StateReversalSent {
					ev.Type = EvReversalNoResponse
				}
			}
		}
		if ev.Type == EvSendFailed && h.received {
			// The driver only reports a clean failure when no byte left.
			ev.MaybeSent = true
		}
		return ev
	}

	if err := step(Event{Type: EvBegin}, false); err != nil {
		return err
	}
	// Chaos phase.
	for range r.IntN(40) {
		ev := random(false)
		// A send may only be reported sent/failed once, by the driver.
		if err := step(ev, false); err != nil {
			return err
		}
	}
	// Heal phase: the network and the printer work; the driver does what a
	// real one does until nothing is left to do.
	for i := 0; ; i++ {
		if i > 200 {
			return fail("heal phase did not converge")
		}
		tx := m.Txn()
		var ev Event
		switch {
		case tx.State == StateJournaled:
			ev = Event{Type: EvRecoverInDoubt, Reason: "recover"}
		case tx.State == StateSent:
			if len(h.inflight) > 0 {
				ev = h.inflight[0]
				h.inflight = h.inflight[1:]
			} else {
				ev = Event{Type: EvNoResponse, Reason: "timeout"}
			}
		case tx.State == StateInDoubt:
			ev = Event{Type: EvRecoverInDoubt}
		case tx.State == StateReversalQueued:
			ev = Event{Type: EvReversalDue}
			now = now.Add(time.Minute)
		case tx.State == StateReversalSent:
			ev = Event{Type: EvReversalNoResponse}
			for j, e := range h.inflight {
				if e.Type == EvReversalAck {
					ev = e
					h.inflight = append(h.inflight[:j], h.inflight[j+1:]...)
					break
				}
			}
		case tx.State == StateApproved && (tx.Receipt == ReceiptPrinting || tx.Receipt == ReceiptOwed):
			if tx.Receipt == ReceiptOwed {
				ev = Event{Type: EvPrintOwed}
			} else {
				ev = Event{Type: EvPrinted}
			}
		default:
			goto done
		}
		if err := step(ev, true); err != nil {
			return err
		}
	}
done:
	tx := m.Txn()
	if !tx.State.Final() {
		return fail("ended in non-final state %s", tx.State)
	}
	// Invariant 1: every charge the host holds is journaled as approved (or
	// visibly unresolved), and nothing journaled approved is not charged.
	if h.charged && tx.State != StateApproved && tx.State != StateUnresolved {
		return fail("host charged but terminal says %s", tx.State)
	}
	if tx.State == StateApproved && !h.charged {
		return fail("terminal says approved but the host holds no charge")
	}
	// Invariant 2: an approved transaction ends with its receipt delivered
	// exactly once.
	if tx.State == StateApproved {
		if tx.Receipt != ReceiptPrinted && tx.Receipt != ReceiptElectronic {
			return fail("approved with receipt %q", tx.Receipt)
		}
		if tx.Receipt == ReceiptPrinted && printedOK != 1 {
			return fail("printed %d times", printedOK)
		}
	} else if tx.Receipt != ReceiptNone {
		return fail("state %s keeps receipt %q", tx.State, tx.Receipt)
	}
	if tx.State == StateUnresolved && tx.ReversalAttempts != pol.MaxReversalAttempts {
		return fail("unresolved after %d of %d tries", tx.ReversalAttempts, pol.MaxReversalAttempts)
	}
	return nil
}
