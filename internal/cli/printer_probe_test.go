package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/escpostest"
	"github.com/poshil/hil/internal/pty"
)

// probe runs 'hil printer probe -o FILE URL' and returns the profile read
// back from FILE.
func probe(t *testing.T, url string, extra ...string) escpos.Profile {
	t.Helper()
	file := filepath.Join(t.TempDir(), "profile.json")
	var stdout, stderr bytes.Buffer
	args := append([]string{"printer", "probe", "-o", file, "--timeout", "500ms"}, extra...)
	if code := Run(t.Context(), append(args, url), nil, &stdout, &stderr); code != ExitOK {
		t.Fatalf("probe %s: exit %d\n%s%s", url, code, stdout.String(), stderr.String())
	}
	p, err := escpos.ReadProfileFile(file)
	if err != nil {
		t.Fatalf("the probe's profile does not load: %v", err)
	}
	return p
}

// sameProbe compares two probed profiles, apart from the URL probed.
func sameProbe(t *testing.T, what string, a, b escpos.Profile) {
	t.Helper()
	a.Probe = &escpos.ProbeRecord{Observed: a.Probe.Observed}
	b.Probe = &escpos.ProbeRecord{Observed: b.Probe.Observed}
	if !reflect.DeepEqual(a, b) {
		ja, _ := json.MarshalIndent(a, "", " ")
		jb, _ := json.MarshalIndent(b, "", " ")
		t.Errorf("%s: profiles differ:\n%s\nvs\n%s", what, ja, jb)
	}
}

// TestProbeRoundTrip: for every built-in profile, probing the emulator
// over TCP and over the pty gives a profile with the emulator's identity,
// answers and capabilities; 'hil printer serve --profile FILE' with it
// answers so that probing it again gives the same profile.
func TestProbeRoundTrip(t *testing.T) {
	for _, bp := range escpos.Profiles() {
		t.Run(bp.Name, func(t *testing.T) {
			emu := escpostest.NewServer(t, escpos.Options{Profile: bp.Name})
			first := probe(t, emu.URL)
			if first.ID != bp.ID || first.Cutter != bp.Cutter || first.WidthDots != bp.WidthDots ||
				!reflect.DeepEqual(first.CodePages, bp.CodePages) || !reflect.DeepEqual(first.Fonts, bp.Fonts) {
				t.Errorf("probe of %s: id %+v cutter %v width %d pages %d fonts %v", bp.Name, first.ID, first.Cutter, first.WidthDots, len(first.CodePages), first.Fonts)
			}
			want := &escpos.Answers{RealtimeStatus: []int{1, 2, 3, 4}, TransmitStatus: []int{1, 2}, ASB: true, IDs: []int{1, 2, 3, 33, 65, 66, 67, 68, 69}}
			if !reflect.DeepEqual(first.Answers, want) {
				t.Errorf("answers %+v, want %+v", first.Answers, want)
			}
			if got := first.Probe.Observed["DLE EOT 1"]; got != "12" {
				t.Errorf("observed DLE EOT 1 = %q, want 12", got)
			}
			if got := first.Probe.Observed["GS I 66"]; got != "5F "+strings.ToUpper(hexOf(bp.ID.Maker))+" 00" {
				t.Errorf("observed GS I 66 = %q", got)
			}
			if !slices.Contains(first.Sources, "the rest from built-in profile "+bp.Name+" (its sources and unknown fields apply)") {
				t.Errorf("sources %q do not name %s", first.Sources, bp.Name)
			}
			if pty.Supported {
				sameProbe(t, "tcp vs pty", first, probe(t, "serial://"+emu.PTY))
			}

			file := filepath.Join(t.TempDir(), "clone.json")
			b, _ := json.Marshal(first)
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
			ready, stop, stderr := startPrinterServe(t, "--profile", file, "--tcp", "127.0.0.1:0")
			second := probe(t, "tcp://"+ready["tcp"])
			sameProbe(t, "served clone over tcp", first, second)
			if second.Name != first.Name || first.Name != slug(bp.ID.ModelName) {
				t.Errorf("names %q, %q", first.Name, second.Name)
			}
			if p, ok := ready["pty"]; ok {
				sameProbe(t, "served clone over the pty", first, probe(t, "serial://"+p))
			}
			if code := stop(); code != ExitOK {
				t.Errorf("serve: exit %d\n%s", code, stderr)
			}
		})
	}
}

