package scenarios_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poshil/hil/internal/testtool"
	"github.com/poshil/hil/scenarios"
)

func python(t *testing.T) string {
	return testtool.Python(t)
}

func pytermCmd(t *testing.T, script string) []string {
	return []string{python(t), filepath.Join("..", "testdata", "terminals", script)}
}

// runOnTerminal runs scenario files (all of the suite when none) against
// the terminal of cmd, as hil run --terminal does.
func runOnTerminal(t *testing.T, cmd []string, parallel int, files ...string) []scenarios.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	hello, err := scenarios.ProbeTerminal(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	results, err := scenarios.Run(ctx, scenarios.RunOptions{
		Paths:    files,
		Params:   scenarios.Params(scenarios.Options{Terminal: cmd, TerminalHello: hello}),
		Parallel: parallel,
		KeepDir:  t.TempDir(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return results
}

// TestPytermPassesTheSuite: the Python reference terminal, driven through
// the terminal contract, passes every scenario that applies to it and is
// judged clean from the world's side; the others skip with the reason
// (pyterm has no void; internals and China UnionPay are not its).
func TestPytermPassesTheSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole suite against pyterm: not in -short")
	}
	// Its time is mostly the host's timeouts: it runs next to the other
	// scenario tests, 8 scenarios at once.
	t.Parallel()
	results := runOnTerminal(t, pytermCmd(t, "pyterm.py"), 8)
	pass := 0
	for _, r := range results {
		switch r.Outcome {
		case scenarios.Failed:
			t.Errorf("%s failed on pyterm: %s\n%s", r.Name, r.Reason, r.Log)
		case scenarios.Skipped:
			if !strings.HasPrefix(r.Reason, "needs ") {
				t.Errorf("%s skipped without a needs reason: %q", r.Name, r.Reason)
			}
		case scenarios.Passed:
			pass++
		}
	}
	// What pyterm lacks skips, named.
	for name, reason := range map[string]string{
		"s4_void_vs_refund":                     "needs void: terminal pyterm does not list it",
		"s9_fault_plan_crash_then_recover":      "needs internals",
		"cup_s6_response_lost_reversal":         "needs cup",
		"s8_settlement_unbalanced_batch_upload": "",
		"s6_crash_after_send_recover":           "",
	} {
		r := result(t, results, name)
		if reason == "" && r.Outcome != scenarios.Passed || reason != "" && (r.Outcome != scenarios.Skipped || !strings.Contains(r.Reason, reason)) {
			t.Errorf("%s: %s %q, want %s", name, r.Outcome, r.Reason, map[bool]string{true: "pass", false: "skip: " + reason}[reason == ""])
		}
	}
	t.Logf("pyterm: %d of %d scenarios passed, the rest skipped", pass, len(results))
}

func result(t *testing.T, rs []scenarios.Result, name string) scenarios.Result {
	t.Helper()
	for _, r := range rs {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no result for %s", name)
	return scenarios.Result{}
}

// TestBrokenTerminalsFailScenarios: each broken variant of pyterm fails
// the scenario that exercises its bug, and the world-side checker names
// the invariant it breaks.
func TestBrokenTerminalsFailScenarios(t *testing.T) {
	for _, c := range []struct {
		script, scenario, invariant string
	}{
		{"pyterm_prints_twice.py", "s5_reprint_marked_copy", "invariant 2"},
		{"pyterm_no_reversal.py", "s6_response_lost_reversal", "invariant 1"},
		{"pyterm_refund_any_card.py", "s4_refund_other_card_refused", "invariant 3"},
		{"pyterm_settle_blind.py", "s8_settlement_unbalanced_batch_upload", "invariant 4"},
		{"pyterm_logs_card.py", "s3_refund_found_by_lookup", "invariant 5"},
	} {
		t.Run(c.script, func(t *testing.T) {
			t.Parallel()
			rs := runOnTerminal(t, pytermCmd(t, c.script), 1, c.scenario+".txtar")
			r := result(t, rs, c.scenario)
			if r.Outcome != scenarios.Failed {
				t.Fatalf("%s on %s: %s, want a failure", c.scenario, c.script, r.Outcome)
			}
			if !strings.Contains(r.Log, "evidence: "+c.invariant) {
				t.Errorf("%s on %s: the log does not name %s from the world's side:\n%s", c.scenario, c.script, c.invariant, r.Log)
			}
			for _, inv := range []string{"invariant 1", "invariant 2", "invariant 3", "invariant 4", "invariant 5"} {
				if inv != c.invariant && strings.Contains(r.Log, "evidence: "+inv) {
					t.Errorf("%s on %s: the checker also names %s:\n%s", c.scenario, c.script, inv, r.Log)
				}
			}
		})
	}
}

// TestBuiltinTerminalThroughTheContract: poshil's own client behind the
// contract, started as a vendor's terminal is ("hil run --terminal 'hil
// terminal serve'"), passes every scenario that applies to it through the
// same path and is judged clean from the world's side; only the scenarios
// that need internals, and China UnionPay's (the run is on iso87), skip.
func TestBuiltinTerminalThroughTheContract(t *testing.T) {
	if testing.Short() {
		t.Skip("the whole suite through the contract: not in -short")
	}
	t.Parallel()
	hil, err := exec.LookPath("hil") // testscript.Main put the test binary on PATH as hil
	if err != nil {
		t.Fatal(err)
	}
	pass := 0
	results := runOnTerminal(t, []string{hil, "terminal", "serve"}, 8)
	for _, r := range results {
		switch {
		case r.Outcome == scenarios.Passed:
			pass++
		case r.Outcome == scenarios.Skipped && (strings.HasPrefix(r.Reason, "needs internals") || strings.HasPrefix(r.Reason, "needs cup")):
		default:
			t.Errorf("%s through the contract: %s %s\n%s", r.Name, r.Outcome, r.Reason, r.Log)
		}
	}
	// S1's cover opened mid-receipt keeps its printer connection open
	// and still sees the torn piece as receipt 1.
	if r := result(t, results, "s1_cover_open_mid_receipt_reprint"); r.Outcome != scenarios.Passed {
		t.Errorf("s1_cover_open_mid_receipt_reprint: %s", r.Outcome)
	}
	t.Logf("hil terminal serve: %d of %d scenarios passed, the rest skipped", pass, len(results))
}

// TestDefaultRunGoesThroughTheContract: the default run (no terminal
// named) drives the built-in terminal through the contract, judged from
// the world's side, in a scenario that does not need internals, and hil
// pos itself in one that does.
func TestDefaultRunGoesThroughTheContract(t *testing.T) {
	t.Parallel()
	results, err := scenarios.Run(t.Context(), scenarios.RunOptions{
		Paths:   []string{"s5_reprint_marked_copy.txtar", "s9_no_full_pan_on_disk.txtar"},
		Params:  scenarios.Params(scenarios.Options{}),
		KeepDir: t.TempDir(),
		Verbose: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	contract := "terminal poshil posclient (contract version 1)"
	if r := result(t, results, "s5_reprint_marked_copy"); r.Outcome != scenarios.Passed || !strings.Contains(r.Log, contract) {
		t.Errorf("s5_reprint_marked_copy: %s, want a pass through the contract (%q in the log):\n%s", r.Outcome, contract, r.Log)
	}
	if r := result(t, results, "s9_no_full_pan_on_disk"); r.Outcome != scenarios.Passed || strings.Contains(r.Log, contract) {
		t.Errorf("s9_no_full_pan_on_disk (needs internals): %s, want a pass on hil pos, not the contract:\n%s", r.Outcome, r.Log)
	}
}
