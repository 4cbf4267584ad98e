package hostproto

import (
	"fmt"
	"time"
)

// Message is one of the profile's typed messages: *FinancialRequest,
// *FinancialResponse, *ReversalRequest, *ReversalResponse,
// *SettlementRequest, *SettlementResponse, *BatchUploadRequest,
// *BatchUploadResponse, *NetworkRequest or *NetworkResponse. The set is
// closed; use a type switch on the result of [Decode].
type Message interface {
	// MTI returns the message type the message is sent as.
	MTI() MTI
	// Header returns the fields that identify the message on a connection.
	Header() Header
	encode(p *packer)
	decode(u *unpacked)
	layout() *layout
}

// Header identifies a message: requests and their responses share
// TerminalID (DE41) and STAN (DE11); the response MTI is MTI.Response().
type Header struct {
	MTI        MTI
	STAN       STAN
	TerminalID string
}

var (
	_ Message = (*FinancialRequest)(nil)
	_ Message = (*FinancialResponse)(nil)
	_ Message = (*ReversalRequest)(nil)
	_ Message = (*ReversalResponse)(nil)
	_ Message = (*SettlementRequest)(nil)
	_ Message = (*SettlementResponse)(nil)
	_ Message = (*BatchUploadRequest)(nil)
	_ Message = (*BatchUploadResponse)(nil)
	_ Message = (*NetworkRequest)(nil)
	_ Message = (*NetworkResponse)(nil)
)

// FinancialRequest is a 0200: a sale (ProcSale), refund (ProcRefund) or
// void (ProcVoid). A refund or void names its original by RRN (DE37) and
// original data elements (DE90); a void may add the approval code (DE38).
type FinancialRequest struct {
	ProcessingCode ProcessingCode // DE3, required: ProcSale, ProcRefund or ProcVoid
	PAN            PAN            // DE2, required for sale and refund
	Amount         Amount         // DE4, required (0 is sent as zeros)
	Times                         // DE7 required; DE12, DE13 optional
	STAN           STAN           // DE11, required
	Expiry         Expiry         // DE14 YYMM, optional
	EntryMode      string         // DE22 n3 POS entry mode, optional (e.g. "051" chip, "071" contactless)
	ConditionCode  string         // DE25 n2 POS condition code, optional ("00" normal)
	RRN            string         // DE37 an12: the original's RRN, required for refund and void
	AuthCode       string         // DE38 an6: the original's approval code, optional
	TerminalID     string         // DE41 ans8, required
	MerchantID     string         // DE42 ans15, optional
	Currency       string         // DE49 n3 ISO 4217 numeric (e.g. "978"), optional
	Batch          BatchNumber    // DE60, optional: the terminal's open batch
	Original       OriginalData   // DE90: required for refund and void
}

// FinancialResponse is a 0210.
type FinancialResponse struct {
	ProcessingCode ProcessingCode // DE3, required (echo)
	Amount         Amount         // DE4 (echo)
	Times                         // DE7 required; DE12, DE13 optional (echo)
	STAN           STAN           // DE11, required (echo)
	RRN            string         // DE37 an12: the host's reference for this transaction
	AuthCode       string         // DE38 an6: approval code, when approved
	ResponseCode   ResponseCode   // DE39, required
	TerminalID     string         // DE41, required (echo)
	MerchantID     string         // DE42 (echo)
	Currency       string         // DE49 (echo)
	Batch          BatchNumber    // DE60: the host batch the transaction was booked in
}

// ReversalRequest is a 0400 (or 0401 when Repeat), or with Advice a 0420
// (0421). It cancels the transaction named by Original (DE90); STAN is the
// reversal's own trace number (a repeat keeps the STAN of the first try).
type ReversalRequest struct {
	Advice         bool           // send as 0420/0421 instead of 0400/0401
	Repeat         bool           // send as 0401/0421
	ProcessingCode ProcessingCode // DE3, required: the original's
	PAN            PAN            // DE2, optional
	Amount         Amount         // DE4, required: the original's amount
	Times                         // DE7 required; DE12, DE13 optional
	STAN           STAN           // DE11, required
	Expiry         Expiry         // DE14, optional
	EntryMode      string         // DE22, optional
	ConditionCode  string         // DE25, optional
	RRN            string         // DE37: the original's RRN, if the terminal got it
	AuthCode       string         // DE38: the original's approval code, if any
	Reason         ResponseCode   // DE39: reversal reason, optional (e.g. RCReversalNoResponse)
	TerminalID     string         // DE41, required
	MerchantID     string         // DE42, optional
	Currency       string         // DE49, optional
	Batch          BatchNumber    // DE60, optional
	Original       OriginalData   // DE90, required
}

