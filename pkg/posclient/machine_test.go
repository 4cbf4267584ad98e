package posclient

import (
	"errors"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func actionTypes(as []Action) []ActionType {
	var out []ActionType
	for _, a := range as {
		out = append(out, a.Type)
	}
	return out
}

func TestStepTransitions(t *testing.T) {
	type tc struct {
		name        string
		from        Txn
		policy      Policy
		ev          Event
		wantState   State
		wantReceipt ReceiptState
		wantActions []ActionType
		wantErr     bool
	}
	sale := func(s State, r ReceiptState) Txn {
		return Txn{Ref: "000001-000001", Kind: KindSale, Amount: 1000, State: s, Receipt: r}
	}
	at := func(typ EventType) Event { return Event{Type: typ, At: t0} }
	resp := func(code string) Event {
		return Event{Type: EvResponse, At: t0, Code: code, RRN: "123456789012", AuthCode: "A1B2C3"}
	}
	P, S := ActPersist, ActSend
	tests := []tc{
		{"begin persists then sends", sale(StateCreated, ""), Policy{}, at(EvBegin), StateJournaled, "", []ActionType{P, S}, false},
		{"begin twice refused", sale(StateJournaled, ""), Policy{}, at(EvBegin), StateJournaled, "", nil, true},
		{"sent", sale(StateJournaled, ""), Policy{}, at(EvSent), StateSent, "", []ActionType{P}, false},
		{"send failed cleanly", sale(StateJournaled, ""), Policy{}, Event{Type: EvSendFailed, At: t0}, StateFailed, "", []ActionType{P}, false},
		{"send failed midway reverses", sale(StateJournaled, ""), Policy{}, Event{Type: EvSendFailed, At: t0, MaybeSent: true}, StateReversalQueued, "", []ActionType{P, P}, false},
		{"approved prints", sale(StateSent, ""), Policy{}, resp("00"), StateApproved, ReceiptPrinting, []ActionType{P, ActPrint}, false},
		{"approved e-receipt mode", Txn{State: StateSent, ReceiptMode: ReceiptElectronic}, Policy{}, resp("00"), StateApproved, ReceiptOwed, []ActionType{P, ActEReceipt}, false},
		{"declined", sale(StateSent, ""), Policy{}, resp("51"), StateDeclined, "", []ActionType{P}, false},
		{"response before sent refused", sale(StateJournaled, ""), Policy{}, resp("00"), StateJournaled, "", nil, true},
		{"second response refused", sale(StateApproved, ReceiptPrinted), Policy{}, resp("00"), StateApproved, ReceiptPrinted, nil, true},
		{"timeout queues reversal", sale(StateSent, ""), Policy{}, at(EvNoResponse), StateReversalQueued, "", []ActionType{P, P}, false},
		{"recover journaled", sale(StateJournaled, ""), Policy{}, at(EvRecoverInDoubt), StateReversalQueued, "", []ActionType{P, P}, false},
		{"recover sent", sale(StateSent, ""), Policy{}, at(EvRecoverInDoubt), StateReversalQueued, "", []ActionType{P, P}, false},
		{"late approval while queued", sale(StateReversalQueued, ""), Policy{}, resp("00"), StateReversalQueued, "", []ActionType{P, ActNotify}, false},
		{"late approval while sent", sale(StateReversalSent, ""), Policy{}, resp("00"), StateReversalSent, "", []ActionType{P, ActNotify}, false},
		{"late decline after reversed", sale(StateReversed, ""), Policy{}, resp("05"), StateReversed, "", []ActionType{P}, false},
		{"reversal due sends 0400", sale(StateReversalQueued, ""), Policy{}, at(EvReversalDue), StateReversalSent, "", []ActionType{P, ActSendReversal}, false},
		{"reversal not due waits", Txn{State: StateReversalQueued, NextReversalAt: t0.Add(time.Second)}, Policy{}, at(EvReversalDue), StateReversalQueued, "", []ActionType{ActWait}, false},
		{"reversal ack 00", sale(StateReversalSent, ""), Policy{}, Event{Type: EvReversalAck, At: t0, Code: "00"}, StateReversed, "", []ActionType{P}, false},
		{"reversal ack 25 unknown original", sale(StateReversalSent, ""), Policy{}, Event{Type: EvReversalAck, At: t0, Code: "25"}, StateReversed, "", []ActionType{P}, false},
		{"reversal ack 96 retries", sale(StateReversalSent, ""), Policy{}, Event{Type: EvReversalAck, At: t0, Code: "96"}, StateReversalQueued, "", []ActionType{P}, false},
		{"reversal no answer retries", sale(StateReversalSent, ""), Policy{}, at(EvReversalNoResponse), StateReversalQueued, "", []ActionType{P}, false},
		{"reversal bound reached", Txn{State: StateReversalSent, ReversalAttempts: 3}, Policy{MaxReversalAttempts: 3}, at(EvReversalNoResponse), StateUnresolved, "", []ActionType{P, ActNotify}, false},
		{"ack when not sent refused", sale(StateReversalQueued, ""), Policy{}, Event{Type: EvReversalAck, At: t0, Code: "00"}, StateReversalQueued, "", nil, true},
		{"printed", sale(StateApproved, ReceiptPrinting), Policy{}, at(EvPrinted), StateApproved, ReceiptPrinted, []ActionType{P}, false},
		{"printed twice refused", sale(StateApproved, ReceiptPrinted), Policy{}, at(EvPrinted), StateApproved, ReceiptPrinted, nil, true},
		{"print failed owes", sale(StateApproved, ReceiptPrinting), Policy{}, at(EvPrintFailed), StateApproved, ReceiptOwed, []ActionType{P, ActNotify}, false},
		{"print failed e-receipt fallback", sale(StateApproved, ReceiptPrinting), Policy{EReceiptFallback: true}, at(EvPrintFailed), StateApproved, ReceiptOwed, []ActionType{P, ActNotify, ActEReceipt}, false},
		{"print failed policy reverses", sale(StateApproved, ReceiptPrinting), Policy{ReverseOnPrintFailure: true}, at(EvPrintFailed), StateReversalQueued, ReceiptNone, []ActionType{P, P}, false},
		{"refund print failure never reversed", Txn{Kind: KindRefund, State: StateApproved, Receipt: ReceiptPrinting}, Policy{ReverseOnPrintFailure: true}, at(EvPrintFailed), StateApproved, ReceiptOwed, []ActionType{P, ActNotify}, false},
		{"owed printed again", sale(StateApproved, ReceiptOwed), Policy{}, at(EvPrintOwed), StateApproved, ReceiptPrinting, []ActionType{P, ActPrint}, false},
		{"crash mid-print printed again", sale(StateApproved, ReceiptPrinting), Policy{}, at(EvPrintOwed), StateApproved, ReceiptPrinting, []ActionType{P, ActPrint}, false},
		{"owed on printed refused", sale(StateApproved, ReceiptPrinted), Policy{}, at(EvPrintOwed), StateApproved, ReceiptPrinted, nil, true},
		{"e-receipt delivered", sale(StateApproved, ReceiptOwed), Policy{}, at(EvEReceiptSent), StateApproved, ReceiptElectronic, []ActionType{P}, false},
		{"e-receipt failed stays owed", sale(StateApproved, ReceiptOwed), Policy{}, at(EvEReceiptFailed), StateApproved, ReceiptOwed, []ActionType{P}, false},
		{"reprint counts copies", sale(StateApproved, ReceiptPrinted), Policy{}, at(EvReprinted), StateApproved, ReceiptPrinted, []ActionType{P}, false},
		{"reprint of declined refused", sale(StateDeclined, ""), Policy{}, at(EvReprinted), StateDeclined, "", nil, true},
		{"reversed owes nothing", sale(StateReversalSent, ReceiptOwed), Policy{}, Event{Type: EvReversalAck, At: t0, Code: "00"}, StateReversed, ReceiptNone, []ActionType{P}, false},
		{"print may have come out: printed again marked", sale(StateApproved, ReceiptPrinting), Policy{}, Event{Type: EvPrintFailed, At: t0, MaybePrinted: true}, StateApproved, ReceiptPrinting, []ActionType{P, ActPrint}, false},
		{"marked print may have come out too: owed", Txn{Kind: KindSale, State: StateApproved, Receipt: ReceiptPrinting, Interrupted: true}, Policy{}, Event{Type: EvPrintFailed, At: t0, MaybePrinted: true}, StateApproved, ReceiptOwed, []ActionType{P, ActNotify}, false},
		{"may have printed: policy does not reverse", sale(StateApproved, ReceiptPrinting), Policy{ReverseOnPrintFailure: true}, Event{Type: EvPrintFailed, At: t0, MaybePrinted: true}, StateApproved, ReceiptPrinting, []ActionType{P, ActPrint}, false},
		{"printer stopped: policy reverses", sale(StateApproved, ReceiptPrinting), Policy{ReverseOnPrintFailure: true}, Event{Type: EvPrintFailed, At: t0, MaybePrinted: true, PrinterStopped: true}, StateReversalQueued, ReceiptNone, []ActionType{P, P}, false},
		{"owed e-receipt sent", sale(StateApproved, ReceiptOwed), Policy{}, at(EvEReceiptOwed), StateApproved, ReceiptOwed, []ActionType{P, ActEReceipt}, false},
		{"unknown event", sale(StateSent, ""), Policy{}, at("bogus"), StateSent, "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMachine(tt.from, tt.policy)
			acts, err := m.Step(tt.ev)
			if tt.wantErr {
				var te *TransitionError
				if !errors.As(err, &te) || !errors.Is(err, ErrInvalidEvent) {
					t.Fatalf("Step err = %v, want a *TransitionError", err)
				}
			} else if err != nil {
				t.Fatalf("Step: %v", err)
			}
			got := m.Txn()
			if got.State != tt.wantState || got.Receipt != tt.wantReceipt {
				t.Errorf("state = %s/%q, want %s/%q", got.State, got.Receipt, tt.wantState, tt.wantReceipt)
			}
			if at := actionTypes(acts); !slices.Equal(at, tt.wantActions) {
				t.Errorf("actions = %v, want %v", at, tt.wantActions)
			}
			if tt.wantErr && got != NewMachine(tt.from, tt.policy).Txn() {
				t.Errorf("refused event changed the transaction: %+v", got)
			}
			// The last persisted snapshot is the state the machine ends in.
			for i := len(acts) - 1; i >= 0; i-- {
				if acts[i].Type == ActPersist {
					if acts[i].Txn.State != got.State || acts[i].Txn.Receipt != got.Receipt {
						t.Errorf("last persist %s/%s, machine %s/%s", acts[i].Txn.State, acts[i].Txn.Receipt, got.State, got.Receipt)
					}
					break
				}
			}
		})
	}
}

