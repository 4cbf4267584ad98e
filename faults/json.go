package faults

import (
	"encoding/json"
	"fmt"
	"time"
)

// jsonPlan is the JSON form of a Plan:
//
//	{"seed": 42, "rules": [{"target": "acquirer", "kind": "drop-response", "mti": "0200", "nth": 1}]}
type jsonPlan struct {
	Seed  *int64 `json:"seed,omitempty"`
	Rules []Rule `json:"rules"`
}

// jsonRule is the JSON form of a Rule: the plan keys as JSON fields,
// durations as strings ("150ms"), count as a number or "always".
type jsonRule struct {
	Target     Target          `json:"target"`
	Kind       Kind            `json:"kind,omitempty"`
	Code       string          `json:"code,omitempty"`
	By         string          `json:"by,omitempty"`
	Jitter     string          `json:"jitter,omitempty"`
	Rate       int             `json:"rate,omitempty"`
	Size       int             `json:"size,omitempty"`
	Step       Step            `json:"step,omitempty"`
	MTI        string          `json:"mti,omitempty"`
	Proc       string          `json:"proc,omitempty"`
	Amount     int64           `json:"amount,omitempty"`
	Card       string          `json:"card,omitempty"`
	Terminal   string          `json:"terminal,omitempty"`
	Dir        Direction       `json:"dir,omitempty"`
	Now        bool            `json:"now,omitempty"`
	AfterLines int64           `json:"after_lines,omitempty"`
	AfterBytes int64           `json:"after_bytes,omitempty"`
	Cut        int             `json:"cut,omitempty"`
	Nth        int             `json:"nth,omitempty"`
	Count      json.RawMessage `json:"count,omitempty"`
	P          float64         `json:"p,omitempty"`
	At         string          `json:"at,omitempty"`
	For        string          `json:"for,omitempty"`
}

func durString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// MarshalJSON encodes the rule with the plan's key names as fields.
func (r Rule) MarshalJSON() ([]byte, error) {
	j := jsonRule{
		Target: r.Target, Kind: r.Kind, Code: r.Code,
		By: durString(r.By), Jitter: durString(r.Jitter), Rate: r.Rate, Size: r.Size, Step: r.Step,
		MTI: r.MTI, Proc: r.Proc, Amount: r.Amount, Card: r.Card, Terminal: r.Terminal, Dir: r.Dir,
		Now: r.Now, AfterLines: r.AfterLines, AfterBytes: r.AfterBytes, Cut: r.Cut,
		Nth: r.Nth, P: r.P, At: durString(r.At), For: durString(r.For),
	}
	switch {
	case r.Count == CountAlways:
		j.Count = json.RawMessage(`"always"`)
	case r.Count != 0:
		j.Count = json.RawMessage(fmt.Sprint(r.Count))
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes and validates a rule.
func (r *Rule) UnmarshalJSON(b []byte) error {
	var j jsonRule
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	out := Rule{
		Target: j.Target, Kind: j.Kind, Code: j.Code, Rate: j.Rate, Size: j.Size, Step: j.Step,
		MTI: j.MTI, Proc: j.Proc, Amount: j.Amount, Card: j.Card, Terminal: j.Terminal, Dir: j.Dir,
		Now: j.Now, AfterLines: j.AfterLines, AfterBytes: j.AfterBytes, Cut: j.Cut, Nth: j.Nth, P: j.P,
	}
	for _, d := range []struct {
		name string
		s    string
		dst  *time.Duration
	}{{"by", j.By, &out.By}, {"jitter", j.Jitter, &out.Jitter}, {"at", j.At, &out.At}, {"for", j.For, &out.For}} {
		if d.s == "" {
			continue
		}
		v, err := time.ParseDuration(d.s)
		if err != nil {
			return &RuleError{Key: d.name, Msg: "want a duration such as 150ms", Err: err}
		}
		*d.dst = v
	}
	if len(j.Count) > 0 {
		var s string
		if json.Unmarshal(j.Count, &s) == nil {
			if s != "always" {
				return &RuleError{Key: "count", Msg: `want a number or "always"`}
			}
			out.Count = CountAlways
		} else if err := json.Unmarshal(j.Count, &out.Count); err != nil || out.Count <= 0 {
			return &RuleError{Key: "count", Msg: `want a number above 0 or "always"`, Err: err}
		}
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*r = out
	return nil
}

// MarshalJSON encodes the plan as {"seed": N, "rules": [...]}, the seed
// left out when the plan has none.
func (p *Plan) MarshalJSON() ([]byte, error) {
	j := jsonPlan{Rules: p.Rules}
	if j.Rules == nil {
		j.Rules = []Rule{}
	}
	if p.Seeded {
		s := p.Seed
		j.Seed = &s
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes and validates a plan.
func (p *Plan) UnmarshalJSON(b []byte) error {
	var j jsonPlan
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	out := Plan{}
	if len(j.Rules) > 0 {
		out.Rules = j.Rules
	}
	if j.Seed != nil {
		out.Seed, out.Seeded = *j.Seed, true
	}
	*p = out
	return nil
}
