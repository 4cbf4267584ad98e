package evidence_test

import (
	"fmt"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/terminal"
	"github.com/poshil/hil/terminal/evidence"
)

// A sale whose approval was lost and never reversed: the host holds the
// charge, the terminal said in_doubt, and nothing was printed.
func ExampleCheck() {
	ev := evidence.Evidence{
		Host: []acquirer.TxnView{{RRN: "000000000001", Type: acquirer.KindSale, Amount: 777,
			State: acquirer.StateApproved, Card: "424242******4242"}},
		Exchanges: []evidence.Exchange{{
			Request:  terminal.Request{Op: terminal.OpSale, Amount: 777, Card: acquirer.CardApprove},
			Response: terminal.Response{Outcome: terminal.InDoubt, Ref: "000001", Reason: "in_doubt", Error: "no answer"},
		}},
		Cards: []string{acquirer.CardApprove},
	}
	vs, err := evidence.Check(ev)
	if err != nil {
		fmt.Println(err)
	}
	for _, v := range vs {
		fmt.Println(v)
	}
	// Output:
	// invariant 1 rrn 000000000001: the host holds an approved sale of 777 on 424242******4242 that stands, and the terminal never named it: a charge left unknown (no reversal)
}
