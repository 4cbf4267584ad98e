package cli

import (
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/escpostest"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
)

// TestPosReceiptsAMerchantExpects: merchant and customer copies, merchant
// name and header, currency, an e-receipt QR from a URL template and a
// decline slip, from hil pos flags to the bytes the emulated printer
// decoded.
func TestPosReceiptsAMerchantExpects(t *testing.T) {
	srv := acquirertest.NewServer(t, acquirer.Options{})
	tp := escpostest.NewPrinterServer(t, escpos.Options{}, escpos.ServerOptions{TCP: true})
	jf := t.TempDir() + "/till.db"
	base := []string{"pos", "--host", srv.Addr(), "--printer", tp.URL, "--journal", jf, "--terminal", "TERMR001",
		"--copies", "merchant,customer", "--merchant", "CAFE NOVA", "--header", "1 Harbour Road", "--header", "Tel 555 0100",
		"--currency", "USD", "--e-receipt-url", "https://r.example/{terminal}/{ref}", "--decline-receipt"}
	so, _ := runNewcomer(t, newcomerCase{args: append(base, "sale", "12.50", "--card", acquirer.CardApprove), code: ExitOK,
		stdout: `^approved sale ref=(\S+) .*receipt=printed`})
	ref := strings.Fields(so)[2][len("ref="):]
	tp.MustWaitIdle(t)
	rs := tp.Printer.Receipts()
	if len(rs) != 2 {
		t.Fatalf("%d receipts on paper, want 2 (merchant and customer copy)", len(rs))
	}
	for i, want := range []string{"MERCHANT COPY", "CUSTOMER COPY"} {
		text := string(render.Text(rs[i]))
		for _, s := range []string{want, "CAFE NOVA", "1 Harbour Road", "Tel 555 0100", "USD 12.50", "SCAN FOR E-RECEIPT"} {
			if !strings.Contains(text, s) {
				t.Errorf("receipt %d lacks %q:\n%s", i+1, s, text)
			}
		}
		if strings.Contains(text, acquirer.CardApprove) {
			t.Errorf("receipt %d shows the full card number", i+1)
		}
		if got := qrData(rs[i]); got != "https://r.example/TERMR001/"+ref {
			t.Errorf("receipt %d QR %q, want https://r.example/TERMR001/%s", i+1, got, ref)
		}
	}

	// A decline gets one slip, the customer's, marked with the code.
	runNewcomer(t, newcomerCase{args: append(base, "sale", "3.00", "--card", acquirer.CardDecline), code: ExitDeclined, stdout: `^declined sale .*code=05`})
	tp.MustWaitIdle(t)
	rs = tp.Printer.Receipts()
	if len(rs) != 3 {
		t.Fatalf("%d receipts on paper, want 3 (2 + the decline slip)", len(rs))
	}
	text := string(render.Text(rs[2]))
	for _, s := range []string{"CUSTOMER COPY", "** DECLINED **", "RESPONSE CODE", "05", "USD 3.00", "CAFE NOVA"} {
		if !strings.Contains(text, s) {
			t.Errorf("decline slip lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, "AUTH CODE") || qrData(rs[2]) != "" {
		t.Errorf("decline slip shows an auth code or an e-receipt QR:\n%s", text)
	}

	// A reprint is the customer copy, marked.
	runNewcomer(t, newcomerCase{args: append(base, "reprint", ref), code: ExitOK})
	tp.MustWaitIdle(t)
	rs = tp.Printer.Receipts()
	if len(rs) != 4 || !strings.Contains(string(render.Text(rs[3])), "CUSTOMER COPY") || !strings.Contains(string(render.Text(rs[3])), "DUPLICATE #1") {
		t.Errorf("reprint: %d receipts, last:\n%s", len(rs), render.Text(rs[len(rs)-1]))
	}

	// Bad receipt flags are usage errors, before anything is sent.
	for _, tc := range []newcomerCase{
		{args: []string{"pos", "--copies", "boss", "sale", "1.00", "--card", acquirer.CardApprove, "--journal", ":memory:"}, code: ExitUsage,
			stderr: `--copies "boss": want customer, merchant or merchant,customer`},
		{args: []string{"pos", "--copies", "customer,customer", "sale", "1.00", "--card", acquirer.CardApprove, "--journal", ":memory:"}, code: ExitUsage,
			stderr: `customer twice`},
		{args: []string{"pos", "--e-receipt-url", "https://r.example/{txn}", "sale", "1.00", "--card", acquirer.CardApprove, "--journal", ":memory:"}, code: ExitUsage,
			stderr: `EReceiptURL: "https://r.example/\{txn\}": unknown placeholder`},
		{args: []string{"pos", "--currency", "XYZ", "sale", "1.00", "--card", acquirer.CardApprove, "--journal", ":memory:", "--json"}, code: ExitUsage,
			stderr: `unsupported currency XYZ`, json: true, reason: "usage"},
	} {
		runNewcomer(t, tc)
	}
}

func qrData(r *paper.Receipt) string {
	for _, e := range r.Elements {
		if q, ok := e.(paper.QR); ok {
			return q.Data
		}
		if q, ok := e.(*paper.QR); ok {
			return q.Data
		}
	}
	return ""
}
