package scenarios

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
	"github.com/poshil/hil/faults"
	"github.com/poshil/hil/faults/acquirerfaults"
	"github.com/poshil/hil/faults/printerfaults"
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/hostproto/moovspec"
	"github.com/poshil/hil/pkg/posclient/printer"
	"github.com/rogpeppe/go-internal/testscript"
)

// world is what one scenario has started: its printers and acquirer.
type world struct {
	t        testscript.T // to skip from a custom command
	opts     Options
	workdir  string
	mu       sync.Mutex
	printers map[string]*printerRig
	acq      *acquirerRig
	terminal *termRig // the terminal under test, from the first pos
	// internals: the scenario needs internals and runs with the built-in
	// terminal, so its pos lines run hil pos.
	internals bool
}

type worldKey struct{}

func getWorld(ts *testscript.TestScript) *world {
	return ts.Value(worldKey{}).(*world)
}

// printerRig is one printer of a scenario: an emulator, or on a bench rig
// the real printer behind a recording bridge. In both cases p holds the
// paper as the emulator laid it out (for the real printer: a shadow
// emulator fed the same bytes), so receipts compare the same way.
type printerRig struct {
	name   string
	url    string // what hil pos is given
	p      *escpos.Printer
	srv    *escpos.Server // emulator only
	bridge *bridge        // real printer only
	in     *faults.Injector
	rec    *recorder
}

type acquirerRig struct {
	srv     *acquirer.Server
	in      *faults.Injector
	mu      sync.Mutex
	log     []seenRequest
	pending int // requests read and not yet through the ledger
	hold    *heldAnswer
	// longLived: the terminal is a long-running process (every scenario's
	// but one that needs internals and runs hil pos) that may keep its
	// connection open between operations.
	longLived bool
}

// heldAnswer holds the host's answer to the next request of an MTI: seen
// is closed once the ledger has it, and the answer waits until release.
type heldAnswer struct {
	mti           hostproto.MTI
	seen, release chan struct{}
	taken         bool
}

// holdAnswer arms a hold on the answer to the next request of mti and
// returns the channel closed when the host has that request.
func (a *acquirerRig) holdAnswer(mti hostproto.MTI) <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.hold = &heldAnswer{mti: mti, seen: make(chan struct{}), release: make(chan struct{})}
	return a.hold.seen
}

// releaseAnswer lets the held answer go (to a terminal that may be gone).
func (a *acquirerRig) releaseAnswer() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hold != nil {
		close(a.hold.release)
		a.hold = nil
	}
}

// held is called after the ledger: it blocks the answer to a held
// request until it is released.
func (a *acquirerRig) held(ex *acquirer.Exchange) {
	a.mu.Lock()
	h := a.hold
	if h == nil || h.taken || h.mti != ex.MTI {
		a.mu.Unlock()
		return
	}
	h.taken = true
	a.mu.Unlock()
	close(h.seen)
	<-h.release
}

