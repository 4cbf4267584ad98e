package journal_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal"
)

// A vendor's own file journal takes the owner lock as the SQLite journal
// does: a second owner is refused, naming the first, until it lets go.
func TestLockOwner(t *testing.T) {
	path := filepath.Join(t.TempDir(), "till.journal")
	a, err := journal.LockOwner(path, 0, "till A")
	if err != nil {
		t.Fatal(err)
	}
	_, err = journal.LockOwner(path, 0, "till B")
	var inUse *posclient.JournalInUseError
	if !errors.As(err, &inUse) || inUse.Holder != "till A" || inUse.Where != path {
		t.Fatalf("second owner: %v, want a JournalInUseError naming till A at %s", err, path)
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	b, err := journal.LockOwner(path, 0, "")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	defer b.Release()
	_, err = journal.LockOwner(path, 0, "till C")
	if !errors.As(err, &inUse) || !strings.HasPrefix(inUse.Holder, "pid ") {
		t.Errorf("default holder: %v, want the process described", err)
	}
	if err := (*journal.Owner)(nil).Release(); err != nil {
		t.Errorf("nil Release: %v", err)
	}
}

func TestDriverClaim(t *testing.T) {
	var d journal.Driver
	release, err := d.Claim("j", "terminal 1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Claim("j", "terminal 2"); !errors.Is(err, posclient.ErrJournalInUse) {
		t.Fatalf("second claim: %v, want ErrJournalInUse", err)
	}
	release()
	release()
	if _, err := d.Claim("j", "terminal 2"); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
}
