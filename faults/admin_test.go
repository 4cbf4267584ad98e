package faults

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAdminHandler(t *testing.T) {
	in := mustInjector(t, "acquirer drop-response mti=0200 nth=1", Options{})
	mux := http.NewServeMux()
	mux.Handle("/faults", AdminHandler(in))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	do := func(method, body, ctype string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+"/faults", strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s: %v in %s", method, err, b)
		}
		return resp.StatusCode, out
	}
	rules := func(m map[string]any) []string {
		var out []string
		for _, r := range m["rules"].([]any) {
			out = append(out, r.(map[string]any)["rule"].(string))
		}
		return out
	}

	in.Fire(msg("0200", "000001"), DropResponse)
	code, st := do("GET", "", "")
	if code != 200 || st["applied"].(float64) != 1 || st["rules"].([]any)[0].(map[string]any)["fired"].(float64) != 1 {
		t.Fatalf("GET: %d %v", code, st)
	}
	code, st = do("POST", "# more\nlink reset nth=2\n", "text/plain")
	if want := []string{"acquirer drop-response mti=0200 nth=1", "link reset nth=2"}; code != 200 || !cmp.Equal(rules(st), want) {
		t.Fatalf("POST: %d %v, want rules %q", code, st, want)
	}
	code, st = do("POST", `{"rules":[{"target":"printer","kind":"offline"}]}`, "application/json")
	if code != 200 || len(rules(st)) != 3 {
		t.Fatalf("POST JSON: %d %v", code, st)
	}
	code, st = do("POST", "link reset\nlink latency by=soon", "")
	if code != 400 || st["line"].(float64) != 2 || st["col"].(float64) != 14 || st["word"] != "by=soon" {
		t.Fatalf("bad POST: %d %v", code, st)
	}
	if n := len(in.Rules()); n != 3 {
		t.Fatalf("a refused plan changed the rules: %d", n)
	}
	code, st = do("DELETE", "", "")
	if code != 200 || st["rules"] == nil || len(st["rules"].([]any)) != 0 {
		t.Fatalf("DELETE: %d %v", code, st)
	}
	code, _ = do("PUT", "", "")
	if code != 405 {
		t.Fatalf("PUT: %d", code)
	}
	resp, err := http.Get(srv.URL + "/faults?evidence=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"stan":"000001"`) || !strings.Contains(lines[1], `"rule":"heal"`) {
		t.Fatalf("evidence:\n%s", b)
	}
}
