package receipt

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors. The typed errors below wrap them; match with errors.Is.
var (
	// ErrInvalid: a receipt field or an encoding option is not acceptable.
	// Wrapped by *FieldError, which names the field.
	ErrInvalid = errors.New("receipt: invalid receipt")
	// ErrPAN: a card number is neither a full PAN nor a PAN masked to at
	// most the first 6 and last 4 digits. Wrapped by *FieldError.
	ErrPAN = errors.New("receipt: invalid card number")
)

// FieldError names the receipt field or option that is wrong.
type FieldError struct {
	Field  string // Go name of the field, e.g. "PAN", "Amount.Currency", "Options.Columns"
	Reason string // what is wrong, in words; never contains a full card number
	Err    error  // ErrInvalid or ErrPAN
}

func (e *FieldError) Error() string { return "receipt: " + e.Field + ": " + e.Reason }

// Unwrap returns ErrInvalid or ErrPAN.
func (e *FieldError) Unwrap() error { return e.Err }

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...), Err: ErrInvalid}
}

// Type is the kind of transaction a receipt is for.
type Type uint8

const (
	Sale   Type = iota // a purchase
	Refund             // money back to the card of an original sale
	Void               // cancellation of a sale in the open batch
	// Pre-authorization (cup profile).
	PreAuth       // an amount held on the card (预授权)
	PreAuthCancel // the hold released (预授权撤销)
	Completion    // a charge against the hold (预授权完成)

	lastType = Completion
)

