package acquirer_test

import (
	"errors"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/pkg/hostproto"
)

var fixedNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func newLedger(t *testing.T) *acquirer.Ledger {
	t.Helper()
	return acquirer.NewLedger(acquirer.LedgerOptions{Now: func() time.Time { return fixedNow }})
}

// step applies req and checks the response code.
func step(t *testing.T, l *acquirer.Ledger, req acquirer.Request, want hostproto.ResponseCode) acquirer.Result {
	t.Helper()
	if req.Terminal == "" {
		req.Terminal = "T1"
	}
	res, err := l.Process(req)
	if err != nil {
		t.Fatalf("Process(%v %s): %v", req.Kind, req.STAN, err)
	}
	if res.Code != want {
		t.Fatalf("Process(%v stan %s amount %d): code %s, want %s", req.Kind, req.STAN, req.Amount, res.Code, want)
	}
	return res
}

func balance(t *testing.T, l *acquirer.Ledger, pan string) int64 {
	t.Helper()
	c, ok := l.Card(pan)
	if !ok {
		t.Fatalf("no card %s", acquirer.MaskPAN(pan))
	}
	return c.Balance
}

func sale(stan, pan string, amount int64) acquirer.Request {
	return acquirer.Request{Kind: acquirer.KindSale, STAN: stan, PAN: pan, Amount: amount}
}

func TestTestCards(t *testing.T) {
	tests := []struct {
		pan    string
		amount int64
		want   hostproto.ResponseCode
	}{
		{acquirer.CardApprove, 1000, "00"},
		{acquirer.CardApprove, 1_000_001, "51"},
		{acquirer.CardDecline, 1000, "05"},
		{acquirer.CardNoFunds, 1, "51"},
		{acquirer.CardExpired, 1000, "54"},
		{acquirer.CardProcessError, 1000, "96"},
		{acquirer.CardLostPAN, 1000, "41"},
		{acquirer.CardStolenPAN, 1000, "43"},
		{acquirer.CardInvalidPAN, 1000, "14"},
		{acquirer.CardLimit, 1000, "00"},
		{acquirer.CardLimit, 1001, "61"},
		{acquirer.CardIssuerDown, 1000, "91"},
		{"4242424242424241", 1000, "14"}, // Luhn fails
		{"42424242", 1000, "14"},         // too short
		{"4111111111111111", 1000, "00"}, // created on first use
		{"4111111111111111", acquirer.DefaultBalance + 1, "51"},
		{acquirer.CardApprove, 0, "13"},
		{acquirer.CardApprove, 900051, "51"}, // amount band: cents are the code
		{acquirer.CardApprove, 900005, "05"},
		{acquirer.CardApprove, 900091, "91"},
		{acquirer.CardApprove, 900000, "00"}, // cents 00: processed normally
		{acquirer.CardApprove, 900100, "00"}, // outside the band
	}
	for i, tc := range tests {
		l := newLedger(t) // each case on fresh books
		step(t, l, sale(stanN(i), tc.pan, tc.amount), tc.want)
	}
}

