package lab_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/internal/lab"
)

// A lab over a printer and an acquirer built elsewhere; its snapshot is
// what a page is sent first.
func ExampleNewServer() {
	p, err := escpos.NewPrinter(escpos.Options{})
	if err != nil {
		panic(err)
	}
	defer p.Close()
	acq, err := acquirer.NewServer(acquirer.Options{})
	if err != nil {
		panic(err)
	}
	defer acq.Close()
	web, err := lab.NewServer(lab.Options{Printer: p, Acquirer: acq})
	if err != nil {
		panic(err)
	}
	defer web.Close()

	p.SetPaper(escpos.PaperNearEnd)
	resp, err := http.Get(web.URL() + "/api/snapshot")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var snap lab.Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil {
		panic(err)
	}
	fmt.Println("paper:", snap.Printer.Paper, "online:", snap.Printer.Online)
	fmt.Println("receipts:", len(snap.Receipts), "transactions:", snap.Ledger.Total, "fault panel:", snap.Faults != nil)
	// Output:
	// paper: near-end online: true
	// receipts: 0 transactions: 0 fault panel: false
}
