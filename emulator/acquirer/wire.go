package acquirer

import (
	"errors"
	"fmt"

	"github.com/poshil/hil/pkg/hostproto"
)

// errUnexpected: a client sent a message only a host sends (a response).
var errUnexpected = errors.New("acquirer: unexpected message type from a terminal")

// inbound is a decoded request with its ledger form.
type inbound struct {
	msg    hostproto.Message
	req    Request
	ledger bool // false for 0800: answered without the ledger
	// keys MAC the answer (profiles with a MAC): the terminal's keys when
	// the request came, or the new ones a sign-on hands out.
	keys *hostproto.WorkingKeys
	// badMAC is why the request's MAC did not verify; the server answers
	// A0 without the ledger.
	badMAC error
}

// decodeRequest unpacks one frame body into a request, verifying its MAC
// when the profile MACs it: with the keys of the sign-on on this
// connection (connKeys), else with the terminal's latest keys.
func (s *Server) decodeRequest(body []byte, connKeys *hostproto.WorkingKeys) (*inbound, error) {
	p := s.profile
	keys := connKeys
	termKeys := func() *hostproto.WorkingKeys {
		if h, err := p.Peek(body); err == nil {
			return s.terminalKeys(h.TerminalID)
		}
		return nil
	}
	mac := p.Rules().MAC
	if mac && keys == nil {
		keys = termKeys()
	}
	m, err := p.Decode(body, keys)
	if mac && connKeys != nil && errors.Is(err, hostproto.ErrBadMAC) {
		// The terminal may have signed on again on another connection.
		if k := termKeys(); k != nil && k != keys {
			keys = k
			m, err = p.Decode(body, keys)
		}
	}
	var badMAC error
	if err != nil {
		if m == nil || !errors.Is(err, hostproto.ErrBadMAC) {
			return nil, err
		}
		badMAC = err
	}
	in, err := requestOf(m)
	if err != nil {
		return nil, err
	}
	in.keys, in.badMAC = keys, badMAC
	in.req.Folded = p.Rules().FoldedTotals
	return in, nil
}

// requestOf gives a decoded request its ledger form.
func requestOf(m hostproto.Message) (*inbound, error) {
	in := &inbound{msg: m, ledger: true}
	h := m.Header()
	in.req.Terminal = h.TerminalID
	in.req.STAN = h.STAN.String()
	switch m := m.(type) {
	case *hostproto.FinancialRequest:
		switch m.ProcessingCode {
		case hostproto.ProcSale:
			in.req.Kind = KindSale
		case hostproto.ProcRefund:
			in.req.Kind = KindRefund
		case hostproto.ProcVoid:
			in.req.Kind = KindVoid
		case hostproto.ProcPreAuth:
			in.req.Kind = KindPreAuth
		case hostproto.ProcPreAuthCancel:
			in.req.Kind = KindPreAuthCancel
		case hostproto.ProcPreAuthComplete:
			in.req.Kind = KindCompletion
		}
		in.req.PAN = m.PAN.Reveal()
		in.req.Expiry = string(m.Expiry)
		in.req.Amount = int64(m.Amount)
		in.req.OrigRRN = m.RRN
		if !m.Original.IsZero() {
			in.req.OrigSTAN = m.Original.STAN.String()
		}
		if in.req.Kind == KindPreAuthCancel || in.req.Kind == KindCompletion {
			in.req.OrigAuthCode = m.AuthCode
		}
	case *hostproto.ReversalRequest:
		in.req.Kind = KindReversal
		in.req.PAN = m.PAN.Reveal()
		in.req.Amount = int64(m.Amount)
		in.req.Repeat = m.Repeat
		in.req.OrigSTAN = m.Original.STAN.String()
	case *hostproto.SettlementRequest:
		in.req.Kind = KindSettle
		in.req.Final = m.ProcessingCode == hostproto.ProcSettleAfterUpload
		in.req.Totals = totalsFromWire(m.Totals)
	case *hostproto.BatchUploadRequest:
		in.req.Kind = KindUpload
		for _, r := range m.Records {
			in.req.Records = append(in.req.Records, Record{
				STAN: r.STAN.String(), Type: kindOfProc(r.ProcessingCode), Amount: int64(r.Amount), RRN: r.RRN,
			})
		}
	case *hostproto.NetworkRequest:
		in.ledger = false
	default:
		return nil, fmt.Errorf("%w: %s", errUnexpected, m.MTI())
	}
	return in, nil
}

func kindOfProc(pc hostproto.ProcessingCode) Kind {
	switch pc {
	case "":
		return 0 // the profile's upload records carry no type (cup)
	case hostproto.ProcSale:
		return KindSale
	case hostproto.ProcRefund:
		return KindRefund
	case hostproto.ProcVoid:
		return KindVoid
	}
	return 0
}

func procOfKind(k Kind) hostproto.ProcessingCode {
	switch k {
	case KindCompletion:
		return hostproto.ProcPreAuthComplete
	case KindRefund:
		return hostproto.ProcRefund
	case KindVoid:
		return hostproto.ProcVoid
	}
	return hostproto.ProcSale
}

func totalsFromWire(t hostproto.Totals) Totals {
	return Totals{
		CreditsCount: t.CreditCount, CreditReversalsCount: t.CreditReversalCount,
		DebitsCount: t.DebitCount, DebitReversalsCount: t.DebitReversalCount,
		CreditsAmount: int64(t.CreditAmount), CreditReversalsAmount: int64(t.CreditReversalAmount),
		DebitsAmount: int64(t.DebitAmount), DebitReversalsAmount: int64(t.DebitReversalAmount),
	}
}

