package acquirerfaults

import (
	"strings"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/faults"
	"github.com/poshil/hil/pkg/hostproto"
)

// PhantomAmount is the amount (minor units) of the sale settlement-mismatch
// adds to the host's books, and PhantomSTAN its STAN.
const (
	PhantomAmount = 123
	PhantomSTAN   = "999999"
)

var (
	beforeKinds = []faults.Kind{faults.Disconnect, faults.DropRequest}
	afterKinds  = []faults.Kind{faults.Delay, faults.DropResponse, faults.DuplicateResponse, faults.MalformedResponse, faults.WrongSTAN}
)

func isReversal(mti hostproto.MTI) bool {
	switch mti {
	case hostproto.MTIReversalRequest, hostproto.MTIReversalRepeat,
		hostproto.MTIReversalAdvice, hostproto.MTIReversalAdviceRepeat:
		return true
	}
	return false
}

func isSettlement(mti hostproto.MTI) bool { return strings.HasPrefix(string(mti), "05") }

func declinable(mti hostproto.MTI) bool {
	return strings.HasPrefix(string(mti), "01") || strings.HasPrefix(string(mti), "02")
}

func event(stage acquirer.Stage, ex *acquirer.Exchange) faults.Event {
	ev := faults.Event{Target: faults.TargetAcquirer, Hit: faults.Hit{
		MTI: string(ex.MTI), STAN: ex.STAN, Proc: string(ex.Proc), Amount: ex.Amount,
		Terminal: ex.Terminal, Conn: "acquirer#" + itoa(ex.Conn),
	}}
	switch r := ex.Request.(type) {
	case *hostproto.FinancialRequest:
		ev.PAN = r.PAN.Reveal()
	case *hostproto.ReversalRequest:
		ev.PAN = r.PAN.Reveal()
	}
	if ev.PAN == "" && ex.PANLast4 != "" {
		ev.PAN = ex.PANLast4 // last-digit rules still match
	}
	if stage == acquirer.AfterLedger {
		ev.Note = "after ledger, code " + string(ex.Code)
	} else {
		ev.Note = "before ledger"
	}
	return ev
}

func itoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// Interceptor returns an acquirer.Interceptor that asks in, for each
// request, which acquirer rules fire and turns them into an Action.
// With a ledger (the server's), settlement-mismatch records a phantom sale
// in it; without, it answers the 0500 with hostproto.RCReconcileError instead.
func Interceptor(in *faults.Injector, ledger *acquirer.Ledger) acquirer.Interceptor {
	return func(stage acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		ev := event(stage, ex)
		var act acquirer.Action
		if stage == acquirer.BeforeLedger {
			kinds := beforeKinds
			if declinable(ex.MTI) {
				kinds = append(kinds[:len(kinds):len(kinds)], faults.Decline)
			}
			if isReversal(ex.MTI) {
				kinds = append(kinds[:len(kinds):len(kinds)], faults.ReversalLost)
			}
			if isSettlement(ex.MTI) && ex.Proc != hostproto.ProcSettleAfterUpload {
				kinds = append(kinds[:len(kinds):len(kinds)], faults.SettlementMismatch)
			}
			for _, f := range in.Fire(ev, kinds...) {
				switch f.Rule.Kind {
				case faults.Disconnect:
					act.Close = true
				case faults.DropRequest, faults.ReversalLost:
					act.Drop = true
				case faults.Decline:
					act.Respond = hostproto.ResponseCode(f.Rule.Code)
				case faults.SettlementMismatch:
					if ledger == nil {
						// No ledger to unbalance: answer the 0500 "totals
						// out of balance" instead.
						act.Respond = hostproto.RCReconcileError
						continue
					}
					ledger.Process(acquirer.Request{Kind: acquirer.KindSale, Terminal: ex.Terminal,
						STAN: PhantomSTAN, PAN: acquirer.CardApprove, Amount: PhantomAmount})
				}
			}
			return act
		}
		for _, f := range in.Fire(ev, afterKinds...) {
			switch f.Rule.Kind {
			case faults.Delay:
				act.Delay += f.Rule.By
			case faults.DropResponse:
				act.Drop = true
			case faults.DuplicateResponse:
				act.Duplicate = true
			case faults.MalformedResponse:
				act.Malform = true
			case faults.WrongSTAN:
				act.WrongSTAN = true
			}
		}
		return act
	}
}

// Attach installs the plan's acquirer rules on srv (replacing any
// interceptor it had) and registers with in, so that heal reaches it. The
// returned function removes both.
func Attach(srv *acquirer.Server, in *faults.Injector) (detach func()) {
	srv.SetIntercept(Interceptor(in, srv.Ledger()))
	undo := in.Attach(faults.TargetAcquirer, faults.Applier{})
	return func() {
		undo()
		srv.SetIntercept(nil)
	}
}
