package sqlitejournal_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
	"github.com/poshil/hil/pkg/posclient/journal/sqlitejournal"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
)

// snapshotAll returns every transaction and its history.
func snapshotAll(t testing.TB, j posclient.Journal) map[string][]posclient.Entry {
	t.Helper()
	ctx := context.Background()
	all, err := j.Find(ctx, posclient.Query{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]posclient.Entry{}
	for _, tx := range all {
		h, err := j.History(ctx, tx.Ref)
		if err != nil {
			t.Fatal(err)
		}
		out[tx.Ref] = h
	}
	return out
}

func TestSQLiteDurableAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	j := openSQLite(t, path)
	for i := range 5 {
		if _, err := saleLifecycle(ctx, j, i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := j.CloseBatch(ctx, "T1", 1); err != nil {
		t.Fatal(err)
	}
	before := snapshotAll(t, j)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Close left the write-ahead log: %v", err)
	}
	j = openSQLite(t, path)
	if d := cmp.Diff(before, snapshotAll(t, j)); d != "" {
		t.Errorf("after reopen (-before +after):\n%s", d)
	}
	if s, err := j.NextSTAN(ctx, "T1"); err != nil || s != 6 {
		t.Errorf("NextSTAN after reopen = %d, %v; want 6", s, err)
	}
	if b, err := j.Batch(ctx, "T1"); err != nil || b != 2 {
		t.Errorf("Batch after reopen = %d, %v; want 2", b, err)
	}
	if got, _ := j.Find(ctx, posclient.Query{Unsettled: true}); len(got) != 0 {
		t.Errorf("settled flags lost: %d unsettled", len(got))
	}
}

// copyFiles copies the journal's files as they are on disk, the database
// and its write-ahead log but not the shared-memory index: what a power
// cut at this instant would leave.
func copyFiles(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(from + suffix)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to+suffix, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSQLiteCrashImage copies the files of a live journal after every
// write (no Close, no checkpoint) and opens the copy: each write that
// returned is there.
func TestSQLiteCrashImage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.db")
	j := openSQLite(t, path)
	tx := ctTxn("000001-000001", 4200, "4242424242424242", posclient.StateJournaled, "", ct0)
	steps := []posclient.State{posclient.StateJournaled, posclient.StateSent, posclient.StateApproved}
	for i, st := range steps {
		tx.State = st
		if err := j.Append(ctx, posclient.Entry{At: ct0, Txn: tx, Note: string(st)}); err != nil {
			t.Fatal(err)
		}
		stan, err := j.NextSTAN(ctx, "T1")
		if err != nil {
			t.Fatal(err)
		}
		image := filepath.Join(dir, fmt.Sprintf("image%d.db", i))
		copyFiles(t, path, image)
		c := openSQLite(t, image)
		got, err := c.Get(ctx, tx.Ref)
		if err != nil || got.State != st {
			t.Fatalf("after %s: image holds %v, %v", st, got.State, err)
		}
		if h, err := c.History(ctx, tx.Ref); err != nil || len(h) != i+1 {
			t.Fatalf("after %s: %d events, %v", st, len(h), err)
		}
		if next, err := c.NextSTAN(ctx, "T1"); err != nil || next != stan+1 {
			t.Fatalf("after %s: image's next STAN %d, %v; want %d", st, next, err, stan+1)
		}
		c.Close()
	}
}

// refused opens path and checks that it fails with a CorruptJournalError
// naming path, and that the file was not changed.
func refused(t *testing.T, path string) *posclient.CorruptJournalError {
	t.Helper()
	before, _ := os.ReadFile(path)
	j, err := sqlitejournal.Open(path)
	if err == nil {
		j.Close()
		t.Fatalf("Open(%s) succeeded", filepath.Base(path))
	}
	if !errors.Is(err, posclient.ErrCorruptJournal) {
		t.Fatalf("err %v does not match ErrCorruptJournal", err)
	}
	var cj *posclient.CorruptJournalError
	if !errors.As(err, &cj) || cj.Where != path {
		t.Fatalf("err %v: not a CorruptJournalError naming %s", err, path)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Errorf("a refused file was changed")
	}
	return cj
}

// rawExec runs SQL on a journal file behind the journal's back.
func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// journalFile makes a closed journal with a few sales and returns its path.
func journalFile(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "journal.db")
	j := openSQLite(t, path)
	for i := range 3 {
		if _, err := saleLifecycle(context.Background(), j, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSQLiteRefuses(t *testing.T) {
	for name, tc := range map[string]struct {
		make   func(t *testing.T, dir string) string
		detail string
	}{
		"empty file": {func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "j.db")
			os.WriteFile(p, nil, 0o600)
			return p
		}, "truncated"},
		"random bytes": {func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "j.db")
			os.WriteFile(p, bytes.Repeat([]byte("not a journal "), 600), 0o600)
			return p
		}, "not a SQLite database"},
		"cut header": {func(t *testing.T, dir string) string {
			p := journalFile(t, dir)
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:60], 0o600)
			return p
		}, "truncated"},
		"cut page": {func(t *testing.T, dir string) string {
			p := journalFile(t, dir)
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)-100], 0o600)
			return p
		}, "truncated"},
		"last pages gone": {func(t *testing.T, dir string) string {
			p := journalFile(t, dir)
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)-2*4096], 0o600)
			return p
		}, "truncated"},
		"another application's database": {func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "other.db")
			rawExec(t, p, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)", "INSERT INTO customers (name) VALUES ('x')")
			return p
		}, "not a poshil journal"},
		"newer schema": {func(t *testing.T, dir string) string {
			p := journalFile(t, dir)
			rawExec(t, p, "PRAGMA user_version = 99")
			return p
		}, "newer than this program"},
		"no schema version": {func(t *testing.T, dir string) string {
			p := journalFile(t, dir)
			rawExec(t, p, "PRAGMA user_version = 0")
			return p
		}, "no schema"},
		"changed schema": {func(t *testing.T, dir string) string {
			p := journalFile(t, dir)
			rawExec(t, p, "DROP INDEX txns_amount")
			return p
		}, "schema does not match"},
		"edited row": {func(t *testing.T, dir string) string {
			p := journalFile(t, dir)
			rawExec(t, p, "UPDATE txns SET amount = amount + 1 WHERE rowid = 2")
			return p
		}, "bad row"},
		"edited event": {func(t *testing.T, dir string) string {
			p := journalFile(t, dir)
			rawExec(t, p, "UPDATE events SET note = 'declined' WHERE seq = 3")
			return p
		}, "bad event row"},
		"deleted event": {func(t *testing.T, dir string) string {
			p := journalFile(t, dir)
			rawExec(t, p, "DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)")
			return p
		}, "events do not add up"},
		"deleted transaction": {func(t *testing.T, dir string) string {
			p := journalFile(t, dir)
			rawExec(t, p, "DELETE FROM events WHERE ref = (SELECT max(ref) FROM txns)", "DELETE FROM txns WHERE ref = (SELECT max(ref) FROM txns)")
			return p
		}, "rows missing"},
		"edited STAN": {func(t *testing.T, dir string) string {
			p := journalFile(t, dir)
			rawExec(t, p, "UPDATE counters SET value = 1 WHERE name = 'stan/T1'")
			return p
		}, "bad counter row"},
		"directory": {func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "j.db")
			os.Mkdir(p, 0o700)
			return p
		}, "directory"},
	} {
		t.Run(name, func(t *testing.T) {
			p := tc.make(t, t.TempDir())
			cj := refused(t, p)
			if !strings.Contains(cj.Detail, tc.detail) {
				t.Errorf("detail %q, want it to say %q", cj.Detail, tc.detail)
			}
		})
	}
}

