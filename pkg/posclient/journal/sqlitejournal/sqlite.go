// Package sqlitejournal is the durable [posclient.Journal]: one SQLite
// file in WAL mode with synchronous=FULL, on the pure-Go modernc.org/sqlite
// driver, with checksummed rows and a versioned schema.
//
// It is a package of its own so that a program that imports posclient
// and the memory journal (package journal) links no SQLite. The owner
// lock it takes on open is package journal's ([journal.LockOwner]).
package sqlitejournal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
)

// Journal is the durable [posclient.Journal]: one SQLite file in WAL mode
// with synchronous=FULL, on the pure-Go modernc.org/sqlite driver.
//
// Every write is one SQL transaction (BEGIN IMMEDIATE … COMMIT) that is on
// disk when the method returns: a sale journaled before a power cut or a
// SIGKILL is there after. One connection does all the work, so there is
// one writer per process; other processes wait up to five seconds (busy
// timeout) for the file.
//
// Every row carries a CRC-32C of its contents, the transactions row
// counts its events, and the counters table counts the rows, so damage
// that SQLite itself cannot see (a flipped byte inside a value) is found
// too. [Open] checks all of this before it hands out the journal;
// reads check the rows they return again.
type Journal struct {
	path string

	mu     sync.Mutex
	closed bool
	db     *sql.DB
	stmts  map[string]*sql.Stmt // prepared once, by SQL text
	once   sync.Once
	cerr   error

	owner     *journal.Owner // the owner lock; nil when read-only
	driver    journal.Driver // the Terminal of this process that drives it
	readOnly  bool
	failWrite func(op string) error
}

// prepared runs statements of a transaction through s's cache of prepared
// statements (parsing SQL costs as much as an fsync on this driver).
type prepared struct {
	s  *Journal
	tx *sql.Tx
}

func (s *Journal) prepared(tx *sql.Tx) prepared { return prepared{s, tx} }

func (p prepared) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st, ok := p.s.stmts[query]; ok {
		return p.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return p.tx.QueryRowContext(ctx, query, args...)
}

func (p prepared) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st, ok := p.s.stmts[query]; ok {
		return p.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return p.tx.ExecContext(ctx, query, args...)
}

// prepare readies the statements of the write path on the journal's one
// connection (while no transaction holds it).
func (s *Journal) prepare(ctx context.Context) error {
	s.stmts = map[string]*sql.Stmt{}
	for _, q := range []string{sqlCounterGet, sqlCounterSet, sqlLastSeq, sqlTxnKey, sqlInsertEvent, sqlPutTxn, sqlTouchTxn} {
		st, err := s.db.PrepareContext(ctx, q)
		if err != nil {
			return s.fail("prepare", err)
		}
		s.stmts[q] = st
	}
	return nil
}

var (
	_ posclient.Journal = (*Journal)(nil)
	_ posclient.Claimer = (*Journal)(nil)
)

// busyTimeout is how long a write waits for another process that holds
// the file.
const busyTimeout = 5 * time.Second

// Options configure OpenWith. The zero value is what Open
// uses: take ownership at once or fail.
type Options struct {
	// Wait is how long to wait for another owner to let go of the journal
	// (see [journal.LockSuffix]). Zero: fail at once with a
	// *posclient.JournalInUseError naming the holder.
	Wait time.Duration
	// ReadOnly opens an existing journal for reading beside its owner (a
	// back-office lookup while the till sells): no ownership is taken,
	// every read sees a consistent snapshot, and every write fails with
	// posclient.ErrReadOnly. A journal whose schema is older than this
	// program's is refused: its owner migrates it.
	ReadOnly bool
	// Holder describes this process in the lock file, for the error a
	// second writer gets. Default: pid, command line (card numbers masked)
	// and the time the lock was taken.
	Holder string
	// FailWrite, when set, is called before each write commits with the
	// operation's name ("append REF", "next STAN", "close batch"); a non-nil
	// error rolls the write back and is returned as the write's error, as a
	// full disk's would be. It injects storage faults in tests and chaos
	// runs; leave it nil otherwise.
	FailWrite func(op string) error
}

// Open opens the journal at path for writing, creating it when path
// does not exist: OpenWith(path, Options{}).
func Open(path string) (*Journal, error) {
	return OpenWith(path, Options{})
}

