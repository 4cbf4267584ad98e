package escpos_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreLinksNoRenderer: the emulator core links no renderer, font or
// HTTP server; the admin API (escposadmin) and the renderers hang off it
// from outside.
func TestCoreLinksNoRenderer(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/poshil/hil/emulator/escpos").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		switch {
		case strings.HasPrefix(p, "github.com/poshil/hil/emulator/escpos/render"),
			strings.HasPrefix(p, "github.com/poshil/hil/emulator/escpos/escposadmin"),
			p == "net/http", strings.HasPrefix(p, "net/http/"),
			p == "image/png", p == "html/template":
			t.Errorf("emulator/escpos links %s", p)
		}
	}
}