// TestSQLiteMissingFileWithLog: a journal whose main file was deleted
// but whose write-ahead log is still there is not silently recreated.
func TestSQLiteMissingFileWithLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.db")
	j := openSQLite(t, path)
	if _, err := saleLifecycle(ctx, j, 0); err != nil {
		t.Fatal(err)
	}
	image := filepath.Join(dir, "image.db")
	copyFiles(t, path, image)
	os.Remove(image)
	if _, err := sqlitejournal.Open(image); !errors.Is(err, posclient.ErrCorruptJournal) {
		t.Fatalf("open with only a -wal: %v", err)
	}
	if _, err := os.Stat(image); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a fresh journal was created: %v", err)
	}
}

// TestSQLiteCreateLeavesNoTemp: a new journal is complete at its name and
// nothing but its owner lock file is left in the directory once it is
// closed.
func TestSQLiteCreateLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	j := openSQLite(t, filepath.Join(dir, "journal.db"))
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 2 || names[0] != "journal.db" || names[1] != "journal.db"+journal.LockSuffix {
		t.Errorf("directory holds %v, want [journal.db journal.db.lock]", names)
	}
}

// TestNoFullPANOnDisk runs real sales, a refund and a reprint through the
// Terminal against the emulated acquirer and printer on a SQLite journal,
// then scans the database, its write-ahead log and shared-memory file for
// the card number, while the journal is open and after Close.
func TestNoFullPANOnDisk(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.db")
	j := openSQLite(t, path)
	env := posclienttest.New(t, posclienttest.Options{Config: posclient.Config{Journal: j}})
	pans := []string{posclienttest.CardApprove, posclienttest.CardOther, posclienttest.CardDecline}
	var approved string
	for i, pan := range pans {
		res, err := env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: int64(1000 + i), PAN: posclient.PAN(pan), Expiry: "2912"})
		if err != nil {
			t.Fatalf("sale %d: %v", i, err)
		}
		if i == 0 {
			approved = res.Ref
		}
	}
	if _, err := env.Terminal.Refund(ctx, posclient.RefundRequest{OrigRef: approved, Amount: 400, PAN: posclient.PAN(pans[0])}); err != nil {
		t.Fatalf("refund: %v", err)
	}
	if h, err := j.History(ctx, approved); err != nil || len(h) < 3 {
		t.Fatalf("the sale's history: %d rows, %v", len(h), err)
	}
	scan := func(when string) {
		found := 0
		for _, suffix := range []string{"", "-wal", "-shm"} {
			data, err := os.ReadFile(path + suffix)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			found++
			for _, pan := range pans {
				if bytes.Contains(data, []byte(pan)) {
					t.Errorf("%s: %s%s holds the card number %s", when, filepath.Base(path), suffix, posclient.MaskPAN(pan))
				}
			}
			if masked := posclient.MaskPAN(pans[0]); suffix == "-wal" && !bytes.Contains(data, []byte(masked)) {
				t.Errorf("%s: the write-ahead log does not hold the masked card %s: the scan looks at the wrong bytes", when, masked)
			}
		}
		if found == 0 {
			t.Fatalf("%s: no journal files", when)
		}
	}
	scan("open")
	env.Terminal.Close()
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	scan("closed")
	data, _ := os.ReadFile(path)
	if !bytes.Contains(data, []byte(posclient.MaskPAN(pans[0]))) {
		t.Error("the closed journal does not hold the masked card: the scan looks at the wrong bytes")
	}
}

