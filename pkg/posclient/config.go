package posclient

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient/receipt"
)

// Crash hook points, in the order a sale passes them. Config.CrashHook is
// called with one of these names; a test or `hil pos` may kill the process
// there to check that Recover finishes the job.
const (
	// CrashAfterJournalWrite: the transaction and its reversal intent are
	// durable; nothing has been sent.
	CrashAfterJournalWrite = "after-journal-write"
	// CrashAfterSend: the request was written to the host; the journal does
	// not say so yet.
	CrashAfterSend = "after-send"
	// CrashAfterResponse: the answer was read; the journal does not hold it
	// yet.
	CrashAfterResponse = "after-response"
	// CrashAfterApproval: the approval is durable; the receipt is not
	// printed.
	CrashAfterApproval = "after-approval"
	// CrashMidPrint: the receipt is journaled as printing and its job is
	// about to go to the printer; no confirmation is journaled.
	CrashMidPrint = "mid-print"
)

// CrashAfterPrint: the printer has confirmed (or failed) the receipt and
// the journal does not know yet: the crash between the cut and the
// journal write.
const CrashAfterPrint = "after-print"

// CrashAfterPersist is called after every journal row is durable, so that
// a crash can be staged at each boundary between journaling and the next
// step (with a fault plan's nth=N: after the N-th row).
const CrashAfterPersist = "after-persist"

// CrashPoints lists the crash hook names in order.
var CrashPoints = []string{CrashAfterJournalWrite, CrashAfterSend, CrashAfterResponse, CrashAfterApproval, CrashMidPrint, CrashAfterPrint, CrashAfterPersist}

// NotReadyPolicy says what a sale does when the printer is not ready
// before the card is charged.
type NotReadyPolicy string

// Printer-not-ready policies.
const (
	// RefuseWhenNotReady refuses the sale with ErrPrinterNotReady before
	// anything is sent (the default).
	RefuseWhenNotReady NotReadyPolicy = "refuse"
	// EReceiptWhenNotReady goes on and delivers the receipt to
	// Config.EReceipt (or owes it when there is no sink).
	EReceiptWhenNotReady NotReadyPolicy = "e-receipt"
)

// PrinterState is the printer's readiness as the terminal sees it.
type PrinterState struct {
	Ready  bool   `json:"ready"`
	Reason string `json:"reason,omitempty"` // why not ready: "paper out", "cover open", "offline", …
}

// Printer is what the terminal needs of a receipt printer. *printer.Printer
// and *printer.Group (package pkg/posclient/printer) satisfy it, over
// serial, TCP or file transports; so does the printer emulator through
// them.
type Printer interface {
	// Ready reads the printer's real-time status and returns nil if it can
	// print now, or an error saying why not (paper out, cover open, …).
	Ready(ctx context.Context) error
	// Print sends one ESC/POS job. It returns nil only when the printer
	// confirmed the job was printed; any other outcome is an error and the
	// receipt stays owed.
	Print(ctx context.Context, job []byte) error
}

// ReceiptSink delivers e-receipts (SMS, e-mail, a file, a QR landing
// page). Deliver returns nil only once the receipt is stored or handed on.
// *printer.FileSink satisfies it.
type ReceiptSink interface {
	Deliver(ctx context.Context, r *receipt.Receipt) error
}

// Config configures a Terminal. Zero fields take the default named in
// their comment; New rejects a config whose required fields are missing.
type Config struct {
	// TerminalID is DE41, 8 characters. Required.
	TerminalID string
	// MerchantID is DE42, up to 15 characters. Default "POSHIL000000001".
	MerchantID string
	// MerchantName heads the receipt. Default "POSHIL TEST MERCHANT".
	MerchantName string
	// MerchantHeader are lines printed under the merchant name (address,
	// phone, tax id). Optional.
	MerchantHeader []string
	// Currency is the ISO 4217 alphabetic code of every amount. Default "CNY".
	Currency string
	// CardKey is the terminal's secret for card tokens (HMAC-SHA256), at
	// least 16 bytes. Required: it is what lets a refund check "same card"
	// without a card number on disk.
	CardKey []byte
	// Journal records everything before it happens. Required.
	Journal Journal
	// Dial opens a connection to the host. Required for online operations;
	// with nil, they fail with an error wrapping ErrHost.
	Dial func(ctx context.Context) (net.Conn, error)
	// ResponseTimeout bounds the wait for each answer from the host, from
	// the moment the request is written. Default 30s.
	ResponseTimeout time.Duration
	// Printer prints receipts. Nil: every receipt is delivered to EReceipt
	// or owed.
	Printer Printer
	// EReceipt takes receipts that cannot be printed. Optional.
	EReceipt ReceiptSink
	// NotReady is the policy when the printer is not ready before a sale.
	// Default RefuseWhenNotReady.
	NotReady NotReadyPolicy
	// Policy tunes reversal retries and the after-approval printer policy
	// (default: the sale stands and the receipt is owed).
	Policy Policy
	// Language of the receipt labels. Default receipt.English.
	Language receipt.Language
	// ReceiptOptions control the ESC/POS encoding (width, cut).
	ReceiptOptions receipt.Options
	// Copies are the receipt copies printed, in this order and in one
	// print job (each copy cut), for every sale, refund and void. Default
	// the customer copy only. A reprint prints the customer copy, or the
	// first copy when the customer copy is not among them; an e-receipt is
	// the customer copy.
	Copies []receipt.Copy
	// EReceiptURL, when set, is a template of the URL printed as a QR code
	// on every receipt, for the customer to fetch an electronic receipt:
	// {ref}, {rrn}, {terminal} and {merchant} are replaced by the
	// transaction's values, e.g. "https://receipts.example/{merchant}/{ref}".
	// Printable ASCII; the expanded URL at most 2000 bytes.
	EReceiptURL string
	// DeclineReceipt prints a decline slip (the customer copy, marked
	// DECLINED with the host's response code) when the host declines a
	// transaction. Best effort: the slip is not journaled and a failure
	// to print it is logged, not owed — a decline moves no money.
	DeclineReceipt bool
	// Now is the clock for journal and message times. Default time.Now.
	// Waits (response timeout, reversal backoff) use the time package's
	// timers, which testing/synctest fakes.
	Now func() time.Time
	// CrashHook, if set, is called at each of CrashPoints.
	CrashHook func(step string)
	// Logger receives the terminal's logs. Nil discards them. Card numbers
	// are never logged.
	Logger *slog.Logger
	// Profile is the host's dialect (hostproto.ISO87, hostproto.CUP).
	// Default hostproto.ISO87. On a profile with a MAC the terminal keeps
	// the working keys of each sign-on, MACs its requests and verifies
	// every answer; an answer whose MAC fails leaves the transaction in
	// doubt and it is reversed with reason A0.
	Profile hostproto.Profile
}

