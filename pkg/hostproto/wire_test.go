package hostproto

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The expected bytes in this file are written by hand from the field
// table in docs/acquirer.md ("Wire profile"), field by field, and the
// bitmaps worked out bit by bit in the comments. They are not produced
// by the code under test.

// wire concatenates an MTI, a bitmap given in hex and the field texts.
func wire(t testing.TB, mti, bitmapHex string, fields ...string) []byte {
	t.Helper()
	bm, err := hex.DecodeString(bitmapHex)
	if err != nil {
		t.Fatalf("bad bitmap literal %q: %v", bitmapHex, err)
	}
	b := []byte(mti)
	b = append(b, bm...)
	for _, f := range fields {
		b = append(b, f...)
	}
	return b
}

const (
	testPAN  = "4242424242424242"
	testTID  = "TERM0001"
	testMID  = "MERCHANT0000001"
	testRRN1 = "632709000001"
)

// Fixed clock readings used by the fixtures.
var (
	at0800 = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	at0930 = time.Date(2026, 11, 23, 9, 30, 15, 0, time.UTC)
	at0931 = time.Date(2026, 11, 23, 9, 31, 0, 0, time.UTC)
	at1800 = time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
)

func testSale() *FinancialRequest {
	return &FinancialRequest{
		ProcessingCode: ProcSale,
		PAN:            testPAN,
		Amount:         1234,
		Times:          TimesAt(at0930),
		STAN:           1,
		Expiry:         "2812",
		EntryMode:      "071",
		ConditionCode:  "00",
		TerminalID:     testTID,
		MerchantID:     testMID,
		Currency:       "978",
		Batch:          1,
	}
}

// testSaleWire is testSale on the wire.
//
// Fields 2 3 4 7 11 12 13 14 22 25 41 42 49 60; bitmap by byte:
//
//	bits  1- 8: 2,3,4,7      -> 0111 0010 = 72
//	bits  9-16: 11,12,13,14  -> 0011 1100 = 3C
//	bits 17-24: 22           -> 0000 0100 = 04
//	bits 25-32: 25           -> 1000 0000 = 80
//	bits 33-40: -            -> 00
//	bits 41-48: 41,42        -> 1100 0000 = C0
//	bits 49-56: 49           -> 1000 0000 = 80
//	bits 57-64: 60           -> 0001 0000 = 10
func testSaleWire(t testing.TB) []byte {
	return wire(t, "0200", "723C048000C08010",
		"16"+testPAN,   // DE2  LLVAR n..19
		"000000",       // DE3  n6 sale
		"000000001234", // DE4  n12 12.34
		"1123093015",   // DE7  n10 MMDDhhmmss
		"000001",       // DE11 n6
		"093015",       // DE12 n6 hhmmss
		"1123",         // DE13 n4 MMDD
		"2812",         // DE14 n4 YYMM
		"071",          // DE22 n3 contactless
		"00",           // DE25 n2
		testTID,        // DE41 ans8
		testMID,        // DE42 ans15
		"978",          // DE49 n3
		"006000001",    // DE60 LLLVAR: batch 000001
	)
}

type wireCase struct {
	name string
	msg  Message
	wire []byte
}

