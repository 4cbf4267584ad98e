package hostproto

import "testing"

func BenchmarkCUPEncodeSale(b *testing.B) {
	m := cupCases(b)[0].msg
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = CUP.AppendEncode(buf[:0], m, cupTestKeys); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCUPDecodeSale(b *testing.B) {
	w := cupCases(b)[0].wire
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CUP.Decode(w, cupTestKeys); err != nil {
			b.Fatal(err)
		}
	}
}
