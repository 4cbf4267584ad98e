package chaos

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/poshil/hil/faults"
)

// ScheduleFile is the name of the file in a chaos scenario that holds the
// schedule in text form (what `hil chaos --replay` reads).
const ScheduleFile = "chaos-schedule.txt"

// Scenario writes a run as a testscript scenario that reproduces it: the
// schedule is embedded as ScheduleFile and the script replays it exactly,
// in process, on the rig hil chaos used (`exec hil chaos --replay`), then
// requires zero violations. So the scenario fails while the violation is
// there and passes once it is fixed, under `hil run` as under `go test`.
// The comments tell the story: the violations, the fault plan, and every
// operation with its outcome as the client saw it.
//
// The replay runs the client as shipped: a violation that only a test
// mutation (Options.Mutation) caused does not reproduce in a released
// hil, and the comments say so.
func Scenario(h *History, vs []Violation) []byte {
	s := h.Schedule
	var b strings.Builder
	fmt.Fprintf(&b, "# chaos: seed %d, %d terminal(s), %d operation(s), %d fault(s)", s.Seed, s.Terminals, len(s.Ops), len(s.Faults))
	if h.Mutation != "" {
		fmt.Fprintf(&b, ", client mutation %q", h.Mutation)
	}
	b.WriteString(".\n# Found by hil chaos. Violations:\n")
	for _, v := range vs {
		fmt.Fprintf(&b, "#   %s\n", v)
	}
	if len(vs) == 0 {
		b.WriteString("#   none\n")
	}
	if h.Mutation != "" {
		fmt.Fprintf(&b, "# The client was broken on purpose (test mutation %q): a hil built\n"+
			"# without it passes this scenario.\n", h.Mutation)
	}
	b.WriteString("#\n# The fault plan:\n")
	for _, f := range s.Faults {
		who := "acquirer"
		if f.Rule.Target != faults.TargetAcquirer {
			who = fmt.Sprintf("t%d", f.Terminal)
		}
		fmt.Fprintf(&b, "#   %s: %s\n", who, f.Rule.String())
	}
	if len(s.Faults) == 0 {
		b.WriteString("#   none\n")
	}
	b.WriteString("# The workload, as the client saw it:\n")
	for _, r := range h.Ops {
		fmt.Fprintf(&b, "#   %s: %s", r.Op, r.Outcome)
		if r.Ref != "" {
			fmt.Fprintf(&b, " %s", r.Ref)
		}
		if r.State != "" {
			fmt.Fprintf(&b, " (%s)", r.State)
		}
		if r.Crashed != "" {
			fmt.Fprintf(&b, ", client crashed %s", r.Crashed)
		}
		b.WriteString("\n")
	}
	timeout := h.ResponseTimeout
	if timeout <= 0 {
		timeout = Options{}.withDefaults().ResponseTimeout
	}
	if h.Contract != nil {
		fmt.Fprintf(&b, "\n# Replay the schedule below on the terminal %q, driven through the\n"+
			"# terminal contract (run from the directory hil chaos ran in, where its\n"+
			"# command is found); this fails while the violation is there.\n"+
			"exec hil chaos --terminal '%s' --replay %s --response-timeout %s\n"+
			"stdout '^chaos: 1 runs, \\d+ operations, \\d+ faults, 0 violations$'\n",
			strings.Join(h.Contract, " "), strings.Join(h.Contract, " "), ScheduleFile, timeout)
	} else {
		fmt.Fprintf(&b, "\n# Replay the schedule below exactly, in process, on the rig hil chaos\n"+
			"# used; this fails while the violation is there.\n"+
			"exec hil chaos --replay %s --response-timeout %s\n"+
			"stdout '^chaos: 1 runs, \\d+ operations, \\d+ faults, 0 violations$'\n", ScheduleFile, timeout)
	}
	a := &txtar.Archive{Comment: []byte(b.String()), Files: []txtar.File{{Name: ScheduleFile, Data: []byte(s.String())}}}
	return txtar.Format(a)
}

// ErrNoSchedule is returned by ScheduleFromScenario for an archive without
// ScheduleFile.
var ErrNoSchedule = errors.New("chaos: scenario holds no " + ScheduleFile)

// ScheduleFromScenario reads the schedule embedded in a chaos scenario (or
// a plain schedule file).
func ScheduleFromScenario(data []byte) (Schedule, error) {
	a := txtar.Parse(data)
	if len(a.Files) == 0 {
		if strings.Contains(string(data), "\nop ") || strings.HasPrefix(string(data), "seed ") {
			return ParseSchedule(string(data))
		}
		return Schedule{}, ErrNoSchedule
	}
	for _, f := range a.Files {
		if f.Name == ScheduleFile {
			return ParseSchedule(string(f.Data))
		}
	}
	return Schedule{}, ErrNoSchedule
}
