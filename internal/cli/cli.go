// Package cli implements the subcommands of the hil command.
//
// The commands are one ordered table ([commands]): each entry carries its
// synopsis, summary and examples, and "hil help" and docs/cli.md are
// generated from it (docs/cli.md is checked by TestCLIDocUpToDate; run
// "go generate ./internal/cli" to regenerate it). Flags use the standard
// library's flag package; every command accepts flags before and after its
// positional arguments ([parseInterspersed]).
//
// Why not cobra: several branches edit these files at once (a flag here, a
// command there), and a migration would touch every line of them; the
// stdlib flag package plus one table gives flags anywhere and generated
// help. Shell completion is the feature that would justify cobra later.
package cli

//go:generate go test . -run TestCLIDocUpToDate -update

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit statuses shared by all subcommands. Subcommands with richer outcomes
// (hil pos) document their own codes above these.
const (
	ExitOK      = 0 // success
	ExitFailure = 1 // the command ran and failed (a scenario failed, a server could not start, …)
	ExitUsage   = 2 // bad flags or arguments
)

// Env is what a subcommand gets to work with: no globals, so that the CLI
// can run in-process in tests.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Errorf prints a message prefixed with "hil: " to stderr.
func (e *Env) Errorf(format string, args ...any) {
	fmt.Fprintf(e.Stderr, "hil: "+format+"\n", args...)
}

type command struct {
	name     string   // first word on the command line
	synopsis string   // e.g. "hil render [--format text|html|png] [FILE|-]"
	summary  string   // one line for "hil help"
	examples []string // command lines shown in "hil help" and "hil COMMAND --help", with an optional "# comment"
	run      func(ctx context.Context, env *Env, args []string) int
}

// commands is the command table, in the order "hil help" lists it. It is
// filled in init so that commands may use it (help, flag usage).
var commands []*command

