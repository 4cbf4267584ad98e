package acquirer

import (
	"errors"
	"fmt"
)

// Sentinel errors. Declines are not errors: they are a [Result] with a
// response code other than "00".
var (
	// ErrInvalidRequest: a request the ledger cannot process at all
	// (missing terminal id, STAN, …). The server answers such requests
	// with 30 (format error).
	ErrInvalidRequest = errors.New("acquirer: invalid request")
	// ErrInvalidCard: a card given to PutCard or POST /cards is not valid.
	ErrInvalidCard = errors.New("acquirer: invalid card")
	// ErrUnknownTerminal: the ledger has never seen the terminal.
	ErrUnknownTerminal = errors.New("acquirer: unknown terminal")
	// ErrClosed: the server is closed.
	ErrClosed = errors.New("acquirer: server closed")
	// ErrBadFrame: a connection sent bytes that are not a frame of the
	// wire profile (bad length header, oversize frame, unpackable
	// message). The server closes that one connection and keeps serving.
	ErrBadFrame = errors.New("acquirer: bad frame")
	// ErrIdleTimeout: a connection sent nothing for Options.IdleTimeout
	// and was closed.
	ErrIdleTimeout = errors.New("acquirer: connection idle")
)

// RequestError says which field of a request was wrong.
type RequestError struct {
	Field  string // e.g. "terminal", "stan"
	Reason string
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("acquirer: invalid request: %s: %s", e.Field, e.Reason)
}

// Unwrap returns [ErrInvalidRequest].
func (e *RequestError) Unwrap() error { return ErrInvalidRequest }

// CardError says why a card was refused. PAN is masked.
type CardError struct {
	PAN    string // masked
	Reason string
}

func (e *CardError) Error() string {
	return fmt.Sprintf("acquirer: invalid card %s: %s", e.PAN, e.Reason)
}

// Unwrap returns [ErrInvalidCard].
func (e *CardError) Unwrap() error { return ErrInvalidCard }

// ConnError is why the server closed one connection.
type ConnError struct {
	Remote string // remote address
	Err    error  // the cause; errors.Is(err, ErrBadFrame) for bad input
}

func (e *ConnError) Error() string {
	return fmt.Sprintf("acquirer: connection %s: %v", e.Remote, e.Err)
}

// Unwrap returns the cause.
func (e *ConnError) Unwrap() error { return e.Err }
