package scenarios_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/poshil/hil/scenarios"
)

// runSuite runs the embedded suite (or shard k of n) as "hil run" does and
// returns its JUnit report, written and read back.
func runSuite(t *testing.T, k, n int) *scenarios.JUnitReport {
	t.Helper()
	res, err := scenarios.Run(t.Context(), scenarios.RunOptions{Params: scenarios.Params(scenarios.Options{}), KeepDir: t.TempDir(), Shard: k, Shards: n})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := scenarios.NewJUnitReport(res, k, n).Write(&b); err != nil {
		t.Fatal(err)
	}
	r, err := scenarios.ReadJUnit(&b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// verdicts lists each case's name and outcome, without times and logs.
func verdicts(r *scenarios.JUnitReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "tests=%d failures=%d skipped=%d\n", r.Tests, r.Failures, r.Skipped)
	for _, c := range r.Cases {
		switch {
		case c.Failure != nil:
			fmt.Fprintf(&b, "%s FAIL %s\n", c.Name, c.Failure.Message)
		case c.Skipped != nil:
			fmt.Fprintf(&b, "%s skip %s\n", c.Name, c.Skipped.Message)
		default:
			fmt.Fprintf(&b, "%s pass\n", c.Name)
		}
	}
	return b.String()
}

// TestSuiteShardsMergeJUnit: the JUnit reports of shards 1/3, 2/3 and 3/3
// of the built-in suite, merged, are the unsharded run's report: every
// scenario once, with the same outcome.
func TestSuiteShardsMergeJUnit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite twice")
	}
	whole := runSuite(t, 0, 0)
	var shards []*scenarios.JUnitReport
	for k := 3; k >= 1; k-- {
		shards = append(shards, runSuite(t, k, 3))
	}
	merged, err := scenarios.MergeJUnit(shards, []string{"3", "2", "1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := verdicts(merged), verdicts(whole); got != want {
		t.Errorf("merged shards:\n%s\nunsharded run:\n%s", got, want)
	}
	if whole.Tests < 30 || whole.Failures != 0 {
		t.Errorf("the suite: %d scenarios, %d failed", whole.Tests, whole.Failures)
	}
	for _, tc := range []struct {
		reports []*scenarios.JUnitReport
		want    string
	}{
		{shards[:2], "shard 1/3 missing"},
		{append(shards, shards[0]), "shard 3/3 given twice"},
		{[]*scenarios.JUnitReport{whole, shards[0]}, "a shard and a whole run"},
		{[]*scenarios.JUnitReport{whole, whole}, "overlapping reports"},
	} {
		if _, err := scenarios.MergeJUnit(tc.reports, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("MergeJUnit = %v, want %q", err, tc.want)
		}
	}
}

func TestReadJUnitErrors(t *testing.T) {
	for _, in := range []string{"", "<testsuites></testsuites>",
		`<testsuite name="hil" time="1"><properties><property name="hil.shard" value="4/3"/></properties></testsuite>`} {
		if _, err := scenarios.ReadJUnit(strings.NewReader(in)); err == nil {
			t.Errorf("ReadJUnit(%q) accepted", in)
		}
	}
}

// FuzzMergeJUnit: any input is a report or an error from ReadJUnit, and
// merging what it read never panics; a merge of one report has its cases.
func FuzzMergeJUnit(f *testing.F) {
	var b bytes.Buffer
	scenarios.NewJUnitReport([]scenarios.Result{{Name: "a", Outcome: scenarios.Passed}, {Name: "b", Outcome: scenarios.Failed, Reason: "x", Log: "log"}}, 2, 3).Write(&b)
	f.Add(b.Bytes())
	f.Add([]byte(`<testsuite name="hil" time="0.5"><testcase name="a"/><testcase name="a"/></testsuite>`))
	f.Add([]byte(`<testsuite time="x"><properties><property name="hil.shard" value="1/1"/></properties></testsuite>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := scenarios.ReadJUnit(bytes.NewReader(data))
		if err != nil {
			return
		}
		m, err := scenarios.MergeJUnit([]*scenarios.JUnitReport{r}, []string{"in"})
		if err != nil {
			return
		}
		if m.Tests != len(r.Cases) {
			t.Fatalf("merge of one report: %d cases, it has %d", m.Tests, len(r.Cases))
		}
		var out bytes.Buffer
		if err := m.Write(&out); err != nil {
			t.Fatal(err)
		}
		if _, err := scenarios.ReadJUnit(&out); err != nil {
			t.Fatalf("a merged report does not read back: %v\n%s", err, out.Bytes())
		}
	})
}
