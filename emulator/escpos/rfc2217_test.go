package escpos_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/pkg/rfc2217"
)

// rfcClient speaks raw RFC 2217 to the emulator's endpoint: it sends
// protocol bytes and reads the server's commands and data.
type rfcClient struct {
	t *testing.T
	c interface {
		Read([]byte) (int, error)
		Write([]byte) (int, error)
		SetReadDeadline(time.Time) error
	}
	dec  rfc2217.Decoder
	cmds []rfc2217.Command
	data []byte
}

func newRFCClient(t *testing.T, s *escpos.Server) *rfcClient {
	c := dial(t, s.RFC2217Addr())
	return &rfcClient{t: t, c: c}
}

// next returns the next telnet command from the server, reading as
// needed (10s at most).
func (r *rfcClient) next() rfc2217.Command {
	r.t.Helper()
	r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 512)
	for len(r.cmds) == 0 {
		n, err := r.c.Read(buf)
		r.data = append(r.data, r.dec.Decode(buf[:n], func(c rfc2217.Command) {
			c.Data = bytes.Clone(c.Data)
			r.cmds = append(r.cmds, c)
		})...)
		if err != nil {
			r.t.Fatalf("reading from the server: %v", err)
		}
	}
	c := r.cmds[0]
	r.cmds = r.cmds[1:]
	return c
}

// readData reads until n data bytes have come (10s at most).
func (r *rfcClient) readData(n int) {
	r.t.Helper()
	r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 512)
	for len(r.data) < n {
		k, err := r.c.Read(buf)
		r.data = append(r.data, r.dec.Decode(buf[:k], func(c rfc2217.Command) {
			c.Data = bytes.Clone(c.Data)
			r.cmds = append(r.cmds, c)
		})...)
		if err != nil {
			r.t.Fatalf("reading from the server: %v", err)
		}
	}
}

// comPort returns the next COM-PORT-OPTION command, skipping option
// negotiation.
func (r *rfcClient) comPort() rfc2217.ComPort {
	r.t.Helper()
	for {
		if cp, ok := rfc2217.ParseComPort(r.next()); ok {
			return cp
		}
	}
}

func (r *rfcClient) send(b []byte) { r.t.Helper(); write(r.t, r.c, b) }

// exchange sends one command and checks the server's answer.
func (r *rfcClient) exchange(code rfc2217.Code, value []byte, want []byte) {
	r.t.Helper()
	r.send(rfc2217.AppendComPort(nil, code, value...))
	cp := r.comPort()
	if cp.Code != code.Server() || !bytes.Equal(cp.Value, want) {
		r.t.Errorf("%v % X: answer %v, want %v % X", code, value, cp, code.Server(), want)
	}
}

// open agrees to COM-PORT-OPTION and checks the first modem report.
func (r *rfcClient) open(wantLines rfc2217.ModemState) {
	r.t.Helper()
	for {
		c := r.next()
		if c.Verb == rfc2217.DO && c.Option == rfc2217.OptComPort {
			break
		}
	}
	r.send(rfc2217.AppendOption(nil, rfc2217.WILL, rfc2217.OptComPort))
	if cp := r.comPort(); cp.Code != rfc2217.NotifyModemstate.Server() || len(cp.Value) != 1 || rfc2217.ModemState(cp.Value[0]) != wantLines {
		r.t.Fatalf("first report %v, want the modem lines %v", cp, wantLines)
	}
}

