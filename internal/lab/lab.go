package lab

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/emulator/escpos/escposadmin"
	"github.com/poshil/hil/emulator/escpos/paper"
	"github.com/poshil/hil/emulator/escpos/render"
	"github.com/poshil/hil/faults"
	"github.com/poshil/hil/pkg/hostproto"
)

//go:embed static
var static embed.FS

// Defaults of [Options].
const (
	DefaultQueueLen     = 64
	DefaultMaxClients   = 16
	DefaultLogLen       = 200
	DefaultPollInterval = 250 * time.Millisecond
)

// Bounds on what one frame carries.
const (
	// MaxReceiptText is the most bytes of a receipt's text sent in a
	// receipt event; longer text is cut and marked.
	MaxReceiptText = 16 << 10
	// MaxLedgerRows is how many of the ledger's most recent transactions
	// a ledger event carries.
	MaxLedgerRows = 50
	// MaxFaultRules is how many fault rules a faults event lists.
	MaxFaultRules = 100
	// MaxSnapshotReceipts is how many recent receipts a snapshot lists.
	MaxSnapshotReceipts = 20
)

// Options configure a [Server]. Printer and Acquirer are required.
type Options struct {
	// Addr is where the page is served; "" means 127.0.0.1:0.
	Addr string
	// Printer is the emulated printer to watch.
	Printer *escpos.Printer
	// Acquirer is the fake acquirer to watch. The lab installs an
	// interceptor on it that records each exchange for the message log
	// and then asks Intercept.
	Acquirer *acquirer.Server
	// Intercept is the interceptor the acquirer runs otherwise (a fault
	// plan's, acquirerfaults.Interceptor); nil lets every exchange through.
	Intercept acquirer.Interceptor
	// Faults is the fault plan applied to the printer and the acquirer;
	// nil hides the faults panel.
	Faults *faults.Injector
	// ReceiptDir, if set, is where receipts are also stored as NNNN.png
	// and NNNN.txt ('hil lab --out'): receipts no longer in the printer's
	// memory are served from there.
	ReceiptDir string
	// Logger receives the server's errors; nil discards them.
	Logger *slog.Logger
	// QueueLen is the most frames queued for one client; 0 means
	// DefaultQueueLen.
	QueueLen int
	// MaxClients is the most event streams served at once; 0 means
	// DefaultMaxClients.
	MaxClients int
	// LogLen is how many messages the message log keeps; 0 means
	// DefaultLogLen.
	LogLen int
	// PollInterval is how often the printer and the fault rules are
	// compared with what the clients were last sent, besides after every
	// change the lab sees happen; 0 means DefaultPollInterval.
	PollInterval time.Duration
}

// Server serves the lab page and its event stream, shaped like
// httptest.Server: it listens when created and Close stops it.
type Server struct {
	opts Options
	p    *escpos.Printer
	acq  *acquirer.Server
	in   *faults.Injector
	log  *slog.Logger
	ln   net.Listener
	srv  *http.Server
	hub  *hub

	mu        sync.Mutex
	messages  []MessageView // ring of the last LogLen
	msgSeq    int
	last      map[string][]byte // kind -> last published body
	endpoints map[string]string
	closed    bool

	kick      chan struct{}
	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	err       error
}

// NewServer starts the lab's web server and begins watching.
func NewServer(opts Options) (*Server, error) {
	if opts.Printer == nil || opts.Acquirer == nil {
		return nil, errors.New("lab: Options.Printer and Options.Acquirer are required")
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.QueueLen <= 0 {
		opts.QueueLen = DefaultQueueLen
	}
	if opts.MaxClients <= 0 {
		opts.MaxClients = DefaultMaxClients
	}
	if opts.LogLen <= 0 {
		opts.LogLen = DefaultLogLen
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	s := &Server{
		opts: opts, p: opts.Printer, acq: opts.Acquirer, in: opts.Faults, log: opts.Logger,
		last: map[string][]byte{},
		kick: make(chan struct{}, 1), done: make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.hub = newHub(opts.QueueLen, opts.MaxClients)
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("lab: listen %s: %w", opts.Addr, err)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	// Seed what clients were last sent, so the first poll publishes only
	// changes.
	s.refresh(false, true)
	s.p.OnReceipt(s.onReceipt)
	s.p.OnEvent(func(e escpos.Event) {
		if e.Kind == escpos.EventCut {
			s.poke()
		}
	})
	s.acq.SetIntercept(s.tap(opts.Intercept))
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("lab", "err", err)
		}
	}()
	go s.watch()
	return s, nil
}

// Addr is the address the page is served on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the page's base URL, http://ipaddr:port with no trailing slash.
func (s *Server) URL() string { return "http://" + s.Addr() }

// Close stops serving and watching, gives the acquirer back its own
// interceptor (Options.Intercept), and waits for the server's goroutines.
// It is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.acq.SetIntercept(s.opts.Intercept)
		close(s.done)
		s.hub.close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.err = s.srv.Close()
		}
		s.wg.Wait()
	})
	return s.err
}

