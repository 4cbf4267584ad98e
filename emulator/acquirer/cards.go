package acquirer

import (
	"fmt"

	"github.com/poshil/hil/pkg/hostproto"
)

// CardStatus is the issuer's view of a card. Only [CardActive] cards can
// be charged; the others decline every sale with their own response code.
type CardStatus int

const (
	CardActive  CardStatus = iota // usable
	CardLost                      // sales decline with 41
	CardStolen                    // sales decline with 43
	CardInvalid                   // sales decline with 14 (no such card at the issuer)
)

var cardStatusNames = [...]string{"active", "lost", "stolen", "invalid"}

// String returns the lower-case name used by the admin API.
func (s CardStatus) String() string {
	if s < 0 || int(s) >= len(cardStatusNames) {
		return fmt.Sprintf("CardStatus(%d)", int(s))
	}
	return cardStatusNames[s]
}

// ParseCardStatus is the inverse of [CardStatus.String].
func ParseCardStatus(s string) (CardStatus, error) {
	for i, n := range cardStatusNames {
		if n == s {
			return CardStatus(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown card status %q (want active, lost, stolen or invalid)", ErrInvalidCard, s)
}

// MarshalText implements encoding.TextMarshaler.
func (s CardStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *CardStatus) UnmarshalText(b []byte) error {
	v, err := ParseCardStatus(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Card is a card account at the fake issuer. Money is in minor units.
type Card struct {
	PAN     string     // full card number; never leaves the ledger unmasked
	Balance int64      // available funds; a sale above it declines with 51
	Limit   int64      // per-transaction limit; 0 means none; a sale above it declines with 61
	Expiry  string     // YYMM; empty means never; a sale after the month declines with 54
	Status  CardStatus // see [CardStatus]
	// Force, when set, is the response code every sale on this card gets
	// (for example "05", "91", "96"). Refunds, voids and reversals are not
	// affected.
	Force hostproto.ResponseCode
}

// CardView is a card as the admin API shows it: the PAN masked.
type CardView struct {
	Card    string                 `json:"card"` // masked PAN, first 6 and last 4
	Balance int64                  `json:"balance"`
	Limit   int64                  `json:"limit,omitempty"`
	Expiry  string                 `json:"expiry,omitempty"`
	Status  CardStatus             `json:"status"`
	Force   hostproto.ResponseCode `json:"force,omitempty"`
}

// CardUpdate is the body of POST /cards: it creates a card or updates
// the fields that are present.
type CardUpdate struct {
	PAN     string                  `json:"pan"`
	Balance *int64                  `json:"balance,omitempty"`
	Limit   *int64                  `json:"limit,omitempty"`
	Expiry  *string                 `json:"expiry,omitempty"`
	Status  *CardStatus             `json:"status,omitempty"`
	Force   *hostproto.ResponseCode `json:"force,omitempty"`
}

func (c *Card) view() CardView {
	return CardView{Card: MaskPAN(c.PAN), Balance: c.Balance, Limit: c.Limit, Expiry: c.Expiry, Status: c.Status, Force: c.Force}
}

// Test cards, documented in docs/acquirer.md ("Test cards").
const (
	CardApprove      = "4242424242424242" // approves; balance 10,000.00
	CardDecline      = "4000000000000002" // 05 do not honour
	CardNoFunds      = "4000000000009995" // 51 insufficient funds (balance 0)
	CardExpired      = "4000000000000069" // 54 expired card (expired 12/19)
	CardProcessError = "4000000000000119" // 96 system malfunction
	CardLostPAN      = "4000000000009987" // 41 lost card
	CardStolenPAN    = "4000000000009979" // 43 stolen card
	CardInvalidPAN   = "4000000000000143" // 14 invalid card number
	CardLimit        = "4000000000000614" // 61 exceeds amount limit (limit 10.00)
	CardIssuerDown   = "4000000000000911" // 91 issuer or switch inoperative
)

// Amount band whose cents become the response code: a sale of
// 9,000.00 to 9,000.99 (in minor units, 900000 to 900099) answers with
// the two cents digits as DE39, e.g. 9,000.51 → 51. Cents 00 is processed
// normally.
const (
	MagicAmountMin int64 = 900000
	MagicAmountMax int64 = 900099
)

// DefaultBalance is the balance of a Luhn-valid card created on first use
// (5,000.00), unless Options.DefaultBalance says otherwise.
const DefaultBalance int64 = 500000

// TestCards returns the built-in test cards, in the order of the table in
// docs/acquirer.md.
func TestCards() []Card {
	return []Card{
		{PAN: CardApprove, Balance: 1_000_000},
		{PAN: CardDecline, Balance: 1_000_000, Force: "05"},
		{PAN: CardNoFunds, Balance: 0},
		{PAN: CardExpired, Balance: 1_000_000, Expiry: "1912"},
		{PAN: CardProcessError, Balance: 1_000_000, Force: "96"},
		{PAN: CardLostPAN, Balance: 1_000_000, Status: CardLost},
		{PAN: CardStolenPAN, Balance: 1_000_000, Status: CardStolen},
		{PAN: CardInvalidPAN, Balance: 1_000_000, Status: CardInvalid},
		{PAN: CardLimit, Balance: 1_000_000, Limit: 1000},
		{PAN: CardIssuerDown, Balance: 1_000_000, Force: "91"},
	}
}

// Luhn reports whether pan is 12 to 19 digits with a valid Luhn check
// digit.
func Luhn(pan string) bool {
	return len(pan) >= 12 && len(pan) <= 19 && hostproto.Luhn(pan)
}

// MaskPAN returns pan masked as everywhere in the project
// (hostproto.PAN.Masked): first 6 and last 4 digits at most, the rest '*'.
func MaskPAN(pan string) string { return hostproto.PAN(pan).Masked() }

func validCode(s hostproto.ResponseCode) bool {
	if len(s) != 2 {
		return false
	}
	for i := 0; i < 2; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// validate checks a card before the ledger stores it.
func (c *Card) validate() error {
	if !Luhn(c.PAN) {
		return &CardError{PAN: MaskPAN(c.PAN), Reason: "not 12-19 digits with a valid Luhn check digit"}
	}
	if c.Expiry != "" && !expiryValid(c.Expiry) {
		return &CardError{PAN: MaskPAN(c.PAN), Reason: fmt.Sprintf("expiry %q is not YYMM", c.Expiry)}
	}
	if c.Force != "" && !validCode(c.Force) {
		return &CardError{PAN: MaskPAN(c.PAN), Reason: fmt.Sprintf("force %q is not a two-character response code", string(c.Force))}
	}
	if c.Limit < 0 {
		return &CardError{PAN: MaskPAN(c.PAN), Reason: "negative limit"}
	}
	if c.Status < CardActive || c.Status > CardInvalid {
		return &CardError{PAN: MaskPAN(c.PAN), Reason: "unknown status"}
	}
	return nil
}

func expiryValid(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	mm := int(s[2]-'0')*10 + int(s[3]-'0')
	return mm >= 1 && mm <= 12
}
