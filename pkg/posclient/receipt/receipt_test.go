package receipt

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func testReceipt() *Receipt {
	return &Receipt{
		MerchantName: "SHOP",
		MerchantID:   "M1",
		TerminalID:   "T1",
		Type:         Sale,
		Copy:         MerchantCopy,
		PAN:          "4111111111111111", // deliberately unmasked: Encode must mask it
		Amount:       Amount{Minor: 5, Currency: "USD"},
		STAN:         "000001",
		Time:         time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

// unhex decodes a hex string written with spaces and line breaks.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEncodeExactBytesEnglish(t *testing.T) {
	got, err := Encode(testReceipt(), &Options{Columns: 24})
	if err != nil {
		t.Fatal(err)
	}
	// Written out by hand from the Epson command tables (ESC @, ESC a,
	// ESC E, GS !, LF, GS V 66 0), not derived from the encoder's constants.
	var want bytes.Buffer
	want.Write(unhex(t, "1b 40"))                      // ESC @
	want.Write(unhex(t, "1b 61 01 1b 45 01"))          // centre, bold
	want.WriteString("SHOP\n")                         //
	want.Write(unhex(t, "1b 45 00"))                   // bold off
	want.WriteString("MERCHANT COPY\n")                //
	want.Write(unhex(t, "1b 61 00"))                   // left
	want.WriteString(strings.Repeat("-", 24) + "\n")   //
	want.WriteString("MERCHANT ID           M1\n")     //
	want.WriteString("TERMINAL ID           T1\n")     //
	want.WriteString("CARD NO 411111******1111\n")     // exactly 24 cells
	want.Write(unhex(t, "1b 61 01 1b 45 01 1d 21 11")) // centre, bold, 2x2
	want.WriteString("SALE\n")                         //
	want.Write(unhex(t, "1b 61 00 1b 45 00 1d 21 00")) // left, plain
	want.WriteString("DATE/TIME\n")                    //
	want.WriteString("     2026-01-02 03:04:05\n")     //
	want.WriteString("TRACE NO          000001\n")     //
	want.Write(unhex(t, "1b 45 01 1d 21 01"))          // bold, tall
	want.WriteString("AMOUNT          USD 0.05\n")     //
	want.Write(unhex(t, "1b 45 00 1d 21 00"))          // plain
	want.WriteString(strings.Repeat("-", 24) + "\n")   //
	want.Write(unhex(t, "1d 56 42 00"))                // GS V 66 0
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("Encode:\n got %q\nwant %q", got, want.Bytes())
	}
}

