package terminal_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPytermPacksTheDocumentedBytes: pyterm's own ISO 8583 packer turns
// the sale of docs/acquirer.md ("Example: a sale and its approval") into
// exactly the bytes printed there, and its unpacker reads the documented
// 0210 back. The hex is copied from the doc's dumps.
func TestPytermPacksTheDocumentedBytes(t *testing.T) {
	py := python(t)
	const sale0200 = "0076" + "30323030" + "723c048000c08010" + "3136" + "34323432343234323432343234323432" +
		"303030303030" + "303030303030303031323334" + "31313233303933303135" + "303030303031" + "303933303135" +
		"31313233" + "32383132" + "303731" + "3030" + "5445524d30303031" + "4d45524348414e5430303030303031" +
		"393738" + "303036303030303031"
	const resp0210 = "3032313032380000" + "0ec08010" + "303030303030303030303030303031323334" +
		"31313233303933303135303030303031303933303135313132333633323730393030303030314131423243333030" +
		"5445524d303030314d45524348414e54303030303030313937383030363030303030" + "31"
	script := `
import sys
sys.path.insert(0, "../testdata/terminals")
import pyterm
m = pyterm.pack("0200", {2: "4242424242424242", 3: "000000", 4: 1234, 7: "1123093015", 11: "000001",
    12: "093015", 13: "1123", 14: "2812", 22: "071", 25: "00", 41: "TERM0001", 42: "MERCHANT0000001",
    49: "978", 60: "000001"})
print(m.hex())
mti, f = pyterm.unpack(bytes.fromhex(sys.argv[1]))
print(mti, f[37], f[38], f[39], f[41], f[60])
`
	out, err := exec.Command(py, "-c", script, resp0210).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		t.Fatalf("output:\n%s", out)
	}
	if lines[0] != sale0200 {
		t.Errorf("pyterm packs the 0200 as\n%s\nthe doc has\n%s", lines[0], sale0200)
	}
	if want := "0210 632709000001 A1B2C3 00 TERM0001 000001"; lines[1] != want {
		t.Errorf("pyterm reads the 0210 as %q, want %q", lines[1], want)
	}
}
