package scenarios

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/escpos/render"
	"github.com/poshil/hil/faults/acquirerfaults"
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/terminal"
	"github.com/poshil/hil/terminal/evidence"
	"github.com/poshil/hil/terminal/posterm"
)

// The terminal under test. A scenario drives its terminal with "pos …".
// Each such line is a request of the terminal contract to a long-running
// terminal process, started on the scenario's first pos, and its answer is
// printed in hil pos's line format, so that the scenario's stdout
// assertions hold for any terminal. When the scenario ends, the world-side
// checker (package terminal/evidence) judges what the host, the paper and
// the terminal's answers show, and a violation fails the scenario with its
// invariant named.
//
// The terminal is the one of Options.Terminal (hil run --terminal CMD) or,
// by default, the built-in one: poshil's own client behind the contract
// ("hil terminal serve", package terminal/posterm). A scenario that says
// "needs internals" uses what only hil pos has (its journal, its flags);
// with the built-in terminal its pos lines run "hil pos …" as a program,
// one process a line, exactly as "exec hil pos …" runs it, and with another
// terminal it skips.

// Needs a scenario can state ("needs void refund"): the contract's
// operations, and these.
const (
	// NeedInternals: the scenario uses what only poshil's hil pos has
	// (its journal, its flags: --not-ready, --backup-printer, --faults,
	// --host, crash points inside the client, lookup by time).
	NeedInternals = "internals"
	// NeedCUP: the scenario's host speaks the China UnionPay dialect; a
	// terminal under test has it when the run says so (hil run --profile cup).
	NeedCUP = "cup"
)

// terminalTimeout is the host response timeout a terminal under test is
// started with (HIL_RESPONSE_TIMEOUT): long enough for a loaded machine,
// short enough for the scenarios that lose answers.
const terminalTimeout = "1s"

// builtinReversalBackoff is the built-in terminal's reversal backoff in a
// scenario: what the scenarios that exercise reversal retries give hil
// pos (--reversal-backoff 20ms), for every line, since a long-running
// terminal is configured once.
const builtinReversalBackoff = "20ms"

// ProbeTerminal starts the terminal of cmd once, in a scratch work
// directory with no host and no printer, for its hello answer: the
// capabilities "needs" decides from. The process is closed again.
func ProbeTerminal(ctx context.Context, cmd []string) (terminal.Response, error) {
	dir, err := os.MkdirTemp("", "hil-terminal-probe-")
	if err != nil {
		return terminal.Response{}, err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	p, err := terminal.StartProcess(ctx, terminal.ProcessConfig{
		Command: cmd,
		Env: []string{terminal.EnvWorkDir + "=" + dir, terminal.EnvAcquirerAddr + "=127.0.0.1:1",
			terminal.EnvPrinterURL + "=", terminal.EnvResponseTimeout + "=" + terminalTimeout},
	})
	if err != nil {
		return terminal.Response{}, err
	}
	hello := p.HelloAnswer()
	if err := p.Close(); err != nil {
		return hello, err
	}
	return hello, nil
}

// needs CAP…: skips the scenario when the terminal under test lacks one.
func cmdNeeds(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! needs")
	}
	if len(args) == 0 {
		ts.Fatalf("%s", usage("needs"))
	}
	w := getWorld(ts)
	for _, need := range args {
		if need != NeedInternals && need != NeedCUP && !slices.Contains(terminal.Ops[1:], terminal.Op(need)) {
			ts.Fatalf("needs: %q is not an operation of the contract (%v), %s or %s", need, terminal.Ops[1:], NeedInternals, NeedCUP)
		}
	}
	if len(w.opts.Terminal) == 0 {
		// The built-in terminal has every operation and speaks cup when
		// the host does; internals are hil pos's.
		if slices.Contains(args, NeedInternals) {
			w.mu.Lock()
			w.internals = true
			w.mu.Unlock()
		}
		return
	}
	name := w.opts.TerminalHello.Name
	for _, need := range args {
		switch {
		case need == NeedInternals:
			w.t.Skip(fmt.Sprintf("needs internals: uses poshil's own hil pos (journal, flags), not the terminal contract; terminal %s", name))
		case need == NeedCUP:
			if w.opts.Profile != hostproto.ProfileCUP {
				w.t.Skip(fmt.Sprintf("needs cup: the host speaks China UnionPay; terminal %s is run on iso87 (hil run --profile cup says it speaks cup)", name))
			}
		case !w.opts.TerminalHello.Supports(terminal.Op(need)):
			w.t.Skip(fmt.Sprintf("needs %s: terminal %s does not list it in its capabilities %v", need, name, w.opts.TerminalHello.Capabilities))
		}
	}
}