// poke asks the watcher to compare the views with what was sent.
func (s *Server) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// watch publishes changes of the printer, the ledger and the fault rules
// after every change the lab sees, and of the printer and the rules every
// PollInterval too, for changes it does not see (a timed fault rule, a
// POST to the printer through another port). The ledger changes only
// through exchanges, which the lab sees all of (its interceptor), so it is
// not polled: a long soak's ledger is not copied four times a second.
func (s *Server) watch() {
	defer s.wg.Done()
	t := time.NewTicker(s.opts.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-s.kick:
			s.refresh(true, true)
		case <-t.C:
			s.refresh(true, false)
		}
	}
}

// refresh builds the printer, faults and (withLedger) ledger views and
// publishes those that differ from what was last published.
func (s *Server) refresh(publish, withLedger bool) {
	type view struct {
		kind string
		v    any
	}
	views := []view{{"printer", s.printerView()}}
	if withLedger {
		views = append(views, view{"ledger", s.ledgerView()})
	}
	if s.in != nil {
		views = append(views, view{"faults", s.faultsView()})
	}
	for _, x := range views {
		b, err := json.Marshal(x.v)
		if err != nil {
			s.log.Error("lab: encoding view", "kind", x.kind, "err", err)
			continue
		}
		s.mu.Lock()
		same := bytes.Equal(s.last[x.kind], b)
		s.last[x.kind] = b
		s.mu.Unlock()
		if !same && publish {
			s.hub.publish(x.kind, b)
		}
	}
}

// PrinterView is what the page shows of the printer: its sensors and
// switches, why it is offline, and its counters.
type PrinterView struct {
	Profile       string   `json:"profile"`
	Online        bool     `json:"online"`
	Paper         string   `json:"paper"` // ok, near-end, out
	CoverOpen     bool     `json:"coverOpen"`
	CutterError   bool     `json:"cutterError"`
	CutterJammed  bool     `json:"cutterJammed"`
	Overheated    bool     `json:"overheated"`
	DrawerOpen    bool     `json:"drawerOpen"`
	OfflineCauses []string `json:"offlineCauses"`
	Errors        []string `json:"errors"`
	Busy          bool     `json:"busy"`
	Receipts      int      `json:"receipts"`   // receipts finished
	Unfinished    int      `json:"unfinished"` // elements (lines, images …) of the receipt in progress
	Cuts          int64    `json:"cuts"`
	LinesPrinted  int64    `json:"linesPrinted"`
}

func (s *Server) printerView() PrinterView {
	st := s.p.Status()
	v := PrinterView{
		Profile: st.Profile, Online: st.Online, Paper: st.Paper.String(), CoverOpen: st.CoverOpen,
		CutterError: st.CutterError, CutterJammed: st.CutterJammed, Overheated: st.Overheated,
		DrawerOpen: st.DrawerOpen, OfflineCauses: st.OfflineCauses, Errors: st.Errors, Busy: st.Busy,
		Receipts: int(st.Receipts), Unfinished: st.Unfinished, Cuts: st.Cuts, LinesPrinted: st.LinesPrinted,
	}
	if v.OfflineCauses == nil {
		v.OfflineCauses = []string{}
	}
	if v.Errors == nil {
		v.Errors = []string{}
	}
	return v
}

// LedgerView is the acquirer's most recent transactions (at most
// MaxLedgerRows, oldest first; cards masked) and how many it holds.
type LedgerView struct {
	Total        int                `json:"total"`
	Transactions []acquirer.TxnView `json:"transactions"`
}

func (s *Server) ledgerView() LedgerView {
	all := s.acq.Ledger().Transactions("")
	v := LedgerView{Total: len(all), Transactions: all}
	if len(all) > MaxLedgerRows {
		v.Transactions = all[len(all)-MaxLedgerRows:]
	}
	return v
}

// FaultsView is the fault plan's active rules (the last MaxFaultRules of
// Total) and how often they fired, all together.
type FaultsView struct {
	Rules []faults.RuleStatus `json:"rules"`
	Total int                 `json:"total"`
	Fired int                 `json:"fired"`
}

func (s *Server) faultsView() FaultsView {
	rules := s.in.Rules()
	v := FaultsView{Total: len(rules), Rules: rules}
	for _, r := range rules {
		v.Fired += r.Fired
	}
	if len(rules) > MaxFaultRules {
		v.Rules = rules[len(rules)-MaxFaultRules:]
	}
	if v.Rules == nil {
		v.Rules = []faults.RuleStatus{}
	}
	return v
}

