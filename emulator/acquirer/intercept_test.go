package acquirer_test

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/pkg/hostproto"
)

// onFirstSale returns an interceptor applying act at stage to the first
// sale (N == 1) only.
func onFirstSale(stage acquirer.Stage, act acquirer.Action) acquirer.Interceptor {
	return func(s acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		if s == stage && ex.MTI == hostproto.MTIFinancialRequest && ex.Proc == hostproto.ProcSale && ex.N == 1 {
			return act
		}
		return acquirer.Action{}
	}
}

func txnStates(srv *acquirer.Server) map[string]acquirer.TxnState {
	out := map[string]acquirer.TxnState{}
	for _, x := range srv.Ledger().Transactions("") {
		out[x.STAN] = x.State
	}
	return out
}

func TestInterceptDropAndRespond(t *testing.T) {
	tests := []struct {
		name       string
		stage      acquirer.Stage
		act        acquirer.Action
		wantFirst  hostproto.ResponseCode // "" = no answer to the first sale
		wantLedger bool                   // the first sale reached the ledger
	}{
		{"drop request", acquirer.BeforeLedger, acquirer.Action{Drop: true}, "", false},
		{"respond 91", acquirer.BeforeLedger, acquirer.Action{Respond: "91"}, hostproto.RCIssuerInoperative, false},
		{"approved but lost", acquirer.AfterLedger, acquirer.Action{Drop: true}, "", true},
		{"pass", acquirer.AfterLedger, acquirer.Action{}, hostproto.RCApproved, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, acquirer.Options{})
			srv.SetIntercept(onFirstSale(tc.stage, tc.act))
			c := acquirertest.Dial(t, srv.Addr())
			if err := c.Send(saleMsg("T1", 1, acquirer.CardApprove, 100)); err != nil {
				t.Fatal(err)
			}
			if tc.wantFirst != "" {
				r, err := c.Read(ctxT(t))
				if err != nil {
					t.Fatal(err)
				}
				if fr := r.(*hostproto.FinancialResponse); fr.STAN != 1 || fr.ResponseCode != tc.wantFirst {
					t.Fatalf("first answer %+v, want STAN 1 code %s", fr, tc.wantFirst)
				}
			}
			// The next answer on the connection is the second sale's.
			fin(t, c, saleMsg("T1", 2, acquirer.CardApprove, 100), hostproto.RCApproved)
			_, got := txnStates(srv)["000001"]
			if got != tc.wantLedger {
				t.Errorf("first sale in the ledger: %v, want %v", got, tc.wantLedger)
			}
			if tc.name == "approved but lost" {
				// The terminal reverses; the balance comes back once.
				fin(t, c, saleMsg("T1", 3, acquirer.CardApprove, 1), hostproto.RCApproved)
				rev := hostproto.ReversalOf(saleMsg("T1", 1, acquirer.CardApprove, 100), 4, fixedNow)
				if r := exchange(t, c, rev).(*hostproto.ReversalResponse); r.ResponseCode != hostproto.RCApproved {
					t.Fatalf("reversal answer %s", r.ResponseCode)
				}
				c4, _ := srv.Ledger().Card(acquirer.CardApprove)
				if want := int64(1_000_000 - 101); c4.Balance != want {
					t.Errorf("balance %d, want %d", c4.Balance, want)
				}
			}
		})
	}
}

