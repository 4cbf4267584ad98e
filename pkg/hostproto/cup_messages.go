package hostproto

import (
	"errors"
	"fmt"
	"strconv"
)

// CUP is the China UnionPay POS profile: TPDU and message header inside
// the length header, BCD numerics, field 60 (message type code, batch,
// network management code), 61 (original batch, trace and date), 62
// (working keys), 63, and a MAC in field 64 over every financial message
// and its answer. docs/profiles.md has the field table and the mapping;
// in short:
//
//	typed message                       cup wire (MTI, DE3, 60.1, 60.3)
//	FinancialRequest ProcSale           0200 000000 22 000
//	FinancialRequest ProcVoid           0200 200000 23 000  + 37, 38, 61
//	FinancialRequest ProcRefund         0220 200000 25 000  + 37, 61, 63 "CUP"
//	FinancialRequest ProcPreAuth        0100 030000 10 000
//	FinancialRequest ProcPreAuthCancel  0100 200000 11 000  + 38, 61
//	FinancialRequest ProcPreAuthComplete 0200 000000 20 000 + 38, 61
//	FinancialResponse                   0110 / 0210 / 0230 as the request
//	ReversalRequest                     0400, DE11 = the original's STAN, reason in 39
//	SettlementRequest ProcSettle        0500 with totals in 48, 60.3 201
//	BatchUploadRequest                  0320 with records in 48, 60.3 201
//	SettlementRequest ProcSettleAfterUpload 0320 with the count in 48, 60.3 202
//	NetworkRequest                      0800, 60.3 001 / 002 / 301
//	NetworkResponse                     0810, working keys in 62 after a sign-on
var CUP Profile = cupProfile{}

type cupProfile struct{}

func (cupProfile) Name() string      { return ProfileCUP }
func (cupProfile) BitmapOffset() int { return cupEnvLen + 2 }

func (cupProfile) Rules() Rules {
	return Rules{ReversalKeepsSTAN: true, MAC: true, PreAuth: true, FoldedTotals: true, MaxBatchRecords: CUPMaxBatchRecords, MaxCount: 999}
}

// CUPMaxBatchRecords is the most records a cup 0320 carries (48 n..322:
// a two-digit count and 40 digits per record).
const CUPMaxBatchRecords = 8

func (cupProfile) MACed(m Message) bool {
	switch m.(type) {
	case *FinancialRequest, *FinancialResponse, *ReversalRequest, *ReversalResponse:
		return true
	}
	return false
}

// cupTxn is one financial transaction type of the profile.
type cupTxn struct {
	proc   ProcessingCode
	mti    string // request MTI; the response is +10
	pcode  string // DE3 on the wire
	code60 string // 60.1 message type code
}

var cupTxns = [...]cupTxn{
	{ProcSale, "0200", "000000", "22"},
	{ProcVoid, "0200", "200000", "23"},
	{ProcRefund, "0220", "200000", "25"},
	{ProcPreAuth, "0100", "030000", "10"},
	{ProcPreAuthCancel, "0100", "200000", "11"},
	{ProcPreAuthComplete, "0200", "000000", "20"},
}

func cupTxnOf(pc ProcessingCode) *cupTxn {
	for i := range cupTxns {
		if cupTxns[i].proc == pc {
			return &cupTxns[i]
		}
	}
	return nil
}

// cupTxnFor finds the transaction of a request MTI and 60.1 code.
func cupTxnFor(reqMTI, code60 string) *cupTxn {
	for i := range cupTxns {
		if cupTxns[i].code60 == code60 && (reqMTI == "" || cupTxns[i].mti == reqMTI) {
			return &cupTxns[i]
		}
	}
	return nil
}

// 60.3 network management information codes.
const (
	cupNetNone      = "000"
	cupNetSettle    = "201" // settlement, and batch upload records
	cupNetUploadEnd = "202" // end of batch upload
	cupCode60NotTxn = "00"
)

var (
	cupLayoutFinReq = layout{
		allowed:  setOf(2, 3, 4, 11, 14, 22, 25, 37, 38, 41, 42, 49, 60, 61, 63, 64),
		required: setOf(3, 4, 11, 41, 60),
	}
	cupLayoutFinResp = layout{
		allowed:  setOf(2, 3, 4, 11, 12, 13, 14, 25, 37, 38, 39, 41, 42, 49, 60, 61, 63, 64),
		required: setOf(3, 11, 39, 41, 60),
	}
	cupLayoutRevReq = layout{
		allowed:  setOf(2, 3, 4, 11, 14, 22, 25, 38, 39, 41, 42, 49, 60, 61, 64),
		required: setOf(3, 4, 11, 41, 60),
	}
	cupLayoutRevResp = layout{
		allowed:  setOf(3, 4, 11, 12, 13, 25, 37, 39, 41, 42, 49, 60, 64),
		required: setOf(11, 39, 41, 60),
	}
	cupLayoutSettleReq = layout{
		allowed:  setOf(11, 41, 42, 48, 49, 60, 63),
		required: setOf(11, 41, 48, 60),
	}
	cupLayoutSettleResp = layout{
		allowed:  setOf(11, 12, 13, 39, 41, 42, 48, 49, 60),
		required: setOf(11, 39, 41, 60),
	}
	cupLayoutUpload = layout{
		allowed:  setOf(11, 41, 42, 48, 60),
		required: setOf(11, 41, 48, 60),
	}
	cupLayoutUploadResp = layout{
		allowed:  setOf(11, 12, 13, 39, 41, 42, 48, 60),
		required: setOf(11, 39, 41, 60),
	}
	cupLayoutNetReq = layout{
		allowed:  setOf(11, 41, 42, 60, 63),
		required: setOf(11, 41, 60),
	}
	cupLayoutNetResp = layout{
		allowed:  setOf(11, 12, 13, 37, 39, 41, 42, 60, 62),
		required: setOf(11, 39, 41, 60),
	}
)