// pos ARGS…: the same as hil pos ARGS, through the terminal contract; in
// a scenario that needs internals (built-in terminal), hil pos ARGS itself.
func cmdPos(ts *testscript.TestScript, neg bool, args []string) {
	w := getWorld(ts)
	w.mu.Lock()
	internals := w.internals
	w.mu.Unlock()
	var err error
	if internals {
		err = ts.Exec("hil", append([]string{"pos"}, args...)...)
	} else {
		err = w.term(ts).pos(ts, args)
	}
	switch {
	case err != nil && !neg:
		ts.Fatalf("pos: %v", err)
	case err == nil && neg:
		ts.Fatalf("pos: unexpected success")
	}
}

// termRig is the terminal under test of one scenario and what the harness
// knows of it: only what it asked and what the terminal answered.
type termRig struct {
	w     *world
	proc  *terminal.Process
	work  string
	mu    sync.Mutex
	ex    []evidence.Exchange
	txns  []*knownTxn
	byRef map[string]*knownTxn
	last  string // the last transaction with a receipt (reprint without a ref)
	cards map[string]bool
}

// knownTxn is a transaction the terminal named, with the harness's record
// of the request (the card is kept masked, the full number only in the
// exchange list, in memory).
type knownTxn struct {
	ref, kind, card string
	last4           string
	amount          int64
	rrn             string
	state           string
	receipt         terminal.Receipt
	orig            string
	copies          int
	refunded        int64
}

func (w *world) term(ts *testscript.TestScript) *termRig {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.terminal != nil {
		return w.terminal
	}
	r := &termRig{w: w, work: filepath.Join(w.workdir, "terminal"), byRef: map[string]*knownTxn{}, cards: map[string]bool{}}
	ts.Check(os.MkdirAll(r.work, 0o755))
	stderr, err := os.Create(filepath.Join(w.workdir, "terminal-stderr.log"))
	ts.Check(err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	env := []string{
		terminal.EnvPrinterURL + "=" + ts.Getenv("HIL_PRINTER_URL"),
		terminal.EnvAcquirerAddr + "=" + ts.Getenv("HIL_ACQUIRER_ADDR"),
		terminal.EnvWorkDir + "=" + r.work,
		terminal.EnvResponseTimeout + "=" + terminalTimeout,
	}
	cmd := w.opts.Terminal
	if len(cmd) == 0 {
		hil, err := lookPathIn(ts.Getenv("PATH"), "hil")
		if err != nil {
			stderr.Close()
			ts.Fatalf("pos: the built-in terminal: %v", err)
		}
		cmd = []string{hil, "terminal", "serve"}
		// The host dialect of the scenario, as hil pos would speak it.
		env = append(env, posterm.EnvProfile+"="+ts.Getenv("HIL_POS_PROFILE"),
			posterm.EnvReversalBackoff+"="+builtinReversalBackoff)
		// Receipts as wide as the printer's roll (32 columns on 58 mm).
		if rig := w.printers["main"]; rig != nil {
			if n := rig.p.Profile().Columns(0); n >= 24 && n <= 64 {
				env = append(env, posterm.EnvReceiptColumns+"="+strconv.Itoa(n))
			}
		}
	}
	p, err := terminal.StartProcess(ctx, terminal.ProcessConfig{Command: cmd, Env: env, Stderr: stderr})
	if err != nil {
		stderr.Close()
		ts.Fatalf("pos: terminal %q: %v", cmd, err)
	}
	r.proc = p
	hello := p.HelloAnswer()
	ts.Logf("terminal %s (contract version %d), work directory $WORK/terminal", hello.Name, hello.Version)
	w.terminal = r
	// Registered after the printer and the acquirer started: runs before
	// they are closed.
	ts.Defer(func() {
		defer stderr.Close()
		if err := r.judge(ts); err != nil {
			// ts.Fatalf is for script lines; at the end the script's T fails.
			ts.Logf("FAIL: %v", err)
			w.t.FailNow()
		}
	})
	return r
}

// lookPathIn finds the program name in the folders of path (a PATH
// value): the scenario's own PATH, on which its hil is, not the
// harness's.
func lookPathIn(path, name string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		f := filepath.Join(dir, name)
		if info, err := os.Stat(f); err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0 {
			return f, nil
		}
	}
	return "", fmt.Errorf("%s is not on the scenario's PATH", name)
}

