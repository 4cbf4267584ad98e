package posclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"reflect"
	"sync"

	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/posclient/receipt"
)

// Terminal is the POS client: it runs sales, refunds, voids, settlement,
// reprints and recovery against a host, a journal and a printer. Its
// methods are safe for concurrent use; operations run one at a time, as on
// a real till.
type Terminal struct {
	cfg Config
	j   Journal
	log *slog.Logger

	mu   sync.Mutex // serialises operations and guards conn and active
	conn net.Conn   // host connection, signed on; nil when down
	// active is the machine of the transaction being driven, so that a
	// late answer for it is stepped into it rather than into a copy.
	active *Machine
	// keys are the working keys of the sign-on on conn (profiles with a MAC).
	keys *hostproto.WorkingKeys

	release func() // gives up the claim on the journal

	closeOnce sync.Once
	closed    chan struct{}
	closeCtx  context.Context // cancelled by Close
	cancel    context.CancelFunc
}

// New validates cfg, fills in its defaults and returns a Terminal. It does
// not connect or recover: call Recover at start.
func New(cfg Config) (*Terminal, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	t := &Terminal{cfg: cfg, j: cfg.Journal, log: cfg.Logger, closed: make(chan struct{})}
	if err := claim(t); err != nil {
		return nil, err
	}
	t.closeCtx, t.cancel = context.WithCancel(context.Background())
	return t, nil
}

// drivers holds the journals without a Claimer that a Terminal of this
// process drives (Journal → *Terminal). One journal, one driver: the
// Terminal takes what it finds journaled with no outcome for a crash
// leftover and reverses it, which is only right when no other driver is
// mid-transaction on it.
var drivers sync.Map

// claim makes t the driver of its journal, or says who already is: through
// the journal's Claimer (found through Unwrap() Journal methods), else the
// drivers table. A read-only journal (ReadOnly() reports true) is not
// claimed: it cannot be driven.
func claim(t *Terminal) error {
	if ro, ok := t.j.(interface{ ReadOnly() bool }); ok && ro.ReadOnly() {
		return nil
	}
	holder := fmt.Sprintf("another Terminal of this process (terminal %s; Close it first)", t.cfg.TerminalID)
	for j := t.j; j != nil; {
		if c, ok := j.(Claimer); ok {
			release, err := c.Claim(holder)
			if err != nil {
				return err
			}
			t.release = release
			return nil
		}
		u, ok := j.(interface{ Unwrap() Journal })
		if !ok {
			break
		}
		j = u.Unwrap()
	}
	if !hashable(t.j) {
		return nil
	}
	if _, loaded := drivers.LoadOrStore(t.j, t); loaded {
		return &JournalInUseError{Where: fmt.Sprintf("%T", t.j), Holder: holder}
	}
	t.release = func() { drivers.CompareAndDelete(t.j, t) }
	return nil
}

