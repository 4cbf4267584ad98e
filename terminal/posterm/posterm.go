// Package posterm is the built-in reference terminal of the terminal
// contract: pkg/posclient behind terminal.Terminal, with its SQLite journal
// in the work directory. "hil terminal serve" serves it on standard input
// and output.
package posterm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal/sqlitejournal"
	"github.com/poshil/hil/pkg/posclient/printer"
	posreceipt "github.com/poshil/hil/pkg/posclient/receipt"
	"github.com/poshil/hil/terminal"
)

// Config is where the terminal's world is.
type Config struct {
	PrinterURL      string        // "" for no printer (every receipt owed)
	AcquirerAddr    string        // host:port
	WorkDir         string        // the journal is WorkDir/journal.db
	TerminalID      string        // DE41, 8 characters; default DefaultTerminalID
	ResponseTimeout time.Duration // 0: posclient's default
	CardKey         []byte        // card-token key; default a harness-only key
	// ReversalBackoff is the wait before the second try of a reversal; it
	// doubles per try. 0: posclient's default (1s). ConfigFromEnv reads
	// it from EnvReversalBackoff.
	ReversalBackoff time.Duration
	// Columns is the receipt width in Font A characters (posreceipt.Options):
	// 48 on an 80 mm roll (0 is that), 32 on a 58 mm one. ConfigFromEnv
	// reads it from EnvReceiptColumns.
	Columns int
	// Profile is the host dialect (hostproto.ProfileISO87, ProfileCUP);
	// "" is iso87. ConfigFromEnv reads it from EnvProfile.
	Profile string
}

// EnvProfile names the host dialect the built-in terminal speaks, as for
// hil pos: iso87 (the default) or cup. It is not part of the contract; a
// harness sets it for this terminal when the scenario's host speaks cup.
const EnvProfile = "HIL_POS_PROFILE"

// EnvReceiptColumns is the receipt width of the built-in terminal, in
// Font A characters (24 to 64; default 48); not part of the contract.
const EnvReceiptColumns = "HIL_RECEIPT_COLUMNS"

// EnvReversalBackoff is the built-in terminal's reversal backoff (a Go
// duration), as hil pos --reversal-backoff; not part of the contract.
const EnvReversalBackoff = "HIL_REVERSAL_BACKOFF"

// ConfigFromEnv reads the contract's environment variables.
func ConfigFromEnv() (Config, error) {
	c := Config{
		PrinterURL:   os.Getenv(terminal.EnvPrinterURL),
		AcquirerAddr: os.Getenv(terminal.EnvAcquirerAddr),
		WorkDir:      os.Getenv(terminal.EnvWorkDir),
		TerminalID:   os.Getenv(terminal.EnvTerminalID),
		Profile:      os.Getenv(EnvProfile),
	}
	if c.Profile != "" {
		if _, err := hostproto.ProfileByName(c.Profile); err != nil {
			return c, fmt.Errorf("%s: %w", EnvProfile, err)
		}
	}
	if s := os.Getenv(terminal.EnvResponseTimeout); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("%s=%q: not a positive duration (2s, 500ms)", terminal.EnvResponseTimeout, s)
		}
		c.ResponseTimeout = d
	}
	if s := os.Getenv(EnvReversalBackoff); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("%s=%q: not a positive duration (1s, 20ms)", EnvReversalBackoff, s)
		}
		c.ReversalBackoff = d
	}
	if s := os.Getenv(EnvReceiptColumns); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 24 || n > 64 {
			return c, fmt.Errorf("%s=%q: want a number of columns from 24 to 64", EnvReceiptColumns, s)
		}
		c.Columns = n
	}
	if k := os.Getenv("HIL_CARD_KEY"); k != "" {
		c.CardKey = []byte(k)
	}
	if c.AcquirerAddr == "" {
		return c, fmt.Errorf("%s is not set (host:port of the acquirer)", terminal.EnvAcquirerAddr)
	}
	if c.WorkDir == "" {
		return c, fmt.Errorf("%s is not set (the terminal's work directory)", terminal.EnvWorkDir)
	}
	return c, nil
}

// DefaultTerminalID is the DE41 when HIL_TERMINAL_ID is not set.
const DefaultTerminalID = "POSHIL01"

