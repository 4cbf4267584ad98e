package faults

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const issuePlan = `seed 42
acquirer drop-response mti=0200 nth=1
acquirer reversal-lost count=2
printer paper-out after-lines=12
link latency by=200ms jitter=50ms
client crash at=after-send
`

func TestParseIssuePlan(t *testing.T) {
	p, err := Parse(issuePlan)
	if err != nil {
		t.Fatal(err)
	}
	want := &Plan{Seed: 42, Seeded: true, Rules: []Rule{
		{Target: TargetAcquirer, Kind: DropResponse, MTI: "0200", Nth: 1},
		{Target: TargetAcquirer, Kind: ReversalLost, Count: 2},
		{Target: TargetPrinter, Kind: PaperOut, AfterLines: 12},
		{Target: TargetLink, Kind: Latency, By: 200 * time.Millisecond, Jitter: 50 * time.Millisecond},
		{Target: TargetClient, Kind: Crash, Step: AfterSend},
	}}
	if d := cmp.Diff(want, p); d != "" {
		t.Fatalf("Parse (-want +got):\n%s", d)
	}
	if got := p.String(); got != issuePlan {
		t.Errorf("String:\n%s\nwant\n%s", got, issuePlan)
	}
}

func TestParseCanonical(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  printer   paper-out\tnow  # at once\n", "printer paper-out now\n"},
		{"# only a comment\n\n", ""},
		{"acquirer decline p=0.5 code=05 card=*4242 amount=000000001000", "acquirer decline code=05 amount=1000 card=*4242 p=0.5\n"},
		{"acquirer delay for=1m at=1500ms by=2s mti=0100 count=always", "acquirer delay by=2s mti=0100 count=always at=1.5s for=1m0s\n"},
		{"link blackhole for=10s at=2s dir=down", "link blackhole dir=down at=2s for=10s\n"},
		{"link slice", "link slice\n"},
		{"link bandwidth rate=1200 nth=3", "link bandwidth rate=1200 nth=3\n"},
		{"printer head-overheat for=3s cut=2", "printer head-overheat cut=2 for=3s\n"},
		{"heal at=30s\nheal", "heal at=30s\nheal\n"},
		{"acquirer drop-request terminal=T0000001 proc=200000 nth=2 count=3", "acquirer drop-request proc=200000 terminal=T0000001 nth=2 count=3\n"},
		{"seed -7\r\nclient crash at=mid-print\r\n", "seed -7\nclient crash at=mid-print\n"},
	} {
		p, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := p.String(); got != tc.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
		roundTrip(t, p)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in        string
		line, col int
		word      string
	}{
		{"printr paper-out", 1, 1, "printr"},
		{"\n\n  printer paper-gone", 3, 11, "paper-gone"},
		{"printer", 1, 8, "printer"},
		{"acquirer decline", 1, 10, "decline"},                                           // code missing
		{"acquirer decline code=00", 1, 18, "code=00"},                                   // approval
		{"acquirer decline code=5", 1, 18, "code=5"},                                     // one char
		{"acquirer delay by=fast", 1, 16, "by=fast"},                                     // bad duration
		{"acquirer delay by=-1s", 1, 16, "by=-1s"},                                       // negative
		{"acquirer drop-response mti=200", 1, 24, "mti=200"},                             // three digits
		{"acquirer drop-response card=4242424242424242", 1, 24, "card=4242424242424242"}, // full PAN refused
		{"acquirer drop-response nth=0", 1, 24, "nth=0"},
		{"acquirer drop-response nth=1 nth=2", 1, 30, "nth=2"},
		{"acquirer drop-response p=1.5", 1, 24, "p=1.5"},
		{"acquirer drop-response count=never", 1, 24, "count=never"},
		{"acquirer drop-response after-lines=3", 1, 24, "after-lines=3"}, // printer trigger
		{"acquirer drop-response frob=1", 1, 24, "frob=1"},
		{"acquirer drop-response mti", 1, 24, "mti"},
		{"printer paper-out now=1", 1, 19, "now=1"},
		{"printer paper-out now after-lines=3", 1, 9, "paper-out"},
		{"printer head-overheat", 1, 9, "head-overheat"},
		{"printer cover-open mti=0200", 1, 20, "mti=0200"},
		{"link latency by=10ms jitter=20ms", 1, 22, "jitter=20ms"},
		{"link latency", 1, 6, "latency"},
		{"link reset dir=sideways", 1, 12, "dir=sideways"},
		{"client crash", 1, 8, "crash"},
		{"client crash at=5s", 1, 14, "at=5s"},
		{"client crash at=after-send at=mid-print", 1, 28, "at=mid-print"},
		{"heal now", 1, 6, "now"},
		{"heal nth=1", 1, 6, "nth=1"},
		{"seed 1\nseed 2", 2, 1, "seed"},
		{"seed x", 1, 6, "x"},
		{"seed", 1, 1, "seed"},
		{"é printer", 1, 1, "é"},
		{"printer paper-out cut=é", 1, 19, "cut=é"},
		{"link slice =3", 1, 12, "=3"},
	} {
		_, err := Parse(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a *SyntaxError", tc.in, err)
			continue
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q): errors.Is(err, ErrInvalid) is false", tc.in)
		}
		if se.Line != tc.line || se.Col != tc.col || se.Word != tc.word {
			t.Errorf("Parse(%q) = %d:%d %q (%s), want %d:%d %q", tc.in, se.Line, se.Col, se.Word, se.Msg, tc.line, tc.col, tc.word)
		}
		if se.Msg == "" || !strings.Contains(se.Error(), se.Word) {
			t.Errorf("Parse(%q): error %q does not explain itself", tc.in, se.Error())
		}
	}
}

