package posclienttest

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/pkg/hostproto"
)

// HostAction is what a PipeHost does with one request. The zero value
// answers normally.
type HostAction struct {
	Drop    bool          // process it (the ledger moves) but never answer
	Ignore  bool          // do not process it at all: as if lost on the way
	Delay   time.Duration // answer after this long
	Malform bool          // answer with bytes that do not decode
	Close   bool          // close the connection instead of answering
}

// PipeHost serves the fake acquirer's ledger over net.Pipe connections,
// for tests under testing/synctest: there the TCP server cannot be used,
// because a goroutine waiting in Accept is not durably blocked and the
// bubble's clock would never move. It answers sign-on, sales, refunds,
// voids and reversals with the same ledger and wire profile as
// acquirer.Server; settlement is left to the TCP server.
//
// Create it inside the bubble; Dial is the terminal's Config.Dial.
type PipeHost struct {
	Ledger *acquirer.Ledger
	// Hook, if set, picks the action for each request (n counts requests
	// with the same MTI, from 1).
	Hook func(msg hostproto.Message, n int) HostAction

	mu     sync.Mutex
	counts map[hostproto.MTI]int
	conns  []net.Conn
	wg     sync.WaitGroup
}

// NewPipeHost returns a host on a ledger with the test cards; it closes
// its connections and waits for its goroutines when the test ends.
func NewPipeHost(tb testing.TB) *PipeHost {
	h := &PipeHost{Ledger: acquirer.NewLedger(acquirer.LedgerOptions{}), counts: map[hostproto.MTI]int{}}
	tb.Cleanup(h.Close)
	return h
}

// Close closes every connection and waits for the host's goroutines.
func (h *PipeHost) Close() {
	h.mu.Lock()
	for _, c := range h.conns {
		c.Close()
	}
	h.mu.Unlock()
	h.wg.Wait()
}

// Dial returns the terminal side of a new pipe.
func (h *PipeHost) Dial(ctx context.Context) (net.Conn, error) {
	a, b := net.Pipe()
	h.mu.Lock()
	h.conns = append(h.conns, b)
	h.mu.Unlock()
	var wmu sync.Mutex
	h.wg.Go(func() {
		defer b.Close()
		for {
			body, err := hostproto.ReadFrame(b, hostproto.DefaultMaxFrame)
			if err != nil {
				return
			}
			msg, err := hostproto.Decode(body)
			if err != nil {
				return
			}
			h.mu.Lock()
			h.counts[msg.MTI()]++
			n := h.counts[msg.MTI()]
			h.mu.Unlock()
			var act HostAction
			if h.Hook != nil {
				act = h.Hook(msg, n)
			}
			if act.Ignore {
				continue
			}
			resp := h.answer(msg)
			if act.Drop || resp == nil {
				continue
			}
			if act.Close {
				return
			}
			out, err := hostproto.Encode(resp)
			if err != nil {
				return
			}
			if act.Malform {
				out = out[:len(out)/2]
			}
			send := func() {
				wmu.Lock()
				defer wmu.Unlock()
				hostproto.WriteFrame(b, out)
			}
			if act.Delay > 0 {
				h.wg.Go(func() {
					time.Sleep(act.Delay) // inside the bubble: fake time
					send()
				})
				continue
			}
			send()
		}
	})
	return a, nil
}

func (h *PipeHost) answer(msg hostproto.Message) hostproto.Message {
	hd := msg.Header()
	req := acquirer.Request{Terminal: hd.TerminalID, STAN: hd.STAN.String()}
	switch m := msg.(type) {
	case *hostproto.NetworkRequest:
		r := m.Response(hostproto.RCApproved)
		r.Batch = hostproto.BatchNumber(h.Ledger.SignOn(hd.TerminalID))
		return r
	case *hostproto.FinancialRequest:
		switch m.ProcessingCode {
		case hostproto.ProcRefund:
			req.Kind = acquirer.KindRefund
		case hostproto.ProcVoid:
			req.Kind = acquirer.KindVoid
		default:
			req.Kind = acquirer.KindSale
		}
		req.PAN, req.Expiry, req.Amount, req.OrigRRN = m.PAN.Reveal(), string(m.Expiry), int64(m.Amount), m.RRN
		if !m.Original.IsZero() {
			req.OrigSTAN = m.Original.STAN.String()
		}
		res, err := h.Ledger.Process(req)
		if err != nil {
			return m.Response(hostproto.RCFormatError)
		}
		r := m.Response(hostproto.ResponseCode(res.Code))
		r.RRN, r.AuthCode, r.Batch = res.RRN, res.AuthCode, hostproto.BatchNumber(res.Batch)
		return r
	case *hostproto.ReversalRequest:
		req.Kind, req.Amount, req.Repeat, req.OrigSTAN = acquirer.KindReversal, int64(m.Amount), m.Repeat, m.Original.STAN.String()
		res, err := h.Ledger.Process(req)
		if err != nil {
			return m.Response(hostproto.RCFormatError)
		}
		return m.Response(hostproto.ResponseCode(res.Code))
	}
	return nil
}
