package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestLabUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--profile", "visa"}, ExitUsage, "--profile"},
		{[]string{"--printer-profile", "tm-nope"}, ExitUsage, "--printer-profile"},
		{[]string{"extra"}, ExitUsage, "unexpected arguments"},
		{[]string{"--tcp", "off", "--pty", "off"}, ExitUsage, "unreachable"},
		{[]string{"--faults", "/nonexistent/plan.txt"}, ExitFailure, "--faults"},
		{[]string{"--http", "256.0.0.1:1"}, ExitFailure, "--http"},
	} {
		var out, errb bytes.Buffer
		code := Run(context.Background(), append([]string{"lab"}, tc.args...), strings.NewReader(""), &out, &errb)
		if code != tc.code || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("hil lab %q: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, errb.String(), tc.code, tc.want)
		}
	}
}
