package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/poshil/hil/faults"
)

func runHil(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestFaultsCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.plan")
	os.WriteFile(good, []byte("# S6\nseed 42\nacquirer drop-response nth=1 mti=0200\nlink latency jitter=5ms by=10ms\n"), 0o644)
	code, out, errs := runHil(t, "", "faults", "check", good)
	if code != ExitOK || out != "seed 42\nacquirer drop-response mti=0200 nth=1\nlink latency by=10ms jitter=5ms\n" {
		t.Fatalf("check good: %d\n%s\n%s", code, out, errs)
	}

	bad := filepath.Join(dir, "bad.plan")
	os.WriteFile(bad, []byte("seed 1\n\nprinter paper-out after-lines=twelve\n"), 0o644)
	code, out, errs = runHil(t, "", "faults", "check", bad)
	if want := bad + `:3:19: "after-lines=twelve": `; code != ExitFailure || out != "" || !strings.Contains(errs, want) {
		t.Fatalf("check bad: %d\nstdout %q\nstderr %q\nwant %q", code, out, errs, want)
	}

	code, out, _ = runHil(t, "client crash at=mid-print", "faults", "check", "--json", "-")
	if code != ExitOK || !strings.Contains(out, `"step": "mid-print"`) {
		t.Fatalf("check --json -: %d\n%s", code, out)
	}
	js := filepath.Join(dir, "p.json")
	os.WriteFile(js, []byte(out), 0o644)
	code, out, errs = runHil(t, "", "faults", "check", js)
	if code != ExitOK || out != "client crash at=mid-print\n" {
		t.Fatalf("check JSON file: %d %q %q", code, out, errs)
	}

	if code, _, _ := runHil(t, "", "faults", "check"); code != ExitUsage {
		t.Errorf("check without FILE: %d", code)
	}
	if code, _, _ := runHil(t, "", "faults", "frob"); code != ExitUsage {
		t.Errorf("unknown verb: %d", code)
	}
	if code, _, errs := runHil(t, "", "faults", "check", filepath.Join(dir, "missing")); code != ExitFailure || errs == "" {
		t.Errorf("missing file: %d %q", code, errs)
	}
}

func TestFaultsList(t *testing.T) {
	code, out, _ := runHil(t, "", "faults", "list")
	if code != ExitOK {
		t.Fatal(code)
	}
	for _, s := range faults.Catalogue() {
		if !strings.Contains(out, "\n"+s.Usage()+"\n") || !strings.Contains(out, s.Example) {
			t.Errorf("list lacks %s", s.Usage())
		}
	}
}