func TestReversalRepeatAndBackoff(t *testing.T) {
	p := Policy{MaxReversalAttempts: 4, ReversalBackoff: time.Second, MaxReversalBackoff: 3 * time.Second}
	m := NewMachine(Txn{Ref: "r", Kind: KindSale, State: StateSent}, p)
	now := t0
	if _, err := m.Step(Event{Type: EvNoResponse, At: now}); err != nil {
		t.Fatal(err)
	}
	var repeats []bool
	var waits []time.Duration
	for m.Txn().State != StateUnresolved {
		acts, err := m.Step(Event{Type: EvReversalDue, At: now})
		if err != nil {
			t.Fatal(err)
		}
		last := acts[len(acts)-1]
		if last.Type == ActWait {
			waits = append(waits, last.Until.Sub(now))
			now = last.Until
			continue
		}
		if last.Type != ActSendReversal {
			t.Fatalf("actions %v", actionTypes(acts))
		}
		repeats = append(repeats, last.Repeat)
		if _, err := m.Step(Event{Type: EvReversalNoResponse, At: now}); err != nil {
			t.Fatal(err)
		}
	}
	if want := []bool{false, true, true, true}; !slices.Equal(repeats, want) {
		t.Errorf("repeat flags = %v, want %v (0400 then 0401s)", repeats, want)
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}; !slices.Equal(waits, want) {
		t.Errorf("backoff = %v, want %v", waits, want)
	}
	if got := m.Txn().ReversalAttempts; got != 4 {
		t.Errorf("attempts = %d, want 4", got)
	}
}

