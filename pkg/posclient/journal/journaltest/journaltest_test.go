package journaltest_test

import (
	"testing"

	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
	"github.com/poshil/hil/pkg/posclient/journal/journaltest"
)

// The contract as a vendor runs it, naming no errors of its own.
func TestRunOnTheMemoryJournal(t *testing.T) {
	journaltest.Run(t, func(t *testing.T) posclient.Journal { return journal.NewMemory() }, nil)
}
