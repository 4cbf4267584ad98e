package chaos

import (
	"context"
	"slices"
	"sync"
	"time"
)

// ExploreConfig is a chaos exploration: Runs schedules generated from
// Seed, Seed+1, … run Parallel at a time.
type ExploreConfig struct {
	Seed     int64
	Runs     int       // default 100
	Parallel int       // schedules run at once; default 4
	Gen      GenConfig // schedule sizes
	Options  Options   // how each schedule runs
	// Duration, if positive, stops starting new schedules after this long
	// (the runs already started finish).
	Duration time.Duration
	// Shard and Shards take a slice of the work (CI runners in parallel):
	// of the Runs schedules seed, seed+1, …, only those whose index i has
	// i % Shards == Shard-1 run. Shards 1/N … N/N with one seed are
	// disjoint and together are the whole. Zero Shards: all of them.
	Shard, Shards int
	// KeepHistories keeps the history of every run in the results passed
	// to Progress; by default only failing runs keep theirs.
	KeepHistories bool
	// Progress, if set, is called after each finished schedule with the
	// number finished so far (from one goroutine at a time).
	Progress func(done, total int, r RunResult)
}

// RunResult is one explored schedule.
type RunResult struct {
	Schedule   Schedule
	History    *History
	Violations []Violation
	Err        error // the rig failed; no verdict
	Ops        int   // operations run
	Faults     int   // faults that fired
	// ByKind counts the faults that fired by "target kind"
	// ("client disk-full").
	ByKind map[string]int
}

// Summary is the outcome of an exploration.
type Summary struct {
	Runs   int
	Ops    int
	Faults int // faults that fired
	// FaultsByKind counts the faults that fired by "target kind".
	FaultsByKind map[string]int
	Violations   int // schedules with at least one violation
	Failed       []RunResult
	Errors       []RunResult
	Elapsed      time.Duration
}

// Explore generates and runs schedules and checks each history. Schedules
// with violations are returned in Summary.Failed, in seed order, for the
// caller to shrink and write out.
func Explore(ctx context.Context, cfg ExploreConfig) Summary {
	if cfg.Runs <= 0 {
		cfg.Runs = 100
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 4
	}
	if len(cfg.Options.Terminal) > 0 {
		cfg.Gen.Exclude = append(slices.Clone(cfg.Gen.Exclude), ContractExcluded...)
	}
	start := time.Now()
	var deadline time.Time
	if cfg.Duration > 0 {
		deadline = start.Add(cfg.Duration)
	}
	results := make([]*RunResult, cfg.Runs)
	total := cfg.Runs // schedules of this shard
	if cfg.Shards > 1 {
		total = (cfg.Runs - (cfg.Shard - 1) + cfg.Shards - 1) / cfg.Shards
	}
	seeds := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	done := 0
	for range cfg.Parallel {
		wg.Go(func() {
			for i := range seeds {
				s := Generate(cfg.Seed+int64(i), cfg.Gen)
				rr := &RunResult{Schedule: s}
				rr.History, rr.Err = Run(ctx, s, cfg.Options)
				if rr.Err == nil {
					rr.Violations = Check(rr.History)
					rr.Ops, rr.Faults = len(rr.History.Ops), rr.History.FaultsApplied()
					rr.ByKind = map[string]int{}
					for _, e := range rr.History.Evidence {
						if e.Kind != "" {
							rr.ByKind[string(e.Target)+" "+string(e.Kind)]++
						}
					}
				}
				if len(rr.Violations) == 0 && !cfg.KeepHistories {
					rr.History = nil // thousands of histories do not fit in memory
				}
				mu.Lock()
				results[i] = rr
				done++
				if cfg.Progress != nil {
					cfg.Progress(done, total, *rr)
				}
				mu.Unlock()
			}
		})
	}
feed:
	for i := range cfg.Runs {
		if cfg.Shards > 1 && i%cfg.Shards != cfg.Shard-1 {
			continue
		}
		if ctx.Err() != nil || (!deadline.IsZero() && time.Now().After(deadline)) {
			break feed
		}
		select {
		case seeds <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(seeds)
	wg.Wait()
	sum := Summary{FaultsByKind: map[string]int{}}
	for _, rr := range results {
		if rr == nil {
			continue
		}
		if rr.Err != nil {
			if ctx.Err() == nil {
				sum.Errors = append(sum.Errors, *rr)
			}
			continue
		}
		sum.Runs++
		sum.Ops += rr.Ops
		sum.Faults += rr.Faults
		for k, n := range rr.ByKind {
			sum.FaultsByKind[k] += n
		}
		if len(rr.Violations) > 0 {
			sum.Violations++
			sum.Failed = append(sum.Failed, *rr)
		}
	}
	sum.Elapsed = time.Since(start)
	return sum
}
