package scenarios

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/poshil/hil/pkg/hostproto"
)

// Outcome is how one scenario ended.
type Outcome string

const (
	Passed  Outcome = "pass"
	Failed  Outcome = "FAIL"
	Skipped Outcome = "skip"
)

// Result is the outcome of one scenario run by [Run].
type Result struct {
	Name     string
	Outcome  Outcome
	Duration time.Duration
	// Log is the script log as testscript prints it (failing phase in full).
	Log string
	// Reason is the skip reason or the last line of a failure.
	Reason string
	// WorkDir is the kept work folder of a failed scenario, with its artifacts.
	WorkDir string
}

// RunOptions configure [Run].
type RunOptions struct {
	// Paths are .txtar files or folders of them; empty runs the embedded suite.
	Paths []string
	// Params are the testscript parameters (commands, conditions, set-up);
	// Run fills in Dir or Files and WorkdirRoot.
	Params testscript.Params
	// Parallel is how many scenarios run at once; 0 means 4, 1 runs them
	// one at a time (as hardware scenarios must).
	Parallel int
	// Verbose puts every scenario's full log into its Result.
	Verbose bool
	// KeepDir is where the work folders of failed scenarios are kept; empty
	// means a new folder under the system temporary directory.
	KeepDir string
	// Shard and Shards take a slice of the suite (CI runners in
	// parallel): of the scenarios sorted by file name, those whose index i
	// has i % Shards == Shard-1. Zero Shards: all of them.
	Shard, Shards int
}

// errFailNow and errSkip unwind a scenario's goroutine like testing.T's
// FailNow and SkipNow do.
var (
	errFailNow = errors.New("scenario failed")
	errSkip    = errors.New("scenario skipped")
)

// scenarioT implements testscript.T outside "go test", one per scenario,
// so that "hil run" needs no test binary.
type scenarioT struct {
	r       *runner
	name    string
	mu      sync.Mutex
	log     strings.Builder
	failed  bool
	skipped bool
	reason  string
}

func (t *scenarioT) Skip(args ...any) {
	t.mu.Lock()
	t.skipped = true
	t.reason = strings.TrimSpace(fmt.Sprint(args...))
	t.mu.Unlock()
	panic(errSkip)
}

func (t *scenarioT) Fatal(args ...any) {
	t.Log(args...)
	t.FailNow()
}

func (t *scenarioT) FailNow() {
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
	panic(errFailNow)
}

// Parallel is a no-op: the runner starts every scenario in its own
// goroutine, bounded by RunOptions.Parallel.
func (t *scenarioT) Parallel() {}

func (t *scenarioT) Log(args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	// Script lines quote what the scenario typed, card numbers included:
	// reports never carry one whole (invariant 5).
	msg := hostproto.MaskPANs(fmt.Sprint(args...))
	t.log.WriteString(msg)
	if !strings.HasSuffix(msg, "\n") {
		t.log.WriteByte('\n')
	}
}

func (t *scenarioT) Verbose() bool { return t.r.verbose }

// Run is called by testscript.RunT once per scenario file.
func (t *scenarioT) Run(name string, f func(testscript.T)) {
	t.r.start(name, f)
}

type runner struct {
	verbose bool
	sem     chan struct{}
	wg      sync.WaitGroup
	workdir string
	mu      sync.Mutex
	results []Result
}

func (r *runner) start(name string, f func(testscript.T)) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.sem <- struct{}{}
		defer func() { <-r.sem }()
		t := &scenarioT{r: r, name: name}
		began := time.Now()
		func() {
			defer func() {
				if v := recover(); v != nil && v != errFailNow && v != errSkip {
					t.mu.Lock()
					t.failed = true
					fmt.Fprintf(&t.log, "panic: %v\n", v)
					t.mu.Unlock()
				}
			}()
			f(t)
		}()
		res := Result{Name: name, Duration: time.Since(began), Log: t.log.String()}
		switch {
		case t.failed:
			res.Outcome = Failed
			res.Reason = lastFailure(res.Log)
			res.WorkDir = filepath.Join(r.workdir, "script-"+name)
		case t.skipped:
			res.Outcome = Skipped
			res.Reason = t.reason
		default:
			res.Outcome = Passed
		}
		if res.Outcome != Failed {
			os.RemoveAll(filepath.Join(r.workdir, "script-"+name))
		} else if err := maskTree(res.WorkDir); err != nil {
			// A kept folder that may still hold a card number is not kept.
			fmt.Fprintf(&t.log, "work folder removed: masking card numbers in it failed: %v\n", err)
			os.RemoveAll(res.WorkDir)
			res.WorkDir = ""
			res.Log = t.log.String()
		}
		r.mu.Lock()
		r.results = append(r.results, res)
		r.mu.Unlock()
	}()
}

// lastFailure picks the line that says why a script failed: testscript
// ends a failing log with "FAIL: file:line: reason".
func lastFailure(log string) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); strings.HasPrefix(l, "FAIL:") || strings.HasPrefix(l, "> FAIL:") {
			return strings.TrimPrefix(strings.TrimPrefix(l, "> "), "FAIL: ")
		}
	}
	if len(lines) > 0 {
		return strings.TrimSpace(lines[len(lines)-1])
	}
	return ""
}