// judge closes the terminal and decides the invariants from the world.
func (r *termRig) judge(ts *testscript.TestScript) error {
	cerr := r.proc.Close()
	if cerr != nil {
		r.proc.Kill()
	}
	w := r.w
	ev := evidence.Evidence{WorkDir: r.work}
	ev.Output, _ = r.proc.Transcript()
	r.mu.Lock()
	ev.Exchanges = slices.Clone(r.ex)
	for c := range r.cards {
		ev.Cards = append(ev.Cards, c)
	}
	r.mu.Unlock()
	w.mu.Lock()
	rig := w.printers["main"]
	w.mu.Unlock()
	if rig != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		rig.p.WaitIdle(ctx) // offline or not, what is on paper is the evidence
		cancel()
		for _, rc := range rig.p.Paper() {
			ev.Receipts = append(ev.Receipts, string(render.Text(rc)))
		}
	}
	if w.acq != nil {
		w.acq.quiesce()
		l := w.acq.srv.Ledger()
		for _, id := range l.Terminals() {
			ev.Host = append(ev.Host, l.Transactions(id)...)
			bs, err := l.Batches(id)
			if err != nil {
				return err
			}
			ev.Batches = append(ev.Batches, bs...)
		}
		// settlement-mismatch books this sale at the host itself.
		ev.Ignore = func(t acquirer.TxnView) bool {
			return t.Amount == acquirerfaults.PhantomAmount && !r.asked(t.Amount)
		}
	}
	vs, err := evidence.Check(ev)
	if err != nil {
		return err
	}
	for _, v := range vs {
		ts.Logf("evidence: %s", v)
	}
	if len(vs) > 0 {
		return fmt.Errorf("evidence from the world's side: %d violation(s), the first: %s", len(vs), vs[0])
	}
	if cerr != nil {
		return fmt.Errorf("terminal: %v", cerr)
	}
	return nil
}

func (r *termRig) asked(amount int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, x := range r.ex {
		if x.Request.Op == terminal.OpSale && x.Request.Amount == amount {
			return true
		}
	}
	return false
}

// posIgnored are hil pos's flags a terminal under test is given and ignores: the response
// timeout and the reversal backoff are the terminal's own business.
var posIgnored = []string{"--timeout", "--reversal-backoff"}

// pos runs one hil pos command line through the contract.
func (r *termRig) pos(ts *testscript.TestScript, args []string) error {
	repeat, crashAt := 1, ""
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, inline := strings.Cut(a, "=")
		takeVal := func() string {
			if inline {
				return val
			}
			if i+1 == len(args) {
				ts.Fatalf("pos: %s needs a value", name)
			}
			i++
			return args[i]
		}
		switch {
		case slices.Contains(posIgnored, name):
			takeVal()
		case name == "--repeat":
			n, err := strconv.Atoi(takeVal())
			if err != nil || n < 1 {
				ts.Fatalf("pos: --repeat: want a positive number")
			}
			repeat = n
		case name == "--crash-at":
			crashAt = takeVal()
			if crashAt != "after-send" {
				ts.Fatalf("pos: --crash-at %s: a terminal under test is crashed from outside, after-send only; mark the scenario `needs %s`", crashAt, NeedInternals)
			}
		case strings.HasPrefix(a, "-") && len(rest) == 0:
			ts.Fatalf("pos: %s is a flag of poshil's hil pos, not of the terminal contract: mark the scenario `needs %s`", name, NeedInternals)
		default:
			rest = append(rest, a)
		}
	}
	if len(rest) == 0 {
		ts.Fatalf("pos: no operation")
	}
	op, rest := rest[0], rest[1:]
	var out, errs strings.Builder
	var failed error
	for range repeat {
		if err := r.do(ts, &out, &errs, op, rest, crashAt); err != nil && failed == nil {
			failed = err
		}
	}
	r.w.endJobs()
	// What the scenario's stdout and stderr assertions see.
	fmt.Fprint(ts.Stdout(), out.String())
	fmt.Fprint(ts.Stderr(), errs.String())
	return failed
}

