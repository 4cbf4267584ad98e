package sqlitejournal_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal/sqlitejournal"
)

// saleLifecycle journals one approved, printed sale the way the Terminal
// does: a STAN, then one durable Append per step (journaled with the
// outgoing 0200, sent, approved with the 0210, printing, printed).
func saleLifecycle(ctx context.Context, j posclient.Journal, i int) (uint32, error) {
	stan, err := j.NextSTAN(ctx, "T1")
	if err != nil {
		return 0, err
	}
	at := ct0.Add(time.Duration(i) * time.Second)
	tx := ctTxn(fmt.Sprintf("000001-%06d", stan), 1000+int64(i%100), "4242424242424242", posclient.StateJournaled, "", at)
	tx.STAN = stan
	steps := []struct {
		state   posclient.State
		receipt posclient.ReceiptState
		note    string
		msg     *posclient.Message
	}{
		{posclient.StateJournaled, "", "journaled; reversal intent", &posclient.Message{Direction: posclient.Outbound, MTI: "0200", STAN: stan,
			Fields: map[int]string{2: tx.Card.Masked, 3: "000000", 4: "000000001000", 11: fmt.Sprintf("%06d", stan), 41: "T1"}}},
		{posclient.StateSent, "", "sent", nil},
		{posclient.StateApproved, posclient.ReceiptOwed, "approved", &posclient.Message{Direction: posclient.Inbound, MTI: "0210", STAN: stan,
			Fields: map[int]string{11: fmt.Sprintf("%06d", stan), 37: "123456789012", 38: "A1B2C3", 39: "00"}}},
		{posclient.StateApproved, posclient.ReceiptPrinting, "printing", nil},
		{posclient.StateApproved, posclient.ReceiptPrinted, "printed", nil},
	}
	for _, s := range steps {
		tx.State, tx.Receipt, tx.Updated = s.state, s.receipt, tx.Updated.Add(time.Millisecond)
		if err := j.Append(ctx, posclient.Entry{At: tx.Updated, Txn: tx, Note: s.note, Message: s.msg}); err != nil {
			return 0, err
		}
	}
	return stan, nil
}

// BenchmarkDurableTxn is one sale's full lifecycle of journal rows, each
// step one durable SQL transaction (WAL, synchronous=FULL): the figure to
// compare with 500 transactions per second is txn/s.
func BenchmarkDurableTxn(b *testing.B) {
	ctx := context.Background()
	j := openSQLite(b, filepath.Join(b.TempDir(), "journal.db"))
	i := 0
	for b.Loop() {
		if _, err := saleLifecycle(ctx, j, i); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "txn/s")
}

// BenchmarkOpen opens (and closes) a journal of 1000 sales (5000
// events): the integrity check and the row checksums read the whole file.
func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "journal.db")
	j := openSQLite(b, path)
	for i := range 1000 {
		if _, err := saleLifecycle(ctx, j, i); err != nil {
			b.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		j, err := sqlitejournal.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		j.Close()
	}
}
