package render

import (
	"os"
	"os/exec"
	"testing"
)

// LookTool returns the path of a command line a test needs, from the
// Debian package pkg (tests only; both test packages use it). Without it
// the test is skipped, but fails in CI, where .ci/run installs it.
func LookTool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed: .ci/run installs it (apt-get install %s)", name, pkg)
		}
		t.Skipf("%s not installed (apt-get install %s)", name, pkg)
	}
	return path
}
