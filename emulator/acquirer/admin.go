package acquirer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxAdminBody bounds a POST body.
const maxAdminBody = 64 << 10

// AdminHandler returns the admin API (HTTP + JSON) over the server's
// ledger. Options.AdminAddr serves it; tests may mount it on an
// httptest.Server instead.
//
//	GET  /transactions[?terminal=ID]  every recorded transaction (card masked)
//	GET  /cards                       every card (masked)
//	POST /cards                       create or update a card (CardUpdate)
//	GET  /terminals/{terminal}        requests, last STAN, STANs not increasing, open batch
//	GET  /batches/{terminal}          the terminal's batches, closed ones with their settlement report
//	GET  /batches/{terminal}/report   the report of the terminal's last closed batch
//	GET  /connections                 {"connections": N}
//	POST /connections/drop            close every client connection
//
// Errors are {"error": "..."} with status 400 (bad input) or 404.
func (s *Server) AdminHandler() http.Handler {
	s.adminOnce.Do(func() { s.adminMux = newAdminMux(s.ledger, s) })
	return s.adminMux
}

// HandleAdmin mounts h on the server's admin API at pattern and below it
// ("/faults" serves /faults and /faults/...), so that packages built on
// the acquirer (fault plans) add endpoints next to the ledger's. h sees
// the full path. Like http.ServeMux.Handle it panics if pattern is
// already taken.
func (s *Server) HandleAdmin(pattern string, h http.Handler) {
	mux := s.AdminHandler().(*http.ServeMux)
	pattern = strings.TrimSuffix(pattern, "/")
	mux.Handle(pattern, h)
	mux.Handle(pattern+"/", h)
}

// NewAdminHandler returns the admin API over a ledger alone (without the
// connection endpoints).
func NewAdminHandler(l *Ledger) http.Handler { return newAdminMux(l, nil) }

func newAdminMux(l *Ledger, s *Server) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /transactions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, l.Transactions(r.URL.Query().Get("terminal")))
	})
	mux.HandleFunc("GET /cards", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, l.Cards())
	})
	mux.HandleFunc("POST /cards", func(w http.ResponseWriter, r *http.Request) {
		var u CardUpdate
		dec := json.NewDecoder(io.LimitReader(r.Body, maxAdminBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&u); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("acquirer: card JSON: %w", err))
			return
		}
		v, err := l.UpdateCard(u)
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
	mux.HandleFunc("GET /terminals/{terminal}", func(w http.ResponseWriter, r *http.Request) {
		v, err := l.TerminalStatus(r.PathValue("terminal"))
		if err != nil {
			writeError(w, http.StatusNotFound, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
	mux.HandleFunc("GET /batches/{terminal}", func(w http.ResponseWriter, r *http.Request) {
		bs, err := l.Batches(r.PathValue("terminal"))
		if err != nil {
			writeError(w, http.StatusNotFound, err)
			return
		}
		writeJSON(w, http.StatusOK, bs)
	})
	mux.HandleFunc("GET /batches/{terminal}/report", func(w http.ResponseWriter, r *http.Request) {
		bs, err := l.Batches(r.PathValue("terminal"))
		if err != nil {
			writeError(w, http.StatusNotFound, err)
			return
		}
		for i := len(bs) - 1; i >= 0; i-- {
			if bs[i].Report != nil {
				writeJSON(w, http.StatusOK, bs[i])
				return
			}
		}
		writeError(w, http.StatusNotFound, errors.New("acquirer: no settled batch yet"))
	})
	if s != nil {
		mux.HandleFunc("GET /connections", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]int{"connections": s.Connections()})
		})
		mux.HandleFunc("POST /connections/drop", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, map[string]int{"dropped": s.DropConnections()})
		})
	}
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}
