package terminal_test

import (
	"bufio"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/poshil/hil/terminal"
)

// helloOnly is a terminal with no operation but hello: every other call
// panics, so Serve must answer bad lines without calling it.
type helloOnly struct{ terminal.Terminal }

func (helloOnly) Hello(context.Context) (terminal.Response, error) {
	return terminal.Response{Outcome: terminal.OK, Version: terminal.Version, Name: "hello-only"}, nil
}

// TestServeBadLines: every bad line gets an answer naming what was wrong,
// serving goes on, and each answer validates against the schema.
func TestServeBadLines(t *testing.T) {
	in := strings.Join([]string{
		`not json`,
		`{"id":7,"op":"sale"}`,
		`{"id":8,"op":"fly"}`,
		`{"id":9,"op":"hello","extra":true}`,
		``,
		`{"id":10,"op":"sale","amount":-5,"card":"4242424242424242"}`,
		strings.Repeat("x", terminal.MaxLine+10),
		`{"id":11,"op":"hello"}`,
	}, "\n") + "\n"
	var out strings.Builder
	if err := terminal.Serve(t.Context(), helloOnly{}, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	s := newSchemaChecker(t)
	var got []terminal.Response
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		s.check(t, false, sc.Bytes())
		var r terminal.Response
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	want := []struct {
		id     int64
		reason string
		in     string // in the error message
	}{
		{0, terminal.ReasonBadRequest, "invalid character"},
		{7, terminal.ReasonBadRequest, "amount 0"},
		{8, terminal.ReasonBadRequest, `op "fly"`},
		{9, terminal.ReasonBadRequest, `unknown field "extra"`},
		{10, terminal.ReasonBadRequest, "amount -5"},
		{0, terminal.ReasonBadRequest, "longer than"},
		{11, "", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("%d answers, want %d:\n%s", len(got), len(want), out.String())
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.id || g.Reason != w.reason || !strings.Contains(g.Error, w.in) {
			t.Errorf("answer %d: %+v, want id %d reason %q error containing %q", i, g, w.id, w.reason, w.in)
		}
	}
	if got[6].Outcome != terminal.OK || got[6].Version != terminal.Version {
		t.Errorf("hello after the bad lines: %+v", got[6])
	}
}
