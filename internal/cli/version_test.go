package cli

import (
	"runtime/debug"
	"testing"
)

func TestVersionText(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/poshil/hil", Version: "v0.3.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "061e9f2abc"}, {Key: "vcs.time", Value: "2026-12-02T14:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	want := "hil github.com/poshil/hil v0.3.0\nrevision 061e9f2abc 2026-12-02T14:00:00Z +dirty\ngo go1.26.0\n"
	if got := versionText(bi); got != want {
		t.Errorf("versionText = %q, want %q", got, want)
	}
	bi.Settings, bi.Main.Version = nil, "(devel)"
	want = "hil github.com/poshil/hil (devel)\nrevision unknown (built without VCS information, e.g. go run or go test)\ngo go1.26.0\n"
	if got := versionText(bi); got != want {
		t.Errorf("versionText = %q, want %q", got, want)
	}
}
