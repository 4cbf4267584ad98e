package posclienttest

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/escpostest"
	"github.com/poshil/hil/emulator/escpos/render"
	"github.com/poshil/hil/internal/pty"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
	"github.com/poshil/hil/pkg/posclient/printer"
	"github.com/poshil/hil/pkg/posclient/receipt"
)

// Test cards of the fake acquirer.
const (
	CardApprove = acquirer.CardApprove // approves
	CardDecline = acquirer.CardDecline // 05
	CardOther   = "4000056655665556"   // a second Luhn-valid card, approves
)

// Key is a card-token key for tests (never use it in production).
var Key = []byte("posclienttest card key 0123456789")

// TerminalID is the terminal id New uses unless told otherwise.
const TerminalID = "TEST0001"

// Options tune New. The zero value gives a terminal with a ready printer.
type Options struct {
	// Config is the base terminal config; TerminalID, CardKey, Journal,
	// Dial, Printer and Logger are filled in when zero.
	Config posclient.Config
	// NoPrinter leaves the terminal without a printer.
	NoPrinter bool
	// Acquirer are the fake acquirer's options.
	Acquirer acquirer.Options
	// Printer are the printer emulator's options.
	Printer escpos.Options
	// PrinterOptions are the printer transport's options (timeouts).
	PrinterOptions printer.Options
	// PrinterEndpoint is how the terminal reaches the emulator: "" (an
	// in-memory pipe), "tcp" (the emulator served on loopback TCP, opened
	// as tcp://…) or "pty" (served on a virtual serial port, opened as
	// serial://…; the test is skipped where ptys do not exist).
	PrinterEndpoint string
}

// Env is a terminal and the emulators it talks to.
type Env struct {
	Terminal *posclient.Terminal
	Journal  *journal.Memory
	Acquirer *acquirer.Server
	Printer  *escpos.Printer  // the emulator: fault verbs and printed receipts
	Device   *printer.Printer // the transport the terminal prints through
	Config   posclient.Config // as passed to posclient.New
}

// New starts the emulators and a terminal on them.
func New(tb testing.TB, opts Options) *Env {
	tb.Helper()
	env := &Env{Journal: journal.NewMemory()}
	env.Acquirer = acquirertest.NewServer(tb, opts.Acquirer)
	cfg := opts.Config
	if cfg.TerminalID == "" {
		cfg.TerminalID = TerminalID
	}
	if cfg.CardKey == nil {
		cfg.CardKey = Key
	}
	if cfg.Journal == nil {
		cfg.Journal = env.Journal
	}
	if cfg.Logger == nil {
		cfg.Logger = acquirertest.TestLogger(tb)
	}
	if cfg.Dial == nil {
		addr := env.Acquirer.Addr()
		cfg.Dial = func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		}
	}
	if !opts.NoPrinter && cfg.Printer == nil {
		switch opts.PrinterEndpoint {
		case "":
			env.Device, env.Printer = EmulatedPrinter(tb, opts.Printer, &opts.PrinterOptions)
		case "tcp", "pty":
			env.Device, env.Printer = ServedPrinter(tb, opts.PrinterEndpoint, opts.Printer, &opts.PrinterOptions)
		default:
			tb.Fatalf("posclienttest: unknown PrinterEndpoint %q", opts.PrinterEndpoint)
		}
		cfg.Printer = env.Device
	}
	t, err := posclient.New(cfg)
	if err != nil {
		tb.Fatalf("posclienttest: %v", err)
	}
	tb.Cleanup(func() { t.Close() })
	env.Terminal, env.Config = t, cfg
	return env
}

// EmulatedPrinter starts an escpos emulator and returns the printer
// transport connected to it through an in-memory pipe, and the emulator.
// Both are closed when the test ends.
func EmulatedPrinter(tb testing.TB, eo escpos.Options, po *printer.Options) (*printer.Printer, *escpos.Printer) {
	tb.Helper()
	emu, err := escpos.NewPrinter(eo)
	if err != nil {
		tb.Fatalf("posclienttest: printer emulator: %v", err)
	}
	host, dev := net.Pipe()
	emu.SetOutput(dev)
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 4096)
		for {
			n, err := dev.Read(buf)
			if n > 0 {
				emu.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	})
	opts := printer.Options{Name: "emulator", ReplyTimeout: time.Second, ConfirmTimeout: 5 * time.Second}
	if po != nil {
		if po.ReplyTimeout != 0 {
			opts.ReplyTimeout = po.ReplyTimeout
		}
		if po.ConfirmTimeout != 0 {
			opts.ConfirmTimeout = po.ConfirmTimeout
		}
		opts.PollInterval, opts.Logger = po.PollInterval, po.Logger
	}
	p := printer.New(host, &opts)
	tb.Cleanup(func() {
		p.Close()
		host.Close()
		emu.SetOutput(nil)
		dev.Close()
		wg.Wait()
		emu.Close()
	})
	return p, emu
}

