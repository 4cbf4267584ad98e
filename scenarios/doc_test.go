package scenarios

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var updateDoc = flag.Bool("update-doc", false, "rewrite docs/scenarios.md's command reference from scenarioCommands")

var docRef = regexp.MustCompile(`(?s)(<!-- commands: [^\n]*-->\n).*?(<!-- end commands -->)`)

// TestScenarioDocUpToDate: docs/scenarios.md's command reference is the
// table in commands.go.
func TestScenarioDocUpToDate(t *testing.T) {
	const path = "../docs/scenarios.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := docRef.FindSubmatchIndex(doc)
	if m == nil {
		t.Fatalf("%s has no <!-- commands: … --> … <!-- end commands --> section", path)
	}
	want := string(doc[:m[3]]) + CommandReference() + string(doc[m[4]:])
	if *updateDoc {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(doc) != want {
		t.Errorf("docs/scenarios.md's command reference differs from scenarioCommands: go test ./scenarios -run TestScenarioDocUpToDate -update-doc")
	}
}

// TestEveryScenarioCommandDocumented: each command in the map the suite
// installs has a usage in the table, and the table has no duplicates.
func TestEveryScenarioCommandDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range scenarioCommands {
		if seen[c.name] || c.summary == "" || c.run == nil {
			t.Errorf("command %q: duplicate, or no summary or function", c.name)
		}
		seen[c.name] = true
		if !strings.HasPrefix(usage(c.name), "usage: "+c.name) {
			t.Errorf("usage(%q) = %q", c.name, usage(c.name))
		}
	}
	if len(commands(Options{})) != len(scenarioCommands) {
		t.Errorf("commands() has %d entries, table %d", len(commands(Options{})), len(scenarioCommands))
	}
}

// TestPrinterReceiptsCount: printer-receipts asserts count=N (and ! …
// count=N its opposite), and without count=N it is a usage error.
func TestPrinterReceiptsCount(t *testing.T) {
	dir := t.TempDir()
	for name, script := range map[string]string{
		"ok":      "printer-start\nprinter-receipts count=0\nstdout '^0$'\n! printer-receipts count=1\n",
		"wrong":   "printer-start\nprinter-receipts count=1\n",
		"nocount": "printer-start\nprinter-receipts\n",
		"badkey":  "printer-start\nprinter-receipts count=0 lines=3\n",
		"expect":  "acquirer-start\nacquirer-expect 0200 count=0\n! acquirer-expect 0200\n",
		"backup":  "printer-start --name backup\nprinter-receipts --name backup count=0\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name+".txtar"), []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	results, err := Run(context.Background(), RunOptions{Paths: []string{dir}, Params: Params(Options{}), KeepDir: t.TempDir(), Verbose: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		outcome Outcome
		log     string
	}{
		"ok":      {Passed, ""},
		"backup":  {Passed, "printer backup: $HIL_PRINTER_BACKUP_URL=tcp://"},
		"wrong":   {Failed, "printer main has 0 receipt(s), want 1"},
		"nocount": {Failed, "printer-receipts: count=N missing; usage: printer-receipts [--name N] count=N"},
		"badkey":  {Failed, `printer-receipts: unknown setting "lines=3"; usage: printer-receipts [--name N] count=N`},
		"expect":  {Passed, ""},
	}
	for _, r := range results {
		w := want[r.Name]
		if r.Outcome != w.outcome || !strings.Contains(r.Log, w.log) {
			t.Errorf("%s: %s, want %s with %q in the log:\n%s", r.Name, r.Outcome, w.outcome, w.log, r.Log)
		}
	}
	if len(results) != len(want) {
		t.Errorf("%d results, want %d", len(results), len(want))
	}
}

// TestOneArgumentSyntax: every command that takes [--name N], flags or
// key=value settings parses them the same way, in any order, and names
// what it does not know.
func TestOneArgumentSyntax(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct {
		script string
		ok     bool
		log    string
	}{
		"state-order":    {"printer-start --name b\nprinter-state paper=near-end --name b\nprinter-status --name b\nstdout 'paper: near-end'\n", true, ""},
		"state-badkey":   {"printer-start\nprinter-state paper=ok colour=red\n", false, `printer-state: unknown setting "colour=red"`},
		"status-extra":   {"printer-start\nprinter-status now\n", false, `printer-status: unexpected argument "now"`},
		"wait-badflag":   {"printer-start\nprinter-wait-idle --fast\n", false, `printer-wait-idle: unknown flag "--fast"`},
		"receipt-anyway": {"printer-start\n! printer-receipt 1 --name main\n", true, ""},
		"acq-profile":    {"acquirer-start profile=cup\nacquirer-expect 0200 count=0\n", true, ""},
		"acq-bad":        {"acquirer-start cup\n", false, `acquirer-start: unexpected argument "cup"`},
		"ledger-card":    {"acquirer-start\nacquirer-ledger --card 4242424242424242\nstdout 'balance'\n", true, ""},
		"heal-args":      {"acquirer-start\nacquirer-heal now\n", false, "acquirer-heal: takes no arguments"},
	}
	for name, c := range cases {
		if err := os.WriteFile(filepath.Join(dir, name+".txtar"), []byte(c.script), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	results, err := Run(context.Background(), RunOptions{Paths: []string{dir}, Params: Params(Options{}), KeepDir: t.TempDir(), Verbose: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		c := cases[r.Name]
		if (r.Outcome == Passed) != c.ok || !strings.Contains(r.Log, c.log) {
			t.Errorf("%s: %s, want ok=%v with %q in the log:\n%s", r.Name, r.Outcome, c.ok, c.log, r.Log)
		}
	}
	if len(results) != len(cases) {
		t.Errorf("%d results, want %d", len(results), len(cases))
	}
}
