package printer

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. The typed errors below wrap them; match with errors.Is.
var (
	// ErrNotConfirmed: the printer did not confirm that a job was printed.
	// Every *PrintError matches it, whatever its more specific reason, so
	// that a caller can mark the receipt owed on this one test.
	ErrNotConfirmed = errors.New("printer: print not confirmed")

	// Reasons a printer is not ready, from its real-time status.
	ErrPaperOut        = errors.New("printer: paper out")
	ErrCoverOpen       = errors.New("printer: cover open")
	ErrCutter          = errors.New("printer: autocutter error")
	ErrUnrecoverable   = errors.New("printer: unrecoverable error")
	ErrAutoRecoverable = errors.New("printer: auto-recoverable error (head overheat)")
	ErrMechanical      = errors.New("printer: recoverable mechanical error")
	ErrPrinterError    = errors.New("printer: error state")
	ErrOffline         = errors.New("printer: offline")

	// ErrNoReply: the printer did not answer a status request in time.
	ErrNoReply = errors.New("printer: no reply")
	// ErrBadReply: the printer answered with a byte that is not a status
	// byte (fixed bits wrong).
	ErrBadReply = errors.New("printer: malformed reply")
	// ErrStatusUnsupported: the transport cannot read from the printer
	// (a write-only file or a unidirectional USB printer), so neither status
	// nor print confirmation is available.
	ErrStatusUnsupported = errors.New("printer: status read not supported by this transport")
	// ErrClosed: the printer was closed, or the connection to it ended.
	ErrClosed = errors.New("printer: closed")
	// ErrBadURL: the printer URL cannot be used.
	ErrBadURL = errors.New("printer: bad printer URL")
	// ErrBusy: a serial port is held open by another process.
	ErrBusy = errors.New("printer: port busy")
	// ErrNoPrinter: a failover group was built without printers.
	ErrNoPrinter = errors.New("printer: no printer")
)

// prefix starts an error message: "printer: " and the printer's name.
func prefix(name string) string {
	if name == "" {
		return "printer: "
	}
	return "printer: " + name + ": "
}

// URLError reports a printer URL that cannot be used.
type URLError struct {
	URL    string
	Reason string
}

func (e *URLError) Error() string { return fmt.Sprintf("printer: bad URL %q: %s", e.URL, e.Reason) }

// Unwrap returns ErrBadURL.
func (e *URLError) Unwrap() error { return ErrBadURL }

// TransportError is a failure to open, read or write the connection to a
// printer. It wraps the cause; for serial ports the cause is a *SerialError,
// which (unlike go.bug.st/serial's PortError) unwraps to fs.ErrNotExist,
// fs.ErrPermission, ErrBusy or ErrClosed where that applies.
type TransportError struct {
	Printer string // URL or name
	Op      string // "open", "read", "write"
	Err     error
}

func (e *TransportError) Error() string {
	return prefix(e.Printer) + e.Op + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *TransportError) Unwrap() error { return e.Err }

// ReplyError is a status request that got no answer or a wrong one.
type ReplyError struct {
	Printer string
	Request string // e.g. "DLE EOT 2"
	Got     []byte // the bytes that were wrong; nil when nothing came
	Err     error  // ErrNoReply or ErrBadReply
}

func (e *ReplyError) Error() string {
	s := prefix(e.Printer) + e.Request + ": "
	if errors.Is(e.Err, ErrNoReply) {
		return s + "no reply"
	}
	return s + fmt.Sprintf("unexpected reply % X", e.Got)
}

// Unwrap returns ErrNoReply or ErrBadReply.
func (e *ReplyError) Unwrap() error { return e.Err }

// StatusError is returned by Ready when the printer's status says it cannot
// print now. Err is one of ErrPaperOut, ErrCoverOpen, ErrCutter,
// ErrUnrecoverable, ErrAutoRecoverable, ErrMechanical, ErrPrinterError or
// ErrOffline.
type StatusError struct {
	Printer string
	Status  Status
	Err     error
}

func (e *StatusError) Error() string {
	return prefix(e.Printer) + "not ready: " + strings.TrimPrefix(e.Err.Error(), "printer: ")
}

// Unwrap returns the reason.
func (e *StatusError) Unwrap() error { return e.Err }

// PrintError is a job the printer did not confirm. The receipt must be
// treated as not printed (owed). It matches ErrNotConfirmed, and its Reason
// (ErrPaperOut, ErrCoverOpen, …, or ErrNotConfirmed when no status says
// why), and Err when a transport failure or timeout is behind it.
type PrintError struct {
	Printer string
	Reason  error   // why, as a sentinel
	Status  *Status // the status read when the job failed, if one was read
	Err     error   // underlying cause (transport, no reply, context), may be nil
	// MaybePrinted is set when the job (or part of it) reached the
	// printer: its answer may have been lost, or the fault the status shows
	// may have struck after the cut, so the receipt may be in the
	// customer's hand. It is false only when nothing was sent.
	MaybePrinted bool
}

func (e *PrintError) Error() string {
	s := prefix(e.Printer) + "print not confirmed"
	if e.Reason != nil && !errors.Is(e.Reason, ErrNotConfirmed) {
		s += ": " + strings.TrimPrefix(e.Reason.Error(), "printer: ")
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is reports true for ErrNotConfirmed.
func (e *PrintError) Is(target error) bool { return target == ErrNotConfirmed }

// PrinterStopped reports whether the status showed a fault while the
// printer had the job (e.Status is set).
func (e *PrintError) PrinterStopped() bool { return e.Status != nil }

// MayHavePrinted reports e.MaybePrinted: the job may have printed although it
// was not confirmed. posclient looks for this method on print errors.
func (e *PrintError) MayHavePrinted() bool { return e.MaybePrinted }

// Unwrap returns the reason and the cause.
func (e *PrintError) Unwrap() []error {
	var errs []error
	if e.Reason != nil {
		errs = append(errs, e.Reason)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// FailoverError is what a Failover group returns when no printer printed
// the job: one error per printer tried, in order.
type FailoverError struct {
	Errs []error
}

func (e *FailoverError) Error() string {
	parts := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		parts[i] = err.Error()
	}
	return "printer: no printer of the failover group printed the job: " + strings.Join(parts, "; ")
}

// Is reports true for ErrNotConfirmed: the job was not printed.
func (e *FailoverError) Is(target error) bool { return target == ErrNotConfirmed }

// Unwrap returns the per-printer errors.
func (e *FailoverError) Unwrap() []error { return e.Errs }

// MayHavePrinted reports whether one of the printers may have printed the
// job although it did not confirm it (see PrintError.MaybePrinted).
func (e *FailoverError) MayHavePrinted() bool {
	for _, err := range e.Errs {
		if mayHavePrinted(err) {
			return true
		}
	}
	return false
}

// mayHavePrinted reports whether err says the job may have printed.
func mayHavePrinted(err error) bool {
	var m interface{ MayHavePrinted() bool }
	return errors.As(err, &m) && m.MayHavePrinted()
}