// ServedPrinter serves an emulator on endpoint ("tcp" or "pty", as
// escpostest does) and opens it with the real transport by URL, as a bench
// printer would be. The test is skipped for "pty" where ptys do not exist.
func ServedPrinter(tb testing.TB, endpoint string, eo escpos.Options, po *printer.Options) (*printer.Printer, *escpos.Printer) {
	tb.Helper()
	var url string
	switch endpoint {
	case "tcp":
		tp := escpostest.NewPrinterServer(tb, eo, escpos.ServerOptions{TCP: true})
		url = tp.URL
		return openServed(tb, url, po), tp.Printer
	case "pty":
		if !pty.Supported {
			tb.Skip("posclienttest: no ptys on this system")
		}
		tp := escpostest.NewPrinterServer(tb, eo, escpos.ServerOptions{PTY: true})
		url = "serial://" + tp.PTY + "?baud=115200"
		return openServed(tb, url, po), tp.Printer
	}
	tb.Fatalf("posclienttest: unknown printer endpoint %q", endpoint)
	return nil, nil
}

func openServed(tb testing.TB, url string, po *printer.Options) *printer.Printer {
	tb.Helper()
	var opts printer.Options
	if po != nil {
		opts = *po
	}
	p, err := printer.Open(context.Background(), url, &opts)
	if err != nil {
		tb.Fatalf("posclienttest: open %s: %v", url, err)
	}
	tb.Cleanup(func() { p.Close() })
	return p
}

// AssertNoPAN fails the test if any of pans appears in full in j's rows
// (every transaction and every event row, as JSON) or in texts.
func AssertNoPAN(tb testing.TB, j posclient.Journal, texts []string, pans ...string) {
	tb.Helper()
	ctx := context.Background()
	txns, err := j.Find(ctx, posclient.Query{})
	if err != nil {
		tb.Fatalf("posclienttest: scanning journal: %v", err)
	}
	var all strings.Builder
	for _, tx := range txns {
		h, err := j.History(ctx, tx.Ref)
		if err != nil {
			tb.Fatalf("posclienttest: history %s: %v", tx.Ref, err)
		}
		b, _ := json.Marshal(struct {
			T posclient.Txn
			H []posclient.Entry
		}{tx, h})
		all.Write(b)
	}
	for _, s := range texts {
		all.WriteString(s)
	}
	for _, pan := range pans {
		if strings.Contains(all.String(), pan) {
			tb.Errorf("posclienttest: full card number %s…%s found", pan[:2], pan[len(pan)-2:])
		}
	}
	if journal.HasPAN(all.String()) {
		tb.Errorf("posclienttest: a Luhn-valid card number was found in the journal or texts")
	}
}

// Receipts returns the text of every receipt the emulator printed so far.
func (e *Env) Receipts() []string {
	if e.Printer == nil {
		return nil
	}
	var out []string
	for _, r := range e.Printer.Receipts() {
		out = append(out, string(render.Text(r)))
	}
	return out
}

// Pipe returns a dial function that hands out the terminal side of a
// net.Pipe and serves the other side with srv (srv.ServeConn), for tests
// that run under testing/synctest, where real sockets cannot be used.
func Pipe(srv interface{ ServeConn(net.Conn) error }) func(context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		a, b := net.Pipe()
		if err := srv.ServeConn(b); err != nil {
			a.Close()
			b.Close()
			return nil, err
		}
		return a, nil
	}
}

// The printer package's devices and sink fit the terminal's interfaces.
var (
	_ posclient.Printer     = (*printer.Printer)(nil)
	_ posclient.Printer     = (*printer.Group)(nil)
	_ posclient.ReceiptSink = (*printer.FileSink)(nil)
	_ posclient.Journal     = (*journal.Memory)(nil)
)

// InterruptedMark is the text that marks a receipt printed again after an
// interrupted print (receipt.Receipt.Interrupted).
const InterruptedMark = receipt.InterruptedMark

// CountReceipts counts the receipts (as text) that contain key, such as a
// transaction's RRN: unmarked originals, those marked as printed again
// after an interrupted print, and duplicates ("DUPLICATE #n").
func CountReceipts(receipts []string, key string) (originals, interrupted, duplicates int) {
	for _, r := range receipts {
		switch {
		case key == "" || !strings.Contains(r, key):
		case strings.Contains(r, "DUPLICATE"):
			duplicates++
		case strings.Contains(r, InterruptedMark):
			interrupted++
		default:
			originals++
		}
	}
	return originals, interrupted, duplicates
}
