package posclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/poshil/hil/pkg/hostproto"
)

// The driver loop. The Machine decides; the Terminal carries out what it
// returned, in order, and feeds each outcome back as the next event (as
// raft's Ready loop persists, sends and advances):
//
//	ActPersist      journal row (and the message of the step), durable before anything that follows
//	ActSend         connect, write the 0200, then await its answer → EvSendFailed | EvSent, EvResponse | EvNoResponse
//	ActSendReversal connect, write the 0400/0401, await the 0410 → EvReversalAck | EvReversalNoResponse
//	ActWait         wait until Action.Until, then → EvReversalDue
//	ActPrint        print the receipt → EvPrinted | EvPrintFailed
//	ActEReceipt     hand it to the sink → EvEReceiptSent | EvEReceiptFailed
//	ActNotify       log for the operator
//	ActSettleNext   draw the STAN of the settlement's next message → EvSettleDue
//	ActSendSettlement  write the 0500, await the 0510 → EvSettleAnswer
//	ActSendUpload   write the next 0320, await the 0330 → EvUploadAck
//	ActCloseBatch   close the batch in the journal
//
// The actions an outcome returns run before the rest of the step that
// caused it. Crash points are keyed by action: after-persist after every
// journal row, after-journal-write after the row of EvBegin (the reversal
// intent) and after-approval after the row of an approving EvResponse;
// after-send and after-response inside ActSend; mid-print and after-print
// inside ActPrint.

// actAwait is the driver's own continuation of ActSend: the answer is
// awaited once the "sent" row is durable. The Machine never returns it.
const actAwait ActionType = "await-answer"

// exchange is what one run of the loop needs beyond the machine: the card
// of the request (in flight only, never journaled) and what the operation
// reports when the host failed it.
type exchange struct {
	pan    PAN
	expiry string
	orig   *Txn // refund, void, follow-ups: the original

	req *hostproto.FinancialRequest // the 0200 of ActSend, built when the step is journaled
	rev *hostproto.ReversalRequest  // the 0400/0401 of ActSendReversal

	cause   error // the host failure the operation reports (nil: answered)
	inDoubt bool  // the request may have reached the host unanswered

	settle *settling // Settle only
}

// settling is the driver's side of a settlement: what the messages carry
// and what the host answered.
type settling struct {
	totals   BatchTotals
	chunks   [][]hostproto.BatchRecord // the 0320s of a batch upload
	next     int                       // the next chunk to send
	uploaded int                       // records the host acknowledged

	req *hostproto.SettlementRequest  // the 0500 of ActSendSettlement
	up  *hostproto.BatchUploadRequest // the 0320 of ActSendUpload

	first, final *hostproto.SettlementResponse
	refused      error  // the last answer that was not 00, as Settle reports it if the machine declines
	nextBatch    uint32 // after ActCloseBatch
}

// queued is one action waiting in the loop: the event that returned it and,
// on the first row of a step, the message journaled with that row.
type queued struct {
	Action
	from EventType
	msg  *Message
}

// run feeds ev (caused by the inbound message in, if any) to m and carries
// out the actions, and those their outcomes return, until none is left.
// x may be nil for steps that send nothing.
func (t *Terminal) run(ctx context.Context, m *Machine, x *exchange, ev Event, in hostproto.Message) error {
	if x == nil {
		x = &exchange{}
	}
	var queue []queued
	// feed steps m and puts the actions it returns, then more, in front
	// of what is left.
	feed := func(ev Event, in hostproto.Message, more ...queued) error {
		acts, err := m.Step(ev)
		if err != nil {
			return err
		}
		var msg *Message
		if in != nil {
			msg = journalMsg(in)
		}
		// A request is journaled with the first row of the step that sends
		// it, before it leaves (persist before send).
		for _, a := range acts {
			switch a.Type {
			case ActSend:
				if x.pan == "" {
					return fmt.Errorf("posclient: %s: the machine asked to send with no card in the driver", a.Txn.Ref)
				}
				x.req = t.financialRequest(a.Txn, x.pan, x.expiry, x.orig)
				msg = journalMsg(x.req)
			case ActSendReversal:
				x.rev = t.reversalRequest(a.Txn, a.Repeat)
				msg = journalMsg(x.rev)
			case ActSendSettlement:
				x.settle.req = t.settlementRequest(a.Txn, a.Final, x.settle)
				msg = journalMsg(x.settle.req)
			case ActSendUpload:
				s := x.settle
				s.up = &hostproto.BatchUploadRequest{Times: hostproto.TimesAt(t.cfg.Now()), STAN: hostproto.STAN(a.Txn.STAN),
					TerminalID: t.cfg.TerminalID, MerchantID: t.cfg.MerchantID, Records: s.chunks[s.next],
					Batch: hostproto.BatchNumber(a.Txn.Batch), Last: s.next == len(s.chunks)-1}
				msg = journalMsg(s.up)
			}
		}
		head := make([]queued, 0, len(acts)+len(more)+len(queue))
		for _, a := range acts {
			q := queued{Action: a, from: ev.Type}
			if a.Type == ActPersist && msg != nil {
				q.msg, msg = msg, nil
			}
			head = append(head, q)
		}
		queue = append(append(head, more...), queue...)
		return nil
	}
	if err := feed(ev, in); err != nil {
		return err
	}
	var stopped error // the wait was cancelled: finish the outcome, then report it
	for len(queue) > 0 {
		a := queue[0]
		queue = queue[1:]
		if err := t.do(ctx, m, x, a, feed); err != nil {
			var c *cancelled
			if errors.As(err, &c) {
				// The try counts: its outcome is journaled whatever the caller's context.
				stopped, ctx = c.err, context.WithoutCancel(ctx)
				continue
			}
			if stopped != nil {
				return stopped
			}
			return err
		}
	}
	return stopped
}

