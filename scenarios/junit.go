package scenarios

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// JUnitReport is a JUnit XML report as "hil run --junit" writes it: one
// testsuite of one testcase per scenario. A report of a shard carries the
// property hil.shard = "K/N".
type JUnitReport struct {
	XMLName    xml.Name         `xml:"testsuite"`
	Name       string           `xml:"name,attr"`
	Tests      int              `xml:"tests,attr"`
	Failures   int              `xml:"failures,attr"`
	Skipped    int              `xml:"skipped,attr"`
	Time       string           `xml:"time,attr"`
	Properties *JUnitProperties `xml:"properties,omitempty"`
	Cases      []JUnitCase      `xml:"testcase"`
}

// JUnitProperties are a report's properties.
type JUnitProperties struct {
	Property []JUnitProperty `xml:"property"`
}

// JUnitProperty is one name=value property.
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitCase is one scenario's result.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *JUnitFailure `xml:"failure,omitempty"`
	Skipped   *JUnitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// JUnitFailure is a failed scenario's reason and log.
type JUnitFailure struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

// JUnitSkipped is a skipped scenario's reason.
type JUnitSkipped struct {
	Message string `xml:"message,attr"`
}

// shardProperty names the shard of a report ("2/3").
const shardProperty = "hil.shard"

// WriteJUnit writes the results as a JUnit XML report, one testsuite
// with one testcase per scenario.
func WriteJUnit(w io.Writer, results []Result) error {
	return NewJUnitReport(results, 0, 0).Write(w)
}

// NewJUnitReport makes the report of results; with shards > 0 it is
// marked as shard K/N of the suite (RunOptions.Shard, Shards), which
// [MergeJUnit] checks.
func NewJUnitReport(results []Result, shard, shards int) *JUnitReport {
	s := &JUnitReport{Name: "hil", Tests: len(results)}
	if shards > 0 {
		s.Properties = &JUnitProperties{Property: []JUnitProperty{{Name: shardProperty, Value: fmt.Sprintf("%d/%d", shard, shards)}}}
	}
	var total time.Duration
	for _, r := range results {
		total += r.Duration
		c := JUnitCase{Name: r.Name, Classname: "hil.scenarios", Time: fmt.Sprintf("%.3f", r.Duration.Seconds())}
		switch r.Outcome {
		case Failed:
			s.Failures++
			c.Failure = &JUnitFailure{Message: r.Reason, Body: r.Log}
		case Skipped:
			s.Skipped++
			c.Skipped = &JUnitSkipped{Message: r.Reason}
		}
		s.Cases = append(s.Cases, c)
	}
	s.Time = fmt.Sprintf("%.3f", total.Seconds())
	return s
}

// Write writes the report as XML.
func (s *JUnitReport) Write(w io.Writer) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// Shard returns the report's shard K/N, or 0, 0 for a whole run.
func (s *JUnitReport) Shard() (k, n int, err error) {
	if s.Properties == nil {
		return 0, 0, nil
	}
	for _, p := range s.Properties.Property {
		if p.Name != shardProperty {
			continue
		}
		ks, ns, ok := strings.Cut(p.Value, "/")
		k, err1 := strconv.Atoi(ks)
		n, err2 := strconv.Atoi(ns)
		if !ok || err1 != nil || err2 != nil || n < 1 || k < 1 || k > n {
			return 0, 0, fmt.Errorf("property %s=%q: want K/N", shardProperty, p.Value)
		}
		return k, n, nil
	}
	return 0, 0, nil
}

// ReadJUnit reads a report that "hil run --junit" wrote.
func ReadJUnit(r io.Reader) (*JUnitReport, error) {
	var s JUnitReport
	if err := xml.NewDecoder(r).Decode(&s); err != nil {
		return nil, fmt.Errorf("not a hil run JUnit report (one <testsuite>): %w", err)
	}
	if _, _, err := s.Shard(); err != nil {
		return nil, err
	}
	return &s, nil
}

// MergeJUnit merges the reports of shards 1/N … N/N of one suite into the
// report of the whole run: every scenario once, sorted by name, the counts
// and times added up. names label the reports in errors (file names).
// It refuses a shard given twice or missing, shards of different N, a
// report of a whole run among shards, and a scenario in two reports.
// Reports without shard marks (unsharded runs) are merged when no
// scenario is in two of them.
func MergeJUnit(reports []*JUnitReport, names []string) (*JUnitReport, error) {
	if len(reports) == 0 {
		return nil, fmt.Errorf("no reports to merge")
	}
	label := func(i int) string {
		if i < len(names) {
			return names[i]
		}
		return fmt.Sprintf("report %d", i+1)
	}
	out := &JUnitReport{Name: reports[0].Name}
	var total float64
	shardOf := map[int]int{} // K -> report index
	firstN := -1
	seen := map[string]int{}
	for i, r := range reports {
		k, n, err := r.Shard()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", label(i), err)
		}
		switch {
		case firstN == -1:
			firstN = n
		case (n == 0) != (firstN == 0):
			return nil, fmt.Errorf("%s and %s: a shard and a whole run cannot be merged", label(0), label(i))
		case n != firstN:
			return nil, fmt.Errorf("%s is shard %d/%d, %s of %d shards: not one run", label(i), k, n, label(0), firstN)
		}
		if n > 0 {
			if j, dup := shardOf[k]; dup {
				return nil, fmt.Errorf("shard %d/%d given twice: %s and %s", k, n, label(j), label(i))
			}
			shardOf[k] = i
		}
		for _, c := range r.Cases {
			if j, dup := seen[c.Name]; dup {
				return nil, fmt.Errorf("scenario %s in %s and %s: overlapping reports", c.Name, label(j), label(i))
			}
			seen[c.Name] = i
			out.Cases = append(out.Cases, c)
			switch {
			case c.Failure != nil:
				out.Failures++
			case c.Skipped != nil:
				out.Skipped++
			}
		}
		t, err := strconv.ParseFloat(r.Time, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: time %q: %w", label(i), r.Time, err)
		}
		total += t
	}
	for k := 1; k <= firstN; k++ {
		if _, ok := shardOf[k]; !ok {
			return nil, fmt.Errorf("shard %d/%d missing: merge the reports of all %d shards", k, firstN, firstN)
		}
	}
	slices.SortFunc(out.Cases, func(a, b JUnitCase) int { return strings.Compare(a.Name, b.Name) })
	out.Tests = len(out.Cases)
	out.Time = fmt.Sprintf("%.3f", total)
	return out, nil
}
