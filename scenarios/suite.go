package scenarios

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/terminal"
	"github.com/rogpeppe/go-internal/testscript"
)

// Suite is the built-in scenario suite: the .txtar files of this folder,
// embedded so that "hil run" works without the source tree.
//
//go:embed *.txtar
var Suite embed.FS

// Options say where the scenarios run.
type Options struct {
	// PrinterURL is a real printer (serial:///dev/ttyUSB0?baud=38400,
	// tcp://host:9100). Empty: scenarios use the emulated printer.
	PrinterURL string
	// Capabilities of the real printer: "cutter", "drawer", "near-end".
	// The emulator's come from its profile.
	Capabilities []string
	// Interactive lets scenarios ask the operator to make a fault by hand
	// ("open the cover now") on a real printer; otherwise they skip.
	Interactive bool
	// Profile is the host dialect the suite runs on ("iso87", "cup"):
	// acquirer-start serves it and hil pos speaks it (HIL_POS_PROFILE).
	// Empty: iso87, or what a scenario asks for (acquirer-start
	// profile=cup).
	Profile string
	// PrinterProfile, if set, is the profile of the emulated printers
	// that printer-start starts without a --profile of their own (hil run
	// --printer-profile); their capabilities (cap:cutter, …) follow it.
	// With PrinterURL it is the profile of the shadow emulator that lays
	// out what the real printer was sent (the capabilities stay
	// Capabilities).
	PrinterProfile *escpos.Profile
	// HilDir, when set, is put first on PATH so that "exec hil" runs this
	// binary ("hil run"); under "go test" testscript.Main does this.
	HilDir string
	// Terminal is the command line of a terminal under test (hil run
	// --terminal): the scenarios' pos commands drive it through the
	// terminal contract, and the world-side checker judges it; scenarios
	// that need what it lacks skip. Empty: the built-in terminal ("hil
	// terminal serve", poshil's own client behind the contract), and hil
	// pos itself for the scenarios that need internals. TerminalHello is
	// its hello answer (ProbeTerminal), which needs decides from.
	Terminal      []string
	TerminalHello terminal.Response
}

// Params returns the testscript parameters shared by "go test ./scenarios"
// and "hil run": set-up, custom commands and conditions.
func Params(opts Options) testscript.Params {
	return testscript.Params{
		Setup:               setup(opts),
		Cmds:                commands(opts),
		Condition:           condition(opts),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	}
}

func setup(opts Options) func(env *testscript.Env) error {
	return func(env *testscript.Env) error {
		if opts.HilDir != "" {
			env.Setenv("PATH", opts.HilDir+string(os.PathListSeparator)+env.Getenv("PATH"))
		}
		env.Values[worldKey{}] = &world{t: env.T(), opts: opts, workdir: env.WorkDir, printers: map[string]*printerRig{}}
		// Every scenario gets its own journal in its work folder.
		env.Setenv("HIL_POS_JOURNAL", filepath.Join(env.WorkDir, "journal.db"))
		if opts.PrinterURL != "" {
			env.Setenv("HIL_PRINTER_URL", opts.PrinterURL)
		}
		if opts.Profile != "" {
			env.Setenv("HIL_POS_PROFILE", opts.Profile)
		}
		return nil
	}
}

func condition(opts Options) func(cond string) (bool, error) {
	return func(cond string) (bool, error) {
		switch {
		case cond == "emulated":
			return opts.PrinterURL == "", nil
		case cond == "hw":
			return opts.PrinterURL != "", nil
		case cond == "interactive":
			return opts.Interactive, nil
		case strings.HasPrefix(cond, "profile:"):
			// The suite's host dialect (hil run --profile); iso87 by default.
			name := strings.TrimPrefix(cond, "profile:")
			if _, err := hostproto.ProfileByName(name); err != nil {
				return false, err
			}
			cur := opts.Profile
			if cur == "" {
				cur = hostproto.ProfileISO87
			}
			return name == cur, nil
		case strings.HasPrefix(cond, "cap:"):
			capname := strings.TrimPrefix(cond, "cap:")
			switch capname {
			case "cutter", "drawer", "near-end":
			default:
				return false, fmt.Errorf("unknown capability %q (want cutter, drawer or near-end)", capname)
			}
			if opts.PrinterURL == "" {
				if p := opts.PrinterProfile; p != nil {
					return map[string]bool{"cutter": p.Cutter, "drawer": p.Drawer, "near-end": p.NearEndSensor}[capname], nil
				}
				// The default emulated profile (tm-t88) has all three.
				return true, nil
			}
			for _, c := range opts.Capabilities {
				if c == capname {
					return true, nil
				}
			}
			return false, nil
		}
		return false, fmt.Errorf("unknown condition %q", cond)
	}
}
