package posclient_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
)

func sale(t *testing.T, env *posclienttest.Env, amount int64, pan posclient.PAN) posclient.Result {
	t.Helper()
	res, err := env.Terminal.Sale(context.Background(), posclient.SaleRequest{Amount: amount, PAN: pan})
	if err != nil || res.State != posclient.StateApproved {
		t.Fatalf("sale: %+v, %v", res, err)
	}
	return res
}

func hostTxns(env *posclienttest.Env) int {
	return len(env.Acquirer.Ledger().Transactions(posclienttest.TerminalID))
}

func TestRefundOriginalRoute(t *testing.T) {
	ctx := context.Background()
	env := posclienttest.New(t, posclienttest.Options{})
	orig := sale(t, env, 10000, posclienttest.CardApprove)
	before := hostTxns(env)

	// Refused before anything is sent.
	for name, tc := range map[string]struct {
		req  posclient.RefundRequest
		want error
	}{
		"other card": {posclient.RefundRequest{OrigRef: orig.Ref, Amount: 100, PAN: posclienttest.CardOther}, posclient.ErrOtherCard},
		"too much":   {posclient.RefundRequest{OrigRef: orig.Ref, Amount: 10001, PAN: posclienttest.CardApprove}, posclient.ErrExceedsRefundable},
		"unknown":    {posclient.RefundRequest{OrigRef: "999999-999999", Amount: 1, PAN: posclienttest.CardApprove}, posclient.ErrNotFound},
		"bad card":   {posclient.RefundRequest{OrigRef: orig.Ref, Amount: 1, PAN: "4242424242424241"}, posclient.ErrInvalidInput},
	} {
		if _, err := env.Terminal.Refund(ctx, tc.req); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", name, err, tc.want)
		}
	}
	if got := hostTxns(env); got != before {
		t.Fatalf("refused refunds reached the host: %d transactions, want %d", got, before)
	}

	// Two partial refunds, then nothing is left.
	r1, err := env.Terminal.Refund(ctx, posclient.RefundRequest{OrigRef: orig.Ref, Amount: 3000, PAN: posclienttest.CardApprove})
	if err != nil || r1.State != posclient.StateApproved || r1.OrigRef != orig.Ref || r1.Receipt != posclient.ReceiptPrinted {
		t.Fatalf("refund 1: %+v, %v", r1, err)
	}
	r2, err := env.Terminal.Refund(ctx, posclient.RefundRequest{OrigRef: orig.Ref, PAN: posclienttest.CardApprove})
	if err != nil || r2.State != posclient.StateApproved || r2.Amount != 7000 {
		t.Fatalf("refund of the rest: %+v, %v", r2, err)
	}
	if _, err := env.Terminal.Refund(ctx, posclient.RefundRequest{OrigRef: orig.Ref, Amount: 1, PAN: posclienttest.CardApprove}); !errors.Is(err, posclient.ErrNotRefundable) {
		t.Errorf("third refund: %v, want ErrNotRefundable", err)
	}
	// The host agrees: the sale is fully refunded to the same card.
	v, ok := env.Acquirer.Ledger().Transaction(orig.RRN)
	if !ok || v.Refunded != 10000 {
		t.Errorf("host view of the sale: %+v", v)
	}
	// A refund cannot itself be refunded.
	if _, err := env.Terminal.Refund(ctx, posclient.RefundRequest{OrigRef: r1.Ref, Amount: 1, PAN: posclienttest.CardApprove}); !errors.Is(err, posclient.ErrNotRefundable) {
		t.Errorf("refund of a refund: %v", err)
	}
}

func TestVoid(t *testing.T) {
	ctx := context.Background()
	env := posclienttest.New(t, posclienttest.Options{})
	s := sale(t, env, 2500, posclienttest.CardApprove)
	if _, err := env.Terminal.Void(ctx, posclient.VoidRequest{OrigRef: s.Ref, PAN: posclienttest.CardOther}); !errors.Is(err, posclient.ErrOtherCard) {
		t.Errorf("void with another card: %v", err)
	}
	v, err := env.Terminal.Void(ctx, posclient.VoidRequest{OrigRef: s.Ref, PAN: posclienttest.CardApprove})
	if err != nil || v.State != posclient.StateApproved || v.Amount != 2500 {
		t.Fatalf("void: %+v, %v", v, err)
	}
	host, _ := env.Acquirer.Ledger().Transaction(s.RRN)
	if host.State != acquirer.StateVoided {
		t.Errorf("host sale state %v, want voided", host.State)
	}
	if _, err := env.Terminal.Void(ctx, posclient.VoidRequest{OrigRef: s.Ref, PAN: posclienttest.CardApprove}); !errors.Is(err, posclient.ErrNotRefundable) {
		t.Errorf("second void: %v", err)
	}
	if _, err := env.Terminal.Refund(ctx, posclient.RefundRequest{OrigRef: s.Ref, Amount: 1, PAN: posclienttest.CardApprove}); !errors.Is(err, posclient.ErrNotRefundable) {
		t.Errorf("refund after void: %v", err)
	}
	// A sale with a refund cannot be voided.
	s2 := sale(t, env, 900, posclienttest.CardApprove)
	if _, err := env.Terminal.Refund(ctx, posclient.RefundRequest{OrigRef: s2.Ref, Amount: 100, PAN: posclienttest.CardApprove}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Terminal.Void(ctx, posclient.VoidRequest{OrigRef: s2.Ref, PAN: posclienttest.CardApprove}); !errors.Is(err, posclient.ErrNotRefundable) {
		t.Errorf("void after refund: %v", err)
	}
}

func TestReprintAndLookup(t *testing.T) {
	ctx := context.Background()
	env := posclienttest.New(t, posclienttest.Options{})
	s1 := sale(t, env, 1111, posclienttest.CardApprove)
	s2 := sale(t, env, 2222, posclienttest.CardOther)

	r, err := env.Terminal.Reprint(ctx, "") // the last one
	if err != nil || r.Ref != s2.Ref || r.Copies != 1 {
		t.Fatalf("reprint last: %+v, %v", r, err)
	}
	r, err = env.Terminal.Reprint(ctx, s2.Ref)
	if err != nil || r.Copies != 2 {
		t.Fatalf("reprint again: %+v, %v", r, err)
	}
	recs := env.Receipts()
	if len(recs) != 4 {
		t.Fatalf("%d receipts, want 4", len(recs))
	}
	if !strings.Contains(recs[2], "DUPLICATE #1") || !strings.Contains(recs[3], "DUPLICATE #2") || strings.Contains(recs[1], "DUPLICATE") {
		t.Errorf("duplicate marks wrong:\n%s\n%s\n%s", recs[1], recs[2], recs[3])
	}
	for name, tc := range map[string]struct {
		q    posclient.Query
		want []string
	}{
		"last4":  {posclient.Query{Last4: "4242"}, []string{s1.Ref}},
		"amount": {posclient.Query{Amount: 2222}, []string{s2.Ref}},
		"ref":    {posclient.Query{Ref: s1.Ref}, []string{s1.Ref}},
		"owed":   {posclient.QueryReceiptOwed, nil},
	} {
		got, err := env.Terminal.Lookup(ctx, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, g := range got {
			refs = append(refs, g.Ref)
		}
		if len(refs) != len(tc.want) || (len(refs) > 0 && refs[0] != tc.want[0]) {
			t.Errorf("%s: %v, want %v", name, refs, tc.want)
		}
	}
}
