package acquirer_test

import (
	"bufio"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/pkg/hostproto"
)

// benchServer returns a quiet server with a card that never runs out.
func benchServer(b *testing.B) *acquirer.Server {
	b.Helper()
	srv, err := acquirer.NewServer(acquirer.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	if err := srv.Ledger().PutCard(acquirer.Card{PAN: acquirer.CardApprove, Balance: 1 << 60}); err != nil {
		b.Fatal(err)
	}
	return srv
}

// benchClient is a bare terminal connection doing synchronous sales.
type benchClient struct {
	nc   net.Conn
	br   *bufio.Reader
	term string
	stan hostproto.STAN
	buf  []byte
}

func dialBench(b *testing.B, addr, term string) *benchClient {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		b.Error(err)
		return nil
	}
	return &benchClient{nc: nc, br: bufio.NewReader(nc), term: term}
}

func (c *benchClient) sale() error {
	c.stan = c.stan.Next()
	m := saleMsg(c.term, c.stan, acquirer.CardApprove, 100)
	body, err := hostproto.AppendEncode(c.buf[:0], m)
	if err != nil {
		return err
	}
	c.buf = body
	if err := hostproto.WriteFrame(c.nc, body); err != nil {
		return err
	}
	resp, err := hostproto.ReadFrame(c.br, hostproto.MaxFrameSize)
	if err != nil {
		return err
	}
	r, err := hostproto.Decode(resp)
	if err != nil {
		return err
	}
	fr, ok := r.(*hostproto.FinancialResponse)
	if !ok || fr.ResponseCode != hostproto.RCApproved || fr.STAN != c.stan {
		return fmt.Errorf("answer %#v to STAN %v", r, c.stan)
	}
	return nil
}

// BenchmarkSalesParallel: approved sales per second over loopback TCP,
// 8×GOMAXPROCS client connections in the same process.
func BenchmarkSalesParallel(b *testing.B) {
	srv := benchServer(b)
	var seq atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := dialBench(b, srv.Addr(), fmt.Sprintf("B%07d", seq.Add(1)))
		if c == nil {
			return
		}
		defer c.nc.Close()
		for pb.Next() {
			if err := c.sale(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sales/s")
}

// BenchmarkSaleLatencyAt2000: sales offered at 2,000 per second from 4
// connections (500/s each, on a fixed schedule); latency is measured from
// the scheduled send time, so a stall counts for every sale it delays.
func BenchmarkSaleLatencyAt2000(b *testing.B) {
	srv := benchServer(b)
	const conns = 4
	const interval = conns * time.Second / 2000
	lat := make([][]time.Duration, conns)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := range conns {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dialBench(b, srv.Addr(), fmt.Sprintf("L%07d", i))
			if c == nil {
				return
			}
			defer c.nc.Close()
			t0 := start.Add(time.Duration(i) * interval / conns)
			for k := range n {
				due := t0.Add(time.Duration(k) * interval)
				if d := time.Until(due); d > 0 {
					time.Sleep(d) // pacing the load generator, not waiting for the server
				}
				if err := c.sale(); err != nil {
					b.Error(err)
					return
				}
				lat[i] = append(lat[i], time.Since(due))
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	p := func(q float64) float64 { return float64(all[int(q*float64(len(all)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
	b.ReportMetric(float64(len(all))/time.Since(start).Seconds(), "sales/s")
}

// BenchmarkThousandTerminals: 1,000 terminals connected at once, each
// signing on and doing one sale while all the others stay connected.
func BenchmarkThousandTerminals(b *testing.B) {
	srv := benchServer(b)
	const terminals = 1000
	for iter := 0; iter < b.N; iter++ {
		clients := make([]*benchClient, terminals)
		for i := range clients {
			clients[i] = dialBench(b, srv.Addr(), fmt.Sprintf("K%03d%04d", iter%1000, i))
			if clients[i] == nil {
				b.FailNow()
			}
		}
		var wg sync.WaitGroup
		for _, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := c.sale(); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
		// Connections of the previous round may still be closing.
		if n := srv.Connections(); n < terminals {
			b.Fatalf("%d connections open, want at least %d", n, terminals)
		}
		for _, c := range clients {
			c.nc.Close()
		}
	}
	b.ReportMetric(terminals, "terminals")
}
