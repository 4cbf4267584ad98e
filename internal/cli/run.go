package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient/printer"
	"github.com/poshil/hil/scenarios"
)

func runRun(ctx context.Context, env *Env, args []string) int {
	if len(args) > 0 && args[0] == "merge-junit" {
		return runMergeJUnit(env, args[1:])
	}
	fs := newFlagSet(env, "hil run [flags] [SCENARIO.txtar|DIR ...]",
		"Runs testscript scenarios and prints a table (scenario, result, time) and a summary line.\n"+
			"With no arguments it runs the built-in suite (situations S1–S9) against the emulated printer\n"+
			"and acquirer. With --printer it runs against a real printer: scenarios run one at a time, the\n"+
			"printer is locked for the run, and scenarios that need a fault the printer cannot make skip\n"+
			"with a reason (or ask the operator with --interactive). The scenarios drive the terminal through the\n"+
			"terminal contract and each ends with the invariants decided from the world's side: by default the\n"+
			"built-in terminal (hil terminal serve, poshil's client), and hil pos itself for the scenarios that\n"+
			"need internals; with --terminal your terminal, and scenarios that need what it does not have skip\n"+
			"with the reason. Work folders of failed scenarios are kept with their artifacts.\n\n"+
			"'hil run merge-junit [-o OUT] FILE...' merges the --junit reports of the runs of --shard 1/N … N/N\n"+
			"into the report of the whole suite (a shard missing or given twice is an error).\n\n"+
			"Exit status: 0 every scenario passed or skipped, 1 a scenario failed or the --printer could not be\n"+
			"reached (checked once, before any scenario runs), 2 usage (a bad flag, or a malformed --printer URL).")
	printerURL := fs.String("printer", "", "run against a real printer at `URL` (serial:///dev/ttyUSB0?baud=38400, tcp://host:9100)")
	junit := fs.String("junit", "", "also write a JUnit XML report to `FILE`")
	verbose := fs.Bool("v", false, "print every scenario's script log")
	keep := fs.String("keep", "", "keep work folders of failed scenarios under `DIR` (default: a new temporary folder)")
	parallel := fs.Int("parallel", 4, "scenarios run at once on the emulators (a real printer runs one at a time)")
	caps := fs.String("caps", "cutter,drawer,near-end", "capabilities of the real printer, comma-separated: cutter, drawer, near-end")
	interactive := fs.Bool("interactive", false, "on a real printer, ask the operator to make faults by hand instead of skipping")
	profile := fs.String("profile", "", "run the suite on this host dialect: `iso87` or cup (default: iso87, or what each scenario asks for)")
	term := fs.String("terminal", "", "run the scenarios against the terminal under test started by `CMD` (split at spaces, e.g. 'python3 pyterm.py'), "+
		"driven through the terminal contract (docs/your-terminal.md) and judged from the world's side, instead of the built-in one; scenarios that need what it lacks skip")
	printerProfile := fs.String("printer-profile", "", "emulate the printer of profile `NAME` or FILE.json (hil printer probe); with --printer, lay out its receipts so. --profile is the host's")
	shard := fs.String("shard", "", "run only slice `K/N` of the scenarios (by file name; N runners with K = 1…N cover the suite once)")
	args, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if *parallel < 1 {
		env.Errorf("run: --parallel must be at least 1, got %d", *parallel)
		return ExitUsage
	}
	k, n, err := parseShard(*shard)
	if err != nil {
		env.Errorf("run: --shard: %v", err)
		return ExitUsage
	}
	if *profile != "" {
		if _, err := hostproto.ProfileByName(*profile); err != nil {
			env.Errorf("run: --profile: %v", err)
			return ExitUsage
		}
	}
	opts := scenarios.Options{PrinterURL: *printerURL, Interactive: *interactive, Profile: *profile}
	if *printerProfile != "" {
		p, err := loadPrinterProfile(*printerProfile)
		if err != nil {
			env.Errorf("run: --printer-profile: %v", err)
			return ExitUsage
		}
		opts.PrinterProfile = p
	}
	if *term != "" {
		opts.Terminal = strings.Fields(*term)
		hello, err := scenarios.ProbeTerminal(ctx, opts.Terminal)
		if err != nil {
			env.Errorf("run: --terminal %q: %v; no scenario was run", *term, err)
			return ExitFailure
		}
		opts.TerminalHello = hello
		fmt.Fprintf(env.Stdout, "terminal %s (contract version %d): %v\n", hello.Name, hello.Version, hello.Capabilities)
	}
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

	if *printerURL != "" {
		// Fail once, up front, rather than in every scenario.
		if code, ok := checkRunPrinter(ctx, env, *printerURL); !ok {
			return code
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
		Paths:    args,
		Params:   scenarios.Params(opts),
		Parallel: *parallel,
		Verbose:  *verbose,
		KeepDir:  *keep,
		Shard:    k,
		Shards:   n,
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
			err = scenarios.NewJUnitReport(results, k, n).Write(f)
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

// runPrinterTimeout bounds the check that the printer of hil run --printer
// can be reached.
const runPrinterTimeout = 5 * time.Second

// checkRunPrinter opens the printer of hil run --printer once, before any
// scenario runs: a bad URL is a usage error (exit 2), an unreachable
// printer a failure (exit 1), each one line naming the URL.
func checkRunPrinter(ctx context.Context, env *Env, url string) (int, bool) {
	ctx, cancel := context.WithTimeout(ctx, runPrinterTimeout)
	defer cancel()
	p, err := printer.Open(ctx, url, nil)
	if err != nil {
		if errors.Is(err, printer.ErrBadURL) {
			env.Errorf("run: %v", err)
			return ExitUsage, false
		}
		if errors.Is(err, context.DeadlineExceeded) {
			env.Errorf("run: --printer %s: no connection within %v; no scenario was run", url, runPrinterTimeout)
			return ExitFailure, false
		}
		env.Errorf("run: --printer %s cannot be reached; no scenario was run: %v", url, err)
		return ExitFailure, false
	}
	p.Close()
	return ExitOK, true
}

// parseShard reads --shard K/N (1 ≤ K ≤ N); "" is the whole (0, 0).
func parseShard(s string) (k, n int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	ks, ns, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 1 || k > n {
		return 0, 0, fmt.Errorf("%q: want K/N with 1 ≤ K ≤ N, e.g. 2/3", s)
	}
	return k, n, nil
}
