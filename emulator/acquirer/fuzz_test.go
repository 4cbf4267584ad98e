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

func frameOf(t testing.TB, m hostproto.Message) []byte {
	b, err := hostproto.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := hostproto.AppendFrame(nil, b)
	return out
}

// FuzzServerInput sends arbitrary bytes on one connection: the server must
// neither crash nor hang, must close or keep serving that connection, and
// must answer the next connection.
func FuzzServerInput(f *testing.F) {
	sale := saleMsg("TERM0001", 1, acquirer.CardApprove, 100)
	f.Add(frameOf(f, sale))
	f.Add(append(frameOf(f, sale), frameOf(f, hostproto.ReversalOf(sale, 2, fixedNow))...))
	f.Add(frameOf(f, &hostproto.SettlementRequest{ProcessingCode: hostproto.ProcSettle, Times: hostproto.TimesAt(fixedNow), STAN: 3,
		TerminalID: "TERM0001", Batch: 1, Totals: hostproto.Totals{DebitCount: 1, DebitAmount: 100}.WithNet()}))
	f.Add(frameOf(f, &hostproto.BatchUploadRequest{Times: hostproto.TimesAt(fixedNow), STAN: 4, TerminalID: "TERM0001", Batch: 1,
		Records: []hostproto.BatchRecord{{STAN: 1, ProcessingCode: hostproto.ProcSale, Amount: 100}}}))
	f.Add([]byte("\x00\x10this is not iso8583"))
	f.Add([]byte{0, 0})
	f.Add([]byte{0xff, 0xff, '0', '2'})
	f.Add([]byte{0})
	f.Add([]byte{})

	srv, err := acquirer.NewServer(acquirer.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	echo := &hostproto.NetworkRequest{Times: hostproto.TimesAt(fixedNow), STAN: 9, TerminalID: "PROBE001", Code: hostproto.NetEcho}

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
		// The server answers what it can and then closes: drain to EOF.
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
		resp, err := cl.Exchange(ctx, echo)
		if err != nil {
			t.Fatalf("server stopped answering: %v", err)
		}
		if r, ok := resp.(*hostproto.NetworkResponse); !ok || r.ResponseCode != hostproto.RCApproved {
			t.Fatalf("echo answer %#v", resp)
		}
	})
}
