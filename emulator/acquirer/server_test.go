package acquirer_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/pkg/hostproto"
)

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newServer(t *testing.T, opts acquirer.Options) *acquirer.Server {
	t.Helper()
	if opts.Now == nil && opts.Ledger == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	return acquirertest.NewServer(t, opts)
}

func saleMsg(term string, stan hostproto.STAN, pan string, amount int64) *hostproto.FinancialRequest {
	return &hostproto.FinancialRequest{
		ProcessingCode: hostproto.ProcSale, PAN: hostproto.PAN(pan), Amount: hostproto.Amount(amount),
		Times: hostproto.TimesAt(fixedNow), STAN: stan, TerminalID: term,
	}
}

func followUp(term string, stan hostproto.STAN, pc hostproto.ProcessingCode, pan string, amount int64, orig *hostproto.FinancialRequest, rrn string) *hostproto.FinancialRequest {
	return &hostproto.FinancialRequest{
		ProcessingCode: pc, PAN: hostproto.PAN(pan), Amount: hostproto.Amount(amount),
		Times: hostproto.TimesAt(fixedNow), STAN: stan, TerminalID: term, RRN: rrn,
		Original: hostproto.OriginalOf(orig),
	}
}

// exchange sends m and returns the decoded answer, checking its MTI and STAN.
func exchange(t *testing.T, c *acquirertest.Client, m hostproto.Message) hostproto.Message {
	t.Helper()
	resp, err := c.Exchange(ctxT(t), m)
	if err != nil {
		t.Fatalf("exchange %s: %v", m.MTI(), err)
	}
	if h, want := resp.Header(), m.Header(); h.MTI != want.MTI.Response() || h.STAN != want.STAN || h.TerminalID != want.TerminalID {
		t.Fatalf("answer header %+v to %+v", h, want)
	}
	return resp
}

func fin(t *testing.T, c *acquirertest.Client, m *hostproto.FinancialRequest, want hostproto.ResponseCode) *hostproto.FinancialResponse {
	t.Helper()
	r := exchange(t, c, m).(*hostproto.FinancialResponse)
	if r.ResponseCode != want {
		t.Fatalf("%s STAN %s: code %s, want %s", m.ProcessingCode, m.STAN, r.ResponseCode, want)
	}
	return r
}