// ReversalOf builds the reversal of req, sent at t with trace number stan.
func ReversalOf(req *FinancialRequest, stan STAN, t time.Time) *ReversalRequest {
	return &ReversalRequest{
		ProcessingCode: req.ProcessingCode,
		PAN:            req.PAN,
		Amount:         req.Amount,
		Times:          TimesAt(t),
		STAN:           stan,
		Expiry:         req.Expiry,
		EntryMode:      req.EntryMode,
		ConditionCode:  req.ConditionCode,
		Reason:         RCReversalNoResponse,
		TerminalID:     req.TerminalID,
		MerchantID:     req.MerchantID,
		Currency:       req.Currency,
		Batch:          req.Batch,
		Original:       OriginalOf(req),
	}
}

// ReversalResponse is a 0410, or with Advice a 0430.
type ReversalResponse struct {
	Advice         bool           // a 0430 (answers 0420/0421)
	ProcessingCode ProcessingCode // DE3 (echo)
	Amount         Amount         // DE4 (echo)
	Times                         // DE7 required (echo)
	STAN           STAN           // DE11, required (echo)
	RRN            string         // DE37
	ResponseCode   ResponseCode   // DE39, required
	TerminalID     string         // DE41, required (echo)
	MerchantID     string         // DE42 (echo)
	Currency       string         // DE49 (echo)
	Batch          BatchNumber    // DE60
	Original       OriginalData   // DE90 (echo)
}

// SettlementRequest is a 0500: ProcSettle to close a batch with the
// terminal's totals, or ProcSettleAfterUpload after a batch upload.
type SettlementRequest struct {
	ProcessingCode ProcessingCode // DE3, required: ProcSettle or ProcSettleAfterUpload
	Times                         // DE7 required
	STAN           STAN           // DE11, required
	TerminalID     string         // DE41, required
	MerchantID     string         // DE42, optional
	Currency       string         // DE49, optional
	Batch          BatchNumber    // DE60, required: the batch being closed
	Totals         Totals         // DE74-77, 86-89, 97, required
	// UploadCount is the number of records uploaded, which the cup
	// profile carries in the 0320 that ends a batch upload (field 48 n4);
	// iso87 does not send it.
	UploadCount int
}

// SettlementResponse is a 0510. ResponseCode is RCApproved when the totals
// balance and RCReconcileError (95) when they do not; then HostTotals
// carries the host's view. The answer to ProcSettleAfterUpload lists the
// per-transaction differences.
type SettlementResponse struct {
	ProcessingCode ProcessingCode // DE3, required (echo)
	Times                         // DE7 required (echo)
	STAN           STAN           // DE11, required (echo)
	ResponseCode   ResponseCode   // DE39, required
	TerminalID     string         // DE41, required (echo)
	MerchantID     string         // DE42 (echo)
	Differences    []Difference   // DE48, optional
	Currency       string         // DE49 (echo)
	Batch          BatchNumber    // DE60
	HostTotals     *Totals        // DE74-77, 86-89, 97, optional
}

// BatchUploadRequest is a 0320 carrying up to [MaxBatchRecords] of the
// batch's transactions in DE48. Last marks the final 0320 of the upload
// (DE60 upload code 202; others carry 201).
type BatchUploadRequest struct {
	Times                    // DE7 required
	STAN       STAN          // DE11, required
	TerminalID string        // DE41, required
	MerchantID string        // DE42, optional
	Records    []BatchRecord // DE48, required, 1..MaxBatchRecords
	Batch      BatchNumber   // DE60, required
	Last       bool          // DE60 upload code: 202 when true, 201 otherwise
}

// BatchUploadResponse is a 0330.
type BatchUploadResponse struct {
	Times                     // DE7 required (echo)
	STAN         STAN         // DE11, required (echo)
	ResponseCode ResponseCode // DE39, required
	TerminalID   string       // DE41, required (echo)
	MerchantID   string       // DE42 (echo)
	Batch        BatchNumber  // DE60 (echo)
}

// NetworkRequest is an 0800: sign-on, sign-off or echo test.
type NetworkRequest struct {
	Times                  // DE7 required
	STAN       STAN        // DE11, required
	TerminalID string      // DE41, required
	MerchantID string      // DE42, optional
	Code       NetworkCode // DE70, required
	// Batch is the terminal's open batch (cup profile 60.2); iso87 does
	// not send it.
	Batch BatchNumber
}

// NetworkResponse is an 0810. After a sign-on, Batch carries the number
// of the terminal's open batch at the host.
type NetworkResponse struct {
	Times                     // DE7 required (echo)
	STAN         STAN         // DE11, required (echo)
	ResponseCode ResponseCode // DE39, required
	TerminalID   string       // DE41, required (echo)
	MerchantID   string       // DE42 (echo)
	Batch        BatchNumber  // DE60, optional
	Code         NetworkCode  // DE70, required (echo)
	// Keys are the working keys an approved cup sign-on delivers in
	// field 62, in clear (the profile encrypts them under its terminal
	// master key on the wire). iso87 does not send them.
	Keys *WorkingKeys
}