// OpenWith opens the journal at path. Unless o.ReadOnly, it first
// takes the journal's owner lock (see [journal.LockSuffix]), so that one process at
// a time drives its transactions, then creates the journal when path does
// not exist. A new journal is created under a temporary name and linked
// into place only once its schema is complete, so path is never a
// half-made journal.
//
// A path that exists but is not a journal this program can trust —
// unreadable, not a SQLite database, truncated, another application's
// database, a schema version newer than this program's, a failed
// integrity check, a row whose checksum does not match — is refused with
// a *[posclient.CorruptJournalError] naming path (it matches
// [posclient.ErrCorruptJournal]). The file is never replaced by a fresh
// one. An older schema version is migrated in one transaction.
//
// Open reads the whole file (SQLite's integrity_check and the row
// checksums), which takes time proportional to the journal's size; see
// docs/posclient.md for figures.
func OpenWith(path string, o Options) (*Journal, error) {
	if path == "" {
		return nil, fmt.Errorf("journal: open: empty path")
	}
	var own *journal.Owner
	if !o.ReadOnly {
		var err error
		if own, err = journal.LockOwner(path, o.Wait, o.Holder); err != nil {
			return nil, err
		}
	}
	s, err := openFile(path, o)
	if err != nil {
		own.Release()
		return nil, err
	}
	s.owner = own
	return s, nil
}

func openFile(path string, o Options) (*Journal, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist) && o.ReadOnly:
		return nil, fmt.Errorf("journal: open %s read-only: %w", path, os.ErrNotExist)
	case errors.Is(err, os.ErrNotExist):
		if wi, werr := os.Stat(path + "-wal"); werr == nil && wi.Size() > 0 {
			return nil, corrupt(path, "journal file is missing but its write-ahead log "+path+"-wal exists", nil)
		}
		if err := create(path, len(migrations)); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, corrupt(path, "cannot read", err)
	case fi.IsDir():
		return nil, corrupt(path, "is a directory", nil)
	}
	db, err := openDB(path, o.ReadOnly)
	if err != nil {
		return nil, corrupt(path, "cannot open", err)
	}
	s := &Journal{path: path, db: db, readOnly: o.ReadOnly, failWrite: o.FailWrite}
	if err := s.check(); err != nil {
		db.Close()
		return nil, err
	}
	if s.readOnly {
		return s, nil
	}
	if err := s.prepare(context.Background()); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func corrupt(path, detail string, err error) error {
	return &posclient.CorruptJournalError{Where: path, Detail: detail, Err: err}
}

// dsn is the driver name of path with the connection settings.
func dsn(path string, readOnly bool) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	d := "file:" + esc + "?_pragma=busy_timeout(" + fmt.Sprint(busyTimeout.Milliseconds()) + ")" +
		"&_pragma=cell_size_check(1)&_pragma=trusted_schema(0)"
	if readOnly {
		return d + "&mode=ro&_txlock=deferred"
	}
	return d + "&_txlock=immediate"
}

func openDB(path string, readOnly bool) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path, readOnly))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one writer; the pragmas below hold for it
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// setDurable puts the connection in WAL mode with synchronous=FULL.
// journal_mode=WAL is kept in the file; synchronous is per connection.
func setDurable(ctx context.Context, db *sql.DB) error {
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return err
	}
	if mode != "wal" {
		return fmt.Errorf("journal_mode is %q, want wal", mode)
	}
	_, err := db.ExecContext(ctx, "PRAGMA synchronous=FULL")
	return err
}

// create makes a journal of schema version upTo at path (which must
// not exist): built under a temporary name in the same directory, fsynced,
// then linked to path (failing if path appeared meanwhile) and the
// directory fsynced.
func create(path string, upTo int) error {
	ctx := context.Background()
	dir, base := splitPath(path)
	f, err := os.CreateTemp(dir, base+".new-*")
	if err != nil {
		return fmt.Errorf("journal: create %s: %w", path, err)
	}
	tmp := f.Name()
	f.Close()
	defer os.Remove(tmp)
	db, err := openDB(tmp, false)
	if err == nil {
		err = setDurable(ctx, db)
		if err == nil {
			err = migrate(ctx, db, 0, upTo)
		}
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = syncFile(tmp)
	}
	if err == nil {
		err = os.Link(tmp, path)
	}
	if err == nil {
		err = syncFile(dir)
	}
	if err != nil {
		return fmt.Errorf("journal: create %s: %w", path, err)
	}
	return nil
}

func splitPath(path string) (dir, base string) {
	i := strings.LastIndexByte(path, os.PathSeparator)
	if i < 0 {
		return ".", path
	}
	if i == 0 {
		return string(os.PathSeparator), path[1:]
	}
	return path[:i], path[i+1:]
}

