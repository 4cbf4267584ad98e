package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/pkg/hostproto"
)

func runPosCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), append([]string{"pos"}, args...), strings.NewReader(""), &out, &errb)
	for _, s := range []string{out.String(), errb.String()} {
		s = regexp.MustCompile(`(?m)^  hil .*$`).ReplaceAllString(s, "") // help examples use the test cards
		if strings.Contains(s, acquirer.CardApprove) || strings.Contains(s, acquirer.CardDecline) {
			t.Errorf("full card number in output: %q", s)
		}
	}
	return code, out.String(), errb.String()
}

func TestPosSaleExitCodesAndJSON(t *testing.T) {
	srv := acquirertest.NewServer(t, acquirer.Options{})
	code, out, stderr := runPosCmd(t, "--host", srv.Addr(), "--json", "sale", "12.50", "--card", acquirer.CardApprove)
	if code != ExitOK {
		t.Fatalf("approved sale: exit %d, stderr %s", code, stderr)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	for _, k := range []string{"ref", "state", "response_code", "rrn", "auth_code", "amount", "receipt"} {
		if _, ok := res[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, out)
		}
	}
	if res["state"] != "approved" || res["amount"] != float64(1250) || res["receipt"] != "owed" {
		t.Errorf("JSON %s", out)
	}

	// A new in-memory journal restarts the STAN: use another terminal id.
	code, out, _ = runPosCmd(t, "--host", srv.Addr(), "--terminal", "TERM0002", "sale", "100", "--card", acquirer.CardDecline)
	if code != ExitDeclined || !strings.HasPrefix(out, "declined sale ") || !strings.Contains(out, "code=05") {
		t.Errorf("declined: exit %d, %q", code, out)
	}
}

func TestPosInDoubtExit(t *testing.T) {
	srv := acquirertest.NewServer(t, acquirer.Options{})
	srv.SetIntercept(func(st acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		return acquirer.Action{Drop: st == acquirer.AfterLedger && ex.MTI == hostproto.MTIFinancialRequest}
	})
	code, out, _ := runPosCmd(t, "--host", srv.Addr(), "--timeout", "500ms", "sale", "100", "--card", acquirer.CardApprove)
	// Reversed, or (on a slow machine, when the 0410 too is late) queued.
	if code != ExitInDoubt || !(strings.HasPrefix(out, "reversed sale ") || strings.HasPrefix(out, "reversal_queued sale ")) {
		t.Errorf("exit %d, %q; want 4 and reversed or reversal queued", code, out)
	}
}

func TestPosUsageAndErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{}, ExitUsage},
		{[]string{"bogus"}, ExitUsage},
		{[]string{"sale", "12.50"}, ExitUsage},                 // no card
		{[]string{"sale", "12.505", "--card", "1"}, ExitUsage}, // three decimals
		{[]string{"refund"}, ExitUsage},
		{[]string{"--crash-at", "nowhere", "settle"}, ExitUsage},
		{[]string{"--host", "127.0.0.1:1", "sale", "100", "--card", acquirer.CardApprove}, ExitFailure},
		{[]string{"--help"}, ExitOK},
	} {
		code, _, stderr := runPosCmd(t, tc.args...)
		if code != tc.want {
			t.Errorf("hil pos %v: exit %d, want %d (%s)", tc.args, code, tc.want, stderr)
		}
	}
	// A journal file that is not a journal is refused, never replaced.
	bad := filepath.Join(t.TempDir(), "bad.db")
	if err := os.WriteFile(bad, []byte("this is not a journal, and must not be overwritten by one"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runPosCmd(t, "--journal", bad, "lookup")
	if code != ExitFailure || !strings.Contains(stderr, "corrupt") {
		t.Errorf("corrupt journal: exit %d, stderr %q", code, stderr)
	}
}

// TestPosJournalAcrossRuns: the sale, its refund and the lookup are three
// processes' worth of runs on one journal file.
func TestPosJournalAcrossRuns(t *testing.T) {
	srv := acquirertest.NewServer(t, acquirer.Options{})
	jf := filepath.Join(t.TempDir(), "pos.db")
	base := []string{"--host", srv.Addr(), "--journal", jf, "--terminal", "TERM0009"}
	code, out, stderr := runPosCmd(t, append(base, "--json", "sale", "50.00", "--card", acquirer.CardApprove)...)
	if code != ExitOK {
		t.Fatalf("sale: %d %s", code, stderr)
	}
	var sale struct{ Ref string }
	if err := json.Unmarshal([]byte(out), &sale); err != nil || sale.Ref == "" {
		t.Fatalf("sale output %q", out)
	}
	code, out, stderr = runPosCmd(t, append(base, "refund", sale.Ref, "20.00", "--card", acquirer.CardApprove)...)
	if code != ExitOK || !strings.HasPrefix(out, "approved refund ") {
		t.Fatalf("refund: %d %q %s", code, out, stderr)
	}
	code, _, stderr = runPosCmd(t, append(base, "refund", sale.Ref, "--card", "4000056655665556")...)
	if code != ExitFailure || !strings.Contains(stderr, "not the original card") {
		t.Errorf("refund to another card: %d %s", code, stderr)
	}
	code, out, _ = runPosCmd(t, append(base, "lookup", "--last4", "4242")...)
	if code != ExitOK || strings.Count(out, "\n") != 2 || strings.Count(out, "approved") != 2 {
		t.Errorf("lookup: %d %q", code, out)
	}
	code, out, _ = runPosCmd(t, append(base, "journal", sale.Ref)...)
	if code != ExitOK || !strings.Contains(out, "out 0200") || !strings.Contains(out, "in 0210") {
		t.Errorf("journal: %d %q", code, out)
	}
	for _, f := range []string{jf, jf + "-wal"} {
		raw, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), acquirer.CardApprove) || strings.Contains(string(raw), "4000056655665556") {
			t.Errorf("full card number in %s", f)
		}
	}
}

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]int64{"1250": 1250, "12.50": 1250, "12.5": 1250, "0.01": 1, "7": 7} {
		if got, err := parseAmount(in); err != nil || got != want {
			t.Errorf("parseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-5", "1.234", ".5", "abc", "0.00"} {
		if _, err := parseAmount(in); err == nil {
			t.Errorf("parseAmount(%q) accepted", in)
		}
	}
}

func TestPosSaleOnServedPrinter(t *testing.T) {
	srv := acquirertest.NewServer(t, acquirer.Options{})
	emu, err := escpos.NewPrinter(escpos.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	ps, err := escpos.NewServer(emu, escpos.ServerOptions{TCP: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	code, out, stderr := runPosCmd(t, "--host", srv.Addr(), "--printer", ps.URL(), "--terminal", "TERM0003",
		"sale", "--card", acquirer.CardApprove, "9.99")
	if code != ExitOK || !strings.Contains(out, "receipt=printed") {
		t.Fatalf("exit %d, %q, %s", code, out, stderr)
	}
	if err := emu.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(emu.Receipts()); n != 1 {
		t.Errorf("%d receipts printed, want 1", n)
	}
}

// hil pos --printer rfc2217://…: a sale prints through the emulator's
// RFC 2217 endpoint with hardware flow control; with the paper out, the
// status read through it stops the sale before it starts.
func TestPosSaleOverRFC2217(t *testing.T) {
	srv := acquirertest.NewServer(t, acquirer.Options{})
	emu, err := escpos.NewPrinter(escpos.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	ps, err := escpos.NewServer(emu, escpos.ServerOptions{RFC2217: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	url := ps.RFC2217URL() + "?baud=38400&flow=rtscts"
	code, out, stderr := runPosCmd(t, "--host", srv.Addr(), "--printer", url, "--terminal", "TERM0003",
		"sale", "--card", acquirer.CardApprove, "9.99")
	if code != ExitOK || !strings.Contains(out, "receipt=printed") {
		t.Fatalf("exit %d, %q, %s", code, out, stderr)
	}
	if err := emu.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(emu.Receipts()); n != 1 {
		t.Errorf("%d receipts printed, want 1", n)
	}
	emu.SetPaper(escpos.PaperOut)
	code, out, stderr = runPosCmd(t, "--host", srv.Addr(), "--printer", url, "--terminal", "TERM0003",
		"sale", "--card", acquirer.CardApprove, "1.00")
	if code != ExitFailure || !strings.Contains(stderr, "not ready: paper out") {
		t.Fatalf("paper out: exit %d, %q, %s", code, out, stderr)
	}
}
