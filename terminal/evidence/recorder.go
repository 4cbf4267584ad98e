package evidence

import (
	"context"
	"sync"

	"github.com/poshil/hil/terminal"
)

// Recorder is a terminal.Terminal that passes every call to T and keeps
// the request and the answer, for Evidence.Exchanges. It keeps card
// numbers in memory only.
type Recorder struct {
	T terminal.Terminal

	mu sync.Mutex
	ex []Exchange
}

// Exchanges returns what was asked and answered so far.
func (r *Recorder) Exchanges() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.ex...)
}

func (r *Recorder) keep(req terminal.Request, res terminal.Response, err error) (terminal.Response, error) {
	if err == nil {
		r.mu.Lock()
		r.ex = append(r.ex, Exchange{Request: req, Response: res})
		r.mu.Unlock()
	}
	return res, err
}

func (r *Recorder) Hello(ctx context.Context) (terminal.Response, error) {
	res, err := r.T.Hello(ctx)
	return r.keep(terminal.Request{Op: terminal.OpHello}, res, err)
}
func (r *Recorder) Sale(ctx context.Context, amount int64, card, expiry string) (terminal.Response, error) {
	res, err := r.T.Sale(ctx, amount, card, expiry)
	return r.keep(terminal.Request{Op: terminal.OpSale, Amount: amount, Card: card, Expiry: expiry}, res, err)
}
func (r *Recorder) Refund(ctx context.Context, ref string, amount int64, card string) (terminal.Response, error) {
	res, err := r.T.Refund(ctx, ref, amount, card)
	return r.keep(terminal.Request{Op: terminal.OpRefund, Ref: ref, Amount: amount, Card: card}, res, err)
}
func (r *Recorder) Void(ctx context.Context, ref, card string) (terminal.Response, error) {
	res, err := r.T.Void(ctx, ref, card)
	return r.keep(terminal.Request{Op: terminal.OpVoid, Ref: ref, Card: card}, res, err)
}
func (r *Recorder) Settle(ctx context.Context) (terminal.Response, error) {
	res, err := r.T.Settle(ctx)
	return r.keep(terminal.Request{Op: terminal.OpSettle}, res, err)
}
func (r *Recorder) Reprint(ctx context.Context, ref string) (terminal.Response, error) {
	res, err := r.T.Reprint(ctx, ref)
	return r.keep(terminal.Request{Op: terminal.OpReprint, Ref: ref}, res, err)
}
func (r *Recorder) Lookup(ctx context.Context, ref string) (terminal.Response, error) {
	res, err := r.T.Lookup(ctx, ref)
	return r.keep(terminal.Request{Op: terminal.OpLookup, Ref: ref}, res, err)
}
func (r *Recorder) Recover(ctx context.Context) (terminal.Response, error) {
	res, err := r.T.Recover(ctx)
	return r.keep(terminal.Request{Op: terminal.OpRecover}, res, err)
}
func (r *Recorder) Restart(ctx context.Context) (terminal.Response, error) {
	res, err := r.T.Restart(ctx)
	return r.keep(terminal.Request{Op: terminal.OpRestart}, res, err)
}
func (r *Recorder) Close() error { return r.T.Close() }
