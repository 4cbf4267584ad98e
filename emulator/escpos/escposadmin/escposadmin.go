// Package escposadmin serves the admin API of an emulated ESC/POS printer
// over HTTP: its status, its sensors and switches, and the receipts it
// printed as bytes, text, PNG and HTML. It hangs off package escpos from
// outside, as net/http/pprof hangs off net/http, so that the emulator core
// links no HTTP server and no renderer.
package escposadmin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
)

// Options configures a [Server]. The zero value listens on a
// free loopback port.
type Options struct {
	// Addr is the address to listen on; "" means 127.0.0.1:0.
	Addr string
	// Logger receives request errors; nil discards them.
	Logger *slog.Logger
	// Handlers are extra endpoints mounted beside Handler, by
	// net/http ServeMux pattern (e.g. "/faults" for the fault plan's).
	Handlers map[string]http.Handler
	// ReceiptDir, if set, is where every receipt is also stored as
	// NNNN.bin, NNNN.txt and NNNN.png ('hil printer serve --out'): a
	// receipt no longer in memory (Options.KeepReceipts, KeepBytes) is
	// served from there.
	ReceiptDir string
}

// Server serves the admin API of a printer over HTTP: its status, its
// sensors and switches, and the receipts it printed. See [Handler].
type Server struct {
	ln   net.Listener
	srv  *http.Server
	wg   sync.WaitGroup
	once sync.Once
	err  error
}

// NewServer starts the admin API of p.
func NewServer(p *escpos.Printer, opts Options) (*Server, error) {
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &escpos.ServeError{Endpoint: "admin", Addr: addr, Err: err}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := adminHandler(p, opts.ReceiptDir)
	if len(opts.Handlers) > 0 {
		mux := http.NewServeMux()
		mux.Handle("/", h)
		for pattern, x := range opts.Handlers {
			mux.Handle(pattern, x)
		}
		h = mux
	}
	a := &Server{ln: ln, srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin", "err", err)
		}
	}()
	return a, nil
}

// Addr is the address the admin API listens on.
func (a *Server) Addr() string { return a.ln.Addr().String() }

// URL is the base URL of the admin API, e.g. http://127.0.0.1:41234.
func (a *Server) URL() string { return "http://" + a.Addr() }

// Close stops the admin API and waits for it. It is idempotent.
func (a *Server) Close() error {
	a.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.srv.Shutdown(ctx); err != nil {
			a.err = a.srv.Close()
		}
		a.wg.Wait()
	})
	return a.err
}

// Handler is the admin API of p:
//
//	GET  /status            the printer's Status as JSON
//	POST /state             set sensors and switches: {"paper":"ok|near-end|out",
//	                        "cover":"open|closed","cutter":"ok|jammed",
//	                        "online":true|false,"drawer":"open|closed"} (any subset);
//	                        answers the new status, or 400 naming the bad key or value
//	GET  /receipts          the receipts printed: [{"n":1,"lines":12,"cut":"full","bytes":420}]
//	GET  /receipts/{n}.bin  the host bytes of receipt n
//	GET  /receipts/{n}.txt  its text rendering
//	GET  /receipts/{n}.png  its picture
//	GET  /receipts/{n}.html its paper-roll page
//
// The receipts are those in memory (Options.KeepReceipts, KeepBytes);
// GET /status counts the others (receiptsEvicted).
func Handler(p *escpos.Printer) http.Handler { return adminHandler(p, "") }

func adminHandler(p *escpos.Printer, dir string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, p.Status())
	})
	mux.HandleFunc("POST /state", func(w http.ResponseWriter, r *http.Request) {
		var body bytes.Buffer
		if _, err := body.ReadFrom(http.MaxBytesReader(w, r.Body, 1<<16)); err != nil {
			httpError(w, http.StatusBadRequest, "escpos: state: reading the body: "+err.Error())
			return
		}
		req, err := escpos.ParseStateRequest(body.Bytes())
		if err != nil {
			httpError(w, http.StatusBadRequest, err.Error())
			return
		}
		req.Apply(p)
		writeJSON(w, http.StatusOK, p.Status())
	})
	mux.HandleFunc("GET /receipts", func(w http.ResponseWriter, r *http.Request) {
		list := []escpos.ReceiptInfo{}
		for _, rc := range p.Receipts() {
			list = append(list, escpos.DescribeReceipt(rc))
		}
		writeJSON(w, http.StatusOK, list)
	})
	mux.HandleFunc("GET /receipts/{file}", func(w http.ResponseWriter, r *http.Request) {
		file := r.PathValue("file")
		num, ext, ok := strings.Cut(file, ".")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n < 1 {
			httpError(w, http.StatusNotFound, fmt.Sprintf("escpos: receipt %q: want /receipts/N.txt, .png, .html or .bin", file))
			return
		}
		var rc *paper.Receipt
		for _, c := range p.Receipts() {
			if c.Seq == n {
				rc = c
			}
		}
		if rc == nil {
			if dir != "" && serveStored(w, dir, n, ext) {
				return
			}
			httpError(w, http.StatusNotFound, fmt.Sprintf("escpos: no receipt %d in memory (%d printed, the last %d kept)", n, p.Status().Receipts, p.Status().ReceiptsInMemory))
			return
		}
		switch ext {
		case "bin":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(rc.Raw)
		case "txt":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write(render.Text(rc))
		case "png":
			var buf bytes.Buffer
			if err := render.PNG(&buf, rc); err != nil {
				httpError(w, http.StatusInternalServerError, err.Error())
				return
			}
			w.Header().Set("Content-Type", "image/png")
			w.Write(buf.Bytes())
		case "html":
			var buf bytes.Buffer
			if err := render.HTML(&buf, rc); err != nil {
				httpError(w, http.StatusInternalServerError, err.Error())
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(buf.Bytes())
		default:
			httpError(w, http.StatusNotFound, fmt.Sprintf("escpos: receipt %d: unknown format %q (txt, png, html, bin)", n, ext))
		}
	})
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// httpError answers {"error": msg} with code.
func httpError(w http.ResponseWriter, code int, msg string) {
	b, _ := json.Marshal(map[string]string{"error": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// serveStored answers a receipt evicted from memory from dir, if it is
// there in that format.
func serveStored(w http.ResponseWriter, dir string, n int, ext string) bool {
	types := map[string]string{"bin": "application/octet-stream", "txt": "text/plain; charset=utf-8", "png": "image/png"}
	ct, ok := types[ext]
	if !ok {
		return false
	}
	b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%04d.%s", n, ext)))
	if err != nil {
		return false
	}
	w.Header().Set("Content-Type", ct)
	w.Write(b)
	return true
}