// quiesce waits until the host has read everything the terminals sent and
// put it through the ledger: every connection of an exited hil pos closed,
// no request between the two intercept stages. A request whose delayed
// answer never comes keeps it waiting until the bound.
func (a *acquirerRig) quiesce() {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		a.mu.Lock()
		idle := a.pending <= 0
		a.mu.Unlock()
		// A long-running terminal under test may keep its connection:
		// its answer came back, so the host has had its request.
		if idle && (a.longLived || a.srv.Connections() == 0) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

type seenRequest struct {
	mti  hostproto.MTI
	proc hostproto.ProcessingCode
	stan string
	dump string
}

type scenarioCmd = func(ts *testscript.TestScript, neg bool, args []string)

// scenarioCommand is one custom scenario command with its usage: the
// table below is the reference, and docs/scenarios.md's command tables are
// generated from it (CommandReference; TestScenarioDocUpToDate checks).
//
// One argument syntax for all (parseArgs): "--name N" picks a printer,
// other options are "--flag VALUE", assertions and settings are
// key=value, counts are asserted with count=N.
type scenarioCommand struct {
	group   string // "Printer", "Acquirer", "Other"
	name    string
	args    string // arguments synopsis
	summary string // what it does, in Markdown
	run     scenarioCmd
}

// scenarioCommands is the table, in the order docs/scenarios.md lists it
// (filled in init: the commands use it for their usage messages).
var scenarioCommands []scenarioCommand

func init() {
	scenarioCommands = []scenarioCommand{
		{"Printer", "printer-start", "[--name N] [--profile P] [--pty] [--roll MM]",
			"start a printer; sets `$HIL_PRINTER_URL`, or for `--name N` the variable `$HIL_PRINTER_<N>_URL` " +
				"(`--name backup` → `$HIL_PRINTER_BACKUP_URL`) and nothing else: pass it to `hil pos` yourself " +
				"(e.g. `--backup-printer $HIL_PRINTER_BACKUP_URL`). `--pty` serves it on a virtual serial port " +
				"(`serial://…`) instead of TCP; `--roll` gives it a paper roll of that length",
			cmdPrinterStart},
		{"Printer", "printer-state", "[--name N] key=value…",
			"`paper=ok\\|near-end\\|out`, `cover=open\\|closed`, `cutter=ok\\|jammed`, `online=true\\|false`, " +
				"`drawer=open\\|closed`. On a real printer: asks the operator (`--interactive`) and waits for the status " +
				"to show it, or skips",
			cmdPrinterState},
		{"Printer", "printer-fault", "[--name N] KIND [key=value…]",
			"add the fault rule `printer KIND …` (see `hil faults list`), e.g. `paper-out after-lines=4`. Skips on a real printer",
			cmdPrinterFault},
		{"Printer", "printer-status", "[--name N]",
			"the printer's real-time status read over the wire (DLE EOT 1–4)",
			cmdPrinterStatus},
		{"Printer", "printer-wait-idle", "[--name N]",
			"wait until the printer processed what it received (or stopped offline)",
			cmdPrinterWaitIdle},
		{"Printer", "printer-receipts", "[--name N] count=N",
			"the printer has exactly N receipts on paper (what has come out: a piece torn or stopped part way counts, " +
				"whether or not it was cut); waits until it processed what it received. Prints the number",
			cmdPrinterReceipts},
		{"Printer", "printer-receipt", "[--name N] N",
			"receipt N on paper as text (the last may be a piece not yet cut), for `stdout` checks or `cmp stdout golden.txt`; " +
				"`! printer-receipt N` passes when there is no receipt N",
			cmdPrinterReceipt},
		{"Printer", "printer-bytes", "[--name N] N",
			"the host bytes of receipt N as hex",
			cmdPrinterBytes},
		{"Acquirer", "acquirer-start", "[profile=NAME]",
			"start the fake acquirer (on host profile NAME: iso87 or cup; default `$HIL_POS_PROFILE` or iso87); sets `$HIL_ACQUIRER_ADDR`, `$HIL_ACQUIRER_ADMIN` and, with profile=, `$HIL_POS_PROFILE`",
			cmdAcquirerStart},
		{"Acquirer", "acquirer-fault", "KIND [key=value…]",
			"add the rule `acquirer KIND …`, e.g. `drop-response mti=0200 nth=1`, `reversal-lost count=2`, `settlement-mismatch`",
			cmdAcquirerFault},
		{"Acquirer", "acquirer-heal", "",
			"clear every acquirer fault",
			cmdAcquirerHeal},
		{"Acquirer", "acquirer-expect", "MTI [proc=P] [count=N]",
			"the host saw exactly N such requests (default: at least one); waits until the host has processed what the terminal sent",
			cmdAcquirerExpect},
		{"Acquirer", "acquirer-ledger", "[--card PAN]",
			"the host's transactions, one a line, or one card's balance",
			cmdAcquirerLedger},
		{"Terminal", "pos", "[FLAGS] OPERATION [ARGS]",
			"drive the terminal: sends the operation to the terminal under test through the terminal contract " +
				"(docs/your-terminal.md) and prints its answer in `hil pos`'s line format; the terminal is `hil run --terminal " +
				"CMD`'s or, by default, the built-in one (`hil terminal serve`, poshil's client). In a scenario that `needs " +
				"internals`, the default runs `hil pos` with these arguments (as `exec hil pos` does). `--crash-at after-send` " +
				"becomes a SIGKILL once the host has the sale, then a restart",
			cmdPos},
		{"Terminal", "needs", "CAPABILITY…",
			"skip the scenario, with the reason, when the terminal under test lacks one: an operation of the contract " +
				"(`void`, `settle`, `reprint`, …), `internals` (uses what only poshil's `hil pos` has) or `cup` (the host speaks " +
				"China UnionPay). The default run meets every need: the built-in terminal has every operation and speaks cup, " +
				"and `needs internals` puts the scenario's `pos` lines on `hil pos`",
			cmdNeeds},
		{"Other", "capture", "NAME REGEXP",
			"set `$NAME` from the first group of REGEXP in the last stdout (e.g. a sale's ref)",
			cmdCapture},
		{"Other", "no-full-pan", "PAN…",
			"fail if any file in the work folder holds one of these card numbers in full",
			cmdNoFullPAN},
	}
}

// commands returns the custom scenario commands of scenarioCommands.
func commands(opts Options) map[string]scenarioCmd {
	m := make(map[string]scenarioCmd, len(scenarioCommands))
	for _, c := range scenarioCommands {
		m[c.name] = c.run
	}
	return m
}

// usage returns "usage: NAME ARGS" of the named command.
func usage(name string) string {
	for _, c := range scenarioCommands {
		if c.name == name {
			return strings.TrimSpace("usage: " + c.name + " " + c.args)
		}
	}
	return "usage: " + name
}

// CommandReference returns the Markdown tables of the scenario commands,
// one per group, as docs/scenarios.md carries them.
func CommandReference() string {
	var b strings.Builder
	group := ""
	for _, c := range scenarioCommands {
		if c.group != group {
			if group != "" {
				b.WriteString("\n")
			}
			group = c.group
			b.WriteString(group + ":\n\n| command | what it does |\n|---|---|\n")
		}
		syn := c.name
		if c.args != "" {
			syn += " " + c.args
		}
		fmt.Fprintf(&b, "| `%s` | %s |\n", syn, c.summary)
	}
	return b.String()
}

// cmdArgs is a command line in the one syntax of the scenario commands:
// --flag VALUE (or a bare boolean --flag), key=value, and positional
// arguments, in any order.
type cmdArgs struct {
	flags map[string]string // "--pty" → "" for a boolean flag
	kv    map[string]string
	pos   []string
}

// parseArgs reads args for command name: valueFlags take a value, boolFlags
// none, keys are the key=value names allowed. Anything else fails the
// script with the command's usage.
func parseArgs(ts *testscript.TestScript, name string, args []string, valueFlags, boolFlags, keys []string) cmdArgs {
	a := cmdArgs{flags: map[string]string{}, kv: map[string]string{}}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case slices.Contains(valueFlags, arg):
			if i+1 == len(args) {
				ts.Fatalf("%s: %s needs a value; %s", name, arg, usage(name))
			}
			i++
			a.flags[arg] = args[i]
		case slices.Contains(boolFlags, arg):
			a.flags[arg] = ""
		case strings.HasPrefix(arg, "--"):
			ts.Fatalf("%s: unknown flag %q; %s", name, arg, usage(name))
		case strings.Contains(arg, "="):
			k, v, _ := strings.Cut(arg, "=")
			if !slices.Contains(keys, k) {
				ts.Fatalf("%s: unknown setting %q; %s", name, arg, usage(name))
			}
			a.kv[k] = v
		default:
			a.pos = append(a.pos, arg)
		}
	}
	return a
}