func wireCases(t testing.TB) []wireCase {
	sale := testSale()
	original := OriginalData{MTI: MTIFinancialRequest, STAN: 1, Transmission: "1123093015"}
	de90 := "0200" + "000001" + "1123093015" + "00000000000" + "00000000000"

	reversal := ReversalOf(sale, 4, at0931)
	reversalFields := []string{
		"16" + testPAN, // DE2
		"000000",       // DE3 the original's
		"000000001234", // DE4 the original's amount
		"1123093100",   // DE7
		"000004",       // DE11 the reversal's own STAN
		"093100",       // DE12
		"1123",         // DE13
		"2812",         // DE14
		"071",          // DE22
		"00",           // DE25
		"98",           // DE39 reason: no response
		testTID,        // DE41
		testMID,        // DE42
		"978",          // DE49
		"006000001",    // DE60
		de90,           // DE90
	}
	// Reversal bitmap: fields 2 3 4 7 11 12 13 14 22 25 39 41 42 49 60 | 90
	//	primary: bit 1 (secondary present),2,3,4,7 -> F2; 11-14 -> 3C; 22 -> 04;
	//	         25 -> 80; 39 -> 0000 0010 = 02; 41,42 -> C0; 49 -> 80; 60 -> 10
	//	secondary: 90 is bit 26 of the second bitmap -> byte 4 = 0100 0000 = 40
	const reversalBitmap = "F23C048002C08010" + "0000004000000000"

	repeat := *reversal
	repeat.Repeat = true
	advice := *reversal
	advice.Advice = true
	adviceRepeat := advice
	adviceRepeat.Repeat = true

	totals := Totals{
		CreditCount: 1, CreditReversalCount: 0, DebitCount: 3, DebitReversalCount: 1,
		CreditAmount: 500, CreditReversalAmount: 0, DebitAmount: 3702, DebitReversalAmount: 1234,
		Net: 1968, // (3702 - 1234) - (500 - 0)
	}
	totalsWire := []string{
		"0000000001",        // DE74 credits (refunds) number
		"0000000000",        // DE75 credit reversals number
		"0000000003",        // DE76 debits (sales) number
		"0000000001",        // DE77 debit reversals (voids) number
		"0000000000000500",  // DE86 credits amount
		"0000000000000000",  // DE87 credit reversals amount
		"0000000000003702",  // DE88 debits amount
		"0000000000001234",  // DE89 debit reversals amount
		"C0000000000001968", // DE97 x+n16 net, C = owed to the merchant
	}
	// Totals in the secondary bitmap: 74-77 -> byte 2 = 0111 1000 = 78;
	// 86,87,88 -> byte 3 = 0000 0111 = 07; 89 -> byte 4 = 80; 97 -> byte 5 = 80.
	const totalsSecondary = "0078078080000000"

	hostTotals := Totals{DebitCount: 2, DebitAmount: 2468, Net: 2468}
	hostTotalsWire := []string{
		"0000000000", "0000000000", "0000000002", "0000000000",
		"0000000000000000", "0000000000000000", "0000000000002468", "0000000000000000",
		"C0000000000002468",
	}

	return []wireCase{
		{"sale 0200", sale, testSaleWire(t)},
		{
			"sale response 0210",
			&FinancialResponse{
				ProcessingCode: ProcSale, Amount: 1234, Times: TimesAt(at0930), STAN: 1,
				RRN: testRRN1, AuthCode: "A1B2C3", ResponseCode: RCApproved,
				TerminalID: testTID, MerchantID: testMID, Currency: "978", Batch: 1,
			},
			// Fields 3 4 7 11 12 13 37 38 39 41 42 49 60:
			//	3,4,7 -> 0011 0010 = 32; 11-13 -> 38; 37,38,39 -> 0000 1110 = 0E
			wire(t, "0210", "323800000EC08010",
				"000000", "000000001234", "1123093015", "000001", "093015", "1123",
				testRRN1, // DE37 an12
				"A1B2C3", // DE38 an6
				"00",     // DE39 an2
				testTID, testMID, "978", "006000001"),
		},
		{
			"declined sale response 0210 (no RRN, no approval code)",
			&FinancialResponse{
				ProcessingCode: ProcSale, Amount: 1234, Times: TimesAt(at0930), STAN: 1,
				ResponseCode: RCInsufficientFunds, TerminalID: testTID,
			},
			// Fields 3 4 7 11 12 13 39 41: 32 38 00 00 02 80 00 00
			wire(t, "0210", "3238000002800000",
				"000000", "000000001234", "1123093015", "000001", "093015", "1123", "51", testTID),
		},
		{
			"refund 0200",
			&FinancialRequest{
				ProcessingCode: ProcRefund, PAN: testPAN, Amount: 500, Times: TimesAt(at0931), STAN: 2,
				RRN: testRRN1, TerminalID: testTID, MerchantID: testMID, Currency: "978", Batch: 1,
				Original: original,
			},
			// Fields 2 3 4 7 11 12 13 37 41 42 49 60 | 90:
			//	bit 1,2,3,4,7 -> F2; 11-13 -> 38; 37 -> 0000 1000 = 08; C0 80 10
			wire(t, "0200", "F238000008C08010"+"0000004000000000",
				"16"+testPAN, "200000", "000000000500", "1123093100", "000002", "093100", "1123",
				testRRN1, testTID, testMID, "978", "006000001",
				de90), // DE90 n42: MTI 0200, STAN 000001, DE7 1123093015, two zero-filled ids
		},
		{
			"void 0200 (without card number)",
			&FinancialRequest{
				ProcessingCode: ProcVoid, Amount: 1234, Times: Times{Transmission: "1123093100"}, STAN: 3,
				RRN: testRRN1, AuthCode: "A1B2C3", TerminalID: testTID, Original: original,
			},
			// Fields 3 4 7 11 37 38 41 | 90:
			//	bit 1,3,4,7 -> 1011 0010 = B2; 11 -> 0010 0000 = 20; 37,38 -> 0C; 41 -> 80
			wire(t, "0200", "B22000000C800000"+"0000004000000000",
				"020000", "000000001234", "1123093100", "000003", testRRN1, "A1B2C3", testTID, de90),
		},
		{"reversal 0400", reversal, wire(t, "0400", reversalBitmap, reversalFields...)},
		{"reversal repeat 0401", &repeat, wire(t, "0401", reversalBitmap, reversalFields...)},
		{"reversal advice 0420", &advice, wire(t, "0420", reversalBitmap, reversalFields...)},
		{"reversal advice repeat 0421", &adviceRepeat, wire(t, "0421", reversalBitmap, reversalFields...)},
		{
			"reversal response 0410",
			reversal.Response(RCApproved),
			// Fields 3 4 7 11 12 13 39 41 42 49 60 | 90: B2 38 00 00 02 C0 80 10
			wire(t, "0410", "B238000002C08010"+"0000004000000000",
				"000000", "000000001234", "1123093100", "000004", "093100", "1123", "00",
				testTID, testMID, "978", "006000001", de90),
		},
		{
			"reversal advice response 0430, original not found",
			advice.Response(RCOriginalNotFound),
			wire(t, "0430", "B238000002C08010"+"0000004000000000",
				"000000", "000000001234", "1123093100", "000004", "093100", "1123", "25",
				testTID, testMID, "978", "006000001", de90),
		},
		{
			"settlement 0500",
			&SettlementRequest{
				ProcessingCode: ProcSettle, Times: TimesAt(at1800), STAN: 5,
				TerminalID: testTID, MerchantID: testMID, Currency: "978", Batch: 1, Totals: totals,
			},
			// Fields 3 7 11 12 13 41 42 49 60 | 74-77 86-89 97:
			//	bit 1,3,7 -> 1010 0010 = A2; 11-13 -> 38; C0 80 10
			wire(t, "0500", "A238000000C08010"+totalsSecondary,
				append([]string{"920000", "1123180000", "000005", "180000", "1123",
					testTID, testMID, "978", "006000001"}, totalsWire...)...),
		},
		{
			"settlement response 0510, unbalanced, with host totals",
			&SettlementResponse{
				ProcessingCode: ProcSettle, Times: TimesAt(at1800), STAN: 5, ResponseCode: RCReconcileError,
				TerminalID: testTID, MerchantID: testMID, Currency: "978", Batch: 1, HostTotals: &hostTotals,
			},
			// Fields 3 7 11 12 13 39 41 42 49 60 | totals: A2 38 00 00 02 C0 80 10
			wire(t, "0510", "A238000002C08010"+totalsSecondary,
				append([]string{"920000", "1123180000", "000005", "180000", "1123", "95",
					testTID, testMID, "978", "006000001"}, hostTotalsWire...)...),
		},
		{
			"settlement response 0510 after upload, with a difference report",
			&SettlementResponse{
				ProcessingCode: ProcSettleAfterUpload, Times: TimesAt(at1800), STAN: 8, ResponseCode: RCApproved,
				TerminalID: testTID, MerchantID: testMID, Currency: "978", Batch: 1,
				Differences: []Difference{{STAN: 3, ProcessingCode: ProcSale, RRN: "632709000003", Kind: TerminalOnly, TerminalAmount: 1234}},
			},
			// Fields 3 7 11 12 13 39 41 42 48 49 60, none above 64, so bit 1 is
			// clear: 3,7 -> 0010 0010 = 22; 38 00 00 02; 41,42,48 -> 1100 0001 = C1; 80 10
			wire(t, "0510", "2238000002C18010",
				"960000", "1123180000", "000008", "180000", "1123", "00", testTID, testMID,
				"051"+ // DE48 LLLVAR, 51 characters:
					"01"+ // one line
					"000003"+"000000"+"632709000003"+"T"+"000000001234"+"000000000000",
				"978", "006000001"),
		},
		{
			"batch upload 0320, last",
			&BatchUploadRequest{
				Times: TimesAt(at1800), STAN: 6, TerminalID: testTID, MerchantID: testMID, Batch: 1, Last: true,
				Records: []BatchRecord{
					{STAN: 1, ProcessingCode: ProcSale, Amount: 1234, RRN: testRRN1, AuthCode: "A1B2C3"},
					{STAN: 2, ProcessingCode: ProcRefund, Amount: 500, RRN: "632709000002"},
				},
			},
			// Fields 7 11 12 13 41 42 48 60: 7 -> 02; 38; 00 00 00; C1; 00; 10
			wire(t, "0320", "0238000000C10010",
				"1123180000", "000006", "180000", "1123", testTID, testMID,
				"086"+ // DE48 LLLVAR, 86 characters:
					"02"+ // two records of 42
					"000001"+"000000"+"000000001234"+testRRN1+"A1B2C3"+
					"000002"+"200000"+"000000000500"+"632709000002"+"      ",
				"009000001202"), // DE60: batch 000001, upload code 202 (last)
		},
		{
			"batch upload response 0330",
			&BatchUploadResponse{Times: TimesAt(at1800), STAN: 6, ResponseCode: RCApproved, TerminalID: testTID, MerchantID: testMID, Batch: 1},
			// Fields 7 11 12 13 39 41 42 60: 02 38 00 00 02 C0 00 10
			wire(t, "0330", "0238000002C00010",
				"1123180000", "000006", "180000", "1123", "00", testTID, testMID, "006000001"),
		},
		{
			"sign-on 0800",
			&NetworkRequest{Times: TimesAt(at0800), STAN: 7, TerminalID: testTID, Code: NetSignOn},
			// Fields 7 11 12 13 41 | 70: bit 1,7 -> 82; 38; 00 00 00; 41 -> 80; 00 00
			//	secondary: 70 is bit 6 of the second bitmap -> 0000 0100 = 04
			wire(t, "0800", "8238000000800000"+"0400000000000000",
				"1123080000", "000007", "080000", "1123", testTID, "001"),
		},
		{
			"sign-on response 0810 with the open batch",
			&NetworkResponse{Times: TimesAt(at0800), STAN: 7, ResponseCode: RCApproved, TerminalID: testTID, Batch: 1, Code: NetSignOn},
			// Fields 7 11 12 13 39 41 60 | 70: 82 38 00 00 02 80 00 10 | 04
			wire(t, "0810", "8238000002800010"+"0400000000000000",
				"1123080000", "000007", "080000", "1123", "00", testTID, "006000001", "001"),
		},
		{
			"echo 0800",
			&NetworkRequest{Times: Times{Transmission: "1123080000"}, STAN: 999999, TerminalID: testTID, Code: NetEcho},
			// Fields 7 11 41 | 70: 82 20 00 00 00 80 00 00 | 04
			wire(t, "0800", "8220000000800000"+"0400000000000000",
				"1123080000", "999999", testTID, "301"),
		},
	}
}

