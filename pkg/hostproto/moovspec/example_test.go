package moovspec_test

import (
	"os"
	"time"

	"github.com/poshil/hil/pkg/hostproto"
	"github.com/poshil/hil/pkg/hostproto/moovspec"
)

// Dump describes a message field by field with the card number masked.
func ExampleDump() {
	at := time.Date(2026, 11, 23, 9, 30, 15, 0, time.UTC)
	raw, _ := hostproto.Encode(&hostproto.FinancialRequest{ProcessingCode: hostproto.ProcSale, PAN: "4242424242424242",
		Amount: 1234, Times: hostproto.TimesAt(at), STAN: 1, TerminalID: "TERM0001", MerchantID: "MERCHANT0000001",
		Currency: "978", Batch: 1})
	moovspec.Dump(os.Stdout, raw)
	// Output:
	// poshil host profile (ISO 8583:1987, ASCII, binary bitmap) Message:
	// MTI..........: 0200
	// Bitmap HEX...: 7238000000C08010
	// Bitmap bits..:
	//     [1-8]01110010    [9-16]00111000   [17-24]00000000   [25-32]00000000
	//   [33-40]00000000   [41-48]11000000   [49-56]10000000   [57-64]00010000
	// F0   Message type indicator........................: 0200
	// F2   Primary account number........................: 424242******4242
	// F3   Processing code...............................: 000000
	// F4   Amount, transaction...........................: 000000001234
	// F7   Transmission date and time (MMDDhhmmss, UTC)..: 1123093015
	// F11  System trace audit number.....................: 000001
	// F12  Time, local transaction (hhmmss)..............: 093015
	// F13  Date, local transaction (MMDD)................: 1123
	// F41  Card acceptor terminal identification.........: TERM0001
	// F42  Card acceptor identification code.............: MERCHANT0000001
	// F49  Currency code, transaction....................: 978
	// F60  Batch number and batch upload code............: 000001
}
