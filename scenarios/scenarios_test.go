package scenarios_test

import (
	"flag"
	"testing"

	"github.com/poshil/hil/internal/cli"
	"github.com/poshil/hil/scenarios"
	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("u", false, "rewrite the golden files inside the scenarios")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"hil": cli.Main})
}

// TestScenarios runs the suite of this folder against the emulators, the
// same files "hil run" runs from its embedded copy.
func TestScenarios(t *testing.T) {
	p := scenarios.Params(scenarios.Options{})
	p.Dir = "."
	p.UpdateScripts = *update
	testscript.Run(t, p)
}
