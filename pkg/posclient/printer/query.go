package printer

import (
	"context"
	"fmt"
	"time"
)

// Query sends req and returns the first reply the printer sends after it,
// of any kind: a status byte, a GS I or GS r byte (ReplyUnknown or
// ReplyStatus, as its bits fall), a block (GS I 65–69), an ASB. It is for
// tools that ask a printer what it is ("hil printer probe"); printing
// and Status use their own requests. While a query waits, every reply is
// its own: it takes its turn like Status and Print.
//
// A printer that does not answer req gives a *ReplyError wrapping
// ErrNoReply after wait (Options.ReplyTimeout when wait ≤ 0). A reply
// arriving after that is not taken for the answer to the next query
// only if it arrives before the next query is sent: wait long enough.
func (p *Printer) Query(ctx context.Context, req []byte, wait time.Duration) (Reply, error) {
	if !p.canRead {
		return Reply{}, ErrStatusUnsupported
	}
	if wait <= 0 {
		wait = p.opts.ReplyTimeout
	}
	if err := p.take(ctx); err != nil {
		return Reply{}, err
	}
	defer p.release()
	ch := make(chan Reply, 16)
	p.drainStatus()
	p.tap.Store(&ch)
	defer p.tap.Store(nil)
	if err := p.write(ctx, req); err != nil {
		return Reply{}, err
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case r := <-ch:
			if r.Kind == ReplyFlow {
				continue // XON/XOFF is no answer
			}
			return r, nil
		case <-timer.C:
			return Reply{}, &ReplyError{Printer: p.name, Request: fmt.Sprintf("% X", req), Err: ErrNoReply}
		case <-ctx.Done():
			return Reply{}, ctx.Err()
		case <-p.done:
			return Reply{}, p.closedErr("read")
		}
	}
}