func init() {
	commands = []*command{
		{name: "run", synopsis: "hil run [--printer URL] [--junit FILE] [-v] [SCENARIO|DIR ...]",
			summary: "run scenarios (default: the built-in suite on the emulators)",
			examples: []string{
				"hil run                                   # the whole suite on the emulators",
				"hil run scenarios/s6_*.txtar -v           # some of it, with script logs",
				"hil run --printer serial:///dev/ttyUSB0?baud=38400 --caps cutter",
				"hil run --shard 2/3 --junit junit-2.xml    # one CI runner of three; then:",
				"hil run merge-junit -o junit.xml junit-1.xml junit-2.xml junit-3.xml",
			},
			run: runRun},
		{name: "printer", synopsis: "hil printer serve [--pty PATH] [--tcp ADDR] [--profile NAME] [--admin ADDR] [--out DIR] [--faults FILE] …",
			summary: "serve the emulated ESC/POS printer on a virtual serial port and TCP; check a printer (hil printer check URL)",
			examples: []string{
				"hil printer serve --tcp 127.0.0.1:9100 --out receipts/ &",
				"hil printer serve --pty /tmp/ttyPRN0 --profile zh-80",
				"hil printer probe tcp://10.0.0.5:9100 -o my-printer.json   # clone a printer: serve --profile my-printer.json",
				"hil printer check serial:///dev/ttyUSB0?baud=38400 --interactive   # the conformance suite",
			},
			run: runPrinter},
		{name: "render", synopsis: renderSynopsis,
			summary: "print an ESC/POS byte stream on the emulated printer and render the receipts (text, HTML, PNG)",
			examples: []string{
				"hil render receipt.bin",
				"hil render --format png -o receipt.png receipt.bin",
			},
			run: runRender},
		{name: "acquirer", synopsis: "hil acquirer serve [--listen ADDR] [--admin ADDR] [--profile iso87|cup] [--balance N] [--idle D] [--faults FILE] [-v]",
			summary: "serve the fake acquirer (ISO 8583 over TCP, with a real ledger)",
			examples: []string{
				"hil acquirer serve --listen 127.0.0.1:5000 --admin 127.0.0.1:0 &",
				"hil acquirer serve --profile cup --listen 127.0.0.1:5001 &",
			},
			run: runAcquirer},
		{name: "pos", synopsis: "hil pos COMMAND [ARGS] [--journal FILE] [--host ADDR] [--printer URL] [--json] …",
			summary: "run the POS client: sale, refund, void, settle, reprint, lookup, recover, journal, pre-auth",
			examples: []string{
				"hil pos sale 12.50 --card 4242424242424242 --printer tcp://127.0.0.1:9100",
				"hil pos refund REF 5.00 --card 4242424242424242 --json",
				"hil pos lookup --last4 4242 --state approved",
			},
			run: runPos},
		{name: "lab", synopsis: labSynopsis,
			summary: "serve a printer, an acquirer and a live web view of both (receipts, sensors, ledger, faults)",
			examples: []string{
				"hil lab --http 127.0.0.1:8080 --tcp 127.0.0.1:9100 --listen 127.0.0.1:5000",
				"hil lab --profile cup --faults plan.txt --out receipts/",
			},
			run: runLab},
		{name: "terminal", synopsis: "hil terminal serve",
			summary: "serve the built-in reference terminal on the terminal contract (JSON lines on stdin/stdout)",
			examples: []string{
				"HIL_ACQUIRER_ADDR=127.0.0.1:5000 HIL_WORK_DIR=/tmp/t1 HIL_PRINTER_URL=tcp://127.0.0.1:9100 hil terminal serve",
			},
			run: runTerminal},
		{name: "status", synopsis: "hil status [--json] [--ready] [--timeout D] URL",
			summary: "query a printer's real-time status and print it decoded",
			examples: []string{
				"hil status tcp://127.0.0.1:9100",
				"hil status serial:///dev/ttyUSB0?baud=38400 --ready --json",
			},
			run: runStatus},
		{name: "faults", synopsis: faultsSynopsis,
			summary: "check a fault plan and print it in canonical form; list the fault catalogue",
			examples: []string{
				"hil faults list",
				"hil faults check plan.txt --json",
			},
			run: runFaults},
		{name: "ports", synopsis: "hil ports",
			summary:  "list serial ports with USB VID:PID, serial number and product",
			examples: []string{"hil ports"},
			run:      runPorts},
		{name: "chaos", synopsis: "hil chaos [--seed N] [--runs K] [--terminals T] [--duration D] [--out DIR]",
			summary:  "random fault schedules against whole terminals, invariants checked",
			examples: []string{"hil chaos --runs 200 --seed 7", "hil chaos --terminal 'python3 testdata/terminals/pyterm.py' --runs 100", chaosShardExample, chaosMergeExample},
			run:      runChaos},
		{name: "version", synopsis: "hil version",
			summary:  "print the module version and VCS revision hil was built from",
			examples: []string{"hil version"},
			run:      runVersion},
		{name: "help", synopsis: "hil help [COMMAND]",
			summary:  "list the commands, or show one command's flags",
			examples: []string{"hil help pos"}},
	}
}

func lookupCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// Main runs hil with the process's arguments and exits with its status.
// It is what cmd/hil and the testscript scenarios call.
func Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Run runs one hil command line and returns the exit status.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if len(args) == 0 {
		usage(env.Stderr)
		return ExitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := lookupCommand(args[1]); c != nil && c.run != nil {
				return c.run(ctx, env, []string{"--help"})
			}
			env.Errorf("unknown command %q; run 'hil help'", args[1])
			return ExitUsage
		}
		usage(env.Stdout)
		return ExitOK
	}
	c := lookupCommand(args[0])
	if c == nil || c.run == nil {
		env.Errorf("unknown command %q; run 'hil help'", args[0])
		return ExitUsage
	}
	return c.run(ctx, env, args[1:])
}

