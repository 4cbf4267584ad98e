package chaos

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/poshil/hil/faults"
)

// ScheduleFile is the name of the file in a chaos scenario that holds the
// schedule in text form (what `hil chaos --replay` reads).
const ScheduleFile = "chaos-schedule.txt"

// Scenario writes a failing run as a testscript scenario in the language
// of scenarios/: printer-start and acquirer-start, the plan as
// acquirer-fault and printer-fault lines, each operation as `exec hil pos`
// on its terminal's journal and printer (a client crash as --crash-at on
// the operation it struck, then `hil pos recover` as the till reboots),
// the heal, Recover and Settle, and the checks the scenario commands can
// make. The schedule itself is embedded as ScheduleFile, so that the run
// can be replayed exactly in process. Link faults have no scenario command
// and are listed as comments.
func Scenario(h *History, vs []Violation) []byte {
	s := h.Schedule
	var b strings.Builder
	fmt.Fprintf(&b, "# chaos: seed %d, %d terminal(s), %d operation(s), %d fault(s)", s.Seed, s.Terminals, len(s.Ops), len(s.Faults))
	if h.Mutation != "" {
		fmt.Fprintf(&b, ", client mutation %q", h.Mutation)
	}
	b.WriteString(".\n# Found by hil chaos; replay exactly with: hil chaos --replay THIS_FILE\n#\n# Violations:\n")
	for _, v := range vs {
		fmt.Fprintf(&b, "#   %s\n", v)
	}
	// Only the terminals the schedule uses get a printer and a journal.
	var used []int
	for t := 1; t <= s.Terminals; t++ {
		for _, op := range s.Ops {
			if op.Terminal == t {
				used = append(used, t)
				break
			}
		}
	}
	b.WriteString("\n# Rig: one acquirer, one printer per terminal.\nacquirer-start\n")
	for _, t := range used {
		fmt.Fprintf(&b, "printer-start --name t%d\n", t)
	}
	b.WriteString("\n# The fault plan.\n")
	crashes := map[int]string{} // op ID -> crash point
	for _, r := range h.Ops {
		if r.Crashed != "" {
			crashes[r.Op.ID] = r.Crashed
		}
	}
	for _, f := range s.Faults {
		words := strings.Fields(f.Rule.String())[1:]
		switch f.Rule.Target {
		case faults.TargetAcquirer:
			fmt.Fprintf(&b, "acquirer-fault %s\n", strings.Join(words, " "))
		case faults.TargetPrinter:
			if !slices.Contains(used, f.Terminal) {
				fmt.Fprintf(&b, "# t%d: %s (terminal idle)\n", f.Terminal, f.Rule.String())
				continue
			}
			fmt.Fprintf(&b, "printer-fault --name t%d %s\n", f.Terminal, strings.Join(words, " "))
		case faults.TargetClient:
			fmt.Fprintf(&b, "# t%d: %s (staged as --crash-at on the operation it struck)\n", f.Terminal, f.Rule.String())
		default:
			fmt.Fprintf(&b, "# t%d: %s (no scenario command for link faults; replay in process)\n", f.Terminal, f.Rule.String())
		}
	}
	b.WriteString("\n# The workload, as the client saw it.\n")
	pos := func(t int) string {
		return fmt.Sprintf("exec hil pos --json --timeout 2s --terminal %s --journal $WORK/t%d.db --printer $HIL_PRINTER_T%d_URL --e-receipt $WORK/t%d-ereceipts --not-ready e-receipt",
			TerminalID(t), t, t, t)
	}
	for _, r := range h.Ops {
		op := r.Op
		fmt.Fprintf(&b, "# %s: %s", op, r.Outcome)
		if r.Ref != "" {
			fmt.Fprintf(&b, " %s", r.Ref)
		}
		if r.State != "" {
			fmt.Fprintf(&b, " (%s)", r.State)
		}
		b.WriteString("\n")
		var args string
		switch op.Kind {
		case OpSale:
			args = fmt.Sprintf("sale %d --card %s", op.Amount, op.Card)
		case OpRefund, OpLookupRefund:
			if r.OrigRef == "" {
				b.WriteString("#   skipped: its original got no reference\n")
				continue
			}
			if op.Kind == OpLookupRefund {
				fmt.Fprintf(&b, "%s lookup --last4 %s\n", pos(op.Terminal), op.Card[len(op.Card)-4:])
			}
			args = "refund " + r.OrigRef
			if op.Amount != 0 {
				args += fmt.Sprintf(" %d", op.Amount)
			}
			args += " --card " + op.Card
		case OpVoid:
			if r.OrigRef == "" {
				b.WriteString("#   skipped: its original got no reference\n")
				continue
			}
			args = fmt.Sprintf("void %s --card %s", r.OrigRef, op.Card)
		case OpReprint:
			if r.OrigRef == "" {
				b.WriteString("#   skipped: its original got no reference\n")
				continue
			}
			args = "reprint " + r.OrigRef
		case OpSettle:
			args = "settle"
		}
		line := pos(op.Terminal)
		if c := crashes[op.ID]; c != "" {
			line += " --crash-at " + c
		}
		if r.Outcome != OK {
			b.WriteString("! ")
		}
		fmt.Fprintf(&b, "%s %s\n", line, args)
		if crashes[op.ID] != "" {
			neg := "! "
			if r.RebootOK {
				neg = ""
			}
			fmt.Fprintf(&b, "# the till reboots\n%s%s recover\n", neg, pos(op.Terminal))
		}
	}
	b.WriteString("\n# Heal, then finish the job on every terminal.\nacquirer-heal\n")
	for _, t := range used {
		fmt.Fprintf(&b, "printer-state --name t%d paper=ok cover=closed cutter=ok online=true\n", t)
	}
	for _, t := range used {
		fmt.Fprintf(&b, "%s recover\n%s settle\n", pos(t), pos(t))
		fmt.Fprintf(&b, "%s lookup --state in-doubt\n! stdout .\n", pos(t))
	}
	b.WriteString("no-full-pan " + strings.Join([]string{CardA, CardB, CardDecline, CardNoFunds}, " ") + "\n")
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