// posArgs reads the operation's own flags (--card PAN, --expiry YYMM,
// lookup's query) and positional arguments.
type posArgs struct {
	card, expiry string
	query        map[string]string
	pos          []string
}

func parsePosArgs(ts *testscript.TestScript, op string, args []string) posArgs {
	a := posArgs{query: map[string]string{}}
	for i := 0; i < len(args); i++ {
		name, val, inline := strings.Cut(args[i], "=")
		if !strings.HasPrefix(name, "--") {
			a.pos = append(a.pos, args[i])
			continue
		}
		if !inline {
			if i+1 == len(args) {
				ts.Fatalf("pos %s: %s needs a value", op, name)
			}
			i++
			val = args[i]
		}
		switch {
		case name == "--card":
			a.card = val
		case name == "--expiry":
			a.expiry = val
		case op == "lookup" && slices.Contains([]string{"--ref", "--state", "--amount", "--last4"}, name):
			a.query[name] = val
		default:
			ts.Fatalf("pos %s: %s is not something the terminal contract carries: mark the scenario `needs %s`", op, name, NeedInternals)
		}
	}
	return a
}

func (r *termRig) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 60*time.Second)
}

// call sends req, records the exchange and returns the answer.
func (r *termRig) call(req terminal.Request) (terminal.Response, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	res, err := r.proc.Do(ctx, req)
	if req.Op != terminal.OpHello && !r.proc.HelloAnswer().Supports(req.Op) && err == nil && res.Reason == "" {
		res = terminal.Unsupported(res.ID, req.Op)
	}
	r.record(req, res, err)
	return res, err
}

