package posclient_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestClientLinksNoEmulator: a vendor's binary that imports the client
// core and its printer transport links no emulator, renderer, font,
// barcode or image code, no HTTP server and no SQLite (STYLE.md item 19).
func TestClientLinksNoEmulator(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/poshil/hil/pkg/posclient", "github.com/poshil/hil/pkg/posclient/printer").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		for _, bad := range []string{"github.com/poshil/hil/emulator/", "github.com/poshil/hil/internal/", "modernc.org/sqlite",
			"github.com/boombuler/barcode", "github.com/makiuchi-d/gozxing", "net/http", "image"} {
			if p == strings.TrimSuffix(bad, "/") || strings.HasPrefix(p, bad) && (strings.HasSuffix(bad, "/") || len(p) == len(bad) || p[len(bad)] == '/') {
				t.Errorf("the client links %s", p)
			}
		}
	}
}