func responseMTI(req string) string {
	b := []byte(req)
	b[2]++
	return string(b)
}

func (cp cupProfile) AppendEncode(dst []byte, m Message, keys *WorkingKeys) ([]byte, error) {
	out, err := cp.appendEncode(dst, m, keys)
	var pe *PackError
	if errors.As(err, &pe) {
		pe.cup = true
	}
	return out, err
}

func (cupProfile) appendEncode(dst []byte, m Message, keys *WorkingKeys) ([]byte, error) {
	if m == nil {
		return dst, &PackError{Field: 0, Err: fmt.Errorf("%w: nil message", ErrMissingField)}
	}
	p := getCUPPacker()
	defer putCUPPacker(p)
	mti, resp, l, err := cupEncode(p, m)
	if err != nil {
		return dst, err
	}
	var mak []byte
	if CUP.MACed(m) {
		if keys == nil {
			// A host that cannot verify a request answers A0 without a MAC.
			if r, ok := m.(interface{ code() ResponseCode }); !ok || r.code() != RCMACError {
				return dst, &PackError{Field: 64, Err: fmt.Errorf("%w: no working keys to MAC a %s (sign on first)", ErrBadMAC, m.MTI())}
			}
		} else {
			mak = keys.MAC[:]
		}
	}
	return p.finish(dst, mti, resp, l, mak)
}

func (r *FinancialResponse) code() ResponseCode { return r.ResponseCode }
func (r *ReversalResponse) code() ResponseCode  { return r.ResponseCode }

func (p *cupPacker) stan(s STAN) {
	if s == 0 {
		return // reported missing by finish
	}
	if s > MaxSTAN {
		p.fail(11, fmt.Errorf("%w: STAN %d exceeds 999999", ErrBadField, s))
		return
	}
	p.num(11, uint64(s))
}

func (p *cupPacker) amount(id int, a Amount) {
	if a < 0 {
		p.fail(id, fmt.Errorf("%w: negative amount %s", ErrBadField, a))
		return
	}
	p.num(id, uint64(a))
}

// field60 puts 60.1 + 60.2 batch + 60.3.
func (p *cupPacker) field60(code60 string, b BatchNumber, net string) {
	if b > 999_999 {
		p.fail(60, fmt.Errorf("%w: batch number %d exceeds 999999", ErrBadField, b))
		return
	}
	if !p.begin(60) {
		return
	}
	start := len(p.buf)
	p.buf = append(p.buf, code60...)
	p.buf = appendPadded(p.buf, uint64(b), 6)
	p.buf = append(p.buf, net...)
	p.commit(60, start)
}

// times puts DE12 and DE13 when set (host answers only).
func (p *cupPacker) times(t Times) {
	for _, f := range [...]struct {
		id int
		v  string
	}{{12, t.LocalTime}, {13, t.LocalDate}} {
		if f.v == "" {
			continue
		}
		if err := t.check(f.id); err != nil {
			p.fail(f.id, err)
			continue
		}
		p.put(f.id, f.v)
	}
}

// original puts field 61: batch, trace and (when known) MMDD date.
func (p *cupPacker) original(o OriginalData, batch BatchNumber) {
	if o.STAN == 0 || o.STAN > MaxSTAN {
		p.fail(61, fmt.Errorf("%w: original STAN %d out of range", ErrBadField, o.STAN))
		return
	}
	b := o.Batch
	if b == 0 {
		b = batch
	}
	if b == 0 || b > 999_999 {
		p.fail(61, fmt.Errorf("%w: original batch %d out of range", ErrBadField, b))
		return
	}
	date := o.Date
	if date == "" && len(o.Transmission) == 10 {
		date = string(o.Transmission[:4])
	}
	if date != "" {
		if err := (Times{LocalDate: date}).check(13); err != nil {
			p.fail(61, fmt.Errorf("original date: %w", err))
			return
		}
	}
	p.put(61, b.String()+o.STAN.String()+date)
}

