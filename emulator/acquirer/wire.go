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
}

// decodeRequest unpacks one frame body into a request.
func decodeRequest(body []byte) (*inbound, error) {
	m, err := hostproto.Decode(body)
	if err != nil {
		return nil, err
	}
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
		}
		in.req.PAN = m.PAN.Reveal()
		in.req.Expiry = string(m.Expiry)
		in.req.Amount = int64(m.Amount)
		in.req.OrigRRN = m.RRN
		if !m.Original.IsZero() {
			in.req.OrigSTAN = m.Original.STAN.String()
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
// registers the terminal).
func (in *inbound) process(l *Ledger) (Result, error) {
	if !in.ledger {
		return Result{Code: CodeApproved, Batch: l.SignOn(in.req.Terminal)}, nil
	}
	return l.Process(in.req)
}

// outbound is a response ready to send.
type outbound struct {
	msg  hostproto.Message
	code string
}

// respond builds the response to in carrying res.
func (in *inbound) respond(res Result) *outbound {
	rc := hostproto.ResponseCode(res.Code)
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
		if res.Code == CodeReconcileError || res.Host != (Totals{}) {
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
		}
		out = r
	}
	return &outbound{msg: out, code: res.Code}
}

// encode packs the response; wrongSTAN answers with the next STAN
// instead of the request's.
func (o *outbound) encode(wrongSTAN bool) ([]byte, error) {
	m := o.msg
	if wrongSTAN {
		m = withSTAN(m, m.Header().STAN.Next())
	}
	return hostproto.Encode(m)
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
