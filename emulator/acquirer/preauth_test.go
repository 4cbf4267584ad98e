package acquirer_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/pkg/hostproto"
)

// TestPreAuthReversals checks that reversals of a pre-authorization, a
// completion and a cancellation undo them exactly once, holds included.
func TestPreAuthReversals(t *testing.T) {
	l := newLedger(t)
	pan := acquirer.CardApprove
	start := balance(t, l, pan)
	pa := step(t, l, acquirer.Request{Kind: acquirer.KindPreAuth, STAN: "000001", PAN: pan, Amount: 10000}, hostproto.RCApproved)
	step(t, l, acquirer.Request{Kind: acquirer.KindCompletion, STAN: "000002", PAN: pan, Amount: 7000, OrigSTAN: "000001", OrigAuthCode: pa.AuthCode}, hostproto.RCApproved)
	if b := balance(t, l, pan); b != start-7000 {
		t.Fatalf("after completion: %d", b)
	}
	// Reverse the completion, twice: the charge comes back and the hold returns, once.
	for range 2 {
		step(t, l, acquirer.Request{Kind: acquirer.KindReversal, STAN: "000002", Amount: 7000}, hostproto.RCApproved)
	}
	if b := balance(t, l, pan); b != start-10000 {
		t.Fatalf("after reversing the completion: %d, want the hold again (%d)", b, start-10000)
	}
	// The hold stands again: it can be cancelled, and the cancellation reversed.
	step(t, l, acquirer.Request{Kind: acquirer.KindPreAuthCancel, STAN: "000003", PAN: pan, Amount: 10000, OrigSTAN: "000001"}, hostproto.RCApproved)
	if b := balance(t, l, pan); b != start {
		t.Fatalf("after cancel: %d", b)
	}
	step(t, l, acquirer.Request{Kind: acquirer.KindReversal, STAN: "000003", Amount: 10000}, hostproto.RCApproved)
	if b := balance(t, l, pan); b != start-10000 {
		t.Fatalf("after reversing the cancel: %d", b)
	}
	// Reversing the pre-authorization itself releases the hold; a completion then finds nothing to charge.
	step(t, l, acquirer.Request{Kind: acquirer.KindReversal, STAN: "000001", Amount: 10000}, hostproto.RCApproved)
	if b := balance(t, l, pan); b != start {
		t.Fatalf("after reversing the hold: %d", b)
	}
	step(t, l, acquirer.Request{Kind: acquirer.KindCompletion, STAN: "000004", PAN: pan, Amount: 100, OrigSTAN: "000001"}, hostproto.RCNoActionTaken)
	// Holds are not in the totals; only completions are.
	batches, err := l.Batches("T1")
	if err != nil {
		t.Fatal(err)
	}
	if h := batches[0].Host; h.DebitsCount != 0 {
		t.Fatalf("host totals %+v: the completion was reversed, nothing counts", h)
	}
	// A declined pre-authorization (magic amount) holds nothing.
	step(t, l, acquirer.Request{Kind: acquirer.KindPreAuth, STAN: "000005", PAN: pan, Amount: 900051}, "51")
	if b := balance(t, l, pan); b != start {
		t.Fatalf("declined hold moved the balance: %d", b)
	}
}

// FuzzServerInputCUP is FuzzServerInput on the cup profile: arbitrary
// bytes on one connection never crash or hang the server, and the next
// connection signs on and is answered.
func FuzzServerInputCUP(f *testing.F) {
	keys := &hostproto.WorkingKeys{MAC: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}}
	enc := func(m hostproto.Message) []byte {
		b, err := hostproto.CUP.AppendEncode(nil, m, keys)
		if err != nil {
			f.Fatal(err)
		}
		out, _ := hostproto.AppendFrame(nil, b)
		return out
	}
	signOn := &hostproto.NetworkRequest{STAN: 1, TerminalID: "TERM0001", Code: hostproto.NetSignOn}
	sale := &hostproto.FinancialRequest{ProcessingCode: hostproto.ProcSale, PAN: acquirer.CardApprove, Amount: 100, STAN: 2, TerminalID: "TERM0001", Batch: 1}
	f.Add(enc(signOn))
	f.Add(append(enc(signOn), enc(sale)...))
	f.Add(enc(&hostproto.ReversalRequest{ProcessingCode: hostproto.ProcSale, Amount: 100, STAN: 2, TerminalID: "TERM0001", Batch: 1,
		Original: hostproto.OriginalData{MTI: hostproto.MTIFinancialRequest, STAN: 2}}))
	f.Add(enc(&hostproto.SettlementRequest{ProcessingCode: hostproto.ProcSettle, STAN: 3, TerminalID: "TERM0001", Batch: 1,
		Totals: hostproto.Totals{DebitCount: 1, DebitAmount: 100}.WithNet()}))
	f.Add([]byte{0x00, 0x0b, 0x60, 0x00, 0x03, 0x00, 0x00, 0x60, 0x31, 0, 0, 0, 0})

	srv, err := acquirer.NewServer(acquirer.Options{Profile: hostproto.CUP})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		nc, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if len(data) > 0 {
			if _, err := nc.Write(data); err != nil {
				t.Fatal(err)
			}
		}
		nc.(*net.TCPConn).CloseWrite()
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.Copy(io.Discard, nc); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("server neither answered nor closed the connection")
			}
		}
		c, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatalf("server stopped accepting: %v", err)
		}
		defer c.Close()
		cl := acquirertest.NewClient(c)
		cl.Profile = hostproto.CUP
		resp, err := cl.Exchange(ctx, &hostproto.NetworkRequest{STAN: 9, TerminalID: "PROBE001", Code: hostproto.NetSignOn})
		if err != nil {
			t.Fatalf("server stopped answering: %v", err)
		}
		if r, ok := resp.(*hostproto.NetworkResponse); !ok || r.ResponseCode != hostproto.RCApproved || r.Keys == nil {
			t.Fatalf("sign-on answer %#v", resp)
		}
	})
}
