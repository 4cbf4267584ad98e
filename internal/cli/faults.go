package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/poshil/hil/faults"
)

func init() {
	register(&command{
		name:    "faults",
		usage:   "hil faults check [--json] FILE | hil faults list",
		summary: "check a fault plan and print it in canonical form; list the fault catalogue",
		order:   65,
		run:     runFaults,
	})
}

const faultsSynopsis = "hil faults check [--json] FILE|-\n       hil faults list"

func runFaults(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, faultsSynopsis,
		"check parses a fault plan (text, or JSON when FILE ends in .json), prints it in canonical\n"+
			"form and exits 0; errors are printed as FILE:LINE:COL with the offending word, exit 1.\n"+
			"list prints every fault kind with its parameters, effect, the invariant it threatens\n"+
			"and an example. docs/faults.md describes the plan language.")
	asJSON := fs.Bool("json", false, "check: print the plan in its JSON form")
	if len(args) == 0 {
		fs.Usage()
		return ExitUsage
	}
	verb, rest := args[0], args[1:]
	if verb == "-h" || verb == "-help" || verb == "--help" {
		fs.Usage()
		return ExitOK
	}
	if code, ok := parseFlags(fs, rest); !ok {
		return code
	}
	switch verb {
	case "list":
		if fs.NArg() > 0 {
			env.Errorf("faults list: unexpected argument %q", fs.Arg(0))
			return ExitUsage
		}
		printCatalogue(env.Stdout)
		return ExitOK
	case "check":
		if fs.NArg() != 1 {
			env.Errorf("faults check: want one FILE (or - for stdin)")
			return ExitUsage
		}
		return checkPlan(env, fs.Arg(0), *asJSON)
	}
	env.Errorf("faults: unknown subcommand %q; want check or list", verb)
	return ExitUsage
}

// readPlanFile parses a plan file: JSON when the name ends in .json, text
// otherwise; "-" reads stdin. Syntax errors are prefixed with the file name
// as FILE:LINE:COL.
func readPlanFile(stdin io.Reader, name string) (*faults.Plan, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(name, ".json") {
		var p faults.Plan
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return &p, nil
	}
	p, err := faults.Parse(string(b))
	var se *faults.SyntaxError
	if errors.As(err, &se) {
		return nil, fmt.Errorf("%s:%d:%d: %q: %s", name, se.Line, se.Col, se.Word, se.Msg)
	}
	return p, err
}

func checkPlan(env *Env, name string, asJSON bool) int {
	p, err := readPlanFile(env.Stdin, name)
	if err != nil {
		env.Errorf("%v", err)
		return ExitFailure
	}
	if asJSON {
		b, err := json.MarshalIndent(p, "", "  ")
		if err != nil {
			env.Errorf("faults check: %v", err)
			return ExitFailure
		}
		fmt.Fprintf(env.Stdout, "%s\n", b)
		return ExitOK
	}
	io.WriteString(env.Stdout, p.String())
	return ExitOK
}

func printCatalogue(w io.Writer) {
	var last faults.Target
	for _, s := range faults.Catalogue() {
		if s.Target != last {
			if last != "" {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "# %s\n", s.Target)
			last = s.Target
		}
		fmt.Fprintf(w, "\n%s\n", s.Usage())
		fmt.Fprintf(w, "    effect:    %s\n", s.Effect)
		fmt.Fprintf(w, "    threatens: %s\n", s.Threatens)
		fmt.Fprintf(w, "    example:   %s\n", s.Example)
	}
	fmt.Fprint(w, `
# triggers (any rule)
    nth=N  count=N|always  p=0.3  at=D  for=D
    acquirer: mti=0200 proc=000000 amount=1000 card=*4242 terminal=T1
    printer:  now | after-lines=N | after-bytes=N | cut=K
    link:     dir=up|down
    heal [at=D]   clears every rule and condition
`)
}
