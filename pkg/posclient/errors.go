package posclient

import (
	"fmt"
)

// Sentinel errors. Match them with [errors.Is]; the typed errors below wrap
// them and carry the details.
var (
	// ErrInvalidEvent: the state machine was given an event that does not
	// apply to the transaction's current state. Wrapped by *TransitionError.
	ErrInvalidEvent = newError("event not valid in this state")
	// ErrCorruptJournal: the journal exists but cannot be read or does not
	// make sense. A journal implementation must return an error wrapping it
	// and must never silently start a fresh journal instead.
	ErrCorruptJournal = newError("corrupt journal")
	// ErrNotFound: no transaction with that reference in the journal.
	ErrNotFound = newError("transaction not found")
	// ErrTimeout: the host did not answer within Config.ResponseTimeout.
	ErrTimeout = newError("acquirer timeout")
	// ErrOtherCard: a refund was asked for with a card other than the
	// original sale's. Nothing was sent to the host.
	ErrOtherCard = newError("card is not the original card")
	// ErrNotRefundable: the original cannot be refunded or voided (not an
	// approved sale, already voided, …). Nothing was sent.
	ErrNotRefundable = newError("original cannot be refunded")
	// ErrExceedsRefundable: the refund amount is more than what is left of
	// the original. Nothing was sent.
	ErrExceedsRefundable = newError("amount exceeds what is refundable")
	// ErrPrinterNotReady: the status check before a sale found the printer
	// not ready and the policy is to refuse. Nothing was sent.
	ErrPrinterNotReady = newError("printer not ready")
	// ErrNoPrinter: the operation needs a printer and none is configured.
	ErrNoPrinter = newError("no printer configured")
	// ErrReversalPending: reversals could not be delivered, so no new online
	// transaction (or settlement) may start.
	ErrReversalPending = newError("reversal still pending")
	// ErrHost: transport or protocol failure talking to the host.
	ErrHost = newError("host failure")
	// ErrClosed: the terminal was closed.
	ErrClosed = newError("terminal closed")
	// ErrInvalidConfig: Config.validate found a bad field. Wrapped by
	// *ConfigError.
	ErrInvalidConfig = newError("invalid config")
	// ErrInvalidInput: a bad argument (amount, card number, reference).
	ErrInvalidInput = newError("invalid input")
)

// posError is a sentinel error: "posclient: " and its message.
type posError struct{ msg string }

func newError(msg string) error { return &posError{msg} }

func (e *posError) Error() string { return "posclient: " + e.msg }
func (e *posError) bare() string  { return e.msg }

// bare returns err's message without the "posclient: " prefix when err is
// one of this package's errors, so that an error wrapping another names
// the package once: "posclient: host receive 0210: acquirer timeout".
func bare(err error) string {
	if b, ok := err.(interface{ bare() string }); ok {
		return b.bare()
	}
	return err.Error()
}

// TransitionError reports an event that the state machine refused.
type TransitionError struct {
	Ref   string
	State State
	Event EventType
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("posclient: %s: event %s not valid in state %s", e.Ref, e.Event, e.State)
}

// Unwrap returns ErrInvalidEvent.
func (e *TransitionError) Unwrap() error { return ErrInvalidEvent }

// CorruptJournalError is what a journal returns when its storage cannot be
// trusted. It matches ErrCorruptJournal and wraps the underlying cause.
type CorruptJournalError struct {
	Where  string // file path or "memory"
	Detail string // what was wrong, in words
	Err    error  // underlying cause, may be nil
}

