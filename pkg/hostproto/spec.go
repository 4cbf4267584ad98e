package hostproto

import (
	"fmt"

	"github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/encoding"
	"github.com/moov-io/iso8583/field"
	"github.com/moov-io/iso8583/prefix"
)

// Field formats of the profile, as written in ISO 8583 field tables.
const (
	fmtN   = "n"   // digits 0-9
	fmtAN  = "an"  // letters, digits and space
	fmtANS = "ans" // printable ASCII (0x20-0x7E)
	fmtXN  = "x+n" // 'C' or 'D' followed by digits
)

// fieldDef is one row of the profile's field table. The same table drives
// the moov spec ([Spec]), the fast codec and the documentation tests.
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

// Spec is the profile as a moov-io/iso8583 message spec: ISO 8583:1987,
// ASCII MTI, an 8-byte binary primary bitmap that grows a secondary bitmap
// only when a field above 64 is present, and ASCII fields as listed in
// the package documentation.
//
// Every field uses a validating encoder, so moov rejects a non-digit in an
// n field or a control character in an ans field while packing or
// unpacking. [Encode] and [Decode] do not go through moov on the hot path;
// Spec serves [Dump], tools and tests, and the test suite checks that both
// codecs produce and accept the same bytes.
var Spec = buildSpec()

func buildSpec() *iso8583.MessageSpec {
	fields := map[int]field.Field{
		0: field.NewString(&field.Spec{
			Length:      4,
			Description: "Message type indicator",
			Enc:         charsetEncoder{fmtN},
			Pref:        prefix.ASCII.Fixed,
		}),
		1: field.NewBitmap(&field.Spec{
			Length:      8,
			Description: "Bitmap",
			Enc:         encoding.Binary,
			Pref:        prefix.Binary.Fixed,
		}),
	}
	for _, d := range fieldTable {
		pref := prefix.ASCII.Fixed
		switch d.lenDigits {
		case 2:
			pref = prefix.ASCII.LL
		case 3:
			pref = prefix.ASCII.LLL
		}
		fields[d.id] = field.NewString(&field.Spec{
			Length:      d.length,
			Description: d.name,
			Enc:         charsetEncoder{d.format},
			Pref:        pref,
		})
	}
	return &iso8583.MessageSpec{
		Name:   "poshil host profile (ISO 8583:1987, ASCII, binary bitmap)",
		Fields: fields,
	}
}

// charsetEncoder is an ASCII moov encoder that refuses bytes outside the
// field's format.
type charsetEncoder struct{ format string }

var _ encoding.Encoder = charsetEncoder{}

func (e charsetEncoder) Encode(data []byte) ([]byte, error) {
	if i := badByte(e.format, data); i >= 0 {
		return nil, &charsetError{format: e.format, pos: i, b: data[i]}
	}
	return append([]byte(nil), data...), nil
}

func (e charsetEncoder) Decode(data []byte, length int) ([]byte, int, error) {
	if length < 0 {
		return nil, 0, fmt.Errorf("hostproto: negative length %d", length)
	}
	if len(data) < length {
		return nil, 0, fmt.Errorf("%w: need %d bytes, have %d", ErrShortMessage, length, len(data))
	}
	data = data[:length]
	if i := badByte(e.format, data); i >= 0 {
		return nil, 0, &charsetError{format: e.format, pos: i, b: data[i]}
	}
	return append([]byte(nil), data...), length, nil
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
