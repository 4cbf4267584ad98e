package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/poshil/hil/emulator/escpos"
	"github.com/poshil/hil/pkg/posclient/printer"
)

const probeHelp = `Asks the printer at URL what it is and writes a printer profile (JSON,
docs/printer-profiles.md) that "hil printer serve --profile FILE" and
"hil run --printer-profile FILE" load, so the emulator answers as that printer.

It sends, in this order, and records every reply (or "none"):
  DLE EOT 1-4   real-time status (which n are answered; the printer must be ready)
  GS r 1, 2     paper sensor and drawer status
  GS I 1-3, 33, 65-69   model, type, ROM IDs; firmware, maker, model, serial, fonts
  GS a 15       Automatic Status Back (then GS a 0 turns it off again)
Nothing is printed and no paper moves. What cannot be learned that way (print
width, fonts, code pages, buffer, sensors) is taken from a built-in profile:
the one whose GS I answers match, or --like NAME; without either it is
written with the emulator's defaults and listed in the profile's "unknown".
A printer that does not answer a request waits --timeout for it.`

// probeRequests are what the probe asks, in order, and under which name
// the reply is recorded in the profile's probe.observed.
var probeRequests = []struct {
	name string
	req  []byte
}{
	{"DLE EOT 1", []byte{0x10, 0x04, 1}},
	{"DLE EOT 2", []byte{0x10, 0x04, 2}},
	{"DLE EOT 3", []byte{0x10, 0x04, 3}},
	{"DLE EOT 4", []byte{0x10, 0x04, 4}},
	{"GS r 1", []byte{0x1D, 'r', 1}},
	{"GS r 2", []byte{0x1D, 'r', 2}},
	{"GS I 1", []byte{0x1D, 'I', 1}},
	{"GS I 2", []byte{0x1D, 'I', 2}},
	{"GS I 3", []byte{0x1D, 'I', 3}},
	{"GS I 33", []byte{0x1D, 'I', 33}},
	{"GS I 65", []byte{0x1D, 'I', 65}},
	{"GS I 66", []byte{0x1D, 'I', 66}},
	{"GS I 67", []byte{0x1D, 'I', 67}},
	{"GS I 68", []byte{0x1D, 'I', 68}},
	{"GS I 69", []byte{0x1D, 'I', 69}},
	{"GS a 15", []byte{0x1D, 'a', 15}},
}

func runPrinterProbe(ctx context.Context, env *Env, args []string) int {
	fs := newFlagSet(env, "hil printer probe [-o FILE] [--like NAME] [--name NAME] [--timeout D] URL", probeHelp)
	out := fs.String("o", "-", "write the profile to `FILE` ('-': stdout)")
	like := fs.String("like", "", "take what cannot be probed from built-in profile `NAME` (default: the one whose GS I answers match)")
	name := fs.String("name", "", "the profile's `NAME` (default: from the printer's model name, GS I 67)")
	timeout := fs.Duration("timeout", time.Second, "wait at most `D` for each reply")
	args, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(args) != 1 {
		env.Errorf("printer probe: want exactly one printer URL, got %d arguments", len(args))
		return ExitUsage
	}
	if *timeout <= 0 {
		env.Errorf("printer probe: --timeout must be positive, got %v", *timeout)
		return ExitUsage
	}
	var base *escpos.Profile
	if *like != "" {
		p, err := escpos.LookupProfile(*like)
		if err != nil {
			env.Errorf("printer probe: --like: %v", err)
			return ExitUsage
		}
		base = &p
	}
	rawURL := args[0]
	openCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	p, err := printer.Open(openCtx, rawURL, &printer.Options{ReplyTimeout: *timeout})
	cancel()
	if err != nil {
		if errors.Is(err, printer.ErrBadURL) {
			env.Errorf("printer probe: %v", err)
			return ExitUsage
		}
		env.Errorf("printer probe: cannot reach printer: %v", err)
		return ExitFailure
	}
	defer p.Close()
	prof, err := probePrinter(ctx, p, rawURL, *timeout, base, *name)
	if err != nil {
		env.Errorf("printer probe: %s: %v", rawURL, err)
		return ExitFailure
	}
	b, err := json.MarshalIndent(prof, "", "  ")
	if err == nil {
		_, err = escpos.ParseProfile(b) // what we write must load
	}
	if err != nil {
		env.Errorf("printer probe: the profile made is not valid (a bug): %v", err)
		return ExitFailure
	}
	b = append(b, '\n')
	if *out == "-" {
		_, err = env.Stdout.Write(b)
	} else {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		env.Errorf("printer probe: %v", err)
		return ExitFailure
	}
	if *out != "-" {
		fmt.Fprintf(env.Stdout, "printer %s %s (%s)\n", orNone(prof.ID.Maker), orNone(prof.ID.ModelName), rawURL)
		fmt.Fprintf(env.Stdout, "answers DLE EOT %v, GS r %v, GS I %v, ASB %v\n", prof.Answers.RealtimeStatus, prof.Answers.TransmitStatus, prof.Answers.IDs, prof.Answers.ASB)
		if len(prof.Unknown) > 0 {
			fmt.Fprintf(env.Stdout, "unknown %s\n", strings.Join(prof.Unknown, ", "))
		}
		fmt.Fprintf(env.Stdout, "profile %s written to %s\n", prof.Name, *out)
	}
	return ExitOK
}

