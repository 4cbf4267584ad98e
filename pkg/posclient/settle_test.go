package posclient_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
)

func TestSettleBalanced(t *testing.T) {
	ctx := context.Background()
	env := posclienttest.New(t, posclienttest.Options{})
	s1 := sale(t, env, 10000, posclienttest.CardApprove)
	sale(t, env, 2500, posclienttest.CardOther)
	s3 := sale(t, env, 700, posclienttest.CardApprove)
	if _, err := env.Terminal.Refund(ctx, posclient.RefundRequest{OrigRef: s1.Ref, Amount: 4000, PAN: posclienttest.CardApprove}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Terminal.Void(ctx, posclient.VoidRequest{OrigRef: s3.Ref, PAN: posclienttest.CardApprove}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 50, PAN: posclienttest.CardDecline}); err != nil {
		t.Fatal(err)
	}
	rep, err := env.Terminal.Settle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := posclient.BatchTotals{DebitCount: 3, DebitAmount: 13200, DebitReversalCount: 1, DebitReversalAmount: 700, CreditCount: 1, CreditAmount: 4000}
	if !rep.Balanced || rep.Terminal != want || rep.NextBatch != 2 || len(rep.Transactions) != 6 {
		t.Fatalf("report %+v, want balanced with totals %+v", rep, want)
	}
	bs, err := env.Acquirer.Ledger().Batches(posclienttest.TerminalID)
	if err != nil || len(bs) == 0 || bs[0].State != acquirer.BatchClosed || !bs[0].Report.Balanced {
		t.Fatalf("host batches %+v, %v", bs, err)
	}
	// The next sale lands in batch 2 on both sides.
	next := sale(t, env, 100, posclienttest.CardApprove)
	if next.Batch != 2 {
		t.Errorf("next sale in batch %d, want 2", next.Batch)
	}
}

func TestSettleUnbalancedUploadsAndReports(t *testing.T) {
	ctx := context.Background()
	env := posclienttest.New(t, posclienttest.Options{})
	sale(t, env, 1000, posclienttest.CardApprove)
	s2 := sale(t, env, 2000, posclienttest.CardApprove)
	// The host also booked a sale the terminal never heard of (S8).
	if _, err := env.Acquirer.Ledger().Process(acquirer.Request{Kind: acquirer.KindSale, Terminal: posclienttest.TerminalID,
		STAN: "777777", PAN: posclienttest.CardOther, Amount: 999}); err != nil {
		t.Fatal(err)
	}
	rep, err := env.Terminal.Settle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Balanced || rep.Host == nil || rep.Host.DebitAmount != 3999 || rep.Uploaded != 2 {
		t.Fatalf("report %+v, want unbalanced with the host's totals and 2 uploads", rep)
	}
	if len(rep.Differences) != 1 || rep.Differences[0].STAN != 777777 || rep.Differences[0].Kind != "host only" || rep.Differences[0].HostAmount != 999 {
		t.Errorf("differences %+v, want the host-only sale 777777", rep.Differences)
	}
	got, _ := env.Journal.Get(ctx, s2.Ref)
	if !got.Settled {
		t.Errorf("batch transactions not marked settled")
	}
}

// The settlement's journal rows, as the machine returns them: each
// message before it is sent, the answer after it, the batch closed last.
func TestSettleJournalsEveryMessage(t *testing.T) {
	ctx := context.Background()
	env := posclienttest.New(t, posclienttest.Options{})
	sale(t, env, 1000, posclienttest.CardApprove)
	if _, err := env.Acquirer.Ledger().Process(acquirer.Request{Kind: acquirer.KindSale, Terminal: posclienttest.TerminalID,
		STAN: "777777", PAN: posclienttest.CardOther, Amount: 999}); err != nil {
		t.Fatal(err)
	}
	rep, err := env.Terminal.Settle(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := env.Journal.History(ctx, "settle-000001")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range hist {
		row := e.Note + " [" + string(e.Txn.State) + "]"
		if e.Message != nil {
			row += " " + e.Message.MTI
		}
		got = append(got, row)
	}
	want := []string{
		"settlement 920000 [sent] 0500",
		"settlement answered 95 [sent] 0510",
		"batch upload [sent] 0320",
		"settlement 960000 [sent] 0500",
		"settlement answered 00 [sent] 0510",
		"batch 1 settled, balanced false [approved]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("settlement rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rep.NextBatch != 2 || rep.Uploaded != 1 {
		t.Errorf("report %+v, want 1 record uploaded and batch 2 next", rep)
	}
}

// A host that refuses the settlement: the error names the refusal, the
// row says so, the batch stays open, and a second Settle closes it.
func TestSettleRefused(t *testing.T) {
	ctx := context.Background()
	env := posclienttest.New(t, posclienttest.Options{})
	s := sale(t, env, 1000, posclienttest.CardApprove)
	env.Acquirer.SetIntercept(func(st acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		if st == acquirer.BeforeLedger && ex.MTI == hostproto.MTISettlementRequest {
			return acquirer.Action{Respond: hostproto.RCSystemMalfunction}
		}
		return acquirer.Action{}
	})
	_, err := env.Terminal.Settle(ctx)
	var he *posclient.HostError
	if !errors.As(err, &he) || he.MTI != "0500" {
		t.Fatalf("Settle: %v, want a HostError on the 0500", err)
	}
	row, err := env.Journal.Get(ctx, "settle-000001")
	if err != nil || row.State != posclient.StateDeclined || row.ResponseCode != "96" {
		t.Fatalf("settlement row %+v, %v; want declined with 96", row, err)
	}
	if got, _ := env.Journal.Get(ctx, s.Ref); got.Settled {
		t.Errorf("the sale was marked settled by a refused settlement")
	}
	env.Acquirer.SetIntercept(nil)
	rep, err := env.Terminal.Settle(ctx)
	if err != nil || !rep.Balanced || rep.NextBatch != 2 {
		t.Fatalf("second Settle: %+v, %v", rep, err)
	}
	if row, _ := env.Journal.Get(ctx, "settle-000001"); row.State != posclient.StateApproved {
		t.Errorf("settlement row %s after the second Settle, want approved", row.State)
	}
}
