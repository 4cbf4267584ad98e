package hostproto

import (
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// fieldSet is a set of field numbers 1..128.
type fieldSet [2]uint64

func setOf(ids ...int) fieldSet {
	var s fieldSet
	for _, id := range ids {
		s.add(id)
	}
	return s
}

func (s *fieldSet) add(id int)               { s[(id-1)/64] |= 1 << (63 - uint((id-1)%64)) }
func (s fieldSet) has(id int) bool           { return s[(id-1)/64]&(1<<(63-uint((id-1)%64))) != 0 }
func (s fieldSet) union(o fieldSet) fieldSet { return fieldSet{s[0] | o[0], s[1] | o[1]} }
func (s fieldSet) minus(o fieldSet) fieldSet { return fieldSet{s[0] &^ o[0], s[1] &^ o[1]} }

// first returns the lowest field number in s, or 0 if s is empty.
func (s fieldSet) first() int {
	for w := range 2 {
		if s[w] != 0 {
			return w*64 + bits.LeadingZeros64(s[w]) + 1
		}
	}
	return 0
}

// next returns the lowest field number in s above after, or 0 if none.
// Iterate with: for id := s.next(0); id != 0; id = s.next(id).
func (s fieldSet) next(after int) int {
	for w := after / 64; w < 2; w++ {
		x := s[w]
		if w == after/64 {
			x &= ^uint64(0) >> uint(after%64) // keep bits for fields > after
		}
		if x != 0 {
			return w*64 + bits.LeadingZeros64(x) + 1
		}
	}
	return 0
}

// layout says which fields a message type may and must carry.
type layout struct {
	allowed  fieldSet
	required fieldSet
}

// packer writes one message. Fields may be put in any order, each once;
// finish lays them out in ascending order. The first error sticks; later
// calls do nothing.
type packer struct {
	body  []byte
	set   fieldSet
	spans [maxField + 1][2]uint16 // [start, end) of each field in body
	cur   int                     // field being written
	err   error
}

func (p *packer) fail(id int, err error) {
	if p.err == nil {
		p.err = &PackError{Field: id, Err: err}
	}
}

// begin starts field id and returns its definition, or nil after an error.
func (p *packer) begin(id int) *fieldDef {
	if p.err != nil {
		return nil
	}
	if id < 2 || id > maxField || defs[id] == nil || p.set.has(id) {
		p.fail(id, fmt.Errorf("%w: field %d put twice or not in profile", ErrUnexpectedField, id))
		return nil
	}
	p.end()
	p.set.add(id)
	p.cur = id
	p.spans[id][0] = uint16(len(p.body))
	return defs[id]
}

// end closes the field being written.
func (p *packer) end() {
	if p.cur != 0 {
		p.spans[p.cur][1] = uint16(len(p.body))
		p.cur = 0
	}
}

// str puts a text field. A fixed an/ans field shorter than its length is
// right-padded with spaces; a fixed n field must have the exact length.
func (p *packer) str(id int, v string) {
	d := p.begin(id)
	if d == nil {
		return
	}
	if i := badByte(d.format, []byte(v)); i >= 0 {
		p.fail(id, &charsetError{format: d.format, pos: i, b: v[i]})
		return
	}
	switch {
	case d.lenDigits > 0:
		if len(v) == 0 || len(v) > d.length {
			p.fail(id, fmt.Errorf("%w: length %d, want 1..%d", ErrBadField, len(v), d.length))
			return
		}
		p.body = appendPadded(p.body, uint64(len(v)), d.lenDigits)
		p.body = append(p.body, v...)
	case len(v) == d.length:
		p.body = append(p.body, v...)
	case len(v) < d.length && (d.format == fmtAN || d.format == fmtANS):
		p.body = append(p.body, v...)
		for i := len(v); i < d.length; i++ {
			p.body = append(p.body, ' ')
		}
	default:
		p.fail(id, fmt.Errorf("%w: length %d, want %d", ErrBadField, len(v), d.length))
	}
}

// num puts a fixed n field, zero-padded to its length.
func (p *packer) num(id int, v uint64) {
	d := p.begin(id)
	if d == nil {
		return
	}
	if d.lenDigits != 0 || d.format != fmtN {
		p.fail(id, fmt.Errorf("%w: not a fixed numeric field", ErrBadField))
		return
	}
	if v >= pow10(d.length) {
		p.fail(id, fmt.Errorf("%w: value %d does not fit in %d digits", ErrBadField, v, d.length))
		return
	}
	p.body = appendPadded(p.body, v, d.length)
}

// amount puts a non-negative amount in a fixed n field.
func (p *packer) amount(id int, a Amount) {
	if a < 0 {
		if p.begin(id) != nil {
			p.fail(id, fmt.Errorf("%w: negative amount %s", ErrBadField, a))
		}
		return
	}
	p.num(id, uint64(a))
}

func pow10(n int) uint64 {
	v := uint64(1)
	for range n {
		v *= 10
	}
	return v
}

// appendPadded appends v as exactly width decimal digits (v must fit).
func appendPadded(dst []byte, v uint64, width int) []byte {
	var buf [20]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, buf[:width]...)
}

