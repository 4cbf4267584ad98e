package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/poshil/hil/pkg/posclient"
)

// LockSuffix is appended to a journal's path to name its owner lock file.
//
// The process that writes a journal kept in a file holds an exclusive OS
// lock (flock(2)) on path+LockSuffix for as long as the journal is open
// ([LockOwner]): a second writer, in this process or another, is refused
// with a *[posclient.JournalInUseError] naming the holder, or waits for
// it. The kernel drops the lock when the holder exits, however it exits
// (SIGKILL included), so the lock never goes stale; the file's text (pid,
// command, since when) is only there to name the holder in the error and
// is rewritten by every new owner. The lock is taken before a new journal
// is created, so two processes starting on a path that does not exist yet
// cannot both create it.
const LockSuffix = ".lock"

// lockRetry is how often a waiting writer tries the lock again.
const lockRetry = 20 * time.Millisecond

// Owner is the held owner lock of the journal file at a path (see
// LockSuffix). The SQLite journal (package sqlitejournal) takes it on
// open and releases it on close; a vendor's own file journal can do the
// same.
type Owner struct {
	fl *flock.Flock
}

// LockOwner takes the owner lock of the journal at path, waiting up to
// wait (0: not at all) for another holder to let go. holder describes
// this process in the lock file ("": [DescribeProcess]). A lock held
// elsewhere fails with a *[posclient.JournalInUseError] naming its
// holder.
func LockOwner(path string, wait time.Duration, holder string) (*Owner, error) {
	if holder == "" {
		holder = DescribeProcess()
	}
	lockPath := path + LockSuffix
	fl := flock.New(lockPath, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	var ok bool
	var err error
	if wait > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		ok, err = fl.TryLockContext(ctx, lockRetry)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			err = nil
		}
	} else {
		ok, err = fl.TryLock()
	}
	if err != nil {
		return nil, fmt.Errorf("journal: lock %s: %w", lockPath, err)
	}
	if !ok {
		return nil, &posclient.JournalInUseError{Where: path, Holder: readHolder(lockPath)}
	}
	// The text is informative only: a failure to write it does not matter.
	_ = os.WriteFile(lockPath, []byte(holder+"\n"), 0o600)
	return &Owner{fl: fl}, nil
}

// Release lets go of the lock. It is a no-op on a nil Owner.
func (o *Owner) Release() error {
	if o == nil {
		return nil
	}
	return o.fl.Unlock()
}

func readHolder(lockPath string) string {
	b, err := os.ReadFile(lockPath)
	if err != nil {
		return ""
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// DescribeProcess is the default holder text of the owner lock: pid,
// program and arguments (card numbers masked), and the time the lock was
// taken.
func DescribeProcess() string {
	args := make([]string, 0, len(os.Args))
	for i, a := range os.Args {
		if i == 0 {
			a = filepath.Base(a)
		}
		args = append(args, MaskPANs(a))
	}
	return fmt.Sprintf("pid %d, %s, since %s", os.Getpid(), strings.Join(args, " "), time.Now().UTC().Format(time.RFC3339))
}
