package sqlitejournal_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/poshil/hil/pkg/posclient"
	"github.com/poshil/hil/pkg/posclient/journal/sqlitejournal"
)

// fuzzBase is a real journal file (sales, a refund, a settled batch),
// checkpointed and closed, and what it holds.
var fuzzBase struct {
	once sync.Once
	data []byte
	want map[string][]posclient.Entry
	stan uint32
	err  error
}

func baseJournal(t testing.TB) ([]byte, map[string][]posclient.Entry, uint32) {
	fuzzBase.once.Do(func() {
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "journal-fuzz")
		if err != nil {
			fuzzBase.err = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "journal.db")
		j, err := sqlitejournal.Open(path)
		if err != nil {
			fuzzBase.err = err
			return
		}
		defer j.Close()
		for i := range 12 {
			if _, err := saleLifecycle(ctx, j, i); err != nil {
				fuzzBase.err = err
				return
			}
			if i == 5 {
				if _, err := j.CloseBatch(ctx, "T1", 1); err != nil {
					fuzzBase.err = err
					return
				}
			}
		}
		refund := ctTxn("000002-000013", 300, "4242424242424242", posclient.StateApproved, posclient.ReceiptOwed, ct0)
		refund.Kind, refund.OrigRef = posclient.KindRefund, "000001-000001"
		if err := j.Append(ctx, posclient.Entry{At: ct0, Txn: refund, Note: "refund"}); err != nil {
			fuzzBase.err = err
			return
		}
		fuzzBase.want = map[string][]posclient.Entry{}
		all, err := j.Find(ctx, posclient.Query{})
		for _, tx := range all {
			h, herr := j.History(ctx, tx.Ref)
			err = errors.Join(err, herr)
			fuzzBase.want[tx.Ref] = h
		}
		fuzzBase.stan, _ = j.NextSTAN(ctx, "T1")
		err = errors.Join(err, j.Checkpoint(ctx), j.Close())
		if err != nil {
			fuzzBase.err = err
			return
		}
		if _, err := os.Stat(path + "-wal"); err == nil {
			fuzzBase.err = errors.New("the write-ahead log is still there after Close")
			return
		}
		fuzzBase.data, fuzzBase.err = os.ReadFile(path)
	})
	if fuzzBase.err != nil {
		t.Fatalf("base journal: %v", fuzzBase.err)
	}
	return fuzzBase.data, fuzzBase.want, fuzzBase.stan
}

// isCorrupt checks that err is the typed corrupt-journal error naming path.
func isCorrupt(t *testing.T, err error, path string) bool {
	t.Helper()
	var cj *posclient.CorruptJournalError
	if !errors.Is(err, posclient.ErrCorruptJournal) || !errors.As(err, &cj) || cj.Where != path {
		t.Fatalf("error is not a CorruptJournalError naming the file: %v", err)
	}
	return true
}

// FuzzOpenTruncated damages a real journal file — truncated at an offset
// (mode even) or 1–4 bytes flipped with x at an offset (mode odd) — and
// opens it. Open must fail with a CorruptJournalError naming the file, or
// succeed with every transaction and event intact, where reading any of
// them either gives exactly what was written or fails with that error.
// Never a panic, never a silently shorter or altered journal.
func FuzzOpenTruncated(f *testing.F) {
	for _, off := range []uint32{0, 1, 16, 18, 24, 28, 44, 56, 60, 68, 92, 96, 99, 100, 101, 200, 1000, 4095, 4096, 4100, 8192, 9000, 12288, 20000, 30000} {
		f.Add(off, uint8(0), uint8(0))
		f.Add(off, uint8(1), uint8(0x01))
		f.Add(off, uint8(7), uint8(0xff))
	}
	f.Fuzz(func(t *testing.T, off uint32, mode, x uint8) {
		base, want, stan := baseJournal(t)
		data := slices.Clone(base)
		pos := int(off % uint32(len(data)))
		if mode%2 == 0 {
			data = data[:pos]
		} else {
			if x == 0 {
				x = 0xff
			}
			for i := range 1 + int(mode>>1)%4 {
				if pos+i < len(data) {
					data[pos+i] ^= x
				}
			}
		}
		path := filepath.Join(t.TempDir(), "journal.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := sqlitejournal.Open(path)
		if err != nil {
			isCorrupt(t, err, path)
			return
		}
		defer j.Close()
		ctx := context.Background()
		all, err := j.Find(ctx, posclient.Query{})
		if err != nil {
			isCorrupt(t, err, path)
		} else {
			var refs []string
			for _, tx := range all {
				refs = append(refs, tx.Ref)
			}
			var wantRefs []string
			for ref := range want {
				wantRefs = append(wantRefs, ref)
			}
			slices.Sort(refs)
			slices.Sort(wantRefs)
			if !slices.Equal(refs, wantRefs) {
				t.Fatalf("opened with transactions %v, want %v", refs, wantRefs)
			}
		}
		for ref, events := range want {
			h, err := j.History(ctx, ref)
			if err != nil {
				isCorrupt(t, err, path)
				continue
			}
			if d := cmp.Diff(events, h); d != "" {
				t.Fatalf("%s changed (-want +got):\n%s", ref, d)
			}
			got, err := j.Get(ctx, ref)
			if err != nil {
				isCorrupt(t, err, path)
				continue
			}
			if last := events[len(events)-1].Txn; got.Ref != ref || got.State != last.State || got.Amount != last.Amount || got.Card != last.Card {
				t.Fatalf("%s changed: %+v", ref, got)
			}
		}
		next, err := j.NextSTAN(ctx, "T1")
		if err != nil {
			isCorrupt(t, err, path)
		} else if next != stan+1 {
			t.Fatalf("next STAN %d, want %d", next, stan+1)
		}
	})
}

// TestOpenTruncatedEveryPage truncates the base journal at every page
// boundary and in the middle of every page: each must be refused.
func TestOpenTruncatedEveryPage(t *testing.T) {
	base, _, _ := baseJournal(t)
	const page = 4096
	if len(base)%page != 0 {
		t.Fatalf("base journal is %d bytes, not whole %d-byte pages", len(base), page)
	}
	dir := t.TempDir()
	for n := 0; n < len(base); n += page / 2 {
		path := filepath.Join(dir, "journal.db")
		if err := os.WriteFile(path, base[:n], 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := sqlitejournal.Open(path)
		if err == nil {
			j.Close()
			t.Fatalf("a journal cut to %d of %d bytes opened", n, len(base))
		}
		isCorrupt(t, err, path)
	}
}
