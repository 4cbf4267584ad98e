package evidence_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/pkg/hostproto"
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
		{"two cut originals", []string{"SALE\nRRN 000000000001\n[CUT]", "SALE\nRRN 000000000001\n[CUT]\n"}, 1},
		{"cut short, then printed again whole", []string{"SALE\nRRN 000000000001\n", "SALE\nPRINTING WAS INTERRUPTED\nRRN 000000000001\n[PARTIAL CUT]\n"}, 0},
		{"printed whole, then again cut short", []string{"SALE\nRRN 000000000001\n[CUT]\n", "SALE\nRRN 000000000001\n"}, 1},
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

func refund(rrn, orig string, amount int64, card string, st acquirer.TxnState, code hostproto.ResponseCode) acquirer.TxnView {
	return acquirer.TxnView{RRN: rrn, Type: acquirer.KindRefund, Amount: amount, State: st, Code: code, Card: card, OrigRRN: orig}
}

// TestRefundRules: invariant 3 from the host's ledger and the cards the
// harness presented.
func TestRefundRules(t *testing.T) {
	const other = "555555******4444"
	s := sale("000000000001", 10000, acquirer.StateApproved)
	s.Code, s.Seq = "00", 1
	saleEx := evidence.Exchange{Request: terminal.Request{Op: terminal.OpSale, Amount: 10000, Card: acquirer.CardApprove},
		Response: terminal.Response{Outcome: terminal.Approved, Ref: "A", RRN: s.RRN, Receipt: terminal.ReceiptPrinted}}
	receipts := []string{"SALE\nRRN 000000000001\n[CUT]"}
	seq := func(v acquirer.TxnView, n int) acquirer.TxnView { v.Seq = n; return v }
	for _, c := range []struct {
		name string
		host []acquirer.TxnView
		ex   []evidence.Exchange
		want string // "" for no violation
	}{
		{"partial refunds up to the original", []acquirer.TxnView{
			seq(refund("2", s.RRN, 3000, s.Card, acquirer.StateApproved, "00"), 2),
			seq(refund("3", s.RRN, 7000, s.Card, acquirer.StateApproved, "00"), 3)}, nil, ""},
		{"more than remains, declined by the host", []acquirer.TxnView{
			seq(refund("2", s.RRN, 8000, s.Card, acquirer.StateApproved, "00"), 2),
			seq(refund("3", s.RRN, 3000, s.Card, acquirer.StateDeclined, "13"), 3)}, nil, "2000 remained refundable (sent to the host, which declined it with 13 invalid amount)"},
		{"to another card", []acquirer.TxnView{seq(refund("2", s.RRN, 1000, other, acquirer.StateDeclined, "57"), 2)}, nil, "goes to card 555555******4444"},
		{"of no original", []acquirer.TxnView{seq(refund("2", "", 1000, s.Card, acquirer.StateDeclined, "25"), 2)}, nil, "references no transaction"},
		{"presented with another card, answered approved", nil, []evidence.Exchange{{
			Request:  terminal.Request{Op: terminal.OpRefund, Ref: "A", Amount: 1000, Card: "5555555555554444"},
			Response: terminal.Response{Outcome: terminal.Approved, Ref: "B"}}}, "presented with card *4444"},
		{"presented with another card, refused", nil, []evidence.Exchange{{
			Request:  terminal.Request{Op: terminal.OpRefund, Ref: "A", Amount: 1000, Card: "5555555555554444"},
			Response: terminal.Response{Outcome: terminal.Refused, Reason: "other_card"}}}, ""},
	} {
		ev := evidence.Evidence{Host: append([]acquirer.TxnView{s}, c.host...), Exchanges: append([]evidence.Exchange{saleEx}, c.ex...), Receipts: receipts}
		vs, err := evidence.Check(ev)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case c.want == "" && len(vs) > 0:
			t.Errorf("%s: %v, want none", c.name, vs)
		case c.want != "" && (len(vs) != 1 || vs[0].Invariant != evidence.InvRefund || !strings.Contains(vs[0].Msg, c.want)):
			t.Errorf("%s: %v, want one of invariant 3 saying %q", c.name, vs, c.want)
		}
	}
}

// TestSettlementRules: invariant 4 from the host's batches and the
// terminal's settle answers.
func TestSettlementRules(t *testing.T) {
	settled := evidence.Exchange{Request: terminal.Request{Op: terminal.OpSettle}, Response: terminal.Response{Outcome: terminal.OK}}
	closed := func(rep acquirer.Settlement) acquirer.Batch {
		return acquirer.Batch{Terminal: "T1", Number: 1, State: acquirer.BatchClosed, Report: &rep}
	}
	diff := []acquirer.Difference{{STAN: "000009", Kind: acquirer.HostOnly, HostAmount: 999}}
	two := acquirer.Totals{DebitsCount: 1, DebitsAmount: 500, CreditsCount: 1, CreditsAmount: 200}
	for _, c := range []struct {
		name    string
		batches []acquirer.Batch
		ex      []evidence.Exchange
		want    string
	}{
		{"balanced", []acquirer.Batch{closed(acquirer.Settlement{Balanced: true}), {Number: 2, State: acquirer.BatchOpen}}, []evidence.Exchange{settled}, ""},
		{"unbalanced, uploaded", []acquirer.Batch{closed(acquirer.Settlement{Uploaded: 2, Differences: diff})}, []evidence.Exchange{settled}, ""},
		{"unbalanced, nothing uploaded", []acquirer.Batch{closed(acquirer.Settlement{Terminal: two, Differences: diff})}, []evidence.Exchange{settled}, "without a single transaction uploaded"},
		// A terminal with an empty batch has nothing to upload: the
		// host's report lists the transaction only it holds.
		{"unbalanced, nothing to upload", []acquirer.Batch{closed(acquirer.Settlement{Differences: diff})}, []evidence.Exchange{settled}, ""},
		{"left waiting for the upload", []acquirer.Batch{{Terminal: "T1", Number: 1, State: acquirer.BatchUploading}}, nil, "never uploaded"},
		{"settled says the terminal, not the host", []acquirer.Batch{{Number: 1, State: acquirer.BatchOpen}}, []evidence.Exchange{settled}, "answered 1 settlements done, the host closed 0"},
		// The host keeps a window of batches: 1–3 were closed and dropped.
		{"three settled before the window", []acquirer.Batch{{Number: 4, State: acquirer.BatchOpen}}, []evidence.Exchange{settled, settled, settled}, ""},
		{"four settled, three closed", []acquirer.Batch{{Number: 4, State: acquirer.BatchOpen}}, []evidence.Exchange{settled, settled, settled, settled}, "answered 4 settlements done, the host closed 3"},
	} {
		vs, err := evidence.Check(evidence.Evidence{Batches: c.batches, Exchanges: c.ex})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case c.want == "" && len(vs) > 0:
			t.Errorf("%s: %v, want none", c.name, vs)
		case c.want != "" && (len(vs) != 1 || vs[0].Invariant != evidence.InvSettle || !strings.Contains(vs[0].Msg, c.want)):
			t.Errorf("%s: %v, want one of invariant 4 saying %q", c.name, vs, c.want)
		}
	}
}
