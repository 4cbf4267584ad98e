package hostproto

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// The cup profile's wire format, after the 2-byte length header:
//
//	TPDU        5 bytes  60 | destination address (2) | source address (2)
//	header      6 bytes  60 31 00 00 00 00
//	MTI         2 bytes  BCD, e.g. 02 00
//	bitmap      8 bytes  binary, primary only
//	fields               in ascending order, each as cupTable says
//
// A terminal's requests carry TPDU 60 0003 0000 (to the host's NII 0003)
// and the host answers with the addresses swapped, 60 0000 0003.

// Envelope constants of the cup profile.
const (
	cupTPDULen   = 5
	cupHeaderLen = 6
	cupEnvLen    = cupTPDULen + cupHeaderLen
	cupTPDUID    = 0x60
	cupHostNII   = 0x0003
)

var (
	cupTPDURequest  = [cupTPDULen]byte{cupTPDUID, 0x00, 0x03, 0x00, 0x00}
	cupTPDUResponse = [cupTPDULen]byte{cupTPDUID, 0x00, 0x00, 0x00, 0x03}
	cupHeader       = [cupHeaderLen]byte{0x60, 0x31, 0x00, 0x00, 0x00, 0x00}
)

// Field formats of the cup table besides fmtN, fmtAN and fmtANS.
const fmtB = FormatB

// cupDef is one row of the cup field table. n fields are BCD (fixed ones
// right-aligned, variable ones left-aligned with a 0 nibble of padding);
// an and ans fields are ASCII; b fields are raw bytes. Length prefixes
// are BCD: one byte for LL, two for LLL, counting digits for n fields
// and bytes otherwise.
type cupDef struct {
	id        int
	name      string
	format    string
	length    int // fixed length, or the maximum when lenDigits > 0
	lenDigits int // 0 fixed, 2 LLVAR, 3 LLLVAR
}

// cupTable is the cup profile's field table (docs/profiles.md).
var cupTable = []cupDef{
	{2, "Primary account number", fmtN, 19, 2},
	{3, "Processing code", fmtN, 6, 0},
	{4, "Amount, transaction", fmtN, 12, 0},
	{11, "System trace audit number", fmtN, 6, 0},
	{12, "Time, local transaction (hhmmss)", fmtN, 6, 0},
	{13, "Date, local transaction (MMDD)", fmtN, 4, 0},
	{14, "Date, expiration (YYMM)", fmtN, 4, 0},
	{22, "POS entry mode", fmtN, 3, 0},
	{25, "POS condition code", fmtN, 2, 0},
	{37, "Retrieval reference number", fmtAN, 12, 0},
	{38, "Authorization identification response", fmtAN, 6, 0},
	{39, "Response code", fmtAN, 2, 0},
	{41, "Card acceptor terminal identification", fmtANS, 8, 0},
	{42, "Card acceptor identification code", fmtANS, 15, 0},
	{48, "Additional data (settlement totals, batch upload records)", fmtN, 322, 3},
	{49, "Currency code, transaction", fmtAN, 3, 0},
	{60, "Reserved private: 60.1 message type, 60.2 batch, 60.3 network management code", fmtN, 13, 3},
	{61, "Original message: batch, trace, date (MMDD)", fmtN, 29, 3},
	{62, "Reserved private: working keys (sign-on)", fmtB, 60, 3},
	{63, "Reserved private: card organisation", fmtANS, 63, 3},
	{64, "Message authentication code", fmtB, 8, 0},
}

var cupDefs [65]*cupDef

func init() {
	for i := range cupTable {
		cupDefs[cupTable[i].id] = &cupTable[i]
	}
}

func cupFieldName(id int) string {
	if id > 1 && id <= 64 && cupDefs[id] != nil {
		return cupDefs[id].name
	}
	return "not in profile"
}

// cupPacker collects a message's fields as logical values (digits for n
// fields, text, raw bytes for b) in one reused buffer, and lays them out
// on finish.
type cupPacker struct {
	set   fieldSet
	spans [65][2]uint16 // [start, end) of each field's value in buf
	buf   []byte
	err   error
}

var cupPackerPool = sync.Pool{New: func() any { return &cupPacker{buf: make([]byte, 0, 256)} }}

func getCUPPacker() *cupPacker {
	p := cupPackerPool.Get().(*cupPacker)
	p.set, p.buf, p.err = fieldSet{}, p.buf[:0], nil
	return p
}

func putCUPPacker(p *cupPacker) {
	if cap(p.buf) <= 4096 {
		cupPackerPool.Put(p)
	}
}

