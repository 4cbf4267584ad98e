package hostproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestPANMasked(t *testing.T) {
	tests := []struct{ pan, want string }{
		{"4242424242424242", "424242******4242"},
		{"4000000000000002", "400000******0002"},
		{"6200000000000000005", "620000*********0005"},
		{"4242424242424", "424242***2424"},
		{"424242424242", "********4242"},
		{"42424242", "****4242"},
		{"4242424", "*******"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := PAN(tc.pan).Masked(); got != tc.want {
			t.Errorf("PAN(%q).Masked() = %q, want %q", tc.pan, got, tc.want)
		}
	}
}

// TestPANNeverPrintedInFull formats a PAN every way a log line, an error
// or a JSON document might, and checks the full number never appears.
func TestPANNeverPrintedInFull(t *testing.T) {
	p := PAN(testPAN)
	type rec struct {
		Card PAN
		N    int
	}
	var outs []string
	for _, verb := range []string{"%v", "%s", "%q", "%+v", "%#v", "%x", "%d", "%10s"} {
		outs = append(outs, fmt.Sprintf(verb, p), fmt.Sprintf(verb, rec{p, 1}), fmt.Sprintf(verb, &rec{p, 1}))
	}
	js, err := json.Marshal(rec{p, 1})
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(js))
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("sale", "pan", p, "rec", rec{p, 1})
	slog.New(slog.NewTextHandler(&buf, nil)).Info("sale", "pan", p)
	outs = append(outs, buf.String())
	outs = append(outs, fmt.Errorf("declined card %v", p).Error())
	outs = append(outs, fmt.Sprint(testSale()), fmt.Sprintf("%+v", testSale()), fmt.Sprintf("%#v", testSale()))
	for _, o := range outs {
		if strings.Contains(o, testPAN) {
			t.Errorf("full card number in %q", o)
		}
	}
	if !strings.Contains(string(js), "424242******4242") {
		t.Errorf("JSON = %s, want the masked number", js)
	}
	if p.Reveal() != testPAN {
		t.Errorf("Reveal() = %q", p.Reveal())
	}
}

func TestLuhn(t *testing.T) {
	valid := []string{"4242424242424242", "4000000000000002", "4000000000009995", "4000000000000069",
		"4000000000000119", "6200000000000005", "79927398713", "0"}
	for _, v := range valid {
		if !Luhn(v) {
			t.Errorf("Luhn(%q) = false", v)
		}
	}
	invalid := []string{"4242424242424241", "4000000000000001", "79927398710", "", "42a2", " 4242424242424242"}
	for _, v := range invalid {
		if Luhn(v) {
			t.Errorf("Luhn(%q) = true", v)
		}
	}
	d, ok := LuhnDigit("424242424242424")
	if !ok || d != '2' {
		t.Errorf("LuhnDigit = %q, %v; want '2'", d, ok)
	}
	if _, ok := LuhnDigit("42x"); ok {
		t.Error("LuhnDigit accepted a non-digit")
	}
}

func TestPANValidate(t *testing.T) {
	if err := PAN(testPAN).Validate(); err != nil {
		t.Errorf("valid PAN: %v", err)
	}
	for _, p := range []PAN{"4242424242424241", "42424242424", "42424242424242424242", "4242424242X24242"} {
		err := p.Validate()
		if !errors.Is(err, ErrBadField) {
			t.Errorf("Validate(%s) = %v", p, err)
		}
		if err != nil && strings.Contains(err.Error(), string(p)) {
			t.Errorf("error quotes the number: %v", err)
		}
	}
}

func TestSTAN(t *testing.T) {
	tests := []struct{ in, want STAN }{{0, 1}, {1, 2}, {41, 42}, {999998, 999999}, {999999, 1}, {1234567, 1}}
	for _, tc := range tests {
		if got := tc.in.Next(); got != tc.want {
			t.Errorf("STAN(%d).Next() = %d, want %d", tc.in, got, tc.want)
		}
	}
	if s := STAN(42).String(); s != "000042" {
		t.Errorf("String = %q", s)
	}
	if s, err := ParseSTAN("000042"); err != nil || s != 42 {
		t.Errorf("ParseSTAN = %d, %v", s, err)
	}
	for _, bad := range []string{"000000", "42", "0000042", "00004a", ""} {
		if _, err := ParseSTAN(bad); !errors.Is(err, ErrBadField) {
			t.Errorf("ParseSTAN(%q) err = %v", bad, err)
		}
	}
	if BatchNumber(999999).Next() != 1 || BatchNumber(7).Next() != 8 || BatchNumber(7).String() != "000007" {
		t.Error("BatchNumber Next/String")
	}
}

func TestMTI(t *testing.T) {
	tests := []struct {
		m                MTI
		resp, rep        MTI
		isResp, isRepeat bool
	}{
		{"0200", "0210", "0201", false, false},
		{"0400", "0410", "0401", false, false},
		{"0401", "0410", "0401", false, true},
		{"0421", "0430", "0421", false, true},
		{"0500", "0510", "0501", false, false},
		{"0800", "0810", "0801", false, false},
		{"0810", "0820", "0811", true, false},
		{"0430", "0440", "0431", true, false},
	}
	for _, tc := range tests {
		if got := tc.m.Response(); got != tc.resp {
			t.Errorf("%s.Response() = %s", string(tc.m), string(got))
		}
		if got := tc.m.Repeat(); got != tc.rep {
			t.Errorf("%s.Repeat() = %s", string(tc.m), string(got))
		}
		if tc.m.IsResponse() != tc.isResp || tc.m.IsRepeat() != tc.isRepeat {
			t.Errorf("%s: IsResponse %v IsRepeat %v", string(tc.m), tc.m.IsResponse(), tc.m.IsRepeat())
		}
	}
	if s := MTIReversalRepeat.String(); s != "0401 reversal request repeat" {
		t.Errorf("String = %q", s)
	}
	if s := MTI("0100").String(); s != "0100 unknown" || MTI("0100").Known() {
		t.Errorf("unknown MTI: %q", s)
	}
}

