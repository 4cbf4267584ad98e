package acquirer_test

import (
	"errors"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/pkg/hostproto"
)

// cupClient signs a terminal on to a cup server and keeps its keys.
func cupClient(t *testing.T, srv *acquirer.Server, term string) *acquirertest.Client {
	t.Helper()
	c := acquirertest.Dial(t, srv.Addr())
	c.Profile = hostproto.CUP
	resp := cupExchange(t, c, &hostproto.NetworkRequest{STAN: 1, TerminalID: term, Code: hostproto.NetSignOn})
	nr := resp.(*hostproto.NetworkResponse)
	if nr.ResponseCode != hostproto.RCApproved || nr.Keys == nil || c.Keys == nil || nr.Batch != 1 {
		t.Fatalf("sign-on: %+v", nr)
	}
	return c
}

func cupExchange(t *testing.T, c *acquirertest.Client, m hostproto.Message) hostproto.Message {
	t.Helper()
	resp, err := c.Exchange(ctxT(t), m)
	if err != nil {
		t.Fatalf("exchange %s: %v", m.MTI(), err)
	}
	return resp
}

func cupFin(t *testing.T, c *acquirertest.Client, m *hostproto.FinancialRequest) *hostproto.FinancialResponse {
	t.Helper()
	m.TerminalID, m.Currency = "CUPTERM1", "156"
	r, ok := cupExchange(t, c, m).(*hostproto.FinancialResponse)
	if !ok || r.STAN != m.STAN || r.ProcessingCode != m.ProcessingCode {
		t.Fatalf("answer to %s: %+v", m.ProcessingCode, r)
	}
	return r
}

func cupBalance(t *testing.T, srv *acquirer.Server) int64 {
	t.Helper()
	c, ok := srv.Ledger().Card(acquirer.CardApprove)
	if !ok {
		t.Fatal("no test card")
	}
	return c.Balance
}

