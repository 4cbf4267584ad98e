package acquirer

import (
	"fmt"
	"time"

	"github.com/poshil/hil/pkg/hostproto"
)

// Stage is the point of an exchange at which an [Interceptor] is called.
type Stage int

const (
	// BeforeLedger: the request has been read and decoded; the ledger
	// has not seen it.
	BeforeLedger Stage = iota + 1
	// AfterLedger: the ledger has committed the request (balances moved);
	// the response has been built and not yet sent.
	AfterLedger
)

func (s Stage) String() string {
	switch s {
	case BeforeLedger:
		return "before-ledger"
	case AfterLedger:
		return "after-ledger"
	}
	return fmt.Sprintf("Stage(%d)", int(s))
}

// Exchange describes one request and, after the ledger, its response.
// The same *Exchange is passed to both stages of one request. An
// interceptor must not keep it after returning.
type Exchange struct {
	Conn     uint64                   // connection number, from 1, in accept order
	Terminal string                   // DE41
	MTI      hostproto.MTI            // request MTI (0200, 0401, 0500, 0800, …)
	Proc     hostproto.ProcessingCode // DE3; empty if absent (0800)
	STAN     string                   // DE11
	Amount   int64                    // DE4, minor units; 0 if absent
	PANLast4 string                   // last four digits of DE2; "" if absent
	// N counts the requests with this MTI and processing code that the
	// server has read so far, this one included (1 for the first 0200
	// sale, 2 for the second, …). Rules with other selectors count the
	// exchanges they match themselves.
	N int
	// Request is the decoded request (*hostproto.FinancialRequest, …).
	Request hostproto.Message
	// Response is the response about to be sent; nil before the ledger.
	Response hostproto.Message
	// Code is the response code about to be sent; "" before the ledger.
	Code hostproto.ResponseCode
}

// Action is what an [Interceptor] asks the server to do with an
// exchange. The zero Action lets the exchange through unchanged.
//
// Before the ledger, in this order: Delay waits; then Close closes the
// connection, Drop discards the request, Respond answers with that code
// — in all three cases the ledger never sees the request.
//
// After the ledger, in this order: Delay waits; then Close closes the
// connection instead of answering, Drop sends nothing (the "approved but
// lost" response); otherwise the response is sent — with another STAN
// if WrongSTAN, as bytes that do not unpack if Malform, with a MAC that
// does not verify if BadMAC, and twice if Duplicate.
type Action struct {
	Drop      bool
	Delay     time.Duration          // waited with Options.After, so tests control it
	Respond   hostproto.ResponseCode // before the ledger only: answer with this DE39 code
	Duplicate bool                   // after the ledger only
	Malform   bool                   // after the ledger only
	WrongSTAN bool                   // after the ledger only
	// BadMAC sends the response with its MAC (field 64) altered, on a
	// profile that MACs it; after the ledger only. The terminal cannot
	// trust the answer and reverses with reason A0.
	BadMAC bool
	Close  bool
}

// Interceptor is called twice for each request the server reads, once
// per [Stage]. It runs on the connection's goroutine, so it must not
// block; use Action.Delay to hold a message. It may be called from many
// connections at once.
type Interceptor func(stage Stage, ex *Exchange) Action

// SetIntercept installs f (nil removes it). It takes effect for the next
// request read.
func (s *Server) SetIntercept(f Interceptor) {
	if f == nil {
		s.intercept.Store(nil)
		return
	}
	s.intercept.Store(&f)
}

func (s *Server) interceptor() Interceptor {
	if p := s.intercept.Load(); p != nil {
		return *p
	}
	return nil
}