func TestMaskPAN(t *testing.T) {
	for pan, want := range map[string]string{
		"4242424242424242":    "424242******4242",
		"6222021234567890123": "622202*********0123",
		"1234567890":          "******7890",
		"123":                 "***",
		"":                    "",
	} {
		if got := MaskPAN(pan); got != want {
			t.Errorf("MaskPAN(%q) = %q, want %q", pan, got, want)
		}
	}
}

func TestCardToken(t *testing.T) {
	k := []byte("terminal key")
	a, b := NewCard("4242424242424242", k), NewCard("4242424242424242", k)
	c := NewCard("4000000000000002", k)
	if !a.SameAs(b) || a.SameAs(c) {
		t.Errorf("SameAs wrong: a~b %v a~c %v", a.SameAs(b), a.SameAs(c))
	}
	if NewCard("4242424242424242", []byte("other")).SameAs(a) {
		t.Error("token does not depend on the key")
	}
	if (Card{}).SameAs(Card{}) {
		t.Error("two empty cards count as the same")
	}
}

// A settlement goes through the machine like a sale: every message is
// journaled before it is sent, and the batch closes only after the host
// answered 00.
func TestStepSettlement(t *testing.T) {
	type step struct {
		ev    Event
		state State
		acts  []ActionType
		notes []string
	}
	P, N := ActPersist, ActSettleNext
	due := func(stan uint32) Event { return Event{Type: EvSettleDue, At: t0, STAN: stan} }
	answer := func(code string) Event { return Event{Type: EvSettleAnswer, At: t0, Code: code} }
	ack := func(code string) Event { return Event{Type: EvUploadAck, At: t0, Code: code} }
	begin := func(chunks int) Event { return Event{Type: EvSettle, At: t0, Chunks: chunks} }
	tests := []struct {
		name  string
		steps []step
	}{
		{"balanced", []step{
			{begin(2), StateSent, []ActionType{N}, nil},
			{due(7), StateSent, []ActionType{P, ActSendSettlement}, []string{"settlement 920000"}},
			{answer("00"), StateApproved, []ActionType{P, P, ActCloseBatch}, []string{"settlement answered 00", "batch 3 settled, balanced true"}},
		}},
		{"unbalanced uploads then settles", []step{
			{begin(2), StateSent, []ActionType{N}, nil},
			{due(7), StateSent, []ActionType{P, ActSendSettlement}, nil},
			{answer("95"), StateSent, []ActionType{P, N}, []string{"settlement answered 95"}},
			{due(8), StateSent, []ActionType{P, ActSendUpload}, []string{"batch upload"}},
			{ack("00"), StateSent, []ActionType{N}, nil},
			{due(9), StateSent, []ActionType{P, ActSendUpload}, []string{"batch upload"}},
			{ack("00"), StateSent, []ActionType{N}, nil},
			{due(10), StateSent, []ActionType{P, ActSendSettlement}, []string{"settlement 960000"}},
			{answer("00"), StateApproved, []ActionType{P, P, ActCloseBatch}, []string{"settlement answered 00", "batch 3 settled, balanced false"}},
		}},
		{"unbalanced with nothing to upload", []step{
			{begin(0), StateSent, []ActionType{N}, nil},
			{due(7), StateSent, []ActionType{P, ActSendSettlement}, nil},
			{answer("95"), StateSent, []ActionType{P, N}, nil},
			{due(8), StateSent, []ActionType{P, ActSendSettlement}, []string{"settlement 960000"}},
			{answer("00"), StateApproved, []ActionType{P, P, ActCloseBatch}, nil},
		}},
		{"refused", []step{
			{begin(1), StateSent, []ActionType{N}, nil},
			{due(7), StateSent, []ActionType{P, ActSendSettlement}, nil},
			{answer("96"), StateDeclined, []ActionType{P, P}, []string{"settlement answered 96", "settlement refused: 96"}},
		}},
		{"upload refused", []step{
			{begin(1), StateSent, []ActionType{N}, nil},
			{due(7), StateSent, []ActionType{P, ActSendSettlement}, nil},
			{answer("95"), StateSent, []ActionType{P, N}, nil},
			{due(8), StateSent, []ActionType{P, ActSendUpload}, nil},
			{ack("30"), StateDeclined, []ActionType{P}, []string{"batch upload refused: 30"}},
		}},
		{"final 95 refused", []step{
			{begin(0), StateSent, []ActionType{N}, nil},
			{due(7), StateSent, []ActionType{P, ActSendSettlement}, nil},
			{answer("95"), StateSent, []ActionType{P, N}, nil},
			{due(8), StateSent, []ActionType{P, ActSendSettlement}, nil},
			{answer("95"), StateDeclined, []ActionType{P, P}, []string{"settlement answered 95", "final settlement refused: 95"}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMachine(Txn{Ref: "settle-000003", Kind: KindSettlement, Batch: 3}, Policy{})
			for i, st := range tc.steps {
				acts, err := m.Step(st.ev)
				if err != nil {
					t.Fatalf("step %d %s: %v", i, st.ev.Type, err)
				}
				if got := actionTypes(acts); !slices.Equal(got, st.acts) {
					t.Fatalf("step %d %s: actions %v, want %v", i, st.ev.Type, got, st.acts)
				}
				if m.Txn().State != st.state {
					t.Fatalf("step %d %s: state %s, want %s", i, st.ev.Type, m.Txn().State, st.state)
				}
				var notes []string
				for _, a := range acts {
					if a.Type == ActPersist {
						notes = append(notes, a.Note)
						if a.Txn.STAN != st.ev.STAN && st.ev.Type == EvSettleDue {
							t.Errorf("step %d: row STAN %d, want the message's %d", i, a.Txn.STAN, st.ev.STAN)
						}
					}
				}
				if st.notes != nil && !slices.Equal(notes, st.notes) {
					t.Errorf("step %d %s: rows %q, want %q", i, st.ev.Type, notes, st.notes)
				}
			}
		})
	}
}

func TestStepSettlementRefusesOutOfOrder(t *testing.T) {
	var te *TransitionError
	settle := func() *Machine {
		return NewMachine(Txn{Ref: "settle-000001", Kind: KindSettlement, Batch: 1}, Policy{})
	}
	m := settle()
	if _, err := m.Step(Event{Type: EvSettleAnswer, At: t0, Code: "00"}); !errors.As(err, &te) {
		t.Errorf("answer before the 0500: %v, want a TransitionError", err)
	}
	if _, err := m.Step(Event{Type: EvBegin, At: t0}); !errors.As(err, &te) {
		t.Errorf("a sale's event on a settlement: %v, want a TransitionError", err)
	}
	m.Step(Event{Type: EvSettle, At: t0})
	m.Step(Event{Type: EvSettleDue, At: t0, STAN: 2})
	if _, err := m.Step(Event{Type: EvUploadAck, At: t0, Code: "00"}); !errors.As(err, &te) {
		t.Errorf("0330 before any 0320: %v, want a TransitionError", err)
	}
	sale := NewMachine(Txn{Ref: "000001-000001", Kind: KindSale, State: StateCreated}, Policy{})
	if _, err := sale.Step(Event{Type: EvSettle, At: t0}); !errors.As(err, &te) {
		t.Errorf("EvSettle on a sale: %v, want a TransitionError", err)
	}
}
