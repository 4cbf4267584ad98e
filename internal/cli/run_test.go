package cli

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/escpostest"
	"github.com/poshil/hil/emulator/escpos/render"
	"github.com/poshil/hil/internal/testtool"
)

// TestRunFailingScenarioKeepsArtifacts runs a suite with a passing, a
// skipped and a deliberately failing scenario: the table says so, the exit
// status is 1, the failed scenario's work folder is kept with the files it
// made, and the JUnit report names the failure.
func TestRunFailingScenarioKeepsArtifacts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	write("a_pass.txtar", "# passes\nexists data.txt\n-- data.txt --\nok\n")
	write("b_skip.txtar", "[!hw] skip 'needs a real printer'\nexists never\n")
	write("c_fail.txtar", "# writes an artifact, then fails on purpose\ncp data.txt artifact.txt\ngrep 'expected receipt' artifact.txt\n-- data.txt --\nsomething else\n")

	keep := filepath.Join(t.TempDir(), "kept")
	junit := filepath.Join(t.TempDir(), "report.xml")
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"run", "--keep", keep, "--junit", junit, dir}, nil, &out, &errb)
	require.Equal(t, ExitFailure, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())

	require.Regexp(t, regexp.MustCompile(`(?m)^a_pass\s+pass\s`), out.String())
	require.Regexp(t, regexp.MustCompile(`(?m)^b_skip\s+skip\s.*needs a real printer`), out.String())
	require.Regexp(t, regexp.MustCompile(`(?m)^c_fail\s+FAIL\s`), out.String())
	require.Contains(t, out.String(), "1 passed, 1 failed, 1 skipped\n")
	require.Contains(t, out.String(), "no match for `expected receipt`")

	// The failed scenario's work folder is kept with its artifact; the others are gone.
	art, err := os.ReadFile(filepath.Join(keep, "script-c_fail", "artifact.txt"))
	require.NoError(t, err)
	require.Equal(t, "something else\n", string(art))
	require.NoDirExists(t, filepath.Join(keep, "script-a_pass"))
	require.Contains(t, out.String(), filepath.Join(keep, "script-c_fail"))

	var report struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Cases    []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
		} `xml:"testcase"`
	}
	data, err := os.ReadFile(junit)
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(data, &report))
	require.Equal(t, 3, report.Tests)
	require.Equal(t, 1, report.Failures)
	require.Equal(t, 1, report.Skipped)
	require.Equal(t, "c_fail", report.Cases[2].Name)
	require.NotNil(t, report.Cases[2].Failure)
}

func TestRunBadArguments(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, ExitUsage, Run(context.Background(), []string{"run", "--parallel", "0"}, nil, &out, &errb))
	require.Contains(t, errb.String(), "--parallel must be at least 1")

	errb.Reset()
	require.Equal(t, ExitUsage, Run(context.Background(), []string{"run", "--printer", "tcp://127.0.0.1:9", "--caps", "laser"}, nil, &out, &errb))
	require.Contains(t, errb.String(), `unknown capability "laser"`)

	errb.Reset()
	require.Equal(t, ExitFailure, Run(context.Background(), []string{"run", filepath.Join(t.TempDir(), "missing.txtar")}, nil, &out, &errb))
	require.Contains(t, errb.String(), "missing.txtar")
}

// TestRunReportsMaskCardNumbers: a failed scenario's log echoes its script
// lines, and its kept work folder holds what it wrote; neither the table,
// the JUnit report nor the kept folder may hold a full card number.
func TestRunReportsMaskCardNumbers(t *testing.T) {
	const pan = "4242424242424242"
	dir := t.TempDir()
	// (This test binary is not hil, so the script runs no hil command.)
	script := "cp card.txt copy.txt\n" +
		"grep 'card " + pan + " declined' card.txt\n" + // fails, quoting the number
		"-- card.txt --\ncard " + pan + " approved, typed by the cashier\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "s_fail.txtar"), []byte(script), 0o644))
	keep := filepath.Join(t.TempDir(), "kept")
	junit := filepath.Join(t.TempDir(), "report.xml")
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"run", "-v", "--keep", keep, "--junit", junit, dir}, nil, &out, &errb)
	require.Equal(t, ExitFailure, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	require.Contains(t, out.String(), "424242******4242", "the log should show the masked script line")
	require.NotContains(t, out.String(), pan)
	require.NotContains(t, errb.String(), pan)
	report, err := os.ReadFile(junit)
	require.NoError(t, err)
	require.NotContains(t, string(report), pan)
	files := 0
	require.NoError(t, filepath.WalkDir(keep, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NotContains(t, string(data), pan, "kept file %s", path)
		return nil
	}))
	require.NotZero(t, files, "the failed scenario's folder should be kept")
}