// count reads count=N (-1 when absent).
func (a cmdArgs) count(ts *testscript.TestScript, name string) int {
	v, ok := a.kv["count"]
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		ts.Fatalf("%s: count=%q: want a number; %s", name, v, usage(name))
	}
	return n
}

// splitName takes "--name N" from anywhere in args (default "main") and
// returns the rest in order.
func splitName(args []string) (string, []string) {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--name" {
			return args[i+1], append(slices.Clip(args[:i]), args[i+2:]...)
		}
	}
	return "main", args
}

// onlyName parses the arguments of a command that takes [--name N] and
// nothing else.
func onlyName(ts *testscript.TestScript, cmd string, args []string) string {
	a := parseArgs(ts, cmd, args, []string{"--name"}, nil, nil)
	if len(a.pos) > 0 {
		ts.Fatalf("%s: unexpected argument %q; %s", cmd, a.pos[0], usage(cmd))
	}
	return cmp.Or(a.flags["--name"], "main")
}

func envName(name string) string {
	if name == "main" {
		return "HIL_PRINTER_URL"
	}
	return "HIL_PRINTER_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_URL"
}

func (w *world) printer(ts *testscript.TestScript, name string) *printerRig {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.printers[name]
	if r == nil {
		ts.Fatalf("printer %q not started (use printer-start first)", name)
	}
	return r
}

// printer-start [--name N] [--profile P] [--pty] [--roll MM]
func cmdPrinterStart(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! printer-start")
	}
	w := getWorld(ts)
	a := parseArgs(ts, "printer-start", args, []string{"--name", "--profile", "--roll"}, []string{"--pty"}, nil)
	if len(a.pos) > 0 {
		ts.Fatalf("printer-start: unexpected argument %q; %s", a.pos[0], usage("printer-start"))
	}
	name := cmp.Or(a.flags["--name"], "main")
	profile := a.flags["--profile"]
	_, usePTY := a.flags["--pty"]
	roll := 0
	if v, ok := a.flags["--roll"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			ts.Fatalf("printer-start: --roll %q: want a length in mm", v)
		}
		roll = n
	}
	w.mu.Lock()
	_, dup := w.printers[name]
	w.mu.Unlock()
	if dup {
		ts.Fatalf("printer-start: printer %q already started", name)
	}
	rig := &printerRig{name: name, rec: &recorder{}}
	in, err := faults.NewInjector(&faults.Plan{}, faults.Options{Evidence: evidenceFile(ts, "faults-printer-"+name+".jsonl")})
	ts.Check(err)
	rig.in = in
	ts.Defer(func() { in.Close() })

	if w.opts.PrinterURL != "" && name == "main" {
		// A bench rig: the real printer, behind a bridge that records the
		// bytes and lays them out on a shadow emulator.
		sopts := escpos.Options{Profile: profile}
		if profile == "" {
			sopts.ProfileDef = w.opts.PrinterProfile // the real printer's width and fonts
		}
		shadow, err := escpos.NewPrinter(sopts)
		ts.Check(err)
		b, err := startBridge(w.opts.PrinterURL, shadow, rig.rec)
		if err != nil {
			ts.Fatalf("printer-start: %v", err)
		}
		rig.p, rig.bridge, rig.url = shadow, b, b.url()
		ts.Defer(func() { b.close(); shadow.Close() })
	} else {
		popts := escpos.Options{Profile: profile, RollLengthMM: roll}
		if profile == "" {
			popts.ProfileDef = w.opts.PrinterProfile // hil run --printer-profile
		}
		p, err := escpos.NewPrinter(popts)
		ts.Check(err)
		sopts := escpos.ServerOptions{
			PTY: usePTY, TCP: !usePTY,
			WrapConn: func(c io.ReadWriteCloser) io.ReadWriteCloser {
				return rig.rec.wrap(printerfaults.WrapConn(in)(c))
			},
		}
		srv, err := escpos.NewServer(p, sopts)
		if err != nil {
			p.Close()
			ts.Fatalf("printer-start: %v", err)
		}
		adapter := printerfaults.Attach(in, p, srv)
		rig.p, rig.srv = p, srv
		if usePTY {
			rig.url = "serial://" + srv.PTY()
		} else {
			rig.url = srv.URL()
		}
		ts.Defer(func() { adapter.Close(); srv.Close(); p.Close() })
	}
	ts.Defer(func() { writePrinterArtifacts(ts, rig) })
	w.mu.Lock()
	w.printers[name] = rig
	w.mu.Unlock()
	ts.Setenv(envName(name), rig.url)
	ts.Logf("printer %s: $%s=%s", name, envName(name), rig.url)
}