func stanN(i int) string {
	s := "000000" + itoa(i+1)
	return s[len(s)-6:]
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestSaleMovesBalance(t *testing.T) {
	l := newLedger(t)
	before := balance(t, l, acquirer.CardApprove)
	res := step(t, l, sale("000001", acquirer.CardApprove, 2500), "00")
	if got := balance(t, l, acquirer.CardApprove); got != before-2500 {
		t.Errorf("balance %d, want %d", got, before-2500)
	}
	if len(res.RRN) != 12 || res.AuthCode == "" {
		t.Errorf("RRN %q auth %q: want a 12-char RRN and an auth code", res.RRN, res.AuthCode)
	}
	// A declined sale moves nothing.
	step(t, l, sale("000002", acquirer.CardApprove, 900005), "05")
	if got := balance(t, l, acquirer.CardApprove); got != before-2500 {
		t.Errorf("balance after decline %d, want %d", got, before-2500)
	}
	// Expiry in the request is checked too.
	req := sale("000003", acquirer.CardApprove, 100)
	req.Expiry = "2610"
	step(t, l, req, "54")
	req = sale("000004", acquirer.CardApprove, 100)
	req.Expiry = "2611"
	step(t, l, req, "00")
}

func TestDuplicateTransmission(t *testing.T) {
	l := newLedger(t)
	before := balance(t, l, acquirer.CardApprove)
	first := step(t, l, sale("000010", acquirer.CardApprove, 700), "00")
	again := step(t, l, sale("000010", acquirer.CardApprove, 700), "00")
	if !again.Duplicate || again.RRN != first.RRN || again.AuthCode != first.AuthCode {
		t.Errorf("repeat = %+v, want the first answer %+v marked duplicate", again, first)
	}
	if got := balance(t, l, acquirer.CardApprove); got != before-700 {
		t.Errorf("balance %d after a duplicate, want %d (charged once)", got, before-700)
	}
	// Same STAN, other content: 94, nothing charged.
	step(t, l, sale("000010", acquirer.CardApprove, 800), "94")
	if got := balance(t, l, acquirer.CardApprove); got != before-700 {
		t.Errorf("balance %d after a 94, want %d", got, before-700)
	}
	// The same STAN on another terminal is another transaction.
	other := sale("000010", acquirer.CardApprove, 800)
	other.Terminal = "T2"
	step(t, l, other, "00")
	if n := len(l.Transactions("")); n != 2 {
		t.Errorf("%d transactions recorded, want 2", n)
	}
}

func refund(stan, pan, rrn string, amount int64) acquirer.Request {
	return acquirer.Request{Kind: acquirer.KindRefund, STAN: stan, PAN: pan, Amount: amount, OrigRRN: rrn}
}

func void(stan, pan, rrn string, amount int64) acquirer.Request {
	return acquirer.Request{Kind: acquirer.KindVoid, STAN: stan, PAN: pan, Amount: amount, OrigRRN: rrn}
}

func reversal(stan, origSTAN string) acquirer.Request {
	return acquirer.Request{Kind: acquirer.KindReversal, STAN: stan, OrigSTAN: origSTAN}
}

func TestRefundRules(t *testing.T) {
	l := newLedger(t)
	pan := acquirer.CardApprove
	start := balance(t, l, pan)
	s := step(t, l, sale("000001", pan, 10000), "00")
	declined := step(t, l, sale("000002", pan, 900005), "05")

	step(t, l, refund("000003", pan, "999999999999", 100), "25")       // unknown original
	step(t, l, refund("000004", pan, declined.RRN, 100), "12")         // declined original
	step(t, l, refund("000005", "4111111111111111", s.RRN, 100), "57") // another card
	step(t, l, refund("000006", pan, s.RRN, 10001), "13")              // more than the sale
	step(t, l, refund("000007", pan, s.RRN, 0), "13")                  // nothing
	step(t, l, refund("000008", "4242424242424241", s.RRN, 100), "14") // not a card
	r1 := step(t, l, refund("000009", pan, s.RRN, 4000), "00")         // partial
	step(t, l, refund("000010", pan, s.RRN, 6001), "13")               // above what remains
	step(t, l, refund("000011", pan, s.RRN, 6000), "00")               // the rest
	step(t, l, refund("000012", pan, s.RRN, 1), "13")                  // nothing left
	step(t, l, refund("000013", pan, r1.RRN, 1), "12")                 // a refund is not a sale
	if got := balance(t, l, pan); got != start {
		t.Errorf("balance %d after full refund, want %d", got, start)
	}
	// Refund from another terminal is allowed: it goes back to the card.
	s2 := step(t, l, sale("000014", pan, 500), "00")
	other := refund("000001", pan, s2.RRN, 500)
	other.Terminal = "T2"
	step(t, l, other, "00")

	// A reversed or voided original cannot be refunded.
	s3 := step(t, l, sale("000015", pan, 300), "00")
	step(t, l, reversal("000016", "000015"), "00")
	step(t, l, refund("000017", pan, s3.RRN, 100), "21")
	s4 := step(t, l, sale("000018", pan, 300), "00")
	step(t, l, void("000019", pan, s4.RRN, 300), "00")
	step(t, l, refund("000020", pan, s4.RRN, 100), "21")
	if got := balance(t, l, pan); got != start {
		t.Errorf("balance %d at end, want %d", got, start)
	}
}

func TestVoidRules(t *testing.T) {
	l := newLedger(t)
	pan := acquirer.CardApprove
	start := balance(t, l, pan)
	s := step(t, l, sale("000001", pan, 2000), "00")
	step(t, l, void("000002", pan, s.RRN, 1999), "13")                // partial
	step(t, l, void("000003", "4111111111111111", s.RRN, 2000), "57") // another card
	other := void("000001", pan, s.RRN, 2000)
	other.Terminal = "T2"
	step(t, l, other, "58")                                     // another terminal
	step(t, l, void("000004", pan, "000000000077", 2000), "25") // unknown
	v := step(t, l, void("000005", pan, s.RRN, 2000), "00")
	step(t, l, void("000006", pan, s.RRN, 2000), "21") // already voided
	step(t, l, void("000007", pan, v.RRN, 2000), "12") // a void is not a sale
	if got := balance(t, l, pan); got != start {
		t.Errorf("balance %d after void, want %d", got, start)
	}
	// A partly refunded sale cannot be voided.
	s2 := step(t, l, sale("000008", pan, 2000), "00")
	step(t, l, refund("000009", pan, s2.RRN, 500), "00")
	step(t, l, void("000010", pan, s2.RRN, 2000), "12")

	// Only in the same batch: settle, then void.
	s3 := step(t, l, sale("000011", pan, 100), "00")
	batches, _ := l.Batches("T1")
	host := batches[len(batches)-1].Host
	step(t, l, settle("000012", host, false), "00")
	step(t, l, void("000013", pan, s3.RRN, 100), "58")
}

func TestReversalIdempotent(t *testing.T) {
	l := newLedger(t)
	pan := acquirer.CardApprove
	start := balance(t, l, pan)
	step(t, l, sale("000001", pan, 1234), "00")
	r1 := step(t, l, reversal("000002", "000001"), "00")
	if got := balance(t, l, pan); got != start {
		t.Fatalf("balance %d after reversal, want %d", got, start)
	}
	// Repeat (0401) with the same STAN: same answer, nothing applied.
	rep := reversal("000002", "000001")
	rep.Repeat = true
	r2 := step(t, l, rep, "00")
	if !r2.Duplicate || r2.RRN != r1.RRN {
		t.Errorf("repeat = %+v, want the first answer %+v", r2, r1)
	}
	// A new reversal (new STAN) of the same original: 00, nothing applied.
	step(t, l, reversal("000003", "000001"), "00")
	// CUP style: the reversal carries the original's STAN in DE11.
	step(t, l, acquirer.Request{Kind: acquirer.KindReversal, STAN: "000001"}, "00")
	if got := balance(t, l, pan); got != start {
		t.Errorf("balance %d after repeated reversals, want %d (restored once)", got, start)
	}
	// Unknown original.
	step(t, l, reversal("000004", "000099"), "25")
	// Reversal of a declined sale: acknowledged, nothing moves.
	step(t, l, sale("000005", pan, 900051), "51")
	step(t, l, reversal("000006", "000005"), "00")
	if got := balance(t, l, pan); got != start {
		t.Errorf("balance %d, want %d", got, start)
	}
	// The original's state is reversed and it no longer counts.
	views := l.Transactions("T1")
	if views[0].State != acquirer.StateReversed {
		t.Errorf("original state %v, want reversed", views[0].State)
	}
	// Reversal of a refund takes the money back and frees the refundable amount.
	s := step(t, l, sale("000007", pan, 1000), "00")
	step(t, l, refund("000008", pan, s.RRN, 1000), "00")
	step(t, l, reversal("000009", "000008"), "00")
	if got := balance(t, l, pan); got != start-1000 {
		t.Errorf("balance %d after refund reversal, want %d", got, start-1000)
	}
	step(t, l, refund("000010", pan, s.RRN, 1000), "00")
	// Reversal of a void reinstates the sale.
	s2 := step(t, l, sale("000011", pan, 700), "00")
	step(t, l, void("000012", pan, s2.RRN, 700), "00")
	step(t, l, reversal("000013", "000012"), "00")
	if got := balance(t, l, pan); got != start-700 {
		t.Errorf("balance %d after void reversal, want %d", got, start-700)
	}
	// A reversal from another terminal does not find this terminal's sale.
	other := reversal("000001", "000011")
	other.Terminal = "T2"
	step(t, l, other, "25")
}

// A reversal of an unknown original, then a settlement, then the original
// arrives: the host must still refuse it (a crash can leave a sale in
// flight while the rebooted till reverses and settles).
func TestReversalBeforeOriginalAcrossSettlement(t *testing.T) {
	l := newLedger(t)
	step(t, l, reversal("000002", "000001"), "25")
	step(t, l, settle("000003", acquirer.Totals{}, false), "00")
	step(t, l, sale("000001", acquirer.CardApprove, 500), "68")
	if got := balance(t, l, acquirer.CardApprove); got != 1_000_000 {
		t.Errorf("balance %d: the late original was charged after settlement", got)
	}
	// Two batch closes later the tombstone has expired and the STAN is free.
	step(t, l, settle("000004", acquirer.Totals{}, false), "00")
	step(t, l, settle("000005", acquirer.Totals{}, false), "00")
	step(t, l, sale("000001", acquirer.CardApprove, 700), "00")
}

func settle(stan string, tot acquirer.Totals, final bool) acquirer.Request {
	return acquirer.Request{Kind: acquirer.KindSettle, STAN: stan, Totals: tot, Final: final}
}

func TestSettlementBalanced(t *testing.T) {
	l := newLedger(t)
	pan := acquirer.CardApprove
	s := step(t, l, sale("000001", pan, 1000), "00")
	step(t, l, sale("000002", pan, 2000), "00")
	step(t, l, sale("000003", pan, 900051), "51")
	r := step(t, l, refund("000004", pan, s.RRN, 400), "00")
	step(t, l, sale("000005", pan, 50), "00")
	step(t, l, reversal("000006", "000005"), "00")
	s7 := step(t, l, sale("000007", pan, 70), "00")
	step(t, l, void("000008", pan, s7.RRN, 70), "00")
	r9 := step(t, l, refund("000009", pan, s.RRN, 100), "00")
	step(t, l, void("000010", pan, r9.RRN, 100), "00")
	_ = r
	want := acquirer.Totals{
		DebitsCount: 3, DebitsAmount: 3070, DebitReversalsCount: 1, DebitReversalsAmount: 70,
		CreditsCount: 2, CreditsAmount: 500, CreditReversalsCount: 1, CreditReversalsAmount: 100,
	}
	if want.Net() != 3000-400 {
		t.Fatalf("Net %d", want.Net())
	}
	// Final 0500 without a 95 first: refused.
	step(t, l, settle("000011", want, true), "12")
	res := step(t, l, settle("000012", want, false), "00")
	if res.Host != want {
		t.Errorf("host totals %+v, want %+v", res.Host, want)
	}
	bs, err := l.Batches("T1")
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].State != acquirer.BatchClosed || bs[1].State != acquirer.BatchOpen || bs[1].Number != 2 {
		t.Fatalf("batches %+v, want closed 1 and open 2", bs)
	}
	if r := bs[0].Report; r == nil || !r.Balanced || len(r.Differences) != 0 {
		t.Errorf("report %+v, want balanced without differences", r)
	}
	// The settlement answer is repeated if the 0500 is repeated.
	again := step(t, l, settle("000012", want, false), "00")
	if !again.Duplicate {
		t.Error("repeated 0500 not detected as duplicate")
	}
	if bs, _ := l.Batches("T1"); len(bs) != 2 {
		t.Errorf("%d batches after a repeated 0500, want 2", len(bs))
	}
	if _, err := l.Batches("nope"); !errors.Is(err, acquirer.ErrUnknownTerminal) {
		t.Errorf("Batches(unknown) error %v, want ErrUnknownTerminal", err)
	}
}

