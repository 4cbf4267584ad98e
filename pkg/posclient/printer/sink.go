package printer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/poshil/hil/pkg/posclient/receipt"
)

// ReceiptSink takes receipts that are delivered electronically instead of
// (or as well as) on paper. Deliver returns nil only once the receipt is
// safely stored or sent.
type ReceiptSink interface {
	Deliver(ctx context.Context, r *receipt.Receipt) error
}

var _ ReceiptSink = (*FileSink)(nil)

// FileSink stores each receipt in a directory as two files with one base
// name: NAME.json (the receipt's fields, PAN masked) and NAME.txt (the
// receipt laid out as text). NAME is the transaction time in UTC, the
// reference (or RRN, or STAN), the copy and the reprint count, e.g.
// 20261123T093000Z_R0001_customer or …_customer_dup2. A name already taken
// gets a suffix -2, -3, …: nothing is ever overwritten. Each file is written
// to a temporary name, synced, then linked into place, so a crash leaves no
// half-written receipt under a final name.
type FileSink struct {
	dir     string
	columns int
	mu      sync.Mutex
}

// NewFileSink returns a sink writing into dir, creating it if needed.
// columns is the width of the text form (0 means 48).
func NewFileSink(dir string, columns int) (*FileSink, error) {
	if dir == "" {
		return nil, errors.New("printer: file sink: empty directory name")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("printer: file sink: %w", err)
	}
	return &FileSink{dir: dir, columns: columns}, nil
}

// Dir returns the directory the sink writes to.
func (s *FileSink) Dir() string { return s.dir }

// Deliver validates r and writes its .json and .txt files. It returns the
// receipt's validation error (a *receipt.FieldError) or the file error.
func (s *FileSink) Deliver(ctx context.Context, r *receipt.Receipt) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	text, err := receipt.Text(r, &receipt.Options{Columns: s.columns})
	if err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("printer: file sink: %w", err)
	}
	js = append(js, '\n')

	s.mu.Lock()
	defer s.mu.Unlock()
	base := sinkName(r)
	for i := 1; ; i++ {
		name := base
		if i > 1 {
			name += "-" + strconv.Itoa(i)
		}
		err := s.writeNew(name+".json", js)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := s.writeNew(name+".txt", []byte(text)); err != nil {
			return err
		}
		return nil
	}
}

// writeNew writes data to dir/name, failing with fs.ErrExist if it exists.
func (s *FileSink) writeNew(name string, data []byte) error {
	tmp, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("printer: file sink: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("printer: file sink: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("printer: file sink: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("printer: file sink: %w", err)
	}
	if err := os.Link(tmp.Name(), filepath.Join(s.dir, name)); err != nil {
		return fmt.Errorf("printer: file sink: %w", err)
	}
	return nil
}

func sinkName(r *receipt.Receipt) string {
	id := r.Reference
	if id == "" {
		id = r.RRN
	}
	if id == "" {
		id = r.STAN
	}
	clean := strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' {
			return c
		}
		return '_'
	}, id)
	if len(clean) > 40 {
		clean = clean[:40]
	}
	name := r.Time.UTC().Format("20060102T150405Z")
	if clean != "" {
		name += "_" + clean
	}
	name += "_" + r.Copy.String()
	if r.Reprint > 0 {
		name += "_dup" + strconv.Itoa(r.Reprint)
	}
	return name
}
