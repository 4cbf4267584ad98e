package hostproto

import (
	"fmt"
	"strings"
)

// OriginalData is data element 90 (n42), which ties a reversal, refund or
// void to the transaction it refers to:
//
//	positions  1-4   original MTI (n4)
//	           5-10  original STAN (n6)
//	          11-20  original transmission date-time, DE7 (n10)
//	          21-31  original acquiring institution id (n11, zero-filled)
//	          32-42  original forwarding institution id (n11, zero-filled)
//
// The zero value means "absent".
type OriginalData struct {
	MTI          MTI
	STAN         STAN
	Transmission DateTime
	AcquirerID   string // up to 11 digits; "" is sent as zeros
	ForwardingID string // up to 11 digits; "" is sent as zeros
	// Batch and Date travel on the cup profile only (field 61: original
	// batch, trace and MMDD date); iso87 does not send them.
	Batch BatchNumber
	Date  string // MMDD, local date of the original
}

// IsZero reports whether o is the zero value (DE90 absent).
func (o OriginalData) IsZero() bool { return o == OriginalData{} }

// OriginalOf returns DE90 for a financial request.
func OriginalOf(req *FinancialRequest) OriginalData {
	return OriginalData{MTI: MTIFinancialRequest, STAN: req.STAN, Transmission: req.Transmission}
}

func (o OriginalData) encode() (string, error) {
	if len(o.MTI) != 4 || badByte(fmtN, []byte(o.MTI)) >= 0 {
		return "", fmt.Errorf("%w: original MTI %q is not four digits", ErrBadField, string(o.MTI))
	}
	if o.STAN == 0 || o.STAN > MaxSTAN {
		return "", fmt.Errorf("%w: original STAN %d out of range", ErrBadField, o.STAN)
	}
	dt := o.Transmission
	if dt == "" {
		dt = "0000000000" // ISO allows zero-filling an unknown sub-field
	} else if err := dt.Validate(); err != nil {
		return "", fmt.Errorf("original %w", err)
	}
	var b strings.Builder
	b.Grow(42)
	b.WriteString(string(o.MTI))
	b.WriteString(o.STAN.String())
	b.WriteString(string(dt))
	for _, id := range []string{o.AcquirerID, o.ForwardingID} {
		if len(id) > 11 || badByte(fmtN, []byte(id)) >= 0 {
			return "", fmt.Errorf("%w: institution id %q is not up to 11 digits", ErrBadField, id)
		}
		b.WriteString(strings.Repeat("0", 11-len(id)))
		b.WriteString(id)
	}
	return b.String(), nil
}

func decodeOriginal(s string) (OriginalData, error) {
	if len(s) != 42 {
		return OriginalData{}, fmt.Errorf("%w: length %d, want 42", ErrBadField, len(s))
	}
	o := OriginalData{MTI: MTI(s[:4]), Transmission: DateTime(s[10:20])}
	st, err := parseDigits(s[4:10], 6)
	if err != nil || st == 0 {
		return OriginalData{}, fmt.Errorf("%w: original STAN %q is not 000001..999999", ErrBadField, s[4:10])
	}
	o.STAN = STAN(st)
	if o.Transmission == "0000000000" {
		o.Transmission = ""
	} else if err := o.Transmission.Validate(); err != nil {
		return OriginalData{}, fmt.Errorf("original %w", err)
	}
	o.AcquirerID = unzero(s[20:31])
	o.ForwardingID = unzero(s[31:42])
	return o, nil
}

// unzero maps an all-zero id to "".
func unzero(s string) string {
	if strings.Trim(s, "0") == "" {
		return ""
	}
	return s
}

// Totals are a batch's reconciliation totals (0500 and, when the host
// disagrees, 0510). In ISO terms a debit charges the cardholder and a
// credit pays the cardholder back, so:
//
//	DE74 CreditCount          refunds                    n10
//	DE75 CreditReversalCount  voids of refunds           n10
//	DE76 DebitCount           sales                      n10
//	DE77 DebitReversalCount   voids of sales             n10
//	DE86 CreditAmount         sum of refunds             n16
//	DE87 CreditReversalAmount sum of voided refunds      n16
//	DE88 DebitAmount          sum of sales               n16
//	DE89 DebitReversalAmount  sum of voided sales        n16
//	DE97 Net                  x+n16: 'C' and the amount when Net ≥ 0
//	                          (money owed to the merchant), 'D' when < 0
//
// Timeout reversals are not counted: a reversed sale is no sale.
type Totals struct {
	CreditCount          int64
	CreditReversalCount  int64
	DebitCount           int64
	DebitReversalCount   int64
	CreditAmount         Amount
	CreditReversalAmount Amount
	DebitAmount          Amount
	DebitReversalAmount  Amount
	Net                  Amount
}