func TestEncodeMatchesHandWrittenBytes(t *testing.T) {
	for _, tc := range wireCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Encode(tc.msg)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if string(got) != string(tc.wire) {
				t.Errorf("Encode mismatch\n got %x\nwant %x\n got %q\nwant %q", got, tc.wire, got, tc.wire)
			}
		})
	}
}

func TestDecodeHandWrittenBytes(t *testing.T) {
	for _, tc := range wireCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode(tc.wire)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tc.msg, got); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
			if got.MTI() != MTI(tc.wire[:4]) {
				t.Errorf("MTI() = %s, wire says %s", got.MTI(), tc.wire[:4])
			}
		})
	}
}

func TestSecondaryBitmapOnlyAboveField64(t *testing.T) {
	for _, tc := range wireCases(t) {
		b, err := Encode(tc.msg)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var u unpacked
		if err := u.split(b); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		above64 := u.set[1] != 0
		if got := b[4]&0x80 != 0; got != above64 {
			t.Errorf("%s: bit 1 = %v, fields above 64 present = %v", tc.name, got, above64)
		}
	}
}

// withNeedlessSecondary rewrites a message that has no field above 64 to
// carry an all-zero secondary bitmap.
func withNeedlessSecondary(b []byte) []byte {
	out := append([]byte(nil), b[:12]...)
	out[4] |= 0x80
	out = append(out, make([]byte, 8)...)
	return append(out, b[12:]...)
}

