package sqlitejournal_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/escpostest"
	"github.com/poshil/hil/emulator/escpos/render"
	"github.com/poshil/hil/internal/cli"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal/sqlitejournal"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
)

// TestHelperHil is not a test: it is the hil command, run by the crash
// tests as a child process (this test binary re-executed), so that a
// crash point can really SIGKILL it.
func TestHelperHil(t *testing.T) {
	if os.Getenv("JOURNAL_TEST_HIL") != "1" {
		t.Skip("the hil command for TestHilPosCrashRecover, run as a child process")
	}
	args := os.Args
	i := slices.Index(args, "--")
	os.Exit(cli.Run(context.Background(), args[i+1:], os.Stdin, os.Stdout, os.Stderr))
}

// hilResult is how a hil child process ended.
type hilResult struct {
	stdout, stderr string
	code           int
	killed         bool // by SIGKILL
}

func runHil(t *testing.T, args ...string) hilResult {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], append([]string{"-test.run=^TestHelperHil$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "JOURNAL_TEST_HIL=1", "HIL_POS_CRASH=", "HIL_POS_JOURNAL=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := hilResult{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			r.killed = true
		}
	default:
		t.Fatalf("hil %v: %v", args, err)
	}
	return r
}

// TestHilPosCrashRecover runs `hil pos sale` on a SQLite journal against
// the acquirer and printer emulators and has it SIGKILL itself at each
// crash point of the sale; then `hil pos recover` (twice) on the same
// journal. Checked against the acquirer's ledger, the printed paper and
// the journal file: no approved sale lost, none charged twice, every owed
// receipt printed exactly once, no card number on disk.
func TestHilPosCrashRecover(t *testing.T) {
	if testing.Short() {
		t.Skip("runs hil as child processes")
	}
	for _, step := range posclient.CrashPoints {
		t.Run(step, func(t *testing.T) {
			t.Parallel() // each has its own emulators and journal; most of the time is process start-up
			acq := acquirertest.NewServer(t, acquirer.Options{})
			prn := escpostest.NewPrinterServer(t, escpos.Options{}, escpos.ServerOptions{TCP: true})
			jpath := filepath.Join(t.TempDir(), "journal.db")
			pos := func(args ...string) hilResult {
				return runHil(t, append([]string{"pos", "--journal", jpath, "--host", acq.Addr(), "--printer", prn.URL,
					"--terminal", "TERM0001", "--timeout", "10s"}, args...)...)
			}
			pan := posclienttest.CardApprove

			if r := pos("sale", "5.00", "--card", pan); r.code != 0 || r.killed {
				t.Fatalf("first sale: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if r := pos("--crash-at", step, "sale", "12.34", "--card", pan); !r.killed {
				t.Fatalf("sale with --crash-at %s was not killed: exit %d\n%s%s", step, r.code, r.stdout, r.stderr)
			}
			if r := pos("recover"); r.code != 0 || r.killed {
				t.Fatalf("recover: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if r := pos("recover"); r.code != 0 {
				t.Fatalf("second recover: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			prn.MustWaitIdle(t)

			j, err := sqlitejournal.Open(jpath)
			if err != nil {
				t.Fatalf("journal after the crash: %v", err)
			}
			sales, err := j.Find(context.Background(), posclient.Query{Kind: posclient.KindSale})
			j.Close()
			if err != nil {
				t.Fatal(err)
			}
			if len(sales) != 2 {
				t.Fatalf("journal holds %d sales, want 2", len(sales))
			}
			var receipts []string
			for _, r := range prn.Receipts() {
				receipts = append(receipts, string(render.Text(r)))
			}
			host := acq.Ledger().Transactions("TERM0001")
			for _, tx := range sales {
				charged := 0
				for _, v := range host {
					if v.Type == acquirer.KindSale && v.Amount == tx.Amount && v.State == acquirer.StateApproved {
						charged++
					}
				}
				orig, marked, _ := posclienttest.CountReceipts(receipts, tx.RRN)
				printed := orig + marked
				t.Logf("%s %d: %s, receipt %s; host charged %d, printed %d (%d marked as interrupted)", tx.Ref, tx.Amount, tx.State, tx.Receipt, charged, printed, marked)
				switch tx.State {
				case posclient.StateApproved:
					if charged != 1 {
						t.Errorf("%s (%d): approved in the journal, charged %d times at the host", tx.Ref, tx.Amount, charged)
					}
					// A crash between the approval row and the printed row
					// leaves the journal not knowing whether paper came out:
					// recover prints the receipt again marked as interrupted.
					// Never two unmarked originals, never none.
					wantOrig, wantMarked := 1, 0
					if tx.Amount == 1234 {
						switch step {
						case posclient.CrashAfterApproval, posclient.CrashMidPrint:
							wantOrig, wantMarked = 0, 1
						case posclient.CrashAfterPrint:
							wantOrig, wantMarked = 1, 1
						}
					}
					if tx.Receipt != posclient.ReceiptPrinted || orig != wantOrig || marked != wantMarked {
						t.Errorf("%s (%d): receipt %s, %d originals and %d marked printed; want printed, %d and %d", tx.Ref, tx.Amount, tx.Receipt, orig, marked, wantOrig, wantMarked)
					}
				case posclient.StateReversed:
					if tx.Amount == 500 {
						t.Errorf("the sale before the crash was reversed")
					}
					if charged != 0 {
						t.Errorf("%s: reversed in the journal, still charged at the host", tx.Ref)
					}
				default:
					t.Errorf("%s (%d): %s after recover", tx.Ref, tx.Amount, tx.State)
				}
			}
			for _, v := range host {
				if v.Type == acquirer.KindSale && v.State == acquirer.StateApproved && !slices.ContainsFunc(sales, func(tx posclient.Txn) bool {
					return tx.RRN == v.RRN && tx.State == posclient.StateApproved
				}) {
					t.Errorf("host charge %s (%d) is not an approved sale in the journal", v.RRN, v.Amount)
				}
			}
			for _, suffix := range []string{"", "-wal", "-shm"} {
				data, err := os.ReadFile(jpath + suffix)
				if err == nil && bytes.Contains(data, []byte(pan)) {
					t.Errorf("journal%s holds the card number", suffix)
				}
			}
			for _, r := range receipts {
				if strings.Contains(r, pan) {
					t.Errorf("a receipt holds the card number")
				}
			}
		})
	}
}
