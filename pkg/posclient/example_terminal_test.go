package posclient_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
	"github.com/poshil/hil/pkg/posclient/printer"
)

// A terminal on the fake acquirer and an emulated printer: a sale, a
// partial refund to the same card, a sale whose answer is lost (the
// terminal reverses it), and a Recover that finds nothing left to do.
func ExampleNew() {
	ctx := context.Background()
	host, err := acquirer.NewServer(acquirer.Options{}) // 127.0.0.1:0
	if err != nil {
		fmt.Println(err)
		return
	}
	defer host.Close()
	emu, _ := escpos.NewPrinter(escpos.Options{})
	defer emu.Close()
	srv, err := escpos.NewServer(emu, escpos.ServerOptions{TCP: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	prn, err := printer.Open(ctx, srv.URL(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer prn.Close()

	// quick start: docs/posclient.md shows the lines from here to "end"
	// (TestQuickStartIsTheExample keeps them equal).
	term, err := posclient.New(posclient.Config{
		TerminalID: "TERM0001",
		CardKey:    []byte("example card-token key, not for production"),
		Journal:    journal.NewMemory(),
		Dial: func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", host.Addr())
		},
		Printer:         prn,
		ResponseTimeout: 2 * time.Second,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer term.Close()

	sale, err := term.Sale(ctx, posclient.SaleRequest{Amount: 2500, PAN: acquirer.CardApprove})
	fmt.Println(sale.Ref, sale.State, sale.Receipt, err)
	refund, err := term.Refund(ctx, posclient.RefundRequest{OrigRef: sale.Ref, Amount: 1000, PAN: acquirer.CardApprove})
	fmt.Println(refund.Ref, refund.State, refund.Receipt, err)
	// end of the quick start

	// The host approves the next sale but its answer is lost.
	host.SetIntercept(func(st acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		return acquirer.Action{Drop: st == acquirer.AfterLedger && ex.MTI == hostproto.MTIFinancialRequest}
	})
	_, err = term.Sale(ctx, posclient.SaleRequest{Amount: 700, PAN: acquirer.CardApprove})
	var doubt *posclient.InDoubtError
	if errors.As(err, &doubt) {
		fmt.Println(doubt.Ref, doubt.State)
	}
	host.SetIntercept(nil)

	rep, err := term.Recover(ctx)
	fmt.Println(len(rep.Reversed), len(rep.Pending), len(rep.Owed), err)
	// Output:
	// 000001-000001 approved printed <nil>
	// 000001-000003 approved printed <nil>
	// 000001-000004 reversed
	// 0 0 0 <nil>
}
