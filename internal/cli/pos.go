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
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/poshil/hil/faults"
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
	"github.com/poshil/hil/pkg/posclient/printer"
	"github.com/poshil/hil/pkg/posclient/receipt"
)

// Exit statuses of hil pos, above the shared ones (0 ok, 1 error, 2 usage).
const (
	ExitDeclined = 3 // the host declined (a result, not an error)
	ExitInDoubt  = 4 // no usable answer: reversed or reversal queued; or recover left work open
	ExitStorage  = 5 // the host may have (or did) approve, but the journal could not record it: fix storage, run recover
	ExitBusy     = 6 // another process owns the journal: nothing was done
)

const posHelp = `Usage: hil pos COMMAND [ARGS] [flags]   (flags before or after the command)

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

AMOUNT is in minor units (1250), or major units with a point (12.50); it
is positive (a refund is hil pos refund). --expiry is YYMM, month 01-12.
Times are RFC 3339 (2026-11-23T09:30:00Z).

Journal: the terminal's memory (STAN, batch, every transaction). Without
--journal (or HIL_POS_JOURNAL) it is $XDG_STATE_HOME/poshil/TERMINAL.db
(~/.local/state/poshil/TERMINAL.db), one per --terminal, so that runs
continue where the last one stopped, as a real terminal does.
--journal :memory: keeps nothing: every run starts at STAN 1, and a host
takes a second sale for a retransmission of the first; tests only.

Output: one line per result. With --json, exactly one JSON object per
outcome on stdout, whatever the outcome (one per sale with --repeat):
a transaction gives its result (ref, kind, state, response_code, rrn,
auth_code, amount in minor units, currency, card masked, stan, batch,
receipt: printed, owed, e-receipt); settle its report, recover its report,
lookup {"count":N,"results":[…]}, journal {"entries":[…]}. Every object
has "exit" (the exit status); every outcome but success adds "error" (a
message for people) and "reason" (stable, for scripts): usage, declined,
in_doubt, work_left_open, storage, journal_busy, printer_not_ready,
no_printer, printer, host, not_found, other_card, not_refundable,
exceeds_refundable, invalid_input, journal, error. Messages also go to
stderr. A lookup that finds nothing says so on stderr and exits 0.

Exit status:
  0  approved (or done)
  1  error: nothing was charged
  2  usage (bad flags or arguments, bad printer URL)
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
fixed clock, RFC 3339), HIL_POS_PROFILE (the host dialect, as --profile),
XDG_STATE_HOME (the default journal's folder).

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
	copies, eReceiptURL, currency, merchant             string
	header                                              []string
	declineReceipt                                      bool
}

// urlList is a repeatable string flag.
type urlList []string

func (l *urlList) String() string     { return strings.Join(*l, ",") }
func (l *urlList) Set(v string) error { *l = append(*l, v); return nil }

func runPos(ctx context.Context, env *Env, args []string) int {
	p := &posRun{env: env, jsonOut: jsonRequested(args)}
	g := &p.g
	fs := flag.NewFlagSet("hil pos", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, posHelp)
		writeExamples(env.Stderr, "pos")
		fmt.Fprintln(env.Stderr, "Flags (before or after the command and its arguments):")
		fs.PrintDefaults()
	}
	fs.StringVar(&g.journal, "journal", os.Getenv("HIL_POS_JOURNAL"), "journal `FILE` (SQLite); default $XDG_STATE_HOME/poshil/TERMINAL.db; :memory: keeps nothing")
	fs.StringVar(&g.host, "host", envOr("HIL_ACQUIRER_ADDR", "127.0.0.1:5000"), "acquirer `ADDR`")
	fs.StringVar(&g.printer, "printer", os.Getenv("HIL_PRINTER_URL"), "printer `URL` (serial:///dev/ttyUSB0?baud=38400, tcp://host:9100, rfc2217://host:port, file:///dev/usb/lp0); empty: none")
	fs.StringVar(&g.eReceipt, "e-receipt", "", "`DIR` for e-receipts (receipts that cannot be printed)")
	fs.StringVar(&g.terminalID, "terminal", envOr("HIL_TERMINAL_ID", "TERM0001"), "terminal `ID` (DE41, 8 characters)")
	fs.StringVar(&g.crash, "crash-at", os.Getenv("HIL_POS_CRASH"), "kill this process with SIGKILL at crash `POINT`")
	fs.BoolVar(&g.jsonOut, "json", false, "print exactly one JSON object per outcome, errors included")
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
	fs.StringVar(&g.copies, "copies", "customer", "receipt copies to print, in order: customer, merchant or `LIST` of both (merchant,customer)")
	fs.StringVar(&g.eReceiptURL, "e-receipt-url", "", "print a QR code of this URL `TEMPLATE` on every receipt ({ref}, {rrn}, {terminal}, {merchant} replaced)")
	fs.StringVar(&g.currency, "currency", "CNY", "ISO 4217 `CODE` of every amount: CNY, USD, EUR, HKD, JPY, GBP, SGD")
	fs.StringVar(&g.merchant, "merchant", "POSHIL TEST MERCHANT", "merchant `NAME` at the top of the receipt")
	fs.Var((*urlList)(&g.header), "header", "receipt header `LINE` under the merchant name, e.g. an address (repeatable)")
	fs.BoolVar(&g.declineReceipt, "decline-receipt", false, "print a decline slip (DECLINED and the response code) when the host declines")
	// Command flags (sale, refund, void, lookup).
	fs.StringVar(&p.card, "card", os.Getenv("HIL_CARD"), "card number (`PAN`), used in flight only; - reads it from standard input")
	fs.StringVar(&p.expiry, "expiry", "", "card expiry `YYMM` (month 01 to 12)")
	fs.StringVar(&p.q.ref, "ref", "", "lookup: reference")
	fs.StringVar(&p.q.from, "from", "", "lookup: from `TIME` (RFC 3339)")
	fs.StringVar(&p.q.to, "to", "", "lookup: before `TIME` (RFC 3339)")
	fs.StringVar(&p.q.amount, "amount", "", "lookup: amount")
	fs.StringVar(&p.q.last4, "last4", "", "lookup: card last 4 `DIGITS`")
	fs.StringVar(&p.q.state, "state", "", "lookup: owed, in-doubt, reversal-pending or a state ("+posStateNames()+")")
	rest, code, ok := parseInterspersed(fs, args)
	if !ok {
		if code == ExitUsage {
			p.emitError(ExitUsage, reasonUsage, "bad flags (see hil pos --help)")
		}
		return code
	}
	p.jsonOut = g.jsonOut
	if len(rest) == 0 {
		fs.Usage()
		p.emitError(ExitUsage, reasonUsage, "no command (sale, refund, void, settle, reprint, lookup, recover, journal)")
		return ExitUsage
	}
	if g.repeat < 1 {
		return p.usage("--repeat must be at least 1, got %d", g.repeat)
	}
	if g.reversalBackoff <= 0 {
		return p.usage("--reversal-backoff must be positive, got %s", g.reversalBackoff)
	}
	if g.now != "" {
		if _, err := time.Parse(time.RFC3339, g.now); err != nil {
			return p.usage("--now %q: want RFC 3339 (2026-11-23T10:00:00Z)", g.now)
		}
	}
	if g.crash != "" && !validCrashPoint(g.crash) {
		return p.usage("unknown crash point %q; want one of %s", g.crash, strings.Join(posclient.CrashPoints, ", "))
	}
	if err := posclient.CheckExpiry(p.expiry); err != nil {
		return p.usage("--expiry %s", strings.TrimPrefix(err.Error(), "posclient: invalid expiry: "))
	}
	if _, err := hostproto.ProfileByName(g.profile); err != nil {
		return p.usage("--profile: %v", err)
	}
	sub, subArgs := rest[0], rest[1:]
	switch sub {
	case "sale", "refund", "void", "settle", "reprint", "lookup", "recover", "journal":
	case "preauth", "complete", "cancel-preauth": // pos_preauth.go
	default:
		return p.usage("unknown command %q; run 'hil pos --help'", sub)
	}
	if code, ok := p.check(sub, subArgs); !ok {
		return code
	}
	if p.card == "-" {
		line, err := bufio.NewReader(env.Stdin).ReadString('\n')
		p.card = strings.TrimSpace(line)
		if p.card == "" {
			return p.usage("--card -: no card number on standard input (%v)", err)
		}
	}
	if err := p.open(ctx, sub == "lookup" || sub == "journal"); err != nil {
		p.close()
		if errors.Is(err, posclient.ErrJournalInUse) {
			return p.fail(ExitBusy, reasonBusy, err)
		}
		if errors.Is(err, printer.ErrBadURL) || errors.As(err, new(*posUsageError)) {
			return p.usage("%v", err)
		}
		return p.fail(ExitFailure, posReason(err), err)
	}
	defer p.close()
	return p.run(ctx, sub, subArgs)
}

// jsonRequested reports whether args ask for --json, for the usage errors
// found before the flags are parsed.
func jsonRequested(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-json", "--json", "-json=true", "--json=true":
			return true
		}
	}
	return false
}

func posStateNames() string {
	var s []string
	for _, st := range posStates {
		s = append(s, string(st))
	}
	return strings.Join(s, ", ")
}

// posStates are the journal states lookup --state accepts by name.
var posStates = []posclient.State{
	posclient.StateJournaled, posclient.StateSent, posclient.StateApproved, posclient.StateDeclined,
	posclient.StateFailed, posclient.StateInDoubt, posclient.StateReversalQueued, posclient.StateReversalSent,
	posclient.StateReversed, posclient.StateUnresolved,
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

type posRun struct {
	env          *Env
	g            posGlobal
	jsonOut      bool // --json, known (or guessed from the arguments) before parsing ends
	card, expiry string
	q            struct{ ref, from, to, amount, last4, state string }
	amount       int64           // sale, refund: parsed by check
	lookupQ      posclient.Query // lookup: parsed by check

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
	path := p.g.journal
	if path == "" {
		def, err := posDefaultJournal(p.g.terminalID)
		if err != nil {
			return err
		}
		path = def
		if readOnly {
			if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
				return &posJournalError{fmt.Errorf("no journal yet at %s (the default for terminal %s; name another with --journal FILE)",
					path, p.g.terminalID)}
			}
		}
	}
	if path == posMemoryJournal {
		p.j = journal.NewMemory()
	} else {
		var failWrite func(string) error
		if p.faults != nil {
			failWrite = faults.JournalFault(p.faults.in)
		}
		j, err := posOpenJournal(path, readOnly, p.g.wait, failWrite)
		if err != nil {
			if errors.Is(err, posclient.ErrJournalInUse) || errors.Is(err, posclient.ErrCorruptJournal) {
				return err
			}
			return &posJournalError{err}
		}
		p.j = j
	}
	copies, err := posCopies(p.g.copies)
	if err != nil {
		return &posUsageError{err}
	}
	cfg := posclient.Config{
		MerchantName:    p.g.merchant,
		MerchantHeader:  p.g.header,
		Currency:        p.g.currency,
		Copies:          copies,
		EReceiptURL:     p.g.eReceiptURL,
		DeclineReceipt:  p.g.declineReceipt,
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
			return printerOpenErr(p.g.printer, err)
		}
		p.prn, cfg.Printer = prn, prn
		if len(p.g.backups) > 0 {
			var backups []printer.Device
			for _, u := range p.g.backups {
				b, err := printer.Open(ctx, u, &printer.Options{Logger: cfg.Logger})
				if err != nil {
					return printerOpenErr(u, err)
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
		if errors.Is(err, posclient.ErrInvalidConfig) {
			return &posUsageError{err}
		}
		return err
	}
	p.term = t
	return nil
}

// posMemoryJournal is the --journal value for a journal kept in memory
// only: every run starts at STAN 1 and remembers nothing, so a host sees a
// second sale as a retransmission of the first. For tests with a fresh
// host only.
const posMemoryJournal = ":memory:"

// posDefaultJournal is the journal of a terminal when --journal and
// HIL_POS_JOURNAL are not set: $XDG_STATE_HOME/poshil/TERMINAL.db, or
// ~/.local/state/poshil/TERMINAL.db. A terminal has one memory across runs,
// as a real one does.
func posDefaultJournal(terminal string) (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return "", &posJournalError{fmt.Errorf("no --journal FILE, and no home directory for the default ($XDG_STATE_HOME/poshil/%s.db)", terminal)}
		}
		dir = filepath.Join(home, ".local", "state")
	}
	dir = filepath.Join(dir, "poshil")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", &posJournalError{fmt.Errorf("default journal: %w (name one with --journal FILE)", err)}
	}
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, terminal)
	return filepath.Join(dir, name+".db"), nil
}

// printerOpenErr marks an error opening a printer (the printer package's
// errors already name the URL).
func printerOpenErr(url string, err error) error {
	return &posPrinterError{err}
}

type posPrinterError struct{ err error }

func (e *posPrinterError) Error() string { return e.err.Error() }
func (e *posPrinterError) Unwrap() error { return e.err }

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

// Reasons: the stable "reason" field of hil pos --json, one per kind of
// outcome that is not a plain success. Scripts switch on these; the
// "error" field is the human message and may change.
const (
	reasonUsage           = "usage"             // exit 2
	reasonDeclined        = "declined"          // exit 3
	reasonInDoubt         = "in_doubt"          // exit 4
	reasonOpen            = "work_left_open"    // exit 4 (recover)
	reasonStorage         = "storage"           // exit 5
	reasonBusy            = "journal_busy"      // exit 6
	reasonPrinterNotReady = "printer_not_ready" // exit 1: refused before anything was sent
	reasonNoPrinter       = "no_printer"        // exit 1
	reasonPrinter         = "printer"           // exit 1: the printer could not be opened
	reasonHost            = "host"              // exit 1: host unreachable or failed; nothing charged
	reasonNotFound        = "not_found"         // exit 1
	reasonOtherCard       = "other_card"        // exit 1
	reasonNotRefundable   = "not_refundable"    // exit 1
	reasonExceeds         = "exceeds_refundable"
	reasonInvalidInput    = "invalid_input" // exit 1
	reasonJournal         = "journal"       // exit 1: the journal could not be opened or read
	reasonError           = "error"         // exit 1: anything else
)

// posReason maps an error to its reason.
func posReason(err error) string {
	switch {
	case errors.Is(err, posclient.ErrJournalInUse):
		return reasonBusy
	case errors.Is(err, posclient.ErrStorage):
		return reasonStorage
	case errors.Is(err, posclient.ErrPrinterNotReady):
		return reasonPrinterNotReady
	case errors.Is(err, posclient.ErrNoPrinter):
		return reasonNoPrinter
	case errors.Is(err, posclient.ErrNotFound):
		return reasonNotFound
	case errors.Is(err, posclient.ErrOtherCard):
		return reasonOtherCard
	case errors.Is(err, posclient.ErrNotRefundable):
		return reasonNotRefundable
	case errors.Is(err, posclient.ErrExceedsRefundable):
		return reasonExceeds
	case errors.Is(err, posclient.ErrInvalidInput):
		return reasonInvalidInput
	case errors.Is(err, posclient.ErrHost), errors.Is(err, posclient.ErrTimeout):
		return reasonHost
	case errors.Is(err, posclient.ErrCorruptJournal), errors.As(err, new(*posJournalError)):
		return reasonJournal
	case errors.Is(err, printer.ErrBadURL), errors.As(err, new(*posPrinterError)):
		return reasonPrinter
	}
	return reasonError
}

// posUsageError marks a bad flag value found while opening (exit 2).
type posUsageError struct{ err error }

func (e *posUsageError) Error() string { return e.err.Error() }
func (e *posUsageError) Unwrap() error { return e.err }

// posCopies parses --copies.
func posCopies(s string) ([]receipt.Copy, error) {
	var cs []receipt.Copy
	for _, w := range strings.Split(s, ",") {
		var c receipt.Copy
		if err := c.UnmarshalText([]byte(strings.TrimSpace(w))); err != nil {
			return nil, fmt.Errorf("--copies %q: want customer, merchant or merchant,customer", s)
		}
		if slices.Contains(cs, c) {
			return nil, fmt.Errorf("--copies %q: %s twice", s, c)
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// posJournalError marks an error opening the journal (for its reason).
type posJournalError struct{ err error }

func (e *posJournalError) Error() string { return e.err.Error() }
func (e *posJournalError) Unwrap() error { return e.err }

// usage reports a usage error (exit 2).
func (p *posRun) usage(format string, args ...any) int {
	return p.emitError(ExitUsage, reasonUsage, fmt.Sprintf(format, args...))
}

// fail reports err with its exit status and reason.
func (p *posRun) fail(code int, reason string, err error) int {
	return p.emitError(code, reason, err.Error())
}

// emitError prints msg on stderr and, with --json, the one JSON object of
// this outcome on stdout.
func (p *posRun) emitError(code int, reason, msg string) int {
	p.env.Errorf("pos: %s", msg)
	if p.jsonOut {
		p.printJSON(posJSONError{Error: msg, Reason: reason, Exit: code})
	}
	return code
}

// posJSONError is the --json object of an outcome without a result.
type posJSONError struct {
	Error  string `json:"error"`
	Reason string `json:"reason"`
	Exit   int    `json:"exit"`
}

// posJSONResult is the --json object of a transaction outcome: the result,
// and for anything but an approval the error and reason.
type posJSONResult struct {
	posclient.Result
	Error  string `json:"error,omitempty"`
	Reason string `json:"reason,omitempty"`
	Exit   int    `json:"exit"`
}

// check validates the command's arguments before anything is opened.
func (p *posRun) check(sub string, args []string) (int, bool) {
	bad := func(format string, a ...any) (int, bool) { return p.usage(format, a...), false }
	switch sub {
	case "sale":
		if len(args) != 1 {
			return bad("sale wants one AMOUNT, got %d arguments (usage: hil pos sale AMOUNT --card PAN [--expiry YYMM])", len(args))
		}
		a, err := parseAmount(args[0])
		if err != nil {
			return bad("%v", err)
		}
		p.amount = a
		if p.card == "" {
			return bad("sale needs --card PAN (or --card - , or HIL_CARD)")
		}
	case "refund":
		if len(args) < 1 || len(args) > 2 {
			return bad("usage: hil pos refund REF [AMOUNT] --card PAN")
		}
		if len(args) == 2 {
			a, err := parseAmount(args[1])
			if err != nil {
				return bad("%v", err)
			}
			p.amount = a
		}
		if p.card == "" {
			return bad("refund needs --card PAN, the original card")
		}
	case "void":
		if len(args) != 1 || p.card == "" {
			return bad("usage: hil pos void REF --card PAN")
		}
	case "reprint":
		if len(args) > 1 {
			return bad("usage: hil pos reprint [REF]")
		}
	case "settle", "recover":
		if len(args) != 0 {
			return bad("usage: hil pos %s (no arguments)", sub)
		}
	case "lookup":
		if len(args) != 0 {
			return bad("lookup takes flags only, got %q", strings.Join(args, " "))
		}
		q, err := p.query()
		if err != nil {
			return bad("lookup: %v", err)
		}
		p.lookupQ = q
	case "journal":
		if len(args) > 1 {
			return bad("usage: hil pos journal [REF]")
		}
	}
	return ExitOK, true
}

func (p *posRun) run(ctx context.Context, sub string, args []string) int {
	t := p.term
	switch sub {
	case "preauth", "complete", "cancel-preauth":
		return p.runPreAuth(ctx, sub, args)
	case "sale":
		worst := ExitOK
		for range p.g.repeat {
			res, err := t.Sale(ctx, posclient.SaleRequest{Amount: p.amount, PAN: posclient.PAN(p.card), Expiry: p.expiry})
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
		res, err := t.Refund(ctx, posclient.RefundRequest{OrigRef: args[0], Amount: p.amount, PAN: posclient.PAN(p.card), Expiry: p.expiry})
		return p.result(res, err)
	case "void":
		res, err := t.Void(ctx, posclient.VoidRequest{OrigRef: args[0], PAN: posclient.PAN(p.card)})
		return p.result(res, err)
	case "reprint":
		ref := ""
		if len(args) == 1 {
			ref = args[0]
		}
		res, err := t.Reprint(ctx, ref)
		return p.result(res, err)
	case "settle":
		rep, err := t.Settle(ctx)
		if err != nil {
			return p.fail(ExitFailure, posReason(err), fmt.Errorf("settle: %w", err))
		}
		if p.jsonOut {
			p.printJSON(struct {
				posclient.SettleReport
				Exit int `json:"exit"`
			}{rep, ExitOK})
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
		list, err := t.Lookup(ctx, p.lookupQ)
		if err != nil {
			return p.fail(ExitFailure, posReason(err), fmt.Errorf("lookup: %w", err))
		}
		if len(list) == 0 {
			p.env.Errorf("pos: lookup: no transaction matches")
		}
		if p.jsonOut {
			if list == nil {
				list = []posclient.Result{}
			}
			p.printJSON(struct {
				Count   int                `json:"count"`
				Results []posclient.Result `json:"results"`
				Exit    int                `json:"exit"`
			}{len(list), list, ExitOK})
			return ExitOK
		}
		for _, r := range list {
			p.line(r)
		}
		return ExitOK
	case "recover":
		rep, err := t.Recover(ctx)
		code := ExitOK
		var msg, reason string
		if err != nil {
			msg, reason = "recover: "+err.Error(), posReason(err)
			p.env.Errorf("pos: %s", msg)
			if !errors.Is(err, posclient.ErrReversalPending) {
				code = ExitFailure
			}
		}
		if code == ExitOK && len(rep.Unresolved)+len(rep.Owed)+len(rep.Pending) > 0 {
			code = ExitInDoubt
			if reason == "" || reason == reasonError {
				reason = reasonOpen
			}
			if msg == "" {
				msg = "recover: work left open (unresolved, owed or pending)"
			}
		}
		if p.jsonOut {
			p.printJSON(struct {
				posclient.RecoverReport
				Error  string `json:"error,omitempty"`
				Reason string `json:"reason,omitempty"`
				Exit   int    `json:"exit"`
			}{rep, msg, reason, code})
		} else {
			fmt.Fprintf(p.env.Stdout, "recovered reversed=%s unresolved=%s printed=%s owed=%s pending=%s\n",
				list(rep.Reversed), list(rep.Unresolved), list(rep.Printed), list(rep.Owed), list(rep.Pending))
		}
		return code
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
	q.Ref = p.q.ref
	if l := p.q.last4; l != "" {
		if len(l) != 4 || strings.Trim(l, "0123456789") != "" {
			return q, fmt.Errorf("--last4 %q: want the card's last 4 digits", l)
		}
		q.Last4 = l
	}
	if p.q.amount != "" {
		a, err := parseAmount(p.q.amount)
		if err != nil {
			return q, fmt.Errorf("--amount: %w", err)
		}
		q.Amount = a
	}
	for _, tv := range []struct {
		name, s string
		dst     *time.Time
	}{{"--from", p.q.from, &q.From}, {"--to", p.q.to, &q.To}} {
		if tv.s == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, tv.s)
		if err != nil {
			return q, fmt.Errorf("%s %q: want RFC 3339 (2026-11-23T09:30:00Z)", tv.name, tv.s)
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
		st := posclient.State(strings.ReplaceAll(p.q.state, "-", "_"))
		found := false
		for _, s := range posStates {
			found = found || s == st
		}
		if !found {
			return q, fmt.Errorf("--state %q: want owed, in-doubt, reversal-pending or one of %s", p.q.state, posStateNames())
		}
		q.States = []posclient.State{st}
	}
	return q, nil
}

func (p *posRun) journalDump(ctx context.Context, args []string) int {
	var refs []string
	if len(args) == 1 {
		refs = args
	} else {
		all, err := p.j.Find(ctx, posclient.Query{})
		if err != nil {
			return p.fail(ExitFailure, posReason(err), err)
		}
		for _, t := range all {
			refs = append(refs, t.Ref)
		}
	}
	entries := []posclient.Entry{}
	for _, ref := range refs {
		h, err := p.j.History(ctx, ref)
		if err != nil {
			return p.fail(ExitFailure, posReason(err), err)
		}
		for _, e := range h {
			if p.jsonOut {
				entries = append(entries, e)
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
	if len(refs) == 0 {
		p.env.Errorf("pos: journal: no transactions yet")
	}
	if p.jsonOut {
		p.printJSON(struct {
			Entries []posclient.Entry `json:"entries"`
			Exit    int               `json:"exit"`
		}{entries, ExitOK})
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
		return p.resultErr(res, ExitStorage, reasonStorage, err)
	case errors.As(err, &doubt):
		return p.resultErr(res, ExitInDoubt, reasonInDoubt, err)
	case err != nil && res.Ref != "" && res.State.Doubtful():
		return p.resultErr(res, ExitInDoubt, reasonInDoubt, err)
	case err != nil:
		return p.fail(ExitFailure, posReason(err), err)
	}
	if res.State == posclient.StateDeclined {
		if p.jsonOut {
			p.printJSON(posJSONResult{Result: res, Error: "declined by the host (response code " + res.ResponseCode + ")",
				Reason: reasonDeclined, Exit: ExitDeclined})
		} else {
			p.line(res)
		}
		return ExitDeclined
	}
	if p.jsonOut {
		p.printJSON(posJSONResult{Result: res, Exit: ExitOK})
	} else {
		p.line(res)
	}
	return ExitOK
}

// resultErr reports a result that came with an error: one JSON object
// with both, or the line and the message.
func (p *posRun) resultErr(res posclient.Result, code int, reason string, err error) int {
	if p.jsonOut {
		p.env.Errorf("pos: %v", err)
		p.printJSON(posJSONResult{Result: res, Error: err.Error(), Reason: reason, Exit: code})
		return code
	}
	if res.Ref != "" {
		p.line(res)
	}
	p.env.Errorf("pos: %v", err)
	return code
}

func (p *posRun) line(r posclient.Result) {
	if p.jsonOut {
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
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("amount %s is negative: want a positive amount, minor units (1250) or 12.50 (a refund is hil pos refund)", s)
	}
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