func TestSettlementUnbalancedUpload(t *testing.T) {
	l := newLedger(t)
	pan := acquirer.CardApprove
	step(t, l, sale("000001", pan, 1000), "00") // terminal knows
	step(t, l, sale("000002", pan, 2000), "00") // "approved but lost": terminal does not know
	step(t, l, sale("000003", pan, 3000), "00") // terminal thinks 3100
	step(t, l, sale("000004", pan, 500), "00")
	step(t, l, reversal("000005", "000004"), "00") // host reversed, terminal still counts it
	s6 := step(t, l, sale("000006", pan, 600), "00")
	step(t, l, void("000007", pan, s6.RRN, 600), "00") // terminal lists the void as a refund

	term := acquirer.Totals{DebitsCount: 4, DebitsAmount: 1000 + 3100 + 500 + 600, CreditsCount: 1, CreditsAmount: 600}
	res := step(t, l, settle("000008", term, false), "95")
	if want := (acquirer.Totals{DebitsCount: 4, DebitsAmount: 6600, DebitReversalsCount: 1, DebitReversalsAmount: 600}); res.Host != want {
		t.Errorf("host totals %+v, want %+v", res.Host, want)
	}
	rec := func(stan string, k acquirer.Kind, amount int64) acquirer.Record {
		return acquirer.Record{STAN: stan, Type: k, Amount: amount}
	}
	up := func(stan string, recs ...acquirer.Record) acquirer.Request {
		return acquirer.Request{Kind: acquirer.KindUpload, STAN: stan, Records: recs}
	}
	step(t, l, up("000009", rec("000001", acquirer.KindSale, 1000), rec("000003", acquirer.KindSale, 3100)), "00")
	step(t, l, up("000010", rec("000004", acquirer.KindSale, 500), rec("000077", acquirer.KindSale, 10)), "00")
	step(t, l, up("000010", rec("000004", acquirer.KindSale, 500), rec("000077", acquirer.KindSale, 10)), "00") // a repeat is not counted twice
	step(t, l, up("000011", rec("000006", acquirer.KindSale, 600), rec("000007", acquirer.KindRefund, 600)), "00")
	fin := step(t, l, settle("000012", term, true), "00")

	bs, _ := l.Batches("T1")
	rep := bs[0].Report
	if rep == nil || rep.Balanced || rep.Uploaded != 6 {
		t.Fatalf("report %+v, want unbalanced with 6 uploads", rep)
	}
	got := map[string]acquirer.DiffKind{}
	for _, d := range rep.Differences {
		got[d.STAN] = d.Kind
	}
	want := map[string]acquirer.DiffKind{
		"000002": acquirer.HostOnly,
		"000003": acquirer.AmountDiffers,
		"000004": acquirer.ReversedAtHost,
		"000007": acquirer.TypeDiffers,
		"000077": acquirer.TerminalOnly,
	}
	if len(got) != len(want) || len(fin.Diffs) != len(want) {
		t.Errorf("differences %+v, want %v", rep.Differences, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("difference for STAN %s = %v, want %v", k, got[k], v)
		}
	}
	// After the close, an upload is refused.
	step(t, l, up("000013", rec("000001", acquirer.KindSale, 1000)), "12")
}