func cupEncode(p *cupPacker, m Message) (mti string, response bool, l *layout, err error) {
	switch r := m.(type) {
	case *FinancialRequest:
		tx := cupTxnOf(r.ProcessingCode)
		if tx == nil {
			return "", false, nil, &PackError{Field: 3, Err: fmt.Errorf("%w: %s has no cup message", ErrUnknownProcessingCode, string(r.ProcessingCode))}
		}
		switch r.ProcessingCode {
		case ProcSale, ProcRefund, ProcPreAuth, ProcPreAuthComplete:
			if r.PAN == "" {
				p.fail(2, fmt.Errorf("%w: a %s carries the card number", ErrMissingField, r.ProcessingCode))
			}
		}
		switch r.ProcessingCode {
		case ProcVoid, ProcRefund:
			if r.RRN == "" {
				p.fail(37, fmt.Errorf("%w: a %s names the original by RRN", ErrMissingField, r.ProcessingCode))
			}
		case ProcPreAuthCancel, ProcPreAuthComplete:
			if r.AuthCode == "" {
				p.fail(38, fmt.Errorf("%w: a %s names the pre-authorization by its approval code", ErrMissingField, r.ProcessingCode))
			}
		}
		p.opt(2, string(r.PAN))
		p.put(3, tx.pcode)
		p.amount(4, r.Amount)
		p.stan(r.STAN)
		p.opt(14, string(r.Expiry))
		p.opt(22, r.EntryMode)
		p.opt(25, r.ConditionCode)
		p.opt(37, r.RRN)
		p.opt(38, r.AuthCode)
		p.opt(41, r.TerminalID)
		p.opt(42, r.MerchantID)
		p.opt(49, r.Currency)
		p.field60(tx.code60, r.Batch, cupNetNone)
		if r.ProcessingCode != ProcSale && r.ProcessingCode != ProcPreAuth {
			if r.Original.IsZero() {
				p.fail(61, fmt.Errorf("%w: a %s names its original in field 61", ErrMissingField, r.ProcessingCode))
			} else {
				p.original(r.Original, r.Batch)
			}
		}
		if r.ProcessingCode == ProcRefund {
			p.put(63, "CUP")
		}
		return tx.mti, false, &cupLayoutFinReq, nil
	case *FinancialResponse:
		tx := cupTxnOf(r.ProcessingCode)
		if tx == nil {
			return "", false, nil, &PackError{Field: 3, Err: fmt.Errorf("%w: %s has no cup message", ErrUnknownProcessingCode, string(r.ProcessingCode))}
		}
		p.put(3, tx.pcode)
		p.amount(4, r.Amount)
		p.stan(r.STAN)
		p.times(r.Times)
		p.opt(37, r.RRN)
		p.opt(38, r.AuthCode)
		p.opt(39, string(r.ResponseCode))
		p.opt(41, r.TerminalID)
		p.opt(42, r.MerchantID)
		p.opt(49, r.Currency)
		p.field60(tx.code60, r.Batch, cupNetNone)
		return responseMTI(tx.mti), true, &cupLayoutFinResp, nil
	case *ReversalRequest:
		if r.Advice {
			return "", false, nil, &PackError{Field: 0, Err: fmt.Errorf("%w: the cup profile has no reversal advice (0420)", ErrUnsupported)}
		}
		tx := cupTxnOf(r.ProcessingCode)
		if tx == nil {
			return "", false, nil, &PackError{Field: 3, Err: fmt.Errorf("%w: %s has no cup message", ErrUnknownProcessingCode, string(r.ProcessingCode))}
		}
		if r.Original.STAN == 0 {
			p.fail(11, fmt.Errorf("%w: a cup reversal carries its original's STAN", ErrMissingField))
		} else if r.STAN != r.Original.STAN {
			p.fail(11, fmt.Errorf("%w: a cup reversal keeps its original's STAN %s, not %s (Rules.ReversalKeepsSTAN)", ErrBadField, r.Original.STAN, r.STAN))
		}
		p.opt(2, string(r.PAN))
		p.put(3, tx.pcode)
		p.amount(4, r.Amount)
		p.stan(r.Original.STAN)
		p.opt(14, string(r.Expiry))
		p.opt(22, r.EntryMode)
		p.opt(25, r.ConditionCode)
		p.opt(38, r.AuthCode)
		p.opt(39, string(r.Reason))
		p.opt(41, r.TerminalID)
		p.opt(42, r.MerchantID)
		p.opt(49, r.Currency)
		p.field60(tx.code60, r.Batch, cupNetNone)
		return "0400", false, &cupLayoutRevReq, nil
	case *ReversalResponse:
		if r.Advice {
			return "", false, nil, &PackError{Field: 0, Err: fmt.Errorf("%w: the cup profile has no reversal advice (0430)", ErrUnsupported)}
		}
		tx := cupTxnOf(r.ProcessingCode)
		if tx == nil {
			return "", false, nil, &PackError{Field: 3, Err: fmt.Errorf("%w: %s has no cup message", ErrUnknownProcessingCode, string(r.ProcessingCode))}
		}
		p.put(3, tx.pcode)
		if r.Amount != 0 {
			p.amount(4, r.Amount)
		}
		p.stan(r.STAN)
		p.times(r.Times)
		p.opt(37, r.RRN)
		p.opt(39, string(r.ResponseCode))
		p.opt(41, r.TerminalID)
		p.opt(42, r.MerchantID)
		p.opt(49, r.Currency)
		p.field60(tx.code60, r.Batch, cupNetNone)
		return "0410", true, &cupLayoutRevResp, nil
	case *SettlementRequest:
		p.stan(r.STAN)
		p.opt(41, r.TerminalID)
		p.opt(42, r.MerchantID)
		switch r.ProcessingCode {
		case ProcSettle:
			s, err := cupTotals(r.Totals, "0", "0")
			if err != nil {
				p.fail(48, err)
			}
			p.put(48, s)
			p.opt(49, r.Currency)
			p.field60(cupCode60NotTxn, r.Batch, cupNetSettle)
			return "0500", false, &cupLayoutSettleReq, nil
		case ProcSettleAfterUpload:
			if r.UploadCount < 0 || r.UploadCount > 9999 {
				p.fail(48, fmt.Errorf("%w: upload count %d out of 0..9999", ErrBadField, r.UploadCount))
			}
			p.put(48, string(appendPadded(nil, uint64(max(r.UploadCount, 0)%10000), 4)))
			p.field60(cupCode60NotTxn, r.Batch, cupNetUploadEnd)
			return "0320", false, &cupLayoutUpload, nil
		}
		return "", false, nil, &PackError{Field: 3, Err: fmt.Errorf("%w: %s is not %s or %s", ErrUnknownProcessingCode, string(r.ProcessingCode), string(ProcSettle), string(ProcSettleAfterUpload))}
	case *SettlementResponse:
		p.stan(r.STAN)
		p.times(r.Times)
		switch r.ProcessingCode {
		case ProcSettle:
			rc := r.ResponseCode
			var ht Totals
			if r.HostTotals != nil {
				ht = *r.HostTotals
			}
			switch rc {
			case RCApproved, RCReconcileError:
				result := "1"
				if rc == RCReconcileError {
					result = "2"
				}
				s, err := cupTotals(ht, result, "1")
				if err != nil {
					p.fail(48, err)
				}
				p.put(39, string(RCApproved))
				p.opt(41, r.TerminalID)
				p.opt(42, r.MerchantID)
				p.put(48, s)
			default:
				p.opt(39, string(rc))
				p.opt(41, r.TerminalID)
				p.opt(42, r.MerchantID)
				if r.HostTotals != nil {
					// A refusal may still carry the host's totals; the
					// result digits only mean something after a 00.
					s, err := cupTotals(ht, "0", "0")
					if err != nil {
						p.fail(48, err)
					}
					p.put(48, s)
				}
			}
			p.opt(49, r.Currency)
			p.field60(cupCode60NotTxn, r.Batch, cupNetSettle)
			return "0510", true, &cupLayoutSettleResp, nil
		case ProcSettleAfterUpload:
			p.opt(39, string(r.ResponseCode))
			p.opt(41, r.TerminalID)
			p.opt(42, r.MerchantID)
			p.field60(cupCode60NotTxn, r.Batch, cupNetUploadEnd)
			return "0330", true, &cupLayoutUploadResp, nil
		}
		return "", false, nil, &PackError{Field: 3, Err: fmt.Errorf("%w: %s is not %s or %s", ErrUnknownProcessingCode, string(r.ProcessingCode), string(ProcSettle), string(ProcSettleAfterUpload))}
	case *BatchUploadRequest:
		p.stan(r.STAN)
		p.opt(41, r.TerminalID)
		p.opt(42, r.MerchantID)
		if len(r.Records) > 0 {
			s, err := cupRecords(r.Records)
			if err != nil {
				p.fail(48, err)
			}
			p.put(48, s)
		}
		p.field60(cupCode60NotTxn, r.Batch, cupNetSettle)
		return "0320", false, &cupLayoutUpload, nil
	case *BatchUploadResponse:
		p.stan(r.STAN)
		p.times(r.Times)
		p.opt(39, string(r.ResponseCode))
		p.opt(41, r.TerminalID)
		p.opt(42, r.MerchantID)
		p.field60(cupCode60NotTxn, r.Batch, cupNetSettle)
		return "0330", true, &cupLayoutUploadResp, nil
	case *NetworkRequest:
		p.stan(r.STAN)
		p.opt(41, r.TerminalID)
		p.opt(42, r.MerchantID)
		if err := cupNetCode(r.Code); err != nil {
			p.fail(60, err)
		}
		p.field60(cupCode60NotTxn, r.Batch, string(r.Code))
		return "0800", false, &cupLayoutNetReq, nil
	case *NetworkResponse:
		p.stan(r.STAN)
		p.times(r.Times)
		p.opt(39, string(r.ResponseCode))
		p.opt(41, r.TerminalID)
		p.opt(42, r.MerchantID)
		if err := cupNetCode(r.Code); err != nil {
			p.fail(60, err)
		}
		p.field60(cupCode60NotTxn, r.Batch, string(r.Code))
		if r.Keys != nil {
			s, err := encodeKeys(r.Keys)
			if err != nil {
				p.fail(62, err)
			}
			p.put(62, s)
		}
		return "0810", true, &cupLayoutNetResp, nil
	}
	return "", false, nil, &PackError{Field: 0, Err: fmt.Errorf("%w: %T", ErrUnsupported, m)}
}