func (r *termRig) record(req terminal.Request, res terminal.Response, err error) {
	if err != nil {
		res = terminal.Response{Outcome: terminal.Error, Error: err.Error()}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ex = append(r.ex, evidence.Exchange{Request: req, Response: res})
	if req.Card != "" {
		r.cards[req.Card] = true
	}
}

func (r *termRig) do(ts *testscript.TestScript, out, errs io.Writer, op string, args []string, crashAt string) error {
	a := parsePosArgs(ts, op, args)
	if crashAt != "" && op != "sale" {
		ts.Fatalf("pos: --crash-at with %s: a terminal under test is crashed in a sale only", op)
	}
	if !slices.Contains(terminal.Ops[1:], terminal.Op(op)) {
		ts.Fatalf("pos %s: not an operation of the terminal contract: mark the scenario `needs %s`", op, NeedInternals)
	}
	if !r.proc.HelloAnswer().Supports(terminal.Op(op)) {
		ts.Fatalf("pos %s: terminal %s has no %s: mark the scenario `needs %s`", op, r.proc.HelloAnswer().Name, op, op)
	}
	fail := func(res terminal.Response) error {
		msg := fmt.Sprintf("%s: %s (%s)", op, res.Error, res.Reason)
		fmt.Fprintf(errs, "pos: %s\n", msg)
		return errors.New(msg)
	}
	switch op {
	case "sale":
		amount := posAmount(ts, a.pos)
		if a.card == "" {
			ts.Fatalf("pos sale: --card missing")
		}
		req := terminal.Request{Op: terminal.OpSale, Amount: amount, Card: a.card, Expiry: a.expiry}
		if crashAt != "" {
			return r.crashAfterSend(ts, errs, req)
		}
		res, err := r.call(req)
		if err != nil {
			return err
		}
		return r.financial(out, errs, "sale", req, res, nil)
	case "refund":
		if len(a.pos) < 1 || a.card == "" {
			ts.Fatalf("pos refund: want REF [AMOUNT] --card PAN")
		}
		orig := r.known(a.pos[0])
		var amount int64
		if len(a.pos) > 1 {
			amount = posAmount(ts, a.pos[1:])
		} else if orig != nil {
			amount = orig.amount - orig.refunded // all that is left, as hil pos does
		}
		if amount <= 0 {
			fmt.Fprintf(errs, "pos: refund: nothing left to refund of %s\n", a.pos[0])
			return errors.New("nothing left to refund")
		}
		req := terminal.Request{Op: terminal.OpRefund, Ref: a.pos[0], Amount: amount, Card: a.card}
		res, err := r.call(req)
		if err != nil {
			return err
		}
		return r.financial(out, errs, "refund", req, res, orig)
	case "void":
		if len(a.pos) != 1 || a.card == "" {
			ts.Fatalf("pos void: want REF --card PAN")
		}
		orig := r.known(a.pos[0])
		req := terminal.Request{Op: terminal.OpVoid, Ref: a.pos[0], Card: a.card}
		res, err := r.call(req)
		if err != nil {
			return err
		}
		if res.Outcome == terminal.Approved && orig != nil {
			orig.state = terminal.StateVoided
		}
		req.Amount = 0
		if orig != nil {
			req.Amount = orig.amount
		}
		return r.financial(out, errs, "void", req, res, orig)
	case "reprint":
		ref := r.last
		if len(a.pos) == 1 {
			ref = a.pos[0]
		}
		k := r.known(ref)
		res, err := r.call(terminal.Request{Op: terminal.OpReprint, Ref: ref})
		if err != nil {
			return err
		}
		if res.Outcome != terminal.OK {
			return fail(res)
		}
		if k == nil {
			k = &knownTxn{ref: ref, kind: "sale"}
		}
		if k.receipt == terminal.ReceiptPrinted {
			k.copies++ // a copy of a receipt the customer had
		}
		k.receipt = cmp.Or(res.Receipt, k.receipt)
		r.line(out, k)
		return nil
	case "lookup":
		return r.lookup(out, errs, a.query)
	case "recover":
		return r.recover(out, errs)
	case "settle":
		return r.settle(ts, out, errs)
	case "restart":
		res, err := r.restart()
		if err != nil {
			return err
		}
		if res.Outcome != terminal.OK {
			return fail(res)
		}
		fmt.Fprintf(out, "restarted %s\n", res.Name)
		return nil
	}
	ts.Fatalf("pos %s: not an operation hil pos has", op)
	return nil
}

// restart is the contract's restart as a harness makes it: the process is
// killed with SIGKILL and started again.
func (r *termRig) restart() (terminal.Response, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	res, err := r.proc.Restart(ctx)
	r.record(terminal.Request{Op: terminal.OpRestart}, res, err)
	return res, err
}

// crashAfterSend is hil pos --crash-at after-send for a terminal under
// test: the host's answer to the sale is held until the terminal has been
// killed (SIGKILL), then the terminal is started again. The power cut came
// after the request left and before any answer came back.
func (r *termRig) crashAfterSend(ts *testscript.TestScript, errs io.Writer, req terminal.Request) error {
	acq := r.w.acquirer(ts)
	seen := acq.holdAnswer(hostproto.MTIFinancialRequest)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := r.ctx()
		defer cancel()
		res, err := r.proc.Do(ctx, req)
		r.record(req, res, err)
		done <- err
	}()
	select {
	case <-seen:
	case err := <-done:
		acq.releaseAnswer()
		ts.Fatalf("pos --crash-at after-send: the terminal answered before the host had the sale (%v)", err)
	case <-time.After(30 * time.Second):
		acq.releaseAnswer()
		ts.Fatalf("pos --crash-at after-send: the host did not see the sale within 30s")
	}
	r.proc.Crash()
	<-done
	acq.releaseAnswer()
	if _, err := r.restart(); err != nil {
		return err
	}
	fmt.Fprintf(errs, "pos: crashed after the sale was sent (SIGKILL), terminal started again\n")
	return errors.New("crashed after send")
}

func (r *termRig) known(ref string) *knownTxn {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byRef[ref]
}

