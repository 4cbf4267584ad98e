package posclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/poshil/hil/pkg/hostproto"
)

// connect makes sure a signed-on host connection is up. Caller holds t.mu.
func (t *Terminal) connect(ctx context.Context) error {
	if t.conn != nil {
		return nil
	}
	if t.cfg.Dial == nil {
		return &HostError{Op: "dial", Err: errors.New("no Dial configured")}
	}
	c, err := t.cfg.Dial(ctx)
	if err != nil {
		return &HostError{Op: "dial", Err: err}
	}
	t.conn = c
	stan, err := t.j.NextSTAN(ctx, t.cfg.TerminalID)
	if err != nil {
		t.dropConn()
		return err
	}
	// Sign-on messages are not journaled: no transaction hangs on them.
	req := &hostproto.NetworkRequest{Times: hostproto.TimesAt(t.cfg.Now()), STAN: hostproto.STAN(stan),
		TerminalID: t.cfg.TerminalID, MerchantID: t.cfg.MerchantID, Code: hostproto.NetSignOn}
	t.keys = nil
	if _, err := t.write(req); err != nil {
		return err
	}
	msg, err := t.await(ctx, hostproto.MTINetworkResponse, req.STAN)
	if err != nil {
		t.dropConn()
		return &HostError{Op: "sign-on", MTI: string(req.MTI()), Err: err}
	}
	resp := msg.(*hostproto.NetworkResponse)
	if rc := resp.ResponseCode; rc != hostproto.RCApproved {
		t.dropConn()
		return &HostError{Op: "sign-on", MTI: string(req.MTI()), Err: fmt.Errorf("refused: %s", rc)}
	}
	if t.cfg.Profile.Rules().MAC && resp.Keys == nil {
		t.dropConn()
		return &HostError{Op: "sign-on", MTI: string(req.MTI()), Err: errors.New("no working keys in the answer")}
	}
	t.keys = resp.Keys
	t.log.Debug("signed on", "stan", stan)
	return nil
}

func (t *Terminal) dropConn() {
	if t.conn != nil {
		t.conn.Close()
		t.conn = nil
	}
	t.keys = nil
}

// write encodes and writes m in one frame. It returns how many bytes
// left: 0 means the host cannot have seen the message. A failed write
// drops the connection.
func (t *Terminal) write(m hostproto.Message) (int, error) {
	body, err := t.cfg.Profile.AppendEncode(nil, m, t.keys)
	if err != nil {
		return 0, &HostError{Op: "encode", MTI: string(m.MTI()), Err: err}
	}
	frame, err := hostproto.AppendFrame(nil, body)
	if err != nil {
		return 0, &HostError{Op: "encode", MTI: string(m.MTI()), Err: err}
	}
	if t.conn == nil {
		return 0, &HostError{Op: "send", MTI: string(m.MTI()), Err: net.ErrClosed}
	}
	t.conn.SetWriteDeadline(time.Now().Add(t.cfg.ResponseTimeout))
	n, err := t.conn.Write(frame)
	if err != nil {
		t.dropConn()
		return n, &HostError{Op: "send", MTI: string(m.MTI()), Err: err}
	}
	return n, nil
}

// await reads frames until the answer (want, stan) arrives, the response
// timeout passes or ctx is done. Financial answers that belong to other,
// earlier transactions are late answers and go to the journal. A frame
// that does not decode drops the connection: the stream can no longer be
// trusted.
func (t *Terminal) await(ctx context.Context, want hostproto.MTI, stan hostproto.STAN) (hostproto.Message, error) {
	if t.conn == nil {
		return nil, &HostError{Op: "receive", MTI: string(want), Err: net.ErrClosed}
	}
	c := t.conn
	c.SetReadDeadline(time.Now().Add(t.cfg.ResponseTimeout))
	stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	for {
		body, err := hostproto.ReadFrame(c, hostproto.DefaultMaxFrame)
		if err != nil {
			if ctx.Err() != nil {
				// Cancelled: the answer may still come, so the connection
				// stays for the late-answer path only if it is sound.
				t.dropConn()
				return nil, &HostError{Op: "receive", MTI: string(want), Err: ctx.Err()}
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				// Keep the connection: a late answer will be read (and
				// journaled) by the next exchange.
				return nil, &HostError{Op: "receive", MTI: string(want), Err: ErrTimeout}
			}
			t.dropConn()
			return nil, &HostError{Op: "receive", MTI: string(want), Err: err}
		}
		msg, err := t.cfg.Profile.Decode(body, t.keys)
		if err != nil {
			if msg != nil && errors.Is(err, hostproto.ErrBadMAC) && msg.Header().MTI == want && msg.Header().STAN == stan {
				// The answer cannot be trusted; the stream still can.
				return nil, &HostError{Op: "receive", MTI: string(want), Err: err}
			}
			t.dropConn()
			return nil, &HostError{Op: "receive", MTI: string(want), Err: err}
		}
		h := msg.Header()
		if h.MTI == want && h.STAN == stan && h.TerminalID == t.cfg.TerminalID {
			return msg, nil
		}
		t.unexpected(ctx, msg)
	}
}

