package acquirer_test

import (
	"bufio"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/pkg/hostproto"
)

// profileClient is a bare terminal connection doing synchronous sales on
// a profile, MACed with the keys of its sign-on when the profile MACs.
type profileClient struct {
	nc   net.Conn
	br   *bufio.Reader
	p    hostproto.Profile
	keys *hostproto.WorkingKeys
	term string
	stan hostproto.STAN
	buf  []byte
}

func (c *profileClient) exchange(m hostproto.Message) (hostproto.Message, error) {
	body, err := c.p.AppendEncode(c.buf[:0], m, c.keys)
	if err != nil {
		return nil, err
	}
	c.buf = body
	if err := hostproto.WriteFrame(c.nc, body); err != nil {
		return nil, err
	}
	resp, err := hostproto.ReadFrame(c.br, hostproto.MaxFrameSize)
	if err != nil {
		return nil, err
	}
	return c.p.Decode(resp, c.keys)
}

func dialProfile(b *testing.B, addr, term string, p hostproto.Profile) *profileClient {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		b.Error(err)
		return nil
	}
	c := &profileClient{nc: nc, br: bufio.NewReader(nc), p: p, term: term, stan: 1}
	r, err := c.exchange(&hostproto.NetworkRequest{Times: hostproto.TimesAt(fixedNow), STAN: 1, TerminalID: term, Code: hostproto.NetSignOn})
	if err != nil {
		b.Error(err)
		return nil
	}
	c.keys = r.(*hostproto.NetworkResponse).Keys
	return c
}

func (c *profileClient) sale() error {
	c.stan = c.stan.Next()
	m := saleMsg(c.term, c.stan, acquirer.CardApprove, 100)
	m.Batch = 1
	r, err := c.exchange(m)
	if err != nil {
		return err
	}
	fr, ok := r.(*hostproto.FinancialResponse)
	if !ok || fr.ResponseCode != hostproto.RCApproved || fr.STAN != c.stan {
		return fmt.Errorf("answer %#v to STAN %v", r, c.stan)
	}
	return nil
}

// BenchmarkSalesParallelProfile: approved sales per second over loopback
// TCP on each profile, 8×GOMAXPROCS client connections in the same
// process (as BenchmarkSalesParallel). On cup every sale and its answer
// are MACed and verified on both sides.
func BenchmarkSalesParallelProfile(b *testing.B) {
	for _, p := range []hostproto.Profile{hostproto.ISO87, hostproto.CUP} {
		b.Run(p.Name(), func(b *testing.B) {
			srv, err := acquirer.NewServer(acquirer.Options{Profile: p})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { srv.Close() })
			if err := srv.Ledger().PutCard(acquirer.Card{PAN: acquirer.CardApprove, Balance: 1 << 60}); err != nil {
				b.Fatal(err)
			}
			var seq atomic.Int64
			b.SetParallelism(8)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				c := dialProfile(b, srv.Addr(), fmt.Sprintf("P%07d", seq.Add(1)), p)
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
		})
	}
}
