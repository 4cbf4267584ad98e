package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/scenarios"
)

func init() {
	register(&command{
		name:    "run",
		usage:   "hil run [--printer URL] [--junit FILE] [-v] [SCENARIO|DIR ...]",
		summary: "run scenarios (default: the built-in suite on the emulators)",
		order:   10,
		run:     runRun,
	})
}

func runRun(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, "hil run [flags] [SCENARIO.txtar|DIR ...]",
		"Runs testscript scenarios and prints a table (scenario, result, time) and a summary line.\n"+
			"With no arguments it runs the built-in suite (situations S1–S9) against the emulated printer\n"+
			"and acquirer. With --printer it runs against a real printer: scenarios run one at a time, the\n"+
			"printer is locked for the run, and scenarios that need a fault the printer cannot make skip\n"+
			"with a reason (or ask the operator with --interactive). Work folders of failed scenarios are\n"+
			"kept with their artifacts; the exit status is 1 when any scenario failed.")
	printerURL := fs.String("printer", "", "run against a real printer at `URL` (serial:///dev/ttyUSB0?baud=38400, tcp://host:9100)")
	junit := fs.String("junit", "", "also write a JUnit XML report to `FILE`")
	verbose := fs.Bool("v", false, "print every scenario's script log")
	keep := fs.String("keep", "", "keep work folders of failed scenarios under `DIR` (default: a new temporary folder)")
	parallel := fs.Int("parallel", 4, "scenarios run at once on the emulators (a real printer runs one at a time)")
	caps := fs.String("caps", "cutter,drawer,near-end", "capabilities of the real printer, comma-separated: cutter, drawer, near-end")
	interactive := fs.Bool("interactive", false, "on a real printer, ask the operator to make faults by hand instead of skipping")
	profile := fs.String("profile", "", "run the suite on this host dialect: `iso87` or cup (default: iso87, or what each scenario asks for)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *parallel < 1 {
		env.Errorf("run: --parallel must be at least 1, got %d", *parallel)
		return ExitUsage
	}
	if *profile != "" {
		if _, err := hostproto.ProfileByName(*profile); err != nil {
			env.Errorf("run: --profile: %v", err)
			return ExitUsage
		}
	}
	opts := scenarios.Options{PrinterURL: *printerURL, Interactive: *interactive, Profile: *profile}
	if *printerURL != "" {
		for _, c := range strings.Split(*caps, ",") {
			c = strings.TrimSpace(c)
			switch c {
			case "":
				continue
			case "cutter", "drawer", "near-end":
				opts.Capabilities = append(opts.Capabilities, c)
			default:
				env.Errorf("run: unknown capability %q in --caps (want cutter, drawer, near-end)", c)
				return ExitUsage
			}
		}
	}

	// "exec hil" inside scenarios must run this very binary.
	self, err := os.Executable()
	if err != nil {
		env.Errorf("run: cannot find the hil binary: %v", err)
		return ExitFailure
	}
	bin, err := os.MkdirTemp("", "hil-bin-")
	if err != nil {
		env.Errorf("run: %v", err)
		return ExitFailure
	}
	defer os.RemoveAll(bin)
	if err := os.Symlink(self, filepath.Join(bin, "hil")); err != nil {
		env.Errorf("run: %v", err)
		return ExitFailure
	}
	opts.HilDir = bin

	ropts := scenarios.RunOptions{
		Paths:    fs.Args(),
		Params:   scenarios.Params(opts),
		Parallel: *parallel,
		Verbose:  *verbose,
		KeepDir:  *keep,
	}
	if *printerURL != "" {
		ropts.Parallel = 1
		lock, err := scenarios.LockPrinter(*printerURL)
		if err != nil {
			env.Errorf("run: %v", err)
			return ExitFailure
		}
		defer lock.Release()
	}
	results, err := scenarios.Run(ctx, ropts)
	if err != nil {
		env.Errorf("run: %v", err)
		return ExitFailure
	}
	failed := false
	for _, r := range results {
		if r.Outcome == scenarios.Failed || *verbose {
			fmt.Fprintf(env.Stdout, "--- %s %s (%.2fs)\n%s", r.Outcome, r.Name, r.Duration.Seconds(), r.Log)
			if r.WorkDir != "" {
				fmt.Fprintf(env.Stdout, "    work folder kept: %s\n", r.WorkDir)
			}
		}
		failed = failed || r.Outcome == scenarios.Failed
	}
	scenarios.WriteTable(env.Stdout, results)
	if *junit != "" {
		f, err := os.Create(*junit)
		if err == nil {
			err = scenarios.WriteJUnit(f, results)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			env.Errorf("run: junit report: %v", err)
			return ExitFailure
		}
	}
	if failed {
		return ExitFailure
	}
	return ExitOK
}
