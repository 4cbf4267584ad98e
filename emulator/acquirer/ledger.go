package acquirer

import (
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/poshil/hil/pkg/hostproto"
)

// Kind is what a request asks the ledger to do.
type Kind int

const (
	KindSale     Kind = iota + 1 // 0200, processing code 000000
	KindRefund                   // 0200, 200000: back to the original card
	KindVoid                     // 0200, 020000: cancel a sale of the open batch
	KindReversal                 // 0400/0401 and advice 0420/0421
	KindSettle                   // 0500
	KindUpload                   // 0320 batch upload of one terminal transaction
	// Pre-authorization (cup profile): hold an amount, release it, or
	// charge against it.
	KindPreAuth       // cup 0100 030000 60.1=10: hold the amount on the card
	KindPreAuthCancel // cup 0100 200000 60.1=11: release the hold
	KindCompletion    // cup 0200 000000 60.1=20: charge against the hold, release the rest
)

var kindNames = [...]string{"", "sale", "refund", "void", "reversal", "settlement", "upload", "preauth", "preauth-cancel", "completion"}

// String returns the lower-case name used in JSON ("sale", "refund", …).
func (k Kind) String() string {
	if k <= 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// MarshalText implements encoding.TextMarshaler. The zero Kind (an
// uploaded record whose profile carries no type) is "unknown".
func (k Kind) MarshalText() ([]byte, error) {
	if k == 0 {
		return []byte("unknown"), nil
	}
	return []byte(k.String()), nil
}

// TxnState is the state of a recorded transaction.
type TxnState int

const (
	StateApproved  TxnState = iota + 1 // approved and standing
	StateDeclined                      // declined: nothing moved
	StateVoided                        // a sale cancelled by a void, a pre-authorization by its cancellation
	StateReversed                      // undone by a reversal
	StateCompleted                     // a pre-authorization charged by its completion
)

var stateNames = [...]string{"", "approved", "declined", "voided", "reversed", "completed"}

func (s TxnState) String() string {
	if s <= 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("TxnState(%d)", int(s))
	}
	return stateNames[s]
}

