package chaos

import (
	"context"
	"fmt"
	"os"
	"slices"
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
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/terminal"
	"github.com/poshil/hil/terminal/evidence"
)

// ContractExcluded are the fault kinds left out of the schedules for a
// terminal driven through the contract (Options.Terminal): they act inside
// poshil's own client — its journal writes (disk-full, the crash points
// between them: after-journal-write, after-persist), the instants only it
// can see (after-response, after-approval), a second process on its
// journal (intrude), bytes it leaves in the printer (half-command). A
// foreign terminal is crashed where the world sees it: client crash
// at=after-send (the host has committed its request and not answered
// yet), at=mid-print (the first line of a receipt is on the paper) and
// at=after-print (a receipt was cut).
var ContractExcluded = []string{
	"client crash at=after-journal-write",
	"client crash at=after-response",
	"client crash at=after-approval",
	"client crash at=after-persist",
	"client disk-full",
	"client intrude",
	"client half-command",
}

// Crash points of a terminal driven through the contract.
const (
	stepAfterSend  = "after-send"
	stepMidPrint   = "mid-print"
	stepAfterPrint = "after-print"
)

// contractTerminal is one terminal process of a contract rig and the world
// around it: its printer emulator on TCP, its link (a fault proxy to the
// acquirer), its work directory.
type contractTerminal struct {
	n    int
	id   string
	work string
	in   *faults.Injector
	fire func(step string) bool
	emu  *escpos.Printer
	srv  *escpos.Server
	pad  *printerfaults.Adapter
	link *faults.Proxy

	mu       sync.Mutex
	proc     *terminal.Process
	crash    string // the crash point that killed the process, until taken
	receipts []PrintedReceipt
	started  bool // a line of the current receipt is on paper (printer goroutine)

	ex      []evidence.Exchange
	output  []byte // transcripts of the processes before the current one
	crashes int
}

// crashAt is called where the world sees step happen: when a client
// crash rule fires there, the process is killed with SIGKILL at once.
func (t *contractTerminal) crashAt(step string) {
	if !t.fire(step) {
		return
	}
	t.mu.Lock()
	t.crash = step
	p := t.proc
	t.mu.Unlock()
	if p != nil {
		p.Crash()
	}
}

func (t *contractTerminal) takeCrash() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.crash
	t.crash = ""
	return s
}

// callTimeout bounds the wait for one answer: a terminal silent for this
// long is taken as dead (and started again).
const callTimeout = 30 * time.Second

// call sends one request and keeps the exchange for the evidence; a
// request the terminal died on is kept with no answer (it was asked).
func (t *contractTerminal) call(ctx context.Context, req terminal.Request) (terminal.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	res, err := terminal.Dispatch(ctx, t.proc, req)
	if err != nil {
		res = terminal.Response{}
	}
	t.ex = append(t.ex, evidence.Exchange{Request: req, Response: res})
	return res, err
}

// settle waits until the printer has printed what it received and handed
// every finished receipt to the hooks, so that a crash rule on a receipt
// fires during the operation that printed it.
func (t *contractTerminal) settle(ctx context.Context) {
	wctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	t.emu.WaitIdle(wctx)
}

type contractRig struct {
	opts   Options
	s      Schedule
	acq    *acquirer.Server
	acqIn  *faults.Injector
	detach func()
	terms  []*contractTerminal
}

func (r *contractRig) env(t *contractTerminal, timeout time.Duration) []string {
	return []string{
		terminal.EnvPrinterURL + "=" + t.srv.URL(),
		terminal.EnvAcquirerAddr + "=" + t.link.Addr,
		terminal.EnvWorkDir + "=" + t.work,
		terminal.EnvTerminalID + "=" + t.id,
		terminal.EnvResponseTimeout + "=" + timeout.String(),
	}
}

func (r *contractRig) startProcess(ctx context.Context, t *contractTerminal, timeout time.Duration) error {
	p, err := terminal.StartProcess(ctx, terminal.ProcessConfig{Command: r.opts.Terminal, Dir: r.opts.TerminalDir, Env: r.env(t, timeout)})
	if err != nil {
		return fmt.Errorf("%w: terminal t%d: %w", ErrSetup, t.n, err)
	}
	t.mu.Lock()
	t.proc = p
	t.mu.Unlock()
	return nil
}

// stopProcess ends the current process (closing its input, or killing it)
// and keeps what it wrote.
func (r *contractRig) stopProcess(t *contractTerminal, kill bool) error {
	t.mu.Lock()
	p := t.proc
	t.proc = nil
	t.mu.Unlock()
	if p == nil {
		return nil
	}
	var err error
	if kill {
		p.Kill()
	} else {
		err = p.Close()
	}
	out, _ := p.Transcript()
	t.output = append(t.output, out...)
	return err
}

