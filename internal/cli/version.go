package cli

import (
	"context"
	"fmt"
	"runtime/debug"
)

// readBuildInfo is debug.ReadBuildInfo; tests replace it.
var readBuildInfo = debug.ReadBuildInfo

func runVersion(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, "hil version",
		"Prints the module path and version hil was built from, the VCS revision and time\n"+
			"(with +dirty when the work tree had changes) and the Go version, from the build info.")
	args, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(args) > 0 {
		env.Errorf("version: unexpected argument %q", args[0])
		return ExitUsage
	}
	bi, ok := readBuildInfo()
	if !ok {
		env.Errorf("version: no build info in this binary")
		return ExitFailure
	}
	fmt.Fprint(env.Stdout, versionText(bi))
	return ExitOK
}

// versionText formats build info as "hil MODULE VERSION" and, when the
// build recorded them, "revision REV [TIME] [+dirty]" and "go VERSION".
func versionText(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(unknown)"
	}
	s := fmt.Sprintf("hil %s %s\n", bi.Main.Path, v)
	var rev, at, dirty string
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.time":
			at = " " + kv.Value
		case "vcs.modified":
			if kv.Value == "true" {
				dirty = " +dirty"
			}
		}
	}
	if rev == "" {
		rev = "unknown (built without VCS information, e.g. go run or go test)"
		at, dirty = "", ""
	}
	s += "revision " + rev + at + dirty + "\n"
	s += "go " + bi.GoVersion + "\n"
	return s
}