func TestNeedlessSecondaryBitmapAccepted(t *testing.T) {
	n := 0
	for _, tc := range wireCases(t) {
		if tc.wire[4]&0x80 != 0 {
			continue
		}
		n++
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode(withNeedlessSecondary(tc.wire))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tc.msg, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			// And the re-encoded form drops it again.
			again, err := Encode(got)
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(tc.wire) {
				t.Errorf("re-encoded %x, want %x", again, tc.wire)
			}
		})
	}
	if n < 5 {
		t.Fatalf("only %d cases without a secondary bitmap", n)
	}
}

func TestDecodeTruncatedNeverSucceeds(t *testing.T) {
	for _, tc := range wireCases(t) {
		for n := 0; n < len(tc.wire); n++ {
			_, err := Decode(tc.wire[:n])
			var ue *UnpackError
			if !errors.As(err, &ue) {
				t.Fatalf("%s cut to %d bytes: error %v is not an *UnpackError", tc.name, n, err)
			}
			if !errors.Is(err, ErrShortMessage) {
				t.Fatalf("%s cut to %d bytes: %v does not wrap ErrShortMessage", tc.name, n, err)
			}
			if strings.Contains(err.Error(), testPAN) {
				t.Fatalf("%s cut to %d bytes: error reveals the card number: %v", tc.name, n, err)
			}
		}
	}
}

