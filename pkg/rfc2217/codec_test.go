package rfc2217

import (
	"bytes"
	"fmt"
	"testing"
)

type decoded struct {
	data []byte
	cmds []string
}

func decodeAll(in []byte, step int) decoded {
	var d Decoder
	var out decoded
	for i := 0; i < len(in); i += step {
		chunk := bytes.Clone(in[i:min(i+step, len(in))])
		out.data = append(out.data, d.Decode(chunk, func(c Command) {
			out.cmds = append(out.cmds, fmt.Sprintf("%02X/%d/% X/%v", c.Verb, c.Option, c.Data, c.Truncated))
		})...)
	}
	return out
}

func TestDecoder(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		data []byte
		cmds []string
	}{
		{"plain", []byte{0x1B, 0x40, 'A', 0x0A}, []byte{0x1B, 0x40, 'A', 0x0A}, nil},
		{"escaped IAC", []byte{0x10, 0xFF, 0xFF, 0x20}, []byte{0x10, 0xFF, 0x20}, nil},
		{"negotiation", []byte{0xFF, 0xFB, 0x2C, 0xFF, 0xFD, 0x00, 0x12}, []byte{0x12},
			[]string{"FB/44//false", "FD/0//false"}},
		// Server SET-BAUDRATE 0x0000FF00 = 65280, with the FF doubled.
		{"subnegotiation", []byte{0xFF, 0xFA, 0x2C, 0x65, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0xFF, 0xF0, 0x1E}, []byte{0x1E},
			[]string{"FA/44/65 00 00 FF 00/false"}},
		{"NOP and BRK", []byte{0xFF, 0xF1, 'a', 0xFF, 0xF3}, []byte{'a'}, []string{"F1/0//false", "F3/0//false"}},
		{"subnegotiation cut off by a command", []byte{0xFF, 0xFA, 0x2C, 0x6B, 0xFF, 0xFB, 0x03, 'x'}, []byte{'x'},
			[]string{"FA/44/6B/true", "FB/3//false"}},
		{"empty subnegotiation", []byte{0xFF, 0xFA, 0xFF, 0xF0, 'y'}, []byte{'y'}, nil},
		{"stray SE", []byte{0xFF, 0xF0, 'z'}, []byte{'z'}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, step := range []int{1, 2, len(tc.in)} {
				got := decodeAll(tc.in, step)
				if !bytes.Equal(got.data, tc.data) || fmt.Sprint(got.cmds) != fmt.Sprint(tc.cmds) {
					t.Errorf("step %d: data % X cmds %q; want % X %q", step, got.data, got.cmds, tc.data, tc.cmds)
				}
			}
		})
	}
}

func TestDecoderBoundsSubnegotiation(t *testing.T) {
	in := []byte{IAC, SB, OptComPort}
	in = append(in, bytes.Repeat([]byte{7}, 10000)...)
	in = append(in, IAC, SE, 'k')
	var d Decoder
	var got []Command
	data := d.Decode(in, func(c Command) { c.Data = bytes.Clone(c.Data); got = append(got, c) })
	if string(data) != "k" || len(got) != 1 || len(got[0].Data) != MaxSubnegotiation || !got[0].Truncated {
		t.Fatalf("data %q, %d commands %+v", data, len(got), got)
	}
	if cap(d.sub) > 2*MaxSubnegotiation {
		t.Errorf("decoder kept %d bytes", cap(d.sub))
	}
}

func TestComPortValues(t *testing.T) {
	var d Decoder
	var cps []ComPort
	in := AppendComPort(nil, SetBaudrate.Server(), Uint32Value(0x0000FF00)...)
	in = AppendComPort(in, SetControl.Server(), byte(FlowHardware))
	in = AppendComPort(in, NotifyModemstate.Server())
	d.Decode(in, func(c Command) {
		cp, ok := ParseComPort(c)
		if !ok {
			t.Fatalf("not a COM-PORT-OPTION command: %+v", c)
		}
		cp.Value = bytes.Clone(cp.Value)
		cps = append(cps, cp)
	})
	if len(cps) != 3 {
		t.Fatalf("%d commands", len(cps))
	}
	if n, err := cps[0].Uint32(); err != nil || n != 0xFF00 || cps[0].Code != 101 {
		t.Errorf("baud %v %d %v", cps[0].Code, n, err)
	}
	if b, err := cps[1].Byte(); err != nil || Control(b) != FlowHardware {
		t.Errorf("control %v %v", b, err)
	}
	if _, err := cps[2].Byte(); err == nil {
		t.Errorf("an empty NOTIFY-MODEMSTATE has a byte")
	}
	if got := cps[0].String() + "; " + cps[1].String(); got != "server SET-BAUDRATE 65280; server SET-CONTROL flow-hardware" {
		t.Errorf("String: %s", got)
	}
}

func TestModemDeltas(t *testing.T) {
	for _, tc := range []struct{ old, new, want ModemState }{
		{ModemCD | ModemDSR | ModemCTS, ModemCD, ModemDeltaDSR | ModemDeltaCTS},
		{ModemCD, ModemCD | ModemCTS, ModemDeltaCTS},
		{ModemRI, 0, ModemRIEdge},
		{0, ModemRI, 0}, // RI reports its trailing edge only
		{0, ModemCD, ModemDeltaCD},
	} {
		if got := tc.new.Deltas(tc.old); got != tc.want {
			t.Errorf("%v -> %v: %v, want %v", tc.old, tc.new, got, tc.want)
		}
	}
}

// Two sides that each ask for what they want and answer the other settle
// without a loop: the exchange ends, and both agree on every option.
func TestOptionsConverge(t *testing.T) {
	var client, server Options
	for _, o := range []byte{OptBinary, OptSGA, OptComPort} {
		client.AcceptUs[o], client.AcceptThem[o] = true, o != OptComPort
		server.AcceptUs[o], server.AcceptThem[o] = o != OptComPort, true
	}
	server.AcceptUs[OptComPort] = true // pyserial asks DO COM-PORT-OPTION of the server too
	var toServer, toClient []byte
	for _, o := range []byte{OptBinary, OptSGA, OptComPort} {
		toServer = client.Ask(toServer, WILL, o)
	}
	toServer = client.Ask(toServer, DO, OptEcho) // refused by the server
	for _, o := range []byte{OptBinary, OptSGA} {
		toClient = server.Ask(toClient, WILL, o)
		toClient = server.Ask(toClient, DO, o)
	}
	toClient = server.Ask(toClient, DO, OptComPort)
	for rounds := 0; len(toServer)+len(toClient) > 0; rounds++ {
		if rounds > 10 {
			t.Fatalf("negotiation loops: % X / % X", toServer, toClient)
		}
		var a, b []byte
		var d1, d2 Decoder
		d1.Decode(toServer, func(c Command) { a = server.Receive(a, c.Verb, c.Option) })
		d2.Decode(toClient, func(c Command) { b = client.Receive(b, c.Verb, c.Option) })
		toClient, toServer = a, b
	}
	for _, o := range []byte{OptBinary, OptSGA} {
		if !client.Us(o) || !client.Them(o) || !server.Us(o) || !server.Them(o) {
			t.Errorf("option %d not on both ways", o)
		}
	}
	if !client.Us(OptComPort) || !server.Them(OptComPort) {
		t.Errorf("COM-PORT-OPTION not agreed")
	}
	if client.Them(OptEcho) || !client.Refused(DO, OptEcho) {
		t.Errorf("ECHO agreed")
	}
}
