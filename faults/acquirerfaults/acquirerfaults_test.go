package acquirerfaults_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/faults"
	"github.com/poshil/hil/faults/acquirerfaults"
	"github.com/poshil/hil/pkg/hostproto"
)

const term = "T0000001"

var fixedNow = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// rig starts the real acquirer with the plan attached and dials it.
func rig(t *testing.T, plan string, opts acquirer.Options) (*acquirer.Server, *acquirertest.Client, *faults.Injector) {
	t.Helper()
	p, err := faults.Parse(plan)
	if err != nil {
		t.Fatal(err)
	}
	in, err := faults.NewInjector(p, faults.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	opts.Now = func() time.Time { return fixedNow }
	srv := acquirertest.NewServer(t, opts)
	t.Cleanup(acquirerfaults.Attach(srv, in))
	c := acquirertest.Dial(t, srv.Addr())
	return srv, c, in
}

func sale(stan hostproto.STAN, amount int64) *hostproto.FinancialRequest {
	return &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcSale, PAN: acquirer.CardApprove,
		Amount: hostproto.Amount(amount), Times: hostproto.TimesAt(fixedNow), STAN: stan, TerminalID: term}
}

func echo(stan hostproto.STAN) *hostproto.NetworkRequest {
	return &hostproto.NetworkRequest{Times: hostproto.TimesAt(fixedNow), STAN: stan, TerminalID: term, Code: hostproto.NetEcho}
}