// printer-state [--name N] key=value... : paper=ok|near-end|out cover=open|closed
// cutter=ok|jammed online=true|false drawer=open|closed. On a real printer it
// asks the operator (interactive) and waits for the status to show it, or
// skips the scenario.
func cmdPrinterState(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! printer-state")
	}
	w := getWorld(ts)
	a := parseArgs(ts, "printer-state", args, []string{"--name"}, nil, slices.Collect(maps.Keys(stateChecks)))
	rig := w.printer(ts, cmp.Or(a.flags["--name"], "main"))
	if len(a.pos) > 0 || len(a.kv) == 0 {
		ts.Fatalf("printer-state: want key=value, e.g. paper=out; %s", usage("printer-state"))
	}
	// Applied in the order written.
	for _, kv := range args {
		if !strings.Contains(kv, "=") {
			continue // --name and its value
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			ts.Fatalf("printer-state: %q: want key=value", kv)
		}
		want, err := stateWant(k, v)
		if err != nil {
			ts.Fatalf("printer-state: %v", err)
		}
		if rig.bridge != nil {
			askOperator(ts, w, rig, kv, want)
			continue
		}
		applyState(rig.p, k, v)
	}
}

// stateChecks holds, for each printer-state key and value, the check of a
// wire status that shows it (a drawer's level depends on the drawer's
// wiring, so any status will do).
var stateChecks = map[string]map[string]func(printer.Status) bool{
	"paper": {
		"ok":       func(s printer.Status) bool { return !s.PaperOut && !s.PaperNearEnd },
		"near-end": func(s printer.Status) bool { return s.PaperNearEnd && !s.PaperOut },
		"out":      func(s printer.Status) bool { return s.PaperOut },
	},
	"cover": {
		"open":   func(s printer.Status) bool { return s.CoverOpen },
		"closed": func(s printer.Status) bool { return !s.CoverOpen },
	},
	"cutter": {
		"ok":     func(s printer.Status) bool { return !s.CutterError },
		"jammed": func(s printer.Status) bool { return s.CutterError },
	},
	"online": {
		"true":  func(s printer.Status) bool { return s.Online },
		"false": func(s printer.Status) bool { return !s.Online },
	},
	"drawer": {
		"open":   func(printer.Status) bool { return true },
		"closed": func(printer.Status) bool { return true },
	},
}

// stateWant validates key=value and returns a check of a wire status.
func stateWant(k, v string) (func(printer.Status) bool, error) {
	values, ok := stateChecks[k]
	if !ok {
		return nil, fmt.Errorf("%s: unknown key (want paper, cover, cutter, online, drawer)", k)
	}
	check, ok := values[v]
	if !ok {
		return nil, fmt.Errorf("%s=%s: unknown value", k, v)
	}
	return check, nil
}

func applyState(p *escpos.Printer, k, v string) {
	switch k {
	case "paper":
		s, _ := escpos.ParsePaperState(v)
		p.SetPaper(s)
	case "cover":
		p.SetCover(v == "open")
	case "cutter":
		p.SetCutterJam(v == "jammed")
	case "online":
		p.SetOnline(v == "true")
	case "drawer":
		p.SetDrawer(v == "open")
	}
}

