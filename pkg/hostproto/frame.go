package hostproto

import (
	"errors"
	"fmt"
	"io"
)

// MaxFrameSize is the largest body a 2-byte length header can announce.
const MaxFrameSize = 0xFFFF

// DefaultMaxFrame is a sensible limit for [ReadFrame]: every message of the
// profile fits well within 4 KiB.
const DefaultMaxFrame = 4096

// ReadFrame reads one frame: a 2-byte big-endian length header followed by
// that many bytes. max bounds the body length (values ≤ 0 or above
// [MaxFrameSize] mean MaxFrameSize); a longer frame is refused before any
// of its body is read, with a [*FrameError] wrapping [ErrFrameTooLarge].
//
// A clean end of stream before the first header byte returns io.EOF. An
// end of stream inside the header or body, or a header announcing 0 bytes,
// returns a [*FrameError] wrapping [ErrShortFrame] (and, when the stream
// ended, io.ErrUnexpectedEOF).
func ReadFrame(r io.Reader, max int) ([]byte, error) {
	if max <= 0 || max > MaxFrameSize {
		max = MaxFrameSize
	}
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, &FrameError{Err: fmt.Errorf("%w: stream ended inside the length header: %w", ErrShortFrame, err)}
		}
		return nil, err
	}
	n := int(hdr[0])<<8 | int(hdr[1])
	if n == 0 {
		return nil, &FrameError{Length: 0, Max: max, Err: fmt.Errorf("%w: length header announces an empty frame", ErrShortFrame)}
	}
	if n > max {
		return nil, &FrameError{Length: n, Max: max, Err: ErrFrameTooLarge}
	}
	body := make([]byte, n)
	if got, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, &FrameError{Length: n, Max: max, Err: fmt.Errorf("%w: header announced %d bytes, stream ended after %d: %w", ErrShortFrame, n, got, io.ErrUnexpectedEOF)}
		}
		return nil, err
	}
	return body, nil
}

// WriteFrame writes msg preceded by its 2-byte big-endian length, in one
// Write call so that concurrent writers on a connection that serialise
// their calls never interleave a header and a body. An empty or too long
// msg is refused with a [*FrameError].
func WriteFrame(w io.Writer, msg []byte) error {
	if len(msg) == 0 {
		return &FrameError{Err: fmt.Errorf("%w: refusing to write an empty frame", ErrShortFrame)}
	}
	if len(msg) > MaxFrameSize {
		return &FrameError{Length: len(msg), Max: MaxFrameSize, Err: ErrFrameTooLarge}
	}
	buf := make([]byte, 2+len(msg))
	buf[0] = byte(len(msg) >> 8)
	buf[1] = byte(len(msg))
	copy(buf[2:], msg)
	_, err := w.Write(buf)
	return err
}

// AppendFrame appends the length header and msg to dst, for callers that
// batch several frames into one write. It returns dst unchanged and an
// error if msg is empty or too long.
func AppendFrame(dst, msg []byte) ([]byte, error) {
	if len(msg) == 0 {
		return dst, &FrameError{Err: fmt.Errorf("%w: refusing to write an empty frame", ErrShortFrame)}
	}
	if len(msg) > MaxFrameSize {
		return dst, &FrameError{Length: len(msg), Max: MaxFrameSize, Err: ErrFrameTooLarge}
	}
	dst = append(dst, byte(len(msg)>>8), byte(len(msg)))
	return append(dst, msg...), nil
}
