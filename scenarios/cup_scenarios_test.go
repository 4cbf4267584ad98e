package scenarios_test

import (
	"path/filepath"
	"testing"

	"github.com/poshil/hil/scenarios"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestScenariosOnCUP runs the host scenarios (refunds, voids, lost
// answers and reversals, settlement) with the whole suite's profile set to
// cup, as "hil run --profile cup" does: acquirer and terminal speak China
// UnionPay's POS messages and every rule of the ledger must still hold.
func TestScenariosOnCUP(t *testing.T) {
	p := scenarios.Params(scenarios.Options{Profile: "cup"})
	for _, pat := range []string{"s3_*.txtar", "s4_*.txtar", "s6_*.txtar", "s8_*.txtar", "s9_crash_after_approval_recover.txtar"} {
		m, err := filepath.Glob(pat)
		if err != nil || len(m) == 0 {
			t.Fatalf("no scenarios match %s: %v", pat, err)
		}
		p.Files = append(p.Files, m...)
	}
	testscript.Run(t, p)
}