// askOperator has the operator make a state by hand on a real printer and
// waits for its status to show it; without --interactive it skips.
func askOperator(ts *testscript.TestScript, w *world, rig *printerRig, what string, want func(printer.Status) bool) {
	if !w.opts.Interactive {
		getWorld(ts).t.Skip(fmt.Sprintf("needs the operator to set %s on the real printer (run with --interactive)", what))
	}
	fmt.Fprintf(os.Stderr, "\n>>> %s: please make the printer %s now; waiting for its status to show it…\n", ts.Name(), what)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := wireStatus(ctx, rig.url)
		if err == nil && want(st) {
			fmt.Fprintf(os.Stderr, ">>> %s: seen, thank you.\n", ts.Name())
			return
		}
		select {
		case <-ctx.Done():
			ts.Fatalf("printer-state: the printer did not show %s within 3 minutes", what)
		case <-tick.C:
		}
	}
}

func wireStatus(ctx context.Context, rawURL string) (printer.Status, error) {
	p, err := printer.Open(ctx, rawURL, &printer.Options{ReplyTimeout: 2 * time.Second})
	if err != nil {
		return printer.Status{}, err
	}
	defer p.Close()
	return p.Status(ctx)
}

// printer-fault [--name N] KIND [key=value...]: adds the rule
// "printer KIND ..." to the printer's fault plan (emulator only).
func cmdPrinterFault(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! printer-fault")
	}
	w := getWorld(ts)
	name, args := splitName(args)
	rig := w.printer(ts, name)
	if len(args) == 0 {
		ts.Fatalf("printer-fault: want a fault kind, e.g. paper-out after-lines=12 (see hil faults list)")
	}
	if rig.bridge != nil {
		w.t.Skip("printer-fault " + strings.Join(args, " ") + ": a real printer cannot make this fault by itself")
	}
	addRule(ts, rig.in, "printer", args)
}

func addRule(ts *testscript.TestScript, in *faults.Injector, target string, args []string) {
	text := target + " " + strings.Join(args, " ")
	if args[0] == "heal" {
		text = "heal"
	}
	plan, err := faults.Parse(text)
	if err != nil {
		ts.Fatalf("%s-fault: %v", target, err)
	}
	ts.Check(in.Add(plan))
}

// printer-status [--name N]: the printer's real-time status read over the
// wire (DLE EOT 1–4), the same for the emulator and a real printer.
func cmdPrinterStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! printer-status")
	}
	w := getWorld(ts)
	rig := w.printer(ts, onlyName(ts, "printer-status", args))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := wireStatus(ctx, rig.url)
	ts.Check(err)
	for _, it := range st.Items() {
		fmt.Fprintf(ts.Stdout(), "%s: %v\n", it.Name, it.Value)
	}
}

// printer-wait-idle [--name N]: waits until the printer has processed every
// byte it received, or stopped offline (paper out, cover open) with data waiting.
func cmdPrinterWaitIdle(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! printer-wait-idle")
	}
	w := getWorld(ts)
	waitPrinted(ts, w.printer(ts, onlyName(ts, "printer-wait-idle", args)))
}

// waitPrinted waits until the printer has printed all it can: every byte
// processed, or processing stopped because the printer is offline (paper
// out, cover open) with data waiting — what is on paper then stays.
func waitPrinted(ts *testscript.TestScript, rig *printerRig) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rig.p.WaitIdle(ctx); err != nil && !errors.Is(err, escpos.ErrOffline) {
		ts.Fatalf("printer %s: %v", rig.name, err)
	}
}

func receiptN(ts *testscript.TestScript, rig *printerRig, arg string) *paper.Receipt {
	waitPrinted(ts, rig)
	rs := rig.p.Paper()
	n, err := strconv.Atoi(arg)
	if err != nil || n < 1 {
		ts.Fatalf("receipt number %q: want 1, 2, …", arg)
	}
	if n > len(rs) {
		ts.Fatalf("printer %s has printed %d receipt(s), no receipt %d", rig.name, len(rs), n)
	}
	return rs[n-1]
}

// printer-receipt [--name N] N: receipt N (from 1) as text, for cmp with a
// golden file. "! printer-receipt N" passes when there is no receipt N.
func cmdPrinterReceipt(ts *testscript.TestScript, neg bool, args []string) {
	w := getWorld(ts)
	a := parseArgs(ts, "printer-receipt", args, []string{"--name"}, nil, nil)
	rig := w.printer(ts, cmp.Or(a.flags["--name"], "main"))
	if args = a.pos; len(args) != 1 {
		ts.Fatalf("%s", usage("printer-receipt"))
	}
	if neg {
		waitPrinted(ts, rig)
		n, _ := strconv.Atoi(args[0])
		if got := len(rig.p.Paper()); n <= got {
			ts.Fatalf("printer %s has receipt %d (it printed %d)", rig.name, n, got)
		}
		return
	}
	ts.Stdout().Write(render.Text(receiptN(ts, rig, args[0])))
}

