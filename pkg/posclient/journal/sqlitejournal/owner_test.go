package sqlitejournal_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal/sqlitejournal"
)

func TestSecondWriterRefusedNamingHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "till.db")
	a, err := sqlitejournal.OpenWith(path, sqlitejournal.Options{Holder: "till A (sale loop)"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqlitejournal.Open(path)
	var inUse *posclient.JournalInUseError
	if !errors.As(err, &inUse) || !errors.Is(err, posclient.ErrJournalInUse) {
		t.Fatalf("second writer: %v, want a *JournalInUseError", err)
	}
	if inUse.Holder != "till A (sale loop)" || inUse.Where != path {
		t.Errorf("error names holder %q at %q, want %q at %q", inUse.Holder, inUse.Where, "till A (sale loop)", path)
	}
	// Reading beside the owner is allowed.
	r, err := sqlitejournal.OpenWith(path, sqlitejournal.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open beside the owner: %v", err)
	}
	if err := r.Append(context.Background(), posclient.Entry{Txn: posclient.Txn{Ref: "x"}}); !errors.Is(err, posclient.ErrReadOnly) {
		t.Errorf("Append on a read-only journal: %v, want ErrReadOnly", err)
	}
	r.Close()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := sqlitejournal.Open(path)
	if err != nil {
		t.Fatalf("open after the owner closed: %v", err)
	}
	b.Close()
}

func TestReadOnlyNeedsAJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.db")
	if _, err := sqlitejournal.OpenWith(path, sqlitejournal.Options{ReadOnly: true}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("read-only open of a missing journal: %v, want ErrNotExist", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only open created %s", path)
	}
}

func TestWaitForOwner(t *testing.T) {
	path := filepath.Join(t.TempDir(), "till.db")
	a, err := sqlitejournal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlitejournal.OpenWith(path, sqlitejournal.Options{Wait: 30 * time.Millisecond}); !errors.Is(err, posclient.ErrJournalInUse) {
		t.Fatalf("short wait while held: %v, want ErrJournalInUse", err)
	}
	got := make(chan error, 1)
	go func() {
		b, err := sqlitejournal.OpenWith(path, sqlitejournal.Options{Wait: time.Minute})
		if err == nil {
			err = b.Close()
		}
		got <- err
	}()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("waiting writer: %v", err)
	}
}

// TestConcurrentCreate: writers starting at once on a path that does not
// exist yet take turns; exactly one creates the journal, none fails.
func TestConcurrentCreate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new.db")
	const n = 8
	var wg sync.WaitGroup
	stans := make(chan uint32, n)
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			j, err := sqlitejournal.OpenWith(path, sqlitejournal.Options{Wait: time.Minute})
			if err != nil {
				errs <- err
				return
			}
			defer j.Close()
			s, err := j.NextSTAN(ctx, "T1")
			if err != nil {
				errs <- err
				return
			}
			stans <- s
		})
	}
	wg.Wait()
	close(errs)
	close(stans)
	for err := range errs {
		t.Errorf("concurrent create: %v", err)
	}
	seen := map[uint32]bool{}
	for s := range stans {
		seen[s] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct STANs, want %d", len(seen), n)
	}
}

// TestOwnerInAnotherProcess: the lock holds across processes, names the
// other process, and dies with it (SIGKILL leaves no stale lock).
func TestOwnerInAnotherProcess(t *testing.T) {
	if os.Getenv("JOURNAL_HOLD") != "" {
		return // the child side runs in TestMain's helper
	}
	path := filepath.Join(t.TempDir(), "till.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldJournal$")
	cmd.Env = append(os.Environ(), "JOURNAL_HOLD="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "holding" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child did not take the journal: %q %v", line, err)
	}
	_, err = sqlitejournal.Open(path)
	var inUse *posclient.JournalInUseError
	if !errors.As(err, &inUse) {
		t.Fatalf("open while another process owns it: %v", err)
	}
	if want := fmt.Sprintf("pid %d,", cmd.Process.Pid); !strings.HasPrefix(inUse.Holder, want) {
		t.Errorf("holder %q, want it to start with %q", inUse.Holder, want)
	}
	cmd.Process.Kill()
	cmd.Wait()
	j, err := sqlitejournal.OpenWith(path, sqlitejournal.Options{Wait: time.Minute})
	if err != nil {
		t.Fatalf("open after the owner was killed: %v", err)
	}
	j.Close()
}

// TestHelperHoldJournal is the child of TestOwnerInAnotherProcess: it
// opens the journal, says so, and holds it until killed.
func TestHelperHoldJournal(t *testing.T) {
	path := os.Getenv("JOURNAL_HOLD")
	if path == "" {
		t.Skip("child process of TestOwnerInAnotherProcess")
	}
	j, err := sqlitejournal.Open(path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("holding")
	var b [1]byte
	os.Stdin.Read(b[:]) // until the parent closes stdin or kills us
	j.Close()
	os.Exit(0)
}
