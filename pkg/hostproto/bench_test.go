package hostproto

import (
	"bufio"
	"net"
	"sync"
	"testing"
	"time"
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

// BenchmarkSaleOverLoopback is the protocol's share of the acquirer's
// throughput target: terminals (one TCP connection per parallel worker)
// send framed 0200 sales to a server goroutine that decodes each, answers
// an approved 0210 and frames it back; no ledger. It reports sales/s.
func BenchmarkSaleOverLoopback(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer ln.Close()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				var out []byte
				for {
					body, err := ReadFrame(br, DefaultMaxFrame)
					if err != nil {
						return
					}
					m, err := Decode(body)
					if err != nil {
						return
					}
					resp := m.(*FinancialRequest).Response(RCApproved)
					resp.RRN, resp.AuthCode = "632709000001", "A1B2C3"
					raw, err := Encode(resp)
					if err != nil {
						return
					}
					if out, err = AppendFrame(out[:0], raw); err != nil {
						return
					}
					if _, err := c.Write(out); err != nil {
						return
					}
				}
			}()
		}
	}()
	start := time.Now()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		req := benchSale()
		for pb.Next() {
			req.STAN = req.STAN.Next()
			raw, err := Encode(req)
			if err != nil {
				b.Error(err)
				return
			}
			if err := WriteFrame(c, raw); err != nil {
				b.Error(err)
				return
			}
			body, err := ReadFrame(br, DefaultMaxFrame)
			if err != nil {
				b.Error(err)
				return
			}
			m, err := Decode(body)
			if err != nil || m.(*FinancialResponse).STAN != req.STAN {
				b.Errorf("bad answer: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sales/s")
}
