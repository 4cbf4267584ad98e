package acquirer_test

import (
	"fmt"
	"net"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/pkg/hostproto"
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
	// sale 00 approved 000000000001
	// refund 00 approved
	// refund to another card 57 transaction not permitted to cardholder
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
	// 900051 51 insufficient funds
	// 900005 05 do not honour
	// 900091 91 issuer or switch inoperative
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
	// 00 approved 1000000
	// 00 approved 1000000
	// unknown original: 25 unable to locate original transaction
}

func ExampleMaskPAN() {
	fmt.Println(acquirer.MaskPAN("4242424242424242"))
	// Output: 424242******4242
}

// A terminal's sale over TCP, then the same card again after an
// interceptor has lost the second answer ("approved but lost").
func ExampleServer() {
	srv, err := acquirer.NewServer(acquirer.Options{}) // 127.0.0.1:0
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	srv.SetIntercept(func(s acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		if s == acquirer.AfterLedger && ex.STAN == "000002" {
			return acquirer.Action{Drop: true}
		}
		return acquirer.Action{}
	})

	nc, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		panic(err)
	}
	defer nc.Close()
	for stan := hostproto.STAN(1); stan <= 3; stan++ {
		req := &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcSale, PAN: acquirer.CardApprove,
			Amount: 1000, Times: hostproto.TimesAt(time.Now()), STAN: stan, TerminalID: "TERM0001"}
		b, _ := hostproto.Encode(req)
		hostproto.WriteFrame(nc, b)
	}
	// Answers to STAN 1 and 3 arrive; STAN 2 was booked but its answer lost.
	for range 2 {
		b, _ := hostproto.ReadFrame(nc, hostproto.DefaultMaxFrame)
		m, _ := hostproto.Decode(b)
		r := m.(*hostproto.FinancialResponse)
		fmt.Println(r.STAN, r.ResponseCode)
	}
	for _, t := range srv.Ledger().Transactions("TERM0001") {
		fmt.Println(t.STAN, t.Type, t.Amount, t.State, t.Card)
	}
	// Output:
	// 000001 00 approved
	// 000003 00 approved
	// 000001 sale 1000 approved 424242******4242
	// 000002 sale 1000 approved 424242******4242
	// 000003 sale 1000 approved 424242******4242
}
