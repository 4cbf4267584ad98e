package faults

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
)

// maxPlanBody bounds a POST /faults body.
const maxPlanBody = 1 << 20

// AdminHandler serves the fault endpoints of an emulator's admin API. The
// emulator mounts it with one line, e.g. mux.Handle("/faults", h):
//
//	GET    /faults             {"rules": [RuleStatus...], "applied": N}: the active rules and how often each fired
//	GET    /faults?evidence=1  the evidence so far, one JSON object a line
//	POST   /faults             add the plan in the body (text, or JSON with Content-Type application/json)
//	DELETE /faults             heal: clear every rule and condition
//
// A plan that does not parse is refused with 400 and {"error": "...",
// "line": L, "col": C, "word": "..."}; the rules already active stay.
func AdminHandler(in *Injector) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			if r.URL.Query().Has("evidence") {
				w.Header().Set("Content-Type", "application/jsonl")
				enc := json.NewEncoder(w)
				for _, e := range in.Evidence() {
					enc.Encode(e)
				}
				return
			}
			writeStatus(w, http.StatusOK, in)
		case http.MethodPost:
			body, err := io.ReadAll(io.LimitReader(r.Body, maxPlanBody+1))
			if err != nil {
				writeErr(w, http.StatusBadRequest, err)
				return
			}
			if len(body) > maxPlanBody {
				writeErr(w, http.StatusRequestEntityTooLarge, errors.New("faults: plan larger than 1 MiB"))
				return
			}
			var p *Plan
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
				p = &Plan{}
				err = json.Unmarshal(body, p)
			} else {
				p, err = Parse(string(body))
			}
			if err == nil {
				err = in.Add(p)
			}
			if err != nil {
				writeErr(w, http.StatusBadRequest, err)
				return
			}
			writeStatus(w, http.StatusOK, in)
		case http.MethodDelete:
			in.Heal()
			writeStatus(w, http.StatusOK, in)
		default:
			w.Header().Set("Allow", "GET, POST, DELETE")
			writeErr(w, http.StatusMethodNotAllowed, errors.New("faults: method not allowed; use GET, POST or DELETE"))
		}
	})
}

type adminStatus struct {
	Rules   []RuleStatus `json:"rules"`
	Applied int          `json:"applied"`
}

func writeStatus(w http.ResponseWriter, code int, in *Injector) {
	writeJSON(w, code, adminStatus{Rules: in.Rules(), Applied: len(in.Evidence())})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeErr(w http.ResponseWriter, code int, err error) {
	out := map[string]any{"error": err.Error()}
	var se *SyntaxError
	if errors.As(err, &se) {
		out["line"], out["col"], out["word"] = se.Line, se.Col, se.Word
	}
	writeJSON(w, code, out)
}