// MarshalText implements encoding.TextMarshaler.
func (s TxnState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Totals are a batch's reconciliation totals, as the 0500 carries them
// (see hostproto.Totals): a debit charges the cardholder, a credit pays
// back. Counted are the transactions approved and not reversed; a voided
// sale still counts as a debit and its void as a debit reversal.
type Totals struct {
	CreditsCount          int64 `json:"credits_count"`           // DE74 refunds
	CreditReversalsCount  int64 `json:"credit_reversals_count"`  // DE75 voids of refunds
	DebitsCount           int64 `json:"debits_count"`            // DE76 sales
	DebitReversalsCount   int64 `json:"debit_reversals_count"`   // DE77 voids of sales
	CreditsAmount         int64 `json:"credits_amount"`          // DE86
	CreditReversalsAmount int64 `json:"credit_reversals_amount"` // DE87
	DebitsAmount          int64 `json:"debits_amount"`           // DE88
	DebitReversalsAmount  int64 `json:"debit_reversals_amount"`  // DE89
}

// Net is (debits − debit reversals) − (credits − credit reversals), DE97.
func (t Totals) Net() int64 {
	return (t.DebitsAmount - t.DebitReversalsAmount) - (t.CreditsAmount - t.CreditReversalsAmount)
}

// Record is one transaction a terminal lists in a batch upload (0320).
type Record struct {
	STAN   string `json:"stan"`
	Type   Kind   `json:"type"` // sale, refund or void; 0 ("unknown") on cup, whose records carry no type
	Amount int64  `json:"amount"`
	RRN    string `json:"rrn,omitempty"`
}

// Request is one message as the ledger sees it, independent of the wire.
type Request struct {
	Kind     Kind
	Terminal string // DE41
	STAN     string // DE11
	PAN      string // DE2 (sale, refund, void, upload)
	Expiry   string // DE14 YYMM, optional
	Amount   int64  // DE4, minor units
	// Repeat marks a retransmission (0401, 0421). It does not change what
	// the ledger does: repeats and originals are matched by content.
	Repeat bool
	// OrigRRN is the original's RRN (DE37) for a refund or void.
	OrigRRN string
	// OrigAuthCode is the approval code (DE38) of the pre-authorization
	// a cancellation or completion names; checked when set.
	OrigAuthCode string
	// OrigSTAN is the original's STAN (from DE90) for a reversal; empty
	// means the reversal carries the original's STAN in DE11. For a
	// refund or void it is used when OrigRRN is empty.
	OrigSTAN string
	// Totals are the terminal's totals (settlement).
	Totals Totals
	// Final marks the 0500 that closes a batch after an upload
	// (processing code 960000); the first 0500 has 920000.
	Final bool
	// Folded says the terminal's totals are debits and credits only (the
	// cup profile's field 48): they are compared with the host's folded
	// the same way (voids of sales count as credits, voids of refunds as
	// debits).
	Folded bool
	// Records are the transactions listed by a batch upload.
	Records []Record
}

// Result is the ledger's answer.
type Result struct {
	Code     hostproto.ResponseCode // DE39
	RRN      string                 // DE37, assigned to every recorded transaction
	AuthCode string                 // DE38, approvals of sales, refunds and voids
	// Duplicate: the request repeated an earlier one (same terminal,
	// STAN and content); this is the first answer and nothing was
	// applied again.
	Duplicate bool
	// Host is the host's totals of the batch (settlement).
	Host Totals
	// Diffs is the difference report of a final settlement.
	Diffs []Difference
	// Seq is the ledger's number of the transaction recorded, 0 if none.
	Seq int
	// Batch is the host batch the request was booked in (for a
	// settlement: the batch it settled).
	Batch int
}

// Txn is a recorded transaction.
type Txn struct {
	Seq      int
	Time     time.Time
	Terminal string
	STAN     string
	RRN      string
	AuthCode string
	Kind     Kind
	Amount   int64
	Code     hostproto.ResponseCode
	State    TxnState
	Batch    int
	Orig     *Txn  // the original of a refund, void or reversal
	Refunded int64 // sales: sum of standing refunds
	pan      string
	dropped  bool // its batch left the window (see LedgerOptions.KeepBatches)
}

// TxnView is a transaction as Transactions and GET /transactions show it.
type TxnView struct {
	Seq      int                    `json:"seq"`
	Time     time.Time              `json:"time"`
	Terminal string                 `json:"terminal"`
	STAN     string                 `json:"stan"`
	RRN      string                 `json:"rrn"`
	AuthCode string                 `json:"auth_code,omitempty"`
	Type     Kind                   `json:"type"`
	Amount   int64                  `json:"amount"`
	Code     hostproto.ResponseCode `json:"code"`
	State    TxnState               `json:"state"`
	Card     string                 `json:"card"` // masked
	Batch    int                    `json:"batch"`
	OrigRRN  string                 `json:"original_rrn,omitempty"`
	Refunded int64                  `json:"refunded,omitempty"`
}

func (t *Txn) view() TxnView {
	v := TxnView{Seq: t.Seq, Time: t.Time, Terminal: t.Terminal, STAN: t.STAN, RRN: t.RRN, AuthCode: t.AuthCode,
		Type: t.Kind, Amount: t.Amount, Code: t.Code, State: t.State, Card: MaskPAN(t.pan), Batch: t.Batch, Refunded: t.Refunded}
	if t.Orig != nil {
		v.OrigRRN = t.Orig.RRN
	}
	return v
}

// counted reports whether t counts in the batch totals: a sale, refund or
// void that was approved and not reversed (a voided sale still counts,
// and so does its void).
func (t *Txn) counted() bool {
	return (t.State == StateApproved || t.State == StateVoided) &&
		(t.Kind == KindSale || t.Kind == KindRefund || t.Kind == KindVoid || t.Kind == KindCompletion)
}

// financial reports whether k shares the terminal's 0200 STAN space
// (duplicate detection, reversal by STAN).
func (k Kind) financial() bool {
	switch k {
	case KindSale, KindRefund, KindVoid, KindPreAuth, KindPreAuthCancel, KindCompletion:
		return true
	}
	return false
}

// DefaultKeepBatches is how many closed batches per terminal a ledger
// keeps when LedgerOptions.KeepBatches is 0.
const DefaultKeepBatches = 2

// LedgerOptions configure a Ledger. The zero value is usable.
type LedgerOptions struct {
	Now            func() time.Time // clock for timestamps and expiry; nil = time.Now
	DefaultBalance int64            // balance of cards created on first use; 0 = DefaultBalance
	NoTestCards    bool             // do not preload TestCards
	// KeepBatches is the window the ledger holds per terminal: the open
	// batch plus this many closed ones (0 means DefaultKeepBatches;
	// negative keeps every batch, for checkers of short runs that need the
	// whole history, at the cost of memory that grows with every
	// transaction). When a settlement closes a batch,
	// the closed batches beyond the window are dropped from memory with
	// their transactions (counted in TerminalView.Dropped): a refund of
	// one of them, or a reversal naming its STAN, is answered 25 (no
	// such original). Cards and their balances are kept.
	KeepBatches int
}

// Ledger is the fake acquirer's books: cards, transactions and
// per-terminal batches. It does no I/O; the server feeds it requests.
// It is safe for concurrent use.
type Ledger struct {
	now        func() time.Time
	defBalance int64
	keep       int // closed batches kept per terminal; < 0: all

	mu        sync.Mutex
	cards     map[string]*Card
	seq       int    // of the last transaction recorded
	txns      []*Txn // in the window, in order
	byRRN     map[string]*Txn
	terminals map[string]*terminal
}

type dedupeKey struct {
	class Kind // KindSale for all 0200 kinds
	stan  string
}

type dedupeEntry struct {
	fp  string
	res Result
}

type terminal struct {
	id     string
	cur    *Batch
	closed []*Batch
	fin    map[string]*Txn // STAN -> latest 0200 transaction
	// early holds STANs named by reversals that found no original: if
	// the original arrives late, it is declined (68) rather than booked
	// behind the terminal's back. Each is kept for the batch it was made in
	// and the next one, so a settlement in between does not forget it.
	early      map[string]int // STAN -> batch number of the reversal
	dedupe     [2]map[dedupeKey]dedupeEntry
	lastSTAN   string
	requests   int
	stanBackwd int // requests whose STAN was not above the one before
	dropped    int // transactions dropped with batches beyond the window
}

// TerminalView is what the ledger knows of a terminal (GET /terminals).
type TerminalView struct {
	ID       string `json:"terminal"`
	Requests int    `json:"requests"`  // requests processed, duplicates included
	LastSTAN string `json:"last_stan"` // STAN of the last request
	// STANNotIncreasing counts requests whose STAN was not above the
	// previous request's (repeats and duplicates excluded; 999999 → 1
	// is a wrap, not a step back).
	STANNotIncreasing int        `json:"stan_not_increasing"`
	Batch             int        `json:"batch"` // open batch number
	BatchState        BatchState `json:"batch_state"`
	// Dropped counts the terminal's transactions dropped from memory with
	// closed batches beyond the window (LedgerOptions.KeepBatches).
	Dropped int `json:"dropped"`
}

// TerminalStatus returns what the ledger knows of a terminal.
func (l *Ledger) TerminalStatus(id string) (TerminalView, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.terminals[id]
	if !ok {
		return TerminalView{}, fmt.Errorf("%w %q", ErrUnknownTerminal, id)
	}
	return TerminalView{ID: id, Requests: t.requests, LastSTAN: t.lastSTAN, STANNotIncreasing: t.stanBackwd,
		Batch: t.cur.Number, BatchState: t.cur.State, Dropped: t.dropped}, nil
}

// NewLedger returns a ledger holding the test cards (unless
// opts.NoTestCards).
func NewLedger(opts LedgerOptions) *Ledger {
	l := &Ledger{
		now:        opts.Now,
		defBalance: opts.DefaultBalance,
		cards:      map[string]*Card{},
		byRRN:      map[string]*Txn{},
		terminals:  map[string]*terminal{},
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.defBalance == 0 {
		l.defBalance = DefaultBalance
	}
	l.keep = opts.KeepBatches
	if l.keep == 0 {
		l.keep = DefaultKeepBatches
	}
	if !opts.NoTestCards {
		for _, c := range TestCards() {
			c := c
			l.cards[c.PAN] = &c
		}
	}
	return l
}

// PutCard creates or replaces a card.
func (l *Ledger) PutCard(c Card) error {
	if err := c.validate(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cards[c.PAN] = &c
	return nil
}

// UpdateCard creates a card (defaults: the default balance, active) or
// updates the fields set in u, and returns the result masked.
func (l *Ledger) UpdateCard(u CardUpdate) (CardView, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var c Card
	if old, ok := l.cards[u.PAN]; ok {
		c = *old
	} else {
		c = Card{PAN: u.PAN, Balance: l.defBalance}
	}
	if u.Balance != nil {
		c.Balance = *u.Balance
	}
	if u.Limit != nil {
		c.Limit = *u.Limit
	}
	if u.Expiry != nil {
		c.Expiry = *u.Expiry
	}
	if u.Status != nil {
		c.Status = *u.Status
	}
	if u.Force != nil {
		c.Force = *u.Force
	}
	if err := c.validate(); err != nil {
		return CardView{}, err
	}
	l.cards[c.PAN] = &c
	return c.view(), nil
}

// Card returns a copy of the card with this PAN.
func (l *Ledger) Card(pan string) (Card, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.cards[pan]
	if !ok {
		return Card{}, false
	}
	return *c, true
}

// Cards lists all cards, masked, ordered by PAN.
func (l *Ledger) Cards() []CardView {
	l.mu.Lock()
	defer l.mu.Unlock()
	pans := make([]string, 0, len(l.cards))
	for p := range l.cards {
		pans = append(pans, p)
	}
	sort.Strings(pans)
	out := make([]CardView, len(pans))
	for i, p := range pans {
		out[i] = l.cards[p].view()
	}
	return out
}

// Transactions lists the recorded transactions in the window (see
// LedgerOptions.KeepBatches) in order; terminal "" means all.
func (l *Ledger) Transactions(terminal string) []TxnView {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]TxnView, 0, len(l.txns))
	for _, t := range l.txns {
		if terminal == "" || t.Terminal == terminal {
			out = append(out, t.view())
		}
	}
	return out
}

// Transaction returns the transaction with this RRN.
func (l *Ledger) Transaction(rrn string) (TxnView, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.byRRN[rrn]
	if !ok {
		return TxnView{}, false
	}
	return t.view(), true
}

// Process applies one request and returns the answer. A request that
// cannot be processed at all returns a *RequestError (wrapping
// ErrInvalidRequest); declines are results.
func (l *Ledger) Process(req Request) (Result, error) {
	if err := req.check(); err != nil {
		return Result{Code: hostproto.RCFormatError}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.terminal(req.Terminal)
	t.requests++
	prev := t.lastSTAN
	t.lastSTAN = req.STAN

	key := dedupeKey{class: req.Kind, stan: req.STAN}
	if req.Kind.financial() {
		key.class = KindSale
	}
	fp := req.fingerprint()
	for _, m := range t.dedupe {
		if e, ok := m[key]; ok {
			if e.fp == fp {
				r := e.res
				r.Duplicate = true
				return r, nil
			}
			return Result{Code: hostproto.RCDuplicateTransmission}, nil
		}
	}
	// A reversal that carries its original's STAN (cup) steps back by design.
	keepsSTAN := req.Kind == KindReversal && (req.OrigSTAN == "" || req.OrigSTAN == req.STAN)
	if prev != "" && !req.Repeat && !keepsSTAN && !stanAfter(req.STAN, prev) {
		t.stanBackwd++
	}
	var res Result
	switch req.Kind {
	case KindSale, KindRefund, KindVoid, KindPreAuth, KindPreAuthCancel, KindCompletion:
		if _, late := t.early[req.STAN]; late {
			res = result(l.record(t, req, hostproto.RCResponseTooLate, nil))
			break
		}
		switch req.Kind {
		case KindSale:
			res = l.sale(t, req)
		case KindRefund:
			res = l.refund(t, req)
		case KindVoid:
			res = l.void(t, req)
		case KindPreAuth:
			res = l.preAuth(t, req)
		default:
			res = l.preAuthFollowUp(t, req)
		}
	case KindReversal:
		res = l.reverse(t, req)
	case KindSettle:
		res = l.settle(t, req)
	case KindUpload:
		res = l.upload(t, req)
	}
	// settle may have rotated the dedupe generations; store in the newest.
	t.dedupe[0][key] = dedupeEntry{fp: fp, res: res}
	return res, nil
}

func (r *Request) check() error {
	switch {
	case r.Kind < KindSale || r.Kind > KindCompletion:
		return &RequestError{Field: "kind", Reason: fmt.Sprintf("unknown kind %d", int(r.Kind))}
	case r.Terminal == "":
		return &RequestError{Field: "terminal", Reason: "missing terminal id (DE41)"}
	case r.STAN == "":
		return &RequestError{Field: "stan", Reason: "missing STAN (DE11)"}
	case r.Amount < 0:
		return &RequestError{Field: "amount", Reason: "negative amount"}
	}
	return nil
}

// fingerprint is the content of a request that a repeat must match
// (everything but Repeat and the STAN, which is the key).
func (r *Request) fingerprint() string {
	b := make([]byte, 0, 64)
	b = strconv.AppendInt(b, int64(r.Kind), 10)
	b = append(b, '|')
	b = append(b, r.PAN...)
	b = append(b, '|')
	b = strconv.AppendInt(b, r.Amount, 10)
	b = append(b, '|')
	b = append(b, r.OrigRRN...)
	b = append(b, '|')
	b = append(b, r.OrigSTAN...)
	b = append(b, '|')
	b = append(b, r.OrigAuthCode...)
	switch r.Kind {
	case KindSettle:
		b = fmt.Appendf(b, "|%v|%v", r.Totals, r.Final)
	case KindUpload:
		b = fmt.Appendf(b, "|%v", r.Records)
	}
	return string(b)
}

// stanAfter reports whether STAN s follows prev (999999 wraps to 1).
func stanAfter(s, prev string) bool {
	a, err1 := strconv.Atoi(s)
	b, err2 := strconv.Atoi(prev)
	if err1 != nil || err2 != nil {
		return true
	}
	return a > b || b >= 999000 && a < 1000
}

func (l *Ledger) terminal(id string) *terminal {
	t, ok := l.terminals[id]
	if !ok {
		t = &terminal{id: id, fin: map[string]*Txn{}, early: map[string]int{}}
		t.dedupe[0] = map[dedupeKey]dedupeEntry{}
		t.dedupe[1] = map[dedupeKey]dedupeEntry{}
		t.cur = &Batch{Terminal: id, Number: 1, Opened: l.now(), State: BatchOpen}
		l.terminals[id] = t
	}
	return t
}

// record appends a transaction with the next sequence number and RRN.
func (l *Ledger) record(t *terminal, req Request, code hostproto.ResponseCode, orig *Txn) *Txn {
	l.seq++
	seq := l.seq
	var rrn [12]byte
	for i, v := 11, seq; i >= 0; i-- {
		rrn[i] = byte('0' + v%10)
		v /= 10
	}
	x := &Txn{
		Seq: seq, Time: l.now(), Terminal: t.id, STAN: req.STAN, RRN: string(rrn[:]),
		Kind: req.Kind, Amount: req.Amount, Code: code, State: StateDeclined, Batch: t.cur.Number,
		Orig: orig, pan: req.PAN,
	}
	if code == hostproto.RCApproved {
		x.State = StateApproved
		if req.Kind != KindReversal {
			x.AuthCode = "A" + strconv.Itoa(100000 + seq%100000)[1:]
		}
	}
	if req.Kind == KindReversal && orig != nil {
		x.pan = orig.pan
		if x.Amount == 0 {
			x.Amount = orig.Amount
		}
	}
	l.txns = append(l.txns, x)
	l.byRRN[x.RRN] = x
	if req.Kind.financial() {
		t.fin[req.STAN] = x
	}
	t.cur.txns = append(t.cur.txns, x)
	return x
}

func result(x *Txn) Result {
	return Result{Code: x.Code, RRN: x.RRN, AuthCode: x.AuthCode, Seq: x.Seq, Batch: x.Batch}
}

// SignOn registers a terminal (0800 sign-on) and returns the number of
// its open batch.
func (l *Ledger) SignOn(terminal string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.terminal(terminal).cur.Number
}

func (l *Ledger) expired(expiry string) bool {
	if !expiryValid(expiry) {
		return false
	}
	yy, _ := strconv.Atoi(expiry[:2])
	mm, _ := strconv.Atoi(expiry[2:])
	now := l.now()
	return (2000+yy)*12+mm < now.Year()*12+int(now.Month())
}

func (l *Ledger) sale(t *terminal, req Request) Result {
	code := l.saleCode(req)
	if code == hostproto.RCApproved {
		l.cards[req.PAN].Balance -= req.Amount
	}
	return result(l.record(t, req, code, nil))
}

// saleCode decides a sale, in the order documented in docs/acquirer.md.
func (l *Ledger) saleCode(req Request) hostproto.ResponseCode {
	if !Luhn(req.PAN) {
		return hostproto.RCInvalidCardNumber
	}
	c, ok := l.cards[req.PAN]
	if !ok {
		c = &Card{PAN: req.PAN, Balance: l.defBalance}
		l.cards[req.PAN] = c
	}
	switch {
	case c.Status == CardInvalid:
		return hostproto.RCInvalidCardNumber
	case c.Status == CardLost:
		return hostproto.RCLostCard
	case c.Status == CardStolen:
		return hostproto.RCStolenCard
	case c.Force != "":
		return c.Force
	case l.expired(c.Expiry) || l.expired(req.Expiry):
		return hostproto.RCExpiredCard
	case req.Amount >= MagicAmountMin && req.Amount <= MagicAmountMax && req.Amount%100 != 0:
		return hostproto.ResponseCode(fmt.Sprintf("%02d", req.Amount%100))
	case req.Amount == 0:
		return hostproto.RCInvalidAmount
	case c.Limit > 0 && req.Amount > c.Limit:
		return hostproto.RCExceedsAmountLimit
	case req.Amount > c.Balance:
		return hostproto.RCInsufficientFunds
	}
	return hostproto.RCApproved
}

// original finds the original of a refund or void: by RRN, or by the
// terminal's STAN when no RRN is given.
func (l *Ledger) original(t *terminal, req Request) *Txn {
	if req.OrigRRN != "" {
		return l.byRRN[req.OrigRRN]
	}
	if req.OrigSTAN != "" {
		return t.fin[req.OrigSTAN]
	}
	return nil
}

func (l *Ledger) refund(t *terminal, req Request) Result {
	orig := l.original(t, req)
	code := hostproto.RCApproved
	switch {
	case !Luhn(req.PAN):
		code = hostproto.RCInvalidCardNumber
	case orig == nil:
		code = hostproto.RCOriginalNotFound
	case orig.Kind != KindSale || orig.Code != hostproto.RCApproved:
		code = hostproto.RCInvalidTransaction
	case orig.State != StateApproved:
		code = hostproto.RCNoActionTaken
	case orig.pan != req.PAN:
		code = hostproto.RCNotPermittedCardholder
	case req.Amount == 0 || req.Amount > orig.Amount-orig.Refunded:
		code = hostproto.RCInvalidAmount
	}
	if code == hostproto.RCApproved {
		l.cards[req.PAN].Balance += req.Amount
		orig.Refunded += req.Amount
	}
	return result(l.record(t, req, code, orig))
}

func (l *Ledger) void(t *terminal, req Request) Result {
	orig := l.original(t, req)
	if req.PAN == "" && orig != nil {
		req.PAN = orig.pan // a void need not carry the card number
	}
	code := hostproto.RCApproved
	switch {
	case req.PAN != "" && !Luhn(req.PAN):
		code = hostproto.RCInvalidCardNumber
	case orig == nil:
		code = hostproto.RCOriginalNotFound
	case orig.Kind != KindSale && orig.Kind != KindRefund || orig.Code != hostproto.RCApproved:
		code = hostproto.RCInvalidTransaction
	case orig.State != StateApproved:
		code = hostproto.RCNoActionTaken
	case orig.pan != req.PAN:
		code = hostproto.RCNotPermittedCardholder
	case orig.Terminal != t.id || orig.Batch != t.cur.Number:
		code = hostproto.RCNotPermittedTerminal
	case orig.Refunded > 0:
		code = hostproto.RCInvalidTransaction
	case req.Amount != orig.Amount:
		code = hostproto.RCInvalidAmount
	}
	if code == hostproto.RCApproved {
		if orig.Kind == KindSale {
			l.cards[req.PAN].Balance += req.Amount
		} else {
			l.cards[req.PAN].Balance -= req.Amount
			orig.Orig.Refunded -= req.Amount
		}
		orig.State = StateVoided
	}
	return result(l.record(t, req, code, orig))
}

// reverse undoes the original exactly once. Every later reversal of the
// same original answers 00 and changes nothing.
func (l *Ledger) reverse(t *terminal, req Request) Result {
	stan := req.OrigSTAN
	if stan == "" {
		stan = req.STAN
	}
	orig := t.fin[stan]
	if orig == nil {
		t.early[stan] = t.cur.Number
		return result(l.record(t, req, hostproto.RCOriginalNotFound, nil))
	}
	if orig.State == StateApproved {
		card := l.cards[orig.pan]
		switch orig.Kind {
		case KindSale:
			card.Balance += orig.Amount - orig.Refunded
		case KindRefund:
			card.Balance -= orig.Amount
			orig.Orig.Refunded -= orig.Amount
		case KindVoid: // reinstate the voided sale or refund
			v := orig.Orig
			v.State = StateApproved
			if v.Kind == KindSale {
				card.Balance -= v.Amount
			} else {
				card.Balance += v.Amount
				v.Orig.Refunded += v.Amount
			}
		case KindPreAuth: // release the hold
			card.Balance += orig.Amount
		case KindCompletion: // refund the charge, hold again
			card.Balance += orig.Amount - orig.Orig.Amount
			orig.Orig.State = StateApproved
		case KindPreAuthCancel: // hold again
			card.Balance -= orig.Orig.Amount
			orig.Orig.State = StateApproved
		}
		orig.State = StateReversed
	}
	// Declined, voided or already reversed: nothing (more) to undo.
	res := result(l.record(t, req, hostproto.RCApproved, orig))
	res.AuthCode = ""
	return res
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *Kind) UnmarshalText(b []byte) error {
	return parseName(b, kindNames[:], (*int)(k), "transaction type")
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *TxnState) UnmarshalText(b []byte) error {
	return parseName(b, stateNames[:], (*int)(s), "transaction state")
}

func parseName(b []byte, names []string, dst *int, what string) error {
	for i, n := range names {
		if n != "" && n == string(b) {
			*dst = i
			return nil
		}
	}
	return fmt.Errorf("acquirer: unknown %s %q", what, b)
}
