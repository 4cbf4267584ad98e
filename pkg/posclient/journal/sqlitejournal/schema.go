package sqlitejournal

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/poshil/hil/pkg/posclient"
)

// applicationID marks a SQLite file as a poshil journal ("POSJ"), in the
// database header (PRAGMA application_id).
const applicationID = 0x504f534a

// migrations builds the schema: migrations[i] takes a journal from version
// i to version i+1 (PRAGMA user_version). A new journal runs them all in
// order, an older one the missing ones, in one transaction. Never edit a
// migration that has shipped: add one.
var migrations = []func(context.Context, *sql.Tx) error{
	// 1: transactions (latest snapshot), events (one per change, with the
	// message if any) and counters (STAN, batch, row counts). Every row
	// has a CRC-32C of its values.
	func(ctx context.Context, tx *sql.Tx) error {
		for _, stmt := range []string{
			`CREATE TABLE txns (
	ref         TEXT PRIMARY KEY NOT NULL,
	terminal_id TEXT NOT NULL,
	kind        TEXT NOT NULL,
	orig_ref    TEXT NOT NULL,
	created_s   INTEGER NOT NULL,
	created_ns  INTEGER NOT NULL,
	amount      INTEGER NOT NULL,
	last4       TEXT NOT NULL,
	state       TEXT NOT NULL,
	receipt     TEXT NOT NULL,
	batch       INTEGER NOT NULL,
	settled     INTEGER NOT NULL,
	nevents     INTEGER NOT NULL,
	snapshot    TEXT NOT NULL,
	crc         INTEGER NOT NULL
)`,
			`CREATE TABLE events (
	seq       INTEGER PRIMARY KEY NOT NULL,
	ref       TEXT NOT NULL,
	n         INTEGER NOT NULL,
	at        TEXT NOT NULL,
	state     TEXT NOT NULL,
	receipt   TEXT NOT NULL,
	note      TEXT NOT NULL,
	snapshot  TEXT NOT NULL,
	direction TEXT,
	mti       TEXT,
	stan      INTEGER,
	fields    TEXT,
	crc       INTEGER NOT NULL,
	UNIQUE (ref, n)
)`,
			`CREATE TABLE counters (
	name  TEXT PRIMARY KEY NOT NULL,
	value INTEGER NOT NULL,
	crc   INTEGER NOT NULL
)`,
		} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
		return setCounter(ctx, tx, counterTxns, 0)
	},
	// 2: indexes for Lookup (time range, amount, last 4, state and
	// receipt, refunds of an original) and a messages view.
	func(ctx context.Context, tx *sql.Tx) error {
		for _, stmt := range []string{
			`CREATE INDEX txns_created ON txns (created_s, created_ns)`,
			`CREATE INDEX txns_amount ON txns (amount)`,
			`CREATE INDEX txns_last4 ON txns (last4)`,
			`CREATE INDEX txns_state ON txns (state, receipt)`,
			`CREATE INDEX txns_orig_ref ON txns (orig_ref) WHERE orig_ref <> ''`,
			`CREATE INDEX txns_batch ON txns (terminal_id, batch, settled)`,
			`CREATE VIEW messages AS
	SELECT seq, ref, at, direction, mti, stan, fields FROM events WHERE mti IS NOT NULL`,
		} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	},
}