// finish checks the layout and appends MTI, bitmap and fields to dst.
func (p *packer) finish(dst []byte, mti MTI, l *layout) ([]byte, error) {
	if p.err != nil {
		return dst, p.err
	}
	p.end()
	missing, extra := l.required.minus(p.set).first(), p.set.minus(l.allowed).first()
	switch {
	case missing != 0 && (extra == 0 || missing < extra):
		return dst, &PackError{Field: missing, Err: ErrMissingField}
	case extra != 0:
		return dst, &PackError{Field: extra, Err: fmt.Errorf("%w: %s does not carry it", ErrUnexpectedField, mti)}
	}
	bitmapLen := 8
	bm := p.set
	if bm[1] != 0 {
		bitmapLen = 16
		bm.add(1)
	}
	dst = slices.Grow(dst, len(mti)+bitmapLen+len(p.body))
	dst = append(dst, mti...)
	for i := 0; i < bitmapLen; i++ {
		dst = append(dst, byte(bm[i/8]>>(56-8*uint(i%8))))
	}
	for id := p.set.next(0); id != 0; id = p.set.next(id) {
		dst = append(dst, p.body[p.spans[id][0]:p.spans[id][1]]...)
	}
	return dst, nil
}

var packerPool = sync.Pool{New: func() any { return &packer{body: make([]byte, 0, 512)} }}

func getPacker() *packer {
	p := packerPool.Get().(*packer)
	p.body, p.set, p.cur, p.err = p.body[:0], fieldSet{}, 0, nil
	return p
}

func putPacker(p *packer) {
	if cap(p.body) <= 4096 {
		packerPool.Put(p)
	}
}

// unpacked is a message split into fields, not yet interpreted. Field
// values are substrings of one copy of the message.
type unpacked struct {
	raw  string
	mti  MTI
	set  fieldSet
	vals [maxField + 1]string
	err  error
}

var unpackedPool = sync.Pool{New: func() any { return new(unpacked) }}

func getUnpacked() *unpacked { return unpackedPool.Get().(*unpacked) }

// putUnpacked clears u (only the fields it used) and pools it. Strings
// already handed out stay valid: they share u.raw, which is immutable.
func putUnpacked(u *unpacked) {
	for id := u.set.next(0); id != 0; id = u.set.next(id) {
		u.vals[id] = ""
	}
	u.raw, u.mti, u.set, u.err = "", "", fieldSet{}, nil
	unpackedPool.Put(u)
}

// split parses MTI, bitmap and every field. It checks formats and lengths
// but not which fields the message type needs. Raw bytes in its errors
// are copies.
func (u *unpacked) split(b []byte) error {
	if len(b) < 4 {
		return &UnpackError{Field: 0, Raw: append([]byte(nil), b...), Err: fmt.Errorf("%w: %d bytes, need 4 for the MTI", ErrShortMessage, len(b))}
	}
	u.raw = string(b)
	s := u.raw
	raw := func(from, to int) []byte { return []byte(s[from:min(to, len(s))]) }
	if badByte(fmtN, b[:4]) >= 0 {
		return &UnpackError{Field: 0, Raw: raw(0, 4), Err: fmt.Errorf("%w: MTI %q is not four digits", ErrUnknownMTI, s[:4])}
	}
	u.mti = MTI(s[:4])
	off := 4
	if len(s) < off+8 {
		return &UnpackError{Field: 1, Raw: raw(off, len(s)), Err: fmt.Errorf("%w: %d bitmap bytes, need 8", ErrShortMessage, len(s)-off)}
	}
	for i := range 8 {
		u.set[0] |= uint64(s[off+i]) << (56 - 8*uint(i))
	}
	off += 8
	if u.set.has(1) {
		if len(s) < off+8 {
			return &UnpackError{Field: 1, Raw: raw(off-8, len(s)), Err: fmt.Errorf("%w: bit 1 announces a secondary bitmap but only %d bytes follow", ErrShortMessage, len(s)-off)}
		}
		for i := range 8 {
			u.set[1] |= uint64(s[off+i]) << (56 - 8*uint(i))
		}
		off += 8
	}
	for id := u.set.next(1); id != 0; id = u.set.next(id) {
		d := defs[id]
		if d == nil {
			return &UnpackError{Field: id, Err: fmt.Errorf("%w: the bitmap announces field %d", ErrUnknownField, id)}
		}
		n := d.length
		if d.lenDigits > 0 {
			if len(s) < off+d.lenDigits {
				return &UnpackError{Field: id, Raw: raw(off, len(s)), Err: fmt.Errorf("%w: length prefix needs %d bytes, %d left", ErrShortMessage, d.lenDigits, len(s)-off)}
			}
			v, perr := parseDigits(s[off:off+d.lenDigits], d.lenDigits)
			if perr != nil {
				return &UnpackError{Field: id, Raw: raw(off, off+d.lenDigits), Err: fmt.Errorf("%w: length prefix is not %d digits", ErrBadField, d.lenDigits)}
			}
			if v == 0 || v > uint64(d.length) {
				return &UnpackError{Field: id, Raw: raw(off, off+d.lenDigits), Err: fmt.Errorf("%w: length %d, want 1..%d", ErrBadField, v, d.length)}
			}
			n = int(v)
			off += d.lenDigits
		}
		if len(s) < off+n {
			return &UnpackError{Field: id, Raw: raw(off, len(s)), Err: fmt.Errorf("%w: field needs %d bytes, %d left", ErrShortMessage, n, len(s)-off)}
		}
		if i := badByte(d.format, b[off:off+n]); i >= 0 {
			return &UnpackError{Field: id, Raw: raw(off, off+n), Err: &charsetError{format: d.format, pos: i, b: b[off+i]}}
		}
		u.vals[id] = s[off : off+n]
		off += n
	}
	if off != len(s) {
		return &UnpackError{Field: -1, Raw: raw(off, len(s)), Err: fmt.Errorf("%w: %d bytes", ErrTrailingBytes, len(s)-off)}
	}
	return nil
}