// ReceiptView is one receipt that finished printing.
type ReceiptView struct {
	N     int    `json:"n"`
	Lines int    `json:"lines"`
	Cut   string `json:"cut"` // full, partial, none
	Bytes int    `json:"bytes"`
	Text  string `json:"text"` // card numbers masked; at most MaxReceiptText bytes
	PNG   string `json:"png"`  // path of its picture on the lab server
}

func receiptView(r *paper.Receipt) ReceiptView {
	info := escpos.DescribeReceipt(r)
	text := hostproto.MaskPANs(string(render.Text(r)))
	if len(text) > MaxReceiptText {
		text = strings.ToValidUTF8(text[:MaxReceiptText], "") + "\n[… cut: the receipt's text is longer than the lab shows]\n"
	}
	return ReceiptView{N: info.N, Lines: info.Lines, Cut: info.Cut, Bytes: info.Bytes, Text: text,
		PNG: fmt.Sprintf("/receipts/%d.png", info.N)}
}

func (s *Server) onReceipt(r *paper.Receipt) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return
	}
	b, err := json.Marshal(receiptView(r))
	if err != nil {
		s.log.Error("lab: encoding receipt", "err", err)
		return
	}
	s.hub.publish("receipt", b)
	s.poke()
}

// MessageView is one entry of the message log: a request the acquirer
// read and what became of it. The card is masked.
type MessageView struct {
	Seq      int       `json:"seq"`
	Time     time.Time `json:"time"`
	Conn     uint64    `json:"conn"`
	Terminal string    `json:"terminal"`
	MTI      string    `json:"mti"`
	Proc     string    `json:"proc,omitempty"`
	STAN     string    `json:"stan"`
	Amount   int64     `json:"amount"`
	Card     string    `json:"card,omitempty"` // first 6 and last 4 at most
	// Response is the answer's MTI, "" when none was sent.
	Response string `json:"response,omitempty"`
	Code     string `json:"code,omitempty"`
	// Fault says what the fault plan did to the exchange, "" for nothing.
	Fault string `json:"fault,omitempty"`
}

// tap returns the lab's interceptor: it asks inner, then records the
// exchange when it is over (after the ledger, or before it when the
// request went no further).
func (s *Server) tap(inner acquirer.Interceptor) acquirer.Interceptor {
	return func(stage acquirer.Stage, ex *acquirer.Exchange) acquirer.Action {
		var act acquirer.Action
		if inner != nil {
			act = inner(stage, ex)
		}
		if stage == acquirer.AfterLedger || act.Close || act.Drop || act.Respond != "" {
			s.record(stage, ex, act)
		}
		return act
	}
}

