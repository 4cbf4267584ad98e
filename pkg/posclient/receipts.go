package posclient

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/poshil/hil/pkg/posclient/receipt"
)

// receiptOf builds one copy of the receipt of tx; reprint is 0 for the
// original and n for the n-th duplicate.
func (t *Terminal) receiptOf(ctx context.Context, tx Txn, reprint int, cp receipt.Copy) (*receipt.Receipt, error) {
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
		MerchantName:    t.cfg.MerchantName,
		MerchantAddress: t.cfg.MerchantHeader,
		MerchantID:      tx.MerchantID,
		TerminalID:      tx.TerminalID,
		Type:            typ,
		Copy:            cp,
		PAN:             pan,
		Amount:          receipt.Amount{Minor: tx.Amount, Currency: tx.Currency},
		AuthCode:        tx.AuthCode,
		RRN:             tx.RRN,
		STAN:            fmt.Sprintf("%06d", tx.STAN),
		Batch:           fmt.Sprintf("%06d", tx.Batch),
		Time:            tx.LocalTime,
		Reference:       tx.Ref,
		Reprint:         reprint,
		Interrupted:     tx.Interrupted && reprint == 0,
		Language:        t.cfg.Language,
		EReceiptURL:     t.eReceiptURL(tx),
	}
	if tx.State == StateDeclined {
		r.Declined, r.EReceiptURL = tx.ResponseCode, "" // a slip, not a receipt to fetch
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

// eReceiptURL expands Config.EReceiptURL for tx ("" when not set).
func (t *Terminal) eReceiptURL(tx Txn) string {
	if t.cfg.EReceiptURL == "" {
		return ""
	}
	return strings.NewReplacer("{ref}", url.PathEscape(tx.Ref), "{rrn}", url.PathEscape(tx.RRN),
		"{terminal}", url.PathEscape(tx.TerminalID), "{merchant}", url.PathEscape(tx.MerchantID)).Replace(t.cfg.EReceiptURL)
}

// copies returns the copies to print: all configured for an original, the
// customer copy (or the first) for a duplicate.
func (t *Terminal) copies(reprint int) []receipt.Copy {
	cs := t.cfg.Copies
	if len(cs) == 0 {
		cs = []receipt.Copy{receipt.CustomerCopy}
	}
	if reprint == 0 {
		return cs
	}
	for _, c := range cs {
		if c == receipt.CustomerCopy {
			return []receipt.Copy{c}
		}
	}
	return cs[:1]
}

// receiptJob is the ESC/POS job of tx's receipt: every copy, each cut, in
// one job, so that one print confirmation covers them all.
func (t *Terminal) receiptJob(ctx context.Context, tx Txn, reprint int) ([]byte, error) {
	var job []byte
	for _, cp := range t.copies(reprint) {
		r, err := t.receiptOf(ctx, tx, reprint, cp)
		if err != nil {
			return nil, err
		}
		opts := t.cfg.ReceiptOptions
		b, err := receipt.Encode(r, &opts)
		if err != nil {
			return nil, err
		}
		job = append(job, b...)
	}
	return job, nil
}

// printDecline prints the decline slip of tx when Config.DeclineReceipt is
// set: best effort, logged, never owed.
func (t *Terminal) printDecline(ctx context.Context, tx Txn) {
	if !t.cfg.DeclineReceipt || t.cfg.Printer == nil {
		return
	}
	r, err := t.receiptOf(ctx, tx, 0, receipt.CustomerCopy)
	if err == nil {
		opts := t.cfg.ReceiptOptions
		var job []byte
		if job, err = receipt.Encode(r, &opts); err == nil {
			err = t.cfg.Printer.Print(ctx, job)
		}
	}
	if err != nil {
		t.log.Warn("decline slip not printed", "ref", tx.Ref, "err", err)
	}
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
	return t.receiptOf(ctx, tx, 0, receipt.CustomerCopy)
}