func TestInvalidRequest(t *testing.T) {
	l := newLedger(t)
	for _, req := range []acquirer.Request{
		{Kind: acquirer.KindSale, STAN: "000001", PAN: acquirer.CardApprove, Amount: 1},
		{Kind: acquirer.KindSale, Terminal: "T1", PAN: acquirer.CardApprove, Amount: 1},
		{Kind: 99, Terminal: "T1", STAN: "000001"},
		{Kind: acquirer.KindSale, Terminal: "T1", STAN: "000001", PAN: acquirer.CardApprove, Amount: -1},
	} {
		res, err := l.Process(req)
		var re *acquirer.RequestError
		if !errors.Is(err, acquirer.ErrInvalidRequest) || !errors.As(err, &re) || res.Code != "30" {
			t.Errorf("Process(%+v) = %+v, %v; want 30 and a *RequestError", req, res, err)
		}
	}
}

func TestCardsAndMasking(t *testing.T) {
	l := newLedger(t)
	for _, c := range l.Cards() {
		if len(c.Card) != 16 || c.Card[6:12] != "******" {
			t.Errorf("card %q not masked", c.Card)
		}
	}
	bal := int64(42)
	v, err := l.UpdateCard(acquirer.CardUpdate{PAN: "5555555555554444", Balance: &bal})
	if err != nil || v.Balance != 42 || v.Card != "555555******4444" {
		t.Fatalf("UpdateCard = %+v, %v", v, err)
	}
	step(t, l, sale("000001", "5555555555554444", 43), "51")
	bad := "13"
	_, err = l.UpdateCard(acquirer.CardUpdate{PAN: "5555555555554444", Expiry: &bad})
	var ce *acquirer.CardError
	if !errors.Is(err, acquirer.ErrInvalidCard) || !errors.As(err, &ce) {
		t.Errorf("bad expiry: err %v, want a CardError", err)
	}
	if err := l.PutCard(acquirer.Card{PAN: "1234"}); !errors.Is(err, acquirer.ErrInvalidCard) {
		t.Errorf("PutCard(short) err %v, want ErrInvalidCard", err)
	}
	if err := l.PutCard(acquirer.Card{PAN: "4111111111111111", Force: "05"}); err != nil {
		t.Fatal(err)
	}
	step(t, l, sale("000002", "4111111111111111", 1), "05")
	for _, x := range l.Transactions("") {
		if x.Card != "" && x.Card[6:len(x.Card)-4] != "******" {
			t.Errorf("transaction card %q not masked", x.Card)
		}
	}
}