// Response builders: each copies the fields a response echoes.

// Response returns the 0210 answering r with code rc. The caller sets RRN,
// AuthCode and Batch.
func (r *FinancialRequest) Response(rc ResponseCode) *FinancialResponse {
	return &FinancialResponse{
		ProcessingCode: r.ProcessingCode, Amount: r.Amount, Times: r.Times, STAN: r.STAN,
		ResponseCode: rc, TerminalID: r.TerminalID, MerchantID: r.MerchantID, Currency: r.Currency,
	}
}

// Response returns the 0410 (or 0430) answering r with code rc.
func (r *ReversalRequest) Response(rc ResponseCode) *ReversalResponse {
	return &ReversalResponse{
		Advice: r.Advice, ProcessingCode: r.ProcessingCode, Amount: r.Amount, Times: r.Times, STAN: r.STAN,
		RRN: r.RRN, ResponseCode: rc, TerminalID: r.TerminalID, MerchantID: r.MerchantID,
		Currency: r.Currency, Batch: r.Batch, Original: r.Original,
	}
}

// Response returns the 0510 answering r with code rc.
func (r *SettlementRequest) Response(rc ResponseCode) *SettlementResponse {
	return &SettlementResponse{
		ProcessingCode: r.ProcessingCode, Times: r.Times, STAN: r.STAN, ResponseCode: rc,
		TerminalID: r.TerminalID, MerchantID: r.MerchantID, Currency: r.Currency, Batch: r.Batch,
	}
}

// Response returns the 0330 answering r with code rc.
func (r *BatchUploadRequest) Response(rc ResponseCode) *BatchUploadResponse {
	return &BatchUploadResponse{
		Times: r.Times, STAN: r.STAN, ResponseCode: rc, TerminalID: r.TerminalID,
		MerchantID: r.MerchantID, Batch: r.Batch,
	}
}

// Response returns the 0810 answering r with code rc.
func (r *NetworkRequest) Response(rc ResponseCode) *NetworkResponse {
	return &NetworkResponse{
		Times: r.Times, STAN: r.STAN, ResponseCode: rc, TerminalID: r.TerminalID,
		MerchantID: r.MerchantID, Code: r.Code,
	}
}

// MTIs.

func (*FinancialRequest) MTI() MTI    { return MTIFinancialRequest }
func (*FinancialResponse) MTI() MTI   { return MTIFinancialResponse }
func (*SettlementRequest) MTI() MTI   { return MTISettlementRequest }
func (*SettlementResponse) MTI() MTI  { return MTISettlementResponse }
func (*BatchUploadRequest) MTI() MTI  { return MTIBatchUpload }
func (*BatchUploadResponse) MTI() MTI { return MTIBatchUploadResponse }
func (*NetworkRequest) MTI() MTI      { return MTINetworkRequest }
func (*NetworkResponse) MTI() MTI     { return MTINetworkResponse }

// MTI returns 0400, 0401, 0420 or 0421.
func (r *ReversalRequest) MTI() MTI {
	switch {
	case r.Advice && r.Repeat:
		return MTIReversalAdviceRepeat
	case r.Advice:
		return MTIReversalAdvice
	case r.Repeat:
		return MTIReversalRepeat
	}
	return MTIReversalRequest
}

// MTI returns 0410, or 0430 for an advice response.
func (r *ReversalResponse) MTI() MTI {
	if r.Advice {
		return MTIReversalAdviceResponse
	}
	return MTIReversalResponse
}

// Headers.

func (r *FinancialRequest) Header() Header    { return Header{r.MTI(), r.STAN, r.TerminalID} }
func (r *FinancialResponse) Header() Header   { return Header{r.MTI(), r.STAN, r.TerminalID} }
func (r *ReversalRequest) Header() Header     { return Header{r.MTI(), r.STAN, r.TerminalID} }
func (r *ReversalResponse) Header() Header    { return Header{r.MTI(), r.STAN, r.TerminalID} }
func (r *SettlementRequest) Header() Header   { return Header{r.MTI(), r.STAN, r.TerminalID} }
func (r *SettlementResponse) Header() Header  { return Header{r.MTI(), r.STAN, r.TerminalID} }
func (r *BatchUploadRequest) Header() Header  { return Header{r.MTI(), r.STAN, r.TerminalID} }
func (r *BatchUploadResponse) Header() Header { return Header{r.MTI(), r.STAN, r.TerminalID} }
func (r *NetworkRequest) Header() Header      { return Header{r.MTI(), r.STAN, r.TerminalID} }
func (r *NetworkResponse) Header() Header     { return Header{r.MTI(), r.STAN, r.TerminalID} }