// ComputeNet returns (debits − debit reversals) − (credits − credit
// reversals), the value DE97 should carry.
func (t Totals) ComputeNet() Amount {
	return (t.DebitAmount - t.DebitReversalAmount) - (t.CreditAmount - t.CreditReversalAmount)
}

// WithNet returns t with Net set to [Totals.ComputeNet].
func (t Totals) WithNet() Totals {
	t.Net = t.ComputeNet()
	return t
}

func (p *packer) putTotals(t *Totals) {
	for i, c := range []int64{t.CreditCount, t.CreditReversalCount, t.DebitCount, t.DebitReversalCount} {
		if c < 0 {
			p.begin(74 + i)
			p.fail(74+i, fmt.Errorf("%w: negative count %d", ErrBadField, c))
			return
		}
		p.num(74+i, uint64(c))
	}
	for i, a := range []Amount{t.CreditAmount, t.CreditReversalAmount, t.DebitAmount, t.DebitReversalAmount} {
		p.amount(86+i, a)
	}
	sign, v := byte('C'), t.Net
	if v < 0 {
		sign, v = 'D', -v
	}
	if v < 0 || uint64(v) >= pow10(16) {
		p.begin(97)
		p.fail(97, fmt.Errorf("%w: net amount does not fit in 16 digits", ErrBadField))
		return
	}
	p.str(97, string(appendPadded([]byte{sign}, uint64(v), 16)))
}

// totalsFields are the fields of Totals.
var totalsFields = setOf(74, 75, 76, 77, 86, 87, 88, 89, 97)