func TestNames(t *testing.T) {
	if s := RCInsufficientFunds.String(); s != "51 insufficient funds" {
		t.Errorf("RC String = %q", s)
	}
	if s := ResponseCode("Z9").String(); s != "Z9 unknown" {
		t.Errorf("unknown RC String = %q", s)
	}
	for _, c := range []ResponseCode{"00", "05", "12", "13", "14", "25", "30", "41", "43", "51", "54", "61", "91", "94", "95", "96"} {
		if c.Meaning() == "unknown" {
			t.Errorf("no meaning for %s", string(c))
		}
	}
	if !RCApproved.Approved() || RCDoNotHonour.Approved() {
		t.Error("Approved")
	}
	if s := ProcRefund.String(); s != "200000 refund" {
		t.Errorf("ProcessingCode String = %q", s)
	}
	if s := NetEcho.String(); s != "301 echo test" {
		t.Errorf("NetworkCode String = %q", s)
	}
	if s := HostOnly.String(); s != "H host only" {
		t.Errorf("DifferenceKind String = %q", s)
	}
}

func TestAmountString(t *testing.T) {
	tests := map[Amount]string{0: "0.00", 5: "0.05", 1234: "12.34", 1000000: "10000.00", -1234: "-12.34", -5: "-0.05"}
	for a, want := range tests {
		if got := a.String(); got != want {
			t.Errorf("Amount(%d) = %q, want %q", int64(a), got, want)
		}
	}
}

func TestTimes(t *testing.T) {
	loc := time.FixedZone("UTC+8", 8*3600)
	at := time.Date(2026, 12, 31, 23, 30, 5, 0, time.UTC).In(loc) // 2027-01-01 07:30:05 local
	got := TimesAt(at)
	want := Times{Transmission: "1231233005", LocalTime: "073005", LocalDate: "0101"}
	if got != want {
		t.Errorf("TimesAt = %+v, want %+v", got, want)
	}
	for _, ok := range []DateTime{"0229120000", "1231235959", "0101000000"} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []DateTime{"0230120000", "0431120000", "0001120000", "0100120000", "1301000000", "0101240000", "0101006000", "0101000060", "010100000", "01010000a0"} {
		if err := bad.Validate(); !errors.Is(err, ErrBadField) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestExpiry(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tests := map[Expiry]bool{"2611": false, "2612": false, "2610": true, "2812": false, "1501": true, "xx": true, "2613": true}
	for e, want := range tests {
		if got := e.Expired(now); got != want {
			t.Errorf("Expiry(%s).Expired = %v, want %v", string(e), got, want)
		}
	}
	if !Expiry("2611").Expired(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("2611 should expire at 1 December")
	}
	if ExpiryOf(now) != "2611" {
		t.Errorf("ExpiryOf = %s", ExpiryOf(now))
	}
}

func TestTotalsNet(t *testing.T) {
	tot := Totals{DebitAmount: 3702, DebitReversalAmount: 1234, CreditAmount: 5000, CreditReversalAmount: 500}
	if got := tot.ComputeNet(); got != -2032 {
		t.Errorf("ComputeNet = %d", got)
	}
	tot = tot.WithNet()
	raw, err := Encode(&SettlementRequest{ProcessingCode: ProcSettle, Times: TimesAt(at1800), STAN: 5, TerminalID: testTID, Batch: 1, Totals: tot})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(raw, []byte("D0000000000002032")) {
		t.Errorf("negative net not sent as D: %q", raw[len(raw)-17:])
	}
	m, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.(*SettlementRequest).Totals; got != tot {
		t.Errorf("totals round trip: %+v, want %+v", got, tot)
	}
}

func TestOriginalDataIDs(t *testing.T) {
	o := OriginalData{MTI: MTIFinancialRequest, STAN: 12, Transmission: "1123093015", AcquirerID: "12345678901", ForwardingID: "42"}
	s, err := o.encode()
	if err != nil {
		t.Fatal(err)
	}
	if want := "0200000012112309301512345678901" + "00000000042"; s != want {
		t.Errorf("DE90 = %q, want %q", s, want)
	}
	back, err := decodeOriginal(s)
	if err != nil {
		t.Fatal(err)
	}
	if back.AcquirerID != "12345678901" || back.ForwardingID != "00000000042" || back.STAN != 12 {
		t.Errorf("decoded %+v", back)
	}
	// An unknown original transmission time is zero-filled and read back as "".
	o = OriginalData{MTI: MTIFinancialRequest, STAN: 1}
	if s, err = o.encode(); err != nil || s[10:20] != "0000000000" {
		t.Fatalf("zero-filled DE90 = %q, %v", s, err)
	}
	if back, err = decodeOriginal(s); err != nil || back != o {
		t.Errorf("decoded %+v, %v", back, err)
	}
}
