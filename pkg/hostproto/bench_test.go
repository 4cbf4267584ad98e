package hostproto

import (
	"testing"
	"time"

	"github.com/moov-io/iso8583"
)

func benchSale() *FinancialRequest {
	at := time.Date(2026, 11, 23, 9, 30, 15, 0, time.UTC)
	return &FinancialRequest{
		ProcessingCode: ProcSale, PAN: "4242424242424242", Amount: 1234, Times: TimesAt(at), STAN: 1,
		Expiry: "2812", EntryMode: "071", ConditionCode: "00",
		TerminalID: "TERM0001", MerchantID: "MERCHANT0000001", Currency: "978", Batch: 1,
	}
}

// BenchmarkEncodeSale measures Encode of a typical 0200 sale.
func BenchmarkEncodeSale(b *testing.B) {
	req := benchSale()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeSale measures Decode of a typical 0200 sale.
func BenchmarkDecodeSale(b *testing.B) {
	raw, err := Encode(benchSale())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMoovUnpackSale measures the same bytes through moov's Unpack
// with Spec, for comparison with Decode.
func BenchmarkMoovUnpackSale(b *testing.B) {
	raw, err := Encode(benchSale())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m := iso8583.NewMessage(Spec)
		if err := m.Unpack(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMoovPackSale measures moov's Pack of the same sale.
func BenchmarkMoovPackSale(b *testing.B) {
	raw, err := Encode(benchSale())
	if err != nil {
		b.Fatal(err)
	}
	m := iso8583.NewMessage(Spec)
	if err := m.Unpack(raw); err != nil {
		b.Fatal(err)
	}
	fields := map[int]string{}
	for id := range m.GetFields() {
		if id > 1 {
			fields[id], _ = m.GetString(id)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		m := iso8583.NewMessage(Spec)
		m.MTI("0200")
		for id, v := range fields {
			m.Field(id, v)
		}
		if _, err := m.Pack(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSaleCodecRoundTrip is the codec work of one sale on both
// sides: the terminal encodes the 0200, the host decodes it and encodes
// the 0210, the terminal decodes that.
func BenchmarkSaleCodecRoundTrip(b *testing.B) {
	req := benchSale()
	b.ReportAllocs()
	for b.Loop() {
		raw, err := Encode(req)
		if err != nil {
			b.Fatal(err)
		}
		m, err := Decode(raw)
		if err != nil {
			b.Fatal(err)
		}
		resp := m.(*FinancialRequest).Response(RCApproved)
		resp.RRN, resp.AuthCode = "632709000001", "A1B2C3"
		raw, err = Encode(resp)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