func TestRFC2217ServerAnswersEveryCommand(t *testing.T) {
	p, _ := newPrinter(t)
	s := newServer(t, p, escpos.ServerOptions{RFC2217: true})
	if s.Addr() != "" || !strings.HasPrefix(s.RFC2217URL(), "rfc2217://127.0.0.1:") {
		t.Fatalf("endpoints: tcp %q rfc2217 %q", s.Addr(), s.RFC2217URL())
	}
	r := newRFCClient(t, s)
	r.open(rfc2217.ModemCD | rfc2217.ModemDSR | rfc2217.ModemCTS)

	r.exchange(rfc2217.SetBaudrate, rfc2217.Uint32Value(19200), rfc2217.Uint32Value(19200))
	r.exchange(rfc2217.SetBaudrate, rfc2217.Uint32Value(0), rfc2217.Uint32Value(19200)) // a request
	r.exchange(rfc2217.SetDatasize, []byte{7}, []byte{7})
	r.exchange(rfc2217.SetDatasize, []byte{5}, []byte{7})                                             // refused: the setting in force
	r.exchange(rfc2217.SetParity, []byte{byte(rfc2217.ParityMark)}, []byte{byte(rfc2217.ParityNone)}) // refused
	r.exchange(rfc2217.SetParity, []byte{byte(rfc2217.ParityEven)}, []byte{byte(rfc2217.ParityEven)})
	r.exchange(rfc2217.SetStopsize, []byte{byte(rfc2217.StopOnePointFive)}, []byte{byte(rfc2217.StopOne)})
	r.exchange(rfc2217.SetStopsize, []byte{byte(rfc2217.StopTwo)}, []byte{byte(rfc2217.StopTwo)})
	r.exchange(rfc2217.SetControl, []byte{byte(rfc2217.DTRRequest)}, []byte{byte(rfc2217.DTROn)})
	r.exchange(rfc2217.SetControl, []byte{byte(rfc2217.DTROff)}, []byte{byte(rfc2217.DTROff)})
	r.exchange(rfc2217.SetControl, []byte{byte(rfc2217.DTRRequest)}, []byte{byte(rfc2217.DTROff)})
	r.exchange(rfc2217.SetControl, []byte{byte(rfc2217.FlowHardware)}, []byte{byte(rfc2217.FlowHardware)})
	r.exchange(rfc2217.SetControl, []byte{byte(rfc2217.FlowRequest)}, []byte{byte(rfc2217.FlowHardware)})
	r.exchange(rfc2217.PurgeData, []byte{byte(rfc2217.PurgeBoth)}, []byte{byte(rfc2217.PurgeBoth)})
	r.exchange(rfc2217.NotifyModemstate, nil, []byte{byte(rfc2217.ModemCD | rfc2217.ModemDSR | rfc2217.ModemCTS)}) // a poll

	// Only CTS through the mask: paper out drops DSR and CTS; the report
	// shows CTS low and its change bit, nothing of DSR.
	mask := rfc2217.ModemCTS | rfc2217.ModemDeltaCTS
	r.exchange(rfc2217.SetModemstateMask, []byte{byte(mask)}, []byte{byte(mask)})
	p.SetPaper(escpos.PaperOut)
	if cp := r.comPort(); cp.Code != rfc2217.NotifyModemstate.Server() || !bytes.Equal(cp.Value, []byte{byte(rfc2217.ModemDeltaCTS)}) {
		t.Errorf("report on paper out: %v, want %v", cp, rfc2217.ModemDeltaCTS)
	}
	// Data with 0xFF doubled gets to the printer; its status comes back.
	r.send([]byte{escpos.DLE, escpos.EOT, 4})
	r.readData(1)
	if r.data[0]&0x60 != 0x60 {
		t.Errorf("DLE EOT 4 with paper out: %02X", r.data[0])
	}
}

// The client's flow control decides what an offline printer gets: with
// RTS/CTS the access server holds the data (the receive buffer fills, no
// byte is lost, and everything prints once the printer is back); with
// none, bytes beyond the receive buffer are lost, as on a serial line
// without handshake.
func TestRFC2217FlowControl(t *testing.T) {
	for _, tc := range []struct {
		flow rfc2217.Control
		lost bool
	}{{rfc2217.FlowHardware, false}, {rfc2217.FlowNone, true}} {
		t.Run(tc.flow.String(), func(t *testing.T) {
			p, receipts := newPrinter(t)
			s := newServer(t, p, escpos.ServerOptions{RFC2217: true})
			r := newRFCClient(t, s)
			r.open(rfc2217.ModemCD | rfc2217.ModemDSR | rfc2217.ModemCTS)
			r.exchange(rfc2217.SetControl, []byte{byte(tc.flow)}, []byte{byte(tc.flow)})
			p.SetCover(true)
			if cp := r.comPort(); cp.Code != rfc2217.NotifyModemstate.Server() || rfc2217.ModemState(cp.Value[0])&(rfc2217.ModemDSR|rfc2217.ModemCTS) != 0 {
				t.Fatalf("report on cover open: %v", cp)
			}
			size := p.Profile().BufferSize
			var lines []string
			for i := 0; len(strings.Join(lines, "\n")) < 2*size; i++ {
				lines = append(lines, strings.Repeat("x", 30)+" line "+strconv.Itoa(i))
			}
			job := cat(receiptBytes(lines...), fullCut)
			// Every byte the printer takes in is an EventBytes: wait on
			// those for the buffer to fill (and, without flow control,
			// for the rest of the job to arrive and be lost).
			arrived := make(chan struct{}, 1)
			p.OnEvent(func(e escpos.Event) {
				if e.Kind == escpos.EventBytes {
					select {
					case arrived <- struct{}{}:
					default:
					}
				}
			})
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second) // a bound, not a wait
			defer cancel()
			waitStatus := func(what string, done func(escpos.Status) bool) {
				t.Helper()
				for st := p.Status(); !done(st); st = p.Status() {
					select {
					case <-arrived:
					case <-ctx.Done():
						t.Fatalf("%s: %+v", what, st)
					}
				}
			}
			r.send(rfc2217.AppendEscaped(nil, job))
			waitStatus("the receive buffer never filled", func(st escpos.Status) bool { return st.Buffered >= size || st.OverflowBytes > 0 })
			if tc.lost {
				waitStatus("the job never arrived", func(st escpos.Status) bool { return st.OverflowBytes+int64(st.Buffered) >= int64(len(job)) })
				if st := p.Status(); st.OverflowBytes != int64(len(job)-size) {
					t.Errorf("lost %d bytes, want %d", st.OverflowBytes, len(job)-size)
				}
				return
			}
			if st := p.Status(); st.OverflowBytes != 0 || st.Buffered != size {
				t.Errorf("with flow control: buffered %d lost %d", st.Buffered, st.OverflowBytes)
			}
			p.SetCover(false)
			rc := nextReceipt(t, receipts)
			if txt := receiptText(rc); !strings.Contains(txt, lines[len(lines)-1]) || rc.Cut() == nil {
				t.Errorf("the job did not print whole:\n%s", txt)
			}
		})
	}
}