// cancelled wraps the caller's context error from an await whose outcome
// was fed back: run finishes the step, then returns the error.
type cancelled struct{ err error }

func (c *cancelled) Error() string { return c.err.Error() }

// do executes one action.
func (t *Terminal) do(ctx context.Context, m *Machine, x *exchange, a queued, feed func(Event, hostproto.Message, ...queued) error) error {
	log := func() *slog.Logger { return t.log.With("ref", a.Txn.Ref, "stan", a.Txn.STAN, "kind", a.Txn.Kind) }
	switch a.Type {
	case ActPersist:
		e := Entry{At: a.Txn.Updated, Txn: a.Txn, Note: a.Note, Message: a.msg}
		if err := t.j.Append(context.WithoutCancel(ctx), e); err != nil {
			if a.Txn.Kind == KindSettlement {
				return err // no charge hangs on a settlement row
			}
			return &StorageError{Ref: a.Txn.Ref, State: a.Txn.State, Receipt: a.Txn.Receipt, Err: err}
		}
		t.crash(CrashAfterPersist)
		switch {
		case a.from == EvBegin:
			t.crash(CrashAfterJournalWrite)
		case a.from == EvResponse && a.Txn.State == StateApproved:
			// The approval is durable; the receipt is not delivered yet.
			t.crash(CrashAfterApproval)
		}
		return nil

	case ActSend:
		// A dial failure means nothing left the terminal.
		if err := t.connect(ctx); err != nil {
			log().Warn("host unreachable; nothing sent", "err", err)
			x.cause = err
			return feed(Event{Type: EvSendFailed, At: t.cfg.Now(), Reason: err.Error()}, nil)
		}
		if n, err := t.write(x.req); err != nil {
			log().Warn("send failed", "err", err, "bytes", n)
			x.cause, x.inDoubt = err, n > 0
			return feed(Event{Type: EvSendFailed, At: t.cfg.Now(), Reason: err.Error(), MaybeSent: n > 0}, nil)
		}
		t.crash(CrashAfterSend)
		return feed(Event{Type: EvSent, At: t.cfg.Now()}, nil, queued{Action: Action{Type: actAwait, Txn: a.Txn}, from: EvSent})

	case actAwait:
		msg, err := t.await(ctx, hostproto.MTIFinancialResponse, x.req.STAN)
		if err != nil {
			log().Warn("no usable answer; transaction in doubt", "err", err)
			x.cause, x.inDoubt = err, true
			ev := Event{Type: EvNoResponse, At: t.cfg.Now(), Reason: err.Error()}
			if errors.Is(err, hostproto.ErrBadMAC) {
				ev.Code = string(hostproto.RCMACError) // the reversal's reason (cup)
			}
			return feed(ev, nil)
		}
		resp := msg.(*hostproto.FinancialResponse)
		t.crash(CrashAfterResponse)
		return feed(Event{Type: EvResponse, At: t.cfg.Now(), Code: string(resp.ResponseCode), RRN: resp.RRN, AuthCode: resp.AuthCode}, resp)

	case ActSendReversal:
		noAnswer := func(err error) Event {
			return Event{Type: EvReversalNoResponse, At: t.cfg.Now(), Reason: err.Error()}
		}
		if err := t.connect(ctx); err != nil {
			return feed(noAnswer(err), nil)
		}
		if _, err := t.write(x.rev); err != nil {
			return feed(noAnswer(err), nil)
		}
		msg, err := t.await(ctx, hostproto.MTIReversalResponse, x.rev.STAN)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				// The operator gave up waiting; the try still counts.
				_ = feed(noAnswer(err), nil)
				return &cancelled{err}
			}
			return feed(noAnswer(err), nil)
		}
		resp := msg.(*hostproto.ReversalResponse)
		return feed(Event{Type: EvReversalAck, At: t.cfg.Now(), Code: string(resp.ResponseCode)}, resp)

	case ActWait:
		if wait := a.Until.Sub(t.cfg.Now()); wait > 0 {
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return ctx.Err()
			case <-timer.C:
			}
		}
		ev, err := t.reversalDue(ctx, m)
		if err != nil {
			return err
		}
		return feed(ev, nil)

	case ActPrint:
		return feed(t.print(ctx, a.Txn), nil)

	case ActEReceipt:
		return feed(t.eReceipt(ctx, a.Txn), nil)

	case ActNotify:
		t.log.Warn(a.Note, "ref", a.Txn.Ref, "state", a.Txn.State, "receipt", a.Txn.Receipt)
		return nil

	case ActSettleNext:
		stan, err := t.j.NextSTAN(ctx, t.cfg.TerminalID)
		if err != nil {
			return err
		}
		return feed(Event{Type: EvSettleDue, At: t.cfg.Now(), STAN: stan}, nil)

	case ActSendSettlement:
		// No answer leaves the settlement unfinished (nothing is charged
		// by it): the error is the operation's, and Settle starts over.
		s := x.settle
		if _, err := t.write(s.req); err != nil {
			return err
		}
		msg, err := t.await(ctx, hostproto.MTISettlementResponse, s.req.STAN)
		if err != nil {
			return err
		}
		resp := msg.(*hostproto.SettlementResponse)
		what := "settlement"
		if a.Final {
			s.final, what = resp, "final settlement"
		} else {
			s.first = resp
		}
		if resp.ResponseCode != hostproto.RCApproved {
			s.refused = &HostError{Op: "settle", MTI: "0500", Err: fmt.Errorf("%s refused: %s", what, resp.ResponseCode)}
		}
		return feed(Event{Type: EvSettleAnswer, At: t.cfg.Now(), Code: string(resp.ResponseCode)}, resp)

	case ActSendUpload:
		s := x.settle
		if _, err := t.write(s.up); err != nil {
			return err
		}
		msg, err := t.await(ctx, hostproto.MTIBatchUploadResponse, s.up.STAN)
		if err != nil {
			return err
		}
		rc := msg.(*hostproto.BatchUploadResponse).ResponseCode
		if rc == hostproto.RCApproved {
			s.uploaded += len(s.up.Records)
			s.next++
		} else {
			s.refused = &HostError{Op: "batch upload", MTI: "0320", Err: fmt.Errorf("refused: %s", rc)}
		}
		return feed(Event{Type: EvUploadAck, At: t.cfg.Now(), Code: string(rc)}, nil)

	case ActCloseBatch:
		next, err := t.j.CloseBatch(ctx, t.cfg.TerminalID, a.Txn.Batch)
		if err != nil {
			return err
		}
		x.settle.nextBatch = next
		return nil
	}
	return fmt.Errorf("posclient: the driver has no way to carry out action %q", a.Type)
}

// reversalDue brings up the host link and returns the EvReversalDue of m's
// queued reversal, with a fresh STAN when it has none yet. The link comes
// first: a host that cannot be reached spends no try.
func (t *Terminal) reversalDue(ctx context.Context, m *Machine) (Event, error) {
	if err := t.connect(ctx); err != nil {
		return Event{}, err
	}
	var stan uint32
	if m.Txn().ReversalSTAN == 0 {
		if t.cfg.Profile.Rules().ReversalKeepsSTAN {
			stan = m.Txn().STAN // cup: the reversal is the original's packet, its STAN too
		} else {
			s, err := t.j.NextSTAN(ctx, t.cfg.TerminalID)
			if err != nil {
				return Event{}, err
			}
			stan = s
		}
	}
	return Event{Type: EvReversalDue, At: t.cfg.Now(), STAN: stan}, nil
}
