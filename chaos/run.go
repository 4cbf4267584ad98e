package chaos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
	"github.com/poshil/hil/faults"
	"github.com/poshil/hil/faults/acquirerfaults"
	"github.com/poshil/hil/faults/printerfaults"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
	"github.com/poshil/hil/pkg/posclient/printer"
	"github.com/poshil/hil/pkg/posclient/receipt"
)

// CardKey is the card-token key of the chaos terminals (harness only).
var CardKey = []byte("poshil chaos card-token key 0001")

// TerminalID returns the DE41 of terminal n (1-based): "CHAOS001".
func TerminalID(n int) string { return fmt.Sprintf("CHAOS%03d", n) }

// Options tune how a schedule is run. The zero value is usable.
type Options struct {
	// ResponseTimeout is the terminals' wait for each host answer.
	// Default 30ms: a dropped response costs this much wall time.
	ResponseTimeout time.Duration
	// PrinterTimeout bounds each printer status reply; the wait for a
	// print confirmation is four times as long. Default 100ms.
	PrinterTimeout time.Duration
	// HealTimeout is the response timeout of the terminals that run
	// Recover and Settle after the heal, when only a broken client (not a
	// slow machine) should fail. Default 2s.
	HealTimeout time.Duration
	// ReversalAttempts is the terminals' Policy.MaxReversalAttempts.
	// Default 20, so that the bounded faults of a schedule cannot exhaust
	// it before the heal.
	ReversalAttempts int
	// Mutation, if set, breaks the client on purpose (tests of the
	// checker); nil runs the client as shipped.
	Mutation *Mutation
	// Logger receives the run's own log (not the terminals'); nil discards.
	Logger *slog.Logger
	// Terminal, when set, is the command of a terminal under test that is
	// driven through the terminal contract (package terminal) instead of
	// poshil's client: one process per terminal of the schedule, each with
	// its own printer emulator on TCP, its own link to the acquirer
	// through a fault proxy and its own work directory. A client crash
	// kills it with SIGKILL and starts it again (restart, then recover);
	// the verdict comes from the world's side (package terminal/evidence).
	// Mutation does not apply. TerminalDir is its working directory ("":
	// the current one).
	Terminal    []string
	TerminalDir string
}

