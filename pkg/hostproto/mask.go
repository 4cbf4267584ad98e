package hostproto

// A full card number in free text is a run of MinTextPAN to 19 digits that
// passes the Luhn check. Shorter runs are left alone: a 12-digit retrieval
// reference number (DE37) passes the check one time in ten and is not a
// card number.
const MinTextPAN = 13

// HasPAN reports whether s contains what looks like a full card number: a
// run of 13 to 19 digits, not part of a longer run, that passes the Luhn
// check.
func HasPAN(s string) bool {
	found := false
	eachPAN(s, func(int, int) bool { found = true; return false })
	return found
}

// MaskPANs returns s with every full card number in it (see HasPAN) masked
// as PAN.Masked does: the first 6 and last 4 digits kept, the rest '*'. It
// returns s itself when there is nothing to mask. Use it on any text the
// harness writes out that may quote what a user typed: reports, logs,
// script lines.
func MaskPANs(s string) string {
	var out []byte
	last := 0
	eachPAN(s, func(i, j int) bool {
		if out == nil {
			out = make([]byte, 0, len(s))
		}
		out = append(out, s[last:i]...)
		out = append(out, PAN(s[i:j]).Masked()...)
		last = j
		return true
	})
	if out == nil {
		return s
	}
	return string(append(out, s[last:]...))
}

// eachPAN calls f with the bounds of every card number in s until f
// returns false.
func eachPAN(s string, f func(i, j int) bool) {
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if n := i - start; n >= MinTextPAN && n <= 19 && Luhn(s[start:i]) {
				if !f(start, i) {
					return
				}
			}
			start = -1
		}
	}
}