// financial records and prints a sale, refund or void answer.
func (r *termRig) financial(out, errs io.Writer, kind string, req terminal.Request, res terminal.Response, orig *knownTxn) error {
	if res.Ref == "" || res.Outcome == terminal.Refused || res.Outcome == terminal.Error {
		msg := fmt.Sprintf("%s: %s (%s)", kind, res.Error, res.Reason)
		fmt.Fprintf(errs, "pos: %s\n", msg)
		return errors.New(msg)
	}
	k := &knownTxn{ref: res.Ref, kind: kind, amount: req.Amount, rrn: res.RRN, receipt: res.Receipt}
	if req.Card != "" {
		k.card, k.last4 = hostproto.PAN(req.Card).Masked(), req.Card[max(len(req.Card)-4, 0):]
	} else if orig != nil {
		k.card, k.last4 = orig.card, orig.last4
	}
	if orig != nil {
		k.orig = orig.ref
	}
	switch res.Outcome {
	case terminal.Approved:
		k.state = terminal.StateApproved
		if kind == "refund" && orig != nil {
			orig.refunded += req.Amount
		}
	case terminal.Declined:
		k.state = terminal.StateDeclined
	default:
		k.state = terminal.StateInDoubt
	}
	r.mu.Lock()
	if _, dup := r.byRef[k.ref]; !dup {
		r.txns = append(r.txns, k)
	}
	r.byRef[k.ref] = k
	if k.receipt != "" && k.receipt != terminal.ReceiptNone {
		r.last = k.ref
	}
	r.mu.Unlock()
	r.line(out, k)
	switch res.Outcome {
	case terminal.Approved:
		return nil
	case terminal.Declined:
		fmt.Fprintf(errs, "pos: %s declined: %s\n", kind, res.Error)
		return errors.New("declined")
	}
	fmt.Fprintf(errs, "pos: %s in doubt: %s\n", kind, res.Error)
	return errors.New("in doubt")
}

// line prints a transaction as hil pos does; the response and approval
// codes are the host's, from its ledger.
func (r *termRig) line(out io.Writer, k *knownTxn) {
	code, auth := "-", "-"
	if r.w.acq != nil && k.rrn != "" {
		if t, ok := r.w.acq.srv.Ledger().Transaction(k.rrn); ok {
			code, auth = cmp.Or(string(t.Code), "-"), cmp.Or(t.AuthCode, "-")
		}
	}
	fmt.Fprintf(out, "%s %s ref=%s amount=%d code=%s rrn=%s auth=%s card=%s receipt=%s",
		k.state, k.kind, k.ref, k.amount, code, cmp.Or(k.rrn, "-"), auth, cmp.Or(k.card, "-"), cmp.Or(string(k.receipt), "-"))
	if k.orig != "" {
		fmt.Fprintf(out, " orig=%s", k.orig)
	}
	if k.copies > 0 {
		fmt.Fprintf(out, " copies=%d", k.copies)
	}
	fmt.Fprintln(out)
}

// refresh asks the terminal what it knows now of k.
func (r *termRig) refresh(k *knownTxn) error {
	res, err := r.call(terminal.Request{Op: terminal.OpLookup, Ref: k.ref})
	if err != nil {
		return err
	}
	if res.Outcome == terminal.OK {
		k.state = cmp.Or(res.State, k.state)
		k.receipt = cmp.Or(res.Receipt, k.receipt)
		k.rrn = cmp.Or(res.RRN, k.rrn)
	}
	return nil
}

// lookup is hil pos lookup over the transactions the terminal named to
// the harness: each is looked up by its ref, the query filters.
func (r *termRig) lookup(out, errs io.Writer, q map[string]string) error {
	r.mu.Lock()
	txns := slices.Clone(r.txns)
	r.mu.Unlock()
	n := 0
	for _, k := range txns {
		if ref, ok := q["--ref"]; ok && k.ref != ref {
			continue
		}
		if v, ok := q["--amount"]; ok && strconv.FormatInt(k.amount, 10) != v {
			continue
		}
		if v, ok := q["--last4"]; ok && k.last4 != v {
			continue
		}
		if err := r.refresh(k); err != nil {
			return err
		}
		if s, ok := q["--state"]; ok && !stateMatches(k, s) {
			continue
		}
		r.line(out, k)
		n++
	}
	if n == 0 {
		fmt.Fprintf(errs, "pos: lookup: no transaction matches\n")
	}
	return nil
}

// stateMatches reads hil pos lookup --state in the contract's terms.
func stateMatches(k *knownTxn, s string) bool {
	switch s {
	case "owed":
		return k.receipt == terminal.ReceiptOwed
	case "in-doubt", "reversal-pending":
		return k.state == terminal.StateInDoubt
	}
	return k.state == s
}