func cupNetCode(c NetworkCode) error {
	if len(c) != 3 || badByte(fmtN, []byte(c)) >= 0 {
		return fmt.Errorf("%w: network management code %q is not three digits", ErrBadField, string(c))
	}
	return nil
}

// cupTotals is field 48 of a 0500 (results "0") or 0510 (results "1"
// balanced, "2" unbalanced): domestic debit amount n12, debit count n3,
// credit amount n12, credit count n3, result n1, then the same for
// foreign cards, which poshil does not have (zeros).
//
// The cup totals have debits and credits only: a void of a sale counts as
// a credit and a void of a refund as a debit (see [FoldCUPTotals]).
func cupTotals(t Totals, domestic, foreign string) (string, error) {
	f := FoldCUPTotals(t)
	if f.DebitCount > 999 || f.CreditCount > 999 || f.DebitCount < 0 || f.CreditCount < 0 {
		return "", fmt.Errorf("%w: cup settlement counts are n3; %d debits, %d credits", ErrBadField, f.DebitCount, f.CreditCount)
	}
	if f.DebitAmount < 0 || f.DebitAmount > MaxAmount || f.CreditAmount < 0 || f.CreditAmount > MaxAmount {
		return "", fmt.Errorf("%w: cup settlement amounts are n12", ErrBadField)
	}
	b := make([]byte, 0, 62)
	b = appendPadded(b, uint64(f.DebitAmount), 12)
	b = appendPadded(b, uint64(f.DebitCount), 3)
	b = appendPadded(b, uint64(f.CreditAmount), 12)
	b = appendPadded(b, uint64(f.CreditCount), 3)
	b = append(b, domestic...)
	b = append(b, "000000000000000000000000000000"...)
	b = append(b, foreign...)
	return string(b), nil
}

