package lab

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/poshil/hil/pkg/hostproto"
)

// writeTimeout bounds the write of one frame to a client: a client that
// stops reading with its TCP window full is disconnected after it.
const writeTimeout = 10 * time.Second

// heartbeat is how often an idle stream gets an SSE comment, so that a
// client that went away is noticed and proxies keep the stream open.
const heartbeat = 15 * time.Second

// hub fans frames out to the connected clients, each through a bounded
// queue.
type hub struct {
	queueLen   int
	maxClients int

	mu      sync.Mutex
	seq     uint64
	clients map[*client]struct{}
	closed  bool
	done    chan struct{}
}

// client is one event stream. Its queue holds at most queueLen frames;
// when a frame finds it full, the queue is marked lagged and the stream
// drops what is queued and sends a fresh snapshot instead.
type client struct {
	ch     chan []byte
	mu     sync.Mutex
	lagged bool
	wake   chan struct{} // cap 1: lagged was set
}

func newHub(queueLen, maxClients int) *hub {
	return &hub{queueLen: queueLen, maxClients: maxClients, clients: map[*client]struct{}{}, done: make(chan struct{})}
}

var errTooManyClients = errors.New("lab: too many event streams")

func (h *hub) subscribe() (*client, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, http.ErrServerClosed
	}
	if len(h.clients) >= h.maxClients {
		return nil, errTooManyClients
	}
	c := &client{ch: make(chan []byte, h.queueLen), wake: make(chan struct{}, 1)}
	h.clients[c] = struct{}{}
	return c, nil
}

func (h *hub) unsubscribe(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}

func (h *hub) close() {
	h.mu.Lock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
	h.mu.Unlock()
}

// frame encodes one SSE event. data is JSON on one line; card numbers in
// it are masked.
func frame(id uint64, kind string, data []byte) []byte {
	data = []byte(hostproto.MaskPANs(string(data)))
	var b bytes.Buffer
	b.Grow(len(data) + 40)
	b.WriteString("id: ")
	b.WriteString(strconv.FormatUint(id, 10))
	b.WriteString("\nevent: ")
	b.WriteString(kind)
	b.WriteString("\ndata: ")
	b.Write(bytes.ReplaceAll(data, []byte("\n"), []byte("\ndata: ")))
	b.WriteString("\n\n")
	return b.Bytes()
}

// publish queues an event for every client without blocking.
func (h *hub) publish(kind string, data []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.seq++
	f := frame(h.seq, kind, data)
	for c := range h.clients {
		select {
		case c.ch <- f:
		default:
			c.setLagged()
		}
	}
}

// resyncAll has every client sent a fresh snapshot.
func (h *hub) resyncAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		c.setLagged()
	}
}

func (h *hub) nextID() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	return h.seq
}

func (c *client) setLagged() {
	c.mu.Lock()
	c.lagged = true
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// takeLagged reports whether the client fell behind, and if so drops its
// queue: the snapshot built after this call covers every frame dropped.
func (c *client) takeLagged() bool {
	c.mu.Lock()
	lagged := c.lagged
	c.lagged = false
	c.mu.Unlock()
	if !lagged {
		return false
	}
	for {
		select {
		case <-c.ch:
		default:
			return true
		}
	}
}

// serveEvents is GET /events: a snapshot, then the events as they happen.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	c, err := s.hub.subscribe()
	if err != nil {
		http.Error(w, fmt.Sprintf("%v (at most %d at once)", err, s.opts.MaxClients), http.StatusServiceUnavailable)
		return
	}
	defer s.hub.unsubscribe(c)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(b []byte) bool {
		rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	// The browser reconnects after 2 s if the stream breaks; every
	// connection starts with a snapshot, so nothing is missed.
	if !write([]byte("retry: 2000\n\n")) {
		return
	}
	c.setLagged() // the first frame is a snapshot
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		// A pending snapshot goes before anything queued.
		if c.takeLagged() && !write(frame(s.hub.nextID(), "snapshot", s.snapshotJSON())) {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.hub.done:
			return
		case <-c.wake:
		case f := <-c.ch:
			if !write(f) {
				return
			}
		case <-tick.C:
			if !write([]byte(": keep-alive\n\n")) {
				return
			}
		}
	}
}