func (p *cupPacker) fail(id int, err error) {
	if p.err == nil {
		p.err = &PackError{Field: id, Err: err}
	}
}

// begin starts field id; its value is what is appended to p.buf until
// commit. It returns false (and changes nothing) after an error or for a
// field put twice or not in the table.
func (p *cupPacker) begin(id int) bool {
	if p.err != nil {
		return false
	}
	if id < 2 || id > 64 || cupDefs[id] == nil || p.set.has(id) {
		p.fail(id, fmt.Errorf("%w: field %d put twice or not in the cup profile", ErrUnexpectedField, id))
		return false
	}
	return true
}

// commit checks the value appended since start against field id's format
// and length; a fixed an or ans field shorter than its length is
// right-padded with spaces.
func (p *cupPacker) commit(id, start int) {
	d := cupDefs[id]
	v := p.buf[start:]
	if d.format != fmtB {
		if i := badByte(d.format, v); i >= 0 {
			p.fail(id, &charsetError{format: d.format, pos: i, b: v[i]})
			p.buf = p.buf[:start]
			return
		}
	}
	switch n := len(v); {
	case d.lenDigits > 0:
		if n == 0 || n > d.length {
			p.fail(id, fmt.Errorf("%w: length %d, want 1..%d", ErrBadField, n, d.length))
			p.buf = p.buf[:start]
			return
		}
	case n == d.length:
	case n < d.length && (d.format == fmtAN || d.format == fmtANS):
		for range d.length - n {
			p.buf = append(p.buf, ' ')
		}
	default:
		p.fail(id, fmt.Errorf("%w: length %d, want %d", ErrBadField, n, d.length))
		p.buf = p.buf[:start]
		return
	}
	p.set.add(id)
	p.spans[id] = [2]uint16{uint16(start), uint16(len(p.buf))}
}

// put sets field id to v after checking format and length.
func (p *cupPacker) put(id int, v string) {
	if !p.begin(id) {
		return
	}
	start := len(p.buf)
	p.buf = append(p.buf, v...)
	p.commit(id, start)
}

func (p *cupPacker) opt(id int, v string) {
	if v != "" {
		p.put(id, v)
	}
}

// num puts a fixed n field zero-padded to its length.
func (p *cupPacker) num(id int, v uint64) {
	if !p.begin(id) {
		return
	}
	d := cupDefs[id]
	if v >= pow10(d.length) {
		p.fail(id, fmt.Errorf("%w: value %d does not fit in %d digits", ErrBadField, v, d.length))
		return
	}
	start := len(p.buf)
	p.buf = appendPadded(p.buf, v, d.length)
	p.commit(id, start)
}

// finish lays the message out after dst: TPDU, header, MTI, bitmap and
// fields; with mak, field 64 is the MAC of MTI..field 63.
func (p *cupPacker) finish(dst []byte, mti string, response bool, l *layout, mak []byte) ([]byte, error) {
	if p.err != nil {
		return dst, p.err
	}
	set := p.set
	if mak != nil {
		set.add(64)
	}
	missing, extra := l.required.minus(set).first(), set.minus(l.allowed).first()
	switch {
	case missing != 0 && (extra == 0 || missing < extra):
		return dst, &PackError{Field: missing, Err: ErrMissingField}
	case extra != 0:
		return dst, &PackError{Field: extra, Err: fmt.Errorf("%w: cup %s does not carry it", ErrUnexpectedField, mti)}
	}
	start := len(dst)
	dst = slices.Grow(dst, 256)
	if response {
		dst = append(dst, cupTPDUResponse[:]...)
	} else {
		dst = append(dst, cupTPDURequest[:]...)
	}
	dst = append(dst, cupHeader[:]...)
	mab := len(dst)
	dst = appendBCD(dst, mti, false)
	for i := range 8 {
		dst = append(dst, byte(set[0]>>(56-8*uint(i))))
	}
	for id := p.set.next(0); id != 0; id = p.set.next(id) {
		sp := p.spans[id]
		dst = appendCUPField(dst, cupDefs[id], p.buf[sp[0]:sp[1]])
	}
	if mak != nil {
		mac, err := cupMAC(mak, dst[mab:])
		if err != nil {
			return dst[:start], &PackError{Field: 64, Err: err}
		}
		dst = append(dst, mac[:]...)
	}
	if len(dst)-start > MaxFrameSize {
		return dst[:start], &PackError{Field: -1, Err: ErrFrameTooLarge}
	}
	return dst, nil
}

