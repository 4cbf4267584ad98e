package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/poshil/hil/chaos"
)

const chaosHelp = `Generates random schedules of operations (sales, refunds, voids, reprints,
settlements on T terminals) and faults (printer, acquirer, link, client crash),
runs each against the emulators with the real POS client, heals, runs Recover
and Settle, and checks the five invariants and the card-balance bounds.

A failing schedule is shrunk to a minimal one, printed with its seed, and
written to DIR as a .txtar scenario that embeds the schedule and replays it
exactly: "hil run FILE" fails while the violation is there and passes once it
is fixed. Replay it by hand with --replay FILE. The last line is always
  chaos: <runs> runs, <ops> operations, <faults> faults, <v> violations
and the exit status is 1 when any schedule violated an invariant.

With --terminal CMD the terminal under test is not poshil's client but the
program CMD (split at spaces), driven through the terminal contract
(docs/your-terminal.md): one process per terminal of a schedule, each with its
own printer emulator on TCP, its own link to the acquirer through a fault
proxy and its own work directory. Operations become contract requests; a
client crash kills the process with SIGKILL where the world sees it (the host
committed its request: after-send; a receipt started: mid-print; a receipt was
cut: after-print) and starts it again (restart, then recover). The verdict
comes from the world's side: the host's ledger, the paper, the terminal's
answers, and a card-number scan of its work directory and output. Fault kinds
that only exist inside poshil's client are left out of its schedules: client
disk-full, intrude, half-command and the crash points after-journal-write,
after-response, after-approval and after-persist. Replay a scenario written
for it with --terminal CMD --replay FILE, from the same directory.`

// ChaosMutation, when set by a test, breaks the client of hil chaos on
// purpose so that its violation path, and the scenarios it writes, can be
// tested. It is for tests only: a released hil never sets it.
var ChaosMutation *chaos.Mutation

