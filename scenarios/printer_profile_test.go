package scenarios_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/scenarios"
)

// TestSuiteOnPrinterProfile: with Options.PrinterProfile (hil run
// --printer-profile) the emulated printers are that printer: a probe of
// the scenario's printer names it, cap: conditions follow it, and the
// built-in suite passes on a 58 mm printer with one font, no cutter and no
// near-end sensor (the scenarios that need one skip).
func TestSuiteOnPrinterProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite")
	}
	prof, err := escpos.LookupProfile("zj-5870")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "probe.txtar"), []byte(`printer-start
exec hil printer probe -o p.json $HIL_PRINTER_URL
stdout 'ZIJIANG ZJ-5870'
exec grep '"widthDots": 384' p.json
[cap:cutter] exec sh -c 'echo cap:cutter on a printer without cutter; exit 1'
[!cap:drawer] exec sh -c 'echo no cap:drawer on a printer with a drawer; exit 1'
printer-start --name other --profile tm-t88
exec hil printer probe $HIL_PRINTER_OTHER_URL
stdout '"modelName": "TM-T88 \(poshil emulator\)"'
`), 0o644)
	params := scenarios.Params(scenarios.Options{PrinterProfile: &prof})
	for _, paths := range [][]string{{dir}, nil} {
		res, err := scenarios.Run(t.Context(), scenarios.RunOptions{Paths: paths, Params: params, KeepDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			switch {
			case r.Outcome == scenarios.Failed:
				t.Errorf("%s failed on zj-5870:\n%s", r.Name, r.Log)
			case r.Name == "s2_paper_near_end_still_prints" && (r.Outcome != scenarios.Skipped || r.Reason != "the printer has no near-end sensor"):
				t.Errorf("%s: %s %q, want a skip: zj-5870 has no near-end sensor", r.Name, r.Outcome, r.Reason)
			}
		}
		if len(res) == 0 {
			t.Errorf("no scenario ran in %v", paths)
		}
	}
}