func appendCUPField(dst []byte, d *cupDef, v []byte) []byte {
	n := len(v)
	switch d.lenDigits {
	case 2:
		dst = append(dst, byte(n/10)<<4|byte(n%10))
	case 3:
		dst = append(dst, byte(n/1000%10)<<4|byte(n/100%10), byte(n/10%10)<<4|byte(n%10))
	}
	if d.format == fmtN {
		return appendBCD(dst, v, d.lenDigits > 0)
	}
	return append(dst, v...)
}

// appendBCD packs the digits of s two to a byte. An odd count gets a 0
// nibble on the left (right-aligned), or on the right when left is true.
func appendBCD[S string | []byte](dst []byte, s S, left bool) []byte {
	i := 0
	if len(s)%2 == 1 {
		if left {
			for ; i+1 < len(s); i += 2 {
				dst = append(dst, (s[i]-'0')<<4|(s[i+1]-'0'))
			}
			return append(dst, (s[i]-'0')<<4)
		}
		dst = append(dst, s[0]-'0')
		i = 1
	}
	for ; i < len(s); i += 2 {
		dst = append(dst, (s[i]-'0')<<4|(s[i+1]-'0'))
	}
	return dst
}

// bcdDigits unpacks n digits from b (which holds (n+1)/2 bytes); left
// says the padding nibble of an odd count is on the right. It fails on a
// nibble above 9 or a padding nibble other than 0.
func bcdDigits(b []byte, n int, left bool) (string, bool) {
	out, ok := appendBCDDigits(make([]byte, 0, n+1), b, n, left)
	return string(out), ok
}

// appendBCDDigits is bcdDigits appending to dst.
func appendBCDDigits(dst, b []byte, n int, left bool) ([]byte, bool) {
	start := len(dst)
	for _, c := range b {
		hi, lo := c>>4, c&0x0F
		if hi > 9 || lo > 9 {
			return dst[:start], false
		}
		dst = append(dst, '0'+hi, '0'+lo)
	}
	if n%2 == 1 {
		if left {
			if dst[len(dst)-1] != '0' {
				return dst[:start], false
			}
			dst = dst[:start+n]
		} else {
			if dst[start] != '0' {
				return dst[:start], false
			}
			copy(dst[start:], dst[start+1:])
			dst = dst[:start+n]
		}
	}
	return dst, true
}

// cupUnpacked is a cup frame body split into logical field values.
type cupUnpacked struct {
	response bool   // TPDU addressed from the host
	mti      string // wire MTI, four digits
	set      fieldSet
	vals     [65]string
	mab      []byte // MTI .. end of field 63: what the MAC covers
	mac      []byte // field 64 as received
	digits   []byte // BCD fields unpacked, reused between messages
	spans    [65][2]int32
}

var cupUnpackedPool = sync.Pool{New: func() any { return new(cupUnpacked) }}

func getCUPUnpacked() *cupUnpacked { return cupUnpackedPool.Get().(*cupUnpacked) }

func putCUPUnpacked(u *cupUnpacked) {
	for id := u.set.next(0); id != 0; id = u.set.next(id) {
		u.vals[id] = ""
	}
	d := u.digits[:0]
	u.response, u.mti, u.set, u.mab, u.mac = false, "", fieldSet{}, nil, nil
	if cap(d) <= 1024 {
		u.digits = d
	}
	cupUnpackedPool.Put(u)
}

func cupErr(id int, raw []byte, err error) *UnpackError {
	return &UnpackError{Field: id, Raw: append([]byte(nil), raw...), Err: err, cup: true}
}

