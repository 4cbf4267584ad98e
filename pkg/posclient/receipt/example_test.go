package receipt_test

import (
	"fmt"
	"time"

	"github.com/poshil/hil/pkg/posclient/receipt"
)

func ExampleMaskPAN() {
	m, err := receipt.MaskPAN("4111 1111 1111 1111")
	fmt.Println(m, err)
	_, err = receipt.MaskPAN("411111111111****")
	fmt.Println(err)
	// Output:
	// 411111******1111 <nil>
	// receipt: PAN: digit at position 7 shows more than the first 6 and last 4
}

func ExampleText() {
	pan, _ := receipt.MaskPAN("6222021234567890123")
	r := &receipt.Receipt{
		MerchantName: "POSHIL TEST SHOP",
		MerchantID:   "123456789012345",
		TerminalID:   "TERM0001",
		Type:         receipt.Sale,
		Copy:         receipt.CustomerCopy,
		PAN:          pan,
		Amount:       receipt.Amount{Minor: 1234, Currency: "CNY"},
		AuthCode:     "A1B2C3",
		RRN:          "123456789012",
		STAN:         "000042",
		Batch:        "000001",
		Time:         time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC),
		Reprint:      2,
		EReceiptURL:  "https://r.example/abc",
	}
	text, err := receipt.Text(r, &receipt.Options{Columns: 32})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(text)
	// Output:
	//         POSHIL TEST SHOP
	//          CUSTOMER COPY
	//        ** DUPLICATE #2 **
	// --------------------------------
	// MERCHANT ID      123456789012345
	// TERMINAL ID             TERM0001
	// CARD NO      622202*********0123
	//             SALE
	// DATE/TIME    2026-11-23 09:30:00
	// BATCH NO                  000001
	// TRACE NO                  000042
	// REF NO              123456789012
	// AUTH CODE                 A1B2C3
	// AMOUNT                 CNY 12.34
	// --------------------------------
	// [QR] https://r.example/abc
	//        SCAN FOR E-RECEIPT
	// [PARTIAL CUT]
}