// migrate takes db from schema version from to version to. When another
// process migrated the file meanwhile, it starts from where that left it.
func migrate(ctx context.Context, db *sql.DB, from, to int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var cur int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
		return err
	}
	if cur > to {
		return fmt.Errorf("schema version %d is newer than this program's %d", cur, to)
	}
	if cur > from {
		from = cur
	}
	for v := from; v < to; v++ {
		if err := migrations[v](ctx, tx); err != nil {
			return fmt.Errorf("migration to version %d: %w", v+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", to)); err != nil {
		return err
	}
	return tx.Commit()
}

// counterTxns counts the rows of txns. The other counters are
// "stan/<terminal>" and "batch/<terminal>".
const counterTxns = "rows/txns"

// SQL of the write path, prepared once per journal.
const (
	sqlCounterGet = "SELECT value, crc FROM counters WHERE name = ?"
	sqlCounterSet = "INSERT INTO counters (name, value, crc) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, crc = excluded.crc"
	sqlNEvents    = "SELECT nevents FROM txns WHERE ref = ?"
	sqlLastSeq    = "SELECT coalesce(max(seq), 0) FROM events"
	sqlTxnKey     = "SELECT nevents, terminal_id, kind, orig_ref, created_s, created_ns, amount, last4, batch FROM txns WHERE ref = ?"
	sqlTouchTxn   = "UPDATE txns SET state = ?, receipt = ?, settled = ?, nevents = ?, snapshot = ?, crc = ? WHERE ref = ?"
	sqlPutTxn     = "INSERT INTO txns (" + txnCols + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)" +
		" ON CONFLICT (ref) DO UPDATE SET terminal_id = excluded.terminal_id, kind = excluded.kind, orig_ref = excluded.orig_ref," +
		" created_s = excluded.created_s, created_ns = excluded.created_ns, amount = excluded.amount, last4 = excluded.last4," +
		" state = excluded.state, receipt = excluded.receipt, batch = excluded.batch, settled = excluded.settled," +
		" nevents = excluded.nevents, snapshot = excluded.snapshot, crc = excluded.crc"
	sqlInsertEvent = "INSERT INTO events (" + eventCols + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// counter reads a counter; a missing one is 0.
func counter(ctx context.Context, q querier, name string) (int64, error) {
	var v, crc int64
	switch err := q.QueryRowContext(ctx, sqlCounterGet, name).Scan(&v, &crc); {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, err
	}
	if sum("counters", name, v) != crc {
		return 0, fmt.Errorf("counter %q: %w", name, errChecksum)
	}
	return v, nil
}

func setCounter(ctx context.Context, q querier, name string, v int64) error {
	_, err := q.ExecContext(ctx, sqlCounterSet, name, v, sum("counters", name, v))
	return err
}

// errChecksum: a row's values do not match its checksum.
var errChecksum = errors.New("row checksum mismatch")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sum is the CRC-32C of a row: the table name and each value, typed and
// length-prefixed. Values are string, int64, or the sql.Null kinds.
func sum(table string, vals ...any) int64 {
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(table)))
	b = append(b, table...)
	str := func(s string) {
		b = append(b, 's')
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, v := range vals {
		switch v := v.(type) {
		case string:
			str(v)
		case int64:
			b = append(b, 'i')
			b = binary.BigEndian.AppendUint64(b, uint64(v))
		case sql.NullString:
			if !v.Valid {
				b = append(b, 'n')
			} else {
				str(v.String)
			}
		case sql.NullInt64:
			if !v.Valid {
				b = append(b, 'n')
			} else {
				b = append(b, 'i')
				b = binary.BigEndian.AppendUint64(b, uint64(v.Int64))
			}
		default:
			panic(fmt.Sprintf("journal: checksum of %T", v))
		}
	}
	return int64(crc32.Checksum(b, castagnoli))
}

// txnRow is a row of txns.
type txnRow struct {
	Ref, TerminalID, Kind, OrigRef string
	CreatedS, CreatedNS, Amount    int64
	Last4, State, Receipt          string
	Batch, Settled, NEvents        int64
	Snapshot                       string
	CRC                            int64
}

const txnCols = "ref, terminal_id, kind, orig_ref, created_s, created_ns, amount, last4, state, receipt, batch, settled, nevents, snapshot, crc"

func txnRowOf(t posclient.Txn, nevents int64, snapshot string) txnRow {
	r := txnRow{Ref: t.Ref, TerminalID: t.TerminalID, Kind: string(t.Kind), OrigRef: t.OrigRef,
		CreatedS: t.Created.Unix(), CreatedNS: int64(t.Created.Nanosecond()), Amount: t.Amount,
		Last4: t.Card.Last4, State: string(t.State), Receipt: string(t.Receipt), Batch: int64(t.Batch),
		NEvents: nevents, Snapshot: snapshot}
	if t.Settled {
		r.Settled = 1
	}
	r.CRC = r.sum()
	return r
}

