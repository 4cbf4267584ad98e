package faults

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// pipe returns a wrapped client end and the raw server end of a net.Pipe.
func pipe(t *testing.T, in *Injector) (client net.Conn, server net.Conn) {
	t.Helper()
	a, b := net.Pipe()
	client = Conn(a, in, ConnOptions{Name: "t"})
	t.Cleanup(func() { client.Close(); b.Close() })
	return client, b
}

// timedWrite writes msg on w and reads it back from r, returning the bytes
// and how long (on the bubble's clock) the transfer took, and the sizes of
// the reads that delivered it.
func timedWrite(t *testing.T, w, r net.Conn, msg []byte) (got []byte, took time.Duration, reads []int) {
	t.Helper()
	start := time.Now()
	errc := make(chan error, 1)
	go func() {
		_, err := w.Write(msg)
		errc <- err
	}()
	buf := make([]byte, 64)
	for len(got) < len(msg) {
		n, err := r.Read(buf)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		got = append(got, buf[:n]...)
		reads = append(reads, n)
	}
	if err := <-errc; err != nil {
		t.Fatalf("write: %v", err)
	}
	return got, time.Since(start), reads
}

func TestConnLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustInjector(t, "link latency by=200ms dir=up", Options{})
		c, s := pipe(t, in)
		got, took, _ := timedWrite(t, c, s, []byte("hello"))
		if string(got) != "hello" || took != 200*time.Millisecond {
			t.Errorf("up: got %q after %v, want hello after 200ms", got, took)
		}
		// dir=up: the way back is not delayed.
		got, took, _ = timedWrite(t, s, c, []byte("back"))
		if string(got) != "back" || took != 0 {
			t.Errorf("down: got %q after %v, want back at once", got, took)
		}
	})
}

func TestConnJitterIsSeeded(t *testing.T) {
	run := func(seed string) []time.Duration {
		var out []time.Duration
		synctest.Test(t, func(t *testing.T) {
			in := mustInjector(t, "seed "+seed+"\nlink latency by=100ms jitter=50ms", Options{})
			c, s := pipe(t, in)
			for range 10 {
				_, took, _ := timedWrite(t, c, s, []byte("x"))
				if took < 50*time.Millisecond || took > 150*time.Millisecond {
					t.Errorf("delay %v outside 100ms±50ms", took)
				}
				out = append(out, took)
			}
		})
		return out
	}
	a, b := run("5"), run("5")
	if !slicesEqual(a, b) {
		t.Fatalf("seed 5 gave %v then %v", a, b)
	}
	if slicesEqual(a, run("6")) {
		t.Error("seeds 5 and 6 gave the same delays")
	}
}

func slicesEqual[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestConnBandwidth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustInjector(t, "link bandwidth rate=100", Options{})
		c, s := pipe(t, in)
		msg := bytes.Repeat([]byte("a"), 50)
		got, took, _ := timedWrite(t, c, s, msg)
		if !bytes.Equal(got, msg) || took != 500*time.Millisecond {
			t.Errorf("50 bytes at 100 B/s took %v, want 500ms", took)
		}
		got, took, _ = timedWrite(t, s, c, msg)
		if !bytes.Equal(got, msg) || took != 500*time.Millisecond {
			t.Errorf("down: 50 bytes at 100 B/s took %v, want 500ms", took)
		}
	})
}

func TestConnSlice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustInjector(t, "link slice size=3", Options{})
		c, s := pipe(t, in)
		_, _, reads := timedWrite(t, c, s, []byte("0123456"))
		if !slicesEqual(reads, []int{3, 3, 1}) {
			t.Errorf("up: reads of %v, want [3 3 1]", reads)
		}
		got, _, reads := timedWrite(t, s, c, []byte("abcdefg"))
		if string(got) != "abcdefg" || !slicesEqual(reads, []int{3, 3, 1}) {
			t.Errorf("down: %q in reads of %v, want abcdefg in [3 3 1]", got, reads)
		}
	})
}

func TestConnBlackhole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustInjector(t, "link blackhole for=2s dir=up", Options{})
		c, s := pipe(t, in)
		if n, err := c.Write([]byte("lost")); n != 4 || err != nil {
			t.Fatalf("Write during blackhole = %d, %v; want 4, nil", n, err)
		}
		time.Sleep(time.Second)
		if n, err := c.Write([]byte("lost too")); n != 8 || err != nil {
			t.Fatalf("Write during blackhole = %d, %v", n, err)
		}
		time.Sleep(time.Second)
		got, _, _ := timedWrite(t, c, s, []byte("through"))
		if string(got) != "through" {
			t.Errorf("after the blackhole got %q", got)
		}
		if n := len(in.Evidence()); n != 1 {
			t.Errorf("%d evidence entries, want 1 (the blackhole firing)", n)
		}
	})
}

func TestConnCloseEndsWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := mustInjector(t, "link latency by=1h", Options{})
		c, _ := pipe(t, in)
		errc := make(chan error)
		go func() {
			_, err := c.Write([]byte("x"))
			errc <- err
		}()
		synctest.Wait()
		c.Close()
		if err := <-errc; !errors.Is(err, net.ErrClosed) {
			t.Errorf("Write after Close = %v, want net.ErrClosed", err)
		}
		if err := c.Close(); err != nil {
			t.Errorf("second Close = %v", err)
		}
	})
}

// echoServer accepts connections on loopback and echoes what it reads.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	return ln.Addr().String()
}

func newProxy(t *testing.T, plan string) (*Proxy, *Injector) {
	t.Helper()
	in := mustInjector(t, plan, Options{})
	p, err := NewProxy(echoServer(t), ProxyOptions{Injector: in})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, in
}

func TestProxyPassesThrough(t *testing.T) {
	p, _ := newProxy(t, "")
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := bytes.Repeat([]byte("0123456789"), 1000)
	go c.Write(msg)
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echo through proxy: %v", err)
	}
}

func TestProxySlice(t *testing.T) {
	p, in := newProxy(t, "link slice size=2 dir=down")
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("abcdef")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 6)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "abcdef" {
		t.Fatalf("got %q, %v", got, err)
	}
	ev := in.Evidence()
	if len(ev) == 0 || ev[0].Kind != Slice || ev[0].Hit.Dir != Down {
		t.Errorf("evidence %+v: want slice down", ev)
	}
}

func TestProxyReset(t *testing.T) {
	p, in := newProxy(t, "link reset dir=up nth=2")
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 5)
	if _, err := c.Write([]byte("first")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("first message: %v", err)
	}
	if _, err := c.Write([]byte("reset")); err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadFull(c, buf)
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read after reset = %v, want ECONNRESET", err)
	}
	if ev := in.Evidence(); len(ev) != 1 || ev[0].Kind != Reset {
		t.Errorf("evidence %+v, want one reset", ev)
	}
	// The proxy keeps serving.
	c2, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.Write([]byte("again"))
	if _, err := io.ReadFull(c2, buf); err != nil || string(buf) != "again" {
		t.Fatalf("after reset: %q, %v", buf, err)
	}
}

func TestProxyCloseIdempotent(t *testing.T) {
	p, _ := newProxy(t, "")
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("x"))
	b := make([]byte, 1)
	io.ReadFull(c, b)
	p.Close()
	p.Close()
	if _, err := c.Read(b); err == nil {
		t.Error("client still connected after proxy Close")
	}
}
