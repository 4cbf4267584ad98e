package hostproto

import (
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// MTI is a message type indicator of ISO 8583:1987, such as "0200". Its
// String method adds the name: "0200 financial request".
type MTI string

// Message types of the profile.
const (
	MTIFinancialRequest       MTI = "0200"
	MTIFinancialResponse      MTI = "0210"
	MTIBatchUpload            MTI = "0320"
	MTIBatchUploadResponse    MTI = "0330"
	MTIReversalRequest        MTI = "0400"
	MTIReversalRepeat         MTI = "0401"
	MTIReversalResponse       MTI = "0410"
	MTIReversalAdvice         MTI = "0420"
	MTIReversalAdviceRepeat   MTI = "0421"
	MTIReversalAdviceResponse MTI = "0430"
	MTISettlementRequest      MTI = "0500"
	MTISettlementResponse     MTI = "0510"
	MTINetworkRequest         MTI = "0800"
	MTINetworkResponse        MTI = "0810"
)

var mtiNames = map[MTI]string{
	MTIFinancialRequest:       "financial request",
	MTIFinancialResponse:      "financial response",
	MTIBatchUpload:            "batch upload",
	MTIBatchUploadResponse:    "batch upload response",
	MTIReversalRequest:        "reversal request",
	MTIReversalRepeat:         "reversal request repeat",
	MTIReversalResponse:       "reversal response",
	MTIReversalAdvice:         "reversal advice",
	MTIReversalAdviceRepeat:   "reversal advice repeat",
	MTIReversalAdviceResponse: "reversal advice response",
	MTISettlementRequest:      "settlement request",
	MTISettlementResponse:     "settlement response",
	MTINetworkRequest:         "network management request",
	MTINetworkResponse:        "network management response",
}

// String returns the MTI and its name, e.g. "0400 reversal request".
func (m MTI) String() string {
	if n, ok := mtiNames[m]; ok {
		return string(m) + " " + n
	}
	return string(m) + " unknown"
}

// Known reports whether m is one of the profile's message types.
func (m MTI) Known() bool { _, ok := mtiNames[m]; return ok }

// IsResponse reports whether m is a response (third digit 1, 3, 5 or 7).
func (m MTI) IsResponse() bool {
	return len(m) == 4 && (m[2]-'0')%2 == 1
}

// IsRepeat reports whether m is a repeat (fourth digit 1), e.g. 0401.
func (m MTI) IsRepeat() bool { return len(m) == 4 && m[3] == '1' }

// Response returns the MTI answering m: 0200→0210, 0401→0410, 0421→0430.
func (m MTI) Response() MTI {
	if len(m) != 4 {
		return m
	}
	return MTI([]byte{m[0], m[1], m[2] + 1, '0'})
}

// Repeat returns the repeat form of m: 0400→0401, 0420→0421.
func (m MTI) Repeat() MTI {
	if len(m) != 4 {
		return m
	}
	return MTI([]byte{m[0], m[1], m[2], '1'})
}

// ProcessingCode is data element 3: transaction type (2 digits), from
// account (2) and to account (2). String adds the name: "000000 sale".
type ProcessingCode string

// Processing codes of the profile.
const (
	ProcSale   ProcessingCode = "000000" // 0200 sale (purchase)
	ProcVoid   ProcessingCode = "020000" // 0200 void of an earlier sale or refund
	ProcRefund ProcessingCode = "200000" // 0200 refund to the card of an earlier sale
	// ProcSettle opens settlement (first 0500 of a batch close).
	ProcSettle ProcessingCode = "920000"
	// ProcSettleAfterUpload closes the batch after a batch upload (final 0500).
	ProcSettleAfterUpload ProcessingCode = "960000"

	// Pre-authorization codes. They are poshil's typed names for the
	// three pre-authorization messages of the cup profile ([CUP]); the
	// iso87 profile has no pre-authorization and refuses them. On the CUP
	// wire they become (MTI, DE3, 60.1) = (0100, 030000, 10), (0100,
	// 200000, 11) and (0200, 000000, 20): see docs/profiles.md.
	ProcPreAuth         ProcessingCode = "030000" // 预授权: hold an amount on the card
	ProcPreAuthCancel   ProcessingCode = "030020" // 预授权撤销: release the hold
	ProcPreAuthComplete ProcessingCode = "030040" // 预授权完成: charge against the hold
)

var procNames = map[ProcessingCode]string{
	ProcSale:              "sale",
	ProcVoid:              "void",
	ProcRefund:            "refund",
	ProcSettle:            "settlement",
	ProcSettleAfterUpload: "settlement after batch upload",
	ProcPreAuth:           "pre-authorization",
	ProcPreAuthCancel:     "pre-authorization cancellation",
	ProcPreAuthComplete:   "pre-authorization completion",
}

// String returns the code and its name, e.g. "200000 refund".
func (p ProcessingCode) String() string {
	if n, ok := procNames[p]; ok {
		return string(p) + " " + n
	}
	return string(p) + " unknown"
}

// Financial reports whether p is a code a 0200 (or its reversal) may carry.
func (p ProcessingCode) Financial() bool {
	return p == ProcSale || p == ProcVoid || p == ProcRefund
}

// PreAuth reports whether p is one of the pre-authorization codes.
func (p ProcessingCode) PreAuth() bool {
	return p == ProcPreAuth || p == ProcPreAuthCancel || p == ProcPreAuthComplete
}

// ResponseCode is data element 39. Its String method adds the meaning:
// "51 insufficient funds". A decline is a result, not an error.
type ResponseCode string

// Response codes (ISO 8583:1987 DE39).
const (
	RCApproved               ResponseCode = "00"
	RCReferToIssuer          ResponseCode = "01"
	RCInvalidMerchant        ResponseCode = "03"
	RCPickUp                 ResponseCode = "04"
	RCDoNotHonour            ResponseCode = "05"
	RCError                  ResponseCode = "06"
	RCInvalidTransaction     ResponseCode = "12"
	RCInvalidAmount          ResponseCode = "13"
	RCInvalidCardNumber      ResponseCode = "14"
	RCNoSuchIssuer           ResponseCode = "15"
	RCReEnter                ResponseCode = "19"
	RCNoActionTaken          ResponseCode = "21"
	RCOriginalNotFound       ResponseCode = "25"
	RCFormatError            ResponseCode = "30"
	RCLostCard               ResponseCode = "41"
	RCStolenCard             ResponseCode = "43"
	RCInsufficientFunds      ResponseCode = "51"
	RCExpiredCard            ResponseCode = "54"
	RCIncorrectPIN           ResponseCode = "55"
	RCNotPermittedCardholder ResponseCode = "57"
	RCNotPermittedTerminal   ResponseCode = "58"
	RCExceedsAmountLimit     ResponseCode = "61"
	RCRestrictedCard         ResponseCode = "62"
	RCSecurityViolation      ResponseCode = "63"
	RCExceedsFrequency       ResponseCode = "65"
	RCResponseTooLate        ResponseCode = "68"
	RCPINTriesExceeded       ResponseCode = "75"
	RCCutoffInProgress       ResponseCode = "90"
	RCIssuerInoperative      ResponseCode = "91"
	RCNoRouting              ResponseCode = "92"
	RCDuplicateTransmission  ResponseCode = "94"
	RCReconcileError         ResponseCode = "95"
	RCSystemMalfunction      ResponseCode = "96"
	RCReversalNoResponse     ResponseCode = "98" // reversal reason in a 0400's DE39: no response received
	// RCMACError answers a request whose MAC (DE64) does not verify, and
	// is the reversal reason when a response's MAC does not (cup profile).
	RCMACError ResponseCode = "A0"
)

var rcNames = map[ResponseCode]string{
	RCApproved:               "approved",
	RCReferToIssuer:          "refer to card issuer",
	RCInvalidMerchant:        "invalid merchant",
	RCPickUp:                 "pick up card",
	RCDoNotHonour:            "do not honour",
	RCError:                  "error",
	RCInvalidTransaction:     "invalid transaction",
	RCInvalidAmount:          "invalid amount",
	RCInvalidCardNumber:      "invalid card number",
	RCNoSuchIssuer:           "no such issuer",
	RCReEnter:                "re-enter transaction",
	RCNoActionTaken:          "no action taken",
	RCOriginalNotFound:       "unable to locate original transaction",
	RCFormatError:            "format error",
	RCLostCard:               "lost card",
	RCStolenCard:             "stolen card",
	RCInsufficientFunds:      "insufficient funds",
	RCExpiredCard:            "expired card",
	RCIncorrectPIN:           "incorrect PIN",
	RCNotPermittedCardholder: "transaction not permitted to cardholder",
	RCNotPermittedTerminal:   "transaction not permitted to terminal",
	RCExceedsAmountLimit:     "exceeds withdrawal amount limit",
	RCRestrictedCard:         "restricted card",
	RCSecurityViolation:      "security violation",
	RCExceedsFrequency:       "exceeds withdrawal frequency limit",
	RCResponseTooLate:        "response received too late",
	RCPINTriesExceeded:       "PIN tries exceeded",
	RCCutoffInProgress:       "cutoff in progress",
	RCIssuerInoperative:      "issuer or switch inoperative",
	RCNoRouting:              "no routing to issuer",
	RCDuplicateTransmission:  "duplicate transmission",
	RCReconcileError:         "reconcile error (totals do not balance)",
	RCSystemMalfunction:      "system malfunction",
	RCReversalNoResponse:     "no response received (reversal reason)",
	RCMACError:               "MAC verification failed",
}

// String returns the code and its meaning, e.g. "05 do not honour".
func (c ResponseCode) String() string {
	return string(c) + " " + c.Meaning()
}

// Meaning returns the meaning of the code, or "unknown".
func (c ResponseCode) Meaning() string {
	if n, ok := rcNames[c]; ok {
		return n
	}
	return "unknown"
}

// Approved reports whether c is "00".
func (c ResponseCode) Approved() bool { return c == RCApproved }

// NetworkCode is data element 70 of a 0800/0810.
type NetworkCode string

// Network management codes.
const (
	NetSignOn  NetworkCode = "001"
	NetSignOff NetworkCode = "002"
	NetEcho    NetworkCode = "301"
)

var netNames = map[NetworkCode]string{NetSignOn: "sign-on", NetSignOff: "sign-off", NetEcho: "echo test"}

// String returns the code and its name, e.g. "301 echo test".
func (c NetworkCode) String() string {
	if n, ok := netNames[c]; ok {
		return string(c) + " " + n
	}
	return string(c) + " unknown"
}

// Amount is a money amount in minor units (cents). The profile carries it
// in DE4 as n12, so a transaction amount is 0..999,999,999,999.
type Amount int64

// MaxAmount is the largest amount DE4 can carry.
const MaxAmount Amount = 999_999_999_999

// String formats a with two decimals: Amount(1234) is "12.34".
func (a Amount) String() string {
	sign := ""
	u := uint64(a)
	if a < 0 {
		sign = "-"
		u = uint64(-a)
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// PAN is a primary account number. String, Format, GoString, LogValue and
// MarshalText all return the masked form (first 6, last 4), so a PAN put
// in a log line, an error or a JSON document never shows the full number.
// Use [PAN.Reveal] where the full number is needed (the wire).
type PAN string

var (
	_ fmt.Stringer   = PAN("")
	_ fmt.GoStringer = PAN("")
	_ fmt.Formatter  = PAN("")
	_ slog.LogValuer = PAN("")
)

// Masked returns p with all but the first 6 and last 4 digits replaced by
// '*': "424242******4242". A number shorter than 13 digits keeps only its
// last 4 digits; one shorter than 8 is masked entirely.
func (p PAN) Masked() string {
	n := len(p)
	b := []byte(p)
	keepHead, keepTail := 6, 4
	switch {
	case n < 8:
		keepHead, keepTail = 0, 0
	case n < 13:
		keepHead = 0
	}
	for i := keepHead; i < n-keepTail; i++ {
		b[i] = '*'
	}
	return string(b)
}

// String returns the masked PAN.
func (p PAN) String() string { return p.Masked() }

// Format formats the masked PAN with any verb and flags, so that no verb
// (not even a wrong one such as %d) prints the full number.
func (p PAN) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, fmt.FormatString(f, verb), p.Masked())
}

// GoString returns the masked PAN, quoted, so %#v does not reveal it.
func (p PAN) GoString() string { return strconv.Quote(p.Masked()) }

// LogValue returns the masked PAN for log/slog.
func (p PAN) LogValue() slog.Value { return slog.StringValue(p.Masked()) }

// MarshalText returns the masked PAN. There is deliberately no
// UnmarshalText counterpart doing the reverse.
func (p PAN) MarshalText() ([]byte, error) { return []byte(p.Masked()), nil }

// Reveal returns the full number.
func (p PAN) Reveal() string { return string(p) }

// Last4 returns the last four digits (all of p if shorter).
func (p PAN) Last4() string {
	if len(p) <= 4 {
		return string(p)
	}
	return string(p[len(p)-4:])
}

// Validate checks that p is 12 to 19 digits with a correct Luhn check
// digit. The error wraps [ErrBadField] and does not quote the number.
func (p PAN) Validate() error {
	if len(p) < 12 || len(p) > 19 {
		return fmt.Errorf("%w: card number has %d digits, want 12 to 19", ErrBadField, len(p))
	}
	if i := badByte(fmtN, []byte(p)); i >= 0 {
		return fmt.Errorf("%w: card number has a non-digit at position %d", ErrBadField, i+1)
	}
	if !Luhn(string(p)) {
		return fmt.Errorf("%w: card number %s fails the Luhn check", ErrBadField, p.Masked())
	}
	return nil
}

// Luhn reports whether digits is a non-empty string of digits whose last
// digit is the correct Luhn (mod 10) check digit.
func Luhn(digits string) bool {
	if digits == "" {
		return false
	}
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// LuhnDigit returns the check digit to append to partial so that the
// result passes [Luhn]. It reports false if partial is not all digits.
func LuhnDigit(partial string) (byte, bool) {
	for d := byte('0'); d <= '9'; d++ {
		if Luhn(partial + string(d)) {
			return d, true
		}
	}
	return 0, false
}

// STAN is a system trace audit number (DE11), 1..999999. The zero value
// means "not set".
type STAN uint32

// MaxSTAN is the largest STAN; [STAN.Next] wraps from it to 1.
const MaxSTAN STAN = 999_999

// Next returns the following STAN, wrapping 999999 (and 0) to 1.
func (s STAN) Next() STAN {
	if s >= MaxSTAN {
		return 1
	}
	return s + 1
}

// String returns the six-digit form, e.g. "000042".
func (s STAN) String() string { return pad6(uint32(s)) }

// ParseSTAN parses a six-digit STAN in 000001..999999.
func ParseSTAN(s string) (STAN, error) {
	v, err := parseDigits(s, 6)
	if err != nil || v == 0 {
		return 0, fmt.Errorf("%w: STAN %q is not 000001..999999", ErrBadField, s)
	}
	return STAN(v), nil
}

// BatchNumber identifies a terminal's batch (DE60, n6), 1..999999. The
// zero value means "not set".
type BatchNumber uint32

// Next returns the following batch number, wrapping 999999 to 1.
func (b BatchNumber) Next() BatchNumber {
	if b >= 999_999 {
		return 1
	}
	return b + 1
}

// String returns the six-digit form, e.g. "000001".
func (b BatchNumber) String() string { return pad6(uint32(b)) }

func pad6(v uint32) string {
	var buf [6]byte
	for i := 5; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return string(buf[:])
}

// DateTime is a transmission date and time (DE7 and inside DE90),
// MMDDhhmmss in UTC. The year does not travel.
type DateTime string

// DateTimeOf returns t in UTC as MMDDhhmmss.
func DateTimeOf(t time.Time) DateTime { return DateTime(t.UTC().Format("0102150405")) }

// Validate checks that d is ten digits forming a real month, day and time.
func (d DateTime) Validate() error {
	if len(d) != 10 || badByte(fmtN, []byte(d)) >= 0 {
		return fmt.Errorf("%w: date-time %q is not MMDDhhmmss", ErrBadField, string(d))
	}
	two := func(i int) int { return int(d[i]-'0')*10 + int(d[i+1]-'0') }
	if !validMonthDay(two(0), two(2)) || two(4) > 23 || two(6) > 59 || two(8) > 59 {
		return fmt.Errorf("%w: date-time %q is not MMDDhhmmss", ErrBadField, string(d))
	}
	return nil
}

// validMonthDay reports whether month and day form a date in some year
// (29 February included, since the year does not travel).
func validMonthDay(month, day int) bool {
	days := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	return month >= 1 && month <= 12 && day >= 1 && day <= days[month]
}

// Expiry is a card expiry date YYMM (DE14).
type Expiry string

// ExpiryOf returns the YYMM of t.
func ExpiryOf(t time.Time) Expiry { return Expiry(t.Format("0601")) }

// Expired reports whether the card has expired at now: a card is valid
// through the last day of its expiry month (in now's location). An
// unparsable expiry counts as expired.
func (e Expiry) Expired(now time.Time) bool {
	t, err := time.ParseInLocation("0601", string(e), now.Location())
	if err != nil {
		return true
	}
	return !now.Before(t.AddDate(0, 1, 0))
}

// Times holds the transaction's time stamps: DE7 transmission date-time
// (UTC) and DE12/DE13 local time and date. The year does not travel.
type Times struct {
	Transmission DateTime // DE7 MMDDhhmmss, UTC
	LocalTime    string   // DE12 hhmmss, terminal local time
	LocalDate    string   // DE13 MMDD, terminal local date
}

// TimesAt returns the time stamps of a message sent at t: DE7 from t in
// UTC, DE12 and DE13 from t in its own location.
func TimesAt(t time.Time) Times {
	return Times{
		Transmission: DateTimeOf(t),
		LocalTime:    t.Format("150405"),
		LocalDate:    t.Format("0102"),
	}
}

// parseDigits parses exactly n ASCII digits.
func parseDigits(s string, n int) (uint64, error) {
	if len(s) != n {
		return 0, ErrBadField
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, ErrBadField
		}
		v = v*10 + uint64(c-'0')
	}
	return v, nil
}