// printer-receipts [--name N] count=N: the printer has exactly N receipts.
func cmdPrinterReceipts(ts *testscript.TestScript, neg bool, args []string) {
	w := getWorld(ts)
	a := parseArgs(ts, "printer-receipts", args, []string{"--name"}, nil, []string{"count"})
	name := cmp.Or(a.flags["--name"], "main")
	want := a.count(ts, "printer-receipts")
	if len(a.pos) > 0 {
		ts.Fatalf("printer-receipts: unexpected argument %q; %s", a.pos[0], usage("printer-receipts"))
	}
	if want < 0 {
		ts.Fatalf("printer-receipts: count=N missing; %s", usage("printer-receipts"))
	}
	rig := w.printer(ts, name)
	waitPrinted(ts, rig)
	got := len(rig.p.Paper())
	fmt.Fprintf(ts.Stdout(), "%d\n", got)
	if (got == want) == neg {
		not := ""
		if neg {
			not = "not "
		}
		ts.Fatalf("printer %s has %d receipt(s), want %s%d", rig.name, got, not, want)
	}
}

// printer-bytes [--name N] N: the host bytes of receipt N as hex, 32 a line.
func cmdPrinterBytes(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! printer-bytes")
	}
	w := getWorld(ts)
	a := parseArgs(ts, "printer-bytes", args, []string{"--name"}, nil, nil)
	rig := w.printer(ts, cmp.Or(a.flags["--name"], "main"))
	if args = a.pos; len(args) != 1 {
		ts.Fatalf("%s", usage("printer-bytes"))
	}
	raw := receiptN(ts, rig, args[0]).Raw
	for len(raw) > 0 {
		n := min(32, len(raw))
		fmt.Fprintln(ts.Stdout(), hex.EncodeToString(raw[:n]))
		raw = raw[n:]
	}
}

// acquirer-start [profile=NAME]: a fake acquirer on a loopback port;
// HIL_ACQUIRER_ADDR is its address. It speaks the suite's profile
// (Options.Profile, hil run --profile), or NAME, which HIL_POS_PROFILE
// then names for hil pos too.
func cmdAcquirerStart(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! acquirer-start")
	}
	a := parseArgs(ts, "acquirer-start", args, nil, nil, []string{"profile"})
	if len(a.pos) > 0 {
		ts.Fatalf("acquirer-start: unexpected argument %q; %s", a.pos[0], usage("acquirer-start"))
	}
	name := ts.Getenv("HIL_POS_PROFILE")
	if p, ok := a.kv["profile"]; ok {
		name = p
		ts.Setenv("HIL_POS_PROFILE", name)
	}
	profile, err := hostproto.ProfileByName(name)
	ts.Check(err)
	w := getWorld(ts)
	if w.acq != nil {
		ts.Fatalf("acquirer-start: already started")
	}
	srv, err := acquirer.NewServer(acquirer.Options{AdminAddr: "127.0.0.1:0", Profile: profile})
	ts.Check(err)
	in, err := faults.NewInjector(&faults.Plan{}, faults.Options{Evidence: evidenceFile(ts, "faults-acquirer.jsonl")})
	ts.Check(err)
	w.mu.Lock()
	longLived := len(w.opts.Terminal) > 0 || !w.internals // needs comes first
	w.mu.Unlock()
	rig := &acquirerRig{srv: srv, in: in, longLived: longLived}
	inner := acquirerfaults.Interceptor(in, srv.Ledger())
	srv.SetIntercept(func(stage acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		var dump string
		if stage == acquirer.BeforeLedger {
			var b strings.Builder
			moovspec.DumpWith(profile, &b, ex.Request)
			dump = b.String()
		}
		act := inner(stage, ex)
		if stage == acquirer.AfterLedger {
			rig.held(ex)
		}
		rig.mu.Lock()
		defer rig.mu.Unlock()
		switch {
		case stage == acquirer.BeforeLedger:
			rig.log = append(rig.log, seenRequest{mti: ex.MTI, proc: ex.Proc, stan: ex.STAN, dump: dump})
			if !act.Drop && !act.Close {
				rig.pending++ // the ledger and the after-ledger stage follow
			}
		default:
			rig.pending--
		}
		return act
	})
	undo := in.Attach(faults.TargetAcquirer, faults.Applier{})
	w.acq = rig
	ts.Defer(func() {
		undo()
		in.Close()
		rig.writeLog(ts)
		srv.Close()
	})
	ts.Setenv("HIL_ACQUIRER_ADDR", srv.Addr())
	ts.Setenv("HIL_ACQUIRER_ADMIN", srv.AdminURL())
}

func (w *world) acquirer(ts *testscript.TestScript) *acquirerRig {
	if w.acq == nil {
		ts.Fatalf("acquirer not started (use acquirer-start first)")
	}
	return w.acq
}

// acquirer-fault KIND [key=value...]: adds "acquirer KIND ..." to the plan.
func cmdAcquirerFault(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! acquirer-fault")
	}
	rig := getWorld(ts).acquirer(ts)
	if len(args) == 0 {
		ts.Fatalf("acquirer-fault: want a fault kind, e.g. drop-response mti=0200 nth=1")
	}
	addRule(ts, rig.in, "acquirer", args)
}