func (t Type) String() string {
	switch t {
	case Sale:
		return "sale"
	case Refund:
		return "refund"
	case Void:
		return "void"
	case PreAuth:
		return "preauth"
	case PreAuthCancel:
		return "preauth-cancel"
	case Completion:
		return "completion"
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// MarshalText implements encoding.TextMarshaler ("sale", "refund", "void").
func (t Type) MarshalText() ([]byte, error) {
	if t > lastType {
		return nil, invalid("Type", "unknown transaction type %d", t)
	}
	return []byte(t.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *Type) UnmarshalText(b []byte) error {
	for c := Sale; c <= lastType; c++ {
		if string(b) == c.String() {
			*t = c
			return nil
		}
	}
	return invalid("Type", "unknown transaction type %q", b)
}

// Copy says whose copy of the receipt this is.
type Copy uint8

const (
	CustomerCopy Copy = iota // the cardholder's copy (the zero value)
	MerchantCopy             // the merchant's copy, kept at the till
)

func (c Copy) String() string {
	switch c {
	case CustomerCopy:
		return "customer"
	case MerchantCopy:
		return "merchant"
	}
	return "copy(" + strconv.Itoa(int(c)) + ")"
}

// MarshalText implements encoding.TextMarshaler ("customer", "merchant").
func (c Copy) MarshalText() ([]byte, error) {
	if c > MerchantCopy {
		return nil, invalid("Copy", "unknown copy %d", c)
	}
	return []byte(c.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *Copy) UnmarshalText(b []byte) error {
	for v := CustomerCopy; v <= MerchantCopy; v++ {
		if string(b) == v.String() {
			*c = v
			return nil
		}
	}
	return invalid("Copy", "unknown copy %q", b)
}

// Language selects the labels printed on the receipt.
type Language uint8

const (
	English Language = iota // the zero value
	Chinese                 // Simplified Chinese labels, printed in GB18030 double-byte mode
)

func (l Language) String() string {
	switch l {
	case English:
		return "en"
	case Chinese:
		return "zh"
	}
	return "language(" + strconv.Itoa(int(l)) + ")"
}

// MarshalText implements encoding.TextMarshaler ("en", "zh").
func (l Language) MarshalText() ([]byte, error) {
	if l > Chinese {
		return nil, invalid("Language", "unknown language %d", l)
	}
	return []byte(l.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (l *Language) UnmarshalText(b []byte) error {
	for v := English; v <= Chinese; v++ {
		if string(b) == v.String() {
			*l = v
			return nil
		}
	}
	return invalid("Language", "unknown language %q", b)
}

// Amount is money in minor units of an ISO 4217 currency.
type Amount struct {
	Minor    int64  `json:"minor"`    // e.g. 1234 for 12.34 CNY; never negative
	Currency string `json:"currency"` // ISO 4217 alphabetic code, e.g. "CNY", "USD", "JPY"
}

// exponents lists the ISO 4217 currencies whose minor unit is not 1/100.
var exponents = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

func (a Amount) validate() error {
	if a.Minor < 0 {
		return invalid("Amount.Minor", "negative amount %d (the transaction type gives the sign)", a.Minor)
	}
	if len(a.Currency) != 3 || strings.ToUpper(a.Currency) != a.Currency ||
		strings.Trim(a.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return invalid("Amount.Currency", "%q is not an ISO 4217 alphabetic code such as CNY", a.Currency)
	}
	return nil
}

// String formats the amount with its currency's minor unit, e.g. "CNY 12.34".
func (a Amount) String() string {
	exp, ok := exponents[a.Currency]
	if !ok {
		exp = 2
	}
	neg := a.Minor < 0
	v := a.Minor
	if neg {
		v = -v
	}
	digits := strconv.FormatUint(uint64(v), 10)
	if exp > 0 {
		if len(digits) <= exp {
			digits = strings.Repeat("0", exp-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-exp] + "." + digits[len(digits)-exp:]
	}
	if neg {
		digits = "-" + digits
	}
	return a.Currency + " " + digits
}

// MaskedPAN is a card number with at most the first 6 and the last 4 digits
// showing, e.g. "622202******1234". Build it with [MaskPAN]. A MaskedPAN that
// somehow holds a full card number is masked again wherever it is printed,
// logged or marshalled.
type MaskedPAN string

// MaskPAN masks a card number to its first 6 and last 4 digits. It accepts a
// full PAN (12 to 19 digits, spaces and dashes ignored) or one that is
// already masked with '*' or 'X' and shows no more than the first 6 and the
// last 4 digits. Anything else is an error wrapping ErrPAN; the error never
// contains the digits.
func MaskPAN(pan string) (MaskedPAN, error) {
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, pan)
	if len(s) < 12 || len(s) > 19 {
		return "", &FieldError{Field: "PAN", Reason: fmt.Sprintf("length %d, want 12 to 19 digits", len(s)), Err: ErrPAN}
	}
	masked := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '*' || c == 'X' || c == 'x':
			masked = true
		default:
			return "", &FieldError{Field: "PAN", Reason: fmt.Sprintf("character %d is not a digit or a mask character", i+1), Err: ErrPAN}
		}
	}
	if !masked {
		return MaskedPAN(s[:6] + strings.Repeat("*", len(s)-10) + s[len(s)-4:]), nil
	}
	// Already masked: digits may show only in the first 6 and last 4 places.
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		isDigit := c >= '0' && c <= '9'
		if isDigit && i >= 6 && i < len(s)-4 {
			return "", &FieldError{Field: "PAN", Reason: fmt.Sprintf("digit at position %d shows more than the first 6 and last 4", i+1), Err: ErrPAN}
		}
		if !isDigit {
			c = '*'
		}
		b.WriteByte(c)
	}
	return MaskedPAN(b.String()), nil
}

// safe returns the masked form, masking again if the value was not built
// by MaskPAN. It returns "" for a value that cannot be masked.
func (p MaskedPAN) safe() (string, error) {
	m, err := MaskPAN(string(p))
	return string(m), err
}

// String returns the masked card number; a value that is not a card number
// at all prints as "****".
func (p MaskedPAN) String() string {
	s, err := p.safe()
	if err != nil {
		return "****"
	}
	return s
}

// LogValue implements slog.LogValuer: logs only ever see the masked form.
func (p MaskedPAN) LogValue() slog.Value { return slog.StringValue(p.String()) }

// Last4 returns the last four digits ("" if not known).
func (p MaskedPAN) Last4() string {
	s := p.String()
	if len(s) < 4 {
		return ""
	}
	l := s[len(s)-4:]
	if strings.ContainsRune(l, '*') {
		return ""
	}
	return l
}

// MarshalText implements encoding.TextMarshaler with the masked form.
func (p MaskedPAN) MarshalText() ([]byte, error) {
	if p == "" {
		return nil, nil
	}
	s, err := p.safe()
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; a full PAN is masked on
// the way in.
func (p *MaskedPAN) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*p = ""
		return nil
	}
	m, err := MaskPAN(string(b))
	if err != nil {
		return err
	}
	*p = m
	return nil
}

// Receipt is one copy of a card-payment receipt. All fields are printed as
// given except PAN, which is masked to first 6 / last 4 at most whatever it
// holds. Empty optional fields are left off the paper.
type Receipt struct {
	MerchantName    string   `json:"merchant_name"`              // printed bold and centred at the top; required
	MerchantAddress []string `json:"merchant_address,omitempty"` // address lines under the name
	MerchantID      string   `json:"merchant_id,omitempty"`      // acquirer's merchant id (ISO 8583 field 42)
	TerminalID      string   `json:"terminal_id,omitempty"`      // terminal id (field 41)

	Type Type      `json:"type"`
	Copy Copy      `json:"copy"`
	PAN  MaskedPAN `json:"pan"` // required; see MaskPAN

	Amount   Amount    `json:"amount"`
	AuthCode string    `json:"auth_code,omitempty"` // approval code (field 38)
	RRN      string    `json:"rrn,omitempty"`       // retrieval reference number (field 37)
	STAN     string    `json:"stan,omitempty"`      // system trace audit number (field 11)
	Batch    string    `json:"batch,omitempty"`     // batch number
	Time     time.Time `json:"time"`                // transaction date and time, printed in its own location; required
	// Reference is the terminal's own reference of the transaction.
	Reference string `json:"reference,omitempty"`
	// OriginalRRN is the RRN of the sale a refund or void refers to.
	OriginalRRN string `json:"original_rrn,omitempty"`

	// Reprint is 0 on the original receipt and n on the n-th reprint, which
	// is marked "DUPLICATE #n" (Chinese: "DUPLICATE / 重印 #n").
	Reprint int `json:"reprint,omitempty"`
	// Interrupted marks a receipt printed again because an earlier print
	// of it may have come out unconfirmed (a crash or a lost answer during
	// printing): "** REPRINT **" / "PRINTING WAS INTERRUPTED" under the
	// copy line, so that it is never a second unmarked original.
	Interrupted bool `json:"interrupted,omitempty"`
	// EReceiptURL, when set, is printed as a QR code the customer scans to
	// fetch an electronic receipt. ASCII only, at most 2000 bytes.
	EReceiptURL string `json:"e_receipt_url,omitempty"`
	// Declined, when set, is the host's response code of a declined
	// transaction: the receipt is a decline slip, marked "DECLINED" with
	// the code, and carries no approval code. Two letters or digits.
	Declined string   `json:"declined,omitempty"`
	Language Language `json:"language"`
}

// InterruptedMark is the line, in every language, under "** REPRINT **"
// on a receipt printed again after an interrupted print
// (Receipt.Interrupted). Checkers that read receipts look for it.
const InterruptedMark = "PRINTING WAS INTERRUPTED"

// maxURL bounds the QR payload; a 48-column receipt cannot hold a bigger
// symbol legibly at module size 3, and GS ( k stores at most 7089 bytes.
const maxURL = 2000

// Validate checks every field and returns a *FieldError naming the first
// that is wrong. Text fields must be valid UTF-8 without control characters,
// so that no field can smuggle printer commands onto the paper.
func (r *Receipt) Validate() error {
	if r == nil {
		return invalid("Receipt", "nil receipt")
	}
	if strings.TrimSpace(r.MerchantName) == "" {
		return invalid("MerchantName", "empty")
	}
	texts := []struct{ name, v string }{
		{"MerchantName", r.MerchantName}, {"MerchantID", r.MerchantID}, {"TerminalID", r.TerminalID},
		{"AuthCode", r.AuthCode}, {"RRN", r.RRN}, {"STAN", r.STAN}, {"Batch", r.Batch},
		{"Reference", r.Reference}, {"OriginalRRN", r.OriginalRRN},
	}
	for i, a := range r.MerchantAddress {
		texts = append(texts, struct{ name, v string }{fmt.Sprintf("MerchantAddress[%d]", i), a})
	}
	for _, t := range texts {
		if err := checkText(t.name, t.v); err != nil {
			return err
		}
	}
	if r.Type > lastType {
		return invalid("Type", "unknown transaction type %d", r.Type)
	}
	if r.Copy > MerchantCopy {
		return invalid("Copy", "unknown copy %d", r.Copy)
	}
	if r.Language > Chinese {
		return invalid("Language", "unknown language %d", r.Language)
	}
	if r.PAN == "" {
		return &FieldError{Field: "PAN", Reason: "empty", Err: ErrPAN}
	}
	if _, err := r.PAN.safe(); err != nil {
		return err
	}
	if err := r.Amount.validate(); err != nil {
		return err
	}
	if r.Time.IsZero() {
		return invalid("Time", "zero time")
	}
	if r.Reprint < 0 {
		return invalid("Reprint", "negative reprint count %d", r.Reprint)
	}
	if r.Declined != "" {
		if len(r.Declined) != 2 || strings.Trim(r.Declined, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
			return invalid("Declined", "%q is not a 2-character response code", r.Declined)
		}
		if r.Declined == "00" {
			return invalid("Declined", "response code 00 is an approval")
		}
	}
	if len(r.EReceiptURL) > maxURL {
		return invalid("EReceiptURL", "%d bytes, at most %d", len(r.EReceiptURL), maxURL)
	}
	for i := 0; i < len(r.EReceiptURL); i++ {
		if c := r.EReceiptURL[i]; c <= ' ' || c >= 0x7F {
			return invalid("EReceiptURL", "byte %d (0x%02X) is not printable ASCII", i+1, c)
		}
	}
	return nil
}

func checkText(field, s string) error {
	if !utf8.ValidString(s) {
		return invalid(field, "not valid UTF-8")
	}
	for i, r := range s {
		if r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0) {
			return invalid(field, "control character U+%04X at byte %d", r, i+1)
		}
	}
	return nil
}
