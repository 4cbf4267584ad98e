package hostproto

import "testing"

// What the external tests (moov_test.go: moov-io/iso8583 through package
// moovspec, which imports this one) need of the internal fixtures.

// Fixture is a hand-written wire message and the message it carries.
type Fixture struct {
	Name string
	Msg  Message
	Wire []byte
}

func WireFixtures(tb testing.TB) []Fixture {
	var out []Fixture
	for _, c := range wireCases(tb) {
		out = append(out, Fixture{c.name, c.msg, c.wire})
	}
	return out
}

func CUPFixtures(tb testing.TB) []Fixture {
	var out []Fixture
	for _, c := range cupCases(tb) {
		out = append(out, Fixture{c.name, c.msg, c.wire})
	}
	return out
}

var (
	CUPTypedFixtures      = cupTypedCases
	CUPTestKeys           = cupTestKeys
	SaleWire              = testSaleWire
	BenchSale             = benchSale
	WithNeedlessSecondary = withNeedlessSecondary
)

const (
	TestPAN  = testPAN
	CUPPAN19 = cupPAN19
	MaxField = maxField
)

// SplitISO87 returns the field values the iso87 codec reads from b, by
// field number.
func SplitISO87(b []byte) ([]string, error) {
	var u unpacked
	if err := u.split(b); err != nil {
		return nil, err
	}
	return u.vals[:], nil
}

// SplitCUP returns the MTI and field values the cup codec reads from b.
func SplitCUP(b []byte) (string, []string, error) {
	var u cupUnpacked
	if err := u.split(b); err != nil {
		return "", nil, err
	}
	return u.mti, u.vals[:], nil
}

// ISO87Has and CUPField tell whether a field is in a profile's table, and
// whether a cup field is binary.
func ISO87Has(id int) bool { return defs[id] != nil }
func CUPField(id int) (ok, binary bool) {
	if cupDefs[id] == nil {
		return false, false
	}
	return true, cupDefs[id].format == fmtB
}
