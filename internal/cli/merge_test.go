package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/poshil/hil/chaos/chaostest"
)

var mergeRuns = flag.Int("chaos.merge.runs", 300, "schedules of TestChaosShardsMerge (3000 for the documented run)")

// chaosArgs is a cheap chaos configuration: one terminal, four operations,
// up to two faults.
var chaosArgs = []string{"--terminals", "1", "--ops", "4", "--faults", "2"}

// runChaosJSON runs hil chaos with args and returns its --json summary.
func runChaosJSON(t *testing.T, args ...string) []byte {
	t.Helper()
	file := filepath.Join(t.TempDir(), "summary.json")
	code, out, errs := runChaosCLI(t, append(append(append([]string{}, chaosArgs...), "--json", file, "--out", t.TempDir(), "--max-shrink", "0"), args...)...)
	if code != ExitOK && code != ExitFailure {
		t.Fatalf("chaos %v: exit %d\n%s\n%s", args, code, out, errs)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func runMerge(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(t.Context(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// sameChaos compares two summaries on what does not depend on timing:
// everything but the faults that fired (see chaosJSON).
func sameChaos(t *testing.T, what string, a, b []byte) {
	t.Helper()
	var x, y chaosJSON
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	if x.Faults == 0 || y.Faults == 0 {
		t.Errorf("%s: no fault fired (%d, %d)", what, x.Faults, y.Faults)
	}
	x.Faults, y.Faults, x.FaultsByKind, y.FaultsByKind = 0, 0, nil, nil
	if !reflect.DeepEqual(x, y) {
		t.Errorf("%s:\n%s\nunsharded run:\n%s", what, a, b)
	}
}

// TestChaosShardsMerge: the summaries of shards 1/3, 2/3 and 3/3 merged
// are the unsharded run's summary: the same schedules, operations,
// planned faults and verdicts (go test -run TestChaosShardsMerge
// -chaos.merge.runs 3000 for the 3,000-schedule run of docs/ci.md).
func TestChaosShardsMerge(t *testing.T) {
	runs := fmt.Sprint(*mergeRuns)
	whole := runChaosJSON(t, "--seed", "11", "--runs", runs)
	var files []string
	dir := t.TempDir()
	for k := 1; k <= 3; k++ {
		f := filepath.Join(dir, fmt.Sprintf("shard-%d.json", k))
		os.WriteFile(f, runChaosJSON(t, "--seed", "11", "--runs", runs, "--shard", fmt.Sprintf("%d/3", k)), 0o644)
		files = append(files, f)
	}
	merged := filepath.Join(dir, "merged.json")
	code, out, errs := runMerge(t, append([]string{"chaos", "merge", "-o", merged, files[2], files[0]}, files[1])...)
	if code != ExitOK {
		t.Fatalf("merge: exit %d\n%s%s", code, out, errs)
	}
	got, _ := os.ReadFile(merged)
	sameChaos(t, "merged shards", got, whole)
	var s, m chaosJSON
	if err := json.Unmarshal(whole, &s); err != nil || s.Schedules != *mergeRuns || s.Ops == 0 || s.FaultsPlanned == 0 || len(s.PlannedByKind) < 10 {
		t.Errorf("unsharded summary %+v, %v", s, err)
	}
	json.Unmarshal(got, &m)
	if want := fmt.Sprintf("chaos: %d runs, %d operations, %d faults, 0 violations\n", m.Schedules, m.Ops, m.Faults); lastLine(out) != want {
		t.Errorf("merge says %q, want %q", lastLine(out), want)
	}
	t.Logf("%d schedules, %d operations, %d faults planned; fired: %d unsharded, %d in the shards", s.Schedules, s.Ops, s.FaultsPlanned, s.Faults, m.Faults)
}

// TestChaosShardsMergeFound: with a broken client the shards find
// violations; merged, they are the schedules the unsharded run found, and
// merge exits 1.
func TestChaosShardsMergeFound(t *testing.T) {
	ChaosMutation = chaostest.ReprintUnmarked()
	t.Cleanup(func() { ChaosMutation = nil })
	args := []string{"--seed", "3", "--runs", "24", "--terminals", "2", "--ops", "8", "--exclude", "printer power-cycle"}
	whole := runChaosJSON(t, args...)
	var files []string
	for k := 1; k <= 2; k++ {
		f := filepath.Join(t.TempDir(), "s.json")
		os.WriteFile(f, runChaosJSON(t, append(args, "--shard", fmt.Sprintf("%d/2", k))...), 0o644)
		files = append(files, f)
	}
	code, out, errs := runMerge(t, append([]string{"chaos", "merge"}, files...)...)
	if code != ExitFailure {
		t.Fatalf("merge of violating shards: exit %d, want 1\n%s", code, errs)
	}
	sameChaos(t, "merged shards", []byte(out), whole)
	var s chaosJSON
	json.Unmarshal(whole, &s)
	if s.Violations == 0 || len(s.Found) != s.Violations || !strings.Contains(errs, fmt.Sprintf("violation: seed %d", s.Found[0].Seed)) {
		t.Errorf("found %+v; merge said:\n%s", s.Found, errs)
	}
}

func TestChaosMergeErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, edit func(*chaosJSON)) string {
		s := chaosJSON{Format: chaosJSONFormat, Seed: 5, Runs: 10, Config: chaosConfig{Terminals: 1, Ops: 4, Faults: 2, Exclude: []string{}, ResponseTimeout: "30ms"},
			FaultsByKind: map[string]int{}, Found: []chaosFound{}, Errors: []chaosFound{}}
		edit(&s)
		p := filepath.Join(dir, name)
		if err := writeChaosJSON(p, s); err != nil {
			t.Fatal(err)
		}
		return p
	}
	shard := func(k, n, schedules int) func(*chaosJSON) {
		return func(s *chaosJSON) { s.Shard, s.Schedules = fmt.Sprintf("%d/%d", k, n), schedules }
	}
	s1 := write("s1.json", shard(1, 3, 4))
	s2 := write("s2.json", shard(2, 3, 3))
	s3 := write("s3.json", shard(3, 3, 3))
	short := write("short.json", shard(3, 3, 2))
	otherSeed := write("seed.json", func(s *chaosJSON) { shard(3, 3, 3)(s); s.Seed = 6 })
	otherOps := write("ops.json", func(s *chaosJSON) { shard(3, 3, 3)(s); s.Config.Ops = 5 })
	wrongSeed := write("wrong.json", func(s *chaosJSON) {
		shard(3, 3, 3)(s)
		s.Found = []chaosFound{{Seed: 6, Violations: []string{"x"}}} // index 1: shard 2
	})
	whole := write("whole.json", func(s *chaosJSON) { s.Schedules = 10 })
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"format":"hil-chaos-summary/1","runz":3}`), 0o644)
	for _, tc := range []struct {
		files   []string
		mention string
	}{
		{nil, "no summaries"},
		{[]string{s1, s2}, "shard 3/3 missing"},
		{[]string{s1, s2, s2, s3}, "shard 2/3 given twice"},
		{[]string{s1, s2, short}, "ran 2 of its 3 schedules"},
		{[]string{s1, s2, otherSeed}, "share --seed and --runs"},
		{[]string{s1, s2, otherOps}, "share --terminals"},
		{[]string{s1, s2, wrongSeed}, "seed 6 is not in shard 3/3"},
		{[]string{s1, whole}, "not one run"},
		{[]string{bad}, "not a hil chaos --json summary"},
		{[]string{filepath.Join(dir, "none.json")}, "no such file"},
	} {
		code, _, errs := runMerge(t, append([]string{"chaos", "merge"}, tc.files...)...)
		if code != ExitUsage || !strings.Contains(errs, tc.mention) {
			t.Errorf("merge %v: exit %d, stderr %q; want 2 mentioning %q", tc.files, code, errs, tc.mention)
		}
	}
	if code, out, errs := runMerge(t, "chaos", "merge", s3, s1, s2); code != ExitOK || !strings.Contains(errs, "chaos: 10 runs") || !strings.Contains(out, `"schedules": 10`) {
		t.Errorf("merge of the three: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := runMerge(t, "chaos", "--json", filepath.Join(dir, "no", "such", "dir.json")); code != ExitUsage || !strings.Contains(errs, "--json") {
		t.Errorf("chaos --json into a missing folder: exit %d, %s", code, errs)
	}
}

// TestRunMergeJUnit: 'hil run merge-junit' of the reports of --shard 1/3,
// 2/3 and 3/3 is the unsharded run's report (times aside); a failing
// scenario makes it exit 1, a missing shard is a usage error.
func TestRunMergeJUnit(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		os.WriteFile(filepath.Join(dir, n+".txtar"), []byte("exists data.txt\n-- data.txt --\nok\n"), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "f.txtar"), []byte("exists missing.txt\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "g.txtar"), []byte("skip 'not here'\n"), 0o644)
	out := t.TempDir()
	junit := func(shard string) string {
		f := filepath.Join(out, "junit-"+strings.ReplaceAll(shard, "/", "of")+".xml")
		args := []string{"run", "--junit", f, "--keep", t.TempDir(), dir}
		if shard != "" {
			args = append(args, "--shard", shard)
		}
		runMerge(t, args...)
		return f
	}
	whole := junit("")
	files := []string{junit("2/3"), junit("3/3"), junit("1/3")}
	merged := filepath.Join(out, "merged.xml")
	code, stdout, errs := runMerge(t, append([]string{"run", "merge-junit", "-o", merged}, files...)...)
	if code != ExitFailure || !strings.Contains(stdout, "merged 3 reports: 7 scenarios, 1 failed, 1 skipped") {
		t.Fatalf("merge-junit: exit %d\n%s%s", code, stdout, errs)
	}
	strip := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// Times and the work folders differ from run to run.
		return regexp.MustCompile(` time="[0-9.]+"|WORK=[^&]*`).ReplaceAllString(string(b), "")
	}
	if got, want := strip(merged), strip(whole); got != want {
		t.Errorf("merged:\n%s\nunsharded:\n%s", got, want)
	}
	if code, _, errs := runMerge(t, "run", "merge-junit", files[0], files[1]); code != ExitUsage || !strings.Contains(errs, "shard 1/3 missing") {
		t.Errorf("two of three shards: exit %d, %s", code, errs)
	}
	if code, _, errs := runMerge(t, "run", "merge-junit"); code != ExitUsage || !strings.Contains(errs, "no reports") {
		t.Errorf("no reports: exit %d, %s", code, errs)
	}
}
