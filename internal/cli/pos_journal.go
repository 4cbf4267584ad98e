package cli

import (
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
)

// hil pos keeps its journal in SQLite (journal.OpenSQLite): durable commits,
// and a corrupt file is refused rather than replaced.
func init() {
	posOpenJournal = func(path string) (posclient.Journal, error) {
		return journal.OpenSQLite(path)
	}
}