// Layouts: which fields each message type may and must carry.
var (
	layoutFinancialRequest = layout{
		allowed:  setOf(2, 3, 4, 7, 11, 12, 13, 14, 22, 25, 37, 38, 41, 42, 49, 60, 90),
		required: setOf(3, 4, 7, 11, 41),
	}
	layoutFinancialResponse = layout{
		allowed:  setOf(3, 4, 7, 11, 12, 13, 37, 38, 39, 41, 42, 49, 60),
		required: setOf(3, 7, 11, 39, 41),
	}
	layoutReversalRequest = layout{
		allowed:  setOf(2, 3, 4, 7, 11, 12, 13, 14, 22, 25, 37, 38, 39, 41, 42, 49, 60, 90),
		required: setOf(3, 4, 7, 11, 41, 90),
	}
	layoutReversalResponse = layout{
		allowed:  setOf(3, 4, 7, 11, 12, 13, 37, 39, 41, 42, 49, 60, 90),
		required: setOf(7, 11, 39, 41),
	}
	layoutSettlementRequest = layout{
		allowed:  setOf(3, 7, 11, 12, 13, 41, 42, 49, 60).union(totalsFields),
		required: setOf(3, 7, 11, 41, 60).union(totalsFields),
	}
	layoutSettlementResponse = layout{
		allowed:  setOf(3, 7, 11, 12, 13, 39, 41, 42, 48, 49, 60).union(totalsFields),
		required: setOf(3, 7, 11, 39, 41),
	}
	layoutBatchUploadRequest = layout{
		allowed:  setOf(7, 11, 12, 13, 41, 42, 48, 60),
		required: setOf(7, 11, 41, 48, 60),
	}
	layoutBatchUploadResponse = layout{
		allowed:  setOf(7, 11, 12, 13, 39, 41, 42, 60),
		required: setOf(7, 11, 39, 41),
	}
	layoutNetworkRequest = layout{
		allowed:  setOf(7, 11, 12, 13, 41, 42, 70),
		required: setOf(7, 11, 41, 70),
	}
	layoutNetworkResponse = layout{
		allowed:  setOf(7, 11, 12, 13, 39, 41, 42, 60, 70),
		required: setOf(7, 11, 39, 41, 70),
	}
)

func (*FinancialRequest) layout() *layout    { return &layoutFinancialRequest }
func (*FinancialResponse) layout() *layout   { return &layoutFinancialResponse }
func (*ReversalRequest) layout() *layout     { return &layoutReversalRequest }
func (*ReversalResponse) layout() *layout    { return &layoutReversalResponse }
func (*SettlementRequest) layout() *layout   { return &layoutSettlementRequest }
func (*SettlementResponse) layout() *layout  { return &layoutSettlementResponse }
func (*BatchUploadRequest) layout() *layout  { return &layoutBatchUploadRequest }
func (*BatchUploadResponse) layout() *layout { return &layoutBatchUploadResponse }
func (*NetworkRequest) layout() *layout      { return &layoutNetworkRequest }
func (*NetworkResponse) layout() *layout     { return &layoutNetworkResponse }

// newMessage returns an empty message for a known MTI.
func newMessage(m MTI) Message {
	switch m {
	case MTIFinancialRequest:
		return &FinancialRequest{}
	case MTIFinancialResponse:
		return &FinancialResponse{}
	case MTIReversalRequest:
		return &ReversalRequest{}
	case MTIReversalRepeat:
		return &ReversalRequest{Repeat: true}
	case MTIReversalAdvice:
		return &ReversalRequest{Advice: true}
	case MTIReversalAdviceRepeat:
		return &ReversalRequest{Advice: true, Repeat: true}
	case MTIReversalResponse:
		return &ReversalResponse{}
	case MTIReversalAdviceResponse:
		return &ReversalResponse{Advice: true}
	case MTISettlementRequest:
		return &SettlementRequest{}
	case MTISettlementResponse:
		return &SettlementResponse{}
	case MTIBatchUpload:
		return &BatchUploadRequest{}
	case MTIBatchUploadResponse:
		return &BatchUploadResponse{}
	case MTINetworkRequest:
		return &NetworkRequest{}
	case MTINetworkResponse:
		return &NetworkResponse{}
	}
	return nil
}

// Encode packs m into the profile's bytes (MTI, bitmap, fields), without
// the length header; see [WriteFrame]. Errors are of type [*PackError].
func Encode(m Message) ([]byte, error) {
	return AppendEncode(nil, m)
}

