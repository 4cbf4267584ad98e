package journal

import (
	"sync"

	"github.com/poshil/hil/pkg/posclient"
)

// Driver records which Terminal drives a journal in this process: the
// work of [posclient.Claimer]. A journal embeds one and answers Claim
// with [Driver.Claim]; across processes a file journal's owner lock
// ([LockOwner]) does the same job. The zero value is unclaimed.
type Driver struct {
	mu     sync.Mutex
	holder string
}

// Claim makes holder the one driver of the journal named where, or fails
// with a *[posclient.JournalInUseError] naming the current holder. The
// returned release is idempotent.
func (d *Driver) Claim(where, holder string) (release func(), err error) {
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
	return m.driver.Claim("memory", holder)
}

var _ posclient.Claimer = (*Memory)(nil)
