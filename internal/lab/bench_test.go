package lab

import (
	"fmt"
	"testing"
)

// BenchmarkPublish is the cost of one event for the publisher with
// MaxClients streams that read nothing: the queues fill, then every
// publish finds them full and only marks them behind. Memory stays at
// QueueLen frames per client (allocs/op is the one frame).
func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{1, DefaultMaxClients} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			h := newHub(DefaultQueueLen, n)
			for range n {
				if _, err := h.subscribe(); err != nil {
					b.Fatal(err)
				}
			}
			data := []byte(`{"seq":12,"time":"2026-12-03T15:24:42.260459932Z","conn":1,"terminal":"TERM0001","mti":"0200","proc":"000000","stan":"000001","amount":1250,"card":"424242******4242","response":"0210","code":"00"}`)
			b.ReportAllocs()
			for b.Loop() {
				h.publish("message", data)
			}
		})
	}
}
