package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/pkg/hostproto"
)

// TestMain keeps hil pos's default journal ($XDG_STATE_HOME/poshil/…)
// inside a temporary folder, never in the home directory of whoever runs
// the tests.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hil-cli-state-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_STATE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newcomerCase is one case of issue 15 ("hil as a newcomer meets it"),
// run through the real CLI (Run).
type newcomerCase struct {
	name   string
	args   []string
	stdin  string
	code   int
	stdout string // regexp the whole stdout must match ("" : anything)
	stderr string // regexp stderr must contain ("" : anything)
	json   bool   // stdout is exactly one JSON object per line; check reason/exit
	reason string // with json: the reason field of the (last) object
}

func runNewcomer(t *testing.T, tc newcomerCase) (string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), tc.args, strings.NewReader(tc.stdin), &out, &errb)
	so, se := out.String(), errb.String()
	if code != tc.code {
		t.Errorf("hil %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(tc.args, " "), code, tc.code, so, se)
	}
	if tc.stdout != "" && !regexp.MustCompile(tc.stdout).MatchString(so) {
		t.Errorf("hil %s: stdout %q does not match %q", strings.Join(tc.args, " "), so, tc.stdout)
	}
	if tc.stderr != "" && !regexp.MustCompile(tc.stderr).MatchString(se) {
		t.Errorf("hil %s: stderr %q does not match %q", strings.Join(tc.args, " "), se, tc.stderr)
	}
	for _, s := range []string{so, se} {
		s = regexp.MustCompile(`(?m)^  hil .*$`).ReplaceAllString(s, "") // help examples use the test cards
		if strings.Contains(s, acquirer.CardApprove) || strings.Contains(s, acquirer.CardDecline) {
			t.Errorf("full card number in output: %q", s)
		}
		if strings.Count(s, "posclient:") > 1 || strings.Contains(s, "journal: journal:") || strings.Contains(s, "printer: printer:") {
			t.Errorf("hil %s: stuttering error: %q", strings.Join(tc.args, " "), s)
		}
	}
	if tc.json {
		lines := strings.Split(strings.TrimSuffix(so, "\n"), "\n")
		if so == "" {
			t.Fatalf("hil %s --json: no JSON on stdout (stderr %q)", strings.Join(tc.args, " "), se)
		}
		var last map[string]any
		for _, l := range lines {
			last = nil
			if err := json.Unmarshal([]byte(l), &last); err != nil {
				t.Fatalf("hil %s --json: line %q is not one JSON object: %v", strings.Join(tc.args, " "), l, err)
			}
		}
		if got, _ := last["reason"].(string); got != tc.reason {
			t.Errorf("hil %s --json: reason %q, want %q (%s)", strings.Join(tc.args, " "), got, tc.reason, so)
		}
		if tc.reason != "" && last["error"] == nil {
			t.Errorf("hil %s --json: no error field: %s", strings.Join(tc.args, " "), so)
		}
		if got, _ := last["exit"].(float64); int(got) != tc.code {
			t.Errorf("hil %s --json: exit field %v, want %d", strings.Join(tc.args, " "), last["exit"], tc.code)
		}
	}
	return so, se
}

