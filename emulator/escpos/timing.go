package escpos

import (
	"context"
	"time"
)

// Clock is the time source of a [Server]: it times [Server.Stall] and the
// realtime model. Tests inject a fake one; nil means the system clock.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// SystemClock is the wall clock.
func SystemClock() Clock { return systemClock{} }

var _ Clock = systemClock{}

// Pacer throttles how fast a [Server] consumes host data, to model a slow
// link and a printer that prints at a finite speed. The default (nil) is as
// fast as possible.
type Pacer interface {
	// Consumed is called after n bytes from the host were handed to the
	// printer, which fed dots dot rows of paper for them. It returns when
	// the printer would be ready to take more, or when ctx ends.
	Consumed(ctx context.Context, n, dots int) error
}

// RealtimeOptions are the figures of the realtime model. Zero fields put no
// limit on their side.
type RealtimeOptions struct {
	// BaudRate of the serial link; 8N1 framing makes a byte 10 bits. Leave 0
	// for TCP.
	BaudRate int
	// DotLinesPerSecond is the print speed: paper motion in dot rows per
	// second (250 mm/s at 8 dots/mm is 2000).
	DotLinesPerSecond int
	// Clock times the waits; nil means the system clock.
	Clock Clock
}

// RealtimePacer is a Pacer that makes the host wait as long as the link and the
// print head would: each call adds the transfer time of its bytes and the
// print time of its dot rows to a virtual busy-until time and waits for it.
// Time the host spent not sending is not credited back beyond "now", so a
// burst after a pause is paced from the moment it arrives. It is safe for
// one goroutine; use one per stream.
type RealtimePacer struct {
	opts RealtimeOptions
	busy time.Time // the printer is busy with earlier data until then
	// Remainders of the integer divisions, carried to the next call so
	// that data split into chunks costs exactly as much as in one piece.
	linkRem, dotsRem int64
}

var _ Pacer = (*RealtimePacer)(nil)

// NewRealtimePacer returns a realtime pacer.
func NewRealtimePacer(opts RealtimeOptions) *RealtimePacer {
	if opts.Clock == nil {
		opts.Clock = SystemClock()
	}
	return &RealtimePacer{opts: opts}
}

// Cost is the time the link and the head need for n bytes and dots rows.
func (r *RealtimePacer) Cost(n, dots int) time.Duration {
	var d time.Duration
	if r.opts.BaudRate > 0 && n > 0 {
		d += time.Duration(int64(n) * 10 * int64(time.Second) / int64(r.opts.BaudRate))
	}
	if r.opts.DotLinesPerSecond > 0 && dots > 0 {
		d += time.Duration(int64(dots) * int64(time.Second) / int64(r.opts.DotLinesPerSecond))
	}
	return d
}

// Consumed implements Pacer.
func (r *RealtimePacer) Consumed(ctx context.Context, n, dots int) error {
	var cost time.Duration
	if b := int64(r.opts.BaudRate); b > 0 && n > 0 {
		num := int64(n)*10*int64(time.Second) + r.linkRem
		cost += time.Duration(num / b)
		r.linkRem = num % b
	}
	if s := int64(r.opts.DotLinesPerSecond); s > 0 && dots > 0 {
		num := int64(dots)*int64(time.Second) + r.dotsRem
		cost += time.Duration(num / s)
		r.dotsRem = num % s
	}
	if cost <= 0 {
		return nil
	}
	now := r.opts.Clock.Now()
	if r.busy.Before(now) {
		r.busy = now
	}
	r.busy = r.busy.Add(cost)
	wait := r.busy.Sub(now)
	select {
	case <-r.opts.Clock.After(wait):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
