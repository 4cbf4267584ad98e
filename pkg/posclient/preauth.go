package posclient

import (
	"context"
	"errors"
	"fmt"
)

// Pre-authorization kinds (预授权, 预授权撤销, 预授权完成), on a host
// profile that has them (hostproto.Rules.PreAuth: cup). Hotels and car
// rental hold an amount at check-in and charge the final bill against it.
const (
	KindPreAuth       Kind = "preauth"        // an amount held on the card
	KindPreAuthCancel Kind = "preauth-cancel" // the hold released in full
	KindCompletion    Kind = "completion"     // a charge against the hold; the rest is released
)

func (k Kind) preAuth() bool {
	return k == KindPreAuth || k == KindPreAuthCancel || k == KindCompletion
}

// counted reports whether k is in the batch totals and the batch upload:
// a hold and its release move no money, so they are not.
func (k Kind) counted() bool {
	return k == KindSale || k == KindRefund || k == KindVoid || k == KindCompletion
}

// conditionOf is DE25: 06 (pre-authorization) for the pre-authorization
// kinds, 00 (normal) for the others.
func conditionOf(k Kind) string {
	if k.preAuth() {
		return "06"
	}
	return "00"
}

// PreAuth holds req.Amount on the card. Like a sale, a decline is a Result
// with State declined, and a transaction with no usable answer is reversed
// (*InDoubtError). It fails with ErrUnsupported on a profile without
// pre-authorization.
func (t *Terminal) PreAuth(ctx context.Context, req SaleRequest) (Result, error) {
	if err := t.needPreAuth(); err != nil {
		return Result{}, err
	}
	if err := checkAmount(req.Amount); err != nil {
		return Result{}, err
	}
	if err := checkPAN(req.PAN); err != nil {
		return Result{}, err
	}
	if req.Expiry != "" && len(req.Expiry) != 4 {
		return Result{}, &InputError{Arg: "expiry", Reason: "want YYMM"}
	}
	ctx, done, err := t.begin(ctx)
	if err != nil {
		return Result{}, err
	}
	defer done()
	mode, err := t.receiptMode(ctx)
	if err != nil {
		return Result{}, err
	}
	tx := t.newTxn(KindPreAuth, req.Amount, NewCard(req.PAN.Reveal(), t.cfg.CardKey))
	tx.ReceiptMode = mode
	return t.online(ctx, tx, req.PAN, req.Expiry, nil)
}

// CompletePreAuth charges amount (0: the whole hold) against the approved
// pre-authorization origRef, with the same card; the host releases the
// rest of the hold. It refuses, before anything is sent, an amount above
// the hold (ErrExceedsRefundable), another card (ErrOtherCard) and a
// pre-authorization already completed or cancelled (ErrNotRefundable).
func (t *Terminal) CompletePreAuth(ctx context.Context, origRef string, amount int64, pan PAN) (Result, error) {
	if amount < 0 {
		return Result{}, &InputError{Arg: "amount", Reason: "negative"}
	}
	return t.preAuthFollowUp(ctx, KindCompletion, origRef, amount, pan)
}

// CancelPreAuth releases the whole hold of the approved pre-authorization
// origRef (same card).
func (t *Terminal) CancelPreAuth(ctx context.Context, origRef string, pan PAN) (Result, error) {
	return t.preAuthFollowUp(ctx, KindPreAuthCancel, origRef, 0, pan)
}

func (t *Terminal) preAuthFollowUp(ctx context.Context, k Kind, origRef string, amount int64, pan PAN) (Result, error) {
	if err := t.needPreAuth(); err != nil {
		return Result{}, err
	}
	if err := checkPAN(pan); err != nil {
		return Result{}, err
	}
	if origRef == "" {
		return Result{}, &InputError{Arg: "reference", Reason: "empty"}
	}
	ctx, done, err := t.begin(ctx)
	if err != nil {
		return Result{}, err
	}
	defer done()
	orig, err := t.j.Get(ctx, origRef)
	if err != nil {
		return Result{}, err
	}
	if orig.Kind != KindPreAuth || orig.State != StateApproved {
		return Result{}, fmt.Errorf("%w: %s is a %s in state %s, not an approved pre-authorization", ErrNotRefundable, origRef, orig.Kind, orig.State)
	}
	if !orig.Card.SameAs(NewCard(pan.Reveal(), t.cfg.CardKey)) {
		return Result{}, fmt.Errorf("%w: %s was held on %s", ErrOtherCard, origRef, orig.Card.Masked)
	}
	linked, err := t.j.Find(ctx, Query{OrigRef: origRef})
	if err != nil {
		return Result{}, err
	}
	for _, l := range linked {
		if l.Kind.preAuth() && l.State != StateDeclined && l.State != StateFailed && l.State != StateReversed {
			return Result{}, fmt.Errorf("%w: %s already has a %s (%s, %s)", ErrNotRefundable, origRef, l.Kind, l.Ref, l.State)
		}
	}
	switch {
	case k == KindPreAuthCancel:
		amount = orig.Amount
	case amount == 0:
		amount = orig.Amount
	case amount > orig.Amount:
		return Result{}, fmt.Errorf("%w: %d asked, %d held by %s", ErrExceedsRefundable, amount, orig.Amount, origRef)
	}
	mode, err := t.receiptMode(ctx)
	if err != nil {
		return Result{}, err
	}
	tx := t.newTxn(k, amount, orig.Card)
	tx.OrigRef, tx.ReceiptMode = orig.Ref, mode
	return t.online(ctx, tx, pan, "", &orig)
}

func (t *Terminal) needPreAuth() error {
	if !t.cfg.Profile.Rules().PreAuth {
		return fmt.Errorf("%w: the %s profile has no pre-authorization (use cup)", ErrUnsupported, t.cfg.Profile.Name())
	}
	return nil
}

// ErrUnsupported: the host profile cannot carry the operation.
var ErrUnsupported = errors.New("posclient: not supported by the host profile")