// mutate returns a copy of the sale's bytes with s written at offset off.
func mutate(t *testing.T, off int, s string) []byte {
	b := append([]byte(nil), testSaleWire(t)...)
	copy(b[off:], s)
	return b
}

// Offsets in testSaleWire: MTI 0, bitmap 4, DE2 12 (LL) / 14 (digits),
// DE3 30, DE4 36, DE7 48, DE11 58, DE12 64, DE13 70, DE14 74, DE22 78,
// DE25 81, DE41 83, DE42 91, DE49 106, DE60 109.
func TestDecodeErrors(t *testing.T) {
	sale := testSaleWire(t)
	if string(sale[30:36]) != "000000" || string(sale[36:48]) != "000000001234" || string(sale[83:91]) != testTID {
		t.Fatal("offsets in this test no longer match testSaleWire")
	}
	tests := []struct {
		name  string
		in    []byte
		field int
		err   error
	}{
		{"letter in amount", mutate(t, 36, "00000000123A"), 4, ErrBadField},
		{"sign in amount", mutate(t, 36, "-00000001234"), 4, ErrBadField},
		{"space in STAN", mutate(t, 58, "00 001"), 11, ErrBadField},
		{"letter in card number", mutate(t, 20, "X"), 2, ErrBadField},
		{"card number length not digits", mutate(t, 12, "1X"), 2, ErrBadField},
		{"card number length above 19", mutate(t, 12, "20"), 2, ErrBadField},
		{"card number length 0", mutate(t, 12, "00"), 2, ErrBadField},
		{"control byte in terminal id", mutate(t, 84, "\x01"), 41, ErrBadField},
		{"STAN zero", mutate(t, 58, "000000"), 11, ErrBadField},
		{"impossible date-time", mutate(t, 48, "1332093015"), 7, ErrBadField},
		{"impossible local time", mutate(t, 64, "096015"), 12, ErrBadField},
		{"impossible local date", mutate(t, 70, "0230"), 13, ErrBadField},
		{"unknown MTI", mutate(t, 0, "0100"), 0, ErrUnknownMTI},
		{"non-digit MTI", mutate(t, 0, "02X0"), 0, ErrUnknownMTI},
		{"unknown processing code", mutate(t, 30, "310000"), 3, ErrUnknownProcessingCode},
		{"batch number length 5", mutate(t, 109, "005"), -1, ErrTrailingBytes},
		{"trailing bytes", append(append([]byte(nil), sale...), '9'), -1, ErrTrailingBytes},
		// Bit 5 (field 5) is not in the profile: 0x72 | 0x08 = 0x7A.
		{"field not in profile", mutate(t, 4, "\x7A"), 5, ErrUnknownField},
		// Drop DE41 from the bitmap (byte 6 C0 -> 40) and from the body.
		{"missing terminal id", append(mutate(t, 9, "\x40")[:83], sale[91:]...), 41, ErrMissingField},
		// A sale without a card number: bit 2 cleared (72 -> 32), DE2 cut out.
		{"sale without card number", append(mutate(t, 4, "\x32")[:12], sale[30:]...), 2, ErrMissingField},
		// A 0800 does not carry DE4.
		{"unexpected field", wire(t, "0800", "B220000000800000"+"0400000000000000",
			"000000", "000000001234", "1123080000", "000007", testTID, "001"), 3, ErrUnexpectedField},
		{"terminal id all spaces", mutate(t, 83, "        "), 41, ErrMissingField},
		{"empty", nil, 0, ErrShortMessage},
		{"MTI only", []byte("0200"), 1, ErrShortMessage},
		{"secondary bitmap cut", []byte("0200\xF2\x38\x00\x00\x08\xC0\x80\x10\x00\x00"), 1, ErrShortMessage},
		{"batch upload code unknown", wire(t, "0330", "0238000002C00010",
			"1123180000", "000006", "180000", "1123", "00", testTID, testMID, "009000001203"), 60, ErrBadField},
		{"batch upload record count wrong", wire(t, "0320", "0238000000C10010",
			"1123180000", "000006", "180000", "1123", testTID, testMID,
			"044"+"02"+"000001"+"000000"+"000000001234"+testRRN1+"A1B2C3", "009000001202"), 48, ErrBadField},
		{"settlement totals incomplete", wire(t, "0510", "A238000002C08010"+"0040000000000000",
			"920000", "1123180000", "000005", "180000", "1123", "95", testTID, testMID, "978", "006000001",
			"0000000000"), 75, ErrMissingField}, // 74 present (secondary byte 2 = 40), 75 absent
		{"net amount sign", wire(t, "0500", "A238000000C08010"+"0078078080000000",
			"920000", "1123180000", "000005", "180000", "1123", testTID, testMID, "978", "006000001",
			"0000000000", "0000000000", "0000000000", "0000000000",
			"0000000000000000", "0000000000000000", "0000000000000000", "0000000000000000",
			"X0000000000000000"), 97, ErrBadField},
		{"original data STAN zero", wire(t, "0400", "B220000000800000"+"0000004000000000",
			"000000", "000000001234", "1123093100", "000004", testTID,
			"0200"+"000000"+"1123093015"+"00000000000"+"00000000000"), 90, ErrBadField},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Decode(tc.in)
			if err == nil {
				t.Fatalf("Decode succeeded: %#v", m)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("error %v does not wrap %v", err, tc.err)
			}
			var ue *UnpackError
			if !errors.As(err, &ue) {
				t.Fatalf("error %v is not an *UnpackError", err)
			}
			if ue.Field != tc.field {
				t.Errorf("UnpackError.Field = %d, want %d (%v)", ue.Field, tc.field, err)
			}
			if strings.Contains(err.Error(), testPAN) {
				t.Errorf("error reveals the card number: %v", err)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(r *FinancialRequest)
		field int
		err   error
	}{
		{"no STAN", func(r *FinancialRequest) { r.STAN = 0 }, 11, ErrMissingField},
		{"STAN above 999999", func(r *FinancialRequest) { r.STAN = 1_000_000 }, 11, ErrBadField},
		{"no terminal id", func(r *FinancialRequest) { r.TerminalID = "" }, 41, ErrMissingField},
		{"terminal id too long", func(r *FinancialRequest) { r.TerminalID = "TERM00001" }, 41, ErrBadField},
		{"no transmission time", func(r *FinancialRequest) { r.Transmission = "" }, 7, ErrMissingField},
		{"bad transmission time", func(r *FinancialRequest) { r.Transmission = "1123256015" }, 7, ErrBadField},
		{"no processing code", func(r *FinancialRequest) { r.ProcessingCode = "" }, 3, ErrMissingField},
		{"unknown processing code", func(r *FinancialRequest) { r.ProcessingCode = "310000" }, 3, ErrUnknownProcessingCode},
		{"negative amount", func(r *FinancialRequest) { r.Amount = -1 }, 4, ErrBadField},
		{"amount above n12", func(r *FinancialRequest) { r.Amount = MaxAmount + 1 }, 4, ErrBadField},
		{"letter in card number", func(r *FinancialRequest) { r.PAN = "42424242X2424242" }, 2, ErrBadField},
		{"card number too long", func(r *FinancialRequest) { r.PAN = testPAN + "4242" }, 2, ErrBadField},
		{"sale without card number", func(r *FinancialRequest) { r.PAN = "" }, 2, ErrMissingField},
		{"refund without RRN", func(r *FinancialRequest) {
			r.ProcessingCode = ProcRefund
			r.Original = OriginalOf(testSale())
		}, 37, ErrMissingField},
		{"void without original", func(r *FinancialRequest) { r.ProcessingCode = ProcVoid; r.RRN = testRRN1 }, 90, ErrMissingField},
		{"local time too short", func(r *FinancialRequest) { r.LocalTime = "0930" }, 12, ErrBadField},
		{"local time 24h", func(r *FinancialRequest) { r.LocalTime = "240000" }, 12, ErrBadField},
		{"local date 31 April", func(r *FinancialRequest) { r.LocalDate = "0431" }, 13, ErrBadField},
		{"currency not numeric", func(r *FinancialRequest) { r.Currency = "EUR" }, 49, ErrBadField},
		{"batch above 999999", func(r *FinancialRequest) { r.Batch = 1_000_000 }, 60, ErrBadField},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := testSale()
			tc.edit(r)
			b, err := Encode(r)
			if err == nil {
				t.Fatalf("Encode succeeded: %q", b)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("error %v does not wrap %v", err, tc.err)
			}
			var pe *PackError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *PackError", err)
			}
			if pe.Field != tc.field {
				t.Errorf("PackError.Field = %d, want %d (%v)", pe.Field, tc.field, err)
			}
			if strings.Contains(err.Error(), testPAN) || strings.Contains(err.Error(), "42424242X2424242") {
				t.Errorf("error reveals the card number: %v", err)
			}
		})
	}
}