// AppendEncode is like [Encode] but appends to dst's spare capacity when
// there is enough (useful with a reused buffer).
func AppendEncode(dst []byte, m Message) ([]byte, error) {
	if m == nil {
		return dst, &PackError{Field: 0, Err: fmt.Errorf("%w: nil message", ErrMissingField)}
	}
	p := getPacker()
	defer putPacker(p)
	m.encode(p)
	return p.finish(dst, m.MTI(), m.layout())
}

// Decode unpacks one message (without its length header). It checks every
// field's format, that the message type carries exactly the fields the
// profile allows and requires, and the content of the structured fields.
// Errors are of type [*UnpackError] and name the field.
func Decode(b []byte) (Message, error) {
	u := getUnpacked()
	defer putUnpacked(u)
	if err := u.split(b); err != nil {
		return nil, err
	}
	m := newMessage(u.mti)
	if m == nil {
		return nil, &UnpackError{Field: 0, Raw: []byte(u.mti), Err: fmt.Errorf("%w: %s", ErrUnknownMTI, string(u.mti))}
	}
	if err := u.check(m.layout()); err != nil {
		return nil, err
	}
	m.decode(u)
	if u.err != nil {
		return nil, u.err
	}
	// A required space-padded field that holds only spaces decodes to ""
	// and could not be sent again: treat it as missing.
	for _, id := range [...]int{37, 38, 41, 42} {
		if m.layout().required.has(id) && u.text(id) == "" {
			return nil, &UnpackError{Field: id, Raw: []byte(u.vals[id]), Err: fmt.Errorf("%w: the field holds only spaces", ErrMissingField)}
		}
	}
	return m, nil
}

// Peek reads the MTI, STAN (DE11) and terminal id (DE41) of a message
// without interpreting the rest, so a server can route a message or
// answer one it cannot decode (for example with [RCFormatError]). It
// returns what it could read together with the first error met.
func Peek(b []byte) (Header, error) {
	u := getUnpacked()
	defer putUnpacked(u)
	err := u.split(b)
	h := Header{MTI: u.mti, TerminalID: u.text(41)}
	if v := u.vals[11]; v != "" {
		st, perr := parseDigits(v, 6)
		if perr == nil {
			h.STAN = STAN(st)
		}
	}
	return h, err
}

// FormatErrorResponse answers a request that [Decode] refused although its
// fields could be split (a mandatory field missing, a field its type does
// not carry, a bad value): the response type (0800→0810, 0200→0210, …)
// with DE39 = 30 ([RCFormatError]) and the request's DE3, DE4, DE7, DE11,
// DE12, DE13, DE41, DE42, DE60, DE70 and the like echoed where the response
// type carries them. As a host does, it answers instead of hanging up, so
// the terminal learns its message was wrong rather than timing out. It
// fails when b cannot be split into fields, is not a request of the
// profile, or its wrong field is one the answer would echo (then there is
// nothing sound to send back).
func FormatErrorResponse(b []byte) ([]byte, error) {
	u := getUnpacked()
	defer putUnpacked(u)
	if err := u.split(b); err != nil {
		return nil, err
	}
	if u.mti.IsResponse() || newMessage(u.mti) == nil {
		return nil, &UnpackError{Field: 0, Raw: []byte(u.mti), Err: fmt.Errorf("%w: %s is not a request of the profile", ErrUnknownMTI, string(u.mti))}
	}
	resp := newMessage(u.mti.Response())
	if resp == nil {
		return nil, &UnpackError{Field: 0, Raw: []byte(u.mti), Err: fmt.Errorf("%w: no response type for %s", ErrUnknownMTI, string(u.mti))}
	}
	l := *resp.layout()
	l.required = setOf(39)
	p := getPacker()
	defer putPacker(p)
	for id := u.set.next(0); id != 0; id = u.set.next(id) {
		if id < 2 || id == 39 || !l.allowed.has(id) {
			continue
		}
		p.str(id, u.vals[id])
	}
	p.str(39, string(RCFormatError))
	return p.finish(nil, u.mti.Response(), &l)
}

// Field encoders per message type. Fields are put in ascending order.

func (p *packer) optStr(id int, v string) {
	if v != "" {
		p.str(id, v)
	}
}

func (p *packer) putSTAN(s STAN) {
	if s == 0 {
		return // reported as missing by finish
	}
	if s > MaxSTAN {
		p.begin(11)
		p.fail(11, fmt.Errorf("%w: STAN %d exceeds 999999", ErrBadField, s))
		return
	}
	p.num(11, uint64(s))
}

func (p *packer) putBatch(b BatchNumber, code string) {
	if b == 0 {
		return
	}
	if b > 999_999 {
		p.begin(60)
		p.fail(60, fmt.Errorf("%w: batch number %d exceeds 999999", ErrBadField, b))
		return
	}
	p.str(60, b.String()+code)
}

