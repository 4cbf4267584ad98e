package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/escpostest"
	"github.com/poshil/hil/emulator/escpos/render"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal/sqlitejournal"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
)

// TestHelperHilProcess is not a test: it is the hil command, run as a
// child process (this test binary re-executed) by the tests below, so
// that two real processes can share one journal.
func TestHelperHilProcess(t *testing.T) {
	if os.Getenv("CLI_TEST_HIL") != "1" {
		t.Skip("the hil command, run as a child process by the journal-ownership tests")
	}
	i := slices.Index(os.Args, "--")
	os.Exit(Run(context.Background(), os.Args[i+1:], os.Stdin, os.Stdout, os.Stderr))
}

type procResult struct {
	code           int
	stdout, stderr string
}

// hilProcess runs hil ARGS as a child process with stdin as its input.
func hilProcess(t *testing.T, stdin string, args ...string) procResult {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], append([]string{"-test.run=^TestHelperHilProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "CLI_TEST_HIL=1", "HIL_POS_JOURNAL=", "HIL_CARD=", "HIL_POS_CRASH=")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := procResult{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("hil %v: %v", args, err)
	}
	return r
}

// TestPosTwoProcessesOneJournal: two sale loops on one journal, as a till
// with a second process on its journal has. Before the journal had one
// owner, each process's reversal drain took the other's in-flight sale
// for a crash leftover and reversed live sales. Now a second writer is
// refused naming the holder (exit 6), or waits its turn with --wait; a
// lookup reads beside the owner; nothing is ever reversed.
func TestPosTwoProcessesOneJournal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hil as child processes")
	}
	acq := acquirertest.NewServer(t, acquirer.Options{})
	prn := escpostest.NewPrinterServer(t, escpos.Options{}, escpos.ServerOptions{TCP: true})
	jpath := filepath.Join(t.TempDir(), "till.db")
	base := []string{"pos", "--journal", jpath, "--host", acq.Addr(), "--printer", prn.URL, "--timeout", "10s"}

	// The journal held by another owner: refused at once, the holder named.
	held, err := sqlitejournal.OpenWith(jpath, sqlitejournal.Options{Holder: "back-office recover (test)"})
	if err != nil {
		t.Fatal(err)
	}
	r := hilProcess(t, "", append(base, "sale", "1.00", "--card", posclienttest.CardApprove)...)
	if r.code != ExitBusy || !strings.Contains(r.stderr, "back-office recover (test)") {
		t.Fatalf("sale while another owns the journal: exit %d, stderr %q; want %d naming the holder", r.code, r.stderr, ExitBusy)
	}
	if r := hilProcess(t, "", append(base, "lookup")...); r.code != ExitOK {
		t.Errorf("lookup beside the owner: exit %d, %s", r.code, r.stderr)
	}
	held.Close()

	// Two loops of 20 sales each, started together, both waiting their turn.
	var wg sync.WaitGroup
	results := make([]procResult, 2)
	for i := range 2 {
		wg.Go(func() {
			results[i] = hilProcess(t, "", append(base, "--wait", "2m", "--repeat", "20", "sale", "1.00", "--card", posclienttest.CardApprove)...)
		})
	}
	wg.Wait()
	approved := 0
	for i, r := range results {
		if r.code != ExitOK {
			t.Errorf("loop %d: exit %d\n%s", i, r.code, r.stderr)
		}
		approved += strings.Count(r.stdout, "approved sale ")
	}
	if approved != 40 {
		t.Errorf("%d sales approved, want 40", approved)
	}
	reversals, sales := 0, 0
	for _, v := range acq.Ledger().Transactions("TERM0001") {
		if v.Type == acquirer.KindSale {
			sales++
			if v.State != acquirer.StateApproved {
				reversals++
			}
		}
	}
	if sales != 40 || reversals != 0 {
		t.Errorf("host: %d sales, %d not standing; want 40 standing", sales, reversals)
	}
	j, err := sqlitejournal.OpenWith(jpath, sqlitejournal.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	txns, err := j.Find(t.Context(), posclient.Query{Kind: posclient.KindSale})
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range txns {
		if tx.State != posclient.StateApproved || tx.Receipt != posclient.ReceiptPrinted {
			t.Errorf("%s: %s, receipt %s; want approved and printed", tx.Ref, tx.State, tx.Receipt)
		}
	}
	if len(txns) != 40 { // the refused sale never reached the journal
		t.Errorf("journal holds %d sales, want 40", len(txns))
	}
}