// FoldCUPTotals returns t as the cup profile carries it: debits (sales
// and voids of refunds) and credits (refunds and voids of sales), with no
// reversal counts, and Net recomputed. Net does not change.
func FoldCUPTotals(t Totals) Totals {
	f := Totals{
		DebitCount:   t.DebitCount + t.CreditReversalCount,
		DebitAmount:  t.DebitAmount + t.CreditReversalAmount,
		CreditCount:  t.CreditCount + t.DebitReversalCount,
		CreditAmount: t.CreditAmount + t.DebitReversalAmount,
	}
	return f.WithNet()
}

func decodeCUPTotals(s string) (t Totals, domestic, foreign byte, err error) {
	if len(s) != 62 {
		return Totals{}, 0, 0, fmt.Errorf("%w: settlement totals are %d digits, want 62", ErrBadField, len(s))
	}
	da, _ := parseDigits(s[0:12], 12)
	dc, _ := parseDigits(s[12:15], 3)
	ca, _ := parseDigits(s[15:27], 12)
	cc, _ := parseDigits(s[27:30], 3)
	t = Totals{DebitAmount: Amount(da), DebitCount: int64(dc), CreditAmount: Amount(ca), CreditCount: int64(cc)}
	return t.WithNet(), s[30], s[61], nil
}

// cupRecordLen is one batch upload record: card organisation n2 ("00"
// CUP), trace n6, card number n20 (zero-filled: poshil's terminal keeps
// no card numbers), amount n12.
const cupRecordLen = 40

func cupRecords(rs []BatchRecord) (string, error) {
	if len(rs) == 0 || len(rs) > CUPMaxBatchRecords {
		return "", fmt.Errorf("%w: %d batch records, want 1..%d", ErrBadField, len(rs), CUPMaxBatchRecords)
	}
	b := make([]byte, 0, 2+len(rs)*cupRecordLen)
	b = appendPadded(b, uint64(len(rs)), 2)
	for i, r := range rs {
		if r.STAN == 0 || r.STAN > MaxSTAN {
			return "", fmt.Errorf("%w: record %d: STAN %d out of range", ErrBadField, i+1, r.STAN)
		}
		if r.Amount < 0 || r.Amount > MaxAmount {
			return "", fmt.Errorf("%w: record %d: amount %s out of range", ErrBadField, i+1, r.Amount)
		}
		b = append(b, "00"...)
		b = appendPadded(b, uint64(r.STAN), 6)
		b = append(b, "00000000000000000000"...)
		b = appendPadded(b, uint64(r.Amount), 12)
	}
	return string(b), nil
}

func decodeCUPRecords(s string) ([]BatchRecord, error) {
	n, err := count(s, cupRecordLen, CUPMaxBatchRecords)
	if err != nil {
		return nil, err
	}
	rs := make([]BatchRecord, n)
	for i := range rs {
		r := s[2+i*cupRecordLen : 2+(i+1)*cupRecordLen]
		st, _ := parseDigits(r[2:8], 6)
		amt, _ := parseDigits(r[28:40], 12)
		if st == 0 {
			return nil, fmt.Errorf("%w: batch record %d: trace 000000", ErrBadField, i+1)
		}
		rs[i] = BatchRecord{STAN: STAN(st), Amount: Amount(amt)}
	}
	return rs, nil
}

