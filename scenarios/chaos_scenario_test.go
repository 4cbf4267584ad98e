package scenarios_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/poshil/hil/chaos"
	"github.com/poshil/hil/chaos/chaostest"
	"github.com/poshil/hil/scenarios"
)

// mutationEnv names the mutation the hil of a scenario runs with (tests
// only; see TestMain).
const mutationEnv = "POSHIL_TEST_MUTATION"

// unmarkedReprints breaks the client: duplicates are printed without their
// DUPLICATE mark (invariant 2).
var unmarkedReprints = chaostest.ReprintUnmarked()

// mutations are the broken clients a scenario's hil can run with, by name.
var mutations = map[string]*chaos.Mutation{}

func init() {
	for _, m := range []*chaos.Mutation{unmarkedReprints, chaostest.SecondOwner(), chaostest.TrustCleanStatus(),
		chaostest.InterruptedUnmarked(), chaostest.SwallowJournalErrors()} {
		mutations[m.Name] = m
	}
}

// runScenarios runs the .txtar files of dir as "hil run" does, with the
// hil of the scripts broken by mutation when it is not empty.
func runScenarios(t *testing.T, dir, mutation string) []scenarios.Result {
	t.Helper()
	p := scenarios.Params(scenarios.Options{})
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		env.Setenv(mutationEnv, mutation)
		if setup != nil {
			return setup(env)
		}
		return nil
	}
	res, err := scenarios.Run(t.Context(), scenarios.RunOptions{Paths: []string{dir}, Params: p, KeepDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// writeScenario runs s in process as hil chaos does, checks it and writes
// the scenario hil chaos would write; it returns the violations.
func writeScenario(t *testing.T, dir, name string, s chaos.Schedule, m *chaos.Mutation) []chaos.Violation {
	t.Helper()
	h, err := chaos.Run(t.Context(), s, chaos.Options{Mutation: m})
	if err != nil {
		t.Fatal(err)
	}
	vs := chaos.Check(h)
	if err := os.WriteFile(filepath.Join(dir, name+".txtar"), chaos.Scenario(h, vs), 0o644); err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestChaosScenarioReproduces: the scenario hil chaos writes reproduces
// the run it was written from, under the scenario runner. Clean runs —
// crashes, link, printer and acquirer faults included — pass as scripts;
// a violation by a broken client fails the script with the same
// invariant while the client is broken, and passes once it is not.
func TestChaosScenarioReproduces(t *testing.T) {
	clean := t.TempDir()
	handmade, err := chaos.ParseSchedule(`seed 11
terminals 2
op 1 t1 sale amount=1250 card=approve
op 2 t2 sale amount=900 card=other
op 3 t1 refund of=1 amount=250 card=approve
op 4 t1 sale amount=300 card=approve
op 5 t2 lookup-refund of=2 card=other
op 6 t1 reprint of=4
op 7 t2 settle
fault acquirer drop-response mti=0200 nth=2
fault t1 printer paper-out after-lines=20
fault t1 client crash at=after-approval nth=3
fault t2 link reset dir=down nth=3
`)
	if err != nil {
		t.Fatal(err)
	}
	schedules := []chaos.Schedule{handmade}
	for _, seed := range []int64{3, 40} { // seeds with link faults and crashes
		schedules = append(schedules, chaos.Generate(seed, chaos.GenConfig{}))
	}
	for i, s := range schedules {
		if vs := writeScenario(t, clean, fmt.Sprintf("clean_%d", i), s, nil); len(vs) > 0 {
			t.Fatalf("schedule %d violates %v", i, vs)
		}
	}
	res := runScenarios(t, clean, "")
	if len(res) != len(schedules) {
		t.Fatalf("%d results for %d scenarios", len(res), len(schedules))
	}
	for _, r := range res {
		t.Logf("%s: %s in %s", r.Name, r.Outcome, r.Duration)
		if r.Outcome != scenarios.Passed {
			t.Errorf("%s: %s, want pass: %s\n%s", r.Name, r.Outcome, r.Reason, r.Log)
		}
	}

	broken := t.TempDir()
	s, err := chaos.ParseSchedule("seed 5\nterminals 1\nop 1 t1 sale amount=1250 card=approve\nop 2 t1 reprint of=1\n")
	if err != nil {
		t.Fatal(err)
	}
	vs := writeScenario(t, broken, "unmarked", s, unmarkedReprints)
	if len(vs) == 0 || vs[0].Invariant != chaos.InvReceipt {
		t.Fatalf("mutated run: violations %v, want invariant 2", vs)
	}
	res = runScenarios(t, broken, unmarkedReprints.Name)
	if len(res) != 1 || res[0].Outcome != scenarios.Failed || !strings.Contains(res[0].Log, "violation: invariant 2 (receipt)") {
		t.Errorf("scenario on the broken client: %+v, want a failure on invariant 2", res)
	}
	res = runScenarios(t, broken, "")
	if len(res) != 1 || res[0].Outcome != scenarios.Passed {
		t.Errorf("scenario on the client as shipped: %+v, want pass", res)
	}
}

// TestJournalAndPrintingMutationScenarios: for each way of breaking the
// journal's one owner, printing proof, the interrupted mark and storage
// errors, a small schedule that shows it is written as a scenario; the
// scenario fails under hil run with the broken client, naming the
// invariant, and passes with the client as shipped.
func TestJournalAndPrintingMutationScenarios(t *testing.T) {
	for _, tc := range []struct {
		mutation string
		schedule string
		want     int
	}{
		{"second-owner", "fault t1 client intrude at=after-response nth=1\n", chaos.InvCharge},
		{"trust-clean-status", "fault t1 printer power-cycle after-lines=5\n", chaos.InvReceipt},
		{"interrupted-unmarked", "fault t1 client crash at=after-print nth=1\n", chaos.InvReceipt},
		{"swallow-journal-errors", "fault t1 client disk-full nth=5\n", chaos.InvReceipt},
	} {
		t.Run(tc.mutation, func(t *testing.T) {
			m := mutations[tc.mutation]
			s, err := chaos.ParseSchedule("seed 7\nterminals 1\nop 1 t1 sale amount=1250 card=approve\n" + tc.schedule)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			vs := writeScenario(t, dir, tc.mutation, s, m)
			if !slices.ContainsFunc(vs, func(v chaos.Violation) bool { return v.Invariant == tc.want }) {
				t.Fatalf("mutated run: violations %v, want invariant %d", vs, tc.want)
			}
			name := fmt.Sprintf("violation: invariant %d (%s)", tc.want, chaos.InvariantName(tc.want))
			res := runScenarios(t, dir, m.Name)
			if len(res) != 1 || res[0].Outcome != scenarios.Failed || !strings.Contains(res[0].Log, name) {
				t.Errorf("scenario on the broken client: %+v, want a failure naming %q", res, name)
			}
			res = runScenarios(t, dir, "")
			if len(res) != 1 || res[0].Outcome != scenarios.Passed {
				t.Errorf("scenario on the client as shipped: %+v, want pass", res)
			}
		})
	}
}