func (r *txnRow) sum() int64 {
	return sum("txns", r.Ref, r.TerminalID, r.Kind, r.OrigRef, r.CreatedS, r.CreatedNS, r.Amount, r.Last4,
		r.State, r.Receipt, r.Batch, r.Settled, r.NEvents, r.Snapshot)
}

// sameKey reports whether r and o agree on every column but the
// lifecycle ones (state, receipt, settled, nevents, snapshot, crc).
func (r *txnRow) sameKey(o *txnRow) bool {
	return r.TerminalID == o.TerminalID && r.Kind == o.Kind && r.OrigRef == o.OrigRef && r.CreatedS == o.CreatedS &&
		r.CreatedNS == o.CreatedNS && r.Amount == o.Amount && r.Last4 == o.Last4 && r.Batch == o.Batch
}

func (r *txnRow) scan(rows *sql.Rows) error {
	return rows.Scan(&r.Ref, &r.TerminalID, &r.Kind, &r.OrigRef, &r.CreatedS, &r.CreatedNS, &r.Amount, &r.Last4,
		&r.State, &r.Receipt, &r.Batch, &r.Settled, &r.NEvents, &r.Snapshot, &r.CRC)
}

// txn checks the row and decodes its snapshot.
func (r *txnRow) txn() (posclient.Txn, error) {
	var t posclient.Txn
	if r.sum() != r.CRC {
		return t, fmt.Errorf("transaction %q: %w", r.Ref, errChecksum)
	}
	if err := json.Unmarshal([]byte(r.Snapshot), &t); err != nil {
		return t, fmt.Errorf("transaction %q: snapshot: %w", r.Ref, err)
	}
	if t.Ref != r.Ref {
		return t, fmt.Errorf("transaction %q: snapshot is of %q", r.Ref, t.Ref)
	}
	return t, nil
}

func putTxn(ctx context.Context, q querier, r txnRow) error {
	_, err := q.ExecContext(ctx, sqlPutTxn, r.Ref, r.TerminalID, r.Kind, r.OrigRef, r.CreatedS, r.CreatedNS, r.Amount, r.Last4,
		r.State, r.Receipt, r.Batch, r.Settled, r.NEvents, r.Snapshot, r.CRC)
	return err
}

// scanTxnRows reads checked transactions and their event counts, closing
// rows. A checksum or decoding failure is a CorruptJournalError.
func (s *Journal) scanTxnRows(rows *sql.Rows) ([]posclient.Txn, []int64, error) {
	defer rows.Close()
	var ts []posclient.Txn
	var nevs []int64
	for rows.Next() {
		var r txnRow
		if err := r.scan(rows); err != nil {
			return nil, nil, err
		}
		t, err := r.txn()
		if err != nil {
			return nil, nil, corrupt(s.path, "bad row", err)
		}
		ts, nevs = append(ts, t), append(nevs, r.NEvents)
	}
	return ts, nevs, rows.Err()
}

func (s *Journal) scanTxns(rows *sql.Rows) ([]posclient.Txn, error) {
	ts, _, err := s.scanTxnRows(rows)
	return ts, err
}

// eventRow is a row of events.
type eventRow struct {
	Seq                  int64
	Ref                  string
	N                    int64
	At                   time.Time
	State, Receipt, Note string
	Snapshot             string
	Dir, MTI             sql.NullString
	STAN                 sql.NullInt64
	Fields               sql.NullString
	CRC                  int64
}

const eventCols = "seq, ref, n, at, state, receipt, note, snapshot, direction, mti, stan, fields, crc"

func atText(t time.Time) (string, error) {
	b, err := t.MarshalText()
	return string(b), err
}

func (r *eventRow) sum(at string) int64 {
	return sum("events", r.Seq, r.Ref, r.N, at, r.State, r.Receipt, r.Note, r.Snapshot, r.Dir, r.MTI, r.STAN, r.Fields)
}

