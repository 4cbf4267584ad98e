package acquirer_test

import (
	"bytes"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/acquirer/acquirertest"
	"github.com/poshil/hil/pkg/hostproto"
)

// TestMissingFieldAnswered30: a well-framed request lacking a mandatory
// field (an 0800 echo test without DE41, as terminals commonly send it; an
// 0200 without DE41) is answered with response code 30, format error, and
// the connection keeps serving. The bytes are written by hand from the
// profile (docs/acquirer.md#wire-profile): 2-byte length, MTI, binary
// bitmap(s), fixed n fields.
func TestMissingFieldAnswered30(t *testing.T) {
	for _, tc := range []struct {
		name      string
		req, want []byte
	}{
		{
			name: "0800 echo test without DE41",
			// Bitmap: 1 (secondary), 7, 11 | secondary: 70.
			req: cat("0800", "\x82\x20\x00\x00\x00\x00\x00\x00", "\x04\x00\x00\x00\x00\x00\x00\x00",
				"1202143000", "000042", "301"),
			// 0810: 7, 11, 39 = "30", 70 echoed; no DE41 to echo.
			want: cat("0810", "\x82\x20\x00\x00\x02\x00\x00\x00", "\x04\x00\x00\x00\x00\x00\x00\x00",
				"1202143000", "000042", "30", "301"),
		},
		{
			name: "0200 sale without DE41",
			// Bitmap: 3, 4, 7, 11.
			req: cat("0200", "\x32\x20\x00\x00\x00\x00\x00\x00",
				"000000", "000000001000", "1202143000", "000043"),
			want: cat("0210", "\x32\x20\x00\x00\x02\x00\x00\x00",
				"000000", "000000001000", "1202143000", "000043", "30"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, errs := connErrors()
			srv := newServer(t, acquirer.Options{ErrorHandler: h})
			c := acquirertest.Dial(t, srv.Addr())
			if err := c.WriteFrame(tc.req); err != nil {
				t.Fatal(err)
			}
			got, err := c.ReadFrame(ctxT(t))
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("answer %q, want %q", got, tc.want)
			}
			// The connection stays: a good sale on it is approved.
			fin(t, c, saleMsg("T1", 1, acquirer.CardApprove, 100), hostproto.RCApproved)
			select {
			case err := <-errs:
				t.Errorf("connection error reported: %v", err)
			default:
			}
			if n := len(srv.Ledger().Transactions("")); n != 1 {
				t.Errorf("ledger holds %d transactions, want 1 (the format error books nothing)", n)
			}
		})
	}
}

func cat(parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}
