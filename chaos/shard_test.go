package chaos_test

import (
	"slices"
	"testing"

	"github.com/poshil/hil/chaos"
)

// TestExploreShards: shards 1/3, 2/3 and 3/3 of one seed run disjoint sets
// of schedules that together are the unsharded run, with the same
// verdicts.
func TestExploreShards(t *testing.T) {
	const runs = 30
	seeds := func(shard, shards int) ([]int64, int) {
		var got []int64
		sum := chaos.Explore(t.Context(), chaos.ExploreConfig{Seed: 500, Runs: runs, Parallel: 4, Shard: shard, Shards: shards,
			Progress: func(done, total int, r chaos.RunResult) { got = append(got, r.Schedule.Seed) }})
		slices.Sort(got)
		return got, sum.Violations
	}
	all, v := seeds(0, 0)
	if len(all) != runs || v != 0 {
		t.Fatalf("unsharded: %d schedules, %d violations", len(all), v)
	}
	var union []int64
	for k := 1; k <= 3; k++ {
		got, v := seeds(k, 3)
		if len(got) != runs/3 || v != 0 {
			t.Errorf("shard %d/3: %d schedules, %d violations", k, len(got), v)
		}
		for _, s := range got {
			if slices.Contains(union, s) {
				t.Errorf("seed %d in two shards", s)
			}
		}
		union = append(union, got...)
	}
	slices.Sort(union)
	if !slices.Equal(union, all) {
		t.Errorf("shards cover %v, the whole run %v", union, all)
	}
}