// Run runs scenarios outside "go test" through testscript.RunT and returns
// one Result per scenario, sorted by name. Work folders of failed
// scenarios are kept under opts.KeepDir; passing ones are removed.
func Run(ctx context.Context, opts RunOptions) ([]Result, error) {
	p := opts.Params
	keep := opts.KeepDir
	if keep == "" {
		var err error
		if keep, err = os.MkdirTemp("", "hil-run-"); err != nil {
			return nil, fmt.Errorf("scenarios: work folder: %w", err)
		}
	} else if err := os.MkdirAll(keep, 0o755); err != nil {
		return nil, fmt.Errorf("scenarios: work folder: %w", err)
	}
	keep, err := filepath.Abs(keep)
	if err != nil {
		return nil, err
	}
	p.WorkdirRoot = keep
	if dl, ok := ctx.Deadline(); ok {
		p.Deadline = dl
	}

	files, cleanup, err := scenarioFiles(opts.Paths)
	if err != nil {
		return nil, err
	}
	files = shardOf(files, opts.Shard, opts.Shards)
	defer cleanup()
	p.Dir = ""
	p.Files = files

	n := opts.Parallel
	if n <= 0 {
		n = 4
	}
	r := &runner{verbose: opts.Verbose, sem: make(chan struct{}, n), workdir: keep}
	top := &scenarioT{r: r, name: "scenarios"}
	func() {
		defer func() {
			if v := recover(); v != nil && v != errFailNow && v != errSkip {
				panic(v)
			}
		}()
		testscript.RunT(top, p)
	}()
	r.wg.Wait()
	if top.failed {
		return nil, fmt.Errorf("scenarios: %s", strings.TrimSpace(top.log.String()))
	}
	sort.Slice(r.results, func(i, j int) bool { return r.results[i].Name < r.results[j].Name })
	// Drop the work root when nothing failed and the caller did not choose it.
	if opts.KeepDir == "" && !anyFailed(r.results) {
		os.RemoveAll(keep)
	}
	return r.results, nil
}

func anyFailed(rs []Result) bool {
	for _, r := range rs {
		if r.Outcome == Failed {
			return true
		}
	}
	return false
}

// scenarioFiles expands paths into .txtar files; with no paths it writes
// the embedded suite to a temporary folder (testscript reads files by name).
func scenarioFiles(paths []string) (files []string, cleanup func(), err error) {
	cleanup = func() {}
	if len(paths) == 0 {
		dir, err := os.MkdirTemp("", "hil-suite-")
		if err != nil {
			return nil, cleanup, fmt.Errorf("scenarios: %w", err)
		}
		cleanup = func() { os.RemoveAll(dir) }
		names, err := fs.Glob(Suite, "*.txtar")
		if err != nil {
			return nil, cleanup, err
		}
		for _, name := range names {
			data, err := fs.ReadFile(Suite, name)
			if err != nil {
				return nil, cleanup, err
			}
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				return nil, cleanup, fmt.Errorf("scenarios: %w", err)
			}
			files = append(files, path)
		}
		return files, cleanup, nil
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, cleanup, fmt.Errorf("scenarios: %w", err)
		}
		if !info.IsDir() {
			if !strings.HasSuffix(p, ".txtar") && !strings.HasSuffix(p, ".txt") {
				return nil, cleanup, fmt.Errorf("scenarios: %s: not a .txtar scenario", p)
			}
			files = append(files, p)
			continue
		}
		found, err := filepath.Glob(filepath.Join(p, "*.txtar"))
		if err != nil {
			return nil, cleanup, err
		}
		if len(found) == 0 {
			return nil, cleanup, fmt.Errorf("scenarios: %s: no .txtar scenarios in folder", p)
		}
		files = append(files, found...)
	}
	return files, cleanup, nil
}

// WriteTable prints one line per scenario (name, result, time) and a
// summary line "N passed, N failed, N skipped".
func WriteTable(w io.Writer, results []Result) {
	width := len("SCENARIO")
	for _, r := range results {
		width = max(width, len(r.Name))
	}
	fmt.Fprintf(w, "%-*s  %-6s  %8s  %s\n", width, "SCENARIO", "RESULT", "TIME", "NOTE")
	var pass, fail, skip int
	var total time.Duration
	for _, r := range results {
		note := ""
		switch r.Outcome {
		case Passed:
			pass++
		case Failed:
			fail++
			note = r.Reason
		case Skipped:
			skip++
			note = r.Reason
		}
		total += r.Duration
		fmt.Fprintf(w, "%-*s  %-6s  %7.2fs  %s\n", width, r.Name, r.Outcome, r.Duration.Seconds(), note)
	}
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", pass, fail, skip)
}

// maskTree masks every full card number in the files under dir, in place:
// a masked number has the length of the number, so binary artifacts (the
// bytes exchanged with the host and the printer) keep their layout.
func maskTree(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !hostproto.HasPAN(string(data)) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(path, []byte(hostproto.MaskPANs(string(data))), info.Mode().Perm())
	})
}

// shardOf keeps the files of shard k of n, by index in name order.
func shardOf(files []string, k, n int) []string {
	if n <= 1 {
		return files
	}
	sorted := slices.Clone(files)
	slices.SortFunc(sorted, func(a, b string) int { return strings.Compare(filepath.Base(a), filepath.Base(b)) })
	var out []string
	for i, f := range sorted {
		if i%n == k-1 {
			out = append(out, f)
		}
	}
	return out
}
