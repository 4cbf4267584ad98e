package posclient_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
)

func TestSaleApprovedPrinted(t *testing.T) {
	ctx := context.Background()
	env := posclienttest.New(t, posclienttest.Options{})
	res, err := env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 1250, PAN: posclienttest.CardApprove})
	if err != nil {
		t.Fatal(err)
	}
	if res.State != posclient.StateApproved || res.ResponseCode != "00" || res.Receipt != posclient.ReceiptPrinted {
		t.Fatalf("result %+v", res)
	}
	if res.RRN == "" || res.AuthCode == "" || res.Card != "424242******4242" {
		t.Errorf("result lacks host references or masked card: %+v", res)
	}
	recs := env.Receipts()
	if len(recs) != 1 {
		t.Fatalf("%d receipts printed, want 1", len(recs))
	}
	for _, want := range []string{"424242******4242", res.RRN, res.AuthCode, "12.50"} {
		if !strings.Contains(recs[0], want) {
			t.Errorf("receipt lacks %q:\n%s", want, recs[0])
		}
	}
	// The host holds exactly one approved sale for it.
	host := env.Acquirer.Ledger().Transactions(posclienttest.TerminalID)
	n := 0
	for _, h := range host {
		if h.Type == acquirer.KindSale && h.Code == "00" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("host has %d approved sales, want 1", n)
	}
	// Journal: the intent row comes before the request leaves, and the
	// outbound message is journaled (masked) in it.
	h, err := env.Terminal.History(ctx, res.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if h[0].Txn.State != posclient.StateJournaled || h[0].Message == nil || h[0].Message.MTI != "0200" {
		t.Errorf("first row %+v, want journaled with the 0200", h[0])
	}
	posclienttest.AssertNoPAN(t, env.Journal, recs, posclienttest.CardApprove)
}

func TestSaleDeclinedIsAResult(t *testing.T) {
	env := posclienttest.New(t, posclienttest.Options{})
	res, err := env.Terminal.Sale(context.Background(), posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardDecline})
	if err != nil {
		t.Fatalf("decline returned an error: %v", err)
	}
	if res.State != posclient.StateDeclined || res.ResponseCode != "05" || res.Receipt != "" {
		t.Errorf("result %+v, want declined 05 without receipt", res)
	}
}

func TestSalePrinterNotReadyRefusedBeforeSend(t *testing.T) {
	ctx := context.Background()
	env := posclienttest.New(t, posclienttest.Options{})
	env.Printer.SetPaper(escpos.PaperOut)
	_, err := env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardApprove})
	if !errors.Is(err, posclient.ErrPrinterNotReady) {
		t.Fatalf("err %v, want ErrPrinterNotReady", err)
	}
	if got := env.Acquirer.Ledger().Transactions(posclienttest.TerminalID); len(got) != 0 {
		t.Errorf("host saw %d transactions, want none", len(got))
	}
}