// acquirer-heal: clears every acquirer fault.
func cmdAcquirerHeal(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! acquirer-heal")
	}
	if len(args) > 0 {
		ts.Fatalf("acquirer-heal: takes no arguments; %s", usage("acquirer-heal"))
	}
	getWorld(ts).acquirer(ts).in.Heal()
}

// acquirer-expect MTI [proc=P] [count=N]: the host saw exactly N requests
// (default: at least one) with this MTI (and processing code).
func cmdAcquirerExpect(ts *testscript.TestScript, neg bool, args []string) {
	rig := getWorld(ts).acquirer(ts)
	a := parseArgs(ts, "acquirer-expect", args, nil, nil, []string{"proc", "count"})
	if len(a.pos) != 1 {
		ts.Fatalf("%s", usage("acquirer-expect"))
	}
	rig.quiesce()
	mti, proc, count := a.pos[0], a.kv["proc"], a.count(ts, "acquirer-expect")
	rig.mu.Lock()
	got := 0
	for _, r := range rig.log {
		if string(r.mti) == mti && (proc == "" || string(r.proc) == proc) {
			got++
		}
	}
	rig.mu.Unlock()
	ok := got > 0
	if count >= 0 {
		ok = got == count
	}
	if ok == neg {
		want := "at least 1"
		if count >= 0 {
			want = strconv.Itoa(count)
		}
		if neg {
			want = "not " + want
		}
		ts.Fatalf("acquirer saw %d request(s) %s %s, want %s", got, mti, proc, want)
	}
}

// acquirer-ledger [--card PAN]: the host's transactions, one a line
// (terminal stan type amount state card), or one card's balance.
func cmdAcquirerLedger(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! acquirer-ledger")
	}
	rig := getWorld(ts).acquirer(ts)
	rig.quiesce()
	l := rig.srv.Ledger()
	a := parseArgs(ts, "acquirer-ledger", args, []string{"--card"}, nil, nil)
	if len(a.pos) > 0 {
		ts.Fatalf("%s", usage("acquirer-ledger"))
	}
	if pan, ok := a.flags["--card"]; ok {
		c, ok := l.Card(pan)
		if !ok {
			ts.Fatalf("acquirer-ledger: no card %s", acquirer.MaskPAN(pan))
		}
		fmt.Fprintf(ts.Stdout(), "card %s balance %s\n", acquirer.MaskPAN(pan), money(c.Balance))
		return
	}
	var rows []acquirer.TxnView
	for _, term := range l.Terminals() {
		rows = append(rows, l.Transactions(term)...)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Terminal != rows[j].Terminal {
			return rows[i].Terminal < rows[j].Terminal
		}
		return rows[i].STAN < rows[j].STAN
	})
	for _, t := range rows {
		fmt.Fprintf(ts.Stdout(), "%s %s %s %s %s %s\n", t.Terminal, t.STAN, t.Type, money(t.Amount), t.State, t.Card)
	}
}

func money(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}

// capture NAME REGEXP: sets $NAME to the first group of REGEXP in the
// last command's stdout (e.g. the ref of a sale, for a later refund).
func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! capture")
	}
	if len(args) != 2 {
		ts.Fatalf("%s", usage("capture"))
	}
	re, err := regexp.Compile(`(?m)` + args[1])
	ts.Check(err)
	if re.NumSubexp() < 1 {
		ts.Fatalf("capture: %q has no group", args[1])
	}
	m := re.FindStringSubmatch(ts.ReadFile("stdout"))
	if m == nil {
		ts.Fatalf("capture: no match for %q in stdout", args[1])
	}
	ts.Setenv(args[0], m[1])
}

// no-full-pan PAN...: no file under $WORK (journal, logs, receipts,
// artifacts) holds any of these card numbers in full (invariant 5).
func cmdNoFullPAN(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! no-full-pan")
	}
	if len(args) == 0 {
		ts.Fatalf("%s", usage("no-full-pan"))
	}
	root := ts.Getenv("WORK")
	var found []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(path, ".txtar") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, pan := range args {
			if strings.Contains(string(data), pan) {
				rel, _ := filepath.Rel(root, path)
				found = append(found, fmt.Sprintf("%s holds %s in full", rel, acquirer.MaskPAN(pan)))
			}
		}
		return nil
	})
	ts.Check(err)
	if len(found) > 0 {
		ts.Fatalf("full card numbers on disk:\n%s", strings.Join(found, "\n"))
	}
}

