package terminal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Terminal is the contract for a terminal linked into the harness process:
// the same operations as the line protocol. A terminal-level result (a
// decline, a refusal, an unsupported operation) is a Response; the error is
// for a terminal that could not be asked at all (its process died, its
// output was not the protocol). The Response's ID is set by the caller.
type Terminal interface {
	Hello(ctx context.Context) (Response, error)
	Sale(ctx context.Context, amount int64, card, expiry string) (Response, error)
	Refund(ctx context.Context, ref string, amount int64, card string) (Response, error)
	Void(ctx context.Context, ref, card string) (Response, error)
	Settle(ctx context.Context) (Response, error)
	Reprint(ctx context.Context, ref string) (Response, error)
	Lookup(ctx context.Context, ref string) (Response, error)
	Recover(ctx context.Context) (Response, error)
	Restart(ctx context.Context) (Response, error)
	Close() error
}

// Dispatch calls the method of t that req names and sets the answer's ID.
// A request that fails Check is answered with outcome error, reason
// bad_request, without calling t.
func Dispatch(ctx context.Context, t Terminal, req Request) (Response, error) {
	if err := req.Check(); err != nil {
		return Response{ID: req.ID, Outcome: Error, Reason: ReasonBadRequest, Error: err.Error()}, nil
	}
	var res Response
	var err error
	switch req.Op {
	case OpHello:
		res, err = t.Hello(ctx)
	case OpSale:
		res, err = t.Sale(ctx, req.Amount, req.Card, req.Expiry)
	case OpRefund:
		res, err = t.Refund(ctx, req.Ref, req.Amount, req.Card)
	case OpVoid:
		res, err = t.Void(ctx, req.Ref, req.Card)
	case OpSettle:
		res, err = t.Settle(ctx)
	case OpReprint:
		res, err = t.Reprint(ctx, req.Ref)
	case OpLookup:
		res, err = t.Lookup(ctx, req.Ref)
	case OpRecover:
		res, err = t.Recover(ctx)
	case OpRestart:
		res, err = t.Restart(ctx)
	}
	res.ID = req.ID
	return res, err
}

// MaxLine is the longest request or answer line, newline included. Longer
// request lines are answered with bad_request and skipped.
const MaxLine = 64 << 10

// Serve speaks the protocol on r and w for t: one request per line in, one
// answer per line out, in order, until r ends (then it returns nil) or ctx
// is done. A line that is not a request is answered with outcome error,
// reason bad_request (id 0 when the id could not be read) and serving goes
// on. An operation that t's hello does not list in its capabilities is
// answered refused, reason unsupported, without calling t. An error from t
// ends Serve with that error.
func Serve(ctx context.Context, t Terminal, r io.Reader, w io.Writer) error {
	hello, err := t.Hello(ctx)
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(r, 4096)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for {
		line, tooLong, err := readLine(br)
		if err == io.EOF && len(line) == 0 {
			return nil
		}
		if err != nil && err != io.EOF {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 && !tooLong {
			continue
		}
		var res Response
		var req Request
		switch {
		case tooLong:
			res = Response{Outcome: Error, Reason: ReasonBadRequest, Error: fmt.Sprintf("request line longer than %d bytes", MaxLine)}
		default:
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.DisallowUnknownFields()
			if derr := dec.Decode(&req); derr != nil {
				res = Response{ID: req.ID, Outcome: Error, Reason: ReasonBadRequest, Error: "request: " + derr.Error()}
				break
			}
			if req.Check() == nil && !hello.Supports(req.Op) {
				res = Unsupported(req.ID, req.Op)
				break
			}
			var terr error
			res, terr = Dispatch(ctx, t, req)
			if terr != nil {
				return terr
			}
		}
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
}

// readLine reads one line of at most MaxLine bytes; a longer one is read to
// its end and dropped, with tooLong set.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLine {
			tooLong = true
			buf = buf[:0]
		} else if !tooLong {
			buf = append(buf, chunk...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if tooLong {
			return nil, true, err
		}
		return buf, false, err
	}
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

var errClosed = errors.New("terminal: closed")
