package sqlitejournal_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
	"github.com/poshil/hil/pkg/posclient/journal/journaltest"
	"github.com/poshil/hil/pkg/posclient/journal/sqlitejournal"
)

// The contract of posclient.Journal, run against every implementation:
// the in-memory journal and the SQLite one must be indistinguishable
// through the interface.

var implementations = map[string]func(t *testing.T) posclient.Journal{
	"memory": func(t *testing.T) posclient.Journal { return journal.NewMemory() },
	"sqlite": func(t *testing.T) posclient.Journal { return openSQLite(t, filepath.Join(t.TempDir(), "journal.db")) },
}

func openSQLite(t testing.TB, path string) *sqlitejournal.Journal {
	t.Helper()
	j, err := sqlitejournal.Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

var ct0 = journaltest.T0

var ctKey = journaltest.CardKey

func ctTxn(ref string, amount int64, pan string, s posclient.State, r posclient.ReceiptState, at time.Time) posclient.Txn {
	return journaltest.Sale(ref, amount, pan, s, r, at)
}

func ctRefs(ts []posclient.Txn) []string { return journaltest.Refs(ts) }

func TestContract(t *testing.T) {
	for name, open := range implementations {
		t.Run(name, func(t *testing.T) {
			journaltest.Run(t, open, &journaltest.Options{FullPAN: journal.ErrFullPAN, Closed: journal.ErrClosed})
		})
	}
}