func TestInterceptAlteredResponses(t *testing.T) {
	t.Run("duplicate", func(t *testing.T) {
		srv := newServer(t, acquirer.Options{})
		srv.SetIntercept(onFirstSale(acquirer.AfterLedger, acquirer.Action{Duplicate: true}))
		c := acquirertest.Dial(t, srv.Addr())
		a := fin(t, c, saleMsg("T1", 1, acquirer.CardApprove, 100), hostproto.RCApproved)
		r, err := c.Read(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if b := r.(*hostproto.FinancialResponse); *b != *a {
			t.Errorf("second copy %+v, want %+v", b, a)
		}
	})
	t.Run("malform", func(t *testing.T) {
		srv := newServer(t, acquirer.Options{})
		srv.SetIntercept(onFirstSale(acquirer.AfterLedger, acquirer.Action{Malform: true}))
		c := acquirertest.Dial(t, srv.Addr())
		c.Send(saleMsg("T1", 1, acquirer.CardApprove, 100))
		b, err := c.ReadFrame(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hostproto.Decode(b); err == nil {
			t.Error("malformed response decodes")
		}
		// The connection goes on.
		fin(t, c, saleMsg("T1", 2, acquirer.CardApprove, 100), hostproto.RCApproved)
	})
	t.Run("wrong STAN", func(t *testing.T) {
		srv := newServer(t, acquirer.Options{})
		srv.SetIntercept(onFirstSale(acquirer.AfterLedger, acquirer.Action{WrongSTAN: true}))
		c := acquirertest.Dial(t, srv.Addr())
		r, err := c.Exchange(ctxT(t), saleMsg("T1", 7, acquirer.CardApprove, 100))
		if err != nil {
			t.Fatal(err)
		}
		if fr := r.(*hostproto.FinancialResponse); fr.STAN != 8 || fr.ResponseCode != hostproto.RCApproved {
			t.Errorf("answer %+v, want STAN 8", fr)
		}
	})
	for _, stage := range []acquirer.Stage{acquirer.BeforeLedger, acquirer.AfterLedger} {
		t.Run("close "+stage.String(), func(t *testing.T) {
			srv := newServer(t, acquirer.Options{})
			srv.SetIntercept(onFirstSale(stage, acquirer.Action{Close: true}))
			c := acquirertest.Dial(t, srv.Addr())
			c.Send(saleMsg("T1", 1, acquirer.CardApprove, 100))
			if _, err := c.ReadFrame(ctxT(t)); err == nil {
				t.Fatal("answer read, want the connection closed")
			}
			_, booked := txnStates(srv)["000001"]
			if booked != (stage == acquirer.AfterLedger) {
				t.Errorf("booked = %v at stage %v", booked, stage)
			}
		})
	}
}

// gate is an injected Options.After: each delay is announced on armed
// and fires when the test sends on the channel it got.
type gate struct{ armed chan armedDelay }

type armedDelay struct {
	d    time.Duration
	fire chan time.Time
}

func newGate() *gate { return &gate{armed: make(chan armedDelay, 4)} }

func (g *gate) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	g.armed <- armedDelay{d, ch}
	return ch
}

func (g *gate) wait(t *testing.T) armedDelay {
	t.Helper()
	select {
	case a := <-g.armed:
		return a
	case <-ctxT(t).Done():
		t.Fatal("no delay armed")
	}
	return armedDelay{}
}

func TestInterceptDelay(t *testing.T) {
	for _, stage := range []acquirer.Stage{acquirer.BeforeLedger, acquirer.AfterLedger} {
		t.Run(stage.String(), func(t *testing.T) {
			g := newGate()
			srv := newServer(t, acquirer.Options{After: g.After})
			srv.SetIntercept(onFirstSale(stage, acquirer.Action{Delay: 45 * time.Second}))
			c := acquirertest.Dial(t, srv.Addr())
			c.Send(saleMsg("T1", 1, acquirer.CardApprove, 100))
			a := g.wait(t)
			if a.d != 45*time.Second {
				t.Errorf("delay %v, want 45s", a.d)
			}
			// While held, other requests on the connection are answered.
			fin(t, c, saleMsg("T1", 2, acquirer.CardApprove, 100), hostproto.RCApproved)
			_, booked := txnStates(srv)["000001"]
			if booked != (stage == acquirer.AfterLedger) {
				t.Errorf("booked while held = %v at stage %v", booked, stage)
			}
			a.fire <- time.Time{}
			r, err := c.Read(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			if fr := r.(*hostproto.FinancialResponse); fr.STAN != 1 || fr.ResponseCode != hostproto.RCApproved {
				t.Errorf("late answer %+v", fr)
			}
		})
	}
	t.Run("close while held", func(t *testing.T) {
		g := newGate()
		srv, err := acquirer.NewServer(acquirer.Options{After: g.After})
		if err != nil {
			t.Fatal(err)
		}
		srv.SetIntercept(onFirstSale(acquirer.AfterLedger, acquirer.Action{Delay: time.Hour}))
		c := acquirertest.Dial(t, srv.Addr())
		c.Send(saleMsg("T1", 1, acquirer.CardApprove, 100))
		g.wait(t)
		srv.Close() // must not wait for the hour
	})
}

func TestInterceptExchange(t *testing.T) {
	srv := newServer(t, acquirer.Options{})
	var mu sync.Mutex
	var seen []acquirer.Exchange
	srv.SetIntercept(func(s acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		mu.Lock()
		defer mu.Unlock()
		if s == acquirer.AfterLedger {
			seen = append(seen, *ex)
		}
		return acquirer.Action{}
	})
	c := acquirertest.Dial(t, srv.Addr())
	fin(t, c, saleMsg("T9", 1, acquirer.CardApprove, 100), hostproto.RCApproved)
	fin(t, c, saleMsg("T9", 2, acquirer.CardDecline, 200), hostproto.RCDoNotHonour)
	srv.SetIntercept(nil)
	fin(t, c, saleMsg("T9", 3, acquirer.CardApprove, 300), hostproto.RCApproved)
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Fatalf("%d exchanges seen, want 2", len(seen))
	}
	e := seen[1]
	if e.Terminal != "T9" || e.MTI != hostproto.MTIFinancialRequest || e.Proc != hostproto.ProcSale || e.STAN != "000002" ||
		e.Amount != 200 || e.PANLast4 != "0002" || e.N != 2 || e.Code != "05" || e.Conn != 1 {
		t.Errorf("exchange %+v", e)
	}
	if r, ok := e.Response.(*hostproto.FinancialResponse); !ok || r.ResponseCode != hostproto.RCDoNotHonour {
		t.Errorf("Response %#v", e.Response)
	}
	if _, ok := e.Request.(*hostproto.FinancialRequest); !ok {
		t.Errorf("Request %#v", e.Request)
	}
}

func TestServeConnPipe(t *testing.T) {
	srv := newServer(t, acquirer.Options{})
	a, b := net.Pipe()
	if err := srv.ServeConn(b); err != nil {
		t.Fatal(err)
	}
	c := acquirertest.NewClient(a)
	defer c.Close()
	fin(t, c, saleMsg("T1", 1, acquirer.CardApprove, 100), hostproto.RCApproved)
	if n := srv.Connections(); n != 1 {
		t.Errorf("Connections = %d, want 1", n)
	}
}