// TestPosPrinterLeftMidCommand: a client leaves the printer in the middle
// of a command (GS ( E with 65535 parameter bytes to come) and goes away.
// The next sale's receipt must come out whole and be proven printed — not
// journaled "printed" on a clean status while nothing came out.
func TestPosPrinterLeftMidCommand(t *testing.T) {
	acq := acquirertest.NewServer(t, acquirer.Options{})
	prn := escpostest.NewPrinterServer(t, escpos.Options{}, escpos.ServerOptions{TCP: true})
	c, err := net.Dial("tcp", prn.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("\x1d(E\xff\xff")); err != nil {
		t.Fatal(err)
	}
	c.Close()
	code, out, stderr := runPosCmd(t, "--host", acq.Addr(), "--printer", prn.URL, "--timeout", "10s", "sale", "25.00", "--card", posclienttest.CardApprove)
	if code != ExitOK || !strings.Contains(out, "receipt=printed") {
		t.Fatalf("sale: exit %d, %q %s", code, out, stderr)
	}
	prn.MustWaitIdle(t)
	whole := 0
	for _, r := range prn.Receipts() {
		if text := string(render.Text(r)); r.Cut() != nil && strings.Contains(text, "424242******4242") {
			whole++
		}
	}
	if whole != 1 {
		t.Errorf("%d whole receipts of the sale on paper, want 1", whole)
	}
}

// TestPosDiskFullAfterApproval: the journal write that records the
// approval fails (an injected full disk on the SQLite journal). hil pos
// says the host approved and the journal could not record it, with exit
// 5, not exit 1 ("nothing charged"); recover then settles the sale from
// the row written before the send, and nothing is charged or printed
// twice. The same with the disk full at the "printed" row: recover prints
// the receipt again marked as interrupted, never a second original.
func TestPosDiskFullAfterApproval(t *testing.T) {
	for _, tc := range []struct {
		name     string
		nth      int  // the journal write that fails first (see below)
		printed  bool // the receipt came out before the failure
		reversed bool // recover reverses the sale
	}{
		// Writes of one sale in a fresh process: 1 STAN, 2 intent row,
		// 3 sign-on STAN, 4 sent row, 5 approved+printing row, 6 printed row.
		{"approval row", 5, false, true},
		{"printed row", 6, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acq := acquirertest.NewServer(t, acquirer.Options{})
			prn := escpostest.NewPrinterServer(t, escpos.Options{}, escpos.ServerOptions{TCP: true})
			dir := t.TempDir()
			plan := filepath.Join(dir, "plan.txt")
			if err := os.WriteFile(plan, fmt.Appendf(nil, "client disk-full nth=%d\n", tc.nth), 0o600); err != nil {
				t.Fatal(err)
			}
			base := []string{"--journal", filepath.Join(dir, "till.db"), "--host", acq.Addr(), "--printer", prn.URL, "--timeout", "10s"}
			code, out, stderr := runPosCmd(t, append(base, "--faults", plan, "sale", "12.00", "--card", posclienttest.CardApprove)...)
			if code != ExitStorage || !strings.Contains(stderr, "approved at the host") || !strings.Contains(stderr, "disk is full") {
				t.Fatalf("sale: exit %d, stderr %q; want %d saying the host approved and the disk is full", code, stderr, ExitStorage)
			}
			if !strings.HasPrefix(out, "approved sale ") {
				t.Errorf("stdout %q: want the approved result line", out)
			}
			for i := range 2 {
				if code, out, stderr := runPosCmd(t, append(base, "recover")...); code != ExitOK {
					t.Fatalf("recover %d: exit %d %q %s", i+1, code, out, stderr)
				}
			}
			prn.MustWaitIdle(t)
			var texts []string
			for _, r := range prn.Receipts() {
				if r.Cut() != nil {
					texts = append(texts, string(render.Text(r)))
				}
			}
			orig, marked, _ := posclienttest.CountReceipts(texts, "424242******4242")
			charged := 0
			for _, v := range acq.Ledger().Transactions("TERM0001") {
				if v.Type == acquirer.KindSale && v.State == acquirer.StateApproved {
					charged++
				}
			}
			_, look, _ := runPosCmd(t, append(base, "lookup")...)
			switch {
			case tc.reversed:
				if charged != 0 || orig+marked != 0 || !strings.HasPrefix(look, "reversed sale ") {
					t.Errorf("charged %d, %d+%d receipts, journal %q; want reversed, nothing charged or printed", charged, orig, marked, look)
				}
			case tc.printed:
				if charged != 1 || orig != 1 || marked != 1 || !strings.Contains(look, "receipt=printed") {
					t.Errorf("charged %d, %d originals + %d marked, journal %q; want 1 charge, 1 original and 1 marked", charged, orig, marked, look)
				}
			}
		})
	}
}