// TestCUPLedgerEndToEnd runs every cup message against the server over
// TCP, MACed with the keys of the sign-on, and checks the books.
func TestCUPLedgerEndToEnd(t *testing.T) {
	srv := newServer(t, acquirer.Options{Profile: hostproto.CUP})
	c := cupClient(t, srv, "CUPTERM1")
	start := cupBalance(t, srv)
	pan := hostproto.PAN(acquirer.CardApprove)

	sale := cupFin(t, c, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcSale, PAN: pan, Amount: 1000, STAN: 2, Batch: 1})
	if sale.ResponseCode != hostproto.RCApproved || sale.RRN == "" || sale.AuthCode == "" {
		t.Fatalf("sale: %+v", sale)
	}
	orig := hostproto.OriginalData{MTI: hostproto.MTIFinancialRequest, STAN: 2, Batch: 1}
	void := cupFin(t, c, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcVoid, PAN: pan, Amount: 1000, STAN: 3, Batch: 1,
		RRN: sale.RRN, AuthCode: sale.AuthCode, Original: orig})
	if void.ResponseCode != hostproto.RCApproved {
		t.Fatalf("void: %s", void.ResponseCode)
	}
	sale2 := cupFin(t, c, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcSale, PAN: pan, Amount: 2000, STAN: 4, Batch: 1})
	refund := cupFin(t, c, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcRefund, PAN: pan, Amount: 500, STAN: 5, Batch: 1,
		RRN: sale2.RRN, Original: hostproto.OriginalData{MTI: hostproto.MTIFinancialRequest, STAN: 4, Batch: 1, Date: "1123"}})
	if refund.ResponseCode != hostproto.RCApproved {
		t.Fatalf("refund: %s", refund.ResponseCode)
	}
	// A second refund above what is left is refused, like on iso87.
	if r := cupFin(t, c, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcRefund, PAN: pan, Amount: 1600, STAN: 6, Batch: 1,
		RRN: sale2.RRN, Original: hostproto.OriginalData{MTI: hostproto.MTIFinancialRequest, STAN: 4, Batch: 1}}); r.ResponseCode != hostproto.RCInvalidAmount {
		t.Fatalf("refund above the rest: %s", r.ResponseCode)
	}
	if got := cupBalance(t, srv); got != start-2000+500 {
		t.Fatalf("balance %d, want %d", got, start-1500)
	}

	// A sale whose answer was lost, reversed twice with its own STAN:
	// undone exactly once.
	cupFin(t, c, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcSale, PAN: pan, Amount: 700, STAN: 7, Batch: 1})
	for range 2 {
		rev := &hostproto.ReversalRequest{ProcessingCode: hostproto.ProcSale, Amount: 700, STAN: 7, Reason: hostproto.RCReversalNoResponse,
			TerminalID: "CUPTERM1", Batch: 1, Original: hostproto.OriginalData{MTI: hostproto.MTIFinancialRequest, STAN: 7}}
		r := cupExchange(t, c, rev).(*hostproto.ReversalResponse)
		if r.ResponseCode != hostproto.RCApproved || r.STAN != 7 {
			t.Fatalf("reversal: %+v", r)
		}
	}
	if got := cupBalance(t, srv); got != start-1500 {
		t.Fatalf("after reversals balance %d, want %d", got, start-1500)
	}

	// Pre-authorization, completion for less; another, cancelled.
	pa := cupFin(t, c, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcPreAuth, PAN: pan, Amount: 30000, STAN: 8, ConditionCode: "06", Batch: 1})
	if pa.ResponseCode != hostproto.RCApproved || pa.AuthCode == "" {
		t.Fatalf("pre-auth: %+v", pa)
	}
	if got := cupBalance(t, srv); got != start-1500-30000 {
		t.Fatalf("pre-auth holds: balance %d", got)
	}
	comp := cupFin(t, c, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcPreAuthComplete, PAN: pan, Amount: 25000, STAN: 9, ConditionCode: "06",
		AuthCode: pa.AuthCode, Batch: 1, Original: hostproto.OriginalData{MTI: hostproto.MTIFinancialRequest, STAN: 8, Batch: 1}})
	if comp.ResponseCode != hostproto.RCApproved {
		t.Fatalf("completion: %s", comp.ResponseCode)
	}
	if r := cupFin(t, c, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcPreAuthComplete, PAN: pan, Amount: 100, STAN: 10,
		AuthCode: pa.AuthCode, Batch: 1, Original: hostproto.OriginalData{MTI: hostproto.MTIFinancialRequest, STAN: 8, Batch: 1}}); r.ResponseCode != hostproto.RCNoActionTaken {
		t.Fatalf("second completion: %s, want 21", r.ResponseCode)
	}
	if got := cupBalance(t, srv); got != start-1500-25000 {
		t.Fatalf("completion: balance %d, want %d", got, start-26500)
	}
	pa2 := cupFin(t, c, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcPreAuth, PAN: pan, Amount: 4000, STAN: 11, Batch: 1})
	if r := cupFin(t, c, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcPreAuthCancel, Amount: 4000, STAN: 12, AuthCode: "A99999",
		Batch: 1, Original: hostproto.OriginalData{MTI: hostproto.MTIFinancialRequest, STAN: 11, Batch: 1}}); r.ResponseCode != hostproto.RCOriginalNotFound {
		t.Fatalf("cancel with a wrong approval code: %s, want 25", r.ResponseCode)
	}
	if r := cupFin(t, c, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcPreAuthCancel, Amount: 4000, STAN: 13, AuthCode: pa2.AuthCode,
		Batch: 1, Original: hostproto.OriginalData{MTI: hostproto.MTIFinancialRequest, STAN: 11, Batch: 1}}); r.ResponseCode != hostproto.RCApproved {
		t.Fatalf("cancel: %s", r.ResponseCode)
	}
	if got := cupBalance(t, srv); got != start-1500-25000 {
		t.Fatalf("cancel: balance %d", got)
	}

	// Settlement with totals that miss the refund: 0510 says unbalanced,
	// the upload and its end close the batch with a difference.
	host := hostproto.Totals{DebitCount: 3, DebitAmount: 28000, DebitReversalCount: 1, DebitReversalAmount: 1000}.WithNet()
	sr := cupExchange(t, c, &hostproto.SettlementRequest{ProcessingCode: hostproto.ProcSettle, STAN: 14, TerminalID: "CUPTERM1", Batch: 1, Totals: host}).(*hostproto.SettlementResponse)
	if sr.ResponseCode != hostproto.RCReconcileError || sr.HostTotals == nil || sr.HostTotals.CreditCount != 2 || sr.HostTotals.CreditAmount != 1500 {
		t.Fatalf("settlement: %+v %+v", sr, sr.HostTotals)
	}
	ur := cupExchange(t, c, &hostproto.BatchUploadRequest{STAN: 15, TerminalID: "CUPTERM1", Batch: 1,
		Records: []hostproto.BatchRecord{{STAN: 2, Amount: 1000}, {STAN: 3, Amount: 1000}, {STAN: 4, Amount: 2000}, {STAN: 9, Amount: 25000}}}).(*hostproto.BatchUploadResponse)
	if ur.ResponseCode != hostproto.RCApproved {
		t.Fatalf("upload: %s", ur.ResponseCode)
	}
	end := cupExchange(t, c, &hostproto.SettlementRequest{ProcessingCode: hostproto.ProcSettleAfterUpload, STAN: 16, TerminalID: "CUPTERM1", Batch: 1, UploadCount: 4}).(*hostproto.SettlementResponse)
	if end.ResponseCode != hostproto.RCApproved || end.ProcessingCode != hostproto.ProcSettleAfterUpload {
		t.Fatalf("upload end: %+v", end)
	}
	batches, err := srv.Ledger().Batches("CUPTERM1")
	if err != nil || len(batches) != 2 || batches[0].State != acquirer.BatchClosed || batches[0].Report == nil {
		t.Fatalf("batches: %+v %v", batches, err)
	}
	rep := batches[0].Report
	if rep.Balanced || rep.Uploaded != 4 || len(rep.Differences) != 1 || rep.Differences[0].Kind != acquirer.HostOnly || rep.Differences[0].STAN != "000005" {
		t.Fatalf("report: %+v", rep)
	}
}

