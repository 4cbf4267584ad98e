package journal

import (
	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient"
)

// CheckNoPAN returns ErrFullPAN when a text field of e holds a run of 13 to
// 19 digits that passes the Luhn check: a full card number that must never
// reach the journal. Every journal implementation calls it before writing.
func CheckNoPAN(e posclient.Entry) error {
	texts := []string{e.Note, e.Txn.Card.Masked, e.Txn.Card.Last4, e.Txn.Ref, e.Txn.OrigRef, e.Txn.RRN, e.Txn.AuthCode}
	if e.Message != nil {
		for _, v := range e.Message.Fields {
			texts = append(texts, v)
		}
	}
	for _, s := range texts {
		if HasPAN(s) {
			return ErrFullPAN
		}
	}
	return nil
}

// HasPAN reports whether s contains a run of 13 to 19 digits that passes
// the Luhn check (hostproto.HasPAN).
func HasPAN(s string) bool { return hostproto.HasPAN(s) }

// MaskPANs masks every full card number in s (hostproto.MaskPANs).
func MaskPANs(s string) string { return hostproto.MaskPANs(s) }
