package sqlitejournal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/poshil/hil/pkg/posclient"
)

var writeFixtures = flag.Bool("write-fixtures", false, "rewrite testdata/journal-v1.db (a journal of schema version 1)")

const v1Fixture = "testdata/journal-v1.db"

var v1Time = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// v1Txns are the transactions in the version 1 fixture.
func v1Txns() []posclient.Txn {
	key := []byte("fixture key")
	sale := posclient.Txn{Ref: "000001-000001", Kind: posclient.KindSale, TerminalID: "TERM0001", Amount: 1250, Currency: "978",
		Card: posclient.NewCard("4242424242424242", key), STAN: 1, Batch: 1, State: posclient.StateApproved,
		Receipt: posclient.ReceiptOwed, ResponseCode: "00", RRN: "000000000001", AuthCode: "A00001", Created: v1Time, Updated: v1Time}
	refund := sale
	refund.Ref, refund.Kind, refund.OrigRef, refund.Amount, refund.STAN, refund.Receipt = "000001-000002", posclient.KindRefund, sale.Ref, 500, 2, posclient.ReceiptPrinted
	refund.Created, refund.Updated = v1Time.Add(time.Minute), v1Time.Add(time.Minute)
	return []posclient.Txn{sale, refund}
}

// TestWriteV1Fixture makes testdata/journal-v1.db with the version 1
// schema, as a journal of the first release would be. It runs only with
// -write-fixtures; the file is committed.
func TestWriteV1Fixture(t *testing.T) {
	if !*writeFixtures {
		t.Skip("run with -write-fixtures to rewrite " + v1Fixture)
	}
	ctx := context.Background()
	os.Remove(v1Fixture)
	if err := create(v1Fixture, 1); err != nil {
		t.Fatal(err)
	}
	db, err := openDB(v1Fixture, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	seq := int64(0)
	for _, x := range v1Txns() {
		final := x
		for n, st := range []posclient.State{posclient.StateJournaled, posclient.StateSent, posclient.StateApproved} {
			x.State = st
			if st != posclient.StateApproved {
				x.Receipt = ""
			} else {
				x.Receipt = final.Receipt
			}
			snap, _ := json.Marshal(x)
			seq++
			ev := eventRow{Seq: seq, Ref: x.Ref, N: int64(n + 1), At: x.Created.Add(time.Duration(n) * time.Second), State: string(x.State),
				Receipt: string(x.Receipt), Note: string(st), Snapshot: string(snap)}
			if st == posclient.StateJournaled {
				ev.Dir = sql.NullString{String: "out", Valid: true}
				ev.MTI = sql.NullString{String: "0200", Valid: true}
				ev.STAN = sql.NullInt64{Int64: int64(x.STAN), Valid: true}
				ev.Fields = sql.NullString{String: `{"2":"` + x.Card.Masked + `"}`, Valid: true}
			}
			if err := insertEvent(ctx, tx, ev); err != nil {
				t.Fatal(err)
			}
			snap, _ = json.Marshal(x)
			if err := putTxn(ctx, tx, txnRowOf(x, int64(n+1), string(snap))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := setCounter(ctx, tx, counterTxns, 2); err != nil {
		t.Fatal(err)
	}
	if err := setCounter(ctx, tx, "stan/TERM0001", 2); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateV1 opens a journal written with schema version 1: it is
// migrated to the current version in place, its rows intact, its schema
// the same as a new journal's.
func TestMigrateV1(t *testing.T) {
	ctx := context.Background()
	data, err := os.ReadFile(v1Fixture)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if v := userVersion(t, path); v != 1 {
		t.Fatalf("fixture is schema version %d, want 1", v)
	}
	j, err := Open(path)
	if err != nil {
		t.Fatalf("open v1: %v", err)
	}
	for _, want := range v1Txns() {
		got, err := j.Get(ctx, want.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s after migration (-want +got):\n%s", want.Ref, d)
		}
		h, err := j.History(ctx, want.Ref)
		if err != nil || len(h) != 3 || h[0].Message == nil || h[0].Message.MTI != "0200" {
			t.Errorf("%s history: %+v, %v", want.Ref, h, err)
		}
	}
	if got, err := j.Find(ctx, posclient.Query{OrigRef: "000001-000001"}); err != nil || len(got) != 1 || got[0].Ref != "000001-000002" {
		t.Errorf("refunds of the sale: %v, %v", got, err)
	}
	if stan, err := j.NextSTAN(ctx, "TERM0001"); err != nil || stan != 3 {
		t.Errorf("NextSTAN after migration = %d, %v; want 3", stan, err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if v := userVersion(t, path); v != len(migrations) {
		t.Errorf("schema version after open %d, want %d", v, len(migrations))
	}
	db, err := openDB(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := readSchema(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	want, err := schemaOf(len(migrations))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("migrated schema differs from a new journal's: %v", schemaDiff(got, want))
	}
	// The migrated file opens again without another migration.
	j, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	j.Close()
}

// TestMigrationIsAtomic makes the last migration fail: the file stays at
// its old version with its rows, and the error names the file.
func TestMigrationIsAtomic(t *testing.T) {
	data, err := os.ReadFile(v1Fixture)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	saved := migrations
	defer func() { migrations = saved }()
	migrations = append(slices.Clone(saved[:len(saved):len(saved)]), func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "CREATE TABLE half_done (x)"); err != nil {
			return err
		}
		return boom
	})
	schemas.Lock()
	schemas.byVersion = nil
	schemas.Unlock()
	defer func() {
		schemas.Lock()
		schemas.byVersion = nil
		schemas.Unlock()
	}()
	if _, err := Open(path); !errors.Is(err, boom) {
		t.Fatalf("open with a failing migration: %v, want boom", err)
	}
	if v := userVersion(t, path); v != 1 {
		t.Errorf("schema version after a failed migration %d, want 1", v)
	}
	migrations = saved
	schemas.Lock()
	schemas.byVersion = nil
	schemas.Unlock()
	j, err := Open(path)
	if err != nil {
		t.Fatalf("open after a failed migration: %v", err)
	}
	defer j.Close()
	if _, err := j.Get(context.Background(), "000001-000001"); err != nil {
		t.Error(err)
	}
}

func userVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := openDB(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
