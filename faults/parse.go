package faults

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Plan is a parsed fault plan: an optional seed and rules in order. It is
// plain data; an [Injector] runs it.
type Plan struct {
	Seed   int64 // seed of the injector's random source (p=, jitter=, garble)
	Seeded bool  // a seed line was given (Seed 0 is used otherwise, but not printed)
	Rules  []Rule
}

// SyntaxError reports a plan that does not parse: where (line and column,
// both from 1, the column counted in characters), the offending word, and
// what is wrong with it.
type SyntaxError struct {
	Line int
	Col  int
	Word string
	Msg  string
	Err  error // underlying cause, if any (a *RuleError, a strconv error, …)
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("faults: %d:%d: %q: %s", e.Line, e.Col, e.Word, e.Msg)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *SyntaxError) Is(target error) bool { return target == ErrInvalid }

type word struct {
	text string
	col  int
}

// splitWords splits a line into words separated by spaces or tabs, up to a
// '#' that starts a comment.
func splitWords(line string) []word {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	var out []word
	start := -1
	for i := 0; i <= len(line); i++ {
		sep := i == len(line) || line[i] == ' ' || line[i] == '\t' || line[i] == '\r'
		switch {
		case sep && start >= 0:
			out = append(out, word{text: line[start:i], col: utf8.RuneCountInString(line[:start]) + 1})
			start = -1
		case !sep && start < 0:
			start = i
		}
	}
	return out
}

// Parse parses a plan: one rule per line in the form
//
//	<target> <kind> [key=value ...]
//
// with an optional "seed N" line, "heal [at=D]" lines, blank lines and
// '#' comments. Errors are *SyntaxError values naming the line, column and
// word at fault.
func Parse(text string) (*Plan, error) {
	p := &Plan{}
	seedLine := 0
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		ws := splitWords(line)
		if len(ws) == 0 {
			continue
		}
		if ws[0].text == "seed" {
			if seedLine != 0 {
				return nil, &SyntaxError{Line: n, Col: ws[0].col, Word: "seed", Msg: fmt.Sprintf("second seed line (the first is on line %d)", seedLine)}
			}
			if len(ws) != 2 {
				return nil, &SyntaxError{Line: n, Col: ws[0].col, Word: "seed", Msg: "want seed N"}
			}
			s, err := strconv.ParseInt(ws[1].text, 10, 64)
			if err != nil {
				return nil, &SyntaxError{Line: n, Col: ws[1].col, Word: ws[1].text, Msg: "want a whole number as seed", Err: err}
			}
			p.Seed, p.Seeded, seedLine = s, true, n
			continue
		}
		r, err := parseRule(n, ws)
		if err != nil {
			return nil, err
		}
		p.Rules = append(p.Rules, r)
	}
	return p, nil
}

// ParseRule parses a single rule line.
func ParseRule(line string) (Rule, error) {
	ws := splitWords(line)
	if len(ws) == 0 {
		return Rule{}, &SyntaxError{Line: 1, Col: 1, Word: "", Msg: "empty rule"}
	}
	return parseRule(1, ws)
}

func parseRule(n int, ws []word) (Rule, error) {
	var r Rule
	first := ws[0]
	r.Target = Target(first.text)
	rest := ws[1:]
	var spec Spec
	switch {
	case r.Target == TargetHeal:
	case validTarget(r.Target):
		if len(ws) < 2 {
			return r, &SyntaxError{Line: n, Col: first.col + utf8.RuneCountInString(first.text), Word: first.text,
				Msg: fmt.Sprintf("want a %s kind after %s: %s", r.Target, r.Target, strings.Join(kindsOf(r.Target), ", "))}
		}
		r.Kind = Kind(ws[1].text)
		var ok bool
		spec, ok = Lookup(r.Target, r.Kind)
		if !ok {
			return r, &SyntaxError{Line: n, Col: ws[1].col, Word: ws[1].text,
				Msg: fmt.Sprintf("unknown %s kind; want one of %s", r.Target, strings.Join(kindsOf(r.Target), ", "))}
		}
		rest = ws[2:]
	default:
		return r, &SyntaxError{Line: n, Col: first.col, Word: first.text,
			Msg: "unknown target; want printer, acquirer, link, client, heal or seed"}
	}
	seen := map[string]bool{}
	for _, w := range rest {
		name, value, hasValue := strings.Cut(w.text, "=")
		k, known := lookupKey(&r, spec, name)
		if k == nil {
			msg := fmt.Sprintf("unknown key %q", name)
			if known {
				msg = fmt.Sprintf("%s does not take %s", ruleHead(&r), name)
			}
			if name == "" {
				msg = "want key=value"
			}
			return r, &SyntaxError{Line: n, Col: w.col, Word: w.text, Msg: msg}
		}
		if seen[name] {
			return r, &SyntaxError{Line: n, Col: w.col, Word: w.text, Msg: fmt.Sprintf("%s given twice", name)}
		}
		seen[name] = true
		switch {
		case k.flag && hasValue:
			return r, &SyntaxError{Line: n, Col: w.col, Word: w.text, Msg: fmt.Sprintf("%s takes no value", name)}
		case !k.flag && !hasValue:
			return r, &SyntaxError{Line: n, Col: w.col, Word: w.text, Msg: fmt.Sprintf("want %s=value", name)}
		}
		if err := k.set(&r, value); err != nil {
			return r, &SyntaxError{Line: n, Col: w.col, Word: w.text, Msg: err.Error(), Err: err}
		}
	}
	if err := r.Validate(); err != nil {
		// Point at the word of the key at fault, else at the kind.
		at := ws[len(ws)-1]
		if len(ws) > 1 {
			at = ws[1]
		}
		if r.Target == TargetHeal {
			at = ws[0]
		}
		var re *RuleError
		if errors.As(err, &re) && re.Key != "" {
			for _, w := range rest {
				if name, _, _ := strings.Cut(w.text, "="); name == re.Key {
					at = w
				}
			}
		}
		msg := err.Error()
		if re != nil {
			msg = re.Msg
		}
		return r, &SyntaxError{Line: n, Col: at.col, Word: at.text, Msg: msg, Err: err}
	}
	return r, nil
}

func ruleHead(r *Rule) string {
	if r.Target == TargetHeal {
		return "heal"
	}
	return string(r.Target) + " " + string(r.Kind)
}

// String returns the plan in canonical form: the seed line if one was given,
// then one rule per line in canonical form. Comments and blank lines are not
// kept. Parse(p.String()) gives back p.
func (p *Plan) String() string {
	var b strings.Builder
	if p.Seeded {
		fmt.Fprintf(&b, "seed %d\n", p.Seed)
	}
	for _, r := range p.Rules {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Validate checks every rule (Parse already did; plans built in code or
// from JSON need it).
func (p *Plan) Validate() error {
	for i := range p.Rules {
		if err := p.Rules[i].Validate(); err != nil {
			return fmt.Errorf("faults: rule %d (%s): %w", i+1, p.Rules[i].String(), err)
		}
	}
	return nil
}