func servedPrinter(t *testing.T) (*escpos.Printer, string) {
	t.Helper()
	emu, err := escpos.NewPrinter(escpos.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	ps, err := escpos.NewServer(emu, escpos.ServerOptions{TCP: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	return emu, ps.URL()
}

// TestNewcomerPos covers issue 15's hil pos cases: flags anywhere, --json
// for every outcome, expiry and lookup checks, printer URLs, stutter-free
// errors.
func TestNewcomerPos(t *testing.T) {
	srv := acquirertest.NewServer(t, acquirer.Options{})
	doubt := acquirertest.NewServer(t, acquirer.Options{})
	doubt.SetIntercept(func(st acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		return acquirer.Action{Drop: st == acquirer.AfterLedger && ex.MTI == hostproto.MTIFinancialRequest}
	})
	emu, prn := servedPrinter(t)
	_ = emu
	closed, closedURL := servedPrinter(t)
	closed.SetCover(true)
	dir := t.TempDir()
	jf := func(name string) string { return filepath.Join(dir, name+".db") }
	card, decl := acquirer.CardApprove, acquirer.CardDecline
	h := srv.Addr()

	for i, tc := range []newcomerCase{
		// 1. Flags anywhere, global ones too; sale -5 is a negative amount.
		{name: "flags after arguments", args: []string{"pos", "sale", "1.00", "--card", card, "--terminal", "TERMX001", "--host", h, "--journal", jf("a")},
			code: ExitOK, stdout: `^approved sale ref=\S+ amount=100 `},
		{name: "global flags after the command", args: []string{"pos", "sale", "2.00", "--card", card, "--repeat", "2", "--json", "--host", h, "--journal", jf("b"), "--terminal", "TERMX002"},
			code: ExitOK, stdout: `^(\{"ref":[^\n]*"state":"approved"[^\n]*\}\n){2}$`, json: true},
		{name: "negative amount", args: []string{"pos", "sale", "-5", "--card", card, "--journal", jf("c")},
			code: ExitUsage, stderr: `amount -5 is negative`},
		{name: "negative amount after flags", args: []string{"pos", "--journal", jf("c"), "sale", "--card", card, "-5"},
			code: ExitUsage, stderr: `amount -5 is negative`},
		// 2. --json: one object for every outcome, with error and reason.
		{name: "json approved", args: []string{"pos", "--json", "sale", "3.00", "--card", card, "--host", h, "--journal", jf("d")},
			code: ExitOK, json: true, reason: ""},
		{name: "json declined", args: []string{"pos", "--json", "sale", "3.00", "--card", decl, "--host", h, "--journal", jf("e")},
			code: ExitDeclined, json: true, reason: "declined", stdout: `"response_code":"05"`},
		{name: "json in doubt", args: []string{"pos", "--json", "--timeout", "300ms", "sale", "3.00", "--card", card, "--host", doubt.Addr(), "--journal", jf("f")},
			code: ExitInDoubt, json: true, reason: "in_doubt", stdout: `"state":"(reversed|reversal_queued)"`, stderr: `in doubt`},
		{name: "json refused: printer not ready", args: []string{"pos", "--json", "sale", "3.00", "--card", card, "--host", h, "--journal", jf("g"), "--printer", closedURL},
			code: ExitFailure, json: true, reason: "printer_not_ready", stderr: `printer not ready`},
		{name: "json host unreachable", args: []string{"pos", "--json", "sale", "3.00", "--card", card, "--host", "127.0.0.1:1", "--journal", jf("h")},
			code: ExitFailure, json: true, reason: "host"},
		{name: "json usage after parsing", args: []string{"pos", "sale", "3.00", "--json", "--journal", jf("i")},
			code: ExitUsage, json: true, reason: "usage", stderr: `sale needs --card`},
		{name: "json bad flag", args: []string{"pos", "--json", "sale", "3.00", "--bogus"},
			code: ExitUsage, json: true, reason: "usage", stderr: `flag provided but not defined: -bogus`},
		{name: "json no command", args: []string{"pos", "--json"},
			code: ExitUsage, json: true, reason: "usage"},
		{name: "json refund to another card", args: []string{"pos", "--json", "refund", "NOREF", "--card", decl, "--host", h, "--journal", jf("d")},
			code: ExitFailure, json: true, reason: "not_found"},
		// 4. Expiry checked before anything is journaled.
		{name: "expiry month 13", args: []string{"pos", "sale", "1.00", "--card", card, "--expiry", "2613", "--journal", jf("x")},
			code: ExitUsage, stderr: `--expiry "2613": month 13 is not 01 to 12`},
		{name: "expiry month 99", args: []string{"pos", "sale", "1.00", "--card", card, "--expiry", "1399", "--journal", jf("x")},
			code: ExitUsage, stderr: `month 99`},
		{name: "expiry letters", args: []string{"pos", "--json", "sale", "1.00", "--card", card, "--expiry", "abcd", "--journal", jf("x")},
			code: ExitUsage, json: true, reason: "usage", stderr: `--expiry "abcd": want YYMM, digits only`},
		{name: "nothing journaled after bad expiry", args: []string{"pos", "journal", "--journal", jf("x")},
			code: ExitFailure, stderr: `no journal yet|not exist`},
		// 5. Lookup: bad filters are usage errors; nothing found is said.
		{name: "lookup bogus state", args: []string{"pos", "lookup", "--state", "bogus", "--journal", jf("a")},
			code: ExitUsage, stderr: `--state "bogus": want owed, in-doubt, reversal-pending or one of journaled, sent, approved`},
		{name: "lookup short last4", args: []string{"pos", "lookup", "--last4", "42", "--journal", jf("a")},
			code: ExitUsage, stderr: `--last4 "42": want the card's last 4 digits`},
		{name: "lookup finds nothing", args: []string{"pos", "lookup", "--last4", "0000", "--journal", jf("a")},
			code: ExitOK, stdout: `^$`, stderr: `no transaction matches`},
		{name: "lookup json finds nothing", args: []string{"pos", "lookup", "--last4", "0000", "--journal", jf("a"), "--json"},
			code: ExitOK, stdout: `^\{"count":0,"results":\[\],"exit":0\}\n$`, json: true},
		{name: "lookup json finds one", args: []string{"pos", "lookup", "--state", "approved", "--journal", jf("a"), "--json"},
			code: ExitOK, stdout: `^\{"count":1,"results":\[\{"ref"`, json: true},
		// 7. Printer URLs: a hint for host:port, one exit code for a bad URL.
		{name: "printer without scheme", args: []string{"pos", "sale", "1.00", "--card", card, "--printer", "127.0.0.1:9100", "--journal", jf("y")},
			code: ExitUsage, stderr: `write tcp://127.0.0.1:9100`},
		{name: "printer bad scheme", args: []string{"pos", "--json", "sale", "1.00", "--card", card, "--printer", "tpc://127.0.0.1:9100", "--journal", jf("y")},
			code: ExitUsage, json: true, reason: "usage", stderr: `unknown scheme "tpc"`},
		{name: "status bad scheme", args: []string{"status", "tpc://127.0.0.1:9100"},
			code: ExitUsage, stderr: `unknown scheme "tpc"`},
		{name: "status flags after URL", args: []string{"status", prn, "--json", "--timeout", "5s"},
			code: ExitOK, stdout: `^\{"printer":"tcp://`},
		{name: "in doubt does not stutter", args: []string{"pos", "--timeout", "300ms", "sale", "3.00", "--card", card, "--host", doubt.Addr(), "--journal", jf("z")},
			code: ExitInDoubt, stderr: `^hil: pos: posclient: \S+ in doubt \((reversed|reversal_queued)\): host receive 0210: acquirer timeout\n$`},
		{name: "journal of an unknown ref does not stutter", args: []string{"pos", "journal", "NOREF", "--journal", jf("a"), "--json"},
			code: ExitFailure, json: true, reason: "not_found", stderr: `^hil: pos: journal: "NOREF": posclient: transaction not found\n$`},
		{name: "json recover with a receipt still owed", args: []string{"pos", "recover", "--json", "--host", h, "--journal", jf("a")},
			code: ExitInDoubt, json: true, reason: "work_left_open", stdout: `^\{"reversed":null,"unresolved":null,"printed":null,"owed":\["\S+"\],"pending":null,"error":`},
		{name: "json settle", args: []string{"pos", "settle", "--json", "--host", h, "--journal", jf("d")},
			code: ExitOK, json: true, stdout: `^\{"batch":1,`},
		{name: "printer sale with flags after", args: []string{"pos", "sale", "4.00", "--printer", prn, "--card", card, "--host", h, "--journal", jf("p")},
			code: ExitOK, stdout: `receipt=printed`},
	} {
		// Every case its own terminal: journals d and e are different
		// files, and the same terminal id with two journals would be the
		// very retransmission that point 3 is about.
		if tc.args[0] == "pos" && !slices.Contains(tc.args, "--terminal") {
			tc.args = append(tc.args, "--terminal", fmt.Sprintf("T%07d", i))
		}
		t.Run(tc.name, func(t *testing.T) { runNewcomer(t, tc) })
	}
}

// TestNewcomerDefaultJournal: hil pos without --journal keeps a journal per
// terminal under $XDG_STATE_HOME, so that two runs get different STANs and
// the host charges both sales.
func TestNewcomerDefaultJournal(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	t.Setenv("HIL_POS_JOURNAL", "")
	srv := acquirertest.NewServer(t, acquirer.Options{})
	var stans []float64
	for range 2 {
		so, _ := runNewcomer(t, newcomerCase{args: []string{"pos", "sale", "5.00", "--card", acquirer.CardApprove, "--json", "--host", srv.Addr(), "--terminal", "TERMD001"},
			code: ExitOK, json: true})
		var res map[string]any
		json.Unmarshal([]byte(so), &res)
		stans = append(stans, res["stan"].(float64))
	}
	if stans[0] == stans[1] {
		t.Errorf("two runs got STAN %v and %v; want different", stans[0], stans[1])
	}
	if _, err := os.Stat(filepath.Join(state, "poshil", "TERMD001.db")); err != nil {
		t.Errorf("default journal: %v", err)
	}
	so, _ := runNewcomer(t, newcomerCase{args: []string{"pos", "lookup", "--terminal", "TERMD001"}, code: ExitOK})
	if n := strings.Count(so, "approved sale"); n != 2 {
		t.Errorf("lookup in the default journal: %d sales, want 2:\n%s", n, so)
	}
	// :memory: is the explicit throwaway journal.
	runNewcomer(t, newcomerCase{args: []string{"pos", "sale", "5.00", "--card", acquirer.CardApprove, "--host", srv.Addr(), "--terminal", "TERMD002", "--journal", ":memory:"},
		code: ExitOK, stdout: `^approved sale `})
	if _, err := os.Stat(filepath.Join(state, "poshil", "TERMD002.db")); err == nil {
		t.Errorf(":memory: wrote a journal file")
	}
}

// TestNewcomerOtherCommands covers issue 15's cases outside hil pos.
func TestNewcomerOtherCommands(t *testing.T) {
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.txt")
	os.WriteFile(plan, []byte("acquirer drop-response mti=0200 nth=1\n"), 0o644)
	random := filepath.Join(dir, "random.bin")
	rnd := rand.New(rand.NewPCG(15, 15))
	buf := make([]byte, 4096)
	for i := range buf {
		buf[i] = byte(rnd.UintN(256))
	}
	os.WriteFile(random, buf, 0o644)
	long := filepath.Join(dir, "long.bin")
	os.WriteFile(long, append(append(buf[:0:0], bytes.Repeat([]byte{0x1b, 'J', 0xff}, 300)...), "end\n\x1dV\x00"...), 0o644)
	for _, tc := range []newcomerCase{
		{name: "faults check flags after file", args: []string{"faults", "check", plan, "--json"}, code: ExitOK, stdout: `^\{`},
		{name: "help lists exit codes", args: []string{"help"}, code: ExitOK, stdout: `(?s)Exit status:.*\n  4  hil pos: in doubt.*Examples:|(?s)Examples:.*Exit status:.*  6  hil pos`},
		{name: "pos help lists exit codes", args: []string{"pos", "--help"}, code: ExitOK, stderr: `(?s)Exit status:.*  6  another process owns the journal`},
		{name: "ports help lists exit codes", args: []string{"ports", "--help"}, code: ExitOK, stderr: `(?s)Exit status: 0 .*1 .*2 `},
		{name: "version", args: []string{"version"}, code: ExitOK, stdout: `^hil github.com/poshil/hil \S+\nrevision .+\ngo go1\.\d+`},
		{name: "run bad printer scheme", args: []string{"run", "--printer", "tpc://127.0.0.1:9100", "--keep", filepath.Join(dir, "keep")},
			code: ExitUsage, stdout: `^$`, stderr: `^hil: run: printer: bad URL "tpc://127.0.0.1:9100": unknown scheme "tpc"; want serial, tcp, rfc2217 or file\n$`},
		{name: "run unreachable printer", args: []string{"run", "--keep", filepath.Join(dir, "keep"), "--printer", "tcp://127.0.0.1:1"},
			code: ExitFailure, stdout: `^$`, stderr: `^hil: run: --printer tcp://127.0.0.1:1 cannot be reached; no scenario was run: [^\n]*\n$`},
		{name: "render random bytes", args: []string{"render", random, "--format", "text"}, code: ExitOK, stderr: `skipped \d+ more malformed sequences \(\d+ in all\)\n$`},
		{name: "render too long for png", args: []string{"render", long, "--format", "png", "-o", filepath.Join(dir, "long.png")},
			code: ExitFailure, stderr: `^hil: render: receipt 1 is longer than 65536 dots \(about 8 m of paper at 203 dpi\), too long to draw as png; --format text shows it\n$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, se := runNewcomer(t, tc)
			if tc.args[0] == "render" {
				last := strings.TrimSpace(se)
				if i := strings.LastIndex(last, "\n"); i >= 0 {
					last = last[i+1:]
				}
				if regexp.MustCompile(`[A-Z][a-z]+[A-Z][A-Za-z]*\)?\.?$`).MatchString(last) {
					t.Errorf("render ends with an internal name: %q", last)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "keep")); err == nil {
		t.Errorf("hil run kept a work folder although no scenario ran")
	}
}
