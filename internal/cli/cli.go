// Package cli implements the subcommands of the hil command.
//
// Each subcommand lives in its own file and registers itself from an init
// function with [register], so that subcommands can be added without
// touching this file. Help lists them in a fixed order ([command.order]).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
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
	name    string // first word on the command line
	usage   string // synopsis, e.g. "hil render [--format text|html|png] [FILE|-]"
	summary string // one line for "hil help"
	order   int    // position in "hil help"
	run     func(ctx context.Context, env *Env, args []string) int
}

var commands = map[string]*command{}

// register adds a subcommand. It panics on a duplicate name: that is a
// programming error caught by any test that imports the package.
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("cli: duplicate command " + c.name)
	}
	commands[c.name] = c
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
			if c, ok := commands[args[1]]; ok {
				return c.run(ctx, env, []string{"--help"})
			}
			env.Errorf("unknown command %q; run 'hil help'", args[1])
			return ExitUsage
		}
		usage(env.Stdout)
		return ExitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		env.Errorf("unknown command %q; run 'hil help'", args[0])
		return ExitUsage
	}
	return c.run(ctx, env, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "hil is a hardware-in-the-loop test harness for card-payment terminals.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	list := make([]*command, 0, len(commands))
	for _, c := range commands {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].order != list[j].order {
			return list[i].order < list[j].order
		}
		return list[i].name < list[j].name
	})
	for _, c := range list {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'hil help COMMAND' or 'hil COMMAND --help' for a command's flags.")
}

// newFlagSet returns a FlagSet that reports errors instead of exiting and
// prints its usage to env.Stderr, headed by the synopsis.
func newFlagSet(env *Env, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(synopsis, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: %s\n\n", synopsis)
		if description != "" {
			fmt.Fprintf(env.Stderr, "%s\n\n", description)
		}
		fmt.Fprintln(env.Stderr, "Flags:")
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