// check verifies the message against a layout.
func (u *unpacked) check(l *layout) error {
	set := u.set
	set[0] &^= 1 << 63 // bit 1 is the secondary bitmap, not a field
	missing, extra := l.required.minus(set).first(), set.minus(l.allowed).first()
	switch {
	case extra != 0 && (missing == 0 || extra < missing):
		return &UnpackError{Field: extra, Raw: []byte(u.vals[extra]), Err: fmt.Errorf("%w: %s does not carry it", ErrUnexpectedField, u.mti)}
	case missing != 0:
		return &UnpackError{Field: missing, Err: fmt.Errorf("%w: %s needs it", ErrMissingField, u.mti)}
	}
	return nil
}

func (u *unpacked) fail(id int, err error) {
	if u.err == nil {
		u.err = &UnpackError{Field: id, Raw: []byte(u.vals[id]), Err: err}
	}
}

// text returns a field with trailing spaces removed (fixed an/ans fields
// are space-padded on the wire).
func (u *unpacked) text(id int) string { return strings.TrimRight(u.vals[id], " ") }

// num returns a numeric field's value; "" (absent) is 0.
func (u *unpacked) num(id int) uint64 {
	v := u.vals[id]
	if v == "" {
		return 0
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		u.fail(id, fmt.Errorf("%w: not a number", ErrBadField))
	}
	return n
}

func (u *unpacked) amount(id int) Amount { return Amount(u.num(id)) }

func (u *unpacked) stan(id int) STAN {
	if u.vals[id] == "" {
		return 0
	}
	v := u.num(id)
	if v == 0 {
		u.fail(id, fmt.Errorf("%w: STAN 000000 is not valid", ErrBadField))
	}
	return STAN(v)
}

func (u *unpacked) times() Times {
	t := Times{Transmission: DateTime(u.vals[7]), LocalTime: u.vals[12], LocalDate: u.vals[13]}
	for _, id := range [...]int{7, 12, 13} {
		if err := t.check(id); err != nil {
			u.fail(id, err)
		}
	}
	return t
}

// check validates the time stamp of field id (7, 12 or 13) if it is set.
func (t Times) check(id int) error {
	switch id {
	case 7:
		if t.Transmission != "" {
			return t.Transmission.Validate()
		}
	case 12:
		v := t.LocalTime
		if v != "" && (len(v) != 6 || badByte(fmtN, []byte(v)) >= 0 || v[:2] > "23" || v[2:4] > "59" || v[4:] > "59") {
			return fmt.Errorf("%w: local time %q is not hhmmss", ErrBadField, v)
		}
	case 13:
		v := t.LocalDate
		if v != "" && (len(v) != 4 || badByte(fmtN, []byte(v)) >= 0 ||
			!validMonthDay(int(v[0]-'0')*10+int(v[1]-'0'), int(v[2]-'0')*10+int(v[3]-'0'))) {
			return fmt.Errorf("%w: local date %q is not MMDD", ErrBadField, v)
		}
	}
	return nil
}

// putTimes writes DE7, DE12 and DE13 (each if set).
func (p *packer) putTimes(t Times) {
	put := func(id int, v string) {
		if v == "" {
			return
		}
		if err := t.check(id); err != nil {
			if p.begin(id) != nil {
				p.fail(id, err)
			}
			return
		}
		p.str(id, v)
	}
	put(7, string(t.Transmission))
	put(12, t.LocalTime)
	put(13, t.LocalDate)
}
