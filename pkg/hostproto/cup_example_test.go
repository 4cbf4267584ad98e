package hostproto_test

import (
	"errors"
	"fmt"

	"github.com/poshil/hil/pkg/hostproto"
)

func ExampleProfileByName() {
	p, err := hostproto.ProfileByName("cup")
	if err != nil {
		fmt.Println(err)
		return
	}
	r := p.Rules()
	fmt.Println(p.Name(), "MAC:", r.MAC, "reversal keeps STAN:", r.ReversalKeepsSTAN, "records per 0320:", r.MaxBatchRecords)
	_, err = hostproto.ProfileByName("visa")
	fmt.Println(err)
	// Output:
	// cup MAC: true reversal keeps STAN: true records per 0320: 8
	// hostproto: unknown profile "visa" (known: cup, iso87)
}

// A cup refund is a 0220 with 60.1=25 on the wire and a FinancialRequest
// with ProcRefund in memory; its MAC is checked with the sign-on's keys.
func Example_cupRefund() {
	keys := &hostproto.WorkingKeys{MAC: [8]byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}}
	refund := &hostproto.FinancialRequest{
		ProcessingCode: hostproto.ProcRefund, PAN: "6200000000000005", Amount: 500, STAN: 7,
		ConditionCode: "00", RRN: "000000000001", TerminalID: "TERM0001", Currency: "156", Batch: 2,
		Original: hostproto.OriginalData{MTI: hostproto.MTIFinancialRequest, STAN: 1, Batch: 1, Date: "1123"},
	}
	b, err := hostproto.CUP.AppendEncode(nil, refund, keys)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("TPDU % X, MTI % X, MAC %s\n", b[:5], b[11:13], b[len(b)-8:])
	m, err := hostproto.CUP.Decode(b, keys)
	fmt.Println(m.MTI(), m.(*hostproto.FinancialRequest).ProcessingCode, err)
	other := *keys
	other.MAC[0] ^= 0x02 // not bit 0: DES ignores the parity bits
	_, err = hostproto.CUP.Decode(b, &other)
	fmt.Println(errors.Is(err, hostproto.ErrBadMAC))
	// Output:
	// TPDU 60 00 03 00 00, MTI 02 20, MAC 8BC532C8
	// 0200 financial request 200000 refund <nil>
	// true
}
