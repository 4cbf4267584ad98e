package escpos

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestProfileSchema checks the JSON Schema of docs/printer-profile.schema.json
// with an independent validator (Python's jsonschema): every built-in
// profile, as embedded and as written back, and a probed one validate; a
// profile ParseProfile refuses for a field the schema covers does not.
func TestProfileSchema(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(py, "-c", "import jsonschema").Run()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3 with jsonschema is needed in CI (.ci/run installs python3-jsonschema): %v", err)
		}
		t.Skipf("python3 with jsonschema not found (apt-get install python3-jsonschema): %v", err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var good []string
	embedded, _ := filepath.Glob("profiles/*.json")
	good = append(good, embedded...)
	for _, p := range Profiles() {
		b, _ := json.Marshal(p)
		good = append(good, write("go-"+p.Name+".json", b))
	}
	probed, _ := LookupProfile("zj-5870")
	probed.Answers = &Answers{RealtimeStatus: []int{1, 2, 3, 4}, IDs: []int{1, 2, 3, 66}}
	probed.Probe = &ProbeRecord{URL: "tcp://127.0.0.1:9100", Observed: map[string]string{"DLE EOT 1": "12", "GS I 67": "none", "GS I 66": "5F 45 00"}}
	b, _ := json.Marshal(probed)
	good = append(good, write("probed.json", b))

	var bad []string
	for i, edit := range []map[string]any{{"widthDots": 0}, {"version": 2}, {"overflow": "block"}, {"widthDot": 384}, {"dpi": "203"},
		{"codePages": map[string]string{"0": "PC999"}}, {"unknown": []string{"paperWidth"}}} {
		var m map[string]any
		json.Unmarshal(b, &m)
		for k, v := range edit {
			m[k] = v
		}
		s, _ := json.Marshal(m)
		if _, err := ParseProfile(s); err == nil {
			t.Errorf("ParseProfile accepts %v", edit)
		}
		bad = append(bad, write(strings.Repeat("b", i+1)+".json", s))
	}
	const script = `
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
for f in sys.argv[2:]:
    errs = list(v.iter_errors(json.load(open(f))))
    print(f, "valid" if not errs else "invalid: " + errs[0].message)
`
	out, err := exec.Command(py, append([]string{"-c", script, "../../docs/printer-profile.schema.json"}, append(good, bad...)...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("validator: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(good)+len(bad) {
		t.Fatalf("validator said:\n%s", out)
	}
	for i, l := range lines {
		want := i < len(good)
		if strings.HasSuffix(l, " valid") != want {
			t.Errorf("%s (want valid: %v)", l, want)
		}
	}
}
