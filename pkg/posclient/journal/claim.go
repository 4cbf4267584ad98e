package journal

import (
	"sync"

	"github.com/poshil/hil/pkg/posclient"
)

// driver records which Terminal drives a journal in this process
// (posclient.Claimer). Across processes the SQLite journal's owner lock
// does the same job.
type driver struct {
	mu     sync.Mutex
	holder string
}

func (d *driver) claim(where, holder string) (func(), error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.holder != "" {
		return nil, &posclient.JournalInUseError{Where: where, Holder: d.holder}
	}
	d.holder = holder
	var once sync.Once
	return func() {
		once.Do(func() {
			d.mu.Lock()
			d.holder = ""
			d.mu.Unlock()
		})
	}, nil
}

// Claim implements [posclient.Claimer]: one Terminal at a time drives the
// journal.
func (m *Memory) Claim(holder string) (release func(), err error) {
	return m.driver.claim("memory", holder)
}

// Claim implements [posclient.Claimer]: one Terminal at a time drives the
// journal in this process (the owner lock keeps other processes out). A
// read-only journal cannot be claimed.
func (s *SQLite) Claim(holder string) (release func(), err error) {
	if s.readOnly {
		return nil, posclient.ErrReadOnly
	}
	return s.driver.claim(s.path, holder)
}

var (
	_ posclient.Claimer = (*Memory)(nil)
	_ posclient.Claimer = (*SQLite)(nil)
)