func evidenceFile(ts *testscript.TestScript, name string) io.Writer {
	dir := filepath.Join(ts.Getenv("WORK"), "artifacts")
	ts.Check(os.MkdirAll(dir, 0o755))
	f, err := os.Create(filepath.Join(dir, name))
	ts.Check(err)
	ts.Defer(func() { f.Close() })
	return &lockedWriter{w: f}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// recorder keeps the bytes of a printer's streams both ways.
type recorder struct {
	mu      sync.Mutex
	toDev   []byte
	fromDev []byte
}

func (r *recorder) wrap(c io.ReadWriteCloser) io.ReadWriteCloser { return &recConn{c, r} }

type recConn struct {
	io.ReadWriteCloser
	r *recorder
}

// Read is host → printer on the emulator's side.
func (c *recConn) Read(p []byte) (int, error) {
	n, err := c.ReadWriteCloser.Read(p)
	c.r.mu.Lock()
	c.r.toDev = append(c.r.toDev, p[:n]...)
	c.r.mu.Unlock()
	return n, err
}

// Write is printer → host.
func (c *recConn) Write(p []byte) (int, error) {
	c.r.mu.Lock()
	c.r.fromDev = append(c.r.fromDev, p...)
	c.r.mu.Unlock()
	return c.ReadWriteCloser.Write(p)
}

// maxArtifactPNGs bounds the receipt pictures written per printer.
const maxArtifactPNGs = 20

func writePrinterArtifacts(ts *testscript.TestScript, rig *printerRig) {
	dir := filepath.Join(ts.Getenv("WORK"), "artifacts")
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	rig.rec.mu.Lock()
	os.WriteFile(filepath.Join(dir, "printer-"+rig.name+"-from-host.bin"), rig.rec.toDev, 0o644)
	os.WriteFile(filepath.Join(dir, "printer-"+rig.name+"-to-host.bin"), rig.rec.fromDev, 0o644)
	rig.rec.mu.Unlock()
	for i, r := range rig.p.Paper() {
		base := filepath.Join(dir, fmt.Sprintf("printer-%s-%04d", rig.name, i+1))
		os.WriteFile(base+".txt", render.Text(r), 0o644)
		if i < maxArtifactPNGs {
			if f, err := os.Create(base + ".png"); err == nil {
				render.PNG(f, r)
				f.Close()
			}
		}
	}
}

func (a *acquirerRig) writeLog(ts *testscript.TestScript) {
	dir := filepath.Join(ts.Getenv("WORK"), "artifacts")
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var b strings.Builder
	for i, r := range a.log {
		fmt.Fprintf(&b, "#%d %s proc=%s stan=%s\n%s\n", i+1, r.mti, r.proc, r.stan, r.dump)
	}
	os.WriteFile(filepath.Join(dir, "host-messages.log"), []byte(b.String()), 0o644)
}

// bridge stands between hil pos and a real printer: it listens on
// loopback, forwards bytes both ways, records them, and feeds the host's
// bytes to a shadow emulator so that receipts can be compared as text.
type bridge struct {
	ln     net.Listener
	dev    io.ReadWriteCloser
	shadow *escpos.Printer
	rec    *recorder
	mu     sync.Mutex
	client net.Conn
	wg     sync.WaitGroup
	once   sync.Once
}

func startBridge(rawURL string, shadow *escpos.Printer, rec *recorder) (*bridge, error) {
	dev, err := openRaw(rawURL)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		dev.Close()
		return nil, err
	}
	b := &bridge{ln: ln, dev: dev, shadow: shadow, rec: rec}
	b.wg.Add(2)
	go b.acceptLoop()
	go b.fromDevice()
	return b, nil
}

// url is the printer URL of the bridge's listener, "tcp://host:port".
func (b *bridge) url() string { return "tcp://" + b.ln.Addr().String() }

func (b *bridge) acceptLoop() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		b.client = c
		b.mu.Unlock()
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				b.rec.mu.Lock()
				b.rec.toDev = append(b.rec.toDev, buf[:n]...)
				b.rec.mu.Unlock()
				b.shadow.Write(buf[:n])
				if _, werr := b.dev.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		b.mu.Lock()
		b.client = nil
		b.mu.Unlock()
		c.Close()
		b.shadow.EndJob()
	}
}

func (b *bridge) fromDevice() {
	defer b.wg.Done()
	buf := make([]byte, 256)
	for {
		n, err := b.dev.Read(buf)
		if n > 0 {
			b.rec.mu.Lock()
			b.rec.fromDev = append(b.rec.fromDev, buf[:n]...)
			b.rec.mu.Unlock()
			b.mu.Lock()
			if b.client != nil {
				b.client.Write(buf[:n])
			}
			b.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func (b *bridge) close() {
	b.once.Do(func() {
		b.ln.Close()
		b.mu.Lock()
		if b.client != nil {
			b.client.Close()
		}
		b.mu.Unlock()
		b.dev.Close()
		b.wg.Wait()
	})
}

// openRaw opens a real printer's byte stream: serial://PATH?baud=N or
// tcp://HOST:PORT.
func openRaw(rawURL string) (io.ReadWriteCloser, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("printer URL %q: %w", rawURL, err)
	}
	switch u.Scheme {
	case "tcp":
		return net.DialTimeout("tcp", u.Host, 5*time.Second)
	case "serial":
		return openSerial(u)
	}
	return nil, errors.New("printer URL " + rawURL + ": want serial://PATH?baud=N or tcp://HOST:PORT")
}
