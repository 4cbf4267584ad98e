// Package moovspec describes the host profiles of package hostproto as
// moov-io/iso8583 message specs, and dumps messages field by field with
// the card number masked.
//
// hostproto packs and unpacks with its own codec and does not import
// moov-io/iso8583, so a terminal that links hostproto (posclient does)
// carries none of it; this package is for tools, logs, scenario
// artifacts and tests. Its specs are built from the same field tables
// as the codec ([hostproto.Fields]), and the tests check that moov reads
// and writes exactly the bytes hostproto does.
package moovspec

import (
	"fmt"

	"github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/encoding"
	"github.com/moov-io/iso8583/field"
	"github.com/moov-io/iso8583/prefix"

	"github.com/poshil/hil/pkg/hostproto"
)

// ISO87 is the iso87 profile as a moov-io/iso8583 message spec:
// ISO 8583:1987, ASCII MTI, an 8-byte binary primary bitmap that grows a
// secondary bitmap only when a field above 64 is present, and ASCII
// fields as listed in docs/acquirer.md.
//
// Every field uses a validating encoder, so moov rejects a non-digit in
// an n field or a control character in an ans field while packing or
// unpacking, as hostproto does.
var ISO87 = buildISO87()

// CUP is the cup profile's field table as a moov-io/iso8583 message
// spec: BCD MTI, an 8-byte binary bitmap, BCD numerics (fixed ones
// right-aligned, variable ones left-aligned: encoding.LBCD), ASCII text,
// binary keys and MAC, and BCD length prefixes. It covers MTI, bitmap and
// fields; the TPDU and header in front of them are the profile's framing
// (strip [hostproto.CUPEnvelopeLen] bytes before unpacking).
var CUP = buildCUP()

// For returns the spec of profile p (nil: iso87).
func For(p hostproto.Profile) *iso8583.MessageSpec {
	if p != nil && p.Name() == hostproto.ProfileCUP {
		return CUP
	}
	return ISO87
}

func buildISO87() *iso8583.MessageSpec {
	fields := map[int]field.Field{
		0: field.NewString(&field.Spec{
			Length:      4,
			Description: "Message type indicator",
			Enc:         charsetEncoder{hostproto.FormatN},
			Pref:        prefix.ASCII.Fixed,
		}),
		1: field.NewBitmap(&field.Spec{
			Length:      8,
			Description: "Bitmap",
			Enc:         encoding.Binary,
			Pref:        prefix.Binary.Fixed,
		}),
	}
	for _, d := range hostproto.Fields(hostproto.ISO87) {
		pref := prefix.ASCII.Fixed
		switch d.LenDigits {
		case 2:
			pref = prefix.ASCII.LL
		case 3:
			pref = prefix.ASCII.LLL
		}
		fields[d.ID] = field.NewString(&field.Spec{
			Length:      d.Length,
			Description: d.Name,
			Enc:         charsetEncoder{d.Format},
			Pref:        pref,
		})
	}
	return &iso8583.MessageSpec{
		Name:   "poshil host profile (ISO 8583:1987, ASCII, binary bitmap)",
		Fields: fields,
	}
}

func buildCUP() *iso8583.MessageSpec {
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
	for _, d := range hostproto.Fields(hostproto.CUP) {
		pref := prefix.BCD.Fixed
		switch d.LenDigits {
		case 2:
			pref = prefix.BCD.LL
		case 3:
			pref = prefix.BCD.LLL
		}
		spec := &field.Spec{Length: d.Length, Description: d.Name, Pref: pref}
		switch d.Format {
		case hostproto.FormatN:
			spec.Enc = encoding.BCD
			if d.LenDigits > 0 {
				spec.Enc = encoding.LBCD
			}
			fields[d.ID] = field.NewString(spec)
		case hostproto.FormatB:
			spec.Enc = encoding.Binary
			if d.LenDigits == 0 {
				spec.Pref = prefix.Binary.Fixed
			}
			fields[d.ID] = field.NewBinary(spec)
		default:
			spec.Enc = encoding.ASCII
			if d.LenDigits == 0 {
				spec.Pref = prefix.ASCII.Fixed
			}
			fields[d.ID] = field.NewString(spec)
		}
	}
	return &iso8583.MessageSpec{
		Name:   "poshil cup profile (China UnionPay POS: BCD numerics, binary bitmap)",
		Fields: fields,
	}
}

// charsetEncoder is an ASCII moov encoder that refuses bytes outside the
// field's format ([hostproto.CheckFormat]).
type charsetEncoder struct{ format string }

var _ encoding.Encoder = charsetEncoder{}

func (e charsetEncoder) Encode(data []byte) ([]byte, error) {
	if err := hostproto.CheckFormat(e.format, data); err != nil {
		return nil, err
	}
	return append([]byte(nil), data...), nil
}

func (e charsetEncoder) Decode(data []byte, length int) ([]byte, int, error) {
	if length < 0 {
		return nil, 0, fmt.Errorf("moovspec: negative length %d", length)
	}
	if len(data) < length {
		return nil, 0, fmt.Errorf("%w: need %d bytes, have %d", hostproto.ErrShortMessage, length, len(data))
	}
	data = data[:length]
	if err := hostproto.CheckFormat(e.format, data); err != nil {
		return nil, 0, err
	}
	return append([]byte(nil), data...), length, nil
}