// probePrinter asks p the probeRequests and makes a profile of the
// answers. Values that cannot be probed come from base, or from the
// built-in profile whose GS I answers match, or are defaults listed in
// Unknown.
func probePrinter(ctx context.Context, p *printer.Printer, rawURL string, wait time.Duration, base *escpos.Profile, name string) (escpos.Profile, error) {
	obs := map[string]string{}
	replies := map[string][]byte{}
	ans := &escpos.Answers{RealtimeStatus: []int{}, TransmitStatus: []int{}, IDs: []int{}}
	for _, r := range probeRequests {
		rep, err := p.Query(ctx, r.req, wait)
		if errors.Is(err, printer.ErrNoReply) {
			obs[r.name] = "none"
			continue
		}
		if err != nil {
			return escpos.Profile{}, err
		}
		if !probeReplyFits(r.name, rep) {
			return escpos.Profile{}, fmt.Errorf("%s: unexpected reply %s (another client talking to the printer, or a late reply?)", r.name, rep)
		}
		obs[r.name] = fmt.Sprintf("% X", rep.Bytes)
		replies[r.name] = rep.Bytes
		n, _ := strconv.Atoi(r.name[strings.LastIndexByte(r.name, ' ')+1:])
		switch {
		case strings.HasPrefix(r.name, "DLE EOT"):
			ans.RealtimeStatus = append(ans.RealtimeStatus, n)
			if n == 4 {
				// GS r and GS I are processed in order: an offline printer
				// would leave them unanswered, and they would be taken for
				// "not supported".
				var raw [4]byte
				for i := range 4 {
					if b := replies[fmt.Sprintf("DLE EOT %d", i+1)]; len(b) == 1 {
						raw[i] = b[0]
					}
				}
				if len(ans.RealtimeStatus) == 4 {
					st, err := printer.DecodeStatus(raw)
					if err == nil {
						err = st.Err()
					}
					if err != nil {
						return escpos.Profile{}, fmt.Errorf("the printer is not ready (%v): GS r and GS I would go unanswered; make it ready and probe again", err)
					}
				}
			}
		case strings.HasPrefix(r.name, "GS r"):
			ans.TransmitStatus = append(ans.TransmitStatus, n)
		case strings.HasPrefix(r.name, "GS I"):
			ans.IDs = append(ans.IDs, n)
		case strings.HasPrefix(r.name, "GS a"):
			ans.ASB = true
		}
	}
	if len(ans.RealtimeStatus) == 0 {
		return escpos.Profile{}, fmt.Errorf("no reply to DLE EOT 1-4 within %v: not an ESC/POS printer, or the wrong baud rate", wait)
	}
	if ans.ASB {
		// GS a 0 turns ASB off; the DLE EOT 1 behind it shows it was taken.
		if _, err := p.Query(ctx, []byte{0x1D, 'a', 0, 0x10, 0x04, 1}, wait); err != nil {
			return escpos.Profile{}, fmt.Errorf("turning ASB off again: %w", err)
		}
	}

	var id escpos.PrinterID
	byteID := func(k string) (byte, bool) {
		b := replies[k]
		return firstByte(b), len(b) == 1
	}
	id.Model, _ = byteID("GS I 1")
	typ, haveType := byteID("GS I 2")
	id.Type = typ
	id.ROM, _ = byteID("GS I 3")
	for i, f := range []*string{&id.Firmware, &id.Maker, &id.ModelName, &id.Serial, &id.Fonts} {
		*f = infoB(replies[fmt.Sprintf("GS I %d", 65+i)])
	}

	matched := ""
	if base == nil {
		for _, bp := range escpos.Profiles() {
			if bp.ID.Maker == id.Maker && bp.ID.ModelName == id.ModelName && id.ModelName != "" &&
				(!slices.Contains(ans.IDs, 1) || bp.ID.Model == id.Model) &&
				(!slices.Contains(ans.IDs, 2) || bp.ID.Type == id.Type) &&
				(!slices.Contains(ans.IDs, 3) || bp.ID.ROM == id.ROM) {
				bp := bp
				base, matched = &bp, bp.Name
				break
			}
		}
	} else {
		matched = base.Name
	}

	var prof escpos.Profile
	var unknown []string
	if base != nil {
		prof = *base
		for _, u := range base.Unknown {
			if u != "id" && u != "answers" {
				unknown = append(unknown, u)
			}
		}
	} else {
		// Nothing to take the rest from: the emulator's defaults, marked.
		prof, _ = escpos.LookupProfile(escpos.DefaultProfile)
		prof.CodeTable, prof.CodePages = 0, map[int]string{0: "PC437"}
		unknown = []string{"widthDots", "dpi", "lineSpacing", "fonts", "kanjiCell", "kanjiAtPowerOn", "kanjiEncoding",
			"codeTable", "codePages", "drawer", "nearEndSensor", "bufferSize", "busyFree", "releaseFree",
			"idleTimeoutSec", "baud", "speedMMPerSec"}
	}
	if haveType {
		prof.Cutter = typ&0x02 != 0 // GS I 2 bit 1: autocutter installed
		unknown = slices.DeleteFunc(unknown, func(s string) bool { return s == "cutter" })
	} else if base == nil {
		unknown = append(unknown, "cutter")
	}
	if baud, ok := serialBaud(rawURL); ok {
		// It answered at the speed asked for.
		prof.Baud = baud
		unknown = slices.DeleteFunc(unknown, func(s string) bool { return s == "baud" })
	}
	prof.Version = escpos.ProfileFormat
	prof.ID = id
	prof.Answers = ans
	prof.Unknown = unknown
	prof.Name = name
	if prof.Name == "" {
		prof.Name = slug(id.ModelName)
	}
	who := strings.TrimSpace(id.Maker + " " + id.ModelName)
	if who == "" {
		who = "a printer that did not say its maker and model (GS I 66, 67)"
	}
	prof.Description = "Probed by hil printer probe: " + who
	if id.Firmware != "" {
		prof.Description += ", firmware " + id.Firmware
	}
	prof.Sources = []string{"hil printer probe: identity (GS I), status answers (DLE EOT, GS r, ASB), cutter (GS I 2 bit 1)"}
	if matched != "" {
		prof.Sources = append(prof.Sources, "the rest from built-in profile "+matched+" (its sources and unknown fields apply)")
		prof.Description += "; what cannot be probed is from profile " + matched
	} else {
		prof.Sources = append(prof.Sources, "the rest: emulator defaults, listed in unknown")
	}
	prof.Probe = &escpos.ProbeRecord{URL: rawURL, Observed: obs}
	return prof, nil
}

