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
