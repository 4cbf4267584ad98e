package posclient_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal/sqlitejournal"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
)

// BenchmarkSale runs approved sales end to end: journal, 0200/0210 over
// TCP to the in-process acquirer, receipt encoded and printed with
// verified completion on the emulator. It reports the median as well.
func BenchmarkSale(b *testing.B) {
	for _, tc := range []struct {
		name      string
		noPrinter bool
		sqlite    bool
	}{{"printed", false, false}, {"no-printer", true, false}, {"printed-sqlite", false, true}} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := posclient.Config{Logger: slog.New(slog.DiscardHandler)}
			if tc.sqlite {
				j, err := sqlitejournal.Open(filepath.Join(b.TempDir(), "j.db"))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { j.Close() })
				cfg.Journal = j
			}
			env := posclienttest.New(b, posclienttest.Options{NoPrinter: tc.noPrinter,
				Acquirer: acquirer.Options{Logger: slog.New(slog.DiscardHandler)},
				Config:   cfg})
			ctx := context.Background()
			// Warm up: connect and sign on.
			if _, err := env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 1, PAN: posclienttest.CardApprove}); err != nil {
				b.Fatal(err)
			}
			durs := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				res, err := env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 1, PAN: posclienttest.CardApprove})
				durs = append(durs, time.Since(start))
				if err != nil || res.State != posclient.StateApproved {
					b.Fatalf("%+v %v", res, err)
				}
			}
			b.StopTimer()
			sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
			b.ReportMetric(float64(durs[len(durs)/2].Microseconds())/1000, "ms-median")
		})
	}
}
