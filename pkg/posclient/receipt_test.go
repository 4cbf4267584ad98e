package posclient_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
	"github.com/poshil/hil/pkg/posclient/printer"
	"github.com/poshil/hil/pkg/posclient/receipt"
)

// paperOutAfterApproval returns a config whose crash hook takes the paper
// away right after the approval is journaled, before the receipt prints.
func paperOutAfterApproval(env **posclienttest.Env, base posclient.Config) posclient.Config {
	base.CrashHook = func(step string) {
		if step == posclient.CrashAfterApproval {
			(*env).Printer.SetPaper(escpos.PaperOut)
		}
	}
	return base
}

func TestPaperOutAfterApprovalOwesReceipt(t *testing.T) {
	ctx := context.Background()
	var env *posclienttest.Env
	env = posclienttest.New(t, posclienttest.Options{Config: paperOutAfterApproval(&env, posclient.Config{})})
	res, err := env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 1999, PAN: posclienttest.CardApprove})
	if err != nil {
		t.Fatal(err)
	}
	// S1: the sale stands, the receipt is owed, nobody is charged twice.
	if res.State != posclient.StateApproved || res.Receipt != posclient.ReceiptOwed {
		t.Fatalf("result %s/%s, want approved/owed", res.State, res.Receipt)
	}
	owed, _ := env.Terminal.Lookup(ctx, posclient.QueryReceiptOwed)
	if len(owed) != 1 || owed[0].Ref != res.Ref {
		t.Fatalf("owed lookup %+v", owed)
	}
	if st, _ := env.Terminal.PrinterStatus(ctx); st.Ready {
		t.Errorf("printer status ready with no paper")
	}
	// Paper is back: Recover prints the owed receipt once.
	env.Printer.SetPaper(escpos.PaperOK)
	rep, err := env.Terminal.Recover(ctx)
	if err != nil || len(rep.Printed) != 1 || rep.Printed[0] != res.Ref {
		t.Fatalf("recover: %+v, %v", rep, err)
	}
	got, _ := env.Journal.Get(ctx, res.Ref)
	if got.Receipt != posclient.ReceiptPrinted {
		t.Errorf("receipt %s after recover", got.Receipt)
	}
	rep, _ = env.Terminal.Recover(ctx)
	if len(rep.Printed) != 0 {
		t.Errorf("a second Recover printed again: %+v", rep)
	}
	complete := 0
	for _, r := range env.Receipts() {
		if strings.Contains(r, res.RRN) && strings.Contains(r, "CUT]") && !strings.Contains(r, "DUPLICATE") {
			complete++
		}
	}
	if complete != 1 {
		t.Errorf("%d complete receipts for the sale, want 1:\n%s", complete, strings.Join(env.Receipts(), "\n====\n"))
	}
	if n := len(env.Acquirer.Ledger().Transactions(posclienttest.TerminalID)); n != 1 {
		t.Errorf("host has %d transactions, want the one sale", n)
	}
}

func TestPolicyReverseOnPrintFailure(t *testing.T) {
	ctx := context.Background()
	cfg := posclient.Config{Policy: posclient.Policy{ReverseOnPrintFailure: true}}
	var env *posclienttest.Env
	env = posclienttest.New(t, posclienttest.Options{Config: paperOutAfterApproval(&env, cfg)})
	res, err := env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 1999, PAN: posclienttest.CardApprove})
	var doubt *posclient.InDoubtError
	if errors.As(err, &doubt) {
		t.Fatalf("a print failure is not a host doubt: %v", err)
	}
	if res.State != posclient.StateReversed {
		t.Fatalf("state %s, want reversed by policy", res.State)
	}
	if got := hostSaleStates(env.Acquirer.Ledger()); !equal(got, []acquirer.TxnState{acquirer.StateReversed}) {
		t.Errorf("host sales %v, want one reversed", got)
	}
}

func TestNotReadyGoesElectronic(t *testing.T) {
	ctx := context.Background()
	sink, err := printer.NewFileSink(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	cfg := posclient.Config{NotReady: posclient.EReceiptWhenNotReady, EReceipt: sink}
	env := posclienttest.New(t, posclienttest.Options{Config: cfg})
	env.Printer.SetCover(true)
	res, err := env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 500, PAN: posclienttest.CardApprove})
	if err != nil || res.State != posclient.StateApproved || res.Receipt != posclient.ReceiptElectronic {
		t.Fatalf("sale %+v, %v; want approved with an e-receipt", res, err)
	}
	if len(env.Receipts()) != 0 {
		t.Errorf("printed with the cover open")
	}
	// A duplicate can still be printed later on paper.
	env.Printer.SetCover(false)
	if r, err := env.Terminal.Reprint(ctx, res.Ref); err != nil || r.Copies != 1 {
		t.Fatalf("reprint: %+v, %v", r, err)
	}
}

func TestChineseReprintMark(t *testing.T) {
	ctx := context.Background()
	env := posclienttest.New(t, posclienttest.Options{Config: posclient.Config{Language: receipt.Chinese}})
	res := sale(t, env, 100, posclienttest.CardApprove)
	if _, err := env.Terminal.Reprint(ctx, res.Ref); err != nil {
		t.Fatal(err)
	}
	recs := env.Receipts()
	if len(recs) != 2 || !strings.Contains(recs[1], "重印") {
		t.Errorf("duplicate lacks 重印:\n%s", strings.Join(recs, "\n===\n"))
	}
}

func TestNoPrinterEReceiptAndOwedRecovery(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sink, err := printer.NewFileSink(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	// No printer and no sink: the receipt is owed.
	env := posclienttest.New(t, posclienttest.Options{NoPrinter: true})
	res := sale(t, env, 800, posclienttest.CardApprove)
	if res.Receipt != posclient.ReceiptOwed {
		t.Fatalf("receipt %s, want owed", res.Receipt)
	}
	if _, err := env.Terminal.PrinterStatus(ctx); !errors.Is(err, posclient.ErrNoPrinter) {
		t.Errorf("PrinterStatus without printer: %v", err)
	}
	// Restart with an e-receipt sink: Recover delivers the owed receipt there.
	env.Terminal.Close()
	cfg := env.Config
	cfg.EReceipt = sink
	term, err := posclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	rep, err := term.Recover(ctx)
	if err != nil || len(rep.Printed) != 1 {
		t.Fatalf("recover: %+v, %v", rep, err)
	}
	got, _ := env.Journal.Get(ctx, res.Ref)
	if got.Receipt != posclient.ReceiptElectronic {
		t.Errorf("receipt %s, want e-receipt", got.Receipt)
	}
	files, _ := os.ReadDir(dir)
	if len(files) != 2 { // NAME.json and NAME.txt
		t.Errorf("sink holds %d files, want 2", len(files))
	}
	// A new sale goes straight to the sink.
	res2, err := term.Sale(ctx, posclient.SaleRequest{Amount: 100, PAN: posclienttest.CardApprove})
	if err != nil || res2.Receipt != posclient.ReceiptElectronic {
		t.Errorf("sale with sink only: %+v, %v", res2, err)
	}
}
