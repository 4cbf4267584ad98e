package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ErrPrinterLocked is returned by [LockPrinter] when another run holds the
// printer and its lease has not expired.
var ErrPrinterLocked = errors.New("scenarios: printer is locked by another run")

// LockLease is how long a printer lock lasts without renewal. A run that
// dies leaves a lock that the next run takes over once it expired.
const LockLease = 30 * time.Minute

// PrinterLock is a lock file that reserves a real printer for one run.
type PrinterLock struct {
	path  string
	owner lockInfo
}

type lockInfo struct {
	Printer string    `json:"printer"`
	Owner   string    `json:"owner"`
	PID     int       `json:"pid"`
	Expires time.Time `json:"expires"`
}

// LockPrinter takes the lock file for printerURL in the system temporary
// folder (or $HIL_LOCK_DIR). The file names its owner and an expiry; a
// lock past its expiry is taken over, a live one gives ErrPrinterLocked
// wrapped with the owner and expiry.
func LockPrinter(printerURL string) (*PrinterLock, error) {
	dir := os.Getenv("HIL_LOCK_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	sum := sha256.Sum256([]byte(printerURL))
	path := filepath.Join(dir, "hil-printer-"+hex.EncodeToString(sum[:6])+".lock")
	host, _ := os.Hostname()
	me := lockInfo{Printer: printerURL, Owner: fmt.Sprintf("%s@%s", os.Getenv("USER"), host), PID: os.Getpid(), Expires: time.Now().Add(LockLease)}
	data, err := json.Marshal(me)
	if err != nil {
		return nil, err
	}
	for range 2 {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, werr := f.Write(data)
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				os.Remove(path)
				return nil, fmt.Errorf("scenarios: write lock %s: %w", path, werr)
			}
			return &PrinterLock{path: path, owner: me}, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("scenarios: lock %s: %w", path, err)
		}
		old, rerr := os.ReadFile(path)
		var held lockInfo
		if rerr == nil && json.Unmarshal(old, &held) == nil && time.Now().Before(held.Expires) {
			return nil, fmt.Errorf("%w: %s (pid %d) until %s; lock file %s",
				ErrPrinterLocked, held.Owner, held.PID, held.Expires.Format(time.RFC3339), path)
		}
		// Expired or unreadable: take it over.
		os.Remove(path)
	}
	return nil, fmt.Errorf("%w: lock file %s keeps reappearing", ErrPrinterLocked, path)
}

// Release removes the lock file if this run still owns it.
func (l *PrinterLock) Release() error {
	data, err := os.ReadFile(l.path)
	if err != nil {
		return nil
	}
	var held lockInfo
	if json.Unmarshal(data, &held) == nil && held.PID == l.owner.PID && held.Owner == l.owner.Owner {
		return os.Remove(l.path)
	}
	return nil
}