func TestEncodeChineseUsesGB18030DoubleByteMode(t *testing.T) {
	r := testReceipt()
	r.Language = Chinese
	r.Reprint = 1
	got, err := Encode(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(got, unhex(t, "1b 40 1c 26")) {
		t.Errorf("job does not start with ESC @ FS &: % x", got[:8])
	}
	// 金额 (amount) in GB18030 is BD F0 B6 EE; 消费 (sale) CF FB B7 D1; 重印 D6 D8 D3 A1.
	for _, w := range []string{"bd f0 b6 ee", "cf fb b7 d1", "45 20 2f 20 d6 d8 d3 a1 20 23 31"} {
		if !bytes.Contains(got, unhex(t, w)) {
			t.Errorf("job lacks %s", w)
		}
	}
	if !bytes.HasSuffix(got, unhex(t, "1c 2e 1d 56 42 00")) {
		t.Errorf("job does not end with FS . GS V 66 0: % x", got[len(got)-8:])
	}
	if bytes.Contains(got, []byte("\xe9")) || bytes.Contains(got, []byte("金")) {
		t.Error("job holds UTF-8, not GB18030")
	}
}

func TestEncodeQR(t *testing.T) {
	r := testReceipt()
	r.EReceiptURL = "https://e.example/r/1"
	got, err := Encode(r, &Options{QRModuleSize: 5, Cut: FullCut})
	if err != nil {
		t.Fatal(err)
	}
	n := len(r.EReceiptURL) + 3
	want := unhex(t, `1b 61 01
		1d 28 6b 04 00 31 41 32 00
		1d 28 6b 03 00 31 43 05
		1d 28 6b 03 00 31 45 31`)
	want = append(want, 0x1d, 0x28, 0x6b, byte(n), 0, 0x31, 0x50, 0x30)
	want = append(want, r.EReceiptURL...)
	want = append(want, unhex(t, "1d 28 6b 03 00 31 51 30 0a")...)
	if !bytes.Contains(got, want) {
		t.Errorf("QR sequence missing:\n got %q\nwant it to contain %q", got, want)
	}
	if !bytes.HasSuffix(got, unhex(t, "1d 56 41 00")) {
		t.Errorf("full cut missing at end: % x", got[len(got)-4:])
	}
}

func TestEncodeNoCutFeeds(t *testing.T) {
	got, err := Encode(testReceipt(), &Options{Cut: NoCut})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(got, unhex(t, "1b 64 04")) || bytes.Contains(got, unhex(t, "1d 56")) {
		t.Errorf("NoCut: want ESC d 4 at the end and no GS V, got % x", got[len(got)-6:])
	}
}

func TestNeverMoreThanMaskedPAN(t *testing.T) {
	r := testReceipt()
	job, err := Encode(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	text, err := Text(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"Encode": string(job), "Text": text, "JSON": string(js), "String": r.PAN.String()} {
		if strings.Contains(out, "4111111111111111") || strings.Contains(out, "1111111111") {
			t.Errorf("%s output holds the full PAN", name)
		}
		if !strings.Contains(out, "411111******1111") {
			t.Errorf("%s output lacks the masked PAN", name)
		}
	}
	var back Receipt
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back.PAN != "411111******1111" || back.Type != Sale || back.Copy != MerchantCopy {
		t.Errorf("JSON round trip: %+v", back)
	}
}

func TestMaskPAN(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"4111111111111111", "411111******1111"},
		{"4111-1111-1111-1111", "411111******1111"},
		{"622202123456789", "622202*****6789"},
		{"6222021234567890123", "622202*********0123"},
		{"411111XXXXXX1111", "411111******1111"},
		{"************1111", "************1111"},
		{"4111************", "4111************"},
	} {
		got, err := MaskPAN(tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("MaskPAN(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "41111111111", "41111111111111111111", "4111111111111a11",
		"4111111*11111111", "411111******11111", "41111111111*1111"} {
		_, err := MaskPAN(bad)
		var fe *FieldError
		if !errors.Is(err, ErrPAN) || !errors.As(err, &fe) || fe.Field != "PAN" {
			t.Errorf("MaskPAN(%q) err = %v, want a PAN *FieldError", bad, err)
			continue
		}
		if len(bad) > 10 && strings.Contains(err.Error(), bad) {
			t.Errorf("error %q repeats the card number", err)
		}
	}
	if s := MaskedPAN("4111111111111111").String(); s != "411111******1111" {
		t.Errorf("String of an unmasked value = %q", s)
	}
	if s := MaskedPAN("garbage").String(); s != "****" {
		t.Errorf("String of garbage = %q", s)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		field  string
		mutate func(*Receipt)
	}{
		{"MerchantName", func(r *Receipt) { r.MerchantName = " " }},
		{"MerchantName", func(r *Receipt) { r.MerchantName = "SHOP\x1b@" }},
		{"MerchantAddress[1]", func(r *Receipt) { r.MerchantAddress = []string{"ok", "bad\n"} }},
		{"RRN", func(r *Receipt) { r.RRN = "\xff" }},
		{"Amount.Minor", func(r *Receipt) { r.Amount.Minor = -1 }},
		{"Amount.Currency", func(r *Receipt) { r.Amount.Currency = "usd" }},
		{"Amount.Currency", func(r *Receipt) { r.Amount.Currency = "840" }},
		{"Time", func(r *Receipt) { r.Time = time.Time{} }},
		{"Type", func(r *Receipt) { r.Type = 9 }},
		{"Copy", func(r *Receipt) { r.Copy = 9 }},
		{"Language", func(r *Receipt) { r.Language = 9 }},
		{"Reprint", func(r *Receipt) { r.Reprint = -1 }},
		{"EReceiptURL", func(r *Receipt) { r.EReceiptURL = "https://x/\x1d" }},
		{"EReceiptURL", func(r *Receipt) { r.EReceiptURL = strings.Repeat("a", 2001) }},
		{"PAN", func(r *Receipt) { r.PAN = "" }},
		{"PAN", func(r *Receipt) { r.PAN = "12" }},
	} {
		r := testReceipt()
		tc.mutate(r)
		_, err := Encode(r, nil)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: err = %v, want a *FieldError for %s", tc.field, err, tc.field)
		}
	}
	for _, o := range []Options{{Columns: 23}, {Columns: 65}, {QRModuleSize: 17}, {QRModuleSize: -1}, {Cut: 7}} {
		_, err := Encode(testReceipt(), &o)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Encode with %+v: err = %v, want ErrInvalid", o, err)
		}
	}
}

func TestAmountString(t *testing.T) {
	for _, tc := range []struct {
		a    Amount
		want string
	}{
		{Amount{0, "CNY"}, "CNY 0.00"},
		{Amount{7, "CNY"}, "CNY 0.07"},
		{Amount{123456, "USD"}, "USD 1234.56"},
		{Amount{-1500, "EUR"}, "EUR -15.00"},
		{Amount{1500, "JPY"}, "JPY 1500"},
		{Amount{1500, "KWD"}, "KWD 1.500"},
	} {
		if got := tc.a.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.a, got, tc.want)
		}
	}
}

func TestRefundShowsNegativeAmountAndOriginal(t *testing.T) {
	r := testReceipt()
	r.Type = Refund
	r.OriginalRRN = "999888777666"
	text, err := Text(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"REFUND", "USD -0.05", "ORIG REF NO", "999888777666"} {
		if !strings.Contains(text, w) {
			t.Errorf("refund text lacks %q:\n%s", w, text)
		}
	}
}

func TestWrapKeepsEveryLineWithinColumns(t *testing.T) {
	r := testReceipt()
	r.MerchantName = "A VERY LONG MERCHANT NAME THAT DOES NOT FIT ON ONE LINE OF A RECEIPT 北京市朝阳区建国路八十八号"
	r.MerchantAddress = []string{strings.Repeat("X", 70)}
	for _, cols := range []int{24, 32, 48} {
		for _, it := range layout(r, cols) {
			if w := cells(it.text) * it.size.widthFactor(); w > cols {
				t.Errorf("cols %d: line %q is %d cells", cols, it.text, w)
			}
		}
	}
}

func TestDeclinedSlip(t *testing.T) {
	r := &Receipt{MerchantName: "M", PAN: "400000******0002", Amount: Amount{Minor: 300, Currency: "USD"},
		Time: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), Declined: "05"}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	job, err := Encode(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(job, []byte("** DECLINED **")) || !bytes.Contains(job, []byte("RESPONSE CODE")) {
		t.Errorf("decline slip lacks DECLINED and the code: %q", job)
	}
	for _, bad := range []string{"00", "5", "0\x1b", "ABC"} {
		r.Declined = bad
		if err := r.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("Declined %q: %v, want ErrInvalid", bad, err)
		}
	}
}
