package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/poshil/hil/chaos/chaostest"
	"github.com/poshil/hil/internal/testtool"
)

func runChaosCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(t.Context(), append([]string{"chaos"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

var chaosSummary = regexp.MustCompile(`(?m)\Achaos: (\d+) runs, (\d+) operations, (\d+) faults, (\d+) violations\n\z`)

func lastLine(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:] + "\n"
}

func TestChaosClean(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runChaosCLI(t, "--seed", "1", "--runs", "20", "--exclude", "printer power-cycle", "--out", dir)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	m := chaosSummary.FindStringSubmatch(lastLine(out))
	if m == nil || m[1] != "20" || m[4] != "0" || m[2] == "0" || m[3] == "0" {
		t.Fatalf("summary line %q", lastLine(out))
	}
	// stderr is not a terminal here: plain progress lines, no bar.
	if !strings.Contains(errs, "chaos: 20/20 runs, 0 violations") || strings.Contains(errs, "\r") {
		t.Errorf("progress on a non-terminal:\n%q", errs)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("scenarios written for a clean run: %v", entries)
	}
}

func TestChaosViolationShrunkAndReplayed(t *testing.T) {
	ChaosMutation = chaostest.ReprintUnmarked()
	t.Cleanup(func() { ChaosMutation = nil })
	dir := t.TempDir()
	code, out, errs := runChaosCLI(t, "--seed", "100", "--runs", "12", "--exclude", "printer power-cycle", "--out", dir, "--max-shrink", "1")
	if code != ExitFailure {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitFailure, out, errs)
	}
	m := chaosSummary.FindStringSubmatch(lastLine(out))
	if m == nil || m[4] == "0" {
		t.Fatalf("summary line %q", lastLine(out))
	}
	for _, want := range []string{"violation: seed ", "invariant 2 (receipt)", "shrunk in ", "plan:\n  seed "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "chaos_seed_*_receipt.txtar"))
	if len(paths) == 0 {
		t.Fatalf("no scenario written in %s:\n%s", dir, out)
	}
	if !strings.Contains(out, "scenario: "+paths[0]+"\n") {
		t.Errorf("scenario path not printed:\n%s", out)
	}
	// Replay the first: it fails with the mutation, passes without.
	code, out, errs = runChaosCLI(t, "--replay", paths[0])
	if code != ExitFailure || !strings.Contains(out, "violation: invariant 2") {
		t.Errorf("replay with the mutation: exit %d\n%s\n%s", code, out, errs)
	}
	if m := chaosSummary.FindStringSubmatch(lastLine(out)); m == nil || m[1] != "1" || m[4] != "1" {
		t.Errorf("replay summary %q", lastLine(out))
	}
	ChaosMutation = nil
	code, out, errs = runChaosCLI(t, "--replay", paths[0])
	if code != ExitOK || !strings.HasSuffix(out, " 0 violations\n") {
		t.Errorf("replay without the mutation: exit %d\n%s\n%s", code, out, errs)
	}
}

func TestChaosUsage(t *testing.T) {
	for _, args := range [][]string{{"--runs", "0"}, {"--terminals", "0"}, {"extra"}, {"--no-such-flag"}, {"--exclude", "printer jam"}} {
		if code, out, errs := runChaosCLI(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d\n%s\n%s", args, code, ExitUsage, out, errs)
		}
	}
	if code, _, errs := runChaosCLI(t, "--replay", filepath.Join(t.TempDir(), "missing.txtar")); code != ExitFailure || !strings.Contains(errs, "missing.txtar") {
		t.Errorf("replay of a missing file: exit %d, %s", code, errs)
	}
	bad := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(bad, []byte("seed 1\nop 1 t1 dance\n"), 0o644)
	if code, _, errs := runChaosCLI(t, "--replay", bad); code != ExitUsage || !strings.Contains(errs, "dance") {
		t.Errorf("replay of a bad schedule: exit %d, %s", code, errs)
	}
}

func TestChaosDuration(t *testing.T) {
	code, out, errs := runChaosCLI(t, "--seed", "3", "--runs", "1000000", "--duration", "300ms", "--exclude", "printer power-cycle", "--out", t.TempDir())
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	m := chaosSummary.FindStringSubmatch(lastLine(out))
	if m == nil || m[1] == "0" || len(m[1]) >= 7 {
		t.Fatalf("summary line %q: want some runs, far fewer than 1000000", lastLine(out))
	}
}

func chaosPython(tb testing.TB) string {
	return testtool.Python(tb)
}

// TestChaosTerminal: hil chaos --terminal drives a terminal program through
// the contract. The terminal that prints every receipt twice is caught
// (invariant 2), the schedule is shrunk and written as a scenario that
// --terminal CMD --replay reproduces; on the sound pyterm the same scenario
// passes, and a few schedules find nothing.
func TestChaosTerminal(t *testing.T) {
	py := chaosPython(t)
	term := func(script string) string {
		return py + " " + filepath.Join("..", "..", "testdata", "terminals", script)
	}
	dir := t.TempDir()
	code, out, errs := runChaosCLI(t, "--terminal", term("pyterm_prints_twice.py"), "--seed", "1", "--runs", "2", "--terminals", "1",
		"--ops", "3", "--faults", "0", "--max-shrink", "1", "--response-timeout", "150ms", "--out", dir)
	if code != ExitFailure {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitFailure, out, errs)
	}
	for _, want := range []string{"violation: seed ", "invariant 2 (receipt) CHAOS001 rrn ", "receipts not marked as copies", "shrunk in "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "chaos_seed_*_receipt.txtar"))
	if len(paths) == 0 {
		t.Fatalf("no scenario written in %s:\n%s", dir, out)
	}
	data, _ := os.ReadFile(paths[0])
	if !strings.Contains(string(data), "exec hil chaos --terminal '"+term("pyterm_prints_twice.py")+"' --replay chaos-schedule.txt") {
		t.Errorf("the scenario does not replay on the terminal:\n%s", data)
	}
	code, out, errs = runChaosCLI(t, "--terminal", term("pyterm_prints_twice.py"), "--response-timeout", "150ms", "--replay", paths[0])
	if code != ExitFailure || !strings.Contains(out, "violation: invariant 2") {
		t.Errorf("replay on the broken terminal: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runChaosCLI(t, "--terminal", term("pyterm.py"), "--response-timeout", "150ms", "--replay", paths[0])
	if code != ExitOK || !strings.HasSuffix(out, " 0 violations\n") {
		t.Errorf("replay on pyterm: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runChaosCLI(t, "--terminal", term("pyterm.py"), "--seed", "7", "--runs", "3", "--response-timeout", "150ms",
		"--exclude", "printer power-cycle,printer paper-out,printer cover-open,printer cutter-jam,printer offline", "--out", t.TempDir())
	if m := chaosSummary.FindStringSubmatch(lastLine(out)); code != ExitOK || m == nil || m[1] != "3" || m[4] != "0" {
		t.Errorf("pyterm: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runChaosCLI(t, "--terminal", " "); code != ExitUsage || !strings.Contains(errs, "--terminal") {
		t.Errorf("empty --terminal: exit %d, %s", code, errs)
	}
}
