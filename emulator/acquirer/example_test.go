package acquirer_test

import (
	"fmt"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
)

// The ledger on its own: a sale, a partial refund to the same card, and
// a refund to another card refused with 57.
func ExampleLedger() {
	l := acquirer.NewLedger(acquirer.LedgerOptions{Now: func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }})
	sale, _ := l.Process(acquirer.Request{Kind: acquirer.KindSale, Terminal: "T1", STAN: "000001", PAN: acquirer.CardApprove, Amount: 2500})
	fmt.Println("sale", sale.Code, sale.RRN)

	refund, _ := l.Process(acquirer.Request{Kind: acquirer.KindRefund, Terminal: "T1", STAN: "000002", PAN: acquirer.CardApprove, Amount: 1000, OrigRRN: sale.RRN})
	fmt.Println("refund", refund.Code)

	wrong, _ := l.Process(acquirer.Request{Kind: acquirer.KindRefund, Terminal: "T1", STAN: "000003", PAN: "4111111111111111", Amount: 1000, OrigRRN: sale.RRN})
	fmt.Println("refund to another card", wrong.Code)

	card, _ := l.Card(acquirer.CardApprove)
	fmt.Println("balance", card.Balance)
	// Output:
	// sale 00 000000000001
	// refund 00
	// refund to another card 57
	// balance 998500
}

// Magic amounts: the cents of 9,000.00-9,000.99 become the response code.
func ExampleLedger_magicAmount() {
	l := acquirer.NewLedger(acquirer.LedgerOptions{})
	for i, amount := range []int64{900051, 900005, 900091} {
		res, _ := l.Process(acquirer.Request{Kind: acquirer.KindSale, Terminal: "T1", STAN: fmt.Sprintf("%06d", i+1), PAN: acquirer.CardApprove, Amount: amount})
		fmt.Println(amount, res.Code)
	}
	// Output:
	// 900051 51
	// 900005 05
	// 900091 91
}

// A reversal is applied once; a second one for the same original answers
// 00 again and changes nothing.
func ExampleLedger_reversal() {
	l := acquirer.NewLedger(acquirer.LedgerOptions{})
	l.Process(acquirer.Request{Kind: acquirer.KindSale, Terminal: "T1", STAN: "000001", PAN: acquirer.CardApprove, Amount: 500})
	for _, stan := range []string{"000002", "000003"} {
		res, _ := l.Process(acquirer.Request{Kind: acquirer.KindReversal, Terminal: "T1", STAN: stan, OrigSTAN: "000001"})
		card, _ := l.Card(acquirer.CardApprove)
		fmt.Println(res.Code, card.Balance)
	}
	res, _ := l.Process(acquirer.Request{Kind: acquirer.KindReversal, Terminal: "T1", STAN: "000004", OrigSTAN: "000099"})
	fmt.Println("unknown original:", res.Code)
	// Output:
	// 00 1000000
	// 00 1000000
	// unknown original: 25
}

func ExampleMaskPAN() {
	fmt.Println(acquirer.MaskPAN("4242424242424242"))
	// Output: 424242******4242
}
