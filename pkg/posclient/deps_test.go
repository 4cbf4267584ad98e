package posclient_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The packages under pkg/posclient that may link what a vendor's binary
// must not: the test rig (emulators) and the SQLite journal.
var linksHeavy = []string{
	"github.com/poshil/hil/pkg/posclient/posclienttest",
	"github.com/poshil/hil/pkg/posclient/journal/sqlitejournal",
}

// TestClientLinksNoEmulator: every package of ./pkg/posclient/... but
// posclienttest and sqlitejournal links no emulator, renderer, font,
// barcode or image code, no HTTP, no SQLite and no moov-io/iso8583
// (hostproto's own codec is enough; moovspec is for tools) (STYLE.md
// item 19), so a vendor's binary that imports the client, its printer
// transport, its receipts and the memory journal carries none of it.
func TestClientLinksNoEmulator(t *testing.T) {
	out, err := exec.Command("go", "list", "github.com/poshil/hil/pkg/posclient/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	var pkgs []string
	for _, p := range strings.Fields(string(out)) {
		if !slices.Contains(linksHeavy, p) {
			pkgs = append(pkgs, p)
		}
	}
	for _, want := range []string{"github.com/poshil/hil/pkg/posclient", "github.com/poshil/hil/pkg/posclient/printer",
		"github.com/poshil/hil/pkg/posclient/receipt", "github.com/poshil/hil/pkg/posclient/journal"} {
		if !slices.Contains(pkgs, want) {
			t.Fatalf("go list ./pkg/posclient/... has no %s: %v", want, pkgs)
		}
	}
	out, err = exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	for _, p := range deps {
		if slices.Contains(linksHeavy, p) {
			t.Errorf("the client links %s", p)
		}
		for _, bad := range []string{"github.com/poshil/hil/emulator/", "github.com/poshil/hil/internal/", "modernc.org/sqlite",
			"github.com/boombuler/barcode", "github.com/makiuchi-d/gozxing", "net/http", "image", "database/sql",
			"github.com/moov-io/iso8583"} {
			if p == strings.TrimSuffix(bad, "/") || strings.HasPrefix(p, bad) && (strings.HasSuffix(bad, "/") || len(p) == len(bad) || p[len(bad)] == '/') {
				t.Errorf("the client links %s", p)
			}
		}
	}
	t.Logf("%d packages linked by %d client packages", len(deps), len(pkgs))
}
