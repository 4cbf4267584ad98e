package chaos

import (
	"context"
	"slices"
)

// ShrinkConfig bounds a shrink.
type ShrinkConfig struct {
	Options Options // how each candidate runs
	// MaxRuns bounds the candidate runs; default 300.
	MaxRuns int
	// Keep decides whether a candidate still fails the same way; nil
	// keeps candidates with a violation of an invariant the original
	// violated.
	Keep func(orig, got []Violation) bool
}

// SameInvariant reports whether got holds a violation of an invariant
// that orig also violated: the default test of ShrinkConfig.Keep.
func SameInvariant(orig, got []Violation) bool {
	for _, g := range got {
		for _, o := range orig {
			if g.Invariant == o.Invariant {
				return true
			}
		}
	}
	return false
}

// ShrinkResult is a minimal schedule that still fails.
type ShrinkResult struct {
	Schedule   Schedule
	History    *History
	Violations []Violation
	Runs       int // candidate runs spent
	// Reproduced is false when no run while shrinking failed the same
	// way (a timing-dependent failure); History and Violations are then
	// those of the original run, if the caller passed them.
	Reproduced bool
}

// element is one fault or one operation of a schedule, for delta debugging.
type element struct {
	fault bool
	i     int
}

func build(s Schedule, els []element) Schedule {
	out := Schedule{Seed: s.Seed, Terminals: s.Terminals}
	for _, e := range els {
		if e.fault {
			out.Faults = append(out.Faults, s.Faults[e.i])
		} else {
			out.Ops = append(out.Ops, s.Ops[e.i])
		}
	}
	// Keep the text order: operations by ID, faults as drawn.
	slices.SortStableFunc(out.Ops, func(a, b Op) int { return a.ID - b.ID })
	return out
}

// Shrink reduces a failing schedule to a smaller one that still fails in
// the same way: delta debugging (ddmin) over its faults and operations
// together, then over the terminals (merging is not attempted: a terminal
// left with nothing simply does nothing). orig are the violations of s.
// Runs are real, so a flaky failure may shrink less; the result is always
// a schedule that failed when last run.
func Shrink(ctx context.Context, s Schedule, orig []Violation, cfg ShrinkConfig) ShrinkResult {
	return shrinkWith(ctx, s, orig, cfg, Check)
}

func shrinkWith(ctx context.Context, s Schedule, orig []Violation, cfg ShrinkConfig, check func(*History) []Violation) ShrinkResult {
	if cfg.MaxRuns <= 0 {
		cfg.MaxRuns = 300
	}
	if cfg.Keep == nil {
		cfg.Keep = SameInvariant
	}
	res := ShrinkResult{Schedule: s, Violations: orig}
	test := func(els []element) bool {
		if res.Runs >= cfg.MaxRuns || ctx.Err() != nil {
			return false
		}
		res.Runs++
		cand := build(s, els)
		h, err := Run(ctx, cand, cfg.Options)
		if err != nil {
			return false
		}
		v := check(h)
		if len(v) == 0 || !cfg.Keep(orig, v) {
			return false
		}
		res.Schedule, res.History, res.Violations, res.Reproduced = cand, h, v, true
		return true
	}
	var els []element
	for i := range s.Faults {
		els = append(els, element{fault: true, i: i})
	}
	for i := range s.Ops {
		els = append(els, element{i: i})
	}
	n := 2
	for len(els) >= 2 && res.Runs < cfg.MaxRuns && ctx.Err() == nil {
		chunk := (len(els) + n - 1) / n
		reduced := false
		for start := 0; start < len(els); start += chunk {
			end := min(start+chunk, len(els))
			comp := append(slices.Clone(els[:start]), els[end:]...)
			if len(comp) > 0 && test(comp) {
				els = comp
				n = max(n-1, 2)
				reduced = true
				break
			}
		}
		if !reduced {
			if n >= len(els) {
				break
			}
			n = min(2*n, len(els))
		}
	}
	if !res.Reproduced {
		// Nothing smaller failed: does the whole schedule still fail?
		test(els)
	}
	return res
}
