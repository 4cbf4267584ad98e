package acquirer_test

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/pkg/hostproto"
)

// soakSettleEvery is how many sales a soak terminal makes per batch.
const soakSettleEvery = 1000

// BenchmarkSoakWindow is the long-run memory soak: b.N approved sales
// over loopback TCP from one terminal, a balanced settlement (0500) every
// 1,000 sales, and the heap (runtime.MemStats.HeapAlloc after a GC) and
// the process's RSS read at 100k, 500k and 1M sales. With the window
// (open batch + DefaultKeepBatches closed) they stay flat; "unbounded"
// keeps every batch, as the ledger did before the window. Not for CI:
//
//	go test -run '^$' -bench 'SoakWindow/window' -benchtime 1000000x ./emulator/acquirer/
func BenchmarkSoakWindow(b *testing.B) {
	for _, tc := range []struct {
		name string
		keep int
	}{{"window", 0}, {"unbounded", -1}} {
		b.Run(tc.name, func(b *testing.B) {
			srv, err := acquirer.NewServer(acquirer.Options{KeepBatches: tc.keep})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { srv.Close() })
			if err := srv.Ledger().PutCard(acquirer.Card{PAN: acquirer.CardApprove, Balance: 1 << 60}); err != nil {
				b.Fatal(err)
			}
			c := dialProfile(b, srv.Addr(), "SOAK0001", hostproto.ISO87)
			if c == nil {
				b.FailNow()
			}
			defer c.nc.Close()
			checkpoints := map[int]string{100_000: "100k", 500_000: "500k", 1_000_000: "1M"}
			inBatch, batch, n := 0, 1, 0
			b.ResetTimer()
			for b.Loop() {
				if err := c.sale(); err != nil {
					b.Fatal(err)
				}
				n++
				if inBatch++; inBatch == soakSettleEvery {
					c.settle(b, batch, inBatch)
					inBatch, batch = 0, batch+1
				}
				if name, ok := checkpoints[n]; ok {
					b.StopTimer()
					heap, rss := memNow()
					b.ReportMetric(float64(heap)/(1<<20), "MB-heap@"+name)
					b.ReportMetric(float64(rss)/(1<<20), "MB-rss@"+name)
					b.StartTimer()
				}
			}
			b.StopTimer()
			v, err := srv.Ledger().TerminalStatus("SOAK0001")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(v.Dropped), "dropped")
			if tc.keep == 0 && batch > acquirer.DefaultKeepBatches+1 {
				if want := (batch - 1 - acquirer.DefaultKeepBatches) * soakSettleEvery; v.Dropped != want {
					b.Fatalf("dropped %d transactions, want %d", v.Dropped, want)
				}
			}
		})
	}
}

// settle closes the open batch of n sales of 100 with a balanced 0500.
func (c *profileClient) settle(b *testing.B, batch, n int) {
	c.stan = c.stan.Next()
	tot := hostproto.Totals{DebitCount: int64(n), DebitAmount: hostproto.Amount(100 * n)}
	tot.Net = tot.ComputeNet()
	r, err := c.exchange(&hostproto.SettlementRequest{ProcessingCode: hostproto.ProcSettle, Times: hostproto.TimesAt(fixedNow),
		STAN: c.stan, TerminalID: c.term, Batch: hostproto.BatchNumber(batch), Totals: tot})
	if err != nil {
		b.Fatal(err)
	}
	if sr, ok := r.(*hostproto.SettlementResponse); !ok || sr.ResponseCode != hostproto.RCApproved {
		b.Fatalf("settlement of batch %d: %#v", batch, r)
	}
}

// memNow returns the live heap after a collection and the resident set
// size (0 where /proc is missing).
func memNow() (heap, rss uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range bytes.Lines(status) {
			if f := bytes.Fields(line); len(f) >= 2 && string(f[0]) == "VmRSS:" {
				kb, _ := strconv.ParseUint(string(f[1]), 10, 64)
				rss = kb << 10
			}
		}
	}
	return ms.HeapAlloc, rss
}