// TestRunShards: --shard 1/3, 2/3 and 3/3 run disjoint slices of the
// scenarios that together are the whole suite; a bad --shard is a usage
// error.
func TestRunShards(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n+".txtar"), []byte("exists data.txt\n-- data.txt --\nok\n"), 0o644))
		want = append(want, n)
	}
	var got []string
	for k := 1; k <= 3; k++ {
		var out, errb bytes.Buffer
		code := Run(context.Background(), []string{"run", "--shard", fmt.Sprintf("%d/3", k), dir}, nil, &out, &errb)
		require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
		for _, m := range regexp.MustCompile(`(?m)^([a-g])\s+pass\s`).FindAllStringSubmatch(out.String(), -1) {
			require.NotContains(t, got, m[1], "scenario in two shards")
			got = append(got, m[1])
		}
	}
	slices.Sort(got)
	require.Equal(t, want, got)
	for _, bad := range []string{"0/3", "4/3", "x", "1/0"} {
		var out, errb bytes.Buffer
		require.Equal(t, ExitUsage, Run(context.Background(), []string{"run", "--shard", bad, dir}, nil, &out, &errb), bad)
		require.Contains(t, errb.String(), "--shard")
	}
}

// TestRunTerminal: hil run --terminal drives pyterm through the terminal
// contract: a scenario it can run passes, one that needs what pyterm
// lacks (void) skips with the reason in the table and in the JUnit
// report, and a terminal that cannot start fails before any scenario.
func TestRunTerminal(t *testing.T) {
	py := testtool.Python(t)
	pyterm := filepath.Join("..", "..", "testdata", "terminals", "pyterm.py")
	suite := filepath.Join("..", "..", "scenarios")
	junit := filepath.Join(t.TempDir(), "report.xml")
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"run", "--terminal", py + " " + pyterm, "--junit", junit,
		filepath.Join(suite, "s3_partial_refunds_up_to_original.txtar"), filepath.Join(suite, "s4_void_vs_refund.txtar")}, nil, &out, &errb)
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	require.Contains(t, out.String(), "terminal pyterm (contract version 1)")
	require.Regexp(t, regexp.MustCompile(`(?m)^s3_partial_refunds_up_to_original\s+pass\s`), out.String())
	require.Regexp(t, regexp.MustCompile(`(?m)^s4_void_vs_refund\s+skip\s.*needs void: terminal pyterm does not list it`), out.String())
	data, err := os.ReadFile(junit)
	require.NoError(t, err)
	require.Regexp(t, regexp.MustCompile(`<testcase name="s4_void_vs_refund"[^>]*>\s*<skipped message="needs void: terminal pyterm`), string(data))

	out.Reset()
	errb.Reset()
	code = Run(context.Background(), []string{"run", "--terminal", "/nonexistent/terminal", filepath.Join(suite, "s4_void_vs_refund.txtar")}, nil, &out, &errb)
	require.Equal(t, ExitFailure, code)
	require.Contains(t, errb.String(), `run: --terminal "/nonexistent/terminal"`)
	require.Contains(t, errb.String(), "no scenario was run")
}

// TestRunTerminalOnABenchPrinter: hil run --terminal with --printer, as on
// a bench rig: the terminal under test prints through the harness's
// recording bridge to the "real" printer (here an emulator on TCP, which
// the harness knows nothing of), its receipts are judged from the bytes it
// sent, and a scenario that needs a fault the printer cannot make skips.
func TestRunTerminalOnABenchPrinter(t *testing.T) {
	py := testtool.Python(t)
	bench := escpostest.NewServer(t, escpos.Options{})
	pyterm := filepath.Join("..", "..", "testdata", "terminals", "pyterm.py")
	suite := filepath.Join("..", "..", "scenarios")
	var out, errb bytes.Buffer
	code := Run(context.Background(), []string{"run", "--terminal", py + " " + pyterm, "--printer", bench.URL,
		filepath.Join(suite, "s5_reprint_marked_copy.txtar"), filepath.Join(suite, "s1_paper_out_after_approval.txtar")}, nil, &out, &errb)
	require.Equal(t, ExitOK, code, "stdout:\n%s\nstderr:\n%s", out.String(), errb.String())
	require.Regexp(t, regexp.MustCompile(`(?m)^s5_reprint_marked_copy\s+pass\s`), out.String())
	require.Regexp(t, regexp.MustCompile(`(?m)^s1_paper_out_after_approval\s+skip\s.*a real printer cannot make this fault`), out.String())
	bench.MustWaitIdle(t)
	var marked bool
	for _, r := range bench.Receipts() {
		marked = marked || bytes.Contains(render.Text(r), []byte("DUPLICATE"))
	}
	require.True(t, marked, "the bench printer printed no copy marked DUPLICATE: %d receipts", len(bench.Receipts()))
}
