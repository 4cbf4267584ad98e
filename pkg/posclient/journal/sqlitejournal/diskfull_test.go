package sqlitejournal_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/escpos/render"
	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal/sqlitejournal"
	"github.com/poshil/hil/pkg/posclient/posclienttest"
)

// smallFS mounts a tmpfs of size bytes for the test, or skips saying why.
func smallFS(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mount a %s tmpfs (CI runs as root and must be able to): %v", size, err)
		}
		t.Skipf("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): %v", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

// fill writes zeros to a file in dir until the filesystem is full and
// returns the file's name.
func fill(t *testing.T, dir string) string {
	t.Helper()
	name := filepath.Join(dir, "filler")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, unix.ENOSPC) {
				t.Fatalf("filling %s: %v", dir, err)
			}
			return name
		}
	}
}

// TestDiskFullAfterApproval: a real filesystem fills up between the host's
// approval and the journal row that records it. The sale reports that the
// host approved and the journal could not record it (not "nothing
// charged"); nothing is printed for it; once there is room, Recover
// settles it from the row written before the send — reversed at the host,
// no receipt — and a second Recover changes nothing.
func TestDiskFullAfterApproval(t *testing.T) {
	ctx := context.Background()
	dir := smallFS(t, "1m")
	path := filepath.Join(dir, "till.db")
	j, err := sqlitejournal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var filler string
	env := posclienttest.New(t, posclienttest.Options{Config: posclient.Config{Journal: j, CrashHook: func(step string) {
		if step == posclient.CrashAfterResponse && filler == "" {
			filler = fill(t, dir)
		}
	}}})
	res, err := env.Terminal.Sale(ctx, posclient.SaleRequest{Amount: 4200, PAN: posclienttest.CardApprove})
	var se *posclient.StorageError
	if !errors.As(err, &se) || !errors.Is(err, posclient.ErrStorage) {
		t.Fatalf("sale on a full disk: %v, want a *StorageError", err)
	}
	if se.State != posclient.StateApproved || !se.MaybeCharged() || !strings.Contains(err.Error(), "approved at the host; the journal could not record it") {
		t.Errorf("error %q (state %s): want it to say the host approved", err, se.State)
	}
	if !strings.Contains(err.Error(), "full") {
		t.Errorf("error %q does not say the disk is full", err)
	}
	if res.Ref == "" {
		t.Errorf("result names no reference: %+v", res)
	}
	env.Printer.WaitIdle(ctx)
	if n := len(env.Printer.Receipts()); n != 0 {
		t.Errorf("%d receipts printed for a sale the journal could not record", n)
	}

	// Room again; the next start finishes the job.
	env.Terminal.Close()
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j2, err := sqlitejournal.Open(path)
	if err != nil {
		t.Fatalf("reopen after the disk was full: %v", err)
	}
	defer j2.Close()
	cfg := env.Config
	cfg.Journal, cfg.CrashHook = j2, nil
	term, err := posclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	for i := range 2 {
		if _, err := term.Recover(ctx); err != nil {
			t.Fatalf("recover %d: %v", i+1, err)
		}
	}
	tx, err := j2.Get(ctx, res.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if tx.State != posclient.StateReversed {
		t.Errorf("after recover the sale is %s, want reversed", tx.State)
	}
	for _, v := range env.Acquirer.Ledger().Transactions(posclienttest.TerminalID) {
		if v.Type == acquirer.KindSale && v.State == acquirer.StateApproved {
			t.Errorf("host still holds the charge %s", v.RRN)
		}
	}
	env.Printer.WaitIdle(ctx)
	for _, r := range env.Printer.Receipts() {
		t.Errorf("a receipt was printed for the reversed sale:\n%s", render.Text(r))
	}
}
