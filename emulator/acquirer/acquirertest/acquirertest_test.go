package acquirertest_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/pkg/hostproto"
)

func TestNewTestServerAndClient(t *testing.T) {
	srv := acquirertest.NewServer(t, acquirer.Options{})
	c := acquirertest.Dial(t, srv.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.Exchange(ctx, &hostproto.NetworkRequest{Times: hostproto.TimesAt(time.Now()), STAN: 1, TerminalID: "T1", Code: hostproto.NetSignOn})
	if err != nil {
		t.Fatal(err)
	}
	if r := resp.(*hostproto.NetworkResponse); r.ResponseCode != hostproto.RCApproved || r.Batch != 1 {
		t.Errorf("sign-on answer %+v", r)
	}
}

func TestSetup(t *testing.T) {
	p := testscript.Params{
		Dir: "testdata",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"acq-sale": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 4 {
					ts.Fatalf("usage: acq-sale TERMINAL STAN PAN AMOUNT")
				}
				stan, err := hostproto.ParseSTAN(args[1])
				ts.Check(err)
				amount, err := strconv.ParseInt(args[3], 10, 64)
				ts.Check(err)
				nc, err := net.Dial("tcp", ts.Getenv(acquirertest.EnvAddr))
				ts.Check(err)
				c := acquirertest.NewClient(nc)
				defer c.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				resp, err := c.Exchange(ctx, &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcSale, PAN: hostproto.PAN(args[2]),
					Amount: hostproto.Amount(amount), Times: hostproto.TimesAt(time.Now()), STAN: stan, TerminalID: args[0]})
				ts.Check(err)
				r := resp.(*hostproto.FinancialResponse)
				ts.Stdout().Write([]byte(string(r.ResponseCode) + " " + r.RRN + "\n"))
			},
			"acq-count": func(ts *testscript.TestScript, neg bool, args []string) {
				srv := ts.Value(acquirertest.ServerKey{}).(*acquirer.Server)
				ts.Stdout().Write([]byte(strconv.Itoa(len(srv.Ledger().Transactions(""))) + "\n"))
			},
		},
	}
	called := false
	p.Setup = func(*testscript.Env) error { called = true; return nil }
	acquirertest.Setup(&p, acquirer.Options{})
	// Scripts run as parallel subtests, after this function returns.
	t.Cleanup(func() {
		if !called {
			t.Error("Setup did not call the Setup it wraps")
		}
	})
	testscript.Run(t, p)
}