// TestCUPBalancedSettlement: totals folded as cup carries them balance.
func TestCUPBalancedSettlement(t *testing.T) {
	srv := newServer(t, acquirer.Options{Profile: hostproto.CUP})
	c := cupClient(t, srv, "CUPTERM1")
	pan := hostproto.PAN(acquirer.CardApprove)
	s := cupFin(t, c, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcSale, PAN: pan, Amount: 1000, STAN: 2, Batch: 1})
	cupFin(t, c, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcVoid, PAN: pan, Amount: 1000, STAN: 3, Batch: 1,
		RRN: s.RRN, AuthCode: s.AuthCode, Original: hostproto.OriginalData{MTI: hostproto.MTIFinancialRequest, STAN: 2, Batch: 1}})
	tot := hostproto.Totals{DebitCount: 1, DebitAmount: 1000, DebitReversalCount: 1, DebitReversalAmount: 1000}.WithNet()
	sr := cupExchange(t, c, &hostproto.SettlementRequest{ProcessingCode: hostproto.ProcSettle, STAN: 4, TerminalID: "CUPTERM1", Batch: 1, Totals: tot}).(*hostproto.SettlementResponse)
	if sr.ResponseCode != hostproto.RCApproved {
		t.Fatalf("settlement: %s", sr.ResponseCode)
	}
}

