package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"github.com/poshil/hil/chaos"
	"github.com/poshil/hil/scenarios"
)

// Examples of hil chaos (the command table) for sharded runs.
const (
	chaosShardExample = "hil chaos --seed 7 --runs 3000 --shard 2/3 --json chaos-2.json   # one CI runner of three; then:"
	chaosMergeExample = "hil chaos merge chaos-1.json chaos-2.json chaos-3.json"
)

// runMergeJUnit is 'hil run merge-junit [-o OUT] FILE...'.
func runMergeJUnit(env *Env, args []string) int {
	fs := newFlagSet(env, "hil run merge-junit [-o OUT] FILE...",
		"Merges the JUnit reports that 'hil run --shard K/N --junit FILE' wrote for K = 1…N into the report of\n"+
			"the whole suite: every scenario once, sorted by name, counts and times added up. A shard missing or\n"+
			"given twice, shards of different N and a scenario in two reports are errors (exit 2). Exit status 1\n"+
			"when the merged report has a failed scenario.")
	out := fs.String("o", "-", "write the merged report to `OUT` ('-': stdout)")
	files, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(files) == 0 {
		env.Errorf("run merge-junit: no reports given")
		return ExitUsage
	}
	var reports []*scenarios.JUnitReport
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			env.Errorf("run merge-junit: %v", err)
			return ExitUsage
		}
		r, err := scenarios.ReadJUnit(bytes.NewReader(b))
		if err != nil {
			env.Errorf("run merge-junit: %s: %v", f, err)
			return ExitUsage
		}
		reports = append(reports, r)
	}
	merged, err := scenarios.MergeJUnit(reports, files)
	if err != nil {
		env.Errorf("run merge-junit: %v", err)
		return ExitUsage
	}
	if err := writeMergeOut(env, *out, merged.Write); err != nil {
		env.Errorf("run merge-junit: %v", err)
		return ExitFailure
	}
	info := env.Stderr
	if *out != "-" {
		info = env.Stdout
	}
	fmt.Fprintf(info, "merged %d reports: %d scenarios, %d failed, %d skipped\n", len(files), merged.Tests, merged.Failures, merged.Skipped)
	if merged.Failures > 0 {
		return ExitFailure
	}
	return ExitOK
}

