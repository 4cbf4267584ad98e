package scenarios_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/internal/pty"

	"github.com/poshil/hil/internal/cli"
	"github.com/poshil/hil/scenarios"
	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("u", false, "rewrite the golden files inside the scenarios")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"hil": func() {
		// A test may ask for a broken client (see chaos_scenario_test.go).
		if m, ok := mutations[os.Getenv(mutationEnv)]; ok {
			cli.ChaosMutation = m
		}
		cli.Main()
	}})
}

// TestScenarios runs the suite of this folder against the emulators, the
// same files "hil run" runs from its embedded copy.
func TestScenarios(t *testing.T) {
	p := scenarios.Params(scenarios.Options{})
	p.Dir = "."
	p.UpdateScripts = *update
	testscript.Run(t, p)
}

// TestBenchRigPath proves the real-printer path without a printer:
// an emulator served on its own virtual serial port stands in for the
// bench rig's printer, and the scenarios run with --printer semantics —
// through the recording bridge, with faults the printer cannot make by
// itself skipped.
func TestBenchRigPath(t *testing.T) {
	if !pty.Supported {
		t.Skip("no virtual serial ports on this system")
	}
	p, err := escpos.NewPrinter(escpos.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	link := filepath.Join(t.TempDir(), "ttyPRN0")
	srv, err := escpos.NewServer(p, escpos.ServerOptions{PTYLink: link})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	params := scenarios.Params(scenarios.Options{PrinterURL: "serial://" + link + "?baud=38400"})
	params.Files = []string{
		"s5_reprint_marked_copy.txtar",      // runs on hardware: receipts compared through the bridge
		"s6_response_lost_reversal.txtar",   // host faults only
		"s1_paper_out_after_approval.txtar", // needs a printer fault: skips with a reason
		"s2_cover_open_before_sale.txtar",   // needs the operator: skips without --interactive
	}
	// One printer: the scenarios take turns, as "hil run --printer" runs them.
	t.Run("rig", func(t *testing.T) {
		testscript.RunT(serialT{T: t, turn: make(chan struct{}, 1)}, params)
	})
	// What the scenarios printed went over the pty to this printer.
	if got := len(p.Receipts()); got < 2 {
		t.Errorf("the printer on the pty printed %d receipts, want the sale and its reprint", got)
	}
}

// serialT runs testscript's parallel scripts one at a time.
type serialT struct {
	*testing.T
	turn chan struct{}
}

func (t serialT) Parallel() {
	t.T.Parallel()
	t.turn <- struct{}{}
	t.T.Cleanup(func() { <-t.turn })
}

func (t serialT) Run(name string, f func(testscript.T)) {
	t.T.Run(name, func(st *testing.T) { f(serialT{T: st, turn: t.turn}) })
}

func (t serialT) Verbose() bool { return testing.Verbose() }
