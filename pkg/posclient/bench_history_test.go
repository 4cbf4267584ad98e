package posclient_test

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
)

// fillHistory journals n past transactions of the terminal, as months of
// trading leave them: settled in closed batches of 1,000, mostly approved
// sales with printed receipts, some declined, reversed, refunded and
// e-receipted; the open batch is a fresh one.
func fillHistory(tb testing.TB, j *journal.Memory, terminal string, n int) {
	tb.Helper()
	ctx := context.Background()
	start := time.Now().Add(-time.Duration(n) * time.Minute)
	const perBatch = 1000
	for i := range n {
		at := start.Add(time.Duration(i) * time.Minute)
		tx := posclient.Txn{Ref: fmt.Sprintf("hist-%07d", i), Kind: posclient.KindSale, TerminalID: terminal,
			Amount: 1000 + int64(i%50), Currency: "978", Card: posclient.NewCard(posclienttest.CardApprove, posclienttest.Key),
			STAN: uint32(i%999999 + 1), Batch: uint32(i/perBatch + 1), State: posclient.StateApproved,
			Receipt: posclient.ReceiptPrinted, Settled: true, Created: at, Updated: at, ResponseCode: "00"}
		switch i % 100 {
		case 10, 11, 12, 13:
			tx.State, tx.Receipt, tx.ResponseCode = posclient.StateDeclined, posclient.ReceiptNone, "51"
		case 20, 21, 22:
			tx.State, tx.Receipt, tx.ReversalReason = posclient.StateReversed, posclient.ReceiptNone, "98"
		case 30, 31:
			tx.Kind, tx.OrigRef, tx.Amount = posclient.KindRefund, fmt.Sprintf("hist-%07d", i-1), 100
		case 40:
			tx.Receipt = posclient.ReceiptElectronic
		}
		if err := j.Append(ctx, posclient.Entry{At: at, Txn: tx, Note: "history"}); err != nil {
			tb.Fatal(err)
		}
	}
	for range (n + perBatch - 1) / perBatch {
		b, err := j.Batch(ctx, terminal)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := j.CloseBatch(ctx, terminal, b); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkSaleAtHistory runs approved, printed sales on a Terminal whose
// memory journal already holds N transactions, against the fake
// acquirer's ledger over an in-memory pipe (posclienttest.PipeHost) and
// the printer emulator over another: the cost per sale must not grow
// with N. It reports the median as well.
func BenchmarkSaleAtHistory(b *testing.B) {
	for _, n := range []int{500, 5000, 100000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			j := journal.NewMemory()
			fillHistory(b, j, posclienttest.TerminalID, n)
			host := posclienttest.NewPipeHost(b)
			dev, _ := posclienttest.EmulatedPrinter(b, escpos.Options{}, nil)
			term, err := posclient.New(posclient.Config{TerminalID: posclienttest.TerminalID, CardKey: posclienttest.Key,
				Journal: j, Dial: host.Dial, Printer: dev, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { term.Close() })
			ctx := context.Background()
			sale := func() time.Duration {
				start := time.Now()
				res, err := term.Sale(ctx, posclient.SaleRequest{Amount: 1, PAN: posclienttest.CardApprove})
				d := time.Since(start)
				if err != nil || res.State != posclient.StateApproved || res.Receipt != posclient.ReceiptPrinted {
					b.Fatalf("%+v %v", res, err)
				}
				return d
			}
			sale() // connect and sign on
			durs := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for b.Loop() {
				durs = append(durs, sale())
			}
			b.StopTimer()
			sort.Slice(durs, func(i, k int) bool { return durs[i] < durs[k] })
			b.ReportMetric(float64(durs[len(durs)/2].Microseconds())/1000, "ms-median")
		})
	}
}
