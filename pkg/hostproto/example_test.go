package hostproto_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/poshil/hil/pkg/hostproto"
)

func sale() *hostproto.FinancialRequest {
	at := time.Date(2026, 11, 23, 9, 30, 15, 0, time.UTC)
	return &hostproto.FinancialRequest{
		ProcessingCode: hostproto.ProcSale,
		PAN:            "4242424242424242",
		Amount:         1234, // 12.34
		Times:          hostproto.TimesAt(at),
		STAN:           1,
		TerminalID:     "TERM0001",
		MerchantID:     "MERCHANT0000001",
		Currency:       "978",
		Batch:          1,
	}
}

// Encode a sale and show its 109 bytes: MTI "0200", the 8-byte binary
// bitmap 72 38 00 00 00 C0 80 10 (fields 2 3 4 7 11 12 13 41 42 49 60),
// then the ASCII fields in field order.
func ExampleEncode() {
	raw, err := hostproto.Encode(sale())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(hex.Dump(raw))
	// Output:
	// 00000000  30 32 30 30 72 38 00 00  00 c0 80 10 31 36 34 32  |0200r8......1642|
	// 00000010  34 32 34 32 34 32 34 32  34 32 34 32 34 32 30 30  |4242424242424200|
	// 00000020  30 30 30 30 30 30 30 30  30 30 30 30 31 32 33 34  |0000000000001234|
	// 00000030  31 31 32 33 30 39 33 30  31 35 30 30 30 30 30 31  |1123093015000001|
	// 00000040  30 39 33 30 31 35 31 31  32 33 54 45 52 4d 30 30  |0930151123TERM00|
	// 00000050  30 31 4d 45 52 43 48 41  4e 54 30 30 30 30 30 30  |01MERCHANT000000|
	// 00000060  31 39 37 38 30 30 36 30  30 30 30 30 31           |1978006000001|
}

// Decode bytes from the wire and switch on the message type. The card
// number prints masked.
func ExampleDecode() {
	raw, _ := hostproto.Encode(sale())
	msg, err := hostproto.Decode(raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	switch m := msg.(type) {
	case *hostproto.FinancialRequest:
		fmt.Println(m.MTI(), "/", m.ProcessingCode)
		fmt.Println("card", m.PAN, "amount", m.Amount, "STAN", m.STAN, "terminal", m.TerminalID)
		resp := m.Response(hostproto.RCApproved)
		resp.RRN, resp.AuthCode = "632709000001", "A1B2C3"
		fmt.Println(resp.MTI(), "/", resp.ResponseCode)
	case *hostproto.ReversalRequest:
		fmt.Println("reversal of", m.Original.STAN)
	}
	// Output:
	// 0200 financial request / 000000 sale
	// card 424242******4242 amount 12.34 STAN 000001 terminal TERM0001
	// 0210 financial response / 00 approved
}

// A reversal names its original in DE90 and carries its own STAN; the
// repeat goes out as 0401 with the same STAN.
func ExampleReversalOf() {
	orig := sale()
	rev := hostproto.ReversalOf(orig, orig.STAN.Next(), time.Date(2026, 11, 23, 9, 31, 0, 0, time.UTC))
	fmt.Println(rev.MTI(), rev.STAN, rev.Original.MTI, rev.Original.STAN, rev.Original.Transmission)
	rev.Repeat = true
	fmt.Println(rev.MTI(), "answered by", rev.MTI().Response())
	// Output:
	// 0400 reversal request 000002 0200 financial request 000001 1123093015
	// 0401 reversal request repeat answered by 0410 reversal response
}

// Frames carry a 2-byte big-endian length before each message: an echo
// test is 47 bytes (MTI 4, two bitmaps 16, DE7 10, DE11 6, DE41 8, DE70 3).
func ExampleWriteFrame() {
	var conn bytes.Buffer
	raw, _ := hostproto.Encode(&hostproto.NetworkRequest{
		Times:      hostproto.Times{Transmission: "1123080000"},
		STAN:       7,
		TerminalID: "TERM0001",
		Code:       hostproto.NetEcho,
	})
	hostproto.WriteFrame(&conn, raw)
	fmt.Printf("% x\n", conn.Bytes()[:2])
	body, err := hostproto.ReadFrame(&conn, hostproto.DefaultMaxFrame)
	fmt.Println(len(body), err)
	// Output:
	// 00 2f
	// 47 <nil>
}

// A PAN prints masked whatever the verb; Reveal gives the number for the wire.
func ExamplePAN() {
	p := hostproto.PAN("4000000000009995")
	fmt.Println(p, p.Last4())
	fmt.Printf("%v %s %q %#v\n", p, p, p, p)
	fmt.Println(p.Validate() == nil, hostproto.Luhn("4000000000009990"))
	// Output:
	// 400000******9995 9995
	// 400000******9995 400000******9995 "400000******9995" "400000******9995"
	// true false
}

func ExampleSTAN_Next() {
	fmt.Println(hostproto.STAN(41).Next(), hostproto.MaxSTAN.Next())
	// Output: 000042 000001
}

func ExampleResponseCode() {
	for _, rc := range []hostproto.ResponseCode{hostproto.RCApproved, hostproto.RCInsufficientFunds, hostproto.RCReconcileError} {
		fmt.Println(rc, rc.Approved())
	}
	// Output:
	// 00 approved true
	// 51 insufficient funds false
	// 95 reconcile error (totals do not balance) false
}