func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// isCorruption reports whether err is SQLite saying the file is damaged or
// not a database.
func isCorruption(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_FORMAT:
		return true
	}
	return false
}

// fail wraps an error of operation op: corruption becomes a
// CorruptJournalError, anything else names the journal and the operation.
func (s *Journal) fail(op string, err error) error {
	var cj *posclient.CorruptJournalError
	switch {
	case errors.As(err, &cj), errors.Is(err, journal.ErrClosed), errors.Is(err, posclient.ErrNotFound), errors.Is(err, journal.ErrFullPAN):
		return err
	case isCorruption(err):
		return corrupt(s.path, op, err)
	}
	return fmt.Errorf("journal: %s %s: %w", op, s.path, err)
}

// lock takes the journal's lock and fails when it is closed.
func (s *Journal) lock(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return journal.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		s.mu.Unlock()
		return err
	}
	return nil
}

// lockWrite takes the journal's lock for a write: it fails as lock does,
// and with posclient.ErrReadOnly on a read-only journal.
func (s *Journal) lockWrite(ctx context.Context) error {
	if s.readOnly {
		return fmt.Errorf("journal: %s: %w", s.path, posclient.ErrReadOnly)
	}
	return s.lock(ctx)
}

// ReadOnly reports whether the journal was opened read-only.
func (s *Journal) ReadOnly() bool { return s.readOnly }

// Path returns the journal's file name.
func (s *Journal) Path() string { return s.path }

