package scenarios

import "github.com/rogpeppe/go-internal/testscript"

// commands returns the custom scenario commands.
func commands(opts Options) map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){}
}
