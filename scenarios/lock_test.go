package scenarios

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLockPrinter(t *testing.T) {
	t.Setenv("HIL_LOCK_DIR", t.TempDir())
	l, err := LockPrinter("serial:///dev/ttyUSB0")
	require.NoError(t, err)

	_, err = LockPrinter("serial:///dev/ttyUSB0")
	require.True(t, errors.Is(err, ErrPrinterLocked), "second lock: %v", err)

	// Another printer is independent.
	other, err := LockPrinter("tcp://10.0.0.5:9100")
	require.NoError(t, err)
	require.NoError(t, other.Release())

	require.NoError(t, l.Release())
	again, err := LockPrinter("serial:///dev/ttyUSB0")
	require.NoError(t, err)
	require.NoError(t, again.Release())
}

func TestLockPrinterTakesOverExpiredLease(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HIL_LOCK_DIR", dir)
	l, err := LockPrinter("tcp://127.0.0.1:9100")
	require.NoError(t, err)
	// Age the lease as if its run had died long ago.
	stale, err := json.Marshal(lockInfo{Printer: "tcp://127.0.0.1:9100", Owner: "ghost@rig", PID: 1, Expires: time.Now().Add(-time.Minute)})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(l.path, stale, 0o644))

	taken, err := LockPrinter("tcp://127.0.0.1:9100")
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(dir, filepath.Base(l.path)))
	require.NoError(t, err)
	var held lockInfo
	require.NoError(t, json.Unmarshal(data, &held))
	require.Equal(t, os.Getpid(), held.PID)
	require.True(t, held.Expires.After(time.Now()))
	require.NoError(t, taken.Release())
	require.NoFileExists(t, l.path)
}