func insertEvent(ctx context.Context, q querier, r eventRow) error {
	at, err := atText(r.At)
	if err != nil {
		return fmt.Errorf("event time: %w", err)
	}
	_, err = q.ExecContext(ctx, sqlInsertEvent, r.Seq, r.Ref, r.N, at, r.State, r.Receipt, r.Note, r.Snapshot, r.Dir, r.MTI, r.STAN, r.Fields, r.sum(at))
	return err
}

// scanEvent reads and checks one event row.
func scanEvent(rows *sql.Rows) (eventRow, error) {
	var r eventRow
	var at string
	if err := rows.Scan(&r.Seq, &r.Ref, &r.N, &at, &r.State, &r.Receipt, &r.Note, &r.Snapshot, &r.Dir, &r.MTI, &r.STAN, &r.Fields, &r.CRC); err != nil {
		return r, err
	}
	if r.sum(at) != r.CRC {
		return r, fmt.Errorf("event %d: %w", r.Seq, errChecksum)
	}
	if err := r.At.UnmarshalText([]byte(at)); err != nil {
		return r, fmt.Errorf("event %d: time: %w", r.Seq, err)
	}
	return r, nil
}

// entry decodes a checked event row.
func (r *eventRow) entry() (posclient.Entry, error) {
	e := posclient.Entry{Seq: r.Seq, At: r.At, Note: r.Note}
	if err := json.Unmarshal([]byte(r.Snapshot), &e.Txn); err != nil {
		return e, fmt.Errorf("event %d: snapshot: %w", r.Seq, err)
	}
	if r.MTI.Valid {
		m := &posclient.Message{Direction: posclient.Direction(r.Dir.String), MTI: r.MTI.String, STAN: uint32(r.STAN.Int64)}
		if err := json.Unmarshal([]byte(r.Fields.String), &m.Fields); err != nil {
			return e, fmt.Errorf("event %d: message fields: %w", r.Seq, err)
		}
		e.Message = m
	}
	return e, nil
}

// check verifies an existing file before the journal is handed out, then
// migrates an older schema and sets WAL mode. Nothing is written to the
// file before every check has passed.
func (s *Journal) check() error {
	ctx := context.Background()
	if err := checkHeader(s.path); err != nil {
		return err
	}
	// All checks read one snapshot: another process may be writing.
	rtx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return corrupt(s.path, "cannot read", err)
	}
	version, err := s.verify(ctx, rtx)
	rtx.Rollback()
	if err != nil {
		return err
	}
	if s.readOnly {
		if version < len(migrations) {
			return fmt.Errorf("journal: %s has schema version %d, this program %d: open it for writing once to migrate it", s.path, version, len(migrations))
		}
		return nil
	}
	if err := setDurable(ctx, s.db); err != nil {
		return s.fail("set WAL mode", err)
	}
	if version < len(migrations) {
		if err := migrate(ctx, s.db, version, len(migrations)); err != nil {
			return s.fail(fmt.Sprintf("migrate from schema version %d", version), err)
		}
	}
	return nil
}

// reader is a *sql.DB or *sql.Tx.
type reader interface {
	querier
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// verify runs the read-only checks of an existing file and returns its
// schema version.
func (s *Journal) verify(ctx context.Context, q reader) (int, error) {
	bad := func(detail string, err error) (int, error) { return 0, corrupt(s.path, detail, err) }
	var appID, version int64
	if err := q.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return bad("cannot read the header", err)
	}
	if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return bad("cannot read the header", err)
	}
	switch {
	case appID != applicationID:
		return bad(fmt.Sprintf("not a poshil journal (application_id %#x, want %#x)", appID, applicationID), nil)
	case version < 1:
		return bad("no schema (user_version 0)", nil)
	case version > int64(len(migrations)):
		return bad(fmt.Sprintf("schema version %d is newer than this program's %d", version, len(migrations)), nil)
	}
	if err := s.integrityCheck(ctx, q); err != nil {
		return 0, err
	}
	want, err := schemaOf(int(version))
	if err != nil {
		return 0, fmt.Errorf("journal: reference schema: %w", err)
	}
	got, err := readSchema(ctx, q)
	if err != nil {
		return bad("cannot read the schema", err)
	}
	if !slices.Equal(got, want) {
		return bad(fmt.Sprintf("schema does not match version %d", version), schemaDiff(got, want))
	}
	if err := s.verifyRows(ctx, q); err != nil {
		return 0, err
	}
	return int(version), nil
}

