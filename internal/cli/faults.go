package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/faults"
	"github.com/poshil/hil/faults/acquirerfaults"
	"github.com/poshil/hil/faults/printerfaults"
)

// faultFlags are the fault flags of a serve command.
type faultFlags struct {
	plan  string // --faults FILE
	log   string // --faults-log FILE
	proxy string // --faults-proxy ADDR (acquirer)
}

func (f *faultFlags) register(fs *flag.FlagSet, proxy bool) {
	fs.StringVar(&f.plan, "faults", "", "apply the fault plan in `FILE` (see 'hil faults list'; POST /faults on the admin API adds more)")
	fs.StringVar(&f.log, "faults-log", "", "append the evidence of every applied fault to `FILE` as JSON lines")
	if proxy {
		fs.StringVar(&f.proxy, "faults-proxy", "", "also serve a proxy on `ADDR` (e.g. 127.0.0.1:0) in front of the TCP endpoint that applies the plan's link rules; prints 'proxy ADDR'")
	}
}

// injector reads the plan (if any) and starts an injector writing its
// evidence to --faults-log. close closes both.
func (f *faultFlags) injector(env *Env) (in *faults.Injector, close func(), err error) {
	p := &faults.Plan{}
	if f.plan != "" {
		if p, err = readPlanFile(env.Stdin, f.plan); err != nil {
			return nil, nil, fmt.Errorf("--faults: %w", err)
		}
	}
	var opts faults.Options
	var logFile *os.File
	if f.log != "" {
		logFile, err = os.OpenFile(f.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("--faults-log: %w", err)
		}
		opts.Evidence = logFile
	}
	in, err = faults.NewInjector(p, opts)
	if err != nil {
		if logFile != nil {
			logFile.Close()
		}
		return nil, nil, fmt.Errorf("--faults: %w", err)
	}
	return in, func() {
		in.Close()
		if logFile != nil {
			logFile.Close()
		}
	}, nil
}

func init() {
	var ff faultFlags
	acquirerServeHooks = append(acquirerServeHooks, acquirerServeHook{
		flags: func(fs *flag.FlagSet) { ff.register(fs, true) },
		start: func(ctx context.Context, env *Env, srv *acquirer.Server) (func(), error) {
			in, closeIn, err := ff.injector(env)
			if err != nil {
				return nil, err
			}
			detach := acquirerfaults.Attach(srv, in)
			srv.HandleAdmin("/faults", faults.AdminHandler(in))
			var proxy *faults.Proxy
			if ff.proxy != "" {
				proxy, err = faults.NewProxy(srv.Addr(), faults.ProxyOptions{Injector: in, Listen: ff.proxy, Name: "terminal->acquirer"})
				if err != nil {
					detach()
					closeIn()
					return nil, fmt.Errorf("--faults-proxy: %w", err)
				}
				fmt.Fprintf(env.Stdout, "proxy %s\n", proxy.Addr)
			}
			return func() {
				if proxy != nil {
					proxy.Close()
				}
				detach()
				closeIn()
			}, nil
		},
	})
}

// printerFaults wires --faults into 'hil printer serve': flags before
// parsing; start before the server is built (it sets WrapConn, for garble,
// and returns the endpoints to mount on the admin API); attach once the
// printer and server exist; stop at the end (deferred after start).
type printerFaults struct {
	ff    faultFlags
	env   *Env
	in    *faults.Injector
	ad    *printerfaults.Adapter
	proxy *faults.Proxy
	close func()
}

func (pf *printerFaults) flags(fs *flag.FlagSet) { pf.ff.register(fs, true) }

func (pf *printerFaults) start(env *Env, sopts *escpos.ServerOptions) (map[string]http.Handler, error) {
	in, closeIn, err := pf.ff.injector(env)
	if err != nil {
		return nil, err
	}
	pf.env, pf.in, pf.close = env, in, closeIn
	wrap := printerfaults.WrapConn(in)
	if prev := sopts.WrapConn; prev != nil {
		sopts.WrapConn = func(rwc io.ReadWriteCloser) io.ReadWriteCloser { return wrap(prev(rwc)) }
	} else {
		sopts.WrapConn = wrap
	}
	return map[string]http.Handler{"/faults": faults.AdminHandler(in)}, nil
}

// attach applies the plan to the printer and its server and, with
// --faults-proxy, starts the link-fault proxy in front of its TCP endpoint
// (printing "proxy ADDR").
func (pf *printerFaults) attach(p *escpos.Printer, srv *escpos.Server) error {
	pf.ad = printerfaults.Attach(pf.in, p, srv)
	if pf.ff.proxy == "" {
		return nil
	}
	if srv.Addr() == "" {
		return errors.New("--faults-proxy needs the TCP endpoint (--tcp)")
	}
	var err error
	pf.proxy, err = faults.NewProxy(srv.Addr(), faults.ProxyOptions{Injector: pf.in, Listen: pf.ff.proxy, Name: "terminal->printer"})
	if err != nil {
		return fmt.Errorf("--faults-proxy: %w", err)
	}
	fmt.Fprintf(pf.env.Stdout, "proxy %s\n", pf.proxy.Addr)
	return nil
}

func (pf *printerFaults) stop() {
	if pf.proxy != nil {
		pf.proxy.Close()
	}
	if pf.ad != nil {
		pf.ad.Close()
	}
	if pf.close != nil {
		pf.close()
	}
}

// posFaults is --faults FILE for 'hil pos' (one process, one transaction:
// counts such as nth= start afresh in each run). The plan's client crash
// rules become a posclient.Config.CrashHook, its link rules wrap the
// connections to the host.
type posFaults struct {
	in    *faults.Injector
	close func()
}

// loadPosFaults reads the plan in file ("" for none: nil, nil).
func loadPosFaults(env *Env, file string) (*posFaults, error) {
	if file == "" {
		return nil, nil
	}
	ff := faultFlags{plan: file}
	in, closeIn, err := ff.injector(env)
	if err != nil {
		return nil, err
	}
	return &posFaults{in: in, close: closeIn}, nil
}

// crashHook calls crash(step) at each step where a crash rule fires.
func (pf *posFaults) crashHook(crash func(step string)) func(step string) {
	return faults.CrashHook(pf.in, crash)
}

// dial wraps a dialer so that the plan's link rules act on every
// connection it makes.
func (pf *posFaults) dial(d func(ctx context.Context) (net.Conn, error)) func(ctx context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		c, err := d(ctx)
		if err != nil {
			return nil, err
		}
		return faults.Conn(c, pf.in, faults.ConnOptions{Name: "terminal->acquirer"}), nil
	}
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
	args, code, ok := parseInterspersed(fs, rest)
	if !ok {
		return code
	}
	switch verb {
	case "list":
		if len(args) > 0 {
			env.Errorf("faults list: unexpected argument %q", args[0])
			return ExitUsage
		}
		printCatalogue(env.Stdout)
		return ExitOK
	case "check":
		if len(args) != 1 {
			env.Errorf("faults check: want one FILE (or - for stdin)")
			return ExitUsage
		}
		return checkPlan(env, args[0], *asJSON)
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