// TestSaleRawBytes sends a 0200 written by hand from the field table in
// docs/acquirer.md and checks the 0210's bytes.
func TestSaleRawBytes(t *testing.T) {
	srv := newServer(t, acquirer.Options{})
	c := acquirertest.Dial(t, srv.Addr())
	msg := []byte("0200")
	// Bitmap: fields 2, 3, 4, 7 | 11 | 41.
	msg = append(msg, 0x72, 0x20, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00)
	msg = append(msg, "16"+"4242424242424242"...) // DE2 LLVAR n..19
	msg = append(msg, "000000"...)                // DE3 sale
	msg = append(msg, "000000001234"...)          // DE4 12.34
	msg = append(msg, "1123100000"...)            // DE7 MMDDhhmmss
	msg = append(msg, "000042"...)                // DE11
	msg = append(msg, "TERM0001"...)              // DE41 ans8
	frame := append([]byte{0, byte(len(msg))}, msg...)
	if _, err := c.Write(frame); err != nil {
		t.Fatal(err)
	}
	b, err := c.ReadFrame(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if string(b[:4]) != "0210" {
		t.Fatalf("MTI %q, want 0210", b[:4])
	}
	// Fields 3, 4, 7 | 11 | 37, 38, 39 | 41 | 60.
	wantBitmap := []byte{0x32, 0x20, 0x00, 0x00, 0x0E, 0x80, 0x00, 0x10}
	if !bytes.Equal(b[4:12], wantBitmap) {
		t.Fatalf("bitmap %s, want %s", hex.EncodeToString(b[4:12]), hex.EncodeToString(wantBitmap))
	}
	want := "000000" + "000000001234" + "1123100000" + "000042" + "000000000001" + "A00001" + "00" + "TERM0001" + "006000001"
	if got := string(b[12:]); got != want {
		t.Fatalf("fields\n got %q\nwant %q", got, want)
	}
	c4, _ := srv.Ledger().Card(acquirer.CardApprove)
	if c4.Balance != 1_000_000-1234 {
		t.Errorf("balance %d, want %d", c4.Balance, 1_000_000-1234)
	}
}

func TestEveryMessageType(t *testing.T) {
	srv := newServer(t, acquirer.Options{})
	c := acquirertest.Dial(t, srv.Addr())
	const term = "TERM0001"
	pan := acquirer.CardApprove

	// 0800 sign-on and echo.
	on := exchange(t, c, &hostproto.NetworkRequest{Times: hostproto.TimesAt(fixedNow), STAN: 1, TerminalID: term, Code: hostproto.NetSignOn}).(*hostproto.NetworkResponse)
	if on.ResponseCode != hostproto.RCApproved || on.Batch != 1 {
		t.Fatalf("sign-on answer %+v, want 00 with batch 1", on)
	}
	exchange(t, c, &hostproto.NetworkRequest{Times: hostproto.TimesAt(fixedNow), STAN: 2, TerminalID: term, Code: hostproto.NetEcho})

	// Sale, refund of part of it, void of another sale.
	s1 := saleMsg(term, 3, pan, 5000)
	r1 := fin(t, c, s1, hostproto.RCApproved)
	if r1.RRN == "" || r1.AuthCode == "" || r1.Batch != 1 {
		t.Errorf("sale answer %+v: want RRN, auth code and batch 1", r1)
	}
	fin(t, c, followUp(term, 4, hostproto.ProcRefund, pan, 2000, s1, r1.RRN), hostproto.RCApproved)
	fin(t, c, followUp(term, 5, hostproto.ProcRefund, pan, 3001, s1, r1.RRN), hostproto.RCInvalidAmount)
	s2 := saleMsg(term, 6, pan, 700)
	r2 := fin(t, c, s2, hostproto.RCApproved)
	v := followUp(term, 7, hostproto.ProcVoid, "", 700, s2, r2.RRN) // a void without the card number
	fin(t, c, v, hostproto.RCApproved)

	// Reversal 0400, its repeat 0401, an advice 0420/0421.
	s3 := saleMsg(term, 8, pan, 900)
	fin(t, c, s3, hostproto.RCApproved)
	rev := hostproto.ReversalOf(s3, 9, fixedNow)
	for _, mod := range []func(*hostproto.ReversalRequest){
		func(r *hostproto.ReversalRequest) {},
		func(r *hostproto.ReversalRequest) { r.Repeat = true },
		func(r *hostproto.ReversalRequest) { r.Advice, r.STAN = true, 10 },
		func(r *hostproto.ReversalRequest) { r.Advice, r.Repeat, r.STAN = true, true, 10 },
	} {
		r := *rev
		mod(&r)
		resp := exchange(t, c, &r).(*hostproto.ReversalResponse)
		if resp.ResponseCode != hostproto.RCApproved || resp.Original != rev.Original || resp.Advice != r.Advice {
			t.Fatalf("%s answer %+v", r.MTI(), resp)
		}
	}
	unknown := hostproto.ReversalOf(saleMsg(term, 77, pan, 1), 11, fixedNow)
	if resp := exchange(t, c, unknown).(*hostproto.ReversalResponse); resp.ResponseCode != hostproto.RCOriginalNotFound {
		t.Errorf("reversal of unknown original: %s, want 25", resp.ResponseCode)
	}
	c4, _ := srv.Ledger().Card(pan)
	if want := int64(1_000_000 - 5000 + 2000); c4.Balance != want {
		t.Errorf("balance %d, want %d", c4.Balance, want)
	}

	// Settlement unbalanced (the terminal forgot the refund), batch upload, final 0500.
	tot := hostproto.Totals{DebitCount: 3, DebitAmount: 6600, DebitReversalCount: 1, DebitReversalAmount: 700}.WithNet()
	st := &hostproto.SettlementRequest{ProcessingCode: hostproto.ProcSettle, Times: hostproto.TimesAt(fixedNow), STAN: 12, TerminalID: term, Batch: 1, Totals: tot}
	sr := exchange(t, c, st).(*hostproto.SettlementResponse)
	if sr.ResponseCode != hostproto.RCReconcileError || sr.HostTotals == nil || sr.HostTotals.CreditCount != 1 || sr.HostTotals.DebitCount != 2 {
		t.Fatalf("settlement answer %+v (host %+v), want 95 with host totals", sr, sr.HostTotals)
	}
	up := &hostproto.BatchUploadRequest{Times: hostproto.TimesAt(fixedNow), STAN: 13, TerminalID: term, Batch: 1, Last: true,
		Records: []hostproto.BatchRecord{
			{STAN: 3, ProcessingCode: hostproto.ProcSale, Amount: 5000, RRN: r1.RRN},
			{STAN: 6, ProcessingCode: hostproto.ProcSale, Amount: 700, RRN: r2.RRN},
			{STAN: 7, ProcessingCode: hostproto.ProcVoid, Amount: 700},
			{STAN: 8, ProcessingCode: hostproto.ProcSale, Amount: 900},
		}}
	if ur := exchange(t, c, up).(*hostproto.BatchUploadResponse); ur.ResponseCode != hostproto.RCApproved {
		t.Fatalf("upload answer %s", ur.ResponseCode)
	}
	final := *st
	final.ProcessingCode, final.STAN = hostproto.ProcSettleAfterUpload, 14
	fr := exchange(t, c, &final).(*hostproto.SettlementResponse)
	if fr.ResponseCode != hostproto.RCApproved {
		t.Fatalf("final settlement %s, want 00", fr.ResponseCode)
	}
	got := map[hostproto.STAN]hostproto.DifferenceKind{}
	for _, d := range fr.Differences {
		got[d.STAN] = d.Kind
	}
	want := map[hostproto.STAN]hostproto.DifferenceKind{4: hostproto.HostOnly, 8: hostproto.ReversedAtHost}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("differences %v, want %v", got, want)
	}
	bs, err := srv.Ledger().Batches(term)
	if err != nil || len(bs) != 2 || bs[0].Report == nil || len(bs[0].Report.Differences) != 2 {
		t.Fatalf("batches %+v, %v", bs, err)
	}
}