// TestPosCardFromStdinAndEnvironment: the card number need not be on the
// command line (where ps shows it).
func TestPosCardFromStdinAndEnvironment(t *testing.T) {
	acq := acquirertest.NewServer(t, acquirer.Options{})
	var out, errb bytes.Buffer
	code := Run(t.Context(), []string{"pos", "--host", acq.Addr(), "sale", "1.00", "--card", "-"}, strings.NewReader(posclienttest.CardApprove+"\n"), &out, &errb)
	if code != ExitOK || !strings.HasPrefix(out.String(), "approved sale ") {
		t.Errorf("--card -: exit %d, %q %s", code, out.String(), errb.String())
	}
	t.Setenv("HIL_CARD", posclienttest.CardApprove)
	code, o, e := runPosCmd(t, "--host", acq.Addr(), "--terminal", "TERM0002", "sale", "2.00")
	if code != ExitOK || !strings.HasPrefix(o, "approved sale ") {
		t.Errorf("HIL_CARD: exit %d, %q %s", code, o, e)
	}
	out.Reset()
	errb.Reset()
	code = Run(t.Context(), []string{"pos", "--host", acq.Addr(), "sale", "1.00", "--card", "-"}, strings.NewReader(""), &out, &errb)
	if code != ExitUsage || !strings.Contains(errb.String(), "no card number on standard input") {
		t.Errorf("--card - with nothing on stdin: exit %d, %q", code, errb.String())
	}
}

// TestPosProcessesCreateOneJournal: processes started together on a
// journal that does not exist yet take turns (--wait); exactly one creates
// it, none fails with "file exists".
func TestPosProcessesCreateOneJournal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hil as child processes")
	}
	acq := acquirertest.NewServer(t, acquirer.Options{})
	jpath := filepath.Join(t.TempDir(), "new.db")
	const n = 4
	var wg sync.WaitGroup
	results := make([]procResult, n)
	for i := range n {
		wg.Go(func() {
			results[i] = hilProcess(t, posclienttest.CardApprove+"\n", "pos", "--journal", jpath, "--host", acq.Addr(), "--wait", "2m",
				"sale", fmt.Sprint(100+i), "--card", "-")
		})
	}
	wg.Wait()
	for i, r := range results {
		if r.code != ExitOK || !strings.HasPrefix(r.stdout, "approved sale ") {
			t.Errorf("process %d: exit %d, %q %s", i, r.code, r.stdout, r.stderr)
		}
	}
	j, err := sqlitejournal.OpenWith(jpath, sqlitejournal.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	txns, err := j.Find(t.Context(), posclient.Query{Kind: posclient.KindSale})
	if err != nil || len(txns) != n {
		t.Errorf("journal holds %d sales (%v), want %d", len(txns), err, n)
	}
}
