package terminal_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"regexp"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/poshil/hil/terminal"
)

// schemaChecker validates protocol lines against the published JSON
// Schemas with an independent validator (santhosh-tekuri/jsonschema).
type schemaChecker struct {
	request, response *jsonschema.Schema
}

func newSchemaChecker(tb testing.TB) *schemaChecker {
	tb.Helper()
	c := jsonschema.NewCompiler()
	load := func(name string) *jsonschema.Schema {
		b, err := fs.ReadFile(terminal.Schemas, "schema/"+name)
		if err != nil {
			tb.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		if err := c.AddResource(name, doc); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		s, err := c.Compile(name)
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		return s
	}
	return &schemaChecker{request: load("request.schema.json"), response: load("response.schema.json")}
}

var cardDigits = regexp.MustCompile(`[0-9]{12,19}`)

// check validates one line; sent lines are requests, the others answers.
func (s *schemaChecker) check(tb testing.TB, sent bool, line []byte) {
	tb.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		tb.Errorf("line %s: not JSON: %v", redact(sent, line), err)
		return
	}
	sch, what := s.response, "answer"
	if sent {
		sch, what = s.request, "request"
	}
	if err := sch.Validate(inst); err != nil {
		tb.Errorf("%s %s does not validate against the schema: %v", what, redact(sent, line), err)
	}
}

func redact(sent bool, line []byte) []byte {
	if sent {
		return cardDigits.ReplaceAll(line, []byte("<card>"))
	}
	return line
}

// TestSchemaRejects shows the schemas are not vacuous: lines that break
// the contract fail validation.
func TestSchemaRejects(t *testing.T) {
	s := newSchemaChecker(t)
	for _, c := range []struct {
		sent bool
		line string
	}{
		{true, `{"id":1,"op":"sale","card":"4242424242424242"}`},                     // no amount
		{true, `{"id":1,"op":"pay","amount":5}`},                                     // unknown op
		{true, `{"id":1,"op":"sale","amount":5,"card":"4242","x":1}`},                // unknown field, short card
		{true, `{"id":1,"op":"refund","amount":5,"card":"4242424242424242"}`},        // no ref
		{false, `{"id":1,"outcome":"approved"}`},                                     // no ref, no receipt
		{false, `{"id":1,"outcome":"maybe"}`},                                        // unknown outcome
		{false, `{"id":1,"outcome":"refused"}`},                                      // no reason
		{false, `{"id":1,"outcome":"ok","capabilities":["sale","fly"],"version":1}`}, // unknown capability
		{false, `{"outcome":"ok"}`},                                                  // no id
	} {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(c.line)))
		if err != nil {
			t.Fatal(err)
		}
		sch := s.response
		if c.sent {
			sch = s.request
		}
		if sch.Validate(inst) == nil {
			t.Errorf("%s validated; it breaks the contract", c.line)
		}
	}
}

// TestGoMessagesValidate checks what the Go side emits for every
// operation (requests from Request, answers from Serve's own error paths
// and Unsupported) against the schemas.
func TestGoMessagesValidate(t *testing.T) {
	s := newSchemaChecker(t)
	for _, r := range []terminal.Request{
		{ID: 1, Op: terminal.OpHello},
		{ID: 2, Op: terminal.OpSale, Amount: 1250, Card: "4242424242424242", Expiry: "2812"},
		{ID: 3, Op: terminal.OpRefund, Ref: "000001", Amount: 1, Card: "4242424242424242"},
		{ID: 4, Op: terminal.OpVoid, Ref: "000001", Card: "4242424242424242"},
		{ID: 5, Op: terminal.OpSettle}, {ID: 6, Op: terminal.OpReprint, Ref: "000001"}, {ID: 7, Op: terminal.OpReprint},
		{ID: 8, Op: terminal.OpLookup, Ref: "000001"}, {ID: 9, Op: terminal.OpRecover}, {ID: 10, Op: terminal.OpRestart},
	} {
		if err := r.Check(); err != nil {
			t.Errorf("%+v: %v", r, err)
		}
		b, _ := json.Marshal(r)
		s.check(t, true, b)
	}
	b, _ := json.Marshal(terminal.Unsupported(3, terminal.OpVoid))
	s.check(t, false, b)
}
