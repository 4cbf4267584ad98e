package posclient_test

import (
	"context"
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/render"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
	"github.com/poshil/hil/pkg/posclient/printer"
)

// TestSaleOnServedPrinter prints through the real transports to the
// emulator served over TCP and over a pty, as a bench printer would be.
func TestSaleOnServedPrinter(t *testing.T) {
	for _, endpoint := range []string{"tcp", "pty"} {
		t.Run(endpoint, func(t *testing.T) {
			ctx := context.Background()
			emu, err := escpos.NewPrinter(escpos.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { emu.Close() })
			opts := escpos.ServerOptions{TCP: endpoint == "tcp", PTY: endpoint == "pty"}
			srv, err := escpos.NewServer(emu, opts)
			if err != nil {
				if endpoint == "pty" {
					t.Skipf("no pty here: %v", err)
				}
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			url := "tcp://" + srv.Addr()
			if endpoint == "pty" {
				url = "serial://" + srv.PTY() + "?baud=115200"
			}
			prn, err := printer.Open(ctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { prn.Close() })
			env := posclienttest.New(t, posclienttest.Options{Config: posclient.Config{Printer: prn}})
			res := sale(t, env, 4321, posclienttest.CardApprove)
			if res.Receipt != posclient.ReceiptPrinted {
				t.Fatalf("receipt %s", res.Receipt)
			}
			if _, err := env.Terminal.Reprint(ctx, ""); err != nil {
				t.Fatal(err)
			}
			prn.Close() // end the session: the emulator ends the job
			if err := emu.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, r := range emu.Receipts() {
				texts = append(texts, string(render.Text(r)))
			}
			all := strings.Join(texts, "\n")
			if strings.Count(all, res.RRN) != 2 || strings.Count(all, "DUPLICATE #1") != 1 {
				t.Errorf("emulator printed:\n%s", all)
			}
		})
	}
}