// Terminal is posclient behind the contract.
type Terminal struct {
	cfg  Config
	j    *sqlitejournal.Journal
	prn  *printer.Printer
	term *posclient.Terminal
}

// Open opens the journal and the printer and builds the posclient terminal.
func Open(ctx context.Context, cfg Config) (*Terminal, error) {
	if cfg.CardKey == nil {
		cfg.CardKey = []byte("poshil harness card-token key (not for production)")
	}
	if cfg.TerminalID == "" {
		cfg.TerminalID = DefaultTerminalID
	}
	t := &Terminal{cfg: cfg}
	if err := t.open(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *Terminal) open(ctx context.Context) error {
	j, err := sqlitejournal.Open(filepath.Join(t.cfg.WorkDir, "journal.db"))
	if err != nil {
		return err
	}
	prof, err := hostproto.ProfileByName(cmp.Or(t.cfg.Profile, hostproto.ProfileISO87))
	if err != nil {
		j.Close()
		return err
	}
	pc := posclient.Config{
		Profile:         prof,
		Policy:          posclient.Policy{ReversalBackoff: t.cfg.ReversalBackoff},
		ReceiptOptions:  posreceipt.Options{Columns: t.cfg.Columns},
		TerminalID:      t.cfg.TerminalID,
		CardKey:         t.cfg.CardKey,
		Journal:         j,
		ResponseTimeout: t.cfg.ResponseTimeout,
		Dial: func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", t.cfg.AcquirerAddr)
		},
	}
	var prn *printer.Printer
	if t.cfg.PrinterURL != "" {
		prn, err = printer.Open(ctx, t.cfg.PrinterURL, nil)
		if err != nil {
			j.Close()
			return err
		}
		pc.Printer = prn
	}
	term, err := posclient.New(pc)
	if err != nil {
		j.Close()
		if prn != nil {
			prn.Close()
		}
		return err
	}
	t.j, t.prn, t.term = j, prn, term
	return nil
}

// Close closes the posclient terminal, the printer and the journal.
func (t *Terminal) Close() error {
	if t.term == nil {
		return nil
	}
	err := t.term.Close()
	if t.prn != nil {
		err = errors.Join(err, t.prn.Close())
	}
	err = errors.Join(err, t.j.Close())
	t.term = nil
	return err
}

// Hello names posclient and every operation.
func (t *Terminal) Hello(context.Context) (terminal.Response, error) {
	return terminal.Response{Outcome: terminal.OK, Version: terminal.Version, Name: "poshil posclient",
		Capabilities: terminal.Ops[1:]}, nil
}

func (t *Terminal) Sale(ctx context.Context, amount int64, card, expiry string) (terminal.Response, error) {
	return outcome(t.term.Sale(ctx, posclient.SaleRequest{Amount: amount, PAN: posclient.PAN(card), Expiry: expiry}))
}

func (t *Terminal) Refund(ctx context.Context, ref string, amount int64, card string) (terminal.Response, error) {
	return outcome(t.term.Refund(ctx, posclient.RefundRequest{OrigRef: ref, Amount: amount, PAN: posclient.PAN(card)}))
}

func (t *Terminal) Void(ctx context.Context, ref, card string) (terminal.Response, error) {
	return outcome(t.term.Void(ctx, posclient.VoidRequest{OrigRef: ref, PAN: posclient.PAN(card)}))
}

func (t *Terminal) Reprint(ctx context.Context, ref string) (terminal.Response, error) {
	res, err := t.term.Reprint(ctx, ref)
	if err != nil {
		return failure(err), nil
	}
	return terminal.Response{Outcome: terminal.OK, Ref: res.Ref, RRN: res.RRN, Receipt: receipt(res.Receipt)}, nil
}

func (t *Terminal) Settle(ctx context.Context) (terminal.Response, error) {
	if _, err := t.term.Settle(ctx); err != nil {
		return failure(err), nil
	}
	return terminal.Response{Outcome: terminal.OK}, nil
}

func (t *Terminal) Lookup(ctx context.Context, ref string) (terminal.Response, error) {
	list, err := t.term.Lookup(ctx, posclient.Query{Ref: ref})
	if err != nil {
		return failure(err), nil
	}
	if len(list) == 0 {
		return terminal.Response{Outcome: terminal.Refused, Reason: terminal.ReasonNotFound, Error: "no transaction has ref " + ref}, nil
	}
	r := list[len(list)-1]
	return terminal.Response{Outcome: terminal.OK, Ref: r.Ref, RRN: r.RRN, State: state(r.State), Amount: r.Amount, Receipt: receipt(r.Receipt)}, nil
}