func TestDuplicateOverWire(t *testing.T) {
	srv := newServer(t, acquirer.Options{})
	c := acquirertest.Dial(t, srv.Addr())
	s := saleMsg("T1", 1, acquirer.CardApprove, 100)
	a := fin(t, c, s, hostproto.RCApproved)
	// The same bytes again, on another connection: the first answer.
	c2 := acquirertest.Dial(t, srv.Addr())
	b := fin(t, c2, s, hostproto.RCApproved)
	if a.RRN != b.RRN || a.AuthCode != b.AuthCode {
		t.Errorf("repeat answered %s/%s, want %s/%s", b.RRN, b.AuthCode, a.RRN, a.AuthCode)
	}
	other := saleMsg("T1", 1, acquirer.CardApprove, 101)
	fin(t, c, other, hostproto.RCDuplicateTransmission)
	if n := len(srv.Ledger().Transactions("T1")); n != 1 {
		t.Errorf("%d transactions, want 1", n)
	}
	c4, _ := srv.Ledger().Card(acquirer.CardApprove)
	if c4.Balance != 1_000_000-100 {
		t.Errorf("balance %d: charged more than once", c4.Balance)
	}
}

// connErrors collects the server's ConnErrors.
func connErrors() (func(error), <-chan error) {
	ch := make(chan error, 16)
	return func(err error) { ch <- err }, ch
}

func waitErr(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-ctxT(t).Done():
		t.Fatal("no connection error reported")
	}
	return nil
}

func TestServerSurvivesBadInput(t *testing.T) {
	tests := []struct {
		name  string
		bytes []byte
		want  error
	}{
		{"garbage", []byte("\x00\x10this is not iso8583"), hostproto.ErrUnknownMTI},
		{"empty frame", []byte{0, 0}, hostproto.ErrShortFrame},
		{"oversize header", []byte{0xff, 0xff, '0', '2'}, hostproto.ErrFrameTooLarge},
		{"bad bitmap", append([]byte{0, 12}, "0200\x08\x00\x00\x00\x00\x00\x00\x00"...), hostproto.ErrUnknownField},
		{"response from a terminal", append([]byte{0, 12}, "0810\x00\x00\x00\x00\x00\x00\x00\x00"...), nil},
		{"truncated body", []byte{0, 40, '0', '2', '0', '0'}, hostproto.ErrShortFrame},
		{"half header", []byte{0}, hostproto.ErrShortFrame},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, errs := connErrors()
			srv := newServer(t, acquirer.Options{ErrorHandler: h})
			c := acquirertest.Dial(t, srv.Addr())
			if _, err := c.Write(tc.bytes); err != nil {
				t.Fatal(err)
			}
			if tc.name == "truncated body" || tc.name == "half header" {
				c.Conn().(*net.TCPConn).CloseWrite()
			}
			err := waitErr(t, errs)
			var ce *acquirer.ConnError
			if !errors.As(err, &ce) || !errors.Is(err, acquirer.ErrBadFrame) {
				t.Fatalf("error %v, want a ConnError wrapping ErrBadFrame", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			// That connection is closed ...
			if _, err := c.ReadFrame(ctxT(t)); !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !isReset(err) {
				t.Errorf("read after bad input: %v, want EOF", err)
			}
			// ... and the server still answers others.
			c2 := acquirertest.Dial(t, srv.Addr())
			fin(t, c2, saleMsg("T1", 1, acquirer.CardApprove, 100), hostproto.RCApproved)
		})
	}
}

