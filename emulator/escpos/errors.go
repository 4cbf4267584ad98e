package escpos

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrUnknownProfile is wrapped by the error of LookupProfile and
	// NewPrinter for a profile name that is not embedded.
	ErrUnknownProfile = errors.New("escpos: unknown printer profile")
	// ErrClosed is returned by the methods of a closed Printer.
	ErrClosed = errors.New("escpos: printer closed")
	// ErrOffline is wrapped by *OfflineError, returned by WaitIdle when
	// processing has stopped because the printer is offline with data
	// still waiting in the receive buffer.
	ErrOffline = errors.New("escpos: printer offline")
)

// ProfileError reports an unknown profile name.
type ProfileError struct {
	Name  string
	Known []string
}

func (e *ProfileError) Error() string {
	return fmt.Sprintf("escpos: unknown printer profile %q (known: %s)", e.Name, strings.Join(e.Known, ", "))
}

func (e *ProfileError) Unwrap() error { return ErrUnknownProfile }

// OfflineError reports that the printer cannot process the data it holds
// until it recovers.
type OfflineError struct {
	Causes   []string // as in Status.OfflineCauses
	Buffered int      // bytes waiting in the receive buffer
}

func (e *OfflineError) Error() string {
	return fmt.Sprintf("escpos: printer offline (%s) with %d bytes waiting", strings.Join(e.Causes, ", "), e.Buffered)
}

func (e *OfflineError) Unwrap() error { return ErrOffline }