func newContractRig(ctx context.Context, s Schedule, opts Options) (_ *contractRig, err error) {
	r := &contractRig{opts: opts, s: s}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	r.acq, err = acquirer.NewServer(acquirer.Options{IdleTimeout: -1, KeepBatches: -1})
	if err != nil {
		return nil, fmt.Errorf("%w: acquirer: %w", ErrSetup, err)
	}
	r.acqIn, err = faults.NewInjector(planOf(s, 0, s.Seed), faults.Options{})
	if err != nil {
		return nil, fmt.Errorf("%w: acquirer plan: %w", ErrSetup, err)
	}
	// The acquirer's rules, and the after-send crash point: the host has
	// committed a financial request of the terminal, its answer not sent.
	inner := acquirerfaults.Interceptor(r.acqIn, r.acq.Ledger())
	r.acq.SetIntercept(func(st acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		a := inner(st, ex)
		if st == acquirer.AfterLedger && ex.MTI == hostproto.MTIFinancialRequest {
			for _, t := range r.terms {
				if t.id == ex.Terminal {
					t.crashAt(stepAfterSend)
				}
			}
		}
		return a
	})
	undo := r.acqIn.Attach(faults.TargetAcquirer, faults.Applier{})
	r.detach = func() { undo(); r.acq.SetIntercept(nil) }
	for n := 1; n <= s.Terminals; n++ {
		t := &contractTerminal{n: n, id: TerminalID(n)}
		r.terms = append(r.terms, t)
		if t.work, err = os.MkdirTemp("", "hil-chaos-"+t.id+"-"); err != nil {
			return nil, fmt.Errorf("%w: work directory of t%d: %w", ErrSetup, n, err)
		}
		if t.in, err = faults.NewInjector(planOf(s, n, s.Seed+int64(n)), faults.Options{}); err != nil {
			return nil, fmt.Errorf("%w: plan of t%d: %w", ErrSetup, n, err)
		}
		t.fire = faults.ClientHook(t.in)
		if t.emu, err = escpos.NewPrinter(escpos.Options{}); err != nil {
			return nil, fmt.Errorf("%w: printer of t%d: %w", ErrSetup, n, err)
		}
		t.emu.OnReceipt(func(rc *paper.Receipt) {
			pr := PrintedReceipt{Text: string(render.Text(rc)), Cut: rc.Cut() != nil}
			t.mu.Lock()
			t.receipts = append(t.receipts, pr)
			t.mu.Unlock()
			if pr.Cut {
				t.crashAt(stepAfterPrint)
			}
		})
		t.emu.OnEvent(func(e escpos.Event) {
			switch e.Kind {
			case escpos.EventCut:
				t.started = false
			case escpos.EventLine:
				if !t.started {
					t.started = true
					t.crashAt(stepMidPrint)
				}
			}
		})
		if t.srv, err = escpos.NewServer(t.emu, escpos.ServerOptions{TCP: true, IdleTimeout: -1}); err != nil {
			return nil, fmt.Errorf("%w: printer of t%d: %w", ErrSetup, n, err)
		}
		t.pad = printerfaults.Attach(t.in, t.emu, t.srv)
		if t.link, err = faults.NewProxy(r.acq.Addr(), faults.ProxyOptions{Injector: t.in, Name: t.id + "->acquirer"}); err != nil {
			return nil, fmt.Errorf("%w: link of t%d: %w", ErrSetup, n, err)
		}
		if err := r.startProcess(ctx, t, opts.ResponseTimeout); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (r *contractRig) close() {
	for _, t := range r.terms {
		r.stopProcess(t, true)
		if t.link != nil {
			t.link.Close()
		}
		if t.pad != nil {
			t.pad.Close()
		}
		if t.srv != nil {
			t.srv.Close()
		}
		if t.emu != nil {
			t.emu.Close()
		}
		if t.in != nil {
			t.in.Close()
		}
		if t.work != "" {
			os.RemoveAll(t.work)
		}
	}
	if r.detach != nil {
		r.detach()
	}
	if r.acqIn != nil {
		r.acqIn.Close()
	}
	if r.acq != nil {
		r.acq.Close()
	}
}

// restart starts a crashed terminal again and runs recover, as a till
// does when it boots; a crash during that recover (an owed receipt cut)
// starts it again.
func (r *contractRig) restart(ctx context.Context, t *contractTerminal) error {
	for range 10 {
		t.crashes++
		if _, err := t.proc.Restart(ctx); err != nil {
			return fmt.Errorf("terminal t%d: restart: %w", t.n, err)
		}
		_, err := t.call(ctx, terminal.Request{Op: terminal.OpRecover})
		t.settle(ctx)
		if t.takeCrash() == "" {
			if err != nil {
				return fmt.Errorf("terminal t%d: recover after the restart: %w", t.n, err)
			}
			return nil
		}
	}
	return nil
}

// runContract is Run for a terminal driven through the contract.
func runContract(ctx context.Context, s Schedule, opts Options) (*History, error) {
	start := time.Now()
	r, err := newContractRig(ctx, s, opts)
	if err != nil {
		return nil, err
	}
	defer r.close()
	h := &History{Schedule: s, ResponseTimeout: opts.ResponseTimeout, Balances: map[string]int64{}, Contract: slices.Clone(opts.Terminal)}
	byID := map[int]*OpRecord{}
	refunded := map[int]int64{} // approved refunds per original op
	for _, op := range s.Ops {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := r.do(ctx, op, byID, refunded)
		if err != nil {
			return nil, err
		}
		h.Ops = append(h.Ops, rec)
		byID[op.ID] = &h.Ops[len(h.Ops)-1]
	}
	// Heal, then, as an operator would after a power cycle, start every
	// terminal with a generous host timeout, recover and settle (trying
	// again while work is left open), and look up every transaction.
	r.acqIn.Heal()
	for _, t := range r.terms {
		t.in.Heal()
	}
	var world []Violation
	for _, t := range r.terms {
		tr := TerminalRecord{ID: t.id}
		r.stopProcess(t, true)
		if err := r.startProcess(ctx, t, opts.HealTimeout); err != nil {
			return nil, err
		}
		hello := t.proc.HelloAnswer()
		var open terminal.Response
		for tr.RecoverTries < healTries {
			tr.RecoverTries++
			res, err := t.call(ctx, terminal.Request{Op: terminal.OpRecover})
			if err != nil {
				return nil, fmt.Errorf("terminal t%d: recover after the heal: %w", t.n, err)
			}
			open, tr.RecoverErr = res, ""
			if res.Outcome == terminal.OK {
				break
			}
			tr.RecoverErr = fmt.Sprintf("%s: %s (open: %s)", res.Outcome, res.Error, strings.Join(res.Open, " "))
		}
		if hello.Supports(terminal.OpSettle) {
			for tr.SettleTries < healTries {
				tr.SettleTries++
				res, err := t.call(ctx, terminal.Request{Op: terminal.OpSettle})
				if err != nil {
					return nil, fmt.Errorf("terminal t%d: settle after the heal: %w", t.n, err)
				}
				tr.SettleErr = ""
				if res.Outcome == terminal.OK {
					break
				}
				tr.SettleErr = fmt.Sprintf("%s: %s", res.Outcome, res.Error)
			}
		}
		if tr.RecoverErr != "" {
			world = append(world, Violation{Invariant: InvResolved, Terminal: t.id, Msg: fmt.Sprintf(
				"recover after the heal still leaves work open after %d tries: %s", tr.RecoverTries, strings.Join(open.Open, " "))})
		}
		// What the terminal says of each transaction now.
		if hello.Supports(terminal.OpLookup) {
			for i := range h.Ops {
				rec := &h.Ops[i]
				if rec.Op.Terminal != t.n || rec.Ref == "" {
					continue
				}
				res, err := t.call(ctx, terminal.Request{Op: terminal.OpLookup, Ref: rec.Ref})
				if err != nil {
					return nil, fmt.Errorf("terminal t%d: lookup after the heal: %w", t.n, err)
				}
				rec.Journal = posclient.State(res.State)
				if res.RRN != "" {
					if v, ok := r.acq.Ledger().Transaction(res.RRN); ok {
						rec.Host = v.State.String()
					}
				}
			}
		}
		if err := r.stopProcess(t, false); err != nil {
			return nil, fmt.Errorf("terminal t%d: %w", t.n, err)
		}
		t.settle(ctx)
		t.mu.Lock()
		tr.Receipts = slices.Clone(t.receipts)
		t.mu.Unlock()
		tr.Crashes = t.crashes
		tr.Logs = "" // the output is evidence (scanned below), never kept
		h.Terminals = append(h.Terminals, tr)
		all := r.acq.Ledger().Transactions(t.id)
		h.Host = append(h.Host, all...)
		// The sale a settlement-mismatch rule books at the host is the
		// harness's, not the terminal's.
		host := slices.DeleteFunc(slices.Clone(all), phantom)
		h.Evidence = append(h.Evidence, applied(t.in)...)

		// The verdict, from the world's side.
		ev := evidence.Evidence{Host: host, Exchanges: t.ex, WorkDir: t.work, Output: t.output,
			Cards: []string{CardA, CardB, CardDecline, CardNoFunds}, Restarted: t.crashes > 0}
		if bs, err := r.acq.Ledger().Batches(t.id); err == nil { // an error: the host never heard of it
			ev.Batches = bs
		}
		for _, pr := range tr.Receipts {
			ev.Receipts = append(ev.Receipts, pr.Text)
		}
		vs, err := evidence.Check(ev)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			cv := Violation{Invariant: v.Invariant, Terminal: t.id, Msg: v.Msg}
			if v.RRN != "" {
				cv.Ref = "rrn " + v.RRN
			}
			world = append(world, cv)
		}
	}
	h.Evidence = append(h.Evidence, applied(r.acqIn)...)
	for _, pan := range []string{CardA, CardB, CardDecline, CardNoFunds} {
		if c, ok := r.acq.Ledger().Card(pan); ok {
			h.Balances[pan] = c.Balance
		}
	}
	slices.SortStableFunc(world, func(a, b Violation) int { return a.Invariant - b.Invariant })
	h.World = world
	h.Elapsed = time.Since(start)
	return h, nil
}

// do runs one operation through the contract and records what the
// terminal answered. An error is a terminal that cannot be started again.
func (r *contractRig) do(ctx context.Context, op Op, byID map[int]*OpRecord, refunded map[int]int64) (OpRecord, error) {
	rec := OpRecord{Op: op, Amount: op.Amount}
	defer func() {
		r.opts.Logger.Debug("op", "id", op.ID, "terminal", op.Terminal, "kind", op.Kind, "outcome", rec.Outcome, "ref", rec.Ref, "state", rec.State, "err", rec.Err, "crashed", rec.Crashed)
	}()
	t := r.terms[op.Terminal-1]
	if op.Of != 0 {
		o := byID[op.Of]
		if o == nil || o.Ref == "" {
			rec.Outcome = Skipped
			return rec, nil
		}
		rec.OrigRef = o.Ref
	}
	var req terminal.Request
	switch op.Kind {
	case OpSale:
		req = terminal.Request{Op: terminal.OpSale, Amount: op.Amount, Card: op.Card}
	case OpRefund, OpLookupRefund:
		amount := op.Amount
		if amount == 0 { // all that is left, as far as the harness saw
			amount = byID[op.Of].Op.Amount - refunded[op.Of]
			if amount <= 0 {
				amount = byID[op.Of].Op.Amount
			}
		}
		rec.Amount = amount
		req = terminal.Request{Op: terminal.OpRefund, Ref: rec.OrigRef, Amount: amount, Card: op.Card}
	case OpVoid:
		req = terminal.Request{Op: terminal.OpVoid, Ref: rec.OrigRef, Card: op.Card}
	case OpReprint:
		req = terminal.Request{Op: terminal.OpReprint, Ref: rec.OrigRef}
	case OpSettle:
		req = terminal.Request{Op: terminal.OpSettle}
	}
	var res terminal.Response
	var err error
	if op.Kind == OpLookupRefund {
		// No receipt in hand: the merchant looks the sale up first.
		res, err = t.call(ctx, terminal.Request{Op: terminal.OpLookup, Ref: rec.OrigRef})
		if err == nil && (res.Outcome != terminal.OK || res.State != terminal.StateApproved) {
			if res.Reason == terminal.ReasonUnsupported {
				rec.Outcome, rec.Err = Skipped, res.Error
			} else {
				rec.Outcome, rec.Err = Fail, fmt.Sprintf("lookup found no approved sale (%s %s)", res.Outcome, res.State)
			}
			return rec, nil
		}
	}
	if err == nil {
		res, err = t.call(ctx, req)
	}
	t.settle(ctx)
	crashed := t.takeCrash()
	rec.Ref, rec.State = res.Ref, posclient.State(res.State)
	if op.Kind == OpReprint {
		rec.Ref = ""
	}
	switch {
	case err != nil:
		rec.Outcome, rec.Err = Unknown, err.Error()
		if crashed == "" {
			crashed = "on its own" // the process died or broke the protocol
		}
	case res.Outcome == terminal.Refused && res.Reason == terminal.ReasonUnsupported:
		rec.Outcome, rec.Err = Skipped, res.Error
	case res.Outcome == terminal.Approved || res.Outcome == terminal.OK:
		rec.Outcome = OK
		if op.Kind == OpRefund || op.Kind == OpLookupRefund {
			refunded[op.Of] += rec.Amount
		}
	case res.Outcome == terminal.InDoubt:
		rec.Outcome = Unknown
	default:
		rec.Outcome, rec.Err = Fail, strings.TrimSpace(string(res.Outcome)+" "+res.Reason+": "+res.Error)
	}
	if crashed != "" {
		rec.Crashed = crashed
		if err := r.restart(ctx, t); err != nil {
			return rec, err
		}
	}
	return rec, nil
}