func TestEncodeCompositeErrors(t *testing.T) {
	base := func() *SettlementRequest {
		return &SettlementRequest{ProcessingCode: ProcSettle, Times: TimesAt(at1800), STAN: 5, TerminalID: testTID, Batch: 1}
	}
	tests := []struct {
		name  string
		msg   Message
		field int
	}{
		{"negative count", func() Message { r := base(); r.Totals.DebitCount = -1; return r }(), 76},
		{"net too large", func() Message { r := base(); r.Totals.Net = 1e16; return r }(), 97},
		{"settlement code in 0200", &FinancialRequest{ProcessingCode: ProcSettle}, 3},
		{"financial code in 0500", func() Message { r := base(); r.ProcessingCode = ProcSale; return r }(), 3},
		{"no records", &BatchUploadRequest{Times: TimesAt(at1800), STAN: 6, TerminalID: testTID, Batch: 1}, 48},
		{"too many records", &BatchUploadRequest{Times: TimesAt(at1800), STAN: 6, TerminalID: testTID, Batch: 1,
			Records: make([]BatchRecord, MaxBatchRecords+1)}, 48},
		{"record with bad RRN", &BatchUploadRequest{Times: TimesAt(at1800), STAN: 6, TerminalID: testTID, Batch: 1,
			Records: []BatchRecord{{STAN: 1, ProcessingCode: ProcSale, RRN: "63270900000-"}}}, 48},
		{"difference of unknown kind", &SettlementResponse{ProcessingCode: ProcSettle, Times: TimesAt(at1800), STAN: 5,
			ResponseCode: RCApproved, TerminalID: testTID, Differences: []Difference{{STAN: 1, ProcessingCode: ProcSale, Kind: 'Z'}}}, 48},
		{"reversal without original", &ReversalRequest{ProcessingCode: ProcSale, Times: TimesAt(at0931), STAN: 4, TerminalID: testTID}, 90},
		{"original with bad institution id", &ReversalRequest{ProcessingCode: ProcSale, Times: TimesAt(at0931), STAN: 4, TerminalID: testTID,
			Original: OriginalData{MTI: MTIFinancialRequest, STAN: 1, AcquirerID: "123456789012"}}, 90},
		{"nil message", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Encode(tc.msg)
			var pe *PackError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *PackError", err)
			}
			if pe.Field != tc.field {
				t.Errorf("PackError.Field = %d, want %d (%v)", pe.Field, tc.field, err)
			}
		})
	}
}