// split60 returns 60.1, 60.2 and 60.3 (60.4 and on are ignored).
func (u *cupUnpacked) split60() (code60 string, batch BatchNumber, net string, err error) {
	v := u.vals[60]
	if len(v) < 11 {
		return "", 0, "", cupErr(60, []byte(v), fmt.Errorf("%w: %d digits, want at least 11 (60.1 n2, 60.2 n6, 60.3 n3)", ErrBadField, len(v)))
	}
	b, _ := parseDigits(v[2:8], 6)
	return v[:2], BatchNumber(b), v[8:11], nil
}

func (u *cupUnpacked) num(id int) uint64 {
	v, _ := strconv.ParseUint(u.vals[id], 10, 64)
	return v
}

func (u *cupUnpacked) stan() (STAN, error) {
	v := u.num(11)
	if v == 0 {
		return 0, cupErr(11, []byte(u.vals[11]), fmt.Errorf("%w: STAN 000000 is not valid", ErrBadField))
	}
	return STAN(v), nil
}

func (u *cupUnpacked) times() (Times, error) {
	t := Times{LocalTime: u.vals[12], LocalDate: u.vals[13]}
	for _, id := range [...]int{12, 13} {
		if err := t.check(id); err != nil {
			return t, cupErr(id, []byte(u.vals[id]), err)
		}
	}
	return t, nil
}

// original reads field 61.
func (u *cupUnpacked) original() (OriginalData, error) {
	v := u.vals[61]
	if v == "" {
		return OriginalData{}, nil
	}
	if len(v) != 12 && len(v) != 16 {
		return OriginalData{}, cupErr(61, []byte(v), fmt.Errorf("%w: %d digits, want 12 (batch, trace) or 16 (and MMDD)", ErrBadField, len(v)))
	}
	b, _ := parseDigits(v[:6], 6)
	s, _ := parseDigits(v[6:12], 6)
	if b == 0 || s == 0 {
		return OriginalData{}, cupErr(61, []byte(v), fmt.Errorf("%w: original batch or trace is zero", ErrBadField))
	}
	o := OriginalData{MTI: MTIFinancialRequest, STAN: STAN(s), Batch: BatchNumber(b)}
	if len(v) == 16 {
		o.Date = v[12:]
		if err := (Times{LocalDate: o.Date}).check(13); err != nil {
			return OriginalData{}, cupErr(61, []byte(v), fmt.Errorf("original date: %w", err))
		}
	}
	return o, nil
}

// typedMTI maps a cup wire MTI (and 60.3 for 0320/0330) to the typed MTI.
func cupTypedMTI(wire, net string) MTI {
	switch wire {
	case "0100", "0200", "0220":
		return MTIFinancialRequest
	case "0110", "0210", "0230":
		return MTIFinancialResponse
	case "0320":
		if net == cupNetUploadEnd {
			return MTISettlementRequest
		}
		return MTIBatchUpload
	case "0330":
		if net == cupNetUploadEnd {
			return MTISettlementResponse
		}
		return MTIBatchUploadResponse
	}
	return MTI(wire)
}

func (cupProfile) Peek(b []byte) (Header, error) {
	u := getCUPUnpacked()
	defer putCUPUnpacked(u)
	err := u.split(b)
	net := ""
	if v := u.vals[60]; len(v) >= 11 {
		net = v[8:11]
	}
	h := Header{TerminalID: u.text(41)}
	if u.mti != "" {
		h.MTI = cupTypedMTI(u.mti, net)
	}
	if st, perr := parseDigits(u.vals[11], 6); perr == nil {
		h.STAN = STAN(st)
	}
	return h, err
}

func (cp cupProfile) Decode(b []byte, keys *WorkingKeys) (Message, error) {
	u := getCUPUnpacked()
	defer putCUPUnpacked(u)
	if err := u.split(b); err != nil {
		return nil, err
	}
	m, err := cupDecode(u)
	if err != nil {
		return nil, err
	}
	if !cp.MACed(m) {
		if u.set.has(64) {
			return nil, cupErr(64, u.mac, fmt.Errorf("%w: cup %s carries no MAC", ErrUnexpectedField, u.mti))
		}
		return m, nil
	}
	h := m.Header()
	switch {
	case !u.set.has(64):
		if u.response && u.vals[39] == string(RCMACError) {
			return m, nil // the host could not verify our MAC, so it sends none
		}
		return m, &MACError{Header: h, Reason: "field 64 is missing"}
	case keys == nil:
		return m, &MACError{Header: h, Reason: "no working keys to verify it (not signed on)"}
	}
	want, err := cupMAC(keys.MAC[:], u.mab)
	if err != nil {
		return m, &MACError{Header: h, Reason: err.Error()}
	}
	if !constantTimeEqual(want[:], u.mac) {
		return m, &MACError{Header: h, Reason: "field 64 does not match the MAC computed with the session's MAK"}
	}
	return m, nil
}

