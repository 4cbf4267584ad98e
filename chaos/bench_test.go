package chaos

import "testing"

// BenchmarkRun measures one schedule end to end (rig, 12 operations under
// up to 4 faults, heal, Recover, Settle) plus its check: ns/op is the time
// of one schedule run alone.
func BenchmarkRun(b *testing.B) {
	var seed int64
	for b.Loop() {
		seed++
		s := Generate(seed, GenConfig{})
		h, err := Run(b.Context(), s, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if v := Check(h); len(v) != 0 {
			b.Fatalf("seed %d: %v", seed, v)
		}
	}
}

// BenchmarkCheck measures the checker alone on one history.
func BenchmarkCheck(b *testing.B) {
	h, err := Run(b.Context(), Generate(7, GenConfig{}), Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		Check(h)
	}
}