func isReset(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe)
}

func TestIdleTimeout(t *testing.T) {
	h, errs := connErrors()
	srv := newServer(t, acquirer.Options{IdleTimeout: 50 * time.Millisecond, ErrorHandler: h})
	c := acquirertest.Dial(t, srv.Addr())
	err := waitErr(t, errs)
	if !errors.Is(err, acquirer.ErrIdleTimeout) || !isTimeout(err) {
		t.Fatalf("error %v, want an idle timeout", err)
	}
	if _, err := c.ReadFrame(ctxT(t)); !errors.Is(err, io.EOF) && !isReset(err) {
		t.Errorf("read after idle close: %v, want EOF", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestMaxFrameOption(t *testing.T) {
	h, errs := connErrors()
	srv := newServer(t, acquirer.Options{MaxFrame: 64, ErrorHandler: h})
	c := acquirertest.Dial(t, srv.Addr())
	big := saleMsg("T1", 1, acquirer.CardApprove, 100)
	big.MerchantID = "MERCHANT0000001"
	big.Currency = "978"
	big.Expiry = "3012"
	if err := c.Send(big); err != nil {
		t.Fatal(err)
	}
	if err := waitErr(t, errs); !errors.Is(err, hostproto.ErrFrameTooLarge) {
		t.Fatalf("error %v, want ErrFrameTooLarge", err)
	}
	if _, err := acquirer.NewServer(acquirer.Options{MaxFrame: 1 << 20}); err == nil {
		t.Error("MaxFrame above 65535 accepted")
	}
}

func TestManyTerminalsConcurrently(t *testing.T) {
	srv := newServer(t, acquirer.Options{})
	const terminals, sales = 20, 25
	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make(chan error, terminals)
	for i := range terminals {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc, err := net.Dial("tcp", srv.Addr())
			if err != nil {
				errs <- err
				return
			}
			c := acquirertest.NewClient(nc)
			defer c.Close()
			term := fmt.Sprintf("T%07d", i)
			for j := 1; j <= sales; j++ {
				resp, err := c.Exchange(ctx, saleMsg(term, hostproto.STAN(j), acquirer.CardApprove, 10))
				if err != nil {
					errs <- err
					return
				}
				r := resp.(*hostproto.FinancialResponse)
				if r.STAN != hostproto.STAN(j) || r.TerminalID != term || r.ResponseCode != hostproto.RCApproved {
					errs <- fmt.Errorf("%s: answer %+v", term, r)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c4, _ := srv.Ledger().Card(acquirer.CardApprove)
	if want := int64(1_000_000 - terminals*sales*10); c4.Balance != want {
		t.Errorf("balance %d, want %d", c4.Balance, want)
	}
	if n := len(srv.Ledger().Terminals()); n != terminals {
		t.Errorf("%d terminals, want %d", n, terminals)
	}
}

func TestCloseIdempotentAndDropConnections(t *testing.T) {
	srv, err := acquirer.NewServer(acquirer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := acquirertest.Dial(t, srv.Addr())
	fin(t, c, saleMsg("T1", 1, acquirer.CardApprove, 1), hostproto.RCApproved)
	if n := srv.DropConnections(); n != 1 {
		t.Errorf("DropConnections = %d, want 1", n)
	}
	if _, err := c.ReadFrame(ctxT(t)); err == nil {
		t.Error("read after DropConnections succeeded")
	}
	c2 := acquirertest.Dial(t, srv.Addr())
	fin(t, c2, saleMsg("T1", 2, acquirer.CardApprove, 1), hostproto.RCApproved)

	// Close while a client waits in a read.
	readDone := make(chan error, 1)
	go func() { _, err := c2.ReadFrame(context.Background()); readDone <- err }()
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := <-readDone; err == nil {
		t.Error("client read succeeded after Close")
	}
	if _, err := net.Dial("tcp", srv.Addr()); err == nil {
		t.Error("dial succeeded after Close")
	}
	a, b := net.Pipe()
	defer a.Close()
	if err := srv.ServeConn(b); !errors.Is(err, acquirer.ErrClosed) {
		t.Errorf("ServeConn after Close = %v, want ErrClosed", err)
	}
}