func (t *Terminal) Recover(ctx context.Context) (terminal.Response, error) {
	rep, err := t.term.Recover(ctx)
	res := terminal.Response{Outcome: terminal.OK, Reversed: rep.Reversed}
	res.Open = append(append(append(res.Open, rep.Unresolved...), rep.Owed...), rep.Pending...)
	if err != nil || len(res.Open) > 0 {
		res.Outcome, res.Reason = terminal.InDoubt, "work_left_open"
		res.Error = "recover: work left open (unresolved, owed or pending)"
		if err != nil {
			res.Error = "recover: " + err.Error()
		}
	}
	return res, nil
}

// Restart closes everything and opens it again from the journal, as after
// a power cycle (without the crash: the harness crashes a process with
// SIGKILL).
func (t *Terminal) Restart(ctx context.Context) (terminal.Response, error) {
	if err := t.Close(); err != nil {
		return terminal.Response{}, err
	}
	if err := t.open(ctx); err != nil {
		return terminal.Response{}, err
	}
	return terminal.Response{Outcome: terminal.OK}, nil
}

// outcome maps a posclient transaction result to the contract.
func outcome(res posclient.Result, err error) (terminal.Response, error) {
	r := terminal.Response{Ref: res.Ref, RRN: res.RRN, Receipt: receipt(res.Receipt)}
	var doubt *posclient.InDoubtError
	var storage *posclient.StorageError
	switch {
	case errors.As(err, &storage) && storage.MaybeCharged(), errors.As(err, &doubt),
		err != nil && res.Ref != "" && res.State.Doubtful():
		r.Outcome, r.Reason, r.Error = terminal.InDoubt, "in_doubt", err.Error()
	case err != nil:
		f := failure(err)
		f.Ref, f.RRN = res.Ref, res.RRN
		return f, nil
	case res.State == posclient.StateDeclined:
		r.Outcome = terminal.Declined
		r.Reason, r.Error = "declined", "declined by the host (response code "+res.ResponseCode+")"
	default:
		r.Outcome = terminal.Approved
	}
	return r, nil
}

// failure is the answer to an error with nothing charged: refused when the
// terminal said no before any host traffic, error otherwise.
func failure(err error) terminal.Response {
	r := terminal.Response{Outcome: terminal.Error, Reason: "error", Error: err.Error()}
	for _, c := range []struct {
		err    error
		reason string
	}{
		{posclient.ErrNotFound, terminal.ReasonNotFound},
		{posclient.ErrOtherCard, "other_card"},
		{posclient.ErrNotRefundable, "not_refundable"},
		{posclient.ErrExceedsRefundable, "exceeds_refundable"},
		{posclient.ErrInvalidInput, "invalid_input"},
		{posclient.ErrPrinterNotReady, "printer_not_ready"},
		{posclient.ErrNoPrinter, "no_printer"},
		{posclient.ErrUnsupported, terminal.ReasonUnsupported},
	} {
		if errors.Is(err, c.err) {
			r.Outcome, r.Reason = terminal.Refused, c.reason
			return r
		}
	}
	switch {
	case errors.Is(err, posclient.ErrHost), errors.Is(err, posclient.ErrTimeout):
		r.Reason = "host"
	case errors.Is(err, posclient.ErrStorage):
		r.Reason = "storage"
	}
	return r
}

func receipt(s posclient.ReceiptState) terminal.Receipt {
	switch s {
	case posclient.ReceiptPrinted:
		return terminal.ReceiptPrinted
	case posclient.ReceiptOwed, posclient.ReceiptPrinting:
		return terminal.ReceiptOwed
	case posclient.ReceiptElectronic:
		return terminal.ReceiptEReceipt
	}
	return terminal.ReceiptNone
}

func state(s posclient.State) string {
	switch {
	case s == posclient.StateApproved:
		return terminal.StateApproved
	case s == posclient.StateDeclined:
		return terminal.StateDeclined
	case s == posclient.StateReversed:
		return terminal.StateReversed
	case s == posclient.StateFailed:
		return terminal.StateFailed
	}
	return terminal.StateInDoubt
}
