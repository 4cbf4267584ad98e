package receipt

import "testing"

func BenchmarkEncode(b *testing.B) {
	for _, tc := range []struct {
		name string
		lang Language
		url  string
	}{{"en", English, ""}, {"zh+qr", Chinese, "https://r.example/e/0123456789"}} {
		b.Run(tc.name, func(b *testing.B) {
			r := testReceipt()
			r.Language = tc.lang
			r.EReceiptURL = tc.url
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Encode(r, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