// Append implements [posclient.Journal]: the transaction's snapshot, its
// event row and the message, in one durable SQL transaction.
func (s *Journal) Append(ctx context.Context, e posclient.Entry) (err error) {
	if e.Txn.Ref == "" {
		return fmt.Errorf("journal: append: empty transaction reference")
	}
	if err := journal.CheckNoPAN(e); err != nil {
		return err
	}
	if journal.HasPAN(e.Txn.TerminalID) || journal.HasPAN(e.Txn.MerchantID) {
		return journal.ErrFullPAN
	}
	snap, err := json.Marshal(e.Txn)
	if err != nil {
		return fmt.Errorf("journal: append %q: %w", e.Txn.Ref, err)
	}
	ev := eventRow{Ref: e.Txn.Ref, At: e.At, State: string(e.Txn.State), Receipt: string(e.Txn.Receipt), Note: e.Note, Snapshot: string(snap)}
	if m := e.Message; m != nil {
		fields, err := json.Marshal(m.Fields)
		if err != nil {
			return fmt.Errorf("journal: append %q: message: %w", e.Txn.Ref, err)
		}
		ev.Dir = sql.NullString{String: string(m.Direction), Valid: true}
		ev.MTI = sql.NullString{String: m.MTI, Valid: true}
		ev.STAN = sql.NullInt64{Int64: int64(m.STAN), Valid: true}
		ev.Fields = sql.NullString{String: string(fields), Valid: true}
	}
	if err := s.lockWrite(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	defer func() {
		if err != nil {
			err = s.fail("append "+e.Txn.Ref, err)
		}
	}()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	p := s.prepared(tx)
	var lastSeq int64
	if err := p.QueryRowContext(ctx, sqlLastSeq).Scan(&lastSeq); err != nil {
		return err
	}
	var old txnRow
	isNew := false
	switch err := p.QueryRowContext(ctx, sqlTxnKey, e.Txn.Ref).Scan(&old.NEvents, &old.TerminalID, &old.Kind, &old.OrigRef,
		&old.CreatedS, &old.CreatedNS, &old.Amount, &old.Last4, &old.Batch); {
	case errors.Is(err, sql.ErrNoRows):
		isNew = true
	case err != nil:
		return err
	}
	ev.Seq, ev.N = lastSeq+1, old.NEvents+1
	if err := insertEvent(ctx, p, ev); err != nil {
		return err
	}
	row := txnRowOf(e.Txn, ev.N, string(snap))
	if !isNew && row.sameKey(&old) {
		// Only the lifecycle columns changed: leave the other indexes be.
		_, err = p.ExecContext(ctx, sqlTouchTxn, row.State, row.Receipt, row.Settled, row.NEvents, row.Snapshot, row.CRC, row.Ref)
	} else {
		err = putTxn(ctx, p, row)
	}
	if err != nil {
		return err
	}
	if isNew {
		n, err := counter(ctx, p, counterTxns)
		if err != nil {
			return err
		}
		if err := setCounter(ctx, p, counterTxns, n+1); err != nil {
			return err
		}
	}
	if err := s.injected("append " + e.Txn.Ref); err != nil {
		return err
	}
	return tx.Commit()
}

// Get implements [posclient.Journal].
func (s *Journal) Get(ctx context.Context, ref string) (t posclient.Txn, err error) {
	if err := s.lock(ctx); err != nil {
		return t, err
	}
	defer s.mu.Unlock()
	rows, err := s.db.QueryContext(ctx, "SELECT "+txnCols+" FROM txns WHERE ref = ?", ref)
	if err != nil {
		return t, s.fail("get "+ref, err)
	}
	ts, err := s.scanTxns(rows)
	if err != nil {
		return t, s.fail("get "+ref, err)
	}
	if len(ts) == 0 {
		return t, fmt.Errorf("journal: %q: %w", ref, posclient.ErrNotFound)
	}
	return ts[0], nil
}

// Find implements [posclient.Journal]. It agrees with [posclient.Query.Match].
func (s *Journal) Find(ctx context.Context, q posclient.Query) ([]posclient.Txn, error) {
	where, args := findWhere(q)
	query := "SELECT " + txnCols + " FROM txns" + where + " ORDER BY created_s, created_ns, rowid"
	if q.Limit > 0 {
		query = "SELECT " + txnCols + " FROM txns" + where + " ORDER BY created_s DESC, created_ns DESC, rowid DESC LIMIT ?"
		args = append(args, q.Limit)
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.fail("find", err)
	}
	ts, err := s.scanTxns(rows)
	if err != nil {
		return nil, s.fail("find", err)
	}
	if q.Limit > 0 {
		slices.Reverse(ts)
	}
	return ts, nil
}

// findWhere is the SQL form of q.Match.
func findWhere(q posclient.Query) (string, []any) {
	var conds []string
	var args []any
	eq := func(col string, v any) {
		conds = append(conds, col+" = ?")
		args = append(args, v)
	}
	if q.Ref != "" {
		eq("ref", q.Ref)
	}
	if q.Kind != "" {
		eq("kind", string(q.Kind))
	}
	if q.OrigRef != "" {
		eq("orig_ref", q.OrigRef)
	}
	if !q.From.IsZero() {
		conds = append(conds, "(created_s > ? OR created_s = ? AND created_ns >= ?)")
		args = append(args, q.From.Unix(), q.From.Unix(), q.From.Nanosecond())
	}
	if !q.To.IsZero() {
		conds = append(conds, "(created_s < ? OR created_s = ? AND created_ns < ?)")
		args = append(args, q.To.Unix(), q.To.Unix(), q.To.Nanosecond())
	}
	if q.Amount != 0 {
		eq("amount", q.Amount)
	}
	if q.Last4 != "" {
		eq("last4", q.Last4)
	}
	if q.Batch != 0 {
		eq("batch", int64(q.Batch))
	}
	if q.Unsettled {
		conds = append(conds, "settled = 0")
	}
	in := func(col string, vs []string) {
		conds = append(conds, col+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(vs)), ",")+")")
		for _, v := range vs {
			args = append(args, v)
		}
	}
	if len(q.States) > 0 {
		vs := make([]string, len(q.States))
		for i, v := range q.States {
			vs[i] = string(v)
		}
		in("state", vs)
	}
	if len(q.Receipts) > 0 {
		vs := make([]string, len(q.Receipts))
		for i, v := range q.Receipts {
			vs[i] = string(v)
		}
		in("receipt", vs)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// History implements [posclient.Journal].
func (s *Journal) History(ctx context.Context, ref string) ([]posclient.Entry, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	// One snapshot: another process may append meanwhile.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, s.fail("history "+ref, err)
	}
	defer tx.Rollback()
	var nev int64
	switch err := tx.QueryRowContext(ctx, sqlNEvents, ref).Scan(&nev); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("journal: %q: %w", ref, posclient.ErrNotFound)
	case err != nil:
		return nil, s.fail("history "+ref, err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+eventCols+" FROM events WHERE ref = ? ORDER BY n", ref)
	if err != nil {
		return nil, s.fail("history "+ref, err)
	}
	defer rows.Close()
	var out []posclient.Entry
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, s.fail("history "+ref, err)
		}
		if ev.N != int64(len(out)+1) {
			return nil, corrupt(s.path, fmt.Sprintf("history %s: event %d missing", ref, len(out)+1), nil)
		}
		e, err := ev.entry()
		if err != nil {
			return nil, corrupt(s.path, "history "+ref, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("history "+ref, err)
	}
	if int64(len(out)) != nev {
		return nil, corrupt(s.path, fmt.Sprintf("history %s: %d events, the transaction row counts %d", ref, len(out), nev), nil)
	}
	return out, nil
}

