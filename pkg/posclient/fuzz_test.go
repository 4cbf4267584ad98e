package posclient

import (
	"testing"
	"time"
)

var fuzzEvents = []EventType{EvBegin, EvSent, EvSendFailed, EvResponse, EvNoResponse, EvReversalDue, EvReversalAck,
	EvReversalNoResponse, EvPrinted, EvPrintFailed, EvEReceiptSent, EvEReceiptFailed, EvPrintOwed, EvReprinted, EvRecoverInDoubt, EvEReceiptOwed}

// FuzzStep decodes bytes into event sequences (2 bytes per event: type,
// then code/flags) and checks that the machine never panics, that refused
// events change nothing, that the request is sent at most once and only
// after the reversal intent is persisted, and that every reversal send is
// preceded by its persisted attempt.
func FuzzStep(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 3, 0})             // begin sent approved
	f.Add([]byte{0, 0, 1, 0, 4, 0, 5, 0, 6, 0}) // timeout, reversal acked
	f.Add([]byte{0, 0, 1, 0, 3, 0, 9, 0, 12, 0, 8, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		pol := Policy{MaxReversalAttempts: 3}
		if len(data) > 0 && data[0]&0x80 != 0 {
			pol.ReverseOnPrintFailure = true
		}
		m := NewMachine(Txn{Ref: "f", Kind: KindSale, Amount: 1}, pol)
		at := t0
		sends, intent := 0, false
		for i := 0; i+1 < len(data); i += 2 {
			at = at.Add(time.Duration(data[i+1]) * time.Second)
			ev := Event{Type: fuzzEvents[int(data[i]&0x7f)%len(fuzzEvents)], At: at, MaybeSent: data[i+1]&1 == 1, STAN: 9,
				MaybePrinted: data[i+1]&2 != 0, PrinterStopped: data[i+1]&4 != 0}
			ev.Code = []string{"00", "05", "25", "96"}[data[i+1]%4]
			before := m.Txn()
			acts, err := m.Step(ev)
			if err != nil {
				if m.Txn() != before {
					t.Fatalf("refused %s changed the transaction", ev.Type)
				}
				continue
			}
			for j, a := range acts {
				switch a.Type {
				case ActPersist:
					if a.Txn.State == StateJournaled {
						intent = true
					}
				case ActSend:
					sends++
					if sends > 1 || !intent {
						t.Fatalf("send %d, intent persisted %v", sends, intent)
					}
				case ActSendReversal:
					if j == 0 || acts[j-1].Type != ActPersist || acts[j-1].Txn.State != StateReversalSent {
						t.Fatalf("reversal sent before its attempt was persisted")
					}
				}
			}
			if tx := m.Txn(); tx.ReversalAttempts > pol.MaxReversalAttempts {
				t.Fatalf("%d reversal tries, bound %d", tx.ReversalAttempts, pol.MaxReversalAttempts)
			}
			// A receipt that may be in the customer's hand marks every
			// later print, for good.
			tx := m.Txn()
			if before.Interrupted && !tx.Interrupted {
				t.Fatalf("%s cleared the interrupted mark", ev.Type)
			}
			if ev.Type == EvPrintFailed && ev.MaybePrinted && tx.State == StateApproved && !tx.Interrupted {
				t.Fatalf("a print that may have come out left the receipt unmarked")
			}
			if (ev.Type == EvPrintOwed || ev.Type == EvEReceiptOwed) && (before.Receipt == ReceiptPrinting || before.EReceiptTry) && !tx.Interrupted {
				t.Fatalf("%s after an unknown outcome (%s) is not marked", ev.Type, before.Receipt)
			}
		}
	})
}