func runChaos(ctx context.Context, env *Env, args []string) int {
	if len(args) > 0 && args[0] == "merge" {
		return runChaosMerge(ctx, env, args[1:]) // merge.go
	}
	fs := newFlagSet(env, "hil chaos [flags]", chaosHelp)
	seed := fs.Int64("seed", 0, "first seed `N` (schedules use N, N+1, …); 0: from the clock, printed")
	runs := fs.Int("runs", 100, "number of schedules `K`")
	terminals := fs.Int("terminals", 2, "terminals `T` per schedule")
	ops := fs.Int("ops", 12, "operations per schedule")
	nfaults := fs.Int("faults", 4, "at most this many faults per schedule")
	byKind := fs.Bool("by-kind", false, "print how many faults of each kind fired")
	duration := fs.Duration("duration", 0, "stop starting schedules after `D` (0: run all K)")
	out := fs.String("out", "chaos-out", "write failing schedules as scenarios to `DIR`")
	parallel := fs.Int("parallel", 4, "schedules run at once")
	exclude := fs.String("exclude", "", "comma-separated fault kinds to leave out, as \"printer power-cycle\"")
	replay := fs.String("replay", "", "run the schedule in `FILE` (a chaos scenario or schedule) once and check it")
	timeout := fs.Duration("response-timeout", 30*time.Millisecond, "terminals' host response timeout")
	shrinkRuns := fs.Int("shrink-runs", 300, "at most this many runs to shrink one failing schedule")
	maxShrink := fs.Int("max-shrink", 3, "shrink at most this many failing schedules (the rest are written as found)")
	term := fs.String("terminal", "", "drive the terminal program `CMD` through the terminal contract instead of poshil's client")
	shard := fs.String("shard", "", "run only slice `K/N` of the --runs schedules (every N-th from seed+K-1; N runners with one --seed cover them once)")
	jsonOut := fs.String("json", "", "also write the summary as JSON to `FILE`, for hil chaos merge (merge.go)")
	args, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if err := chaosJSONPath(*jsonOut); err != nil {
		env.Errorf("chaos: --json: %v", err)
		return ExitUsage
	}
	if len(args) != 0 {
		env.Errorf("chaos: unexpected argument %q", args[0])
		return ExitUsage
	}
	if *runs <= 0 || *terminals <= 0 || *terminals > 99 || *ops <= 0 || *nfaults < 0 || *parallel <= 0 {
		env.Errorf("chaos: --runs, --terminals (1–99), --ops and --parallel must be positive, --faults not negative")
		return ExitUsage
	}
	shardK, shardN, err := parseShard(*shard)
	if err != nil {
		env.Errorf("chaos: --shard: %v", err)
		return ExitUsage
	}
	opts := chaos.Options{ResponseTimeout: *timeout, Mutation: ChaosMutation, Terminal: strings.Fields(*term)}
	if *term != "" && len(opts.Terminal) == 0 {
		env.Errorf("chaos: --terminal: empty command")
		return ExitUsage
	}
	if *replay != "" {
		return chaosReplay(ctx, env, *replay, opts)
	}
	if *seed == 0 {
		*seed = time.Now().UnixNano() % 1_000_000_000
	}
	var excl []string
	for _, e := range strings.Split(*exclude, ",") {
		if e = strings.Join(strings.Fields(e), " "); e != "" {
			if !slices.Contains(chaos.FaultKinds(), e) {
				env.Errorf("chaos: --exclude %q: not a fault kind the generator draws; want one of: %s", e, strings.Join(chaos.FaultKinds(), ", "))
				return ExitUsage
			}
			excl = append(excl, e)
		}
	}
	fmt.Fprintf(env.Stdout, "chaos: seed %d, %d runs, %d terminals, %d operations and up to %d faults each\n", *seed, *runs, *terminals, *ops, *nfaults)
	total := *runs
	if shardN > 1 {
		total = (*runs - (shardK - 1) + shardN - 1) / shardN
		fmt.Fprintf(env.Stdout, "chaos: shard %d/%d: %d of the %d schedules\n", shardK, shardN, total, *runs)
	}
	bar := newProgress(env.Stderr, total)
	cfg := chaos.ExploreConfig{Seed: *seed, Runs: *runs, Parallel: *parallel, Duration: *duration, Shard: shardK, Shards: shardN,
		Gen: chaos.GenConfig{Terminals: *terminals, Ops: *ops, Faults: *nfaults, Exclude: excl}, Options: opts,
		Progress: func(done, total int, r chaos.RunResult) { bar.update(done, len(r.Violations) > 0) }}
	if *nfaults == 0 {
		cfg.Gen.Faults = -1
	}
	sum := chaos.Explore(ctx, cfg)
	bar.finish()
	for _, e := range sum.Errors {
		env.Errorf("chaos: seed %d: %v", e.Schedule.Seed, e.Err)
	}
	for i, f := range sum.Failed {
		fmt.Fprintf(env.Stdout, "\nviolation: seed %d\n", f.Schedule.Seed)
		for _, v := range f.Violations {
			fmt.Fprintf(env.Stdout, "  %s\n", v)
		}
		h, vs := f.History, f.Violations
		if i < *maxShrink {
			res := chaos.Shrink(ctx, f.Schedule, f.Violations, chaos.ShrinkConfig{Options: opts, MaxRuns: *shrinkRuns})
			if res.Reproduced {
				h, vs = res.History, res.Violations
				fmt.Fprintf(env.Stdout, "shrunk in %d runs to %d operation(s) and %d fault(s):\n", res.Runs, len(h.Schedule.Ops), len(h.Schedule.Faults))
				for _, v := range vs {
					fmt.Fprintf(env.Stdout, "  %s\n", v)
				}
			} else {
				fmt.Fprintf(env.Stdout, "not reproduced in %d runs while shrinking (timing-dependent?); written as found\n", res.Runs)
			}
		}
		fmt.Fprintf(env.Stdout, "plan:\n%s", indent(h.Schedule.String(), "  "))
		path, err := writeScenario(*out, h, vs)
		if err != nil {
			env.Errorf("chaos: %v", err)
		} else {
			fmt.Fprintf(env.Stdout, "scenario: %s\n", path)
		}
	}
	rate := 0.0
	if s := sum.Elapsed.Seconds(); s > 0 {
		rate = float64(sum.Runs) / s
	}
	fmt.Fprintf(env.Stdout, "\nwall time %s, %.1f schedules/s\n", sum.Elapsed.Round(time.Millisecond), rate)
	if *byKind {
		kinds := slices.Sorted(maps.Keys(sum.FaultsByKind))
		for _, k := range kinds {
			fmt.Fprintf(env.Stdout, "fired %-28s %d\n", k, sum.FaultsByKind[k])
		}
	}
	if *jsonOut != "" {
		if err := writeChaosJSON(*jsonOut, newChaosJSON(cfg, *nfaults, sum)); err != nil {
			env.Errorf("chaos: --json: %v", err)
			return ExitFailure
		}
	}
	fmt.Fprintf(env.Stdout, "chaos: %d runs, %d operations, %d faults, %d violations\n", sum.Runs, sum.Ops, sum.Faults, sum.Violations)
	if sum.Violations > 0 || len(sum.Errors) > 0 || ctx.Err() != nil {
		return ExitFailure
	}
	return ExitOK
}