func TestParseErrorWrapsCause(t *testing.T) {
	_, err := Parse("acquirer delay by=2x")
	var re *RuleError
	if errors.As(err, &re) {
		t.Fatalf("value errors are reported before validation, got a RuleError %v", re)
	}
	_, err = Parse("acquirer decline")
	if !errors.As(err, &re) || re.Key != "code" {
		t.Fatalf("missing code: got %v, want a wrapped *RuleError for key code", err)
	}
}

func roundTrip(t *testing.T, p *Plan) {
	t.Helper()
	q, err := Parse(p.String())
	if err != nil {
		t.Fatalf("Parse(String()) of %q: %v", p.String(), err)
	}
	if d := cmp.Diff(p, q); d != "" {
		t.Fatalf("text round trip (-orig +reparsed):\n%s", d)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var j Plan
	if err := json.Unmarshal(b, &j); err != nil {
		t.Fatalf("json.Unmarshal(%s): %v", b, err)
	}
	if d := cmp.Diff(p, &j); d != "" {
		t.Fatalf("JSON round trip of %s (-orig +decoded):\n%s", b, d)
	}
}

func TestCatalogueExamplesRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Catalogue() {
		id := string(s.Target) + " " + string(s.Kind)
		if seen[id] {
			t.Errorf("%s listed twice", id)
		}
		seen[id] = true
		if s.Effect == "" || s.Threatens == "" {
			t.Errorf("%s: effect or invariant undocumented", id)
		}
		p, err := Parse(s.Example)
		if err != nil {
			t.Errorf("%s: example %q: %v", id, s.Example, err)
			continue
		}
		if len(p.Rules) != 1 || p.Rules[0].Target != s.Target || p.Rules[0].Kind != s.Kind {
			t.Errorf("%s: example %q is about something else", id, s.Example)
		}
		if got := strings.TrimSuffix(p.String(), "\n"); got != s.Example {
			t.Errorf("%s: example %q is not canonical (%q)", id, s.Example, got)
		}
		roundTrip(t, p)
	}
	if n := len(seen); n != 29 {
		t.Errorf("catalogue has %d kinds, want the 26 of issue 4 and client disk-full, intrude, half-command", n)
	}
}

func TestJSONForm(t *testing.T) {
	p, err := Parse("seed 3\nacquirer delay by=150ms count=always\nlink reset count=2")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"seed":3,"rules":[{"target":"acquirer","kind":"delay","by":"150ms","count":"always"},{"target":"link","kind":"reset","count":2}]}`
	if string(b) != want {
		t.Errorf("json:\n%s\nwant\n%s", b, want)
	}
	for _, bad := range []string{
		`{"rules":[{"target":"acquirer","kind":"delay"}]}`,
		`{"rules":[{"target":"acquirer","kind":"delay","by":"soon"}]}`,
		`{"rules":[{"target":"acquirer","kind":"delay","by":"1s","count":"twice"}]}`,
		`{"rules":[{"target":"acquirer","kind":"delay","by":"1s","count":-3}]}`,
		`{"rules":[{"target":"acquirer","kind":"teleport"}]}`,
		`{"rules":[{"target":"moon","kind":"delay"}]}`,
		`{"rules":[{"target":"printer","kind":"offline","mti":"0200"}]}`,
	} {
		var q Plan
		err := json.Unmarshal([]byte(bad), &q)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Unmarshal(%s) = %v, want ErrInvalid", bad, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(issuePlan)
	for _, s := range catalogue {
		f.Add(s.Example)
	}
	f.Add("heal at=1s\nprinter stall for=1s after-bytes=3 # c\n")
	f.Fuzz(func(t *testing.T, text string) {
		p, err := Parse(text)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error is not a *SyntaxError: %v", err)
			}
			return
		}
		roundTrip(t, p)
	})
}

// TestDocsListEveryKind keeps docs/faults.md in step with the catalogue.
func TestDocsListEveryKind(t *testing.T) {
	b, err := os.ReadFile("../docs/faults.md")
	if err != nil {
		t.Skipf("docs not in this tree: %v", err)
	}
	doc := string(b)
	for _, s := range Catalogue() {
		usage := strings.TrimPrefix(s.Usage(), string(s.Target)+" ")
		if !strings.Contains(doc, "| `"+usage+"` |") || !strings.Contains(doc, "`"+s.Example+"`") {
			t.Errorf("docs/faults.md lacks %s or its example %q", s.Usage(), s.Example)
		}
	}
}

func FuzzUnmarshalJSON(f *testing.F) {
	f.Add([]byte(`{"seed":3,"rules":[{"target":"acquirer","kind":"delay","by":"150ms","count":"always"},{"target":"link","kind":"reset","count":2}]}`))
	f.Add([]byte(`{"rules":[{"target":"client","kind":"crash","step":"after-send"},{"target":"heal","at":"1s"}]}`))
	f.Add([]byte(`{"rules":[{"target":"printer","kind":"paper-out","now":true,"after_lines":3}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Plan
		if err := json.Unmarshal(b, &p); err != nil {
			return
		}
		roundTrip(t, &p)
	})
}
