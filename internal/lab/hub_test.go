package lab

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/acquirer"
	"github.com/poshil/hil/emulator/escpos"
)

func TestHubQueueIsBounded(t *testing.T) {
	h := newHub(4, 2)
	c, err := h.subscribe()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		h.publish("message", []byte(`{"seq":`+string(rune('0'+i%10))+`}`))
	}
	if n := len(c.ch); n > 4 {
		t.Fatalf("%d frames queued for a client that reads nothing; want at most 4", n)
	}
	if !c.takeLagged() {
		t.Fatal("a client whose queue overflowed is not marked to be resynchronised")
	}
	if n := len(c.ch); n != 0 {
		t.Fatalf("%d frames left after the resync dropped the queue", n)
	}
	if _, err := h.subscribe(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.subscribe(); err != errTooManyClients {
		t.Fatalf("third client of two allowed: err %v, want errTooManyClients", err)
	}
}

func TestFrameFormatAndMasking(t *testing.T) {
	got := string(frame(7, "receipt", []byte("{\"text\":\"CARD 4242424242424242\"}\n{}")))
	want := "id: 7\nevent: receipt\ndata: {\"text\":\"CARD 424242******4242\"}\ndata: {}\n\n"
	if got != want {
		t.Fatalf("frame:\n%q\nwant\n%q", got, want)
	}
}

// gatedWriter is an http.ResponseWriter whose every Write waits for the
// test to let it through: a browser that stopped reading.
type gatedWriter struct {
	h       http.Header
	entered chan string   // the frame being written
	gate    chan struct{} // one receive lets one Write through
	mu      sync.Mutex
	out     bytes.Buffer
}

func (w *gatedWriter) Header() http.Header { return w.h }
func (w *gatedWriter) WriteHeader(int)     {}
func (w *gatedWriter) Flush()              {}
func (w *gatedWriter) Write(b []byte) (int, error) {
	w.entered <- string(b)
	<-w.gate
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.Write(b)
}

// A stream whose client does not read holds at most QueueLen frames; once
// it reads again it is sent a snapshot instead of what it missed.
func TestSlowClientIsResynchronised(t *testing.T) {
	p, err := escpos.NewPrinter(escpos.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	acq, err := acquirer.NewServer(acquirer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer acq.Close()
	s, err := NewServer(Options{Printer: p, Acquirer: acq, QueueLen: 2, PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	w := &gatedWriter{h: http.Header{}, entered: make(chan string), gate: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.serveEvents(w, httptest.NewRequest("GET", "/events", nil).WithContext(ctx))
	}()
	step := func(want string) {
		t.Helper()
		select {
		case f := <-w.entered:
			if !strings.Contains(f, want) {
				t.Fatalf("writing %q, want a frame with %q", f, want)
			}
			w.gate <- struct{}{}
		case <-time.After(10 * time.Second):
			t.Fatalf("no write of %q", want)
		}
	}
	step("retry: 2000")
	step("event: snapshot")
	// The client now stalls in the middle of one frame …
	s.hub.publish("message", []byte(`{"seq":1}`))
	var stuck string
	select {
	case stuck = <-w.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first message was not written")
	}
	// … while 500 more events happen.
	for range 500 {
		s.hub.publish("message", []byte(`{"seq":2}`))
	}
	s.hub.mu.Lock()
	for c := range s.hub.clients {
		if n := len(c.ch); n > 2 {
			t.Errorf("%d frames queued for a stalled client; want at most QueueLen 2", n)
		}
	}
	s.hub.mu.Unlock()
	if !strings.Contains(stuck, `{"seq":1}`) {
		t.Fatalf("stalled on %q", stuck)
	}
	w.gate <- struct{}{}
	// What it missed comes as one snapshot, not as 500 frames.
	step("event: snapshot")
	cancel()
	select {
	case <-done:
	case f := <-w.entered:
		t.Fatalf("after the resync, a frame that should have been dropped: %q", f)
	}
}