func hexOf(s string) string {
	var parts []string
	for _, c := range []byte(s) {
		parts = append(parts, strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
	}
	return strings.Join(parts, " ")
}

// TestProbeQuietPrinter: a printer that answers only DLE EOT 1-4 and GS I
// 1-3 (as many 58 mm printers) is probed as such; the emulator serving
// that profile stays silent where the printer was, and nothing it cannot
// know is presented as known.
func TestProbeQuietPrinter(t *testing.T) {
	prof, err := escpos.LookupProfile("generic-58")
	if err != nil {
		t.Fatal(err)
	}
	prof.Name = "quiet-58"
	prof.ID = escpos.PrinterID{Model: 0x20, Type: 0x00, ROM: 0x05}
	prof.Answers = &escpos.Answers{RealtimeStatus: []int{1, 2, 3, 4}, TransmitStatus: []int{}, IDs: []int{1, 2, 3}}
	emu := escpostest.NewServer(t, escpos.Options{ProfileDef: &prof})
	got := probe(t, emu.URL, "--name", "quiet-58")
	if !reflect.DeepEqual(got.Answers, prof.Answers) || got.ID != prof.ID || got.Cutter {
		t.Errorf("answers %+v id %+v cutter %v", got.Answers, got.ID, got.Cutter)
	}
	for _, f := range []string{"widthDots", "fonts", "codePages", "bufferSize", "nearEndSensor"} {
		if !slices.Contains(got.Unknown, f) {
			t.Errorf("unknown %q lacks %s: nothing was probed to know it", got.Unknown, f)
		}
	}
	if got.Probe.Observed["GS I 67"] != "none" || got.Probe.Observed["GS a 15"] != "none" {
		t.Errorf("observed %v", got.Probe.Observed)
	}
	if !reflect.DeepEqual(got.CodePages, map[int]string{0: "PC437"}) {
		t.Errorf("code pages %v: want only PC437, marked unknown", got.CodePages)
	}
	// --like takes the rest from a named profile.
	like := probe(t, emu.URL, "--like", "zj-5870")
	if like.WidthDots != 384 || len(like.Fonts) != 1 || slices.Contains(like.Unknown, "widthDots") || !slices.Contains(like.Unknown, "bufferSize") {
		t.Errorf("--like zj-5870: width %d fonts %v unknown %v", like.WidthDots, like.Fonts, like.Unknown)
	}
	// The clone is as quiet as the original.
	file := filepath.Join(t.TempDir(), "quiet.json")
	b, _ := json.Marshal(got)
	os.WriteFile(file, b, 0o644)
	ready, _, _ := startPrinterServe(t, "--profile", file, "--pty", "off")
	sameProbe(t, "quiet clone", got, probe(t, "tcp://"+ready["tcp"], "--name", "quiet-58"))
}

func TestProbeErrors(t *testing.T) {
	emu := escpostest.NewServer(t, escpos.Options{})
	emu.Printer.SetPaper(escpos.PaperOut)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"version":1,"name":"x","widthDots":"wide"}`), 0o644)
	for _, tc := range []struct {
		args    []string
		code    int
		mention string
	}{
		{[]string{"printer", "probe"}, ExitUsage, "exactly one printer URL"},
		{[]string{"printer", "probe", "localhost:9100"}, ExitUsage, "no scheme"},
		{[]string{"printer", "probe", "--like", "tm-x", emu.URL}, ExitUsage, "unknown printer profile"},
		{[]string{"printer", "probe", "--timeout", "300ms", emu.URL}, ExitFailure, "not ready (printer: paper out)"},
		{[]string{"printer", "probe", "--timeout", "200ms", silentURL(t)}, ExitFailure, "no reply to DLE EOT"},
		{[]string{"printer", "serve", "--profile", bad}, ExitUsage, `widthDots: got a JSON string, want a whole number`},
		{[]string{"printer", "serve", "--profile", filepath.Join(dir, "missing.json")}, ExitUsage, "no such file"},
		{[]string{"run", "--printer-profile", bad}, ExitUsage, "bad.json: escpos: profile: widthDots"},
	} {
		var stdout, stderr bytes.Buffer
		code := Run(t.Context(), tc.args, strings.NewReader(""), &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.mention) {
			t.Errorf("%v: exit %d, stderr %q (want %d mentioning %q)", tc.args, code, stderr.String(), tc.code, tc.mention)
		}
	}
}
