package posclient

import (
	"context"
	"fmt"

	"github.com/poshil/hil/pkg/posclient/receipt"
)

// receiptOf builds the customer receipt of tx; reprint is 0 for the
// original and n for the n-th duplicate.
func (t *Terminal) receiptOf(ctx context.Context, tx Txn, reprint int) (*receipt.Receipt, error) {
	pan, err := receipt.MaskPAN(tx.Card.Masked)
	if err != nil {
		return nil, err
	}
	typ := receipt.Sale
	switch tx.Kind {
	case KindRefund:
		typ = receipt.Refund
	case KindVoid:
		typ = receipt.Void
	case KindPreAuth:
		typ = receipt.PreAuth
	case KindPreAuthCancel:
		typ = receipt.PreAuthCancel
	case KindCompletion:
		typ = receipt.Completion
	}
	r := &receipt.Receipt{
		MerchantName: t.cfg.MerchantName,
		MerchantID:   tx.MerchantID,
		TerminalID:   tx.TerminalID,
		Type:         typ,
		Copy:         receipt.CustomerCopy,
		PAN:          pan,
		Amount:       receipt.Amount{Minor: tx.Amount, Currency: tx.Currency},
		AuthCode:     tx.AuthCode,
		RRN:          tx.RRN,
		STAN:         fmt.Sprintf("%06d", tx.STAN),
		Batch:        fmt.Sprintf("%06d", tx.Batch),
		Time:         tx.LocalTime,
		Reference:    tx.Ref,
		Reprint:      reprint,
		Interrupted:  tx.Interrupted && reprint == 0,
		Language:     t.cfg.Language,
	}
	if tx.OrigRef != "" {
		if orig, err := t.j.Get(ctx, tx.OrigRef); err == nil {
			r.OriginalRRN = orig.RRN
		}
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// receiptJob is the ESC/POS job of tx's customer receipt.
func (t *Terminal) receiptJob(ctx context.Context, tx Txn, reprint int) ([]byte, error) {
	r, err := t.receiptOf(ctx, tx, reprint)
	if err != nil {
		return nil, err
	}
	opts := t.cfg.ReceiptOptions
	return receipt.Encode(r, &opts)
}

// Receipt returns the receipt model of a journaled transaction (reprint 0:
// the original), e.g. to show it on screen or send it by other means.
func (t *Terminal) Receipt(ctx context.Context, ref string) (*receipt.Receipt, error) {
	tx, err := t.j.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	if tx.State != StateApproved {
		return nil, fmt.Errorf("%w: %s is %s: no receipt", ErrNotFound, ref, tx.State)
	}
	return t.receiptOf(ctx, tx, 0)
}
