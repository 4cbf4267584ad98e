package cli

import (
	"time"

	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal/sqlitejournal"
)

// hil pos keeps its journal in SQLite (sqlitejournal.OpenWith): durable
// commits, one owner at a time, and a corrupt file is refused rather than
// replaced. Read-only commands open it beside its owner.
func init() {
	posOpenJournal = func(path string, readOnly bool, wait time.Duration, failWrite func(string) error) (posclient.Journal, error) {
		return sqlitejournal.OpenWith(path, sqlitejournal.Options{ReadOnly: readOnly, Wait: wait, FailWrite: failWrite})
	}
}