func ExampleOpen() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "journal")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "journal.db")

	j, err := sqlitejournal.Open(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	stan, _ := j.NextSTAN(ctx, "T0000001")
	tx := posclient.Txn{
		Ref: fmt.Sprintf("000001-%06d", stan), Kind: posclient.KindSale, TerminalID: "T0000001", Amount: 1250,
		Card: posclient.NewCard("4242424242424242", []byte("terminal key")), State: posclient.StateApproved,
		Receipt: posclient.ReceiptOwed,
	}
	_ = j.Append(ctx, posclient.Entry{Txn: tx, Note: "approved; receipt owed"})
	j.Close()

	// Reopened (after a restart or a crash), the journal still owes the receipt.
	j, _ = sqlitejournal.Open(path)
	defer j.Close()
	owed, _ := j.Find(ctx, posclient.QueryReceiptOwed)
	for _, t := range owed {
		fmt.Println(t.Ref, t.Card.Masked, t.Amount, t.Receipt)
	}

	// A file that is not a journal is refused, never replaced.
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o600)
	_, err = sqlitejournal.Open(filepath.Join(dir, "notes.txt"))
	fmt.Println(errors.Is(err, posclient.ErrCorruptJournal))
	// Output:
	// 000001-000001 424242******4242 1250 owed
	// true
}

// TestSQLiteTwoWriters has two journals on one file, as two hil processes
// would (a sale running while an operator looks up or recovers): one
// appends while the other opens, reads and hands out STANs. Opening and
// reading see consistent snapshots, and no STAN is handed out twice.
// TestSQLiteReaderBesideOwner: while one writer drives the journal, a
// read-only open sees consistent snapshots and cannot write; the STANs the
// owner hands out are all distinct.
func TestSQLiteReaderBesideOwner(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	a := openSQLite(t, path)
	done := make(chan error, 1)
	stans := make(chan uint32, 100)
	go func() {
		defer close(stans)
		for i := range 30 {
			stan, err := saleLifecycle(ctx, a, i)
			if err != nil {
				done <- err
				return
			}
			stans <- stan
		}
		done <- nil
	}()
	for i := range 10 {
		b, err := sqlitejournal.OpenWith(path, sqlitejournal.Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("read-only open %d while the owner writes: %v", i, err)
		}
		snapshotAll(t, b)
		if _, err := b.NextSTAN(ctx, "T1"); !errors.Is(err, posclient.ErrReadOnly) {
			t.Fatalf("NextSTAN on a read-only journal: %v, want ErrReadOnly", err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("writer: %v", err)
	}
	seen := map[uint32]bool{}
	for s := range stans {
		if seen[s] {
			t.Errorf("STAN %d handed out twice", s)
		}
		seen[s] = true
	}
	if len(seen) != 30 {
		t.Errorf("%d distinct STANs, want 30", len(seen))
	}
}