// writeMergeOut writes with write to path, or to stdout for "-".
func writeMergeOut(env *Env, path string, write func(io.Writer) error) error {
	if path == "-" {
		return write(env.Stdout)
	}
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// chaosJSONFormat names the format of hil chaos --json files.
const chaosJSONFormat = "hil-chaos-summary/1"

// chaosJSON is what 'hil chaos --json FILE' writes and 'hil chaos
// merge' merges: the run's configuration, and what it found. It has no
// times. What follows from the seeds (the schedules, their operations and
// planned faults) and the verdicts are the same for the merge of shards
// 1/N … N/N as for the unsharded run; the faults that fired depend on
// timing too (a fault whose trigger an operation never reaches in time
// does not fire), so two runs of one seed may count them differently.
type chaosJSON struct {
	Format string `json:"format"`
	Seed   int64  `json:"seed"`
	Runs   int    `json:"runs"` // --runs: schedules of the whole run
	// Shard is "K/N" for a shard, empty for the whole run.
	Shard     string      `json:"shard,omitempty"`
	Config    chaosConfig `json:"config"`
	Schedules int         `json:"schedules"` // schedules run and checked
	Ops       int         `json:"ops"`
	// FaultsPlanned and PlannedByKind count the faults the schedules
	// drew ("target kind"); Faults and FaultsByKind those that fired.
	FaultsPlanned int            `json:"faultsPlanned"`
	PlannedByKind map[string]int `json:"plannedByKind"`
	Faults        int            `json:"faults"`
	FaultsByKind  map[string]int `json:"faultsByKind"`
	Violations    int            `json:"violations"` // schedules with a violation
	Found         []chaosFound   `json:"found"`      // schedules with violations, by seed
	Errors        []chaosFound   `json:"errors"`     // schedules the rig failed to run, by seed
}

// chaosConfig is what makes the schedules of one seed what they are; the
// shards of one run must agree on it.
type chaosConfig struct {
	Terminals       int      `json:"terminals"`
	Ops             int      `json:"ops"`
	Faults          int      `json:"faults"`
	Exclude         []string `json:"exclude"`
	ResponseTimeout string   `json:"responseTimeout"`
}

type chaosFound struct {
	Seed       int64    `json:"seed"`
	Violations []string `json:"violations,omitempty"`
	Error      string   `json:"error,omitempty"`
}

// shardSize is the number of the runs schedules in shard k of n.
func shardSize(runs, k, n int) int {
	if n <= 1 {
		return runs
	}
	return (runs - (k - 1) + n - 1) / n
}

// newChaosJSON makes the summary of an exploration.
func newChaosJSON(cfg chaos.ExploreConfig, userFaults int, sum chaos.Summary) chaosJSON {
	s := chaosJSON{
		Format: chaosJSONFormat, Seed: cfg.Seed, Runs: cfg.Runs,
		Config: chaosConfig{Terminals: cfg.Gen.Terminals, Ops: cfg.Gen.Ops, Faults: userFaults,
			Exclude: slices.Sorted(slices.Values(append([]string{}, cfg.Gen.Exclude...))), ResponseTimeout: cfg.Options.ResponseTimeout.String()},
		Schedules: sum.Runs, Ops: sum.Ops, Faults: sum.Faults, Violations: sum.Violations,
		FaultsByKind: maps.Clone(sum.FaultsByKind), Found: []chaosFound{}, Errors: []chaosFound{},
	}
	if s.FaultsByKind == nil {
		s.FaultsByKind = map[string]int{}
	}
	if cfg.Shards > 1 {
		s.Shard = fmt.Sprintf("%d/%d", cfg.Shard, cfg.Shards)
	}
	s.PlannedByKind = map[string]int{}
	for i := range cfg.Runs {
		if cfg.Shards > 1 && i%cfg.Shards != cfg.Shard-1 {
			continue
		}
		for _, f := range chaos.Generate(cfg.Seed+int64(i), cfg.Gen).Faults {
			s.FaultsPlanned++
			s.PlannedByKind[string(f.Rule.Target)+" "+string(f.Rule.Kind)]++
		}
	}
	for _, f := range sum.Failed {
		cf := chaosFound{Seed: f.Schedule.Seed}
		for _, v := range f.Violations {
			cf.Violations = append(cf.Violations, v.String())
		}
		s.Found = append(s.Found, cf)
	}
	for _, e := range sum.Errors {
		s.Errors = append(s.Errors, chaosFound{Seed: e.Schedule.Seed, Error: e.Err.Error()})
	}
	sortFound(s.Found)
	sortFound(s.Errors)
	return s
}

func sortFound(f []chaosFound) {
	slices.SortFunc(f, func(a, b chaosFound) int { return int(a.Seed - b.Seed) })
}

func writeChaosJSON(path string, s chaosJSON) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// mergeChaosJSON merges the summaries of shards 1/N … N/N of one
// run into the summary of the whole run.
func mergeChaosJSON(sums []chaosJSON, names []string) (chaosJSON, error) {
	if len(sums) == 0 {
		return chaosJSON{}, fmt.Errorf("no summaries to merge")
	}
	first := sums[0]
	out := first
	out.Shard = ""
	out.Schedules, out.Ops, out.Faults, out.Violations = 0, 0, 0, 0
	out.FaultsPlanned = 0
	out.FaultsByKind, out.PlannedByKind = map[string]int{}, map[string]int{}
	out.Found, out.Errors = []chaosFound{}, []chaosFound{}
	n := -1
	byK := map[int]string{}
	for i, s := range sums {
		name := names[i]
		if s.Format != chaosJSONFormat {
			return chaosJSON{}, fmt.Errorf("%s: format %q: want %q (a hil chaos --json summary)", name, s.Format, chaosJSONFormat)
		}
		if s.Seed != first.Seed || s.Runs != first.Runs {
			return chaosJSON{}, fmt.Errorf("%s is seed %d, %d runs; %s seed %d, %d runs: shards of one run share --seed and --runs",
				name, s.Seed, s.Runs, names[0], first.Seed, first.Runs)
		}
		if !equalConfig(s.Config, first.Config) {
			return chaosJSON{}, fmt.Errorf("%s ran with %+v, %s with %+v: shards of one run share --terminals, --ops, --faults, --exclude and --response-timeout",
				name, s.Config, names[0], first.Config)
		}
		k, sn := 1, 1
		if s.Shard != "" {
			var err error
			if k, sn, err = parseShard(s.Shard); err != nil {
				return chaosJSON{}, fmt.Errorf("%s: shard: %v", name, err)
			}
		}
		if n == -1 {
			n = sn
		} else if sn != n {
			return chaosJSON{}, fmt.Errorf("%s is shard %s, %s one of %d shards: not one run", name, orWhole(s.Shard), names[0], n)
		}
		if prev, dup := byK[k]; dup {
			return chaosJSON{}, fmt.Errorf("shard %d/%d given twice: %s and %s", k, n, prev, name)
		}
		byK[k] = name
		if want, got := shardSize(s.Runs, k, n), s.Schedules+len(s.Errors); got != want {
			return chaosJSON{}, fmt.Errorf("%s: shard %d/%d ran %d of its %d schedules (stopped by --duration or interrupted); run it again", name, k, n, got, want)
		}
		for _, f := range append(slices.Clone(s.Found), s.Errors...) {
			if i := f.Seed - s.Seed; i < 0 || i >= int64(s.Runs) || int(i)%n != k-1 {
				return chaosJSON{}, fmt.Errorf("%s: seed %d is not in shard %d/%d of seed %d", name, f.Seed, k, n, s.Seed)
			}
		}
		out.Schedules += s.Schedules
		out.Ops += s.Ops
		out.Faults += s.Faults
		out.Violations += s.Violations
		out.FaultsPlanned += s.FaultsPlanned
		for kind, c := range s.FaultsByKind {
			out.FaultsByKind[kind] += c
		}
		for kind, c := range s.PlannedByKind {
			out.PlannedByKind[kind] += c
		}
		out.Found = append(out.Found, s.Found...)
		out.Errors = append(out.Errors, s.Errors...)
	}
	for k := 1; k <= n; k++ {
		if _, ok := byK[k]; !ok {
			return chaosJSON{}, fmt.Errorf("shard %d/%d missing: merge the summaries of all %d shards", k, n, n)
		}
	}
	sortFound(out.Found)
	sortFound(out.Errors)
	return out, nil
}

func equalConfig(a, b chaosConfig) bool {
	return a.Terminals == b.Terminals && a.Ops == b.Ops && a.Faults == b.Faults &&
		slices.Equal(a.Exclude, b.Exclude) && a.ResponseTimeout == b.ResponseTimeout
}

func orWhole(shard string) string {
	if shard == "" {
		return "the whole run"
	}
	return shard
}

// runChaosMerge is 'hil chaos merge [-o OUT] FILE...'.
func runChaosMerge(_ context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, "hil chaos merge [-o OUT] FILE...",
		"Merges the summaries that 'hil chaos --shard K/N --json FILE' wrote for K = 1…N (one --seed and --runs)\n"+
			"into the summary of the whole run, the same as the unsharded run's: runs, operations, faults, faults by\n"+
			"kind, violations and the schedules that found them. A shard missing, given twice or cut short, and\n"+
			"summaries of different seeds or settings are errors (exit 2). Exit status 1 when the merged run has a\n"+
			"violation or a schedule the rig could not run; the last line is the one hil chaos prints.")
	out := fs.String("o", "-", "write the merged summary (JSON) to `OUT` ('-': stdout)")
	files, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(files) == 0 {
		env.Errorf("chaos merge: no summaries given")
		return ExitUsage
	}
	var sums []chaosJSON
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			env.Errorf("chaos merge: %v", err)
			return ExitUsage
		}
		var s chaosJSON
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&s); err != nil {
			env.Errorf("chaos merge: %s: not a hil chaos --json summary: %v", f, err)
			return ExitUsage
		}
		sums = append(sums, s)
	}
	merged, err := mergeChaosJSON(sums, files)
	if err != nil {
		env.Errorf("chaos merge: %v", err)
		return ExitUsage
	}
	b, err := json.MarshalIndent(merged, "", "  ")
	if err != nil {
		env.Errorf("chaos merge: %v", err)
		return ExitFailure
	}
	b = append(b, '\n')
	if err := writeMergeOut(env, *out, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		env.Errorf("chaos merge: %v", err)
		return ExitFailure
	}
	info := env.Stderr
	if *out != "-" {
		info = env.Stdout
	}
	for _, f := range merged.Found {
		fmt.Fprintf(info, "violation: seed %d\n", f.Seed)
		for _, v := range f.Violations {
			fmt.Fprintf(info, "  %s\n", v)
		}
	}
	for _, e := range merged.Errors {
		fmt.Fprintf(info, "error: seed %d: %s\n", e.Seed, e.Error)
	}
	fmt.Fprintf(info, "chaos: %d runs, %d operations, %d faults, %d violations\n", merged.Schedules, merged.Ops, merged.Faults, merged.Violations)
	if merged.Violations > 0 || len(merged.Errors) > 0 {
		return ExitFailure
	}
	return ExitOK
}

// chaosJSONPath checks --json's FILE early, so that a long run does
// not end unable to write it.
func chaosJSONPath(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}