// NextSTAN implements [posclient.Journal].
func (s *Journal) NextSTAN(ctx context.Context, terminalID string) (uint32, error) {
	if err := s.lockWrite(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	var stan int64
	err := s.write(ctx, "next STAN", func(tx *sql.Tx) error {
		p := s.prepared(tx)
		v, err := counter(ctx, p, "stan/"+terminalID)
		if err != nil {
			return err
		}
		stan = v%999999 + 1
		return setCounter(ctx, p, "stan/"+terminalID, stan)
	})
	if err != nil {
		return 0, s.fail("next STAN", err)
	}
	return uint32(stan), nil
}

// Batch implements [posclient.Journal].
func (s *Journal) Batch(ctx context.Context, terminalID string) (uint32, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, s.fail("batch", err)
	}
	defer tx.Rollback()
	b, err := counter(ctx, tx, "batch/"+terminalID)
	if err != nil {
		return 0, s.fail("batch", err)
	}
	return uint32(max(b, 1)), nil
}

// CloseBatch implements [posclient.Journal].
func (s *Journal) CloseBatch(ctx context.Context, terminalID string, batch uint32) (uint32, error) {
	if err := s.lockWrite(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	var next int64
	err := s.write(ctx, "close batch", func(tx *sql.Tx) error {
		cur, err := counter(ctx, tx, "batch/"+terminalID)
		if err != nil {
			return err
		}
		cur = max(cur, 1)
		if int64(batch) != cur {
			return fmt.Errorf("journal: close batch %d: open batch is %d", batch, cur)
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+txnCols+" FROM txns WHERE terminal_id = ? AND batch = ? AND settled = 0", terminalID, int64(batch))
		if err != nil {
			return err
		}
		ts, nevs, err := s.scanTxnRows(rows)
		if err != nil {
			return err
		}
		for i, t := range ts {
			t.Settled = true
			snap, err := json.Marshal(t)
			if err != nil {
				return err
			}
			if err := putTxn(ctx, tx, txnRowOf(t, nevs[i], string(snap))); err != nil {
				return err
			}
		}
		next = cur%999999 + 1
		return setCounter(ctx, tx, "batch/"+terminalID, next)
	})
	if err != nil {
		return 0, s.fail("close batch", err)
	}
	return uint32(next), nil
}

// write runs f in one durable transaction.
func (s *Journal) write(ctx context.Context, op string, f func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	if err := s.injected(op); err != nil {
		return err
	}
	return tx.Commit()
}

// injected returns the storage fault Options.FailWrite injects
// into op, if any.
func (s *Journal) injected(op string) error {
	if s.failWrite == nil {
		return nil
	}
	return s.failWrite(op)
}

// Close implements [posclient.Journal]. It checkpoints the write-ahead log
// into the file. It is idempotent; other methods fail with ErrClosed after
// it.
func (s *Journal) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.closed = true
		for _, st := range s.stmts {
			st.Close()
		}
		if err := s.db.Close(); err != nil {
			s.cerr = s.fail("close", err)
		}
		// The lock goes last: the next owner must not start while this
		// connection still checkpoints.
		if err := s.owner.Release(); err != nil && s.cerr == nil {
			s.cerr = fmt.Errorf("journal: release %s%s: %w", s.path, journal.LockSuffix, err)
		}
	})
	return s.cerr
}

// Checkpoint copies the write-ahead log into the main file and truncates
// the log. Durability does not need it (the log is fsynced at every
// commit); it is for copying or inspecting a journal whose process is
// still running.
func (s *Journal) Checkpoint(ctx context.Context) error {
	if err := s.lockWrite(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	var busy, logPages, done int
	if err := s.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logPages, &done); err != nil {
		return s.fail("checkpoint", err)
	}
	if busy != 0 {
		return fmt.Errorf("journal: checkpoint %s: another connection is using the log", s.path)
	}
	return nil
}

// Claim implements [posclient.Claimer]: one Terminal at a time drives the
// journal in this process (the owner lock keeps other processes out). A
// read-only journal cannot be claimed.
func (s *Journal) Claim(holder string) (release func(), err error) {
	if s.readOnly {
		return nil, posclient.ErrReadOnly
	}
	return s.driver.Claim(s.path, holder)
}