// hashable reports whether j can be a map key: its type is comparable and
// so is everything its interface fields hold.
func hashable(j Journal) (ok bool) {
	if !reflect.TypeOf(j).Comparable() {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_ = map[Journal]bool{j: true}
	return true
}

func (t *Terminal) unclaim() {
	if t.release != nil {
		t.release()
	}
}

// Config returns the terminal's configuration with defaults filled in.
func (t *Terminal) Config() Config { return t.cfg }

// Close interrupts the operation in progress (it returns an error matching
// context.Canceled; what it journaled stays for Recover), waits for it, and
// drops the host connection. It does not close the journal, which belongs
// to the caller. Close is idempotent; later operations fail with ErrClosed.
func (t *Terminal) Close() error {
	t.closeOnce.Do(func() {
		close(t.closed)
		t.cancel()
		t.mu.Lock()
		t.dropConn()
		t.mu.Unlock()
		t.unclaim()
	})
	return nil
}

// begin takes the operation lock and returns a context that is also
// cancelled by Close, so that Close interrupts a wait for the host or a
// reversal backoff instead of waiting for it.
func (t *Terminal) begin(ctx context.Context) (context.Context, func(), error) {
	select {
	case <-t.closed:
		return ctx, nil, ErrClosed
	default:
	}
	if err := ctx.Err(); err != nil {
		return ctx, nil, err
	}
	t.mu.Lock()
	select {
	case <-t.closed:
		t.mu.Unlock()
		return ctx, nil, ErrClosed
	default:
	}
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(t.closeCtx, func() { cancel(ErrClosed) })
	return ctx, func() {
		stop()
		cancel(nil)
		t.mu.Unlock()
	}, nil
}

func (t *Terminal) crash(step string) {
	if t.cfg.CrashHook != nil {
		t.cfg.CrashHook(step)
	}
}

// PAN is a full card number as read. It masks itself wherever it is
// printed, logged or marshalled (String, Format, GoString, LogValue,
// MarshalText keep the first 6 and last 4 digits), so a request printed
// with %+v or logged whole shows no card number; Reveal gives the digits.
type PAN = hostproto.PAN

// SaleRequest is what Sale needs: the card as read and the amount.
type SaleRequest struct {
	Amount int64  // minor units, > 0
	PAN    PAN    // full card number; used in flight only, never stored
	Expiry string // YYMM, optional
}

// Sale charges the card. A decline is a Result with State declined and a
// nil error. When the host gives no usable answer, the error is an
// *InDoubtError and the Result says whether the reversal went through.
// Nothing is sent (and the error says why) when the printer is not ready
// under RefuseWhenNotReady, or when an earlier reversal cannot be
// delivered.
func (t *Terminal) Sale(ctx context.Context, req SaleRequest) (Result, error) {
	if err := checkAmount(req.Amount); err != nil {
		return Result{}, err
	}
	if err := checkPAN(req.PAN); err != nil {
		return Result{}, err
	}
	if err := CheckExpiry(req.Expiry); err != nil {
		return Result{}, err
	}
	ctx, done, err := t.begin(ctx)
	if err != nil {
		return Result{}, err
	}
	defer done()
	mode, err := t.receiptMode(ctx)
	if err != nil {
		return Result{}, err
	}
	tx := t.newTxn(KindSale, req.Amount, NewCard(req.PAN.Reveal(), t.cfg.CardKey))
	tx.ReceiptMode = mode
	return t.online(ctx, tx, req.PAN, req.Expiry, nil)
}

// RefundRequest names the original sale and the card presented for the
// refund.
type RefundRequest struct {
	OrigRef string // the original sale's reference
	Amount  int64  // minor units; 0 refunds everything that is left
	PAN     PAN    // the card presented: it must be the original card
	Expiry  string // YYMM, optional
}

// VoidRequest names the sale to cancel and the card presented for it.
type VoidRequest struct {
	OrigRef string // the sale's reference
	PAN     PAN    // the card presented: it must be the original card
}

// Refund pays money back to the card of an approved sale, partially or in
// full. It refuses, before anything is sent, a card other than the
// original (ErrOtherCard), an original that is not an approved sale or was
// voided (ErrNotRefundable) and an amount above what is left
// (ErrExceedsRefundable).
func (t *Terminal) Refund(ctx context.Context, req RefundRequest) (Result, error) {
	if req.Amount < 0 {
		return Result{}, &InputError{Arg: "amount", Reason: "negative"}
	}
	if err := checkPAN(req.PAN); err != nil {
		return Result{}, err
	}
	if err := CheckExpiry(req.Expiry); err != nil {
		return Result{}, err
	}
	ctx, done, err := t.begin(ctx)
	if err != nil {
		return Result{}, err
	}
	defer done()
	orig, left, err := t.original(ctx, req.OrigRef, req.PAN)
	if err != nil {
		return Result{}, err
	}
	amount := req.Amount
	if amount == 0 {
		amount = left
	}
	if amount > left {
		return Result{}, fmt.Errorf("%w: %d asked, %d left of %s", ErrExceedsRefundable, amount, left, orig.Ref)
	}
	mode, err := t.receiptMode(ctx)
	if err != nil {
		return Result{}, err
	}
	tx := t.newTxn(KindRefund, amount, orig.Card)
	tx.OrigRef, tx.ReceiptMode = orig.Ref, mode
	return t.online(ctx, tx, req.PAN, req.Expiry, &orig)
}

// Void cancels an approved sale of the open batch in full. The card must
// be the original's; a sale with refunds cannot be voided.
func (t *Terminal) Void(ctx context.Context, req VoidRequest) (Result, error) {
	origRef, pan := req.OrigRef, req.PAN
	if err := checkPAN(pan); err != nil {
		return Result{}, err
	}
	ctx, done, err := t.begin(ctx)
	if err != nil {
		return Result{}, err
	}
	defer done()
	orig, left, err := t.original(ctx, origRef, pan)
	if err != nil {
		return Result{}, err
	}
	batch, err := t.j.Batch(ctx, t.cfg.TerminalID)
	if err != nil {
		return Result{}, err
	}
	if orig.Batch != batch || orig.Settled {
		return Result{}, fmt.Errorf("%w: %s is not in the open batch; refund it instead", ErrNotRefundable, orig.Ref)
	}
	if left != orig.Amount {
		return Result{}, fmt.Errorf("%w: %s has refunds; refund the rest instead", ErrNotRefundable, orig.Ref)
	}
	mode, err := t.receiptMode(ctx)
	if err != nil {
		return Result{}, err
	}
	tx := t.newTxn(KindVoid, orig.Amount, orig.Card)
	tx.OrigRef, tx.ReceiptMode = orig.Ref, mode
	return t.online(ctx, tx, pan, "", &orig)
}

// original loads and checks the original of a refund or void.
func (t *Terminal) original(ctx context.Context, ref string, pan PAN) (Txn, int64, error) {
	if ref == "" {
		return Txn{}, 0, &InputError{Arg: "reference", Reason: "empty"}
	}
	orig, err := t.j.Get(ctx, ref)
	if err != nil {
		return Txn{}, 0, err
	}
	if orig.Kind != KindSale || orig.State != StateApproved {
		return Txn{}, 0, fmt.Errorf("%w: %s is a %s in state %s", ErrNotRefundable, ref, orig.Kind, orig.State)
	}
	if !orig.Card.SameAs(NewCard(pan.Reveal(), t.cfg.CardKey)) {
		return Txn{}, 0, fmt.Errorf("%w: %s was paid with %s", ErrOtherCard, ref, orig.Card.Masked)
	}
	linked, err := t.j.Find(ctx, Query{OrigRef: ref})
	if err != nil {
		return Txn{}, 0, err
	}
	left := Refundable(orig, linked)
	if left == 0 {
		return Txn{}, 0, fmt.Errorf("%w: nothing left of %s (voided or fully refunded)", ErrNotRefundable, ref)
	}
	return orig, left, nil
}

func checkAmount(a int64) error {
	if a <= 0 || a > int64(hostproto.MaxAmount) {
		return &InputError{Arg: "amount", Reason: "must be between 1 and 999999999999 minor units"}
	}
	return nil
}

func checkPAN(pan PAN) error {
	if len(pan) < 12 || len(pan) > 19 {
		return &InputError{Arg: "card number", Reason: "want 12 to 19 digits"}
	}
	for i := 0; i < len(pan); i++ {
		if pan[i] < '0' || pan[i] > '9' {
			return &InputError{Arg: "card number", Reason: "digits only"}
		}
	}
	if !hostproto.Luhn(pan.Reveal()) {
		return &InputError{Arg: "card number", Reason: "check digit wrong"}
	}
	return nil
}

// receiptMode runs the printer check before a transaction.
func (t *Terminal) receiptMode(ctx context.Context) (ReceiptState, error) {
	if t.cfg.Printer == nil {
		return ReceiptElectronic, nil
	}
	err := t.cfg.Printer.Ready(ctx)
	if err == nil {
		return ReceiptPrinted, nil
	}
	if t.cfg.NotReady == RefuseWhenNotReady {
		return "", fmt.Errorf("%w: %w", ErrPrinterNotReady, err)
	}
	t.log.Warn("printer not ready; receipt goes electronic", "err", err)
	return ReceiptElectronic, nil
}

// newTxn numbers nothing yet: online assigns STAN and reference.
func (t *Terminal) newTxn(k Kind, amount int64, card Card) Txn {
	return Txn{Kind: k, TerminalID: t.cfg.TerminalID, MerchantID: t.cfg.MerchantID, Amount: amount,
		Currency: t.cfg.Currency, Card: card, State: StateCreated}
}

// Ref formats a transaction reference from batch and STAN.
func Ref(batch, stan uint32) string { return fmt.Sprintf("%06d-%06d", batch, stan) }

// online runs one financial transaction: drain reversals, number it,
// journal it, send it, read the answer, deliver the receipt.
func (t *Terminal) online(ctx context.Context, tx Txn, pan PAN, expiry string, orig *Txn) (Result, error) {
	if err := t.drainReversals(ctx); err != nil {
		var se *StorageError
		if errors.As(err, &se) {
			// About an earlier transaction; this one was not sent.
			return Result{}, fmt.Errorf("%w: not sent: %s", ErrReversalPending, se.Error())
		}
		return Result{}, err
	}
	stan, err := t.j.NextSTAN(ctx, t.cfg.TerminalID)
	if err != nil {
		return Result{}, err
	}
	batch, err := t.j.Batch(ctx, t.cfg.TerminalID)
	if err != nil {
		return Result{}, err
	}
	now := t.cfg.Now()
	tx.STAN, tx.Batch, tx.Ref, tx.LocalTime = stan, batch, Ref(batch, stan), now
	m := NewMachine(tx, t.cfg.Policy)
	t.active = m
	defer func() { t.active = nil }()

	x := &exchange{pan: pan, expiry: expiry, orig: orig}
	if err := t.run(ctx, m, x, Event{Type: EvBegin, At: now}, nil); err != nil {
		return ResultOf(m.Txn()), err
	}
	if m.Txn().State == StateReversalQueued {
		// In doubt, or policy ReverseOnPrintFailure: one try now if the
		// host is there. Further tries happen before the next online
		// transaction, at settlement and in Recover.
		if err := t.reverseOnce(ctx, m); err != nil {
			t.log.Warn("reversal not delivered yet", "ref", tx.Ref, "err", err)
			if errors.Is(err, ErrCorruptJournal) {
				return ResultOf(m.Txn()), err
			}
		}
	}
	if x.cause != nil {
		if x.inDoubt {
			return ResultOf(m.Txn()), &InDoubtError{Ref: tx.Ref, State: m.Txn().State, Err: x.cause}
		}
		return ResultOf(m.Txn()), x.cause
	}
	if m.Txn().State == StateDeclined {
		t.printDecline(ctx, m.Txn())
	}
	t.log.Info("answered", "ref", tx.Ref, "stan", stan, "kind", tx.Kind, "code", m.Txn().ResponseCode, "state", m.Txn().State, "receipt", m.Txn().Receipt)
	return ResultOf(m.Txn()), nil
}

// print delivers the customer receipt of tx and says how it went.
func (t *Terminal) print(ctx context.Context, tx Txn) Event {
	if t.cfg.Printer == nil {
		return Event{Type: EvPrintFailed, At: t.cfg.Now(), Reason: "no printer"}
	}
	job, err := t.receiptJob(ctx, tx, 0)
	if err != nil {
		return Event{Type: EvPrintFailed, At: t.cfg.Now(), Reason: err.Error()}
	}
	t.crash(CrashMidPrint)
	err = t.cfg.Printer.Print(ctx, job)
	t.crash(CrashAfterPrint)
	if err != nil {
		t.log.Warn("receipt not confirmed", "ref", tx.Ref, "err", err)
		return Event{Type: EvPrintFailed, At: t.cfg.Now(), Reason: err.Error(), MaybePrinted: mayHavePrinted(err), PrinterStopped: printerStopped(err)}
	}
	return Event{Type: EvPrinted, At: t.cfg.Now()}
}

// printerStopped reports whether a print error says the printer's status
// showed a fault (an error with a PrinterStopped method, as
// printer.PrintError has).
func printerStopped(err error) bool {
	var m interface{ PrinterStopped() bool }
	return errors.As(err, &m) && m.PrinterStopped()
}

// mayHavePrinted reports whether a print error says the job may have come
// out all the same: an error with a MayHavePrinted method (as
// printer.PrintError has) answers for itself; any other error from a
// printer that was handed the job may have printed.
func mayHavePrinted(err error) bool {
	var m interface{ MayHavePrinted() bool }
	if errors.As(err, &m) {
		return m.MayHavePrinted()
	}
	return true
}

func (t *Terminal) eReceipt(ctx context.Context, tx Txn) Event {
	if t.cfg.EReceipt == nil {
		return Event{Type: EvEReceiptFailed, At: t.cfg.Now(), Reason: "no e-receipt sink"}
	}
	r, err := t.receiptOf(ctx, tx, 0, receipt.CustomerCopy)
	if err == nil {
		err = t.cfg.EReceipt.Deliver(ctx, r)
	}
	if err != nil {
		return Event{Type: EvEReceiptFailed, At: t.cfg.Now(), Reason: err.Error()}
	}
	return Event{Type: EvEReceiptSent, At: t.cfg.Now()}
}

// financialRequest builds the 0200 of tx.
func (t *Terminal) financialRequest(tx Txn, pan PAN, expiry string, orig *Txn) *hostproto.FinancialRequest {
	r := &hostproto.FinancialRequest{
		ProcessingCode: procOf(tx.Kind),
		PAN:            pan,
		Amount:         hostproto.Amount(tx.Amount),
		Times:          hostproto.TimesAt(tx.LocalTime),
		STAN:           hostproto.STAN(tx.STAN),
		Expiry:         hostproto.Expiry(expiry),
		EntryMode:      "051",
		ConditionCode:  conditionOf(tx.Kind),
		TerminalID:     tx.TerminalID,
		MerchantID:     tx.MerchantID,
		Currency:       currencyNumeric[tx.Currency],
		Batch:          hostproto.BatchNumber(tx.Batch),
	}
	if orig != nil {
		r.RRN = orig.RRN
		r.Original = originalOf(*orig)
		if tx.Kind == KindVoid || tx.Kind == KindCompletion || tx.Kind == KindPreAuthCancel {
			r.AuthCode = orig.AuthCode
		}
	}
	return r
}

func procOf(k Kind) hostproto.ProcessingCode {
	switch k {
	case KindPreAuth:
		return hostproto.ProcPreAuth
	case KindPreAuthCancel:
		return hostproto.ProcPreAuthCancel
	case KindCompletion:
		return hostproto.ProcPreAuthComplete
	case KindRefund:
		return hostproto.ProcRefund
	case KindVoid:
		return hostproto.ProcVoid
	}
	return hostproto.ProcSale
}

func originalOf(o Txn) hostproto.OriginalData {
	return hostproto.OriginalData{MTI: hostproto.MTIFinancialRequest, STAN: hostproto.STAN(o.STAN),
		Transmission: hostproto.DateTimeOf(o.LocalTime),
		Batch:        hostproto.BatchNumber(o.Batch), Date: o.LocalTime.Format("0102")} // cup field 61 only
}

// reversalRequest builds the 0400/0401 of tx from the journal alone: no
// card number is needed, the host finds the original by DE90.
func (t *Terminal) reversalRequest(tx Txn, repeat bool) *hostproto.ReversalRequest {
	reason := hostproto.ResponseCode(tx.ReversalReason)
	if reason == "" {
		reason = hostproto.RCReversalNoResponse
	}
	return &hostproto.ReversalRequest{
		Repeat:         repeat,
		ProcessingCode: procOf(tx.Kind),
		Amount:         hostproto.Amount(tx.Amount),
		Times:          hostproto.TimesAt(t.cfg.Now()),
		STAN:           hostproto.STAN(tx.ReversalSTAN),
		RRN:            tx.RRN,
		AuthCode:       tx.AuthCode,
		Reason:         reason,
		TerminalID:     tx.TerminalID,
		MerchantID:     tx.MerchantID,
		Currency:       currencyNumeric[tx.Currency],
		Batch:          hostproto.BatchNumber(tx.Batch),
		Original:       originalOf(tx),
	}
}

// CheckExpiry checks a card expiry date: empty (none), or YYMM, four
// digits with a month from 01 to 12. Sale and Refund check it before
// anything is journaled.
func CheckExpiry(yymm string) error {
	if yymm == "" {
		return nil
	}
	if len(yymm) != 4 {
		return &InputError{Arg: "expiry", Reason: fmt.Sprintf("%q: want YYMM, four digits (2612 for December 2026)", yymm)}
	}
	for _, c := range yymm {
		if c < '0' || c > '9' {
			return &InputError{Arg: "expiry", Reason: fmt.Sprintf("%q: want YYMM, digits only (2612 for December 2026)", yymm)}
		}
	}
	if m := (yymm[2]-'0')*10 + yymm[3] - '0'; m < 1 || m > 12 {
		return &InputError{Arg: "expiry", Reason: fmt.Sprintf("%q: month %s is not 01 to 12 (YYMM)", yymm, yymm[2:])}
	}
	return nil
}