func TestTerminalSTANTracking(t *testing.T) {
	l := newLedger(t)
	for _, stan := range []string{"000001", "000002", "000002", "000005", "000003", "999999", "000001"} {
		req := sale(stan, acquirer.CardApprove, 1)
		req.Terminal = "T1"
		l.Process(req)
	}
	v, err := l.TerminalStatus("T1")
	if err != nil {
		t.Fatal(err)
	}
	// 000002 again is a duplicate (not counted); 000003 after 000005 goes back; 999999 → 000001 wraps.
	if v.Requests != 7 || v.LastSTAN != "000001" || v.STANNotIncreasing != 1 || v.Batch != 1 || v.BatchState != acquirer.BatchOpen {
		t.Errorf("status %+v", v)
	}
	if _, err := l.TerminalStatus("T2"); !errors.Is(err, acquirer.ErrUnknownTerminal) {
		t.Errorf("unknown terminal: %v", err)
	}
}

func TestVoidWithoutPAN(t *testing.T) {
	l := newLedger(t)
	s := step(t, l, sale("000001", acquirer.CardApprove, 300), "00")
	step(t, l, void("000002", "", s.RRN, 300), "00")
	if got := balance(t, l, acquirer.CardApprove); got != 1_000_000 {
		t.Errorf("balance %d", got)
	}
}

// A reversal overtakes its original (the original was held on the way):
// 25 for the reversal, and the late original is declined, not booked.
func TestReversalBeforeOriginal(t *testing.T) {
	l := newLedger(t)
	step(t, l, reversal("000002", "000001"), "25")
	step(t, l, sale("000001", acquirer.CardApprove, 500), "68")
	if got := balance(t, l, acquirer.CardApprove); got != 1_000_000 {
		t.Errorf("balance %d: the late original was charged", got)
	}
	// A repeat of the reversal now finds the declined original: 00.
	step(t, l, reversal("000003", "000001"), "00")
	// Other STANs are not affected.
	step(t, l, sale("000004", acquirer.CardApprove, 500), "00")
}