func (r *termRig) recover(out, errs io.Writer) error {
	r.mu.Lock()
	txns := slices.Clone(r.txns)
	r.mu.Unlock()
	res, err := r.call(terminal.Request{Op: terminal.OpRecover})
	if err != nil {
		return err
	}
	var printed, owed, unresolved []string
	for _, k := range txns {
		before := k.receipt
		if err := r.refresh(k); err != nil {
			return err
		}
		if before == terminal.ReceiptOwed && k.receipt == terminal.ReceiptPrinted {
			printed = append(printed, k.ref)
		}
	}
	for _, ref := range res.Open {
		if k := r.known(ref); k != nil && k.receipt == terminal.ReceiptOwed {
			owed = append(owed, ref)
		} else {
			unresolved = append(unresolved, ref)
		}
	}
	fmt.Fprintf(out, "recovered reversed=%s unresolved=%s printed=%s owed=%s pending=-\n",
		listOrDash(res.Reversed), listOrDash(unresolved), listOrDash(printed), listOrDash(owed))
	if res.Outcome != terminal.OK {
		fmt.Fprintf(errs, "pos: recover: %s\n", res.Error)
		return errors.New("recover: work left open")
	}
	return nil
}

func listOrDash(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ",")
}

// settle sends settle and prints the settlement as the host closed it:
// the totals the terminal sent in its first 0500, whether they balanced,
// how many transactions it uploaded, the host's difference report.
func (r *termRig) settle(ts *testscript.TestScript, out, errs io.Writer) error {
	acq := r.w.acquirer(ts)
	l := acq.srv.Ledger()
	closedBefore := map[string]bool{}
	batches := func() []acquirer.Batch {
		var all []acquirer.Batch
		for _, id := range l.Terminals() {
			bs, _ := l.Batches(id)
			all = append(all, bs...)
		}
		sort.Slice(all, func(i, j int) bool { return all[i].Number < all[j].Number })
		return all
	}
	for _, b := range batches() {
		if b.State == acquirer.BatchClosed {
			closedBefore[fmt.Sprintf("%s/%d", b.Terminal, b.Number)] = true
		}
	}
	res, err := r.call(terminal.Request{Op: terminal.OpSettle})
	if err != nil {
		return err
	}
	if res.Outcome != terminal.OK {
		fmt.Fprintf(errs, "pos: settle: %s (%s)\n", res.Error, res.Reason)
		return errors.New("settle failed")
	}
	acq.quiesce()
	n := 0
	for _, b := range batches() {
		if b.State != acquirer.BatchClosed || b.Report == nil || closedBefore[fmt.Sprintf("%s/%d", b.Terminal, b.Number)] {
			continue
		}
		rep, tt := b.Report, b.Report.Terminal
		fmt.Fprintf(out, "settled batch=%06d balanced=%v debits=%d/%d credits=%d/%d uploaded=%d differences=%d next=%06d\n",
			b.Number, rep.Balanced, tt.DebitsCount, tt.DebitsAmount, tt.CreditsCount, tt.CreditsAmount, rep.Uploaded, len(rep.Differences), b.Number+1)
		for _, d := range rep.Differences {
			fmt.Fprintf(out, "difference stan=%s rrn=%s kind=%q terminal=%d host=%d\n", d.STAN, d.RRN, d.Kind.String(), d.TerminalAmount, d.HostAmount)
		}
		n++
	}
	if n == 0 {
		fmt.Fprintf(errs, "pos: settle: the terminal answered ok and the host closed no batch\n")
		return errors.New("settle: no batch closed at the host")
	}
	return nil
}

// endJobs ends the printers' jobs once the terminal has answered: the
// operation is over and the operator takes what came out, tearing it off
// on a printer without a cutter, as when a hil pos process exits and its
// printer connection closes. A terminal that keeps its connection open
// prints the same receipts as one that does not.
func (w *world) endJobs() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, rig := range w.printers {
		rig.p.EndJob()
	}
}

// posAmount reads the amount argument as hil pos does (1250 or 12.50).
func posAmount(ts *testscript.TestScript, args []string) int64 {
	if len(args) == 0 {
		ts.Fatalf("pos: amount missing")
	}
	s := args[0]
	major, minor, dot := strings.Cut(s, ".")
	if !dot {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v <= 0 {
			ts.Fatalf("pos: bad amount %q", s)
		}
		return v
	}
	if len(minor) == 1 {
		minor += "0"
	}
	m, err1 := strconv.ParseInt(major, 10, 64)
	n, err2 := strconv.ParseInt(minor, 10, 64)
	if err1 != nil || err2 != nil || len(minor) != 2 || m < 0 || n < 0 || m*100+n == 0 {
		ts.Fatalf("pos: bad amount %q", s)
	}
	return m*100 + n
}