// exitHelp documents the exit statuses of all commands.
const exitHelp = `Exit status:
  0  success (hil pos: approved, or done)
  1  the command ran and failed (a scenario failed, a printer or host
     could not be reached, a server could not start); hil pos: nothing
     was charged
  2  bad flags or arguments (usage), including a malformed URL
  3  hil pos: declined by the host
  4  hil pos: in doubt — reversed, or reversal queued; recover left work open
  5  hil pos: the host may have approved, but the journal could not record it
  6  hil pos: another process owns the journal; nothing was done
`

func usage(w io.Writer) {
	fmt.Fprintln(w, "hil is a hardware-in-the-loop test harness for card-payment terminals.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: hil COMMAND [ARGS] [FLAGS]   (flags may come before or after arguments)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Examples:")
	for _, c := range commands {
		for _, e := range c.examples {
			if c.name == "help" {
				continue
			}
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, exitHelp)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'hil help COMMAND' or 'hil COMMAND --help' for a command's flags.")
}

// writeExamples prints a command's examples, if it has any.
func writeExamples(w io.Writer, name string) {
	c := lookupCommand(name)
	if c == nil || len(c.examples) == 0 {
		return
	}
	fmt.Fprintln(w, "Examples:")
	for _, e := range c.examples {
		fmt.Fprintf(w, "  %s\n", e)
	}
	fmt.Fprintln(w)
}

// newFlagSet returns a FlagSet that reports errors instead of exiting and
// prints its usage to env.Stderr, headed by the synopsis and followed by
// the command's examples from the table.
func newFlagSet(env *Env, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(synopsis, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	name := ""
	if f := strings.Fields(synopsis); len(f) > 1 {
		name = f[1]
	}
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: %s\n\n", synopsis)
		if description != "" {
			fmt.Fprintf(env.Stderr, "%s\n\n", description)
		}
		writeExamples(env.Stderr, name)
		fmt.Fprintln(env.Stderr, "Flags (before or after the arguments):")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and maps the outcome to an exit status: ok is
// false when the caller should return code (usage printed, or --help).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK, false
		}
		return ExitUsage, false
	}
	return ExitOK, true
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments, and returns the positional arguments in order.
// After "--" everything is positional. A negative number ("-5") that is
// not the value of a flag is a positional argument, so that the command
// can say what is wrong with it rather than "flag provided but not
// defined".
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for len(args) > 0 {
		// The segment up to the next negative number that is an argument.
		cut := len(args)
		for i, a := range args {
			if a == "--" {
				break
			}
			if isNegativeNumber(a) && (i == 0 || !wantsValue(fs, args[i-1])) {
				cut = i
				break
			}
		}
		seg := args[:cut]
		for len(seg) > 0 {
			if code, ok := parseFlags(fs, seg); !ok {
				return nil, code, false
			}
			rest := fs.Args()
			if used := len(seg) - len(rest); used > 0 && seg[used-1] == "--" {
				return append(append(pos, rest...), args[cut:]...), ExitOK, true
			}
			if len(rest) == 0 {
				break
			}
			pos = append(pos, rest[0])
			seg = rest[1:]
		}
		if cut == len(args) {
			break
		}
		pos = append(pos, args[cut])
		args = args[cut+1:]
	}
	return pos, ExitOK, true
}

func isNegativeNumber(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	for _, r := range s[1:] {
		if (r < '0' || r > '9') && r != '.' {
			return false
		}
	}
	return true
}

// wantsValue reports whether arg is a flag of fs that takes the next
// argument as its value.
func wantsValue(fs *flag.FlagSet, arg string) bool {
	if len(arg) < 2 || arg[0] != '-' || strings.Contains(arg, "=") {
		return false
	}
	f := fs.Lookup(strings.TrimLeft(arg, "-"))
	if f == nil {
		return false
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return false
	}
	return true
}
