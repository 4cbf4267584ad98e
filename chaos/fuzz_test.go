package chaos

import (
	"errors"
	"testing"
)

// FuzzParseSchedule: any text either parses into a schedule whose text
// form parses back to the same schedule, or fails with a *ParseError.
func FuzzParseSchedule(f *testing.F) {
	for seed := range int64(4) {
		f.Add(Generate(seed, GenConfig{Terminals: 3, Faults: 5}).String())
	}
	f.Add("seed 1\nterminals 1\nop 1 t1 sale amount=1 card=approve # c\n")
	f.Add("fault t1 link slice size=3\n")
	f.Add("op 1 t1 refund of=9 card=approve\n")
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseSchedule(text)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%v is not a *ParseError", err)
			}
			return
		}
		again, err := ParseSchedule(s.String())
		if err != nil {
			t.Fatalf("text form does not parse back: %v\n%s", err, s)
		}
		if again.String() != s.String() {
			t.Fatalf("round trip differs:\n%s\nvs\n%s", s, again)
		}
	})
}
