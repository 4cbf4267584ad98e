// Package hostproto is the terminal↔host protocol of poshil, shared by
// the POS client (pkg/posclient) and the fake acquirer
// (emulator/acquirer). Both sides build typed messages, [Encode] them,
// and send them with [WriteFrame]; the other side reads with [ReadFrame]
// and gets a typed message back from [Decode].
//
// # Profiles
//
// A [Profile] is one host's dialect: framing inside the length header,
// field specification and the mapping of the typed messages to MTIs,
// processing codes and private fields. [ISO87] (the default, described
// below; [Encode] and [Decode] are its codec) and [CUP] (China UnionPay
// POS: TPDU and header, BCD numerics, fields 60-63, a MAC in 64 keyed by
// the [WorkingKeys] of the sign-on, pre-authorization) are selected by
// name with [ProfileByName]. The typed messages and their MTIs and
// processing codes are the same on every profile; docs/profiles.md has
// the cup field table, the mapping, the MAC and the test keys.
//
// # The iso87 profile
//
// ISO 8583:1987 with an ASCII MTI (n4), an 8-byte binary primary bitmap, a
// secondary bitmap only when a field above 64 is present, and ASCII
// fields. A secondary bitmap is accepted on input even when no field above
// 64 follows. The field table (formats, lengths) is [Fields] and
// docs/acquirer.md, "Wire profile". In short:
//
//	 2 n..19 LLVAR  card number          41 ans8   terminal id
//	 3 n6   processing code              42 ans15  merchant id
//	 4 n12  amount, minor units          48 ans..999 LLLVAR batch records / differences
//	 7 n10  transmission MMDDhhmmss UTC  49 n3     currency
//	11 n6   STAN                         60 n..999 LLLVAR batch number [+ upload code]
//	12 n6   local time hhmmss            70 n3     network management code
//	13 n4   local date MMDD              74-77 n10 settlement counts
//	14 n4   expiry YYMM                  86-89 n16 settlement amounts
//	22 n3   POS entry mode               90 n42    original data elements
//	25 n2   POS condition code           95 an42   replacement amounts (reserved)
//	37 an12 RRN   38 an6 approval code   97 x+n16  net settlement amount
//	39 an2  response code
//
// Fixed an and ans fields are right-padded with spaces when encoded and
// have trailing spaces removed when decoded; fixed n fields must have their
// exact length. Every byte is checked against its field's format both
// ways.
//
// # Framing
//
// Each message travels after a 2-byte big-endian binary length header.
// [ReadFrame] refuses a header announcing more than its limit before
// reading any of the body ([ErrFrameTooLarge]), and reports a stream that
// ends inside a frame as [ErrShortFrame]. [WriteFrame] writes header and
// body in one Write.
//
// # Messages
//
// The typed messages are *[FinancialRequest] (0200 sale, refund, void),
// *[FinancialResponse] (0210), *[ReversalRequest] (0400/0401, and with
// Advice 0420/0421), *[ReversalResponse] (0410/0430), *[SettlementRequest]
// (0500), *[SettlementResponse] (0510), *[BatchUploadRequest] (0320),
// *[BatchUploadResponse] (0330), *[NetworkRequest] (0800) and
// *[NetworkResponse] (0810). They implement [Message]; a type switch on
// Decode's result dispatches them. Each request has a Response method that
// copies the fields the answer echoes, and [ReversalOf] builds the
// reversal of a financial request.
//
// A refund or void names the original by its RRN (DE37) and original data
// elements (DE90: MTI, STAN, DE7, zero-filled institution ids). A reversal
// carries its own STAN in DE11 and the original in DE90; a repeat (0401,
// 0421) keeps the STAN of the first try.
//
// Settlement is two-step. The terminal sends a 0500 with processing code
// [ProcSettle] and its totals ([Totals], DE74-77, 86-89, 97). The host
// answers 00 when they balance, or 95 ([RCReconcileError]) with its own
// totals. After a 95 the terminal uploads its transactions in 0320s
// ([BatchRecord] values in DE48, the last one flagged) and closes the batch with
// a 0500 [ProcSettleAfterUpload]; the 0510 lists each [Difference].
//
// # Errors
//
// [Decode] returns an [*UnpackError] naming the field (0 for the MTI, 1 for
// the bitmap, -1 for the message as a whole) and wrapping a sentinel:
// [ErrShortMessage], [ErrBadField], [ErrUnknownMTI],
// [ErrUnknownProcessingCode], [ErrUnknownField], [ErrMissingField],
// [ErrUnexpectedField] or [ErrTrailingBytes]. [Encode] returns a
// [*PackError] the same way. Framing errors are of type [*FrameError]. No error
// message quotes a card number. [Peek] reads MTI, STAN and terminal id
// from bytes Decode refuses, so a server can answer them with
// [RCFormatError].
//
// A decline is a result, not an error: it is a response with a
// [ResponseCode] other than [RCApproved].
//
// # Card data
//
// [PAN] prints masked (first 6, last 4) through fmt, log/slog and
// encoding/json; [PAN.Reveal] returns the digits. moovspec.Dump (package
// pkg/hostproto/moovspec) describes a message field by field with the
// card number masked, for logs and scenario artifacts. Only DE2 carries card data; batch upload records and
// difference lines carry none. (fmt cannot call methods on unexported
// struct fields, so keep a PAN in an exported field or print it directly.)
//
// # Speed
//
// Encode and Decode are a small table-driven codec over the field table
// ([Fields]), with a few allocations per message and no reflection. This
// package does not import moov-io/iso8583, so a terminal linking it
// carries none of it: package moovspec builds moov-io/iso8583 specs from
// the same tables (moovspec.ISO87, moovspec.CUP) for tools and dumps, and
// the tests check that moov reads and writes exactly the bytes this codec
// does. moovspec.Dump is not meant for the hot path.
package hostproto
