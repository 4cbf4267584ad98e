// Package testtool finds, for tests, the programs nobody here wrote that
// judge the project's output (python3, zint, zbarimg, chromium, ser2net …).
// Without one a test is skipped, except in CI (the CI variable set), where
// .ci/run installs it and its absence fails the test.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Need returns the path of the command name, which the Debian package pkg
// provides. Without it, tb is skipped outside CI and fails in CI.
func Need(tb testing.TB, name, pkg string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if InCI() {
			tb.Fatalf("%s not installed: .ci/run installs it (apt-get install %s)", name, pkg)
		}
		tb.Skipf("%s not installed (apt-get install %s; it is in CI)", name, pkg)
	}
	return path
}

// Python returns the path of python3, as Need does.
func Python(tb testing.TB) string {
	tb.Helper()
	return Need(tb, "python3", "python3")
}

// InCI reports whether the tests run in CI, where every tool is installed.
func InCI() bool { return os.Getenv("CI") != "" }