// probeReplyFits reports whether rep has the form of an answer to the
// request named name.
func probeReplyFits(name string, rep printer.Reply) bool {
	b := rep.Bytes
	switch {
	case strings.HasPrefix(name, "DLE EOT"):
		return rep.Kind == printer.ReplyStatus
	case name == "GS I 33":
		return rep.Kind == printer.ReplyBlock && b[0] == 0x3D
	case strings.HasPrefix(name, "GS I 6"):
		return rep.Kind == printer.ReplyBlock && b[0] == 0x5F
	case strings.HasPrefix(name, "GS a"):
		return rep.Kind == printer.ReplyASB
	}
	return len(b) == 1 && (rep.Kind == printer.ReplyUnknown || rep.Kind == printer.ReplyStatus) // GS r, GS I 1–3
}

func firstByte(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

// infoB returns the text of a GS I 65–69 answer (5F text 00), printable
// ASCII only (the profile holds printable ASCII).
func infoB(b []byte) string {
	if len(b) < 2 {
		return ""
	}
	t := b[1 : len(b)-1]
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7E {
			return '?'
		}
		return r
	}, string(t))
}

// slug makes a profile name of a model name: "TM-T88 (poshil emulator)"
// is "tm-t88-poshil-emulator".
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '.' || r == '_' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	out := b.String()
	if len(out) > 64 {
		out = strings.TrimRight(out[:64], "-")
	}
	if out == "" {
		return "probed-printer"
	}
	return out
}

// serialBaud returns the baud rate a serial:// URL names. (Without one
// the port opens at printer.DefaultBaud; a pty answers at any speed, so
// only a speed asked for is taken as the printer's.)
func serialBaud(rawURL string) (int, bool) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "serial" {
		return 0, false
	}
	n, err := strconv.Atoi(u.Query().Get("baud"))
	return n, err == nil && n > 0
}

// loadPrinterProfile reads --profile / --printer-profile: a built-in name,
// or a profile file (a path with a slash, or ending in .json).
func loadPrinterProfile(arg string) (*escpos.Profile, error) {
	if strings.ContainsRune(arg, os.PathSeparator) || strings.HasSuffix(arg, ".json") {
		p, err := escpos.ReadProfileFile(arg)
		if err != nil {
			return nil, err
		}
		return &p, nil
	}
	p, err := escpos.LookupProfile(arg)
	if err != nil {
		return nil, err
	}
	return &p, nil
}