// unexpected handles a message that is not the awaited answer: a late
// 0210 for an in-doubt transaction is journaled (its reversal stands);
// anything else is logged and dropped.
func (t *Terminal) unexpected(ctx context.Context, msg hostproto.Message) {
	h := msg.Header()
	resp, ok := msg.(*hostproto.FinancialResponse)
	if !ok {
		t.log.Warn("unexpected message from host dropped", "mti", string(h.MTI), "stan", uint32(h.STAN))
		return
	}
	txns, err := t.j.Find(ctx, Query{States: []State{StateInDoubt, StateReversalQueued, StateReversalSent, StateReversed, StateUnresolved}})
	if err != nil {
		t.log.Error("journal lookup for late answer failed", "err", err)
		return
	}
	for i := len(txns) - 1; i >= 0; i-- {
		tx := txns[i]
		if tx.STAN != uint32(h.STAN) || tx.TerminalID != h.TerminalID || !tx.Kind.Financial() {
			continue
		}
		m := NewMachine(tx, t.cfg.Policy)
		if t.active != nil && t.active.Txn().Ref == tx.Ref {
			m = t.active
		}
		ev := Event{Type: EvResponse, At: t.cfg.Now(), Code: string(resp.ResponseCode), RRN: resp.RRN, AuthCode: resp.AuthCode}
		if err := t.run(ctx, m, nil, ev, resp); err != nil {
			t.log.Error("journaling late answer failed", "ref", tx.Ref, "err", err)
		}
		return
	}
	t.log.Warn("late answer for no known transaction dropped", "stan", uint32(h.STAN), "code", string(resp.ResponseCode))
}

// reverseOnce makes one reversal try for m's transaction, after its
// backoff. It returns an error when the host could not be reached (the
// reversal stays queued, no try is spent) or the journal failed.
func (t *Terminal) reverseOnce(ctx context.Context, m *Machine) error {
	if m.Txn().State != StateReversalQueued {
		return nil
	}
	prev := t.active
	t.active = m
	defer func() { t.active = prev }()
	ev, err := t.reversalDue(ctx, m)
	if err != nil {
		return err
	}
	return t.run(ctx, m, nil, ev, nil)
}

// reverse drives one transaction's reversal to an end: reversed, or
// unresolved after the bound.
func (t *Terminal) reverse(ctx context.Context, m *Machine) error {
	for m.Txn().State == StateReversalQueued {
		if err := t.reverseOnce(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// drainReversals delivers every pending reversal, oldest first, before
// anything else goes to the host. It fails with ErrReversalPending when
// one cannot be delivered now; an unresolved one does not block.
func (t *Terminal) drainReversals(ctx context.Context) error {
	// Journaled or sent with no outcome can only be left by a crash or a
	// cancelled wait (operations run one at a time): in doubt as well.
	pending, err := t.j.Find(ctx, Query{States: []State{StateJournaled, StateSent, StateInDoubt, StateReversalQueued, StateReversalSent}})
	if err != nil {
		return err
	}
	for _, tx := range pending {
		if !tx.Kind.Financial() {
			continue
		}
		m := NewMachine(tx, t.cfg.Policy)
		switch tx.State {
		case StateJournaled, StateSent, StateInDoubt:
			if err := t.run(ctx, m, nil, Event{Type: EvRecoverInDoubt, At: t.cfg.Now(), Reason: "found " + string(tx.State) + " with no outcome"}, nil); err != nil {
				return err
			}
		}
		if m.Txn().State == StateReversalSent {
			// Interrupted mid-try (crash or cancel): the try is spent.
			if err := t.run(ctx, m, nil, Event{Type: EvReversalNoResponse, At: t.cfg.Now(), Reason: "interrupted"}, nil); err != nil {
				return err
			}
		}
		if err := t.reverse(ctx, m); err != nil {
			if errors.Is(err, ErrCorruptJournal) {
				return err
			}
			return fmt.Errorf("%w: %s: %w", ErrReversalPending, tx.Ref, err)
		}
	}
	return nil
}

// journalMsg is the journaled, masked form of a host message.
func journalMsg(m hostproto.Message) *Message {
	h := m.Header()
	f := map[int]string{11: h.STAN.String(), 41: h.TerminalID}
	switch v := m.(type) {
	case *hostproto.FinancialRequest:
		f[2], f[3], f[4] = MaskPAN(string(v.PAN)), string(v.ProcessingCode), amt(v.Amount)
		f[7] = string(v.Transmission)
		if v.RRN != "" {
			f[37] = v.RRN
		}
		if !v.Original.IsZero() {
			f[90] = string(v.Original.MTI) + v.Original.STAN.String()
		}
	case *hostproto.FinancialResponse:
		f[3], f[4], f[37], f[38], f[39] = string(v.ProcessingCode), amt(v.Amount), v.RRN, v.AuthCode, string(v.ResponseCode)
	case *hostproto.ReversalRequest:
		f[3], f[4], f[39] = string(v.ProcessingCode), amt(v.Amount), string(v.Reason)
		f[90] = string(v.Original.MTI) + v.Original.STAN.String()
	case *hostproto.ReversalResponse:
		f[39] = string(v.ResponseCode)
	case *hostproto.SettlementRequest:
		f[3], f[60] = string(v.ProcessingCode), v.Batch.String()
		f[88], f[86] = amt(v.Totals.DebitAmount), amt(v.Totals.CreditAmount)
	case *hostproto.SettlementResponse:
		f[39], f[60] = string(v.ResponseCode), v.Batch.String()
	case *hostproto.BatchUploadRequest:
		f[48], f[60] = strconv.Itoa(len(v.Records))+" records", v.Batch.String()
	case *hostproto.BatchUploadResponse:
		f[39] = string(v.ResponseCode)
	case *hostproto.NetworkRequest:
		f[70] = string(v.Code)
	case *hostproto.NetworkResponse:
		f[39], f[70] = string(v.ResponseCode), string(v.Code)
	}
	return &Message{Direction: dirOf(h.MTI), MTI: string(h.MTI), STAN: uint32(h.STAN), Fields: f}
}

func dirOf(m hostproto.MTI) Direction {
	if m.IsResponse() {
		return Inbound
	}
	return Outbound
}

func amt(a hostproto.Amount) string { return strconv.FormatInt(int64(a), 10) }
