// Package receipt is the card-payment receipt of the POS client: a model of
// one copy of a receipt, and its encoding to the ESC/POS bytes a receipt
// printer prints.
//
// # Model
//
// A [Receipt] holds what the acquirer and the terminal know of one
// transaction (merchant and terminal ids, amount, auth code, RRN, STAN,
// batch, time), whose copy it is ([MerchantCopy] or [CustomerCopy]), the
// reprint count (a reprint is marked "DUPLICATE #n"; in Chinese
// "DUPLICATE / 重印 #n"), an optional e-receipt URL printed as a QR code, and
// the label language ([English] or [Chinese]).
//
// # Card numbers
//
// The card number is a [MaskedPAN]: at most the first 6 and the last 4
// digits show. [MaskPAN] masks a full PAN or checks an already masked one;
// whatever a MaskedPAN holds is masked again when it is printed, logged or
// marshalled, so no full card number can reach paper, logs or files through
// this package.
//
// # Encoding
//
// [Encode] returns the job: ESC @, the laid-out lines (ESC a, ESC E, GS !),
// the QR code (GS ( k model 2), and a cut (GS V). Text that is not ASCII is
// sent in double-byte mode (FS & … FS .) encoded in GB18030, which is what
// Chinese printers expect. The width comes from [Options.Columns]: 48 Font A
// columns on an 80 mm roll, 32 on 58 mm. All command bytes are the named
// constants of package escpos, and the output is checked in the tests by
// the emulator's decoder.
//
// [Text] lays the same receipt out as plain text, for e-receipts and logs.
package receipt
