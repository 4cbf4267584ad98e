package pty

import (
	"errors"
	"fmt"
)

// Errors returned by this package.
var (
	// ErrUnsupported is returned by Open on platforms without ptys.
	ErrUnsupported = errors.New("pty: virtual serial ports are not supported on this platform")
	// ErrNotSymlink is returned when Options.Link names an existing file
	// that is not a symbolic link: it is never replaced.
	ErrNotSymlink = errors.New("pty: link path exists and is not a symbolic link")
	// ErrClosed is returned by operations on a closed Pty.
	ErrClosed = errors.New("pty: closed")
)

// Options configures Open. The zero value is usable.
type Options struct {
	// Link, if not empty, is a path at which a symbolic link to the slave
	// device is created. An existing symbolic link there is replaced; any
	// other existing file makes Open fail with ErrNotSymlink.
	Link string
}

// EventKind says what a client did with the slave device.
type EventKind uint8

const (
	// Opened: a client opened the slave device.
	Opened EventKind = iota + 1
	// Closed: a client closed its handle on the slave device.
	Closed
)

func (k EventKind) String() string {
	switch k {
	case Opened:
		return "opened"
	case Closed:
		return "closed"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event reports a client opening or closing the slave device.
type Event struct {
	Kind EventKind
	// Clients is the number of client handles open after the event.
	Clients int
}

// OpError is a failed step of creating or using a pty.
type OpError struct {
	Op   string // e.g. "open /dev/ptmx", "set raw mode", "symlink"
	Path string
	Err  error
}

func (e *OpError) Error() string {
	if e.Path != "" {
		return "pty: " + e.Op + " " + e.Path + ": " + e.Err.Error()
	}
	return "pty: " + e.Op + ": " + e.Err.Error()
}

func (e *OpError) Unwrap() error { return e.Err }