// DefaultConfig returns a Config with every default filled in and no
// required field set.
func DefaultConfig() Config {
	var c Config
	c.setDefaults()
	return c
}

func (c *Config) setDefaults() {
	if c.MerchantID == "" {
		c.MerchantID = "POSHIL000000001"
	}
	if c.MerchantName == "" {
		c.MerchantName = "POSHIL TEST MERCHANT"
	}
	if c.Currency == "" {
		c.Currency = "CNY"
	}
	if c.ResponseTimeout <= 0 {
		c.ResponseTimeout = 30 * time.Second
	}
	if c.NotReady == "" {
		c.NotReady = RefuseWhenNotReady
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Policy = c.Policy.withDefaults()
	if c.Profile == nil {
		c.Profile = hostproto.ISO87
	}
}

func (c *Config) validate() error {
	switch {
	case len(c.TerminalID) != 8:
		return &ConfigError{Field: "TerminalID", Reason: "must be 8 characters (DE41)"}
	case len(c.MerchantID) > 15:
		return &ConfigError{Field: "MerchantID", Reason: "at most 15 characters (DE42)"}
	case len(c.CardKey) < 16:
		return &ConfigError{Field: "CardKey", Reason: "at least 16 bytes are needed"}
	case c.Journal == nil:
		return &ConfigError{Field: "Journal", Reason: "required"}
	case len(c.Currency) != 3:
		return &ConfigError{Field: "Currency", Reason: "ISO 4217 alphabetic code of 3 letters"}
	case c.NotReady != RefuseWhenNotReady && c.NotReady != EReceiptWhenNotReady:
		return &ConfigError{Field: "NotReady", Reason: "unknown policy " + string(c.NotReady)}
	}
	if _, ok := currencyNumeric[c.Currency]; !ok {
		return &ConfigError{Field: "Currency", Reason: "unsupported currency " + c.Currency}
	}
	seen := map[receipt.Copy]bool{}
	for _, cp := range c.Copies {
		if cp > receipt.MerchantCopy || seen[cp] {
			return &ConfigError{Field: "Copies", Reason: "each of customer and merchant at most once"}
		}
		seen[cp] = true
	}
	if err := checkURLTemplate(c.EReceiptURL); err != nil {
		return &ConfigError{Field: "EReceiptURL", Reason: err.Error()}
	}
	return nil
}

// urlFields are the placeholders of Config.EReceiptURL.
var urlFields = []string{"{ref}", "{rrn}", "{terminal}", "{merchant}"}

func checkURLTemplate(t string) error {
	for i := 0; i < len(t); i++ {
		if c := t[i]; c <= ' ' || c >= 0x7F {
			return fmt.Errorf("byte %d (0x%02X) is not printable ASCII", i+1, c)
		}
	}
	rest := t
	for _, f := range urlFields {
		rest = strings.ReplaceAll(rest, f, "")
	}
	if strings.ContainsAny(rest, "{}") {
		return fmt.Errorf("%q: unknown placeholder; want %s", t, strings.Join(urlFields, ", "))
	}
	return nil
}

// currencyNumeric maps the supported ISO 4217 codes to DE49.
var currencyNumeric = map[string]string{
	"CNY": "156", "USD": "840", "EUR": "978", "HKD": "344", "JPY": "392", "GBP": "826", "SGD": "702",
}