// TestCUPBadMACAnswersA0 checks that a request with a wrong MAC, or from
// a terminal that never signed on, is answered A0 and moves no money.
func TestCUPBadMACAnswersA0(t *testing.T) {
	srv := newServer(t, acquirer.Options{Profile: hostproto.CUP})
	c := cupClient(t, srv, "CUPTERM1")
	start := cupBalance(t, srv)
	good := c.Keys
	wrong := *good
	wrong.MAC[3] ^= 0x40
	c.Keys = &wrong
	sale := &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcSale, PAN: acquirer.CardApprove, Amount: 1000, STAN: 2, Batch: 1, TerminalID: "CUPTERM1"}
	if err := c.Send(sale); err != nil {
		t.Fatal(err)
	}
	c.Keys = good // the host MACs its A0 with the keys it gave
	resp, err := c.Read(ctxT(t))
	if err != nil {
		t.Fatalf("read A0: %v", err)
	}
	if rc := resp.(*hostproto.FinancialResponse).ResponseCode; rc != hostproto.RCMACError {
		t.Fatalf("bad MAC answered %s, want A0", rc)
	}
	if got := cupBalance(t, srv); got != start {
		t.Fatalf("balance moved on a bad MAC: %d → %d", start, got)
	}
	if n := len(srv.Ledger().Transactions("CUPTERM1")); n != 0 {
		t.Fatalf("%d transactions recorded on a bad MAC", n)
	}

	// Never signed on: the host has no keys; it answers A0 without a MAC.
	other := acquirertest.Dial(t, srv.Addr())
	other.Profile, other.Keys = hostproto.CUP, good
	sale.TerminalID = "CUPTERM2"
	if err := other.Send(sale); err != nil {
		t.Fatal(err)
	}
	resp, err = other.Read(ctxT(t))
	if err != nil || resp.(*hostproto.FinancialResponse).ResponseCode != hostproto.RCMACError {
		t.Fatalf("unsigned terminal: %v, %v", resp, err)
	}
}

// TestCUPFaultsAct checks the interceptor's actions on cup bytes: a bad
// MAC on the answer (BadMAC), a malformed answer, and typed names.
func TestCUPFaultsAct(t *testing.T) {
	srv := newServer(t, acquirer.Options{Profile: hostproto.CUP})
	var seen []string
	srv.SetIntercept(func(st acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		if st == acquirer.BeforeLedger {
			seen = append(seen, string(ex.MTI)+"/"+string(ex.Proc))
			return acquirer.Action{}
		}
		switch ex.STAN {
		case "000002":
			return acquirer.Action{BadMAC: true}
		case "000003":
			return acquirer.Action{Malform: true}
		}
		return acquirer.Action{}
	})
	c := cupClient(t, srv, "CUPTERM1")
	pan := hostproto.PAN(acquirer.CardApprove)
	if err := c.Send(&hostproto.FinancialRequest{ProcessingCode: hostproto.ProcSale, PAN: pan, Amount: 100, STAN: 2, Batch: 1, TerminalID: "CUPTERM1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(ctxT(t)); !errors.Is(err, hostproto.ErrBadMAC) {
		t.Fatalf("BadMAC answer: %v, want ErrBadMAC", err)
	}
	if err := c.Send(&hostproto.FinancialRequest{ProcessingCode: hostproto.ProcRefund, PAN: pan, Amount: 100, STAN: 3, Batch: 1, TerminalID: "CUPTERM1",
		RRN: "000000000001", Original: hostproto.OriginalData{MTI: hostproto.MTIFinancialRequest, STAN: 2, Batch: 1}}); err != nil {
		t.Fatal(err)
	}
	var ue *hostproto.UnpackError
	if _, err := c.Read(ctxT(t)); !errors.As(err, &ue) {
		t.Fatalf("Malform answer: %v, want an *UnpackError", err)
	}
	// Fault plans see the typed names: a cup 0220 refund is 0200/200000.
	want := []string{"0800/", "0200/000000", "0200/200000"}
	if len(seen) != len(want) {
		t.Fatalf("seen %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("seen %v, want %v", seen, want)
		}
	}
}

// TestCUPKeysOfALaterSignOn: a terminal that signed on again on another
// connection MACs with the newer keys; the host verifies them on either.
func TestCUPKeysOfALaterSignOn(t *testing.T) {
	srv := newServer(t, acquirer.Options{Profile: hostproto.CUP})
	a := cupClient(t, srv, "CUPTERM1")
	b := cupClient(t, srv, "CUPTERM1")
	if *a.Keys == *b.Keys {
		t.Fatal("two sign-ons handed out the same keys")
	}
	a.Keys = b.Keys
	r := cupFin(t, a, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcSale, PAN: acquirer.CardApprove, Amount: 100, STAN: 2, Batch: 1})
	if r.ResponseCode != hostproto.RCApproved {
		t.Fatalf("sale MACed with the newer keys on the older connection: %s", r.ResponseCode)
	}
}
