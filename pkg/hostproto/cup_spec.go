package hostproto

import (
	"encoding/hex"
	"fmt"
	"io"

	"github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/encoding"
	"github.com/moov-io/iso8583/field"
	"github.com/moov-io/iso8583/prefix"
)

// CUPSpec is the cup profile's field table as a moov-io/iso8583 message
// spec: BCD MTI, an 8-byte binary bitmap, BCD numerics (fixed ones
// right-aligned, variable ones left-aligned: encoding.LBCD), ASCII text,
// binary keys and MAC, and BCD length prefixes. It covers MTI, bitmap and
// fields; the 5-byte TPDU and 6-byte header in front of them are the
// profile's framing (strip [CUPEnvelopeLen] bytes before unpacking).
//
// The profile's own codec does not go through moov; CUPSpec serves
// [DumpWith] and the tests, which check that both read and write the same
// bytes.
var CUPSpec = buildCUPSpec()

// CUPEnvelopeLen is the length of the TPDU and message header in front
// of a cup message.
const CUPEnvelopeLen = cupEnvLen

func buildCUPSpec() *iso8583.MessageSpec {
	fields := map[int]field.Field{
		0: field.NewString(&field.Spec{
			Length:      4,
			Description: "Message type indicator",
			Enc:         encoding.BCD,
			Pref:        prefix.BCD.Fixed,
		}),
		1: field.NewBitmap(&field.Spec{
			Length:      8,
			Description: "Bitmap",
			Enc:         encoding.Binary,
			Pref:        prefix.Binary.Fixed,
		}),
	}
	for _, d := range cupTable {
		pref := prefix.BCD.Fixed
		switch d.lenDigits {
		case 2:
			pref = prefix.BCD.LL
		case 3:
			pref = prefix.BCD.LLL
		}
		spec := &field.Spec{Length: d.length, Description: d.name, Pref: pref}
		switch d.format {
		case fmtN:
			spec.Enc = encoding.BCD
			if d.lenDigits > 0 {
				spec.Enc = encoding.LBCD
			}
			fields[d.id] = field.NewString(spec)
		case fmtB:
			spec.Enc = encoding.Binary
			if d.lenDigits == 0 {
				spec.Pref = prefix.Binary.Fixed
			}
			fields[d.id] = field.NewBinary(spec)
		default:
			spec.Enc = encoding.ASCII
			if d.lenDigits == 0 {
				spec.Pref = prefix.ASCII.Fixed
			}
			fields[d.id] = field.NewString(spec)
		}
	}
	return &iso8583.MessageSpec{
		Name:   "poshil cup profile (China UnionPay POS: BCD numerics, binary bitmap)",
		Fields: fields,
	}
}

// dumpCUP is Dump for the cup profile.
func dumpCUP(w io.Writer, v any) error {
	var raw []byte
	switch v := v.(type) {
	case []byte:
		raw = v
	case Message:
		b, err := CUP.AppendEncode(nil, v, &dumpKeys)
		if err != nil {
			return err
		}
		raw = b
	default:
		return fmt.Errorf("hostproto: Dump wants a Message or []byte, got %T", v)
	}
	var u cupUnpacked
	if err := u.split(raw); err != nil {
		_, werr := fmt.Fprintf(w, "undecodable cup message (%d bytes): %v\n%s", len(raw), err, hex.Dump(maskBCDRuns(raw)))
		return werr
	}
	msg := iso8583.NewMessage(CUPSpec)
	if err := msg.Unpack(raw[cupEnvLen:]); err != nil {
		_, werr := fmt.Fprintf(w, "undecodable cup message (%d bytes): bytes refused by the moov spec\n%s", len(raw), hex.Dump(maskBCDRuns(raw)))
		return werr
	}
	if _, err := fmt.Fprintf(w, "TPDU % X, header % X\n", raw[:cupTPDULen], raw[cupTPDULen:cupEnvLen]); err != nil {
		return err
	}
	return iso8583.Describe(msg, w, dumpFilters...)
}

// dumpKeys MAC a message Dump was given typed (the MAC shown is not the
// one a session would compute).
var dumpKeys WorkingKeys

// maskBCDRuns blanks every byte of b, except the first and last, that
// could hold card digits: a hex dump of undecodable cup bytes must not
// show a card number, and BCD digits cannot be told apart from others.
func maskBCDRuns(b []byte) []byte {
	out := append([]byte(nil), b...)
	for i := cupEnvLen; i < len(out); i++ {
		if out[i]>>4 <= 9 && out[i]&0x0F <= 9 {
			out[i] = 0xFF
		}
	}
	return out
}
