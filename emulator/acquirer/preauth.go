package acquirer

import "github.com/poshil/hil/pkg/hostproto"

// preAuth holds the amount on the card: it is decided like a sale (test
// cards and amounts included) and, when approved, the amount leaves the
// available balance until the completion or the cancellation. A
// pre-authorization is not counted in the batch totals.
func (l *Ledger) preAuth(t *terminal, req Request) Result {
	code := l.saleCode(req)
	if code == hostproto.RCApproved {
		l.cards[req.PAN].Balance -= req.Amount
	}
	return result(l.record(t, req, code, nil))
}

// preAuthFollowUp is a cancellation (release the whole hold) or a
// completion (release the hold, charge at most its amount). The original
// is found by RRN when given, else by the terminal's STAN (field 61), and
// must be an approved pre-authorization still holding; the approval code,
// when sent, must be the original's.
func (l *Ledger) preAuthFollowUp(t *terminal, req Request) Result {
	orig := l.original(t, req)
	if req.PAN == "" && orig != nil {
		req.PAN = orig.pan // a cancellation need not carry the card number
	}
	code := hostproto.RCApproved
	switch {
	case req.PAN != "" && !Luhn(req.PAN):
		code = hostproto.RCInvalidCardNumber
	case orig == nil:
		code = hostproto.RCOriginalNotFound
	case orig.Kind != KindPreAuth || orig.Code != hostproto.RCApproved:
		code = hostproto.RCInvalidTransaction
	case orig.State != StateApproved:
		code = hostproto.RCNoActionTaken // already completed, cancelled or reversed
	case req.OrigAuthCode != "" && req.OrigAuthCode != orig.AuthCode:
		code = hostproto.RCOriginalNotFound
	case orig.pan != req.PAN:
		code = hostproto.RCNotPermittedCardholder
	case req.Kind == KindCompletion && (req.Amount == 0 || req.Amount > orig.Amount):
		code = hostproto.RCInvalidAmount
	case req.Kind == KindPreAuthCancel && req.Amount != 0 && req.Amount != orig.Amount:
		code = hostproto.RCInvalidAmount
	}
	if code == hostproto.RCApproved {
		card := l.cards[req.PAN]
		card.Balance += orig.Amount
		if req.Kind == KindCompletion {
			card.Balance -= req.Amount
			orig.State = StateCompleted
		} else {
			orig.State = StateVoided
			if req.Amount == 0 {
				req.Amount = orig.Amount
			}
		}
	}
	return result(l.record(t, req, code, orig))
}
