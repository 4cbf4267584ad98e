package faults

import (
	"io"
	"net"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	b.SetBytes(int64(len(issuePlan)))
	for b.Loop() {
		if _, err := Parse(issuePlan); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFire asks a ten-rule plan about one acquirer message.
func BenchmarkFire(b *testing.B) {
	p, err := Parse(`seed 1
acquirer drop-response mti=0200 nth=1000000000
acquirer decline code=05 card=*4242 p=0.01 count=always
acquirer reversal-lost count=2
acquirer delay by=1s mti=0100
acquirer wrong-stan terminal=T9
link latency by=1ms
link reset nth=5
printer paper-out after-lines=12
printer cover-open cut=3
client crash at=after-send
`)
	if err != nil {
		b.Fatal(err)
	}
	in, _ := NewInjector(p, Options{})
	defer in.Close()
	ev := Event{Target: TargetAcquirer, PAN: "4000000000004242", Hit: Hit{MTI: "0200", STAN: "000001", Terminal: "T1"}}
	for b.Loop() {
		in.Fire(ev, DropResponse, Decline, ReversalLost, Delay, WrongSTAN)
	}
}

// BenchmarkConnWrite measures the wrapper's cost on 4 KiB writes with a
// plan that has link rules that do not fire (dir=down) against net.Pipe.
func BenchmarkConnWrite(b *testing.B) {
	for _, tc := range []struct{ name, plan string }{{"raw", ""}, {"wrapped", "link latency by=1s dir=down\nlink slice dir=down"}} {
		b.Run(tc.name, func(b *testing.B) {
			a, z := net.Pipe()
			defer a.Close()
			go io.Copy(io.Discard, z)
			var c net.Conn = a
			if tc.plan != "" {
				p, _ := Parse(tc.plan)
				in, _ := NewInjector(p, Options{})
				defer in.Close()
				c = Conn(a, in, ConnOptions{Name: "bench"})
			}
			buf := make([]byte, 4096)
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				if _, err := c.Write(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