func (p *packer) putOriginal(o OriginalData) {
	if o.IsZero() {
		return
	}
	s, err := o.encode()
	if err != nil {
		p.begin(90)
		p.fail(90, err)
		return
	}
	p.str(90, s)
}

func (u *unpacked) batch(wantCode bool) (BatchNumber, string) {
	v := u.vals[60]
	if v == "" {
		return 0, ""
	}
	want := 6
	if wantCode {
		want = 9
	}
	if len(v) != want {
		u.fail(60, fmt.Errorf("%w: length %d, want %d", ErrBadField, len(v), want))
		return 0, ""
	}
	n, _ := parseDigits(v[:6], 6)
	if n == 0 {
		u.fail(60, fmt.Errorf("%w: batch number 000000 is not valid", ErrBadField))
	}
	return BatchNumber(n), v[6:]
}

func (u *unpacked) original() OriginalData {
	if u.vals[90] == "" {
		return OriginalData{}
	}
	o, err := decodeOriginal(u.vals[90])
	if err != nil {
		u.fail(90, err)
	}
	return o
}

func (u *unpacked) financialCode() ProcessingCode {
	pc := ProcessingCode(u.vals[3])
	if pc != "" && !pc.Financial() {
		u.fail(3, fmt.Errorf("%w: %s is not sale, refund or void", ErrUnknownProcessingCode, string(pc)))
	}
	return pc
}

func (u *unpacked) settleCode() ProcessingCode {
	pc := ProcessingCode(u.vals[3])
	if pc != ProcSettle && pc != ProcSettleAfterUpload {
		u.fail(3, fmt.Errorf("%w: %s is not %s or %s", ErrUnknownProcessingCode, string(pc), string(ProcSettle), string(ProcSettleAfterUpload)))
	}
	return pc
}

func (p *packer) financialCode(pc ProcessingCode) {
	if !pc.Financial() && pc != "" {
		p.begin(3)
		p.fail(3, fmt.Errorf("%w: %s is not sale, refund or void", ErrUnknownProcessingCode, string(pc)))
		return
	}
	p.optStr(3, string(pc))
}

func (p *packer) settleCode(pc ProcessingCode) {
	if pc != ProcSettle && pc != ProcSettleAfterUpload && pc != "" {
		p.begin(3)
		p.fail(3, fmt.Errorf("%w: %s is not %s or %s", ErrUnknownProcessingCode, string(pc), string(ProcSettle), string(ProcSettleAfterUpload)))
		return
	}
	p.optStr(3, string(pc))
}

func (r *FinancialRequest) encode(p *packer) {
	if r.ProcessingCode == ProcSale || r.ProcessingCode == ProcRefund {
		if r.PAN == "" {
			p.fail(2, ErrMissingField)
		}
	}
	if r.ProcessingCode == ProcRefund || r.ProcessingCode == ProcVoid {
		if r.RRN == "" {
			p.fail(37, fmt.Errorf("%w: a %s names the original by RRN", ErrMissingField, r.ProcessingCode))
		}
		if r.Original.IsZero() {
			p.fail(90, fmt.Errorf("%w: a %s carries the original data elements", ErrMissingField, r.ProcessingCode))
		}
	}
	p.optStr(2, string(r.PAN))
	p.financialCode(r.ProcessingCode)
	p.amount(4, r.Amount)
	p.putTimes(r.Times)
	p.putSTAN(r.STAN)
	p.optStr(14, string(r.Expiry))
	p.optStr(22, r.EntryMode)
	p.optStr(25, r.ConditionCode)
	p.optStr(37, r.RRN)
	p.optStr(38, r.AuthCode)
	p.optStr(41, r.TerminalID)
	p.optStr(42, r.MerchantID)
	p.optStr(49, r.Currency)
	p.putBatch(r.Batch, "")
	p.putOriginal(r.Original)
}

func (r *FinancialRequest) decode(u *unpacked) {
	r.ProcessingCode = u.financialCode()
	r.PAN = PAN(u.vals[2])
	r.Amount = u.amount(4)
	r.Times = u.times()
	r.STAN = u.stan(11)
	r.Expiry = Expiry(u.vals[14])
	r.EntryMode = u.vals[22]
	r.ConditionCode = u.vals[25]
	r.RRN = u.text(37)
	r.AuthCode = u.text(38)
	r.TerminalID = u.text(41)
	r.MerchantID = u.text(42)
	r.Currency = u.vals[49]
	r.Batch, _ = u.batch(false)
	r.Original = u.original()
	if u.err != nil {
		return
	}
	switch r.ProcessingCode {
	case ProcSale, ProcRefund:
		if r.PAN == "" {
			u.fail(2, fmt.Errorf("%w: a %s carries the card number", ErrMissingField, r.ProcessingCode))
			return
		}
	}
	switch r.ProcessingCode {
	case ProcRefund, ProcVoid:
		if r.RRN == "" {
			u.fail(37, fmt.Errorf("%w: a %s names the original by RRN", ErrMissingField, r.ProcessingCode))
		} else if r.Original.IsZero() {
			u.fail(90, fmt.Errorf("%w: a %s carries the original data elements", ErrMissingField, r.ProcessingCode))
		}
	}
}