func chaosReplay(ctx context.Context, env *Env, path string, opts chaos.Options) int {
	data, err := os.ReadFile(path)
	if err != nil {
		env.Errorf("chaos: %v", err)
		return ExitFailure
	}
	s, err := chaos.ScheduleFromScenario(data)
	if err != nil {
		env.Errorf("chaos: %s: %v", path, err)
		return ExitUsage
	}
	fmt.Fprintf(env.Stdout, "chaos: replaying seed %d from %s\nplan:\n%s", s.Seed, path, indent(s.String(), "  "))
	if len(opts.Terminal) > 0 {
		for _, f := range s.Faults {
			for _, e := range chaos.ContractExcluded {
				if text := f.Rule.String(); strings.HasPrefix(text, e+" ") || text == e {
					fmt.Fprintf(env.Stdout, "note: %s does not apply to a terminal driven through the contract\n", f)
				}
			}
		}
	}
	h, err := chaos.Run(ctx, s, opts)
	if err != nil {
		env.Errorf("chaos: %v", err)
		return ExitFailure
	}
	vs := chaos.Check(h)
	fmt.Fprintln(env.Stdout, "outcomes:")
	said := "journal" // what the terminal's own record says after the heal
	if h.Contract != nil {
		said = "lookup"
	}
	for _, r := range h.Ops {
		fmt.Fprintf(env.Stdout, "  %s: client %s", r.Op, r.Outcome)
		if r.Ref != "" {
			fmt.Fprintf(env.Stdout, " %s, %s %s, host %s", r.Ref, said, r.Journal, orNone(r.Host))
		}
		if r.Crashed != "" {
			fmt.Fprintf(env.Stdout, ", crashed %s", r.Crashed)
		}
		fmt.Fprintln(env.Stdout)
	}
	for _, v := range vs {
		fmt.Fprintf(env.Stdout, "violation: %s\n", v)
	}
	n := 0
	if len(vs) > 0 {
		n = 1
	}
	fmt.Fprintf(env.Stdout, "chaos: 1 runs, %d operations, %d faults, %d violations\n", len(h.Ops), h.FaultsApplied(), n)
	if n > 0 {
		return ExitFailure
	}
	return ExitOK
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func writeScenario(dir string, h *chaos.History, vs []chaos.Violation) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name := fmt.Sprintf("chaos_seed_%d", h.Schedule.Seed)
	if len(vs) > 0 {
		name += "_" + strings.ReplaceAll(chaos.InvariantName(vs[0].Invariant), "-", "_")
	}
	path := filepath.Join(dir, name+".txtar")
	return path, os.WriteFile(path, chaos.Scenario(h, vs), 0o644)
}

func indent(s, pre string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(pre + l)
		}
	}
	return b.String()
}

// progress draws a bar on a terminal and plain lines (every tenth)
// elsewhere.
type progress struct {
	w     io.Writer
	tty   bool
	total int
	mu    sync.Mutex
	bad   int
	last  int // last tenth printed (plain mode)
	drawn bool
	start time.Time
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && st.Mode()&os.ModeDevice != 0
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, tty: isTerminal(w), total: total, start: time.Now()}
}

func (p *progress) update(done int, bad bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if bad {
		p.bad++
	}
	if p.tty {
		const width = 30
		fill := done * width / max(p.total, 1)
		fmt.Fprintf(p.w, "\r[%s%s] %d/%d runs, %d violations", strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, p.total, p.bad)
		p.drawn = true
		return
	}
	if tenth := done * 10 / max(p.total, 1); tenth > p.last || done == p.total {
		p.last = tenth
		fmt.Fprintf(p.w, "chaos: %d/%d runs, %d violations, %s\n", done, p.total, p.bad, time.Since(p.start).Round(time.Millisecond))
	}
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
