package posterm_test

import (
	"strings"
	"testing"
	"time"

	"github.com/poshil/hil/terminal"
	"github.com/poshil/hil/terminal/posterm"
)

// TestConfigFromEnv: the built-in terminal's own settings are read with
// the contract's, and a bad value is an error naming its variable.
func TestConfigFromEnv(t *testing.T) {
	t.Setenv(terminal.EnvAcquirerAddr, "127.0.0.1:5000")
	t.Setenv(terminal.EnvWorkDir, t.TempDir())
	t.Setenv(posterm.EnvProfile, "cup")
	t.Setenv(posterm.EnvReceiptColumns, "32")
	t.Setenv(posterm.EnvReversalBackoff, "20ms")
	c, err := posterm.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.Profile != "cup" || c.Columns != 32 || c.ReversalBackoff != 20*time.Millisecond {
		t.Errorf("config %+v, want profile cup, 32 columns, backoff 20ms", c)
	}
	for name, bad := range map[string]string{
		posterm.EnvProfile:         "iso99",
		posterm.EnvReceiptColumns:  "80",
		posterm.EnvReversalBackoff: "-1s",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, bad)
			if _, err := posterm.ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%s: error %v, want one naming %s", name, bad, err, name)
			}
		})
	}
}
