package symbol

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/internal/testtool"
)

// dumpHex writes modules as zint's --dump does: groups of eight modules in
// hex, a last group of four or fewer as one hex digit, padded with spaces
// (0 bits).
func dumpHex(mods []bool) string {
	var b strings.Builder
	for i := 0; i < len(mods); i += 8 {
		n := min(8, len(mods)-i)
		if n <= 4 {
			n = 4
		} else {
			n = 8
		}
		v := 0
		for j := range n {
			v <<= 1
			if i+j < len(mods) && mods[i+j] {
				v |= 1
			}
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%0*X", n/4, v)
	}
	return b.String()
}

// zintDumps runs the zint command line (Debian package zint) once over all
// of data in batch mode and returns its module dumps, one a line of data.
func zintDumps(t *testing.T, zint string, symbology int, data []string) []string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "data.txt")
	if err := os.WriteFile(in, []byte(strings.Join(data, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, zint, "-b", fmt.Sprint(symbology), "--gs1nocheck", "--batch", "--dump", "-i", in).Output()
	if err != nil {
		t.Fatalf("zint: %v", err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != len(data) {
		t.Fatalf("zint gave %d dumps for %d symbols", len(lines), len(data))
	}
	return lines
}

// randomElementString makes element strings of the kinds the encodation
// methods of ISO/IEC 24724:2011 7.2.5.4 tell apart, with data in every
// mode of the general-purpose field, as "(AI)data…".
func randomElementString(rng *rand.Rand) string {
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		return b.String()
	}
	gtin := func() string {
		g := digits(13)
		if rng.IntN(2) == 0 {
			g = "9" + g[1:] // variable measure: the compressed methods apply
		}
		return g + string(gtinCheck(g))
	}
	date := func() string {
		return fmt.Sprintf("%02d%02d%02d", rng.IntN(100), 1+rng.IntN(12), rng.IntN(32))
	}
	text := func(n int) string {
		sets := []string{"0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ*,-./", "abcdefghijklmnopqrstuvwxyz!\"%&'+:;<=>?_ "}
		set := sets[rng.IntN(len(sets))]
		var b strings.Builder
		for range n {
			if rng.IntN(4) == 0 {
				set = sets[rng.IntN(len(sets))]
			}
			b.WriteByte(set[rng.IntN(len(set))])
		}
		return b.String()
	}
	var s strings.Builder
	if rng.IntN(3) > 0 {
		s.WriteString("(01)" + gtin())
		switch rng.IntN(6) {
		case 0:
			fmt.Fprintf(&s, "(310%d)%06d", rng.IntN(10), rng.IntN([]int{40000, 120000}[rng.IntN(2)]))
		case 1:
			fmt.Fprintf(&s, "(320%d)%06d", rng.IntN(10), rng.IntN([]int{25000, 120000}[rng.IntN(2)]))
		case 2:
			fmt.Fprintf(&s, "(392%d)%s", rng.IntN(4), digits(1+rng.IntN(8)))
		case 3:
			fmt.Fprintf(&s, "(393%d)%s", rng.IntN(4), digits(4+rng.IntN(6)))
		}
		if rng.IntN(3) == 0 {
			fmt.Fprintf(&s, "(1%d)%s", []int{1, 3, 5, 7}[rng.IntN(4)], date())
		}
	}
	for n := rng.IntN(3); n >= 0; n-- {
		switch rng.IntN(4) {
		case 0:
			s.WriteString("(10)" + text(1+rng.IntN(12)))
		case 1:
			s.WriteString("(21)" + text(1+rng.IntN(12)))
		case 2:
			s.WriteString("(91)" + text(1+rng.IntN(20)))
		case 3:
			s.WriteString("(17)" + date())
		}
	}
	return s.String()
}

// lookTool returns the path of a command line a test needs, from the
// Debian package pkg (tests only). Without it
// the test is skipped, but fails in CI, where .ci/run installs it.
func lookTool(t *testing.T, name, pkg string) string {
	t.Helper()
	return testtool.Need(t, name, pkg)
}

// TestDataBarAgainstZint compares the encoders with zint's, symbol by
// symbol, over many generated inputs: GTINs at random and element strings
// that take every encodation method and general-field mode. It runs where
// the zint command line is installed (apt-get install zint) and is skipped
// elsewhere; the published vectors of TestDataBarVectors run everywhere.
func TestDataBarAgainstZint(t *testing.T) {
	zint := lookTool(t, "zint", "zint")
	rng := rand.New(rand.NewPCG(24724, 2011))
	for _, tc := range []struct {
		sym       paper.Symbology
		symbology int // zint's BARCODE_DBAR_OMN, _LTD, _EXP
		gen       func() string
	}{
		{paper.DataBarOmni, 29, func() string { return fmt.Sprintf("%013d", rng.Int64N(1e13)) }},
		{paper.DataBarLimited, 30, func() string { return fmt.Sprintf("%013d", rng.Int64N(2e12)) }},
		{paper.DataBarExpanded, 31, func() string { return randomElementString(rng) }},
	} {
		t.Run(string(tc.sym), func(t *testing.T) {
			var inputs, want []string
			for len(inputs) < 400 {
				d := tc.gen()
				mods, _, err := Modules(tc.sym, d)
				if err != nil {
					continue // past the capacity: zint refuses it too, with other words
				}
				inputs = append(inputs, d)
				want = append(want, dumpHex(mods))
			}
			// zint marks AIs with brackets; the data holds no parentheses.
			zintIn := make([]string, len(inputs))
			for i, d := range inputs {
				zintIn[i] = strings.NewReplacer("(", "[", ")", "]").Replace(d)
			}
			got := zintDumps(t, zint, tc.symbology, zintIn)
			bad := 0
			for i := range inputs {
				if got[i] != want[i] && bad < 10 {
					bad++
					t.Errorf("%q:\n ours %s\n zint %s", inputs[i], want[i], got[i])
				}
			}
		})
	}
}