func (r *FinancialResponse) encode(p *packer) {
	p.financialCode(r.ProcessingCode)
	p.amount(4, r.Amount)
	p.putTimes(r.Times)
	p.putSTAN(r.STAN)
	p.optStr(37, r.RRN)
	p.optStr(38, r.AuthCode)
	p.optStr(39, string(r.ResponseCode))
	p.optStr(41, r.TerminalID)
	p.optStr(42, r.MerchantID)
	p.optStr(49, r.Currency)
	p.putBatch(r.Batch, "")
}

func (r *FinancialResponse) decode(u *unpacked) {
	r.ProcessingCode = u.financialCode()
	r.Amount = u.amount(4)
	r.Times = u.times()
	r.STAN = u.stan(11)
	r.RRN = u.text(37)
	r.AuthCode = u.text(38)
	r.ResponseCode = ResponseCode(u.vals[39])
	r.TerminalID = u.text(41)
	r.MerchantID = u.text(42)
	r.Currency = u.vals[49]
	r.Batch, _ = u.batch(false)
}

func (r *ReversalRequest) encode(p *packer) {
	if r.Original.IsZero() {
		p.fail(90, fmt.Errorf("%w: a reversal names its original in DE90", ErrMissingField))
	}
	p.optStr(2, string(r.PAN))
	p.financialCode(r.ProcessingCode)
	p.amount(4, r.Amount)
	p.putTimes(r.Times)
	p.putSTAN(r.STAN)
	p.optStr(14, string(r.Expiry))
	p.optStr(22, r.EntryMode)
	p.optStr(25, r.ConditionCode)
	p.optStr(37, r.RRN)
	p.optStr(38, r.AuthCode)
	p.optStr(39, string(r.Reason))
	p.optStr(41, r.TerminalID)
	p.optStr(42, r.MerchantID)
	p.optStr(49, r.Currency)
	p.putBatch(r.Batch, "")
	p.putOriginal(r.Original)
}

func (r *ReversalRequest) decode(u *unpacked) {
	r.ProcessingCode = u.financialCode()
	r.PAN = PAN(u.vals[2])
	r.Amount = u.amount(4)
	r.Times = u.times()
	r.STAN = u.stan(11)
	r.Expiry = Expiry(u.vals[14])
	r.EntryMode = u.vals[22]
	r.ConditionCode = u.vals[25]
	r.RRN = u.text(37)
	r.AuthCode = u.text(38)
	r.Reason = ResponseCode(u.vals[39])
	r.TerminalID = u.text(41)
	r.MerchantID = u.text(42)
	r.Currency = u.vals[49]
	r.Batch, _ = u.batch(false)
	r.Original = u.original()
}

func (r *ReversalResponse) encode(p *packer) {
	p.financialCode(r.ProcessingCode)
	if r.Amount != 0 {
		p.amount(4, r.Amount)
	}
	p.putTimes(r.Times)
	p.putSTAN(r.STAN)
	p.optStr(37, r.RRN)
	p.optStr(39, string(r.ResponseCode))
	p.optStr(41, r.TerminalID)
	p.optStr(42, r.MerchantID)
	p.optStr(49, r.Currency)
	p.putBatch(r.Batch, "")
	p.putOriginal(r.Original)
}

func (r *ReversalResponse) decode(u *unpacked) {
	r.ProcessingCode = u.financialCode()
	r.Amount = u.amount(4)
	r.Times = u.times()
	r.STAN = u.stan(11)
	r.RRN = u.text(37)
	r.ResponseCode = ResponseCode(u.vals[39])
	r.TerminalID = u.text(41)
	r.MerchantID = u.text(42)
	r.Currency = u.vals[49]
	r.Batch, _ = u.batch(false)
	r.Original = u.original()
}

func (r *SettlementRequest) encode(p *packer) {
	p.settleCode(r.ProcessingCode)
	p.putTimes(r.Times)
	p.putSTAN(r.STAN)
	p.optStr(41, r.TerminalID)
	p.optStr(42, r.MerchantID)
	p.optStr(49, r.Currency)
	p.putBatch(r.Batch, "")
	p.putTotals(&r.Totals)
}

func (r *SettlementRequest) decode(u *unpacked) {
	r.ProcessingCode = u.settleCode()
	r.Times = u.times()
	r.STAN = u.stan(11)
	r.TerminalID = u.text(41)
	r.MerchantID = u.text(42)
	r.Currency = u.vals[49]
	r.Batch, _ = u.batch(false)
	if t := u.totals(); t != nil {
		r.Totals = *t
	}
}

