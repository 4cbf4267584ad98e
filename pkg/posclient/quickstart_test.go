package posclient_test

import (
	"os"
	"strings"
	"testing"
)

// TestQuickStartIsTheExample: the quick start in docs/posclient.md is the
// marked part of ExampleNew, which compiles and runs with the tests.
func TestQuickStartIsTheExample(t *testing.T) {
	ex, err := os.ReadFile("example_terminal_test.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/posclient.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(ex)
	a := strings.Index(s, "\tterm, err := posclient.New(posclient.Config{")
	b := strings.Index(s, "\t// end of the quick start")
	if a < 0 || b < a {
		t.Fatal("the quick start markers are gone from ExampleNew")
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(s[a:b], "\n"), "\n") {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	want := "```go\n" + strings.Join(lines, "\n") + "\n```"
	if !strings.Contains(string(doc), want) {
		t.Errorf("docs/posclient.md's quick start differs from ExampleNew; want:\n%s", want)
	}
}