func send(t *testing.T, c *acquirertest.Client, m hostproto.Message) {
	t.Helper()
	if err := c.Send(m); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, c *acquirertest.Client) hostproto.Message {
	t.Helper()
	m, err := c.Read(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func stanOf(m hostproto.Message) hostproto.STAN { return m.Header().STAN }

// ledgerState returns the ledger's view of the terminal's transaction with stan.
func ledgerState(srv *acquirer.Server, stan string) (acquirer.TxnView, bool) {
	for _, v := range srv.Ledger().Transactions(term) {
		if v.STAN == stan {
			return v, true
		}
	}
	return acquirer.TxnView{}, false
}

// The S6 situation: the host approves and debits, the answer is
// lost. The next frame on the connection is the second sale's answer.
func TestDropResponse(t *testing.T) {
	srv, c, in := rig(t, "acquirer drop-response mti=0200 nth=1", acquirer.Options{})
	send(t, c, sale(1, 1000))
	send(t, c, sale(2, 2000))
	if m := read(t, c); stanOf(m) != 2 {
		t.Fatalf("first answer read has STAN %v, want 2 (the answer to 1 was dropped)", stanOf(m))
	}
	v, ok := ledgerState(srv, "000001")
	if !ok || v.Code != "00" {
		t.Fatalf("sale 1 in the ledger: %+v, %v; want approved", v, ok)
	}
	ev := in.Evidence()
	if len(ev) != 1 || ev[0].Hit.STAN != "000001" || ev[0].Kind != faults.DropResponse || ev[0].Hit.Card != "424242******4242" {
		t.Errorf("evidence %+v", ev)
	}
}

func TestDropRequest(t *testing.T) {
	srv, c, _ := rig(t, "acquirer drop-request mti=0200 nth=1", acquirer.Options{})
	send(t, c, sale(1, 1000))
	send(t, c, sale(2, 2000))
	if m := read(t, c); stanOf(m) != 2 {
		t.Fatalf("answer STAN %v, want 2", stanOf(m))
	}
	if v, ok := ledgerState(srv, "000001"); ok {
		t.Fatalf("dropped request reached the ledger: %+v", v)
	}
}

func TestDeclineScoped(t *testing.T) {
	srv, c, _ := rig(t, "acquirer decline code=51 amount=5000 card=*4242 count=always", acquirer.Options{})
	for _, tc := range []struct {
		stan   hostproto.STAN
		amount int64
		code   hostproto.ResponseCode
	}{{1, 5000, "51"}, {2, 4000, "00"}, {3, 5000, "51"}} {
		send(t, c, sale(tc.stan, tc.amount))
		r := read(t, c).(*hostproto.FinancialResponse)
		if r.ResponseCode != tc.code {
			t.Errorf("sale %d of %d: code %s, want %s", tc.stan, tc.amount, r.ResponseCode, tc.code)
		}
	}
	// Echo tests are not declined.
	send(t, c, echo(4))
	if r := read(t, c).(*hostproto.NetworkResponse); r.ResponseCode != hostproto.RCApproved {
		t.Errorf("echo answered %s", r.ResponseCode)
	}
	if _, ok := ledgerState(srv, "000001"); ok {
		t.Error("a declined-by-fault sale reached the ledger")
	}
}

func TestDuplicateResponse(t *testing.T) {
	_, c, _ := rig(t, "acquirer duplicate-response mti=0200", acquirer.Options{})
	send(t, c, sale(1, 1000))
	a, b := read(t, c), read(t, c)
	if stanOf(a) != 1 || stanOf(b) != 1 {
		t.Fatalf("answers with STAN %v and %v, want 1 twice", stanOf(a), stanOf(b))
	}
}

func TestMalformedResponse(t *testing.T) {
	srv, c, _ := rig(t, "acquirer malformed-response mti=0200", acquirer.Options{})
	send(t, c, sale(1, 1000))
	if _, err := c.Read(ctxT(t)); err == nil {
		t.Fatal("malformed response unpacked")
	}
	if v, _ := ledgerState(srv, "000001"); v.Code != "00" {
		t.Errorf("ledger %+v, want the sale approved", v)
	}
}

func TestWrongSTAN(t *testing.T) {
	_, c, _ := rig(t, "acquirer wrong-stan mti=0200 nth=2", acquirer.Options{})
	send(t, c, sale(1, 1000))
	if s := stanOf(read(t, c)); s != 1 {
		t.Fatalf("first answer STAN %v", s)
	}
	send(t, c, sale(2, 1000))
	if s := stanOf(read(t, c)); s == 2 {
		t.Fatal("second answer kept its STAN")
	}
}

func TestDisconnect(t *testing.T) {
	srv, c, _ := rig(t, "acquirer disconnect mti=0200", acquirer.Options{})
	send(t, c, sale(1, 1000))
	if _, err := c.ReadFrame(ctxT(t)); !errors.Is(err, io.EOF) {
		t.Fatalf("read after disconnect = %v, want EOF", err)
	}
	if _, ok := ledgerState(srv, "000001"); ok {
		t.Error("sale reached the ledger")
	}
}

func TestReversalLost(t *testing.T) {
	_, c, in := rig(t, "acquirer reversal-lost count=2", acquirer.Options{})
	orig := sale(1, 1000)
	send(t, c, orig)
	read(t, c)
	rev := hostproto.ReversalOf(orig, 2, fixedNow)
	for i := range 3 {
		send(t, c, rev)
		send(t, c, echo(hostproto.STAN(10+i)))
		m := read(t, c)
		if i < 2 {
			if _, ok := m.(*hostproto.NetworkResponse); !ok {
				t.Fatalf("reversal %d was answered (%T), want lost", i+1, m)
			}
			continue
		}
		if r, ok := m.(*hostproto.ReversalResponse); !ok || r.ResponseCode != hostproto.RCApproved {
			t.Fatalf("third reversal: %#v, want approved", m)
		}
		read(t, c) // the echo
	}
	if st := in.Rules(); st[0].Fired != 2 || !st[0].Done {
		t.Errorf("rule status %+v", st)
	}
}

func TestSettlementMismatch(t *testing.T) {
	srv, c, _ := rig(t, "acquirer settlement-mismatch", acquirer.Options{})
	send(t, c, sale(1, 1000))
	read(t, c)
	tot := hostproto.Totals{DebitCount: 1, DebitAmount: 1000}.WithNet()
	send(t, c, &hostproto.SettlementRequest{ProcessingCode: hostproto.ProcSettle, Times: hostproto.TimesAt(fixedNow),
		STAN: 2, TerminalID: term, Batch: 1, Totals: tot})
	r := read(t, c).(*hostproto.SettlementResponse)
	if r.ResponseCode != hostproto.RCReconcileError || r.HostTotals == nil || r.HostTotals.DebitCount != 2 {
		t.Fatalf("settlement answer %+v, want 95 with the phantom sale in the host totals", r)
	}
	if v, ok := ledgerState(srv, acquirerfaults.PhantomSTAN); !ok || v.Amount != acquirerfaults.PhantomAmount {
		t.Errorf("phantom sale %+v, %v", v, ok)
	}
}

func TestDelay(t *testing.T) {
	asked := make(chan time.Duration, 1)
	release := make(chan time.Time)
	after := func(d time.Duration) <-chan time.Time { asked <- d; return release }
	srv, c, _ := rig(t, "acquirer delay by=35s mti=0200", acquirer.Options{After: after})
	send(t, c, sale(1, 1000))
	if d := <-asked; d != 35*time.Second {
		t.Fatalf("delay %v, want 35s", d)
	}
	// Committed before the delay: the late answer is an approval.
	if v, _ := ledgerState(srv, "000001"); v.Code != "00" {
		t.Fatalf("ledger before the delayed answer: %+v", v)
	}
	close(release)
	if r := read(t, c).(*hostproto.FinancialResponse); r.ResponseCode != hostproto.RCApproved {
		t.Fatalf("delayed answer %s", r.ResponseCode)
	}
}

func TestHealStopsFaults(t *testing.T) {
	_, c, in := rig(t, "acquirer drop-response mti=0200 count=always", acquirer.Options{})
	send(t, c, sale(1, 1000))
	send(t, c, echo(5))
	if _, ok := read(t, c).(*hostproto.NetworkResponse); !ok {
		t.Fatal("sale 1 answered")
	}
	in.Heal()
	send(t, c, sale(2, 1000))
	if s := stanOf(read(t, c)); s != 2 {
		t.Fatalf("after heal got STAN %v, want 2", s)
	}
}
