package render

import (
	"testing"

	"github.com/poshil/hil/internal/testtool"
)

// LookTool returns the path of a command line a test needs, from the
// Debian package pkg (tests only; both test packages use it). Without it
// the test is skipped, but fails in CI, where .ci/run installs it.
func LookTool(t *testing.T, name, pkg string) string {
	t.Helper()
	return testtool.Need(t, name, pkg)
}