func (s *Server) record(stage acquirer.Stage, ex *acquirer.Exchange, act acquirer.Action) {
	m := MessageView{Time: time.Now().UTC(), Conn: ex.Conn, Terminal: ex.Terminal, MTI: string(ex.MTI),
		Proc: string(ex.Proc), STAN: ex.STAN, Amount: ex.Amount, Code: string(ex.Code)}
	switch r := ex.Request.(type) {
	case *hostproto.FinancialRequest:
		m.Card = r.PAN.Masked()
	case *hostproto.ReversalRequest:
		m.Card = r.PAN.Masked()
	}
	if m.Card == "" && ex.PANLast4 != "" {
		m.Card = "****" + ex.PANLast4
	}
	var fault []string
	switch {
	case act.Close:
		fault = append(fault, "connection closed")
	case act.Drop && stage == acquirer.BeforeLedger:
		fault = append(fault, "request dropped")
	case act.Drop:
		fault = append(fault, "response dropped")
	case act.Respond != "":
		fault = append(fault, "answered "+string(act.Respond))
		m.Code = string(act.Respond)
	}
	if act.Delay > 0 {
		fault = append(fault, "delayed "+act.Delay.String())
	}
	for _, f := range []struct {
		on   bool
		what string
	}{{act.Duplicate, "sent twice"}, {act.Malform, "malformed"}, {act.WrongSTAN, "wrong STAN"}, {act.BadMAC, "bad MAC"}} {
		if f.on {
			fault = append(fault, f.what)
		}
	}
	m.Fault = strings.Join(fault, ", ")
	if ex.Response != nil && !act.Close && !act.Drop {
		m.Response = string(ex.Response.MTI())
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.msgSeq++
	m.Seq = s.msgSeq
	s.messages = append(s.messages, m)
	if over := len(s.messages) - s.opts.LogLen; over > 0 {
		s.messages = append(s.messages[:0:0], s.messages[over:]...)
	}
	s.mu.Unlock()
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	s.hub.publish("message", b)
	s.poke()
}

// Snapshot is the whole view: what a client is sent when it connects and
// after it fell behind.
type Snapshot struct {
	Printer  PrinterView   `json:"printer"`
	Receipts []ReceiptView `json:"receipts"` // the most recent, at most MaxSnapshotReceipts
	Ledger   LedgerView    `json:"ledger"`
	Messages []MessageView `json:"messages"`
	Faults   *FaultsView   `json:"faults"` // nil without a fault plan
	// Endpoints are the addresses a terminal is pointed at, as given in
	// Options (informational).
	Endpoints map[string]string `json:"endpoints"`
}

// SetEndpoints records the addresses a terminal is pointed at ("printer
// tcp", "printer pty", "acquirer", …), which the page shows.
func (s *Server) SetEndpoints(m map[string]string) {
	s.mu.Lock()
	s.endpoints = maps.Clone(m)
	s.mu.Unlock()
	s.hub.resyncAll()
}

func (s *Server) snapshot() Snapshot {
	snap := Snapshot{Printer: s.printerView(), Ledger: s.ledgerView(), Receipts: []ReceiptView{}}
	rs := s.p.Receipts()
	if len(rs) > MaxSnapshotReceipts {
		rs = rs[len(rs)-MaxSnapshotReceipts:]
	}
	for _, r := range rs {
		snap.Receipts = append(snap.Receipts, receiptView(r))
	}
	if s.in != nil {
		fv := s.faultsView()
		snap.Faults = &fv
	}
	s.mu.Lock()
	snap.Messages = append([]MessageView{}, s.messages...)
	snap.Endpoints = s.endpoints
	s.mu.Unlock()
	return snap
}

func (s *Server) snapshotJSON() []byte {
	b, err := json.Marshal(s.snapshot())
	if err != nil {
		s.log.Error("lab: encoding snapshot", "err", err)
		return []byte("{}")
	}
	return []byte(hostproto.MaskPANs(string(b)))
}

// Handler is the lab's HTTP API and page (see the package documentation
// for the endpoints).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	sub, _ := fs.Sub(static, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(sub)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(sub, "index.html")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b)
	})
	mux.HandleFunc("GET /events", s.serveEvents)
	mux.HandleFunc("GET /api/snapshot", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(s.snapshotJSON())
	})
	mux.HandleFunc("GET /receipts/{file}", s.serveReceipt)
	// The printer's own receipt endpoints would hand out what was printed
	// as it was; under the lab they are the lab's, card numbers masked.
	mux.HandleFunc("GET /printer/receipts/{file}", s.serveReceipt)
	mux.Handle("/printer/", http.StripPrefix("/printer", s.poking(escposadmin.Handler(s.p))))
	mux.Handle("/acquirer/", http.StripPrefix("/acquirer", s.poking(s.acq.AdminHandler())))
	if s.in != nil {
		mux.Handle("/faults", s.poking(faults.AdminHandler(s.in)))
	}
	return mux
}

// poking calls h and then, for a request that may change state, has the
// watcher publish what changed at once.
func (s *Server) poking(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.poke()
		}
	})
}

// serveReceipt answers /receipts/N.png, .txt and .bin, from the printer's
// memory or from Options.ReceiptDir. Card numbers in the text and the
// bytes are masked. The HTML page is not served: it sets out each glyph
// in its own element, where no masking finds a card number.
func (s *Server) serveReceipt(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	num, ext, _ := strings.Cut(file, ".")
	n, err := strconv.Atoi(num)
	types := map[string]string{"png": "image/png", "txt": "text/plain; charset=utf-8", "bin": "application/octet-stream"}
	ctype, known := types[ext]
	if err != nil || n < 1 || !known {
		http.Error(w, fmt.Sprintf("lab: receipt %q: want /receipts/N.png, .txt or .bin (the lab does not serve the HTML page)", file), http.StatusNotFound)
		return
	}
	var rc *paper.Receipt
	for _, c := range s.p.Receipts() {
		if c.Seq == n {
			rc = c
		}
	}
	var b []byte
	switch {
	case rc != nil:
		var buf bytes.Buffer
		switch ext {
		case "png":
			err = render.PNG(&buf, rc)
		case "txt":
			buf.Write(render.Text(rc))
		case "bin":
			buf.Write(rc.Raw)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		b = buf.Bytes()
	case s.opts.ReceiptDir != "":
		b, err = os.ReadFile(filepath.Join(s.opts.ReceiptDir, fmt.Sprintf("%04d.%s", n, ext)))
		if err != nil {
			http.Error(w, fmt.Sprintf("lab: no receipt %d in memory or in %s", n, s.opts.ReceiptDir), http.StatusNotFound)
			return
		}
	default:
		http.Error(w, fmt.Sprintf("lab: no receipt %d in memory", n), http.StatusNotFound)
		return
	}
	if ext != "png" {
		b = []byte(hostproto.MaskPANs(string(b)))
	}
	w.Header().Set("Content-Type", ctype)
	w.Write(b)
}