func constantTimeEqual(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := range a {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

func cupDecode(u *cupUnpacked) (Message, error) {
	code60, batch, net := "", BatchNumber(0), ""
	if u.set.has(60) {
		var err error
		if code60, batch, net, err = u.split60(); err != nil {
			return nil, err
		}
	}
	var (
		m Message
		l *layout
	)
	txnOf := func(reqMTI string) (*cupTxn, error) {
		tx := cupTxnFor(reqMTI, code60)
		if tx == nil {
			return nil, cupErr(60, []byte(u.vals[60]), fmt.Errorf("%w: 60.1 message type code %q is not a cup %s transaction", ErrUnknownProcessingCode, code60, u.mti))
		}
		if u.set.has(3) && u.vals[3] != tx.pcode {
			return nil, cupErr(3, []byte(u.vals[3]), fmt.Errorf("%w: %s with 60.1=%s carries processing code %s, not %s", ErrUnknownProcessingCode, u.mti, code60, tx.pcode, u.vals[3]))
		}
		return tx, nil
	}
	switch u.mti {
	case "0100", "0200", "0220":
		if u.response {
			return nil, cupErr(-1, nil, fmt.Errorf("%w: a %s request addressed from the host", ErrBadField, u.mti))
		}
		tx, err := txnOf(u.mti)
		if err != nil {
			return nil, err
		}
		m, l = &FinancialRequest{ProcessingCode: tx.proc, Batch: batch}, &cupLayoutFinReq
	case "0110", "0210", "0230":
		req := string([]byte{u.mti[0], u.mti[1], u.mti[2] - 1, u.mti[3]})
		tx, err := txnOf(req)
		if err != nil {
			return nil, err
		}
		m, l = &FinancialResponse{ProcessingCode: tx.proc, Batch: batch}, &cupLayoutFinResp
	case "0400":
		tx, err := txnOf("")
		if err != nil {
			return nil, err
		}
		m, l = &ReversalRequest{ProcessingCode: tx.proc, Batch: batch}, &cupLayoutRevReq
	case "0410":
		tx, err := txnOf("")
		if err != nil {
			return nil, err
		}
		m, l = &ReversalResponse{ProcessingCode: tx.proc, Batch: batch}, &cupLayoutRevResp
	case "0500":
		m, l = &SettlementRequest{ProcessingCode: ProcSettle, Batch: batch}, &cupLayoutSettleReq
	case "0510":
		m, l = &SettlementResponse{ProcessingCode: ProcSettle, Batch: batch}, &cupLayoutSettleResp
	case "0320":
		if net == cupNetUploadEnd {
			m = &SettlementRequest{ProcessingCode: ProcSettleAfterUpload, Batch: batch}
		} else {
			m = &BatchUploadRequest{Batch: batch}
		}
		l = &cupLayoutUpload
	case "0330":
		if net == cupNetUploadEnd {
			m = &SettlementResponse{ProcessingCode: ProcSettleAfterUpload, Batch: batch}
		} else {
			m = &BatchUploadResponse{Batch: batch}
		}
		l = &cupLayoutUploadResp
	case "0800":
		m, l = &NetworkRequest{Code: NetworkCode(net), Batch: batch}, &cupLayoutNetReq
	case "0810":
		m, l = &NetworkResponse{Code: NetworkCode(net), Batch: batch}, &cupLayoutNetResp
	default:
		return nil, cupErr(0, []byte(u.mti), fmt.Errorf("%w: cup %s", ErrUnknownMTI, u.mti))
	}
	if u.response != m.MTI().IsResponse() {
		return nil, cupErr(-1, nil, fmt.Errorf("%w: TPDU direction does not match MTI %s", ErrBadField, u.mti))
	}
	if err := u.check(l); err != nil {
		return nil, err
	}
	// Network, settlement and upload messages carry no transaction code.
	switch m.(type) {
	case *SettlementRequest, *SettlementResponse, *BatchUploadRequest, *BatchUploadResponse, *NetworkRequest, *NetworkResponse:
		if code60 != cupCode60NotTxn {
			return nil, cupErr(60, []byte(u.vals[60]), fmt.Errorf("%w: 60.1 is %q, want 00 on a %s", ErrBadField, code60, u.mti))
		}
	}
	stan, err := u.stan()
	if err != nil {
		return nil, err
	}
	times, err := u.times()
	if err != nil {
		return nil, err
	}
	tid, mid := u.text(41), u.text(42)
	if tid == "" {
		return nil, cupErr(41, []byte(u.vals[41]), fmt.Errorf("%w: the field holds only spaces", ErrMissingField))
	}
	switch r := m.(type) {
	case *FinancialRequest:
		r.PAN, r.Amount, r.STAN, r.Expiry = PAN(u.vals[2]), Amount(u.num(4)), stan, Expiry(u.vals[14])
		r.EntryMode, r.ConditionCode, r.RRN, r.AuthCode = u.vals[22], u.vals[25], u.text(37), u.text(38)
		r.TerminalID, r.MerchantID, r.Currency = tid, mid, u.vals[49]
		if r.Original, err = u.original(); err != nil {
			return nil, err
		}
		switch r.ProcessingCode {
		case ProcSale, ProcRefund, ProcPreAuth, ProcPreAuthComplete:
			if r.PAN == "" {
				return nil, cupErr(2, nil, fmt.Errorf("%w: a %s carries the card number", ErrMissingField, r.ProcessingCode))
			}
		}
		switch r.ProcessingCode {
		case ProcSale, ProcPreAuth:
			if u.set.has(61) {
				return nil, cupErr(61, []byte(u.vals[61]), fmt.Errorf("%w: a %s has no original", ErrUnexpectedField, r.ProcessingCode))
			}
		default:
			if r.Original.IsZero() {
				return nil, cupErr(61, nil, fmt.Errorf("%w: a %s names its original in field 61", ErrMissingField, r.ProcessingCode))
			}
		}
		switch r.ProcessingCode {
		case ProcVoid, ProcRefund:
			if r.RRN == "" {
				return nil, cupErr(37, nil, fmt.Errorf("%w: a %s names the original by RRN", ErrMissingField, r.ProcessingCode))
			}
		case ProcPreAuthCancel, ProcPreAuthComplete:
			if r.AuthCode == "" {
				return nil, cupErr(38, nil, fmt.Errorf("%w: a %s names the pre-authorization by its approval code", ErrMissingField, r.ProcessingCode))
			}
		}
	case *FinancialResponse:
		r.Amount, r.Times, r.STAN, r.RRN, r.AuthCode = Amount(u.num(4)), times, stan, u.text(37), u.text(38)
		r.ResponseCode, r.TerminalID, r.MerchantID, r.Currency = ResponseCode(u.vals[39]), tid, mid, u.vals[49]
	case *ReversalRequest:
		r.PAN, r.Amount, r.STAN, r.Expiry = PAN(u.vals[2]), Amount(u.num(4)), stan, Expiry(u.vals[14])
		r.EntryMode, r.ConditionCode, r.AuthCode, r.Reason = u.vals[22], u.vals[25], u.text(38), ResponseCode(u.vals[39])
		r.TerminalID, r.MerchantID, r.Currency = tid, mid, u.vals[49]
		r.Original = OriginalData{MTI: MTIFinancialRequest, STAN: stan, Batch: batch}
	case *ReversalResponse:
		r.Amount, r.Times, r.STAN, r.RRN = Amount(u.num(4)), times, stan, u.text(37)
		r.ResponseCode, r.TerminalID, r.MerchantID, r.Currency = ResponseCode(u.vals[39]), tid, mid, u.vals[49]
		r.Original = OriginalData{MTI: MTIFinancialRequest, STAN: stan, Batch: batch}
	case *SettlementRequest:
		r.STAN, r.TerminalID, r.MerchantID, r.Currency = stan, tid, mid, u.vals[49]
		if r.ProcessingCode == ProcSettle {
			t, d, f, err := decodeCUPTotals(u.vals[48])
			if err != nil {
				return nil, cupErr(48, nil, err)
			}
			if d != '0' || f != '0' {
				return nil, cupErr(48, nil, fmt.Errorf("%w: a 0500's result digits (positions 31 and 62) are 0", ErrBadField))
			}
			r.Totals = t
		} else {
			if len(u.vals[48]) != 4 {
				return nil, cupErr(48, nil, fmt.Errorf("%w: the end of a batch upload carries a count n4, got %d digits", ErrBadField, len(u.vals[48])))
			}
			r.UploadCount = int(u.num(48))
		}
	case *SettlementResponse:
		r.Times, r.STAN, r.ResponseCode, r.TerminalID, r.MerchantID, r.Currency = times, stan, ResponseCode(u.vals[39]), tid, mid, u.vals[49]
		if v := u.vals[48]; v != "" {
			t, d, _, err := decodeCUPTotals(v)
			if err != nil {
				return nil, cupErr(48, nil, err)
			}
			r.HostTotals = &t
			if r.ResponseCode == RCApproved {
				switch d {
				case '1':
				case '2':
					r.ResponseCode = RCReconcileError
				default:
					return nil, cupErr(48, nil, fmt.Errorf("%w: domestic result %q, want 1 (balanced) or 2 (unbalanced)", ErrBadField, rune(d)))
				}
			}
		} else if r.ProcessingCode == ProcSettle && r.ResponseCode == RCApproved {
			return nil, cupErr(48, nil, fmt.Errorf("%w: an approved 0510 carries the host's totals and the result", ErrMissingField))
		}
	case *BatchUploadRequest:
		r.STAN, r.TerminalID, r.MerchantID = stan, tid, mid
		rs, err := decodeCUPRecords(u.vals[48])
		if err != nil {
			return nil, cupErr(48, nil, err)
		}
		r.Records = rs
	case *BatchUploadResponse:
		r.Times, r.STAN, r.ResponseCode, r.TerminalID, r.MerchantID = times, stan, ResponseCode(u.vals[39]), tid, mid
	case *NetworkRequest:
		r.STAN, r.TerminalID, r.MerchantID = stan, tid, mid
	case *NetworkResponse:
		r.Times, r.STAN, r.ResponseCode, r.TerminalID, r.MerchantID = times, stan, ResponseCode(u.vals[39]), tid, mid
		if v := u.vals[62]; v != "" {
			k, err := decodeKeys(v)
			if err != nil {
				return nil, cupErr(62, nil, err)
			}
			r.Keys = k
		}
	}
	return m, nil
}
