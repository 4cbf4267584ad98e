package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/poshil/hil/faults"
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
	"github.com/poshil/hil/pkg/posclient/printer"
)

func init() {
	register(&command{
		name:    "pos",
		usage:   "hil pos [--journal FILE] [--host ADDR] [--printer URL] [--json] sale|refund|void|settle|reprint|lookup|recover|journal …",
		summary: "run the POS client: sale, refund, void, settle, reprint, lookup, recover",
		order:   40,
		run:     runPos,
	})
}

// Exit statuses of hil pos, above the shared ones (0 ok, 1 error, 2 usage).
const (
	ExitDeclined = 3 // the host declined (a result, not an error)
	ExitInDoubt  = 4 // no usable answer: reversed or reversal queued; or recover left work open
	ExitStorage  = 5 // the host may have (or did) approve, but the journal could not record it: fix storage, run recover
	ExitBusy     = 6 // another process owns the journal: nothing was done
)

const posHelp = `Usage: hil pos [flags] COMMAND [args]

Runs the POS client core (pkg/posclient) against a host and a printer.

Commands:
  sale AMOUNT --card PAN [--expiry YYMM]
  refund REF [AMOUNT] --card PAN     refund to the original card (AMOUNT omitted: all that is left)
  void REF --card PAN                cancel a sale of the open batch in full
  preauth AMOUNT --card PAN          hold an amount (--profile cup: 预授权)
  complete REF [AMOUNT] --card PAN   charge against the hold REF (AMOUNT omitted: all of it)
  cancel-preauth REF --card PAN      release the hold REF
  settle                             close the batch (0500; on 95 batch upload and final 0500)
  reprint [REF]                      print a duplicate (DUPLICATE / 重印), or an owed receipt
  lookup [--ref R] [--from T] [--to T] [--amount N] [--last4 DDDD] [--state S]
                                     S: owed, in-doubt, reversal-pending, or a state name
  recover                            reverse what is in doubt, send queued reversals, print owed receipts
  journal [REF]                      show the journal rows (all, or of one transaction)

AMOUNT is in minor units (1250), or major units with a point (12.50).
Times are RFC 3339 (2026-11-23T09:30:00Z).

Output: one line per result, or with --json one JSON object per line with
ref, state, response_code, rrn, auth_code, amount (minor units) and
receipt (printed, owed, e-receipt).

Exit status:
  0  approved (or done)
  1  error: nothing was charged
  2  usage
  3  declined
  4  in doubt: no usable answer; reversed, or reversal queued (recover: work left open)
  5  the host may have approved (or did), but the journal could not record it
     (disk full, I/O error): hand over no goods; once the journal can be
     written, recover settles it (reverses it, or prints the receipt again
     marked as interrupted) — never a second charge or unmarked receipt
  6  another process owns the journal (its pid and command are named);
     nothing was done: wait for it (--wait DURATION) or use lookup/journal

The journal has one owner: a command that drives transactions (sale,
refund, void, settle, reprint, recover) holds an OS lock on FILE.lock for
as long as it runs; lookup and journal read beside it.

Card numbers: --card PAN, or --card - to read the number from standard
input (one line), or HIL_CARD in the environment, so that it need not
appear in the process table.

Environment: HIL_POS_JOURNAL, HIL_ACQUIRER_ADDR, HIL_PRINTER_URL, HIL_CARD,
HIL_TERMINAL_ID, HIL_CARD_KEY (card-token key; the built-in default is for
the harness only), HIL_POS_CRASH (a crash point: the process kills itself
with SIGKILL there — after-journal-write, after-send, after-response,
after-approval, mid-print, after-print, after-persist), HIL_POS_NOW (a
fixed clock, RFC 3339), HIL_POS_PROFILE (the host dialect, as --profile).

Flags:
`

// posOpenJournal opens the durable journal, for writing (as its one owner,
// waiting up to wait for another) or read-only; failWrite, when set,
// injects storage faults. pos_journal.go sets it to the SQLite journal.
// The default only says it is missing.
var posOpenJournal = func(path string, readOnly bool, wait time.Duration, failWrite func(string) error) (posclient.Journal, error) {
	return nil, errors.New("journal: sqlite not available yet")
}

