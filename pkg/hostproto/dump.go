package hostproto

import (
	"encoding/hex"
	"fmt"
	"io"

	"github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/field"
)

// dumpFilters mask the card number to first 6 / last 4. No other field of
// the profile carries card data.
var dumpFilters = []iso8583.FieldFilter{
	iso8583.FilterField("2", func(in string, _ field.Field) string { return PAN(in).Masked() }),
}

// Dump writes a field-by-field description of a message to w, with the
// card number masked. v is a [Message] or the message's bytes ([]byte,
// without the length header). It is meant for logs and scenario
// artifacts, not for the hot path.
//
// Bytes that do not unpack are described by the error and a hex dump in
// which every run of 13 or more ASCII digits is masked, since such a run
// may hold a card number.
func Dump(w io.Writer, v any) error {
	var raw []byte
	switch v := v.(type) {
	case []byte:
		raw = v
	case Message:
		b, err := Encode(v)
		if err != nil {
			return err
		}
		raw = b
	default:
		return fmt.Errorf("hostproto: Dump wants a Message or []byte, got %T", v)
	}
	msg := iso8583.NewMessage(Spec)
	if err := msg.Unpack(raw); err != nil {
		_, werr := fmt.Fprintf(w, "undecodable message (%d bytes): %v\n%s", len(raw), unpackCause(raw), hex.Dump(maskDigitRuns(raw)))
		return werr
	}
	return iso8583.Describe(msg, w, dumpFilters...)
}

// unpackCause returns our own (card-safe) error for raw, or a generic
// note if our codec accepts bytes moov refused.
func unpackCause(raw []byte) error {
	var u unpacked
	if err := u.split(raw); err != nil {
		return err
	}
	return fmt.Errorf("hostproto: bytes refused by the moov spec")
}

// maskDigitRuns returns a copy of b in which every run of 13 or more ASCII
// digits keeps its first 6 and last 4 digits and has '*' in between.
func maskDigitRuns(b []byte) []byte {
	out := append([]byte(nil), b...)
	for i := 0; i < len(out); {
		if out[i] < '0' || out[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(out) && out[j] >= '0' && out[j] <= '9' {
			j++
		}
		if j-i >= 13 {
			for k := i + 6; k < j-4; k++ {
				out[k] = '*'
			}
		}
		i = j
	}
	return out
}
