package moovspec

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/field"

	"github.com/poshil/hil/pkg/hostproto"
)

// dumpFilters mask the card number to first 6 / last 4. No other field of
// the profiles carries card data.
var dumpFilters = []iso8583.FieldFilter{
	iso8583.FilterField("2", func(in string, _ field.Field) string { return hostproto.PAN(in).Masked() }),
}

// Dump writes a field-by-field description of an iso87 message to w,
// with the card number masked. v is a [hostproto.Message] or the
// message's bytes ([]byte, without the length header). It is meant for
// logs and scenario artifacts, not for the hot path.
//
// Bytes that do not unpack are described by hostproto's (card-safe) error
// and a hex dump in which every run of 13 or more ASCII digits is masked,
// since such a run may hold a card number.
func Dump(w io.Writer, v any) error {
	var raw []byte
	switch v := v.(type) {
	case []byte:
		raw = v
	case hostproto.Message:
		b, err := hostproto.Encode(v)
		if err != nil {
			return err
		}
		raw = b
	default:
		return fmt.Errorf("moovspec: Dump wants a Message or []byte, got %T", v)
	}
	msg := iso8583.NewMessage(ISO87)
	if err := msg.Unpack(raw); err != nil {
		_, werr := fmt.Fprintf(w, "undecodable message (%d bytes): %v\n%s", len(raw), unpackCause(raw), hex.Dump(maskDigitRuns(raw)))
		return werr
	}
	return iso8583.Describe(msg, w, dumpFilters...)
}

// DumpWith is [Dump] for a profile: it describes v (a Message or a frame
// body) field by field with the card number masked.
func DumpWith(p hostproto.Profile, w io.Writer, v any) error {
	if p == nil || p.Name() == hostproto.ProfileISO87 {
		return Dump(w, v)
	}
	return dumpCUP(w, v)
}

// unpackCause returns hostproto's own (card-safe) error for raw, or a
// generic note if hostproto accepts bytes moov refused.
func unpackCause(raw []byte) error {
	if _, err := hostproto.Decode(raw); err != nil {
		return err
	}
	return errors.New("moovspec: bytes refused by the moov spec")
}

// dumpKeys MAC a message Dump was given typed (the MAC shown is not the
// one a session would compute).
var dumpKeys hostproto.WorkingKeys

// dumpCUP is Dump for the cup profile.
func dumpCUP(w io.Writer, v any) error {
	var raw []byte
	switch v := v.(type) {
	case []byte:
		raw = v
	case hostproto.Message:
		b, err := hostproto.CUP.AppendEncode(nil, v, &dumpKeys)
		if err != nil {
			return err
		}
		raw = b
	default:
		return fmt.Errorf("moovspec: Dump wants a Message or []byte, got %T", v)
	}
	// hostproto's error names what is wrong without the card digits; a MAC
	// that does not verify (no keys here) does not stop the description.
	if _, err := hostproto.CUP.Decode(raw, nil); err != nil && !errors.Is(err, hostproto.ErrBadMAC) {
		_, werr := fmt.Fprintf(w, "undecodable cup message (%d bytes): %v\n%s", len(raw), err, hex.Dump(maskBCDRuns(raw)))
		return werr
	}
	msg := iso8583.NewMessage(CUP)
	if err := msg.Unpack(raw[hostproto.CUPEnvelopeLen:]); err != nil {
		_, werr := fmt.Fprintf(w, "undecodable cup message (%d bytes): bytes refused by the moov spec\n%s", len(raw), hex.Dump(maskBCDRuns(raw)))
		return werr
	}
	if _, err := fmt.Fprintf(w, "TPDU % X, header % X\n", raw[:hostproto.CUPTPDULen], raw[hostproto.CUPTPDULen:hostproto.CUPEnvelopeLen]); err != nil {
		return err
	}
	return iso8583.Describe(msg, w, dumpFilters...)
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

// maskBCDRuns blanks every byte of b, except the first and last, that
// could hold card digits: a hex dump of undecodable cup bytes must not
// show a card number, and BCD digits cannot be told apart from others.
func maskBCDRuns(b []byte) []byte {
	out := append([]byte(nil), b...)
	for i := hostproto.CUPEnvelopeLen; i < len(out); i++ {
		if out[i]>>4 <= 9 && out[i]&0x0F <= 9 {
			out[i] = 0xFF
		}
	}
	return out
}