func totalsToWire(t Totals) hostproto.Totals {
	return hostproto.Totals{
		CreditCount: t.CreditsCount, CreditReversalCount: t.CreditReversalsCount,
		DebitCount: t.DebitsCount, DebitReversalCount: t.DebitReversalsCount,
		CreditAmount: hostproto.Amount(t.CreditsAmount), CreditReversalAmount: hostproto.Amount(t.CreditReversalsAmount),
		DebitAmount: hostproto.Amount(t.DebitsAmount), DebitReversalAmount: hostproto.Amount(t.DebitReversalsAmount),
	}.WithNet()
}

// exchange describes the request for an Interceptor.
func (in *inbound) exchange() *Exchange {
	h := in.msg.Header()
	ex := &Exchange{Terminal: h.TerminalID, MTI: h.MTI, STAN: h.STAN.String(), Request: in.msg, Amount: in.req.Amount}
	switch m := in.msg.(type) {
	case *hostproto.FinancialRequest:
		ex.Proc = m.ProcessingCode
		ex.PANLast4 = lastDigits(m.PAN)
	case *hostproto.ReversalRequest:
		ex.Proc = m.ProcessingCode
		ex.PANLast4 = lastDigits(m.PAN)
	case *hostproto.SettlementRequest:
		ex.Proc = m.ProcessingCode
	}
	return ex
}

func lastDigits(p hostproto.PAN) string {
	if p == "" {
		return ""
	}
	return p.Last4()
}

// process applies the request to the ledger (0800 sign-on only
// registers the terminal and, on a profile with a MAC, hands it new
// working keys).
func (in *inbound) process(s *Server) (Result, error) {
	if !in.ledger {
		res := Result{Code: hostproto.RCApproved, Batch: s.ledger.SignOn(in.req.Terminal)}
		if nr, ok := in.msg.(*hostproto.NetworkRequest); ok && nr.Code == hostproto.NetSignOn && s.profile.Rules().MAC {
			k, err := hostproto.NewWorkingKeys()
			if err != nil {
				return Result{Code: hostproto.RCSystemMalfunction}, err
			}
			s.setTerminalKeys(in.req.Terminal, k)
			in.keys = k
		}
		return res, nil
	}
	return s.ledger.Process(in.req)
}

// outbound is a response ready to send.
type outbound struct {
	msg  hostproto.Message
	code hostproto.ResponseCode
	keys *hostproto.WorkingKeys // MAC it (profiles with a MAC)
}

// respond builds the response to in carrying res.
func (in *inbound) respond(res Result) *outbound {
	rc := res.Code
	batch := hostproto.BatchNumber(res.Batch)
	var out hostproto.Message
	switch m := in.msg.(type) {
	case *hostproto.FinancialRequest:
		r := m.Response(rc)
		r.RRN, r.AuthCode, r.Batch = res.RRN, res.AuthCode, batch
		out = r
	case *hostproto.ReversalRequest:
		r := m.Response(rc)
		if r.RRN == "" {
			r.RRN = res.RRN
		}
		out = r
	case *hostproto.SettlementRequest:
		r := m.Response(rc)
		if res.Code == hostproto.RCReconcileError || res.Host != (Totals{}) {
			ht := totalsToWire(res.Host)
			r.HostTotals = &ht
		}
		for _, d := range res.Diffs {
			if len(r.Differences) == hostproto.MaxDifferences {
				break // the full report is in the admin API
			}
			st, err := hostproto.ParseSTAN(d.STAN)
			if err != nil {
				continue
			}
			r.Differences = append(r.Differences, hostproto.Difference{
				STAN: st, ProcessingCode: procOfKind(d.Type), RRN: d.RRN, Kind: hostproto.DifferenceKind(d.Kind),
				TerminalAmount: hostproto.Amount(d.TerminalAmount), HostAmount: hostproto.Amount(d.HostAmount),
			})
		}
		out = r
	case *hostproto.BatchUploadRequest:
		out = m.Response(rc)
	case *hostproto.NetworkRequest:
		r := m.Response(rc)
		if m.Code == hostproto.NetSignOn {
			r.Batch = batch
			if rc == hostproto.RCApproved {
				r.Keys = in.keys
			}
		}
		out = r
	}
	return &outbound{msg: out, code: res.Code, keys: in.keys}
}

// encode packs the response; wrongSTAN answers with the next STAN
// instead of the request's.
func (o *outbound) encode(p hostproto.Profile, wrongSTAN bool) ([]byte, error) {
	m := o.msg
	if wrongSTAN {
		m = withSTAN(m, m.Header().STAN.Next())
	}
	return p.AppendEncode(nil, m, o.keys)
}

// withSTAN returns a copy of a response with another STAN.
func withSTAN(m hostproto.Message, s hostproto.STAN) hostproto.Message {
	switch m := m.(type) {
	case *hostproto.FinancialResponse:
		c := *m
		c.STAN = s
		return &c
	case *hostproto.ReversalResponse:
		c := *m
		c.STAN = s
		return &c
	case *hostproto.SettlementResponse:
		c := *m
		c.STAN = s
		return &c
	case *hostproto.BatchUploadResponse:
		c := *m
		c.STAN = s
		return &c
	case *hostproto.NetworkResponse:
		c := *m
		c.STAN = s
		return &c
	}
	return m
}