// split parses envelope, MTI, bitmap and every field, checking formats
// and lengths but not which fields the message type needs.
func (u *cupUnpacked) split(b []byte) error {
	if len(b) < cupEnvLen {
		return cupErr(-1, b, fmt.Errorf("%w: %d bytes, need %d for TPDU and header", ErrShortMessage, len(b), cupEnvLen))
	}
	if b[0] != cupTPDUID {
		return cupErr(-1, b[:1], fmt.Errorf("%w: TPDU id 0x%02x, want 0x60", ErrBadField, b[0]))
	}
	dst := int(b[1])<<8 | int(b[2])
	src := int(b[3])<<8 | int(b[4])
	switch {
	case dst == cupHostNII:
	case src == cupHostNII:
		u.response = true
	default:
		return cupErr(-1, b[:cupTPDULen], fmt.Errorf("%w: TPDU addresses %04x→%04x: neither is the host's NII %04x", ErrBadField, src, dst, cupHostNII))
	}
	if b[cupTPDULen] != cupHeader[0] {
		return cupErr(-1, b[cupTPDULen:cupTPDULen+1], fmt.Errorf("%w: message header starts 0x%02x, want 0x60", ErrBadField, b[cupTPDULen]))
	}
	s := b[cupEnvLen:]
	if len(s) < 2 {
		return cupErr(0, s, fmt.Errorf("%w: %d bytes, need 2 for the MTI", ErrShortMessage, len(s)))
	}
	mti, ok := bcdDigits(s[:2], 4, false)
	if !ok {
		return cupErr(0, s[:2], fmt.Errorf("%w: MTI bytes %02x%02x are not BCD", ErrUnknownMTI, s[0], s[1]))
	}
	u.mti = mti
	text := string(s) // one copy for every text and binary field
	dig := u.digits[:0]
	var bcdSet fieldSet
	defer func() {
		// One copy for every BCD field, also when the split failed part
		// way (Peek reads what it can).
		u.digits = dig
		digits := string(dig)
		for id := bcdSet.next(0); id != 0; id = bcdSet.next(id) {
			u.vals[id] = digits[u.spans[id][0]:u.spans[id][1]]
		}
	}()
	off := 2
	if len(s) < off+8 {
		return cupErr(1, s[off:], fmt.Errorf("%w: %d bitmap bytes, need 8", ErrShortMessage, len(s)-off))
	}
	for i := range 8 {
		u.set[0] |= uint64(s[off+i]) << (56 - 8*uint(i))
	}
	off += 8
	if u.set.has(1) {
		return cupErr(1, s[2:off], fmt.Errorf("%w: bit 1 announces a secondary bitmap, which the cup profile does not use", ErrUnknownField))
	}
	for id := u.set.next(1); id != 0; id = u.set.next(id) {
		d := cupDefs[id]
		if d == nil {
			return cupErr(id, nil, fmt.Errorf("%w: the bitmap announces field %d", ErrUnknownField, id))
		}
		if id == 64 {
			u.mab = s[:off]
		}
		n := d.length
		if d.lenDigits > 0 {
			pl := (d.lenDigits + 1) / 2 // 1 byte for LL, 2 for LLL
			if len(s) < off+pl {
				return cupErr(id, s[off:], fmt.Errorf("%w: length prefix needs %d bytes, %d left", ErrShortMessage, pl, len(s)-off))
			}
			ds, ok := bcdDigits(s[off:off+pl], 2*pl, false)
			v, err := parseDigits(ds, 2*pl)
			if !ok || err != nil {
				return cupErr(id, s[off:off+pl], fmt.Errorf("%w: length prefix is not BCD", ErrBadField))
			}
			if v == 0 || v > uint64(d.length) {
				return cupErr(id, s[off:off+pl], fmt.Errorf("%w: length %d, want 1..%d", ErrBadField, v, d.length))
			}
			n = int(v)
			off += pl
		}
		size := n
		if d.format == fmtN {
			size = (n + 1) / 2
		}
		if len(s) < off+size {
			return cupErr(id, s[off:], fmt.Errorf("%w: field needs %d bytes, %d left", ErrShortMessage, size, len(s)-off))
		}
		raw := s[off : off+size]
		switch d.format {
		case fmtN:
			start := len(dig)
			var ok bool
			if dig, ok = appendBCDDigits(dig, raw, n, d.lenDigits > 0); !ok {
				return cupErr(id, raw, fmt.Errorf("%w: not BCD digits (or the padding nibble is not 0)", ErrBadField))
			}
			u.spans[id] = [2]int32{int32(start), int32(len(dig))}
			bcdSet.add(id)
		case fmtB:
			u.vals[id] = text[off : off+size]
		default:
			if i := badByte(d.format, raw); i >= 0 {
				return cupErr(id, raw, &charsetError{format: d.format, pos: i, b: raw[i]})
			}
			u.vals[id] = text[off : off+size]
		}
		if id == 64 {
			u.mac = raw
		}
		off += size
	}
	if off != len(s) {
		return cupErr(-1, s[off:], fmt.Errorf("%w: %d bytes", ErrTrailingBytes, len(s)-off))
	}
	return nil
}

func (u *cupUnpacked) check(l *layout) error {
	missing, extra := l.required.minus(u.set).first(), u.set.minus(l.allowed).first()
	switch {
	case extra != 0 && (missing == 0 || extra < missing):
		return cupErr(extra, []byte(u.vals[extra]), fmt.Errorf("%w: cup %s does not carry it", ErrUnexpectedField, u.mti))
	case missing != 0:
		return cupErr(missing, nil, fmt.Errorf("%w: cup %s needs it", ErrMissingField, u.mti))
	}
	return nil
}

func (u *cupUnpacked) text(id int) string { return strings.TrimRight(u.vals[id], " ") }