func TestPeek(t *testing.T) {
	h, err := Peek(testSaleWire(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Header{MTI: MTIFinancialRequest, STAN: 1, TerminalID: testTID}); h != want {
		t.Errorf("Peek = %+v, want %+v", h, want)
	}
	// A message Decode refuses still yields MTI, STAN and terminal id,
	// enough to answer it with a format error.
	bad := mutate(t, 30, "310000")
	if _, err := Decode(bad); err == nil {
		t.Fatal("Decode accepted an unknown processing code")
	}
	h, err = Peek(bad)
	if err != nil {
		t.Fatalf("Peek: %v", err)
	}
	if h.STAN != 1 || h.TerminalID != testTID || h.MTI != MTIFinancialRequest {
		t.Errorf("Peek = %+v", h)
	}
	// Cut inside DE42: MTI and STAN are known, DE41 was read too.
	h, err = Peek(testSaleWire(t)[:95])
	if !errors.Is(err, ErrShortMessage) {
		t.Errorf("Peek of a cut message: err = %v", err)
	}
	if h.MTI != MTIFinancialRequest || h.STAN != 1 || h.TerminalID != testTID {
		t.Errorf("Peek of a cut message = %+v", h)
	}
}

func TestHeaderAndResponseMatch(t *testing.T) {
	for _, tc := range wireCases(t) {
		h := tc.msg.Header()
		if h.MTI != tc.msg.MTI() || h.STAN == 0 || h.TerminalID != testTID {
			t.Errorf("%s: Header() = %+v", tc.name, h)
		}
	}
	sale := testSale()
	resp := sale.Response(RCApproved)
	if resp.MTI() != sale.MTI().Response() || resp.STAN != sale.STAN || resp.TerminalID != sale.TerminalID {
		t.Errorf("Response does not match its request: %+v", resp.Header())
	}
	rev := ReversalOf(sale, 9, at0931)
	rev.Repeat = true
	if got := rev.Response(RCApproved).MTI(); got != MTIReversalResponse {
		t.Errorf("0401 answered with %s", got)
	}
	rev.Advice = true
	if got := rev.Response(RCApproved).MTI(); got != MTIReversalAdviceResponse || rev.MTI().Response() != got {
		t.Errorf("0421 answered with %s", got)
	}
}

// TestCodecConcurrentAndReused encodes and decodes every fixture from
// several goroutines at once, in different orders, so that pooled state
// leaking from one message into the next (or a data race, under -race)
// shows up as a mismatch.
func TestCodecConcurrentAndReused(t *testing.T) {
	cases := wireCases(t)
	const workers, rounds = 4, 30
	errc := make(chan error, workers)
	for w := range workers {
		go func() {
			for r := range rounds {
				for i := range cases {
					tc := cases[(i*(w+1)+r)%len(cases)]
					got, err := Decode(tc.wire)
					if err != nil {
						errc <- fmt.Errorf("%s: Decode: %w", tc.name, err)
						return
					}
					if diff := cmp.Diff(tc.msg, got); diff != "" {
						errc <- fmt.Errorf("%s: Decode mismatch (-want +got):\n%s", tc.name, diff)
						return
					}
					enc, err := Encode(got)
					if err != nil || string(enc) != string(tc.wire) {
						errc <- fmt.Errorf("%s: Encode: %v", tc.name, err)
						return
					}
				}
			}
			errc <- nil
		}()
	}
	for range workers {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}
