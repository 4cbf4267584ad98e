package terminal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// ProcessConfig says how to start a terminal process.
type ProcessConfig struct {
	// Command is the program and its arguments, e.g.
	// {"python3", "testdata/terminals/pyterm.py"}.
	Command []string
	// Env is the environment beyond the process's own: the endpoints
	// (EnvPrinterURL, EnvAcquirerAddr, EnvWorkDir, EnvTerminalID) as
	// "KEY=value". Dir is the working directory ("" for the current one).
	Env []string
	Dir string
	// Stderr receives the terminal's standard error as well as the
	// transcript; nil drops it.
	Stderr io.Writer
	// Observe, when set, sees every protocol line: the requests sent
	// (sent true) and the lines read back, without the newline. Requests
	// hold card numbers: an observer must not keep them.
	Observe func(sent bool, line []byte)
}

// MaxTranscript bounds the bytes of a terminal's output (stdout and stderr,
// over all its starts) that a Process keeps for Transcript: the first
// MaxTranscript bytes are kept, the rest counted in Dropped.
const MaxTranscript = 4 << 20

// Process drives a terminal that is a separate program speaking the line
// protocol on its standard input and output. It implements Terminal; its
// Restart kills the process with SIGKILL (a crash, not a shutdown) and
// starts it again. A Process is safe for use by one goroutine at a time.
type Process struct {
	cfg   ProcessConfig
	hello Response
	next  int64

	mu         sync.Mutex
	transcript bytes.Buffer
	dropped    int64
	running    *os.Process   // the current start, for Crash (under mu)
	exited     chan struct{} // its done channel (under mu)

	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan []byte   // answer lines of the current start
	done  chan struct{} // closed when the current start has exited
}