func (e *CorruptJournalError) Error() string {
	s := "posclient: corrupt journal " + e.Where + ": " + e.Detail
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is reports whether target is ErrCorruptJournal.
func (e *CorruptJournalError) Is(target error) bool { return target == ErrCorruptJournal }

// Unwrap returns the underlying cause.
func (e *CorruptJournalError) Unwrap() error { return e.Err }

// ConfigError names the Config field that is wrong.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string {
	return "posclient: invalid config: " + e.Field + ": " + e.Reason
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// InputError names the argument that is wrong.
type InputError struct {
	Arg    string
	Reason string
}

func (e *InputError) Error() string { return "posclient: invalid " + e.Arg + ": " + e.Reason }

// Unwrap returns ErrInvalidInput.
func (e *InputError) Unwrap() error { return ErrInvalidInput }

// HostError is a transport or protocol failure while talking to the host:
// dial, write, read, a malformed or unexpected answer.
type HostError struct {
	Op  string // "dial", "send", "receive", "sign-on", …
	MTI string // message being exchanged, if any
	Err error
}

func (e *HostError) Error() string { return "posclient: " + e.bare() }

func (e *HostError) bare() string {
	s := "host " + e.Op
	if e.MTI != "" {
		s += " " + e.MTI
	}
	if e.Err != nil {
		s += ": " + bare(e.Err)
	}
	return s
}

// Is reports whether target is ErrHost.
func (e *HostError) Is(target error) bool { return target == ErrHost }

// Unwrap returns the cause.
func (e *HostError) Unwrap() error { return e.Err }

// ErrJournalInUse: another process (or another Terminal in this process)
// owns the journal and drives its transactions. Wrapped by
// *JournalInUseError, which names the holder.
var ErrJournalInUse = newError("journal in use")

// JournalInUseError says who owns a journal that a second writer asked for.
type JournalInUseError struct {
	Where  string // the journal's path, or "memory"
	Holder string // who holds it: pid, command and since when, as the holder wrote it; empty: unknown
}

func (e *JournalInUseError) Error() string {
	h := e.Holder
	if h == "" {
		h = "another process"
	}
	return "posclient: journal " + e.Where + " is in use by " + h +
		"; wait for it to finish (hil pos --wait DURATION), or use a read-only command (lookup, journal)"
}

// Unwrap returns ErrJournalInUse.
func (e *JournalInUseError) Unwrap() error { return ErrJournalInUse }

// ErrReadOnly: a write to a journal opened read-only.
var ErrReadOnly = newError("journal opened read-only")

// ErrStorage: the journal could not record a state change (disk full, I/O
// error). Wrapped by *StorageError.
var ErrStorage = newError("journal write failed")

// StorageError is a journal write that failed. State is what the journal
// could not record; the journal still holds the row before it, from which
// the next Recover finishes the transaction (a sale recorded only as sent
// is reversed; a receipt recorded as printing is printed again, marked as
// interrupted). MaybeCharged says whether the host may hold the charge.
type StorageError struct {
	Ref     string
	State   State        // the state that was not recorded
	Receipt ReceiptState // the receipt state that was not recorded
	Err     error
}

func (e *StorageError) Error() string {
	var s string
	switch e.State {
	case StateJournaled:
		s = "posclient: " + e.Ref + " not sent: the journal could not record it"
	case StateApproved:
		s = "posclient: " + e.Ref + " approved at the host; the journal could not record it"
		if e.Receipt == ReceiptPrinted {
			s = "posclient: " + e.Ref + " approved at the host and its receipt printed; the journal could not record it"
		}
	default:
		s = "posclient: " + e.Ref + " " + string(e.State) + "; the journal could not record it"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if e.MaybeCharged() {
		s += " (run recover once the journal can be written: it settles the transaction)"
	}
	return s
}

// MaybeCharged reports whether the host may hold a charge for the
// transaction: the request may have been sent.
func (e *StorageError) MaybeCharged() bool {
	switch e.State {
	case StateCreated, StateJournaled, StateFailed, StateDeclined:
		return false
	}
	return true
}

// Is reports whether target is ErrStorage.
func (e *StorageError) Is(target error) bool { return target == ErrStorage }

// Unwrap returns the journal's error.
func (e *StorageError) Unwrap() error { return e.Err }

// wrapError is "posclient: " + context + ": " + the cause, naming the
// package once.
type wrapError struct {
	context string
	err     error
}

func (e *wrapError) Error() string { return "posclient: " + e.bare() }
func (e *wrapError) bare() string  { return e.context + ": " + bare(e.err) }
func (e *wrapError) Unwrap() error { return e.err }