func (r *SettlementResponse) encode(p *packer) {
	p.settleCode(r.ProcessingCode)
	p.putTimes(r.Times)
	p.putSTAN(r.STAN)
	p.optStr(39, string(r.ResponseCode))
	p.optStr(41, r.TerminalID)
	p.optStr(42, r.MerchantID)
	if len(r.Differences) > 0 {
		s, err := encodeDifferences(r.Differences)
		if err != nil {
			p.begin(48)
			p.fail(48, err)
			return
		}
		p.str(48, s)
	}
	p.optStr(49, r.Currency)
	p.putBatch(r.Batch, "")
	if r.HostTotals != nil {
		p.putTotals(r.HostTotals)
	}
}

func (r *SettlementResponse) decode(u *unpacked) {
	r.ProcessingCode = u.settleCode()
	r.Times = u.times()
	r.STAN = u.stan(11)
	r.ResponseCode = ResponseCode(u.vals[39])
	r.TerminalID = u.text(41)
	r.MerchantID = u.text(42)
	if v := u.vals[48]; v != "" {
		ds, err := decodeDifferences(v)
		if err != nil {
			u.fail(48, err)
		}
		r.Differences = ds
	}
	r.Currency = u.vals[49]
	r.Batch, _ = u.batch(false)
	r.HostTotals = u.totals()
}

// Batch upload codes in DE60 positions 7-9.
const (
	uploadMore = "201"
	uploadLast = "202"
)

func (r *BatchUploadRequest) encode(p *packer) {
	p.putTimes(r.Times)
	p.putSTAN(r.STAN)
	p.optStr(41, r.TerminalID)
	p.optStr(42, r.MerchantID)
	if len(r.Records) > 0 {
		s, err := encodeRecords(r.Records)
		if err != nil {
			p.begin(48)
			p.fail(48, err)
			return
		}
		p.str(48, s)
	}
	code := uploadMore
	if r.Last {
		code = uploadLast
	}
	p.putBatch(r.Batch, code)
}

func (r *BatchUploadRequest) decode(u *unpacked) {
	r.Times = u.times()
	r.STAN = u.stan(11)
	r.TerminalID = u.text(41)
	r.MerchantID = u.text(42)
	if v := u.vals[48]; v != "" {
		rs, err := decodeRecords(v)
		if err != nil {
			u.fail(48, err)
		}
		r.Records = rs
	}
	var code string
	r.Batch, code = u.batch(true)
	switch code {
	case uploadMore:
	case uploadLast:
		r.Last = true
	default:
		if u.err == nil {
			u.fail(60, fmt.Errorf("%w: batch upload code %q, want %s or %s", ErrBadField, code, uploadMore, uploadLast))
		}
	}
}

func (r *BatchUploadResponse) encode(p *packer) {
	p.putTimes(r.Times)
	p.putSTAN(r.STAN)
	p.optStr(39, string(r.ResponseCode))
	p.optStr(41, r.TerminalID)
	p.optStr(42, r.MerchantID)
	p.putBatch(r.Batch, "")
}

func (r *BatchUploadResponse) decode(u *unpacked) {
	r.Times = u.times()
	r.STAN = u.stan(11)
	r.ResponseCode = ResponseCode(u.vals[39])
	r.TerminalID = u.text(41)
	r.MerchantID = u.text(42)
	r.Batch, _ = u.batch(false)
}

func (r *NetworkRequest) encode(p *packer) {
	p.putTimes(r.Times)
	p.putSTAN(r.STAN)
	p.optStr(41, r.TerminalID)
	p.optStr(42, r.MerchantID)
	p.optStr(70, string(r.Code))
}

func (r *NetworkRequest) decode(u *unpacked) {
	r.Times = u.times()
	r.STAN = u.stan(11)
	r.TerminalID = u.text(41)
	r.MerchantID = u.text(42)
	r.Code = NetworkCode(u.vals[70])
}

func (r *NetworkResponse) encode(p *packer) {
	p.putTimes(r.Times)
	p.putSTAN(r.STAN)
	p.optStr(39, string(r.ResponseCode))
	p.optStr(41, r.TerminalID)
	p.optStr(42, r.MerchantID)
	p.putBatch(r.Batch, "")
	p.optStr(70, string(r.Code))
}

func (r *NetworkResponse) decode(u *unpacked) {
	r.Times = u.times()
	r.STAN = u.stan(11)
	r.ResponseCode = ResponseCode(u.vals[39])
	r.TerminalID = u.text(41)
	r.MerchantID = u.text(42)
	r.Batch, _ = u.batch(false)
	r.Code = NetworkCode(u.vals[70])
}