// posDefaultKey is the card-token key when HIL_CARD_KEY is not set: fine for
// the harness, never for a real terminal.
const posDefaultKey = "poshil harness card-token key (not for production)"

type posGlobal struct {
	journal, host, printer, eReceipt, terminalID, crash string
	jsonOut, verbose                                    bool
	timeout, wait                                       time.Duration
	notReady                                            string
	reverseOnPrint                                      bool
	backups                                             []string
	repeat                                              int
	reversalBackoff                                     time.Duration
	faultsFile                                          string
	now                                                 string
	profile                                             string
}

// urlList is a repeatable string flag.
type urlList []string

func (l *urlList) String() string     { return strings.Join(*l, ",") }
func (l *urlList) Set(v string) error { *l = append(*l, v); return nil }

func runPos(ctx context.Context, env *Env, args []string) int {
	var g posGlobal
	fs := flag.NewFlagSet("hil pos", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, posHelp)
		fs.PrintDefaults()
	}
	fs.StringVar(&g.journal, "journal", os.Getenv("HIL_POS_JOURNAL"), "journal `FILE` (SQLite); empty: in memory, nothing kept")
	fs.StringVar(&g.host, "host", envOr("HIL_ACQUIRER_ADDR", "127.0.0.1:5000"), "acquirer `ADDR`")
	fs.StringVar(&g.printer, "printer", os.Getenv("HIL_PRINTER_URL"), "printer `URL` (serial:///dev/ttyUSB0?baud=38400, tcp://host:9100, file:///dev/usb/lp0); empty: none")
	fs.StringVar(&g.eReceipt, "e-receipt", "", "`DIR` for e-receipts (receipts that cannot be printed)")
	fs.StringVar(&g.terminalID, "terminal", envOr("HIL_TERMINAL_ID", "TERM0001"), "terminal `ID` (DE41, 8 characters)")
	fs.StringVar(&g.crash, "crash-at", os.Getenv("HIL_POS_CRASH"), "kill this process with SIGKILL at crash `POINT`")
	fs.BoolVar(&g.jsonOut, "json", false, "print JSON objects")
	fs.BoolVar(&g.verbose, "v", false, "log to stderr")
	fs.DurationVar(&g.timeout, "timeout", 30*time.Second, "host response timeout")
	fs.DurationVar(&g.wait, "wait", 0, "wait up to `DURATION` for another process that owns the journal (default: fail at once)")
	fs.StringVar(&g.notReady, "not-ready", "refuse", "when the printer is not ready before a sale: refuse or e-receipt")
	fs.BoolVar(&g.reverseOnPrint, "reverse-on-print-failure", false, "reverse a sale whose receipt cannot be printed (default: owe the receipt)")
	fs.Var((*urlList)(&g.backups), "backup-printer", "backup printer `URL`, tried when the printer is not ready or does not confirm (repeatable)")
	fs.IntVar(&g.repeat, "repeat", 1, "sale: run `N` sales one after another (a busy till); the exit status is the worst outcome")
	fs.DurationVar(&g.reversalBackoff, "reversal-backoff", time.Second, "wait before the second reversal try; doubles per try")
	fs.StringVar(&g.faultsFile, "faults", "", "fault plan `FILE`: client crash rules and link rules (see hil faults list)")
	fs.StringVar(&g.now, "now", os.Getenv("HIL_POS_NOW"), "fixed clock `TIME` (RFC 3339) for journal and receipts, for reproducible receipts in tests")
	fs.StringVar(&g.profile, "profile", envOr("HIL_POS_PROFILE", hostproto.ProfileISO87), "host dialect: `iso87` or cup (docs/profiles.md)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return ExitUsage
	}
	if g.repeat < 1 {
		env.Errorf("pos: --repeat must be at least 1, got %d", g.repeat)
		return ExitUsage
	}
	if g.reversalBackoff <= 0 {
		env.Errorf("pos: --reversal-backoff must be positive, got %s", g.reversalBackoff)
		return ExitUsage
	}
	if g.now != "" {
		if _, err := time.Parse(time.RFC3339, g.now); err != nil {
			env.Errorf("pos: --now %q: want RFC 3339 (2026-11-23T10:00:00Z)", g.now)
			return ExitUsage
		}
	}
	if g.crash != "" && !validCrashPoint(g.crash) {
		env.Errorf("pos: unknown crash point %q; want one of %s", g.crash, strings.Join(posclient.CrashPoints, ", "))
		return ExitUsage
	}
	sub, subArgs := rest[0], rest[1:]
	switch sub {
	case "sale", "refund", "void", "settle", "reprint", "lookup", "recover", "journal":
	case "preauth", "complete", "cancel-preauth": // pos_preauth.go
	default:
		env.Errorf("pos: unknown command %q; run 'hil pos --help'", sub)
		return ExitUsage
	}
	p := &posRun{env: env, g: g}
	sfs := flag.NewFlagSet("hil pos "+sub, flag.ContinueOnError)
	sfs.SetOutput(env.Stderr)
	sfs.StringVar(&p.card, "card", os.Getenv("HIL_CARD"), "card number (`PAN`), used in flight only; - reads it from standard input")
	sfs.StringVar(&p.expiry, "expiry", "", "card expiry `YYMM`")
	sfs.StringVar(&p.q.ref, "ref", "", "lookup: reference")
	sfs.StringVar(&p.q.from, "from", "", "lookup: from `TIME` (RFC 3339)")
	sfs.StringVar(&p.q.to, "to", "", "lookup: before `TIME` (RFC 3339)")
	sfs.StringVar(&p.q.amount, "amount", "", "lookup: amount")
	sfs.StringVar(&p.q.last4, "last4", "", "lookup: card last 4 digits")
	sfs.StringVar(&p.q.state, "state", "", "lookup: owed, in-doubt, reversal-pending or a state")
	pos, code, ok := parseInterspersed(sfs, subArgs)
	if !ok {
		return code
	}
	if p.card == "-" {
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		p.card = strings.TrimSpace(line)
		if p.card == "" {
			env.Errorf("pos: --card -: no card number on standard input (%v)", err)
			return ExitUsage
		}
	}
	if err := p.open(ctx, sub == "lookup" || sub == "journal"); err != nil {
		env.Errorf("pos: %v", err)
		if errors.Is(err, posclient.ErrJournalInUse) {
			return ExitBusy
		}
		return ExitFailure
	}
	defer p.close()
	return p.run(ctx, sub, pos)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func validCrashPoint(s string) bool {
	for _, c := range posclient.CrashPoints {
		if c == s {
			return true
		}
	}
	return false
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for {
		if code, ok := parseFlags(fs, args); !ok {
			return nil, code, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, ExitOK, true
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

type posRun struct {
	env          *Env
	g            posGlobal
	card, expiry string
	q            struct{ ref, from, to, amount, last4, state string }

	j      posclient.Journal
	prn    *printer.Printer
	extra  []*printer.Printer // backup printers
	faults *posFaults
	term   *posclient.Terminal
}

func (p *posRun) open(ctx context.Context, readOnly bool) error {
	if p.g.faultsFile != "" {
		pf, err := loadPosFaults(p.env, p.g.faultsFile)
		if err != nil {
			return err
		}
		p.faults = pf
	}
	if p.g.journal != "" {
		var failWrite func(string) error
		if p.faults != nil {
			failWrite = faults.JournalFault(p.faults.in)
		}
		j, err := posOpenJournal(p.g.journal, readOnly, p.g.wait, failWrite)
		if err != nil {
			return err
		}
		p.j = j
	} else {
		p.j = journal.NewMemory()
	}
	cfg := posclient.Config{
		TerminalID:      p.g.terminalID,
		CardKey:         []byte(envOr("HIL_CARD_KEY", posDefaultKey)),
		Journal:         p.j,
		ResponseTimeout: p.g.timeout,
		NotReady:        posclient.NotReadyPolicy(p.g.notReady),
		Policy:          posclient.Policy{ReverseOnPrintFailure: p.g.reverseOnPrint, ReversalBackoff: p.g.reversalBackoff},
	}
	prof, err := hostproto.ProfileByName(p.g.profile)
	if err != nil {
		return err
	}
	cfg.Profile = prof
	if p.g.now != "" {
		fixed, _ := time.Parse(time.RFC3339, p.g.now)
		cfg.Now = func() time.Time { return fixed }
	}
	host := p.g.host
	cfg.Dial = func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", host)
	}
	if p.g.verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(p.env.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	} else {
		cfg.Logger = slog.New(slog.NewTextHandler(p.env.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	kill := func(string) {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
	if p.g.crash != "" {
		point := p.g.crash
		cfg.CrashHook = func(step string) {
			if step == point {
				kill(step)
			}
		}
	}
	if pf := p.faults; pf != nil {
		if cfg.CrashHook == nil {
			cfg.CrashHook = pf.crashHook(kill)
		}
		cfg.Dial = pf.dial(cfg.Dial)
	}
	if p.g.printer != "" {
		prn, err := printer.Open(ctx, p.g.printer, &printer.Options{Logger: cfg.Logger})
		if err != nil {
			return err
		}
		p.prn, cfg.Printer = prn, prn
		if len(p.g.backups) > 0 {
			var backups []printer.Device
			for _, u := range p.g.backups {
				b, err := printer.Open(ctx, u, &printer.Options{Logger: cfg.Logger})
				if err != nil {
					return err
				}
				p.extra = append(p.extra, b)
				backups = append(backups, b)
			}
			cfg.Printer = printer.Failover(prn, backups...)
		}
	} else if len(p.g.backups) > 0 {
		return errors.New("--backup-printer needs --printer")
	}
	if p.g.eReceipt != "" {
		sink, err := printer.NewFileSink(p.g.eReceipt, 0)
		if err != nil {
			return err
		}
		cfg.EReceipt = sink
	}
	t, err := posclient.New(cfg)
	if err != nil {
		return err
	}
	p.term = t
	return nil
}

func (p *posRun) close() {
	if p.term != nil {
		p.term.Close()
	}
	if p.prn != nil {
		p.prn.Close()
	}
	for _, b := range p.extra {
		b.Close()
	}
	if p.faults != nil {
		p.faults.close()
	}
	if p.j != nil {
		p.j.Close()
	}
}

func (p *posRun) usage(format string, args ...any) int {
	p.env.Errorf("pos: "+format, args...)
	return ExitUsage
}

func (p *posRun) run(ctx context.Context, sub string, args []string) int {
	t := p.term
	switch sub {
	case "preauth", "complete", "cancel-preauth":
		return p.runPreAuth(ctx, sub, args)
	case "sale":
		if len(args) != 1 || p.card == "" {
			return p.usage("usage: hil pos sale AMOUNT --card PAN [--expiry YYMM]")
		}
		amount, err := parseAmount(args[0])
		if err != nil {
			return p.usage("%v", err)
		}
		worst := ExitOK
		for range p.g.repeat {
			res, err := t.Sale(ctx, posclient.SaleRequest{Amount: amount, PAN: p.card, Expiry: p.expiry})
			code := p.result(res, err)
			if severity(code) > severity(worst) {
				worst = code
			}
			if code == ExitFailure || ctx.Err() != nil {
				break
			}
		}
		return worst
	case "refund":
		if len(args) < 1 || len(args) > 2 || p.card == "" {
			return p.usage("usage: hil pos refund REF [AMOUNT] --card PAN")
		}
		var amount int64
		if len(args) == 2 {
			a, err := parseAmount(args[1])
			if err != nil {
				return p.usage("%v", err)
			}
			amount = a
		}
		res, err := t.Refund(ctx, posclient.RefundRequest{OrigRef: args[0], Amount: amount, PAN: p.card, Expiry: p.expiry})
		return p.result(res, err)
	case "void":
		if len(args) != 1 || p.card == "" {
			return p.usage("usage: hil pos void REF --card PAN")
		}
		res, err := t.Void(ctx, args[0], p.card)
		return p.result(res, err)
	case "reprint":
		if len(args) > 1 {
			return p.usage("usage: hil pos reprint [REF]")
		}
		ref := ""
		if len(args) == 1 {
			ref = args[0]
		}
		res, err := t.Reprint(ctx, ref)
		return p.result(res, err)
	case "settle":
		if len(args) != 0 {
			return p.usage("usage: hil pos settle")
		}
		rep, err := t.Settle(ctx)
		if err != nil {
			p.env.Errorf("pos: settle: %v", err)
			return ExitFailure
		}
		if p.g.jsonOut {
			p.printJSON(rep)
		} else {
			fmt.Fprintf(p.env.Stdout, "settled batch=%06d balanced=%v debits=%d/%d credits=%d/%d uploaded=%d differences=%d next=%06d\n",
				rep.Batch, rep.Balanced, rep.Terminal.DebitCount, rep.Terminal.DebitAmount, rep.Terminal.CreditCount,
				rep.Terminal.CreditAmount, rep.Uploaded, len(rep.Differences), rep.NextBatch)
			for _, d := range rep.Differences {
				fmt.Fprintf(p.env.Stdout, "difference stan=%06d ref=%s kind=%q terminal=%d host=%d\n", d.STAN, d.Ref, d.Kind, d.TerminalAmount, d.HostAmount)
			}
		}
		return ExitOK
	case "lookup":
		if len(args) != 0 {
			return p.usage("lookup takes flags only")
		}
		q, err := p.query()
		if err != nil {
			return p.usage("%v", err)
		}
		list, err := t.Lookup(ctx, q)
		if err != nil {
			p.env.Errorf("pos: lookup: %v", err)
			return ExitFailure
		}
		for _, r := range list {
			p.line(r)
		}
		return ExitOK
	case "recover":
		if len(args) != 0 {
			return p.usage("usage: hil pos recover")
		}
		rep, err := t.Recover(ctx)
		if p.g.jsonOut {
			p.printJSON(rep)
		} else {
			fmt.Fprintf(p.env.Stdout, "recovered reversed=%s unresolved=%s printed=%s owed=%s pending=%s\n",
				list(rep.Reversed), list(rep.Unresolved), list(rep.Printed), list(rep.Owed), list(rep.Pending))
		}
		if err != nil {
			p.env.Errorf("pos: recover: %v", err)
			if !errors.Is(err, posclient.ErrReversalPending) {
				return ExitFailure
			}
		}
		if len(rep.Unresolved)+len(rep.Owed)+len(rep.Pending) > 0 {
			return ExitInDoubt
		}
		return ExitOK
	case "journal":
		return p.journalDump(ctx, args)
	}
	return ExitUsage
}

func list(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ",")
}

func (p *posRun) query() (posclient.Query, error) {
	var q posclient.Query
	q.Ref, q.Last4 = p.q.ref, p.q.last4
	if p.q.amount != "" {
		a, err := parseAmount(p.q.amount)
		if err != nil {
			return q, err
		}
		q.Amount = a
	}
	for _, tv := range []struct {
		s   string
		dst *time.Time
	}{{p.q.from, &q.From}, {p.q.to, &q.To}} {
		if tv.s == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, tv.s)
		if err != nil {
			return q, fmt.Errorf("bad time %q: want RFC 3339", tv.s)
		}
		*tv.dst = v
	}
	switch p.q.state {
	case "":
	case "owed", "receipt-owed":
		q.States, q.Receipts = posclient.QueryReceiptOwed.States, posclient.QueryReceiptOwed.Receipts
	case "in-doubt":
		q.States = posclient.QueryInDoubt.States
	case "reversal-pending":
		q.States = posclient.QueryReversalPending.States
	default:
		q.States = []posclient.State{posclient.State(p.q.state)}
	}
	return q, nil
}

func (p *posRun) journalDump(ctx context.Context, args []string) int {
	if len(args) > 1 {
		return p.usage("usage: hil pos journal [REF]")
	}
	var refs []string
	if len(args) == 1 {
		refs = args
	} else {
		all, err := p.j.Find(ctx, posclient.Query{})
		if err != nil {
			p.env.Errorf("pos: journal: %v", err)
			return ExitFailure
		}
		for _, t := range all {
			refs = append(refs, t.Ref)
		}
	}
	for _, ref := range refs {
		h, err := p.j.History(ctx, ref)
		if err != nil {
			p.env.Errorf("pos: journal: %v", err)
			return ExitFailure
		}
		for _, e := range h {
			if p.g.jsonOut {
				p.printJSON(e)
				continue
			}
			msg := ""
			if e.Message != nil {
				msg = " " + string(e.Message.Direction) + " " + e.Message.MTI
			}
			fmt.Fprintf(p.env.Stdout, "%d %s %s %s receipt=%s%s: %s\n", e.Seq, e.At.UTC().Format(time.RFC3339), e.Txn.Ref,
				e.Txn.State, orDash(string(e.Txn.Receipt)), msg, e.Note)
		}
	}
	return ExitOK
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// result prints a transaction result and maps it to the exit status.
func (p *posRun) result(res posclient.Result, err error) int {
	var doubt *posclient.InDoubtError
	var storage *posclient.StorageError
	switch {
	case errors.As(err, &storage) && storage.MaybeCharged():
		// The host may hold (or holds) the charge and the journal could not
		// record it: not "nothing charged".
		if res.Ref != "" {
			p.line(res)
		}
		p.env.Errorf("pos: %v", err)
		return ExitStorage
	case errors.As(err, &doubt):
		p.line(res)
		p.env.Errorf("pos: %v", err)
		return ExitInDoubt
	case err != nil && res.Ref != "" && res.State.Doubtful():
		p.line(res)
		p.env.Errorf("pos: %v", err)
		return ExitInDoubt
	case err != nil:
		p.env.Errorf("pos: %v", err)
		return ExitFailure
	}
	p.line(res)
	if res.State == posclient.StateDeclined {
		return ExitDeclined
	}
	return ExitOK
}

func (p *posRun) line(r posclient.Result) {
	if p.g.jsonOut {
		p.printJSON(r)
		return
	}
	fmt.Fprintf(p.env.Stdout, "%s %s ref=%s amount=%d code=%s rrn=%s auth=%s card=%s receipt=%s",
		r.State, r.Kind, r.Ref, r.Amount, orDash(r.ResponseCode), orDash(r.RRN), orDash(r.AuthCode), orDash(r.Card), orDash(string(r.Receipt)))
	if r.OrigRef != "" {
		fmt.Fprintf(p.env.Stdout, " orig=%s", r.OrigRef)
	}
	if r.Copies > 0 {
		fmt.Fprintf(p.env.Stdout, " copies=%d", r.Copies)
	}
	fmt.Fprintln(p.env.Stdout)
}

func (p *posRun) printJSON(v any) {
	enc := json.NewEncoder(p.env.Stdout)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// parseAmount reads minor units ("1250") or major units with a point
// ("12.50", two decimals at most).
func parseAmount(s string) (int64, error) {
	bad := fmt.Errorf("bad amount %q: want minor units (1250) or 12.50", s)
	major, minor, dot := strings.Cut(s, ".")
	if !dot {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v <= 0 {
			return 0, bad
		}
		return v, nil
	}
	if major == "" || len(minor) == 0 || len(minor) > 2 {
		return 0, bad
	}
	if len(minor) == 1 {
		minor += "0"
	}
	m, err1 := strconv.ParseInt(major, 10, 64)
	n, err2 := strconv.ParseInt(minor, 10, 64)
	if err1 != nil || err2 != nil || m < 0 || n < 0 || m > 9_999_999_999 || m*100+n == 0 {
		return 0, bad
	}
	return m*100 + n, nil
}

// severity orders exit statuses for --repeat: error over in doubt over
// declined over approved.
func severity(code int) int {
	switch code {
	case ExitOK:
		return 0
	case ExitDeclined:
		return 1
	case ExitInDoubt:
		return 2
	}
	return 3
}
