package hostproto

import (
	"fmt"
)

// Field formats, as written in ISO 8583 field tables ([FieldDef.Format]).
const (
	FormatN   = "n"   // digits 0-9 (BCD on the cup profile)
	FormatAN  = "an"  // letters, digits and space
	FormatANS = "ans" // printable ASCII (0x20-0x7E)
	FormatXN  = "x+n" // 'C' or 'D' followed by digits
	FormatB   = "b"   // binary (cup profile)
)

const (
	fmtN   = FormatN
	fmtAN  = FormatAN
	fmtANS = FormatANS
	fmtXN  = FormatXN
)

// FieldDef is one row of a profile's field table (docs/profiles.md), as
// the codec packs and checks it: for tools that describe the same wire
// format another way (package moovspec builds moov-io/iso8583 specs from
// these rows).
type FieldDef struct {
	ID        int
	Name      string
	Format    string // FormatN, FormatAN, FormatANS, FormatXN or FormatB
	Length    int    // fixed length, or the maximum when LenDigits > 0
	LenDigits int    // 0 fixed, 2 LLVAR, 3 LLLVAR
}

// Fields returns the field table of profile p (nil: iso87), in field
// order, without MTI and bitmap.
func Fields(p Profile) []FieldDef {
	var out []FieldDef
	if p != nil && p.Name() == ProfileCUP {
		for _, d := range cupTable {
			out = append(out, FieldDef{ID: d.id, Name: d.name, Format: d.format, Length: d.length, LenDigits: d.lenDigits})
		}
		return out
	}
	for _, d := range fieldTable {
		out = append(out, FieldDef{ID: d.id, Name: d.name, Format: d.format, Length: d.length, LenDigits: d.lenDigits})
	}
	return out
}

// CheckFormat reports the first byte of b that does not belong to format
// (an error matching [ErrBadField] that names the byte and its position,
// never the value), or nil. Binary fields take any byte.
func CheckFormat(format string, b []byte) error {
	if i := badByte(format, b); i >= 0 {
		return &charsetError{format: format, pos: i, b: b[i]}
	}
	return nil
}

// fieldDef is one row of the profile's field table. The same table drives
// the fast codec, [Fields] and the documentation tests.
type fieldDef struct {
	id     int
	name   string
	format string // fmtN, fmtAN, fmtANS or fmtXN
	length int    // fixed length, or maximum length when lenDigits > 0
	// lenDigits is 0 for a fixed-length field, 2 for LLVAR, 3 for LLLVAR.
	lenDigits int
}

// fieldTable lists every data element of the profile. A message carrying a
// field that is not in this table is rejected.
var fieldTable = []fieldDef{
	{2, "Primary account number", fmtN, 19, 2},
	{3, "Processing code", fmtN, 6, 0},
	{4, "Amount, transaction", fmtN, 12, 0},
	{7, "Transmission date and time (MMDDhhmmss, UTC)", fmtN, 10, 0},
	{11, "System trace audit number", fmtN, 6, 0},
	{12, "Time, local transaction (hhmmss)", fmtN, 6, 0},
	{13, "Date, local transaction (MMDD)", fmtN, 4, 0},
	{14, "Date, expiration (YYMM)", fmtN, 4, 0},
	{22, "POS entry mode", fmtN, 3, 0},
	{25, "POS condition code", fmtN, 2, 0},
	{37, "Retrieval reference number", fmtAN, 12, 0},
	{38, "Approval code", fmtAN, 6, 0},
	{39, "Response code", fmtAN, 2, 0},
	{41, "Card acceptor terminal identification", fmtANS, 8, 0},
	{42, "Card acceptor identification code", fmtANS, 15, 0},
	{48, "Additional data (batch upload records, settlement differences)", fmtANS, 999, 3},
	{49, "Currency code, transaction", fmtN, 3, 0},
	{60, "Batch number and batch upload code", fmtN, 999, 3},
	{70, "Network management information code", fmtN, 3, 0},
	{74, "Credits, number", fmtN, 10, 0},
	{75, "Credits, reversal number", fmtN, 10, 0},
	{76, "Debits, number", fmtN, 10, 0},
	{77, "Debits, reversal number", fmtN, 10, 0},
	{86, "Credits, amount", fmtN, 16, 0},
	{87, "Credits, reversal amount", fmtN, 16, 0},
	{88, "Debits, amount", fmtN, 16, 0},
	{89, "Debits, reversal amount", fmtN, 16, 0},
	{90, "Original data elements", fmtN, 42, 0},
	{95, "Replacement amounts", fmtAN, 42, 0},
	{97, "Amount, net settlement", fmtXN, 17, 0},
}

// maxField is the highest field number of the profile.
const maxField = 128

// defs indexes fieldTable by field number.
var defs [maxField + 1]*fieldDef

func init() {
	for i := range fieldTable {
		defs[fieldTable[i].id] = &fieldTable[i]
	}
}

// charsetError reports a byte that does not belong to a field's format. It
// never quotes the field's value (the field may be a card number).
type charsetError struct {
	format string
	pos    int
	b      byte
}

func (e *charsetError) Error() string {
	return fmt.Sprintf("%s: byte 0x%02x at position %d is not allowed in an %s field", ErrBadField, e.b, e.pos+1, e.format)
}

func (e *charsetError) Unwrap() error { return ErrBadField }

// badByte returns the index of the first byte of b outside format, or -1.
func badByte(format string, b []byte) int {
	switch format {
	case fmtN:
		for i, c := range b {
			if c < '0' || c > '9' {
				return i
			}
		}
	case fmtAN:
		for i, c := range b {
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == ' ') {
				return i
			}
		}
	case fmtANS:
		for i, c := range b {
			if c < 0x20 || c > 0x7e {
				return i
			}
		}
	case fmtXN:
		for i, c := range b {
			if i == 0 {
				if c != 'C' && c != 'D' {
					return i
				}
				continue
			}
			if c < '0' || c > '9' {
				return i
			}
		}
	}
	return -1
}