func (o Options) withDefaults() Options {
	if o.ResponseTimeout <= 0 {
		o.ResponseTimeout = 30 * time.Millisecond
	}
	if o.PrinterTimeout <= 0 {
		o.PrinterTimeout = 100 * time.Millisecond
	}
	if o.HealTimeout <= 0 {
		o.HealTimeout = 2 * time.Second
	}
	if o.ReversalAttempts <= 0 {
		o.ReversalAttempts = 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Mutation wraps parts of a terminal to break it on purpose, so that tests
// can check that the checker catches a broken client. Each hook gets the
// terminal number and the part as the rig built it; nil hooks leave the
// part alone.
type Mutation struct {
	Name    string
	Journal func(term int, j posclient.Journal) posclient.Journal
	Conn    func(term int, c net.Conn) net.Conn
	Printer func(term int, p posclient.Printer) posclient.Printer
	// Intruder wraps the journal a client intrude rule's second till
	// process opens.
	Intruder func(term int, j posclient.Journal) posclient.Journal
	// BeforeOp is called before each operation of the workload.
	BeforeOp func(op Op)
}

// Outcome is an operation's outcome as the client saw it.
type Outcome string

// Outcomes.
const (
	OK      Outcome = "ok"      // approved (or done: reprint, settle)
	Fail    Outcome = "fail"    // declined or refused: nothing happened at the host
	Unknown Outcome = "unknown" // in doubt, or the client crashed during it
	Skipped Outcome = "skipped" // not run: its original never got a reference
)

// OpRecord is one operation of the history.
type OpRecord struct {
	Op      Op
	Ref     string // the transaction's reference when the client gave one
	OrigRef string // refund, void, reprint: the original's reference
	Outcome Outcome
	State   posclient.State // as the result said
	Code    string          // response code
	Amount  int64           // what was asked for (refund 0: resolved from the result)
	Err     string
	Crashed string // the crash point, when the client crashed in this op
	// Journal is the transaction's state in the journal after the heal,
	// Host its state in the acquirer's ledger ("" when the host never
	// recorded it).
	Journal posclient.State
	Host    string
	// RebootOK is true when, after a crash, the rebooted till's Recover
	// finished everything (no error, nothing pending, unresolved or owed).
	RebootOK bool
}

// TerminalRecord is one terminal at the end of the run.
type TerminalRecord struct {
	ID          string
	Txns        []posclient.Txn // the journal, oldest first
	JournalDump string          // every row and event, as JSON, for the card-number scan
	Recover     posclient.RecoverReport
	RecoverErr  string
	Settle      posclient.SettleReport
	SettleErr   string
	// RecoverTries and SettleTries count the attempts after the heal
	// (at most healTries each; the last error is kept).
	RecoverTries, SettleTries int
	Receipts                  []PrintedReceipt // what the printer emulator printed
	EReceipts                 []EReceipt       // e-receipts delivered
	Logs                      string
	Crashes                   int
	// Intrusions counts the second till processes (client intrude) that
	// started on this terminal's journal while it drove a transaction;
	// IntrusionsRefused those that the journal's one-owner rule refused.
	Intrusions, IntrusionsRefused int
	// Unconfirmed counts, per reference, the print attempts that went to
	// the printer and were not confirmed: such a receipt may have come out
	// whole (a fault struck after the cut), so one more original is
	// allowed for each.
	Unconfirmed map[string]int
}

// EReceipt is one e-receipt delivered.
type EReceipt struct {
	Ref         string
	Interrupted bool // marked as printed again after an interrupted print
}

// PrintedReceipt is one receipt out of a printer emulator.
type PrintedReceipt struct {
	Text string
	Cut  bool // ended with a cut: in the customer's hand
}

// History is what one run produced: the schedule, every operation with its
// outcome as the client saw it, the journals, the acquirer's ledger and the
// card balances after the heal, Recover and Settle.
type History struct {
	Schedule Schedule
	Mutation string
	// ResponseTimeout is the terminals' host response timeout the run
	// used (Options.ResponseTimeout after defaults): a replay needs the
	// same.
	ResponseTimeout time.Duration
	Ops             []OpRecord
	Terminals       []TerminalRecord
	Host            []acquirer.TxnView
	Balances        map[string]int64
	Evidence        []faults.Evidence
	Elapsed         time.Duration
	// Contract is the command of the terminal driven through the contract
	// (Options.Terminal); nil when the run drove poshil's client. World is
	// then the verdict, decided at the end of the run from the world's
	// side (the work directories are scanned before they are removed):
	// Check returns it.
	Contract []string
	World    []Violation
}

// FaultsApplied is the number of faults that fired in the run.
func (h *History) FaultsApplied() int { return len(h.Evidence) }

// vclock is the terminals' clock: it moves one minute on every reading, so
// that reversal backoffs are always due at once and no run waits for them.
type vclock struct{ n atomic.Int64 }

var epoch = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func (c *vclock) Now() time.Time { return epoch.Add(time.Duration(c.n.Add(1)) * time.Minute) }

// lockedBuffer collects a terminal's log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// memSink is an e-receipt sink that keeps references.
type memSink struct {
	mu   sync.Mutex
	refs []EReceipt
}

func (s *memSink) Deliver(_ context.Context, r *receipt.Receipt) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refs = append(s.refs, EReceipt{Ref: r.Reference, Interrupted: r.Interrupted})
	return nil
}

var _ posclient.ReceiptSink = (*memSink)(nil)

// errCrashed is what a crashed incarnation's journal, link and printer
// answer: the process is gone.
var errCrashed = errors.New("chaos: terminal crashed")

// incarnation is one life of a terminal process: everything it touches
// goes through it, so that after its crash it can change nothing.
type incarnation struct {
	dead  atomic.Bool
	step  string
	mu    sync.Mutex
	conns []net.Conn // as the terminal uses them (wrapped)
	raw   []net.Conn // the TCP connections under them
}

// drainTimeout bounds the wait for the host to finish with a crashed
// terminal's connection.
const drainTimeout = 2 * time.Second

// kill ends the incarnation at a crash point. Its sockets die with it as
// the kernel closes them: what was written is still delivered, then the
// end of the stream. kill waits until the host has read all of it and
// closed its side, so that the till reboots only once nothing of its past
// life is in flight — a reboot takes longer than the network. (Without the
// wait, a request written just before the crash could reach the host after
// the rebooted till reversed it as unknown and settled; see docs/chaos.md.)
func (inc *incarnation) kill(step string) {
	if inc.dead.Swap(true) {
		return
	}
	inc.mu.Lock()
	inc.step = step
	cs, raw := inc.conns, inc.raw
	inc.conns, inc.raw = nil, nil
	inc.mu.Unlock()
	for _, c := range raw {
		if tc, ok := c.(*net.TCPConn); ok && tc.CloseWrite() == nil {
			tc.SetReadDeadline(time.Now().Add(drainTimeout))
			io.Copy(io.Discard, tc) // until the host closes (or the deadline)
		}
	}
	for _, c := range cs {
		c.Close()
	}
	for _, c := range raw {
		c.Close()
	}
}

func (inc *incarnation) crashedAt() string {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	return inc.step
}

// deadJournal refuses every call once its incarnation has crashed.
type deadJournal struct {
	posclient.Journal
	inc *incarnation
}

var _ posclient.Journal = deadJournal{}

func (d deadJournal) Append(ctx context.Context, e posclient.Entry) error {
	if d.inc.dead.Load() {
		return errCrashed
	}
	return d.Journal.Append(ctx, e)
}

func (d deadJournal) NextSTAN(ctx context.Context, id string) (uint32, error) {
	if d.inc.dead.Load() {
		return 0, errCrashed
	}
	return d.Journal.NextSTAN(ctx, id)
}

func (d deadJournal) CloseBatch(ctx context.Context, id string, batch uint32) (uint32, error) {
	if d.inc.dead.Load() {
		return 0, errCrashed
	}
	return d.Journal.CloseBatch(ctx, id, batch)
}

func (d deadJournal) Close() error { return nil } // the rig owns the journal

// Unwrap returns the journal underneath, so that the Terminal claims it.
func (d deadJournal) Unwrap() posclient.Journal { return d.Journal }

// faultJournal injects storage faults (client disk-full) into the writes
// of the terminal's journal.
type faultJournal struct {
	posclient.Journal
	fail func(op string) error
}

func (f faultJournal) Unwrap() posclient.Journal { return f.Journal }

func (f faultJournal) Append(ctx context.Context, e posclient.Entry) error {
	if err := f.fail("append " + e.Txn.Ref); err != nil {
		return err
	}
	return f.Journal.Append(ctx, e)
}

func (f faultJournal) NextSTAN(ctx context.Context, id string) (uint32, error) {
	if err := f.fail("next STAN"); err != nil {
		return 0, err
	}
	return f.Journal.NextSTAN(ctx, id)
}

func (f faultJournal) CloseBatch(ctx context.Context, id string, batch uint32) (uint32, error) {
	if err := f.fail("close batch"); err != nil {
		return 0, err
	}
	return f.Journal.CloseBatch(ctx, id, batch)
}

// deadPrinter refuses to print once its incarnation has crashed.
type deadPrinter struct {
	p   posclient.Printer
	inc *incarnation
}

var _ posclient.Printer = deadPrinter{}

func (d deadPrinter) Ready(ctx context.Context) error {
	if d.inc.dead.Load() {
		return errCrashed
	}
	return d.p.Ready(ctx)
}

func (d deadPrinter) Print(ctx context.Context, job []byte) error {
	if d.inc.dead.Load() {
		return errCrashed
	}
	return d.p.Print(ctx, job)
}

// deadSink refuses e-receipts once its incarnation has crashed.
type deadSink struct {
	s   posclient.ReceiptSink
	inc *incarnation
}

var _ posclient.ReceiptSink = deadSink{}

func (d deadSink) Deliver(ctx context.Context, r *receipt.Receipt) error {
	if d.inc.dead.Load() {
		return errCrashed
	}
	return d.s.Deliver(ctx, r)
}

// deadConn refuses every write once its incarnation has crashed.
type deadConn struct {
	net.Conn
	inc *incarnation
}

func (d deadConn) Write(b []byte) (int, error) {
	if d.inc.dead.Load() {
		return 0, errCrashed
	}
	return d.Conn.Write(b)
}

// rigTerminal is one terminal of the rig and its devices.
type rigTerminal struct {
	n      int
	id     string
	j      *journal.Memory
	emu    *escpos.Printer
	dev    *printer.Printer
	pipeA  net.Conn
	pipeB  net.Conn
	pumpWG sync.WaitGroup
	in     *faults.Injector
	padapt *printerfaults.Adapter
	fire   func(step string) bool
	act    func(step string) []faults.Kind
	// intrusions and refused count client intrude rules carried out.
	intrusions, refused int
	sink                *memSink
	logs                *lockedBuffer
	// receipts are collected as they finish: a power cycle clears the
	// emulator's own list.
	rmu      sync.Mutex
	receipts []PrintedReceipt
	inc      *incarnation
	term     *posclient.Terminal
	crashes  int
}

type rig struct {
	opts  Options
	s     Schedule
	clock *vclock
	// timeout is the response timeout of new incarnations.
	timeout time.Duration
	acq     *acquirer.Server
	acqIn   *faults.Injector
	detach  func()
	terms   []*rigTerminal
}

func planOf(s Schedule, term int, seed int64) *faults.Plan {
	p := &faults.Plan{Seed: seed}
	for _, f := range s.Faults {
		if f.Terminal == term {
			p.Rules = append(p.Rules, f.Rule)
		}
	}
	return p
}

func newRig(s Schedule, opts Options) (_ *rig, err error) {
	r := &rig{opts: opts, s: s, clock: &vclock{}, timeout: opts.ResponseTimeout}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	r.acq, err = acquirer.NewServer(acquirer.Options{IdleTimeout: -1, KeepBatches: -1}) // the checker compares the whole history
	if err != nil {
		return nil, fmt.Errorf("%w: acquirer: %w", ErrSetup, err)
	}
	r.acqIn, err = faults.NewInjector(planOf(s, 0, s.Seed), faults.Options{})
	if err != nil {
		return nil, fmt.Errorf("%w: acquirer plan: %w", ErrSetup, err)
	}
	r.detach = acquirerfaults.Attach(r.acq, r.acqIn)
	for n := 1; n <= s.Terminals; n++ {
		if err := r.newTerminal(n); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// newTerminal adds terminal n to the rig (so that close releases whatever
// part of it was built).
func (r *rig) newTerminal(n int) error {
	t := &rigTerminal{n: n, id: TerminalID(n), j: journal.NewMemory(), sink: &memSink{}, logs: &lockedBuffer{}}
	r.terms = append(r.terms, t)
	var err error
	t.in, err = faults.NewInjector(planOf(r.s, n, r.s.Seed+int64(n)), faults.Options{})
	if err != nil {
		return fmt.Errorf("%w: plan of t%d: %w", ErrSetup, n, err)
	}
	t.emu, err = escpos.NewPrinter(escpos.Options{})
	if err != nil {
		return fmt.Errorf("%w: printer of t%d: %w", ErrSetup, n, err)
	}
	t.emu.OnReceipt(func(rc *paper.Receipt) {
		pr := PrintedReceipt{Text: string(render.Text(rc)), Cut: rc.Cut() != nil}
		t.rmu.Lock()
		t.receipts = append(t.receipts, pr)
		t.rmu.Unlock()
	})
	t.pipeA, t.pipeB = net.Pipe()
	t.emu.SetOutput(t.pipeB)
	t.pumpWG.Go(func() {
		buf := make([]byte, 4096)
		for {
			k, err := t.pipeB.Read(buf)
			if k > 0 {
				t.emu.Write(buf[:k])
			}
			if err != nil {
				return
			}
		}
	})
	t.dev = printer.New(t.pipeA, &printer.Options{Name: "t" + fmt.Sprint(n), ReplyTimeout: r.opts.PrinterTimeout,
		ConfirmTimeout: 4 * r.opts.PrinterTimeout, PollInterval: 5 * time.Millisecond})
	t.padapt = printerfaults.Attach(t.in, t.emu, nil)
	t.fire = faults.ClientHook(t.in)
	t.act = faults.ClientActions(t.in)
	return r.start(t)
}

// start makes a new incarnation of terminal t on its journal.
func (r *rig) start(t *rigTerminal) error {
	inc := &incarnation{}
	// The previous incarnation is gone before the new one boots: its
	// claim on the journal goes with it.
	if t.term != nil {
		t.term.Close()
		t.term = nil
	}
	var j posclient.Journal = faultJournal{Journal: t.j, fail: faults.JournalFault(t.in)}
	var p posclient.Printer = t.dev
	mut := r.opts.Mutation
	if mut != nil && mut.Journal != nil {
		j = mut.Journal(t.n, j)
	}
	if mut != nil && mut.Printer != nil {
		p = mut.Printer(t.n, p)
	}
	addr := r.acq.Addr()
	dial := func(ctx context.Context) (net.Conn, error) {
		if inc.dead.Load() {
			return nil, errCrashed
		}
		var d net.Dialer
		raw, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		c := faults.Conn(raw, t.in, faults.ConnOptions{Name: t.id + "->acquirer"})
		if mut != nil && mut.Conn != nil {
			c = mut.Conn(t.n, c)
		}
		inc.mu.Lock()
		inc.conns = append(inc.conns, c)
		inc.raw = append(inc.raw, raw)
		inc.mu.Unlock()
		return deadConn{Conn: c, inc: inc}, nil
	}
	cfg := posclient.Config{
		TerminalID:      t.id,
		CardKey:         CardKey,
		Journal:         deadJournal{Journal: j, inc: inc},
		Dial:            dial,
		ResponseTimeout: r.timeout,
		Printer:         deadPrinter{p: p, inc: inc},
		EReceipt:        deadSink{s: t.sink, inc: inc},
		NotReady:        posclient.EReceiptWhenNotReady,
		Policy:          posclient.Policy{MaxReversalAttempts: r.opts.ReversalAttempts, ReversalBackoff: time.Second, MaxReversalBackoff: 4 * time.Second},
		Now:             r.clock.Now,
		CrashHook: func(step string) {
			for _, k := range t.act(step) {
				switch k {
				case faults.Intrude:
					r.intrude(t)
				case faults.HalfCommand:
					t.emu.Write(faults.HalfCommandBytes)
				}
			}
			if t.fire(step) {
				inc.kill(step)
			}
		},
		Logger: slog.New(slog.NewJSONHandler(t.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	term, err := posclient.New(cfg)
	if err != nil {
		return fmt.Errorf("%w: terminal t%d: %w", ErrSetup, t.n, err)
	}
	t.term, t.inc = term, inc
	return nil
}

// intrude carries out a client intrude rule: a second till process starts
// on t's journal, in the middle of t's transaction, and runs Recover, as a
// back-office recover started beside the payment process would. The
// journal's one-owner rule must refuse it.
func (r *rig) intrude(t *rigTerminal) {
	var j posclient.Journal = t.j
	if m := r.opts.Mutation; m != nil && m.Intruder != nil {
		j = m.Intruder(t.n, j)
	}
	addr := r.acq.Addr()
	term, err := posclient.New(posclient.Config{
		TerminalID:      t.id,
		CardKey:         CardKey,
		Journal:         j,
		Dial:            func(ctx context.Context) (net.Conn, error) { var d net.Dialer; return d.DialContext(ctx, "tcp", addr) },
		ResponseTimeout: r.timeout,
		Policy:          posclient.Policy{MaxReversalAttempts: r.opts.ReversalAttempts, ReversalBackoff: time.Second, MaxReversalBackoff: 4 * time.Second},
		Now:             r.clock.Now,
		Logger:          slog.New(slog.NewJSONHandler(t.logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("process", "intruder"),
	})
	t.intrusions++
	if err != nil {
		t.refused++
		return
	}
	defer term.Close()
	term.Recover(context.Background())
}

// restart replaces a crashed terminal with a new incarnation on the same
// journal and runs Recover, as a till does when it boots. Recover may
// crash again (an owed receipt goes through mid-print); it is retried.
func (r *rig) restart(ctx context.Context, t *rigTerminal) (posclient.RecoverReport, error) {
	var rep posclient.RecoverReport
	var err error
	for range 10 {
		t.crashes++
		if err := r.start(t); err != nil {
			return rep, err
		}
		rep, err = t.term.Recover(ctx)
		if !t.inc.dead.Load() {
			return rep, err
		}
	}
	return rep, err
}

func (r *rig) close() {
	for _, t := range r.terms {
		if t.term != nil {
			t.term.Close()
		}
		if t.padapt != nil {
			t.padapt.Close()
		}
		if t.dev != nil {
			t.dev.Close()
		}
		if t.pipeA != nil {
			t.pipeA.Close()
			t.emu.SetOutput(nil)
			t.pipeB.Close()
			t.pumpWG.Wait()
		}
		if t.emu != nil {
			t.emu.Close()
		}
		if t.in != nil {
			t.in.Close()
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

// healTries bounds the Recover and Settle attempts after the heal.
const healTries = 3

// Run runs one schedule: the workload under the fault plan, then the heal
// (every rule and condition cleared), Recover and Settle on every
// terminal, and returns the history for Check. An error means the rig
// could not be built or ctx ended; what the client did is never an error
// here but a fact in the history.
func Run(ctx context.Context, s Schedule, opts Options) (*History, error) {
	opts = opts.withDefaults()
	if len(opts.Terminal) > 0 {
		return runContract(ctx, s, opts)
	}
	start := time.Now()
	r, err := newRig(s, opts)
	if err != nil {
		return nil, err
	}
	defer r.close()
	h := &History{Schedule: s, ResponseTimeout: opts.ResponseTimeout, Balances: map[string]int64{}}
	if opts.Mutation != nil {
		h.Mutation = opts.Mutation.Name
	}
	byID := map[int]*OpRecord{}
	for _, op := range s.Ops {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec := r.do(ctx, op, byID)
		h.Ops = append(h.Ops, rec)
		byID[op.ID] = &h.Ops[len(h.Ops)-1]
	}
	// Heal, then finish the job on every terminal.
	r.acqIn.Heal()
	for _, t := range r.terms {
		t.in.Heal()
	}
	// The till is restarted with a generous timeout: from here on only
	// a broken client, not a slow machine, should fail.
	r.timeout = opts.HealTimeout
	for _, t := range r.terms {
		tr := TerminalRecord{ID: t.id}
		if err := r.start(t); err != nil {
			return nil, err
		}
		// As an operator would, try again when the host does not answer
		// in time: only a failure that persists is the client's.
		for tr.RecoverTries < healTries {
			tr.RecoverTries++
			rep, err := t.term.Recover(ctx)
			tr.Recover, tr.RecoverErr = rep, ""
			if err == nil {
				break
			}
			tr.RecoverErr = err.Error()
		}
		for tr.SettleTries < healTries {
			tr.SettleTries++
			srep, err := t.term.Settle(ctx)
			tr.Settle, tr.SettleErr = srep, ""
			if err == nil {
				break
			}
			tr.SettleErr = err.Error()
		}
		h.Terminals = append(h.Terminals, tr)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Collect the evidence.
	for i, t := range r.terms {
		tr := &h.Terminals[i]
		tr.Crashes = t.crashes
		tr.Intrusions, tr.IntrusionsRefused = t.intrusions, t.refused
		txns, err := t.j.Find(ctx, posclient.Query{})
		if err != nil {
			return nil, fmt.Errorf("chaos: reading journal of %s: %w", t.id, err)
		}
		tr.Txns = txns
		var dump strings.Builder
		tr.Unconfirmed = map[string]int{}
		for _, tx := range txns {
			rows, err := t.j.History(ctx, tx.Ref)
			if err != nil {
				return nil, fmt.Errorf("chaos: reading journal of %s: %w", t.id, err)
			}
			fmt.Fprintf(&dump, "%+v\n", tx)
			for i, row := range rows {
				if i > 0 && rows[i-1].Txn.Receipt == posclient.ReceiptPrinting && row.Txn.Receipt != posclient.ReceiptPrinted &&
					row.Txn.Receipt != posclient.ReceiptPrinting {
					tr.Unconfirmed[tx.Ref]++
				}
				fmt.Fprintf(&dump, "%+v\n", row)
				if row.Message != nil {
					fmt.Fprintf(&dump, "%v\n", row.Message.Fields)
				}
			}
		}
		tr.JournalDump = dump.String()
		wctx, cancel := context.WithTimeout(ctx, time.Second)
		t.emu.WaitIdle(wctx)
		cancel()
		t.rmu.Lock()
		tr.Receipts = slices.Clone(t.receipts)
		t.rmu.Unlock()
		t.sink.mu.Lock()
		tr.EReceipts = slices.Clone(t.sink.refs)
		t.sink.mu.Unlock()
		tr.Logs = t.logs.String()
		h.Host = append(h.Host, r.acq.Ledger().Transactions(t.id)...)
		h.Evidence = append(h.Evidence, applied(t.in)...)
	}
	h.Evidence = append(h.Evidence, applied(r.acqIn)...)
	r.annotate(h)
	for _, pan := range []string{CardA, CardB, CardDecline, CardNoFunds} {
		if c, ok := r.acq.Ledger().Card(pan); ok {
			h.Balances[pan] = c.Balance
		}
	}
	h.Elapsed = time.Since(start)
	return h, nil
}

// annotate records, for each operation that made a transaction, what the
// journal and the host say of it after the heal.
func (r *rig) annotate(h *History) {
	for i := range h.Ops {
		rec := &h.Ops[i]
		if rec.Ref == "" {
			continue
		}
		tr := h.Terminals[rec.Op.Terminal-1]
		for _, tx := range tr.Txns {
			if tx.Ref != rec.Ref {
				continue
			}
			rec.Journal = tx.State
			stan := fmt.Sprintf("%06d", tx.STAN)
			for _, v := range h.Host {
				if v.Terminal == tr.ID && v.STAN == stan && v.Type != acquirer.KindReversal {
					rec.Host = v.State.String()
				}
			}
		}
	}
}

// applied is the evidence of the faults that fired (not of the heal).
func applied(in *faults.Injector) []faults.Evidence {
	var out []faults.Evidence
	for _, e := range in.Evidence() {
		if e.Target != faults.TargetHeal {
			out = append(out, e)
		}
	}
	return out
}

// do runs one operation and records what the client saw.
func (r *rig) do(ctx context.Context, op Op, byID map[int]*OpRecord) OpRecord {
	rec := OpRecord{Op: op, Amount: op.Amount}
	defer func() {
		r.opts.Logger.Debug("op", "id", op.ID, "terminal", op.Terminal, "kind", op.Kind, "outcome", rec.Outcome, "ref", rec.Ref, "state", rec.State, "err", rec.Err, "crashed", rec.Crashed)
	}()
	t := r.terms[op.Terminal-1]
	if m := r.opts.Mutation; m != nil && m.BeforeOp != nil {
		m.BeforeOp(op)
	}
	if op.Of != 0 {
		o := byID[op.Of]
		if o == nil || o.Ref == "" {
			rec.Outcome = Skipped
			return rec
		}
		rec.OrigRef = o.Ref
	}
	var res posclient.Result
	var err error
	term := t.term
	switch op.Kind {
	case OpSale:
		res, err = term.Sale(ctx, posclient.SaleRequest{Amount: op.Amount, PAN: posclient.PAN(op.Card)})
	case OpRefund, OpLookupRefund:
		ref := rec.OrigRef
		if op.Kind == OpLookupRefund {
			// No receipt: find the sale by amount and card's last 4 digits.
			orig := byID[op.Of]
			found, lerr := term.Lookup(ctx, posclient.Query{Kind: posclient.KindSale, Amount: orig.Op.Amount,
				Last4: op.Card[len(op.Card)-4:], States: []posclient.State{posclient.StateApproved}})
			ref = ""
			if lerr == nil && len(found) > 0 {
				ref = found[len(found)-1].Ref
			}
			if ref == "" {
				rec.Outcome, rec.Err = Fail, "lookup found no approved sale"
				if lerr != nil {
					rec.Err = lerr.Error()
				}
				return rec
			}
			rec.OrigRef = ref
		}
		res, err = term.Refund(ctx, posclient.RefundRequest{OrigRef: ref, Amount: op.Amount, PAN: posclient.PAN(op.Card)})
	case OpVoid:
		res, err = term.Void(ctx, posclient.VoidRequest{OrigRef: rec.OrigRef, PAN: posclient.PAN(op.Card)})
	case OpReprint:
		res, err = term.Reprint(ctx, rec.OrigRef)
	case OpSettle:
		_, err = term.Settle(ctx)
	}
	rec.Ref, rec.State, rec.Code = res.Ref, res.State, res.ResponseCode
	if res.Amount != 0 && (op.Kind == OpRefund || op.Kind == OpLookupRefund) {
		rec.Amount = res.Amount
	}
	if op.Kind == OpReprint {
		rec.Ref = "" // a reprint makes no transaction
	}
	if err != nil {
		rec.Err = err.Error()
	}
	var doubt *posclient.InDoubtError
	var storage *posclient.StorageError
	switch {
	case errors.As(err, &storage) && storage.MaybeCharged() && !t.inc.dead.Load():
		// The host may hold the charge; the journal could not say so.
		rec.Outcome = Unknown
		if rec.Ref == "" {
			rec.Ref = storage.Ref
		}
	case t.inc.dead.Load():
		rec.Outcome, rec.Crashed = Unknown, t.inc.crashedAt()
		if rec.Ref == "" && op.Kind != OpReprint && op.Kind != OpSettle {
			// The crash may have come after the reference was journaled:
			// the journal knows it even if the result does not.
			rec.Ref = r.newestRef(ctx, t, op, byID)
		}
		rep, rerr := r.restart(ctx, t)
		if rerr != nil && errors.Is(rerr, ErrSetup) {
			rec.Err += "; restart: " + rerr.Error()
		}
		rec.RebootOK = rerr == nil && len(rep.Pending)+len(rep.Unresolved)+len(rep.Owed) == 0
	case errors.As(err, &doubt):
		rec.Outcome = Unknown
		if rec.Ref == "" {
			rec.Ref = doubt.Ref
		}
	case err != nil:
		rec.Outcome = Fail
	case op.Kind == OpReprint || op.Kind == OpSettle || res.Approved():
		rec.Outcome = OK
	default:
		rec.Outcome = Fail
	}
	return rec
}

// newestRef finds the reference of the transaction op created, if the
// crash came after it was journaled: the newest journal row of the same
// kind and amount that no earlier op claimed.
func (r *rig) newestRef(ctx context.Context, t *rigTerminal, op Op, byID map[int]*OpRecord) string {
	kind := posclient.KindSale
	switch op.Kind {
	case OpRefund, OpLookupRefund:
		kind = posclient.KindRefund
	case OpVoid:
		kind = posclient.KindVoid
	}
	txns, err := t.j.Find(ctx, posclient.Query{Kind: kind})
	if err != nil || len(txns) == 0 {
		return ""
	}
	last := txns[len(txns)-1]
	// Only a transaction created during this op can be its own: the
	// journal's newest row of this kind, if no earlier op claimed it.
	for _, o := range byID {
		if o.Op.Terminal == op.Terminal && o.Ref == last.Ref {
			return ""
		}
	}
	return last.Ref
}