func (u *unpacked) totals() *Totals {
	n := 0
	for id := 1; id <= maxField; id++ {
		if totalsFields.has(id) && u.set.has(id) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	for id := 1; id <= maxField; id++ {
		if totalsFields.has(id) && !u.set.has(id) {
			u.fail(id, fmt.Errorf("%w: totals fields 74-77, 86-89 and 97 go together", ErrMissingField))
			return nil
		}
	}
	t := &Totals{
		CreditCount:          int64(u.num(74)),
		CreditReversalCount:  int64(u.num(75)),
		DebitCount:           int64(u.num(76)),
		DebitReversalCount:   int64(u.num(77)),
		CreditAmount:         u.amount(86),
		CreditReversalAmount: u.amount(87),
		DebitAmount:          u.amount(88),
		DebitReversalAmount:  u.amount(89),
	}
	net := u.vals[97]
	v, err := parseDigits(net[1:], 16)
	if err != nil {
		u.fail(97, fmt.Errorf("%w: net amount is not x+n16", ErrBadField))
	}
	t.Net = Amount(v)
	if net[0] == 'D' {
		t.Net = -t.Net
	}
	return t
}

// BatchRecord is one transaction in a batch upload (0320, DE48). On the
// wire a record is 42 characters:
//
//	STAN n6 | processing code n6 | amount n12 | RRN an12 | approval code an6
//
// and DE48 is a two-digit record count followed by the records. RRN and
// approval code are right-padded with spaces. No card data travels.
type BatchRecord struct {
	STAN           STAN
	ProcessingCode ProcessingCode
	Amount         Amount
	RRN            string
	AuthCode       string
}

// Difference is one line of the settlement difference report (final 0510,
// DE48). On the wire a line is 49 characters:
//
//	STAN n6 | processing code n6 | RRN an12 | kind a1 | terminal amount n12 | host amount n12
//
// and DE48 is a two-digit count followed by the lines.
type Difference struct {
	STAN           STAN
	ProcessingCode ProcessingCode
	RRN            string
	Kind           DifferenceKind
	TerminalAmount Amount // 0 when Kind is HostOnly
	HostAmount     Amount // 0 when Kind is TerminalOnly
}

// DifferenceKind says how a transaction differs between terminal and host.
type DifferenceKind byte

// Kinds of difference.
const (
	TerminalOnly   DifferenceKind = 'T' // in the terminal's upload, unknown to the host
	HostOnly       DifferenceKind = 'H' // booked by the host, missing from the upload
	AmountDiffers  DifferenceKind = 'A' // both know it, amounts differ
	ReversedAtHost DifferenceKind = 'R' // the terminal counts it, the host reversed it
	TypeDiffers    DifferenceKind = 'P' // both know it under different processing codes
)

var kindNames = map[DifferenceKind]string{
	TerminalOnly:   "terminal only",
	HostOnly:       "host only",
	AmountDiffers:  "amount differs",
	ReversedAtHost: "reversed at host",
	TypeDiffers:    "processing code differs",
}

// String returns the kind's letter and name, e.g. "H host only".
func (k DifferenceKind) String() string {
	if n, ok := kindNames[k]; ok {
		return string(rune(k)) + " " + n
	}
	return fmt.Sprintf("%q unknown", rune(k))
}

// Limits of DE48 content.
const (
	MaxBatchRecords = 20 // records per 0320
	MaxDifferences  = 20 // lines per 0510
	batchRecordLen  = 42
	differenceLen   = 49
)

func encodeRecords(rs []BatchRecord) (string, error) {
	if len(rs) == 0 || len(rs) > MaxBatchRecords {
		return "", fmt.Errorf("%w: %d batch records, want 1..%d", ErrBadField, len(rs), MaxBatchRecords)
	}
	b := make([]byte, 0, 2+len(rs)*batchRecordLen)
	b = appendPadded(b, uint64(len(rs)), 2)
	for i, r := range rs {
		if r.STAN == 0 || r.STAN > MaxSTAN {
			return "", fmt.Errorf("%w: record %d: STAN %d out of range", ErrBadField, i+1, r.STAN)
		}
		if len(r.ProcessingCode) != 6 || badByte(fmtN, []byte(r.ProcessingCode)) >= 0 {
			return "", fmt.Errorf("%w: record %d: processing code %q is not six digits", ErrBadField, i+1, string(r.ProcessingCode))
		}
		if r.Amount < 0 || r.Amount > MaxAmount {
			return "", fmt.Errorf("%w: record %d: amount %s out of range", ErrBadField, i+1, r.Amount)
		}
		b = appendPadded(b, uint64(r.STAN), 6)
		b = append(b, r.ProcessingCode...)
		b = appendPadded(b, uint64(r.Amount), 12)
		var err error
		if b, err = appendText(b, r.RRN, 12, fmtAN); err != nil {
			return "", fmt.Errorf("record %d: RRN: %w", i+1, err)
		}
		if b, err = appendText(b, r.AuthCode, 6, fmtAN); err != nil {
			return "", fmt.Errorf("record %d: approval code: %w", i+1, err)
		}
	}
	return string(b), nil
}

func decodeRecords(s string) ([]BatchRecord, error) {
	n, err := count(s, batchRecordLen, MaxBatchRecords)
	if err != nil {
		return nil, err
	}
	rs := make([]BatchRecord, n)
	for i := range rs {
		r := s[2+i*batchRecordLen : 2+(i+1)*batchRecordLen]
		st, err1 := parseDigits(r[0:6], 6)
		_, err2 := parseDigits(r[6:12], 6)
		amt, err3 := parseDigits(r[12:24], 12)
		if err1 != nil || err2 != nil || err3 != nil || st == 0 {
			return nil, fmt.Errorf("%w: batch record %d: STAN, processing code or amount is not numeric", ErrBadField, i+1)
		}
		if badByte(fmtAN, []byte(r[24:42])) >= 0 {
			return nil, fmt.Errorf("%w: batch record %d: RRN or approval code is not alphanumeric", ErrBadField, i+1)
		}
		rs[i] = BatchRecord{
			STAN:           STAN(st),
			ProcessingCode: ProcessingCode(r[6:12]),
			Amount:         Amount(amt),
			RRN:            strings.TrimRight(r[24:36], " "),
			AuthCode:       strings.TrimRight(r[36:42], " "),
		}
	}
	return rs, nil
}

func encodeDifferences(ds []Difference) (string, error) {
	if len(ds) == 0 || len(ds) > MaxDifferences {
		return "", fmt.Errorf("%w: %d differences, want 1..%d", ErrBadField, len(ds), MaxDifferences)
	}
	b := make([]byte, 0, 2+len(ds)*differenceLen)
	b = appendPadded(b, uint64(len(ds)), 2)
	for i, d := range ds {
		if d.STAN == 0 || d.STAN > MaxSTAN {
			return "", fmt.Errorf("%w: difference %d: STAN %d out of range", ErrBadField, i+1, d.STAN)
		}
		if len(d.ProcessingCode) != 6 || badByte(fmtN, []byte(d.ProcessingCode)) >= 0 {
			return "", fmt.Errorf("%w: difference %d: processing code %q is not six digits", ErrBadField, i+1, string(d.ProcessingCode))
		}
		if _, ok := kindNames[d.Kind]; !ok {
			return "", fmt.Errorf("%w: difference %d: unknown kind %q", ErrBadField, i+1, rune(d.Kind))
		}
		for _, a := range []Amount{d.TerminalAmount, d.HostAmount} {
			if a < 0 || a > MaxAmount {
				return "", fmt.Errorf("%w: difference %d: amount %s out of range", ErrBadField, i+1, a)
			}
		}
		b = appendPadded(b, uint64(d.STAN), 6)
		b = append(b, d.ProcessingCode...)
		var err error
		if b, err = appendText(b, d.RRN, 12, fmtAN); err != nil {
			return "", fmt.Errorf("difference %d: RRN: %w", i+1, err)
		}
		b = append(b, byte(d.Kind))
		b = appendPadded(b, uint64(d.TerminalAmount), 12)
		b = appendPadded(b, uint64(d.HostAmount), 12)
	}
	return string(b), nil
}

func decodeDifferences(s string) ([]Difference, error) {
	n, err := count(s, differenceLen, MaxDifferences)
	if err != nil {
		return nil, err
	}
	ds := make([]Difference, n)
	for i := range ds {
		r := s[2+i*differenceLen : 2+(i+1)*differenceLen]
		st, err1 := parseDigits(r[0:6], 6)
		_, err2 := parseDigits(r[6:12], 6)
		ta, err3 := parseDigits(r[25:37], 12)
		ha, err4 := parseDigits(r[37:49], 12)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || st == 0 {
			return nil, fmt.Errorf("%w: difference %d: STAN, processing code or an amount is not numeric", ErrBadField, i+1)
		}
		if badByte(fmtAN, []byte(r[12:24])) >= 0 {
			return nil, fmt.Errorf("%w: difference %d: RRN is not alphanumeric", ErrBadField, i+1)
		}
		k := DifferenceKind(r[24])
		if _, ok := kindNames[k]; !ok {
			return nil, fmt.Errorf("%w: difference %d: unknown kind %q", ErrBadField, i+1, rune(k))
		}
		ds[i] = Difference{
			STAN:           STAN(st),
			ProcessingCode: ProcessingCode(r[6:12]),
			RRN:            strings.TrimRight(r[12:24], " "),
			Kind:           k,
			TerminalAmount: Amount(ta),
			HostAmount:     Amount(ha),
		}
	}
	return ds, nil
}

// count reads the two-digit count of a DE48 list and checks the length.
func count(s string, recLen, max int) (int, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("%w: record count missing", ErrBadField)
	}
	n, err := parseDigits(s[:2], 2)
	if err != nil || n == 0 || int(n) > max {
		return 0, fmt.Errorf("%w: record count %q, want 01..%02d", ErrBadField, s[:2], max)
	}
	if len(s) != 2+int(n)*recLen {
		return 0, fmt.Errorf("%w: %d records need %d characters, field has %d", ErrBadField, n, 2+int(n)*recLen, len(s))
	}
	return int(n), nil
}

// appendText appends v right-padded with spaces to width.
func appendText(dst []byte, v string, width int, format string) ([]byte, error) {
	if len(v) > width {
		return dst, fmt.Errorf("%w: length %d, want at most %d", ErrBadField, len(v), width)
	}
	if i := badByte(format, []byte(v)); i >= 0 {
		return dst, &charsetError{format: format, pos: i, b: v[i]}
	}
	dst = append(dst, v...)
	for i := len(v); i < width; i++ {
		dst = append(dst, ' ')
	}
	return dst, nil
}