// StartProcess starts the terminal, sends hello and checks the version.
func StartProcess(ctx context.Context, cfg ProcessConfig) (*Process, error) {
	if len(cfg.Command) == 0 {
		return nil, errors.New("terminal: no command")
	}
	p := &Process{cfg: cfg}
	if err := p.start(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Process) start(ctx context.Context) error {
	cmd := exec.Command(p.cfg.Command[0], p.cfg.Command[1:]...)
	cmd.Env = append(os.Environ(), p.cfg.Env...)
	cmd.Dir = p.cfg.Dir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	// Our own pipe, not StdoutPipe: Wait must not close it under the
	// reader, which reads to the end of what the process wrote.
	stdout, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd.Stdout = pw
	cmd.Stderr = &transcriptWriter{p: p, also: p.cfg.Stderr}
	err = cmd.Start()
	pw.Close()
	if err != nil {
		stdout.Close()
		return fmt.Errorf("terminal: start %q: %w", p.cfg.Command, err)
	}
	lines := make(chan []byte, 16)
	done := make(chan struct{})
	go func() {
		defer close(lines)
		defer stdout.Close()
		br := bufio.NewReaderSize(stdout, 4096)
		for {
			line, tooLong, err := readLine(br)
			if len(line) > 0 || tooLong {
				p.record(line)
				lines <- line // nil for a line too long: not an answer
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		cmd.Wait()
		close(done)
	}()
	p.cmd, p.stdin, p.lines, p.done = cmd, stdin, lines, done
	p.mu.Lock()
	p.running, p.exited = cmd.Process, done
	p.mu.Unlock()
	res, err := p.Do(ctx, Request{Op: OpHello})
	if err != nil {
		p.kill()
		return fmt.Errorf("terminal: hello: %w", err)
	}
	if res.Outcome != OK || res.Version != Version {
		p.kill()
		return fmt.Errorf("terminal: hello answered outcome %q version %d, want ok and version %d", res.Outcome, res.Version, Version)
	}
	p.hello = res
	return nil
}

// HelloAnswer returns the hello answer of the last start.
func (p *Process) HelloAnswer() Response { return p.hello }

// Do sends req with the next ID and waits for the answer with that ID.
func (p *Process) Do(ctx context.Context, req Request) (Response, error) {
	if p.cmd == nil {
		return Response{}, errClosed
	}
	p.next++
	req.ID = p.next
	b, err := json.Marshal(req)
	if err != nil {
		return Response{}, err
	}
	if p.cfg.Observe != nil {
		p.cfg.Observe(true, b)
	}
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		return Response{}, fmt.Errorf("terminal: %s: write request: %w", req.Op, err)
	}
	for {
		select {
		case <-ctx.Done():
			return Response{}, fmt.Errorf("terminal: %s: no answer: %w", req.Op, ctx.Err())
		case line, ok := <-p.lines:
			if !ok {
				return Response{}, fmt.Errorf("terminal: %s: the process ended without answering", req.Op)
			}
			if line == nil {
				return Response{}, fmt.Errorf("terminal: %s: answer line longer than %d bytes", req.Op, MaxLine)
			}
			if p.cfg.Observe != nil {
				p.cfg.Observe(false, bytes.TrimSuffix(line, []byte("\n")))
			}
			var res Response
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&res); err != nil {
				return Response{}, fmt.Errorf("terminal: %s: answer is not a protocol line: %w", req.Op, err)
			}
			if res.ID < req.ID && res.ID > 0 {
				continue // the late answer to a request whose wait was given up
			}
			if res.ID != req.ID {
				return Response{}, fmt.Errorf("terminal: %s: answer has id %d, want %d", req.Op, res.ID, req.ID)
			}
			return res, nil
		}
	}
}

func (p *Process) op(ctx context.Context, req Request) (Response, error) {
	if req.Op != OpHello && !p.hello.Supports(req.Op) {
		return Unsupported(0, req.Op), nil
	}
	return p.Do(ctx, req)
}

func (p *Process) Hello(ctx context.Context) (Response, error) {
	return p.Do(ctx, Request{Op: OpHello})
}
func (p *Process) Sale(ctx context.Context, amount int64, card, expiry string) (Response, error) {
	return p.op(ctx, Request{Op: OpSale, Amount: amount, Card: card, Expiry: expiry})
}
func (p *Process) Refund(ctx context.Context, ref string, amount int64, card string) (Response, error) {
	return p.op(ctx, Request{Op: OpRefund, Ref: ref, Amount: amount, Card: card})
}
func (p *Process) Void(ctx context.Context, ref, card string) (Response, error) {
	return p.op(ctx, Request{Op: OpVoid, Ref: ref, Card: card})
}
func (p *Process) Settle(ctx context.Context) (Response, error) {
	return p.op(ctx, Request{Op: OpSettle})
}
func (p *Process) Reprint(ctx context.Context, ref string) (Response, error) {
	return p.op(ctx, Request{Op: OpReprint, Ref: ref})
}
func (p *Process) Lookup(ctx context.Context, ref string) (Response, error) {
	return p.op(ctx, Request{Op: OpLookup, Ref: ref})
}
func (p *Process) Recover(ctx context.Context) (Response, error) {
	return p.op(ctx, Request{Op: OpRecover})
}

// Restart kills the process with SIGKILL, waits for it to be gone and starts
// it again (hello included): what a power cut does to a till. The answer is
// the new hello.
func (p *Process) Restart(ctx context.Context) (Response, error) {
	p.kill()
	if err := p.start(ctx); err != nil {
		return Response{}, err
	}
	return p.hello, nil
}

// Kill sends SIGKILL and waits for the process to be gone, without starting
// it again.
func (p *Process) Kill() { p.kill() }

// Crash kills the running process with SIGKILL and waits until it is
// gone, without starting it again. Unlike Kill it may be called from any
// goroutine, also while another goroutine waits in Do (whose request then
// fails: the process ended without answering): a harness crashes the
// terminal at the instant the world sees something (the host has
// committed a request, a receipt came out). Restart starts it again.
func (p *Process) Crash() {
	p.mu.Lock()
	proc, exited := p.running, p.exited
	p.mu.Unlock()
	if proc == nil {
		return
	}
	proc.Signal(syscall.SIGKILL)
	<-exited
}

func (p *Process) kill() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	for range p.lines { // drain what it wrote before dying
	}
	p.cmd = nil
}

// CloseWait is how long Close waits for a terminal to exit after its input
// ended before it kills it.
const CloseWait = 10 * time.Second

// Close closes the terminal's standard input, which asks it to exit, and
// waits for the exit. A terminal must exit when its input ends: one still
// running after CloseWait is killed and Close says so.
func (p *Process) Close() error {
	if p.cmd == nil {
		return nil
	}
	p.stdin.Close()
	timer := time.NewTimer(CloseWait)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		p.kill()
		return fmt.Errorf("terminal: still running %s after its input ended: killed", CloseWait)
	}
	for range p.lines {
	}
	err := p.cmd.ProcessState
	p.mu.Lock()
	p.cmd = nil
	p.mu.Unlock()
	if err != nil && !err.Success() {
		return fmt.Errorf("terminal: exit: %s", err)
	}
	return nil
}

// Transcript returns what the terminal wrote on its standard output and
// error so far, over all its starts (bounded by MaxTranscript), and how many
// bytes were dropped beyond the bound: evidence for the card-number scan.
func (p *Process) Transcript() ([]byte, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Clone(p.transcript.Bytes()), p.dropped
}

func (p *Process) record(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	room := MaxTranscript - p.transcript.Len()
	if room < len(b) {
		p.dropped += int64(len(b) - max(room, 0))
		b = b[:max(room, 0)]
	}
	p.transcript.Write(b)
}

type transcriptWriter struct {
	p    *Process
	also io.Writer
}

func (w *transcriptWriter) Write(b []byte) (int, error) {
	w.p.record(b)
	if w.also != nil {
		w.also.Write(b)
	}
	return len(b), nil
}
