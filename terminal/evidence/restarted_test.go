package evidence_test

import (
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/terminal"
	"github.com/poshil/hil/terminal/evidence"
)

// TestRestarted: when the harness killed the terminal mid-operation
// (Evidence.Restarted), a receipt the restarted terminal printed names an
// approval whose answer was cut off; without a restart, or against what an
// answer said, it does not. A receipt marked as printed again after an
// interrupted print stands for the original when no unmarked one came out,
// restart or not.
func TestRestarted(t *testing.T) {
	host := []acquirer.TxnView{sale("000000000001", 1250, acquirer.StateApproved)}
	cut := []evidence.Exchange{{terminal.Request{Op: terminal.OpSale, Amount: 1250, Card: acquirer.CardApprove}, terminal.Response{}}}
	declined := []evidence.Exchange{{terminal.Request{Op: terminal.OpSale, Amount: 1250, Card: acquirer.CardApprove},
		terminal.Response{Outcome: terminal.Declined, RRN: "000000000001"}}}
	approved := []evidence.Exchange{{terminal.Request{Op: terminal.OpSale, Amount: 1250, Card: acquirer.CardApprove},
		terminal.Response{Outcome: terminal.Approved, RRN: "000000000001", Receipt: terminal.ReceiptPrinted}}}
	original := "SALE\nRRN 000000000001\n"
	marked := "REPRINT\n" + evidence.InterruptedMark + "\nRRN 000000000001\n"
	for _, c := range []struct {
		name      string
		ex        []evidence.Exchange
		receipts  []string
		restarted bool
		want      []int // invariants violated
	}{
		{"answer cut off, receipt printed after the restart", cut, []string{original}, true, nil},
		{"answer cut off, only an interrupted-print copy", cut, []string{marked}, true, nil},
		{"answer cut off, nothing printed", cut, nil, true, []int{evidence.InvCharge}},
		{"no restart: the receipt names nothing", cut, []string{original}, false, []int{evidence.InvCharge}},
		{"the answer said declined", declined, []string{original}, true, []int{evidence.InvCharge}},
		{"approved, only an interrupted-print copy, no restart", approved, []string{marked}, false, nil},
		{"approved, only an interrupted-print copy, restarted", approved, []string{marked}, true, nil},
		{"approved, two originals, restarted", approved, []string{original, original}, true, []int{evidence.InvReceipt}},
		// Printed whole, unconfirmed, printed again marked: the customer
		// holds one original and one marked receipt.
		{"approved, an original and one printed again marked", approved, []string{original, "SALE\n" + evidence.InterruptedMark + "\nRRN 000000000001\n"}, false, nil},
		{"approved, only printed again marked, no copy mark", approved, []string{"SALE\n" + evidence.InterruptedMark + "\nRRN 000000000001\n"}, false, nil},
	} {
		vs, err := evidence.Check(evidence.Evidence{Host: host, Exchanges: c.ex, Receipts: c.receipts, Restarted: c.restarted})
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, v := range vs {
			got = append(got, v.Invariant)
		}
		if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) {
			t.Errorf("%s: %v, want invariants %v", c.name, vs, c.want)
		}
	}
}
