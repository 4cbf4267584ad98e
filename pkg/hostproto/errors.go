package hostproto

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package matches one of
// them with [errors.Is], usually through one of the typed errors below.
var (
	// ErrFrameTooLarge: a length header announced more bytes than the
	// reader accepts, or a message is too long for the 2-byte header.
	ErrFrameTooLarge = errors.New("hostproto: frame too large")
	// ErrShortFrame: the stream ended inside a length header or a frame
	// body, or a length header announced an empty frame.
	ErrShortFrame = errors.New("hostproto: short frame")
	// ErrShortMessage: a message ended before one of its fields did.
	ErrShortMessage = errors.New("hostproto: message truncated")
	// ErrTrailingBytes: bytes are left over after the last field.
	ErrTrailingBytes = errors.New("hostproto: trailing bytes after last field")
	// ErrUnknownMTI: the message type is not one of the profile's.
	ErrUnknownMTI = errors.New("hostproto: unknown MTI")
	// ErrUnknownProcessingCode: DE3 is not valid for the message type.
	ErrUnknownProcessingCode = errors.New("hostproto: unknown processing code")
	// ErrUnknownField: the bitmap announces a field the profile does not
	// define (its length cannot be known, so the message cannot be read).
	ErrUnknownField = errors.New("hostproto: field not in profile")
	// ErrMissingField: a field the message type requires is absent.
	ErrMissingField = errors.New("hostproto: required field missing")
	// ErrBadField: a field's content does not fit its format or range.
	ErrBadField = errors.New("hostproto: bad field")
	// ErrUnexpectedField: a field is present that the message type does not carry.
	ErrUnexpectedField = errors.New("hostproto: unexpected field")
)

// UnpackError reports why bytes could not be decoded. Field is the data
// element number (0 for the MTI, 1 for the bitmap, -1 for the message as
// a whole), Raw the bytes of that field as received (nil when unknown), and
// Err the cause, which wraps one of the package's sentinels.
//
// Error never prints Raw: field 2 holds a card number. Use moovspec.Dump on
// the message bytes to look at them masked.
type UnpackError struct {
	Field int
	Raw   []byte
	Err   error
	cup   bool // names fields after the cup table
}

func (e *UnpackError) Error() string {
	switch e.Field {
	case -1:
		return fmt.Sprintf("hostproto: unpack: %v", e.Err)
	case 0:
		return fmt.Sprintf("hostproto: unpack MTI: %v", e.Err)
	case 1:
		return fmt.Sprintf("hostproto: unpack bitmap: %v", e.Err)
	}
	name := fieldName(e.Field)
	if e.cup {
		name = "cup " + cupFieldName(e.Field)
	}
	return fmt.Sprintf("hostproto: unpack field %d (%s): %v", e.Field, name, e.Err)
}

func (e *UnpackError) Unwrap() error { return e.Err }

// PackError reports why a message could not be encoded: Field is the data
// element number (0 for the MTI) and Err wraps [ErrMissingField],
// [ErrBadField] or [ErrFrameTooLarge]. The message never quotes a card number.
type PackError struct {
	Field int
	Err   error
	cup   bool // names fields after the cup table
}

func (e *PackError) Error() string {
	if e.Field == 0 {
		return fmt.Sprintf("hostproto: pack MTI: %v", e.Err)
	}
	if e.Field < 0 {
		return fmt.Sprintf("hostproto: pack: %v", e.Err)
	}
	name := fieldName(e.Field)
	if e.cup {
		name = "cup " + cupFieldName(e.Field)
	}
	return fmt.Sprintf("hostproto: pack field %d (%s): %v", e.Field, name, e.Err)
}

func (e *PackError) Unwrap() error { return e.Err }

// FrameError reports a framing failure: Length is the length announced by
// the header (or the message length when writing), Max the limit in force.
type FrameError struct {
	Length int
	Max    int
	Err    error
}

func (e *FrameError) Error() string {
	if errors.Is(e.Err, ErrFrameTooLarge) {
		return fmt.Sprintf("%v: length %d exceeds maximum %d", e.Err, e.Length, e.Max)
	}
	return e.Err.Error()
}

func (e *FrameError) Unwrap() error { return e.Err }

func fieldName(id int) string {
	if id > 0 && id <= maxField && defs[id] != nil {
		return defs[id].name
	}
	return "not in profile"
}