// checkHeader reads the SQLite database header of path: magic, page size,
// and that the file holds all the pages the header counts.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return corrupt(path, "cannot read", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return corrupt(path, "cannot read", err)
	}
	size := fi.Size()
	var h [100]byte
	if n, err := io.ReadFull(f, h[:]); err != nil {
		return corrupt(path, fmt.Sprintf("truncated: %d bytes, less than a database header", n), err)
	}
	if string(h[:16]) != "SQLite format 3\x00" {
		return corrupt(path, "not a SQLite database (bad header)", nil)
	}
	ps := int64(binary.BigEndian.Uint16(h[16:18]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps&(ps-1) != 0 {
		return corrupt(path, fmt.Sprintf("bad page size %d in the header", ps), nil)
	}
	// The fixed fields of the header (sqlite.org/fileformat.html): file
	// format versions 1 or 2, payload fractions 64/32/32, UTF-8 (which is
	// what a journal is created with), reserved bytes zero.
	switch {
	case h[18] < 1 || h[18] > 2 || h[19] < 1 || h[19] > 2:
		return corrupt(path, fmt.Sprintf("bad file format version %d/%d in the header", h[18], h[19]), nil)
	case h[21] != 64 || h[22] != 32 || h[23] != 32:
		return corrupt(path, "bad payload fractions in the header", nil)
	case binary.BigEndian.Uint32(h[56:60]) != 1:
		return corrupt(path, fmt.Sprintf("text encoding %d in the header, want 1 (UTF-8)", binary.BigEndian.Uint32(h[56:60])), nil)
	case !bytes.Equal(h[72:92], make([]byte, 20)):
		return corrupt(path, "reserved header bytes are not zero", nil)
	}
	if size%ps != 0 {
		return corrupt(path, fmt.Sprintf("truncated: %d bytes is not a whole number of %d-byte pages", size, ps), nil)
	}
	// With a live write-ahead log, the header can count pages that a
	// checkpoint was copying when the process died; SQLite finishes that.
	if wi, err := os.Stat(path + "-wal"); err == nil && wi.Size() > 0 {
		return nil
	}
	pages := int64(binary.BigEndian.Uint32(h[28:32]))
	if bytes.Equal(h[24:28], h[92:96]) && pages > 0 && size < pages*ps {
		return corrupt(path, fmt.Sprintf("truncated: the header counts %d pages, the file holds %d", pages, size/ps), nil)
	}
	return nil
}

// integrityCheck runs PRAGMA integrity_check (b-trees, free list, and
// that indexes match their tables).
func (s *Journal) integrityCheck(ctx context.Context, q reader) error {
	rows, err := q.QueryContext(ctx, "PRAGMA integrity_check(10)")
	if err != nil {
		return corrupt(s.path, "integrity check failed", err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return corrupt(s.path, "integrity check failed", err)
		}
		if m != "ok" {
			msgs = append(msgs, m)
		}
	}
	if err := rows.Err(); err != nil {
		return corrupt(s.path, "integrity check failed", err)
	}
	if len(msgs) > 0 {
		return corrupt(s.path, "integrity check failed", errors.New(strings.Join(msgs, "; ")))
	}
	return nil
}

// verifyRows checks every row's checksum, that events are numbered
// 1…n per transaction as the transaction row counts them, that seq runs
// 1…N, and the row counters.
func (s *Journal) verifyRows(ctx context.Context, q reader) error {
	bad := func(detail string, err error) error { return corrupt(s.path, detail, err) }
	nevents := map[string]int64{}
	rows, err := q.QueryContext(ctx, "SELECT "+txnCols+" FROM txns")
	if err != nil {
		return bad("cannot read transactions", err)
	}
	var ntxns int64
	for rows.Next() {
		var r txnRow
		if err := r.scan(rows); err != nil {
			rows.Close()
			return bad("cannot read transactions", err)
		}
		if r.sum() != r.CRC {
			rows.Close()
			return bad("bad row", fmt.Errorf("transaction %q: %w", r.Ref, errChecksum))
		}
		nevents[r.Ref] = r.NEvents
		ntxns++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return bad("cannot read transactions", err)
	}
	rows, err = q.QueryContext(ctx, "SELECT "+eventCols+" FROM events ORDER BY seq")
	if err != nil {
		return bad("cannot read events", err)
	}
	var seq int64
	seen := map[string]int64{}
	for rows.Next() {
		r, err := scanEvent(rows)
		if err != nil {
			rows.Close()
			return bad("bad event row", err)
		}
		seq++
		nev, ok := nevents[r.Ref]
		switch {
		case r.Seq != seq:
			err = fmt.Errorf("event %d missing", seq)
		case !ok:
			err = fmt.Errorf("event %d: no transaction %q", r.Seq, r.Ref)
		case r.N < 1 || r.N > nev:
			err = fmt.Errorf("event %d: number %d of %q, which has %d", r.Seq, r.N, r.Ref, nev)
		}
		if err != nil {
			rows.Close()
			return bad("events do not add up", err)
		}
		seen[r.Ref]++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return bad("cannot read events", err)
	}
	for ref, n := range nevents {
		if seen[ref] != n {
			return bad("events do not add up", fmt.Errorf("transaction %q has %d events, its row counts %d", ref, seen[ref], n))
		}
	}
	// The counters: every row's checksum, and the row counts.
	rows, err = q.QueryContext(ctx, "SELECT name FROM counters")
	if err != nil {
		return bad("cannot read counters", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return bad("cannot read counters", err)
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return bad("cannot read counters", err)
	}
	for _, n := range names {
		if _, err := counter(ctx, q, n); err != nil {
			return bad("bad counter row", err)
		}
	}
	got, err := counter(ctx, q, counterTxns)
	if err != nil {
		return bad("bad counter row", err)
	}
	if !slices.Contains(names, counterTxns) || got != ntxns {
		return bad("rows missing", fmt.Errorf("%s counts %d, the table holds %d", counterTxns, got, ntxns))
	}
	return nil
}

// schemaEntry is a row of sqlite_master.
type schemaEntry struct{ Type, Name, Table, SQL string }

func readSchema(ctx context.Context, q reader) ([]schemaEntry, error) {
	rows, err := q.QueryContext(ctx, "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []schemaEntry
	for rows.Next() {
		var e schemaEntry
		if err := rows.Scan(&e.Type, &e.Name, &e.Table, &e.SQL); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func schemaDiff(got, want []schemaEntry) error {
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			return fmt.Errorf("missing %s %s", want[i].Type, want[i].Name)
		case i >= len(want):
			return fmt.Errorf("unexpected %s %s", got[i].Type, got[i].Name)
		case got[i] != want[i]:
			return fmt.Errorf("%s %s differs", got[i].Type, got[i].Name)
		}
	}
	return nil
}

var schemas struct {
	sync.Mutex
	byVersion map[int][]schemaEntry
}

// schemaOf is the schema of version v, as the migrations build it in an
// in-memory database.
func schemaOf(v int) ([]schemaEntry, error) {
	schemas.Lock()
	defer schemas.Unlock()
	if s, ok := schemas.byVersion[v]; ok {
		return s, nil
	}
	ctx := context.Background()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := migrate(ctx, db, 0, v); err != nil {
		return nil, err
	}
	s, err := readSchema(ctx, db)
	if err != nil {
		return nil, err
	}
	if schemas.byVersion == nil {
		schemas.byVersion = map[int][]schemaEntry{}
	}
	schemas.byVersion[v] = s
	return s, nil
}
