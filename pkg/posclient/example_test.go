package posclient_test

import (
	"fmt"
	"time"

	"github.com/poshil/hil/pkg/posclient"
)

// A sale whose answer never comes: the machine asks for the reversal, and
// persists before every send.
func ExampleMachine() {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	m := posclient.NewMachine(posclient.Txn{Ref: "000001-000007", Kind: posclient.KindSale, Amount: 1250}, posclient.Policy{})
	for _, ev := range []posclient.Event{
		{Type: posclient.EvBegin, At: at},
		{Type: posclient.EvSent, At: at},
		{Type: posclient.EvNoResponse, At: at.Add(30 * time.Second), Reason: "timeout"},
		{Type: posclient.EvReversalDue, At: at.Add(30 * time.Second), STAN: 8},
		{Type: posclient.EvReversalAck, At: at.Add(31 * time.Second), Code: "00"},
	} {
		acts, _ := m.Step(ev)
		fmt.Printf("%-13s →", ev.Type)
		for _, a := range acts {
			fmt.Printf(" %s", a.Type)
			if a.Type == posclient.ActPersist {
				fmt.Printf("(%s)", a.Txn.State)
			}
		}
		fmt.Println()
	}
	// Output:
	// begin         → persist(journaled) send
	// sent          → persist(sent)
	// no-response   → persist(in_doubt) persist(reversal_queued)
	// reversal-due  → persist(reversal_sent) send-reversal
	// reversal-ack  → persist(reversed)
}

// What is left to refund after a partial refund, and whether a card is the
// original one.
func ExampleRefundable() {
	key := []byte("terminal card key 16+ bytes")
	card := posclient.NewCard("4242424242424242", key)
	orig := posclient.Txn{Ref: "000001-000001", Kind: posclient.KindSale, Amount: 10000, State: posclient.StateApproved, Card: card}
	refunds := []posclient.Txn{{Kind: posclient.KindRefund, OrigRef: orig.Ref, Amount: 3000, State: posclient.StateApproved}}
	fmt.Println(posclient.Refundable(orig, refunds))
	fmt.Println(card.Masked, card.SameAs(posclient.NewCard("4242424242424242", key)), card.SameAs(posclient.NewCard("4000056655665556", key)))
	// Output:
	// 7000
	// 424242******4242 true false
}

func ExampleTotals() {
	txns := []posclient.Txn{
		{Ref: "a", Kind: posclient.KindSale, Amount: 1000, State: posclient.StateApproved},
		{Ref: "b", Kind: posclient.KindSale, Amount: 500, State: posclient.StateReversed},
		{Ref: "c", Kind: posclient.KindRefund, OrigRef: "a", Amount: 200, State: posclient.StateApproved},
	}
	tot := posclient.Totals(txns)
	fmt.Println(tot.DebitCount, tot.DebitAmount, tot.CreditCount, tot.CreditAmount, tot.Net())
	// Output: 1 1000 1 200 800
}
