package journal

import (
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
// the Luhn check.
func HasPAN(s string) bool {
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if run := s[start:i]; len(run) >= 13 && len(run) <= 19 && luhn(run) {
				return true
			}
			start = -1
		}
	}
	return false
}

func luhn(d string) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}
