//go:build !linux

package pty

import "time"

// Supported reports whether Open can create virtual serial ports here.
const Supported = false

// Pty is not available on this platform.
type Pty struct{}

// Open returns ErrUnsupported on this platform.
func Open(Options) (*Pty, error) { return nil, ErrUnsupported }

func (*Pty) Path() string                    { return "" }
func (*Pty) Link() string                    { return "" }
func (*Pty) Name() string                    { return "" }
func (*Pty) Events() <-chan Event            { return nil }
func (*Pty) Read([]byte) (int, error)        { return 0, ErrUnsupported }
func (*Pty) Write([]byte) (int, error)       { return 0, ErrUnsupported }
func (*Pty) SetReadDeadline(time.Time) error { return ErrUnsupported }
func (*Pty) SetWriteDeadline(time.Time) error {
	return ErrUnsupported
}
func (*Pty) ReadAvailable([]byte) (int, error) { return 0, ErrUnsupported }
func (*Pty) Close() error                      { return nil }
