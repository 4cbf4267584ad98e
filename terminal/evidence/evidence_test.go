package evidence_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/terminal"
	"github.com/poshil/hil/terminal/evidence"
)

func sale(rrn string, amount int64, st acquirer.TxnState) acquirer.TxnView {
	return acquirer.TxnView{RRN: rrn, Type: acquirer.KindSale, Amount: amount, State: st, Card: "424242******4242"}
}

func TestChargedTwice(t *testing.T) {
	ev := evidence.Evidence{
		Host: []acquirer.TxnView{sale("000000000001", 1250, acquirer.StateApproved), sale("000000000002", 1250, acquirer.StateApproved)},
		Exchanges: []evidence.Exchange{
			{terminal.Request{Op: terminal.OpSale, Amount: 1250, Card: acquirer.CardApprove},
				terminal.Response{Outcome: terminal.Approved, Ref: "1", RRN: "000000000001", Receipt: terminal.ReceiptPrinted}},
			// the terminal retried on its own and reported the second as well
			{terminal.Request{Op: terminal.OpLookup, Ref: "2"},
				terminal.Response{Outcome: terminal.OK, Ref: "2", RRN: "000000000002", State: terminal.StateApproved, Receipt: terminal.ReceiptOwed}},
		},
		Receipts: []string{"SALE\nREF NO 000000000001\n"},
	}
	vs, err := evidence.Check(ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].Invariant != evidence.InvCharge || !strings.Contains(vs[0].Msg, "charged twice") {
		t.Fatalf("violations %v, want one of invariant 1 (charged twice)", vs)
	}
}

func TestReceiptRules(t *testing.T) {
	host := []acquirer.TxnView{sale("000000000001", 1250, acquirer.StateApproved), sale("000000000009", 50, acquirer.StateReversed)}
	ex := []evidence.Exchange{{terminal.Request{Op: terminal.OpSale, Amount: 1250, Card: acquirer.CardApprove},
		terminal.Response{Outcome: terminal.Approved, Ref: "1", RRN: "000000000001", Receipt: terminal.ReceiptPrinted}}}
	for _, c := range []struct {
		name     string
		receipts []string
		want     int // violations of invariant 2
	}{
		{"one original, a duplicate and a refund naming it", []string{"SALE\nRRN 000000000001", "DUPLICATE #1\nRRN 000000000001", "REFUND\nORIG REF NO 000000000001"}, 0},
		{"merchant and customer copies", []string{"MERCHANT COPY\nRRN 000000000001", "CUSTOMER COPY\nRRN 000000000001"}, 0},
		{"two originals", []string{"SALE\nRRN 000000000001", "SALE\nRRN 000000000001"}, 1},
		{"none", nil, 1},
	} {
		vs, err := evidence.Check(evidence.Evidence{Host: host, Exchanges: ex, Receipts: c.receipts})
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != c.want {
			t.Errorf("%s: %v, want %d violations", c.name, vs, c.want)
		}
		for _, v := range vs {
			if v.Invariant != evidence.InvReceipt {
				t.Errorf("%s: %v", c.name, v)
			}
		}
	}
}

// TestCardScan: the card number found in a binary file in a subfolder,
// in another number format (with another BIN-prefixed Luhn number of the
// harness's issuer), and not in masked or short digit runs.
func TestCardScan(t *testing.T) {
	for _, c := range []struct {
		name, content string
		found         bool
	}{
		{"plain", "card=4242424242424242;", true},
		{"in binary", "\x00\x01SQLite\x004242424242424242\xff", true},
		{"another card of the same BIN", "pan 4242420000000000 end", luhnOK("4242420000000000")},
		{"same BIN, not Luhn-valid", "pan 4242420000000009 end", luhnOK("4242420000000009")},
		{"masked", "424242******4242 and 632709000001 and 1202151512", false},
		{"digits of a reference", "0000000000001234567", false},
	} {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "sub", "j.db"), []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		vs, err := evidence.Check(evidence.Evidence{WorkDir: dir, Cards: []string{acquirer.CardApprove}})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(vs) == 1 && vs[0].Invariant == evidence.InvPAN && strings.Contains(vs[0].Msg, "sub/j.db"); got != c.found || (!c.found && len(vs) > 0) {
			t.Errorf("%s: %v, want found=%v", c.name, vs, c.found)
		}
	}
}

// luhnOK is the Luhn check written out independently of the package's.
func luhnOK(s string) bool {
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			d = d * 2
			if d > 9 {
				d = d - 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
