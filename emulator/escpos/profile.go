package escpos

import (
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"sort"
	"sync"
)

// DefaultProfile is the profile used when none is named.
const DefaultProfile = "tm-t88"

//go:embed profiles/*.json
var profileFS embed.FS

// FontMetrics is the cell of one single-byte character font in dots.
type FontMetrics struct {
	Name   string `json:"name"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// Cell is the size in dots of a character cell.
type Cell struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

// PrinterID holds the answers to GS I.
type PrinterID struct {
	Model     byte   `json:"model"`     // GS I 1 / 49: printer model ID
	Type      byte   `json:"type"`      // GS I 2 / 50: bit0 multi-byte, bit1 autocutter
	ROM       byte   `json:"rom"`       // GS I 3 / 51: ROM version ID
	Firmware  string `json:"firmware"`  // GS I 65
	Maker     string `json:"maker"`     // GS I 66
	ModelName string `json:"modelName"` // GS I 67
	Serial    string `json:"serial"`    // GS I 68
	Fonts     string `json:"fonts"`     // GS I 69
}

// Profile describes one emulated printer model. Built-in profiles are
// embedded data (emulator/escpos/profiles/*.json; see [Profiles] and
// [LookupProfile]); a profile file written by "hil printer probe" or by
// hand is read with [ParseProfile] or [ReadProfileFile] and given to
// [NewPrinter] in Options.ProfileDef. The file format is documented in
// docs/printer-profiles.md.
type Profile struct {
	// Version is the profile file format, [ProfileFormat].
	Version     int           `json:"version"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	WidthDots   int           `json:"widthDots"`   // printable width in dots
	DPI         int           `json:"dpi"`         // dots per inch, both axes
	LineSpacing int           `json:"lineSpacing"` // default line spacing (ESC 2) in dots
	Fonts       []FontMetrics `json:"fonts"`       // [0] Font A, [1] Font B, …
	KanjiCell   Cell          `json:"kanjiCell"`   // double-byte character cell
	// KanjiAtPowerOn is true on printers that start in double-byte mode
	// (FS &) and return to it on ESC @, as many Chinese printers do.
	KanjiAtPowerOn bool   `json:"kanjiAtPowerOn"`
	KanjiEncoding  string `json:"kanjiEncoding"` // "GB18030"
	CodeTable      int    `json:"codeTable"`     // ESC t table at power-on
	// CodePages is the printer's ESC t table: the code page each n selects
	// (CodePageNames lists the names). ESC t with an n not in it is
	// reported and ignored: the table in force stays.
	CodePages     map[int]string `json:"codePages"`
	Cutter        bool           `json:"cutter"`
	Drawer        bool           `json:"drawer"`
	NearEndSensor bool           `json:"nearEndSensor"`
	// BufferSize is the receive buffer in bytes. BUSY (and XOFF when
	// flow control is XON/XOFF) is raised when free space falls to
	// BusyFree bytes and released when it rises to ReleaseFree.
	BufferSize  int    `json:"bufferSize"`
	BusyFree    int    `json:"busyFree"`
	ReleaseFree int    `json:"releaseFree"`
	Overflow    string `json:"overflow"` // "drop-new": bytes that do not fit are lost
	// BusyLines are the modem lines the host sees drop while the printer
	// is BUSY on its serial interface ([Printer.BusyLine]): "dsr" (the
	// printer's DTR pin), "cts" (its RTS pin), or "none". Empty means
	// both, as Epson's RS-232 interfaces do (DTR/DSR handshake, RTS
	// following DTR).
	BusyLines []string `json:"busyLines,omitempty"`
	// IdleTimeoutSec is how long a TCP (port 9100) connection may send
	// nothing before the printer closes it; 0 = never. Epson's network
	// interfaces close it after 5 minutes without data ("Time out: 5
	// minutes" for socket communication on port 9100, UB-E02 Technical
	// Reference Guide §4.6 and §5.5.2.2; "about 5 minutes" in the TM-U230
	// specification), and while one connection prints the others wait
	// until it is closed, explicitly or by that time-out (UB-E02 §4.5).
	IdleTimeoutSec int `json:"idleTimeoutSec"`
	// Baud and SpeedMMPerSec feed the optional real-time timing model.
	Baud          int       `json:"baud"`
	SpeedMMPerSec int       `json:"speedMMPerSec"`
	ID            PrinterID `json:"id"`
	// Answers says which status and identity requests the printer
	// answers; nil: all of them, as Epson TM printers do.
	Answers *Answers `json:"answers,omitempty"`
	// Sources name the documents the values come from (a specification,
	// a probe of a printer).
	Sources []string `json:"sources,omitempty"`
	// Unknown lists the fields (JSON names) whose values are not known
	// from the sources: they hold the defaults the emulator needs to run
	// and describe no real printer.
	Unknown []string `json:"unknown,omitempty"`
	// Probe records what "hil printer probe" observed; absent in
	// profiles written from specifications.
	Probe *ProbeRecord `json:"probe,omitempty"`
}

// Columns returns the number of characters of font f (0 = A) on a line.
func (p Profile) Columns(f int) int {
	if f < 0 || f >= len(p.Fonts) || p.Fonts[f].Width == 0 {
		return 0
	}
	return p.WidthDots / p.Fonts[f].Width
}

// BusyOn reports which of the host's modem lines drop while the printer
// is BUSY (see BusyLines).
func (p Profile) BusyOn() (dsr, cts bool) {
	if len(p.BusyLines) == 0 {
		return true, true
	}
	return slices.Contains(p.BusyLines, "dsr"), slices.Contains(p.BusyLines, "cts")
}

// font returns the metrics of font f, falling back to Font A.
func (p *Profile) font(f int) FontMetrics {
	if f >= 0 && f < len(p.Fonts) {
		return p.Fonts[f]
	}
	return p.Fonts[0]
}

var loadProfiles = sync.OnceValues(func() (map[string]Profile, error) {
	files, err := fs.Glob(profileFS, "profiles/*.json")
	if err != nil {
		return nil, err
	}
	m := make(map[string]Profile, len(files))
	for _, f := range files {
		b, err := profileFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		p, err := ParseProfile(b)
		if err != nil {
			return nil, fmt.Errorf("escpos: profile file %s: %w", f, err)
		}
		m[p.Name] = p
	}
	return m, nil
})

func mustProfiles() map[string]Profile {
	m, err := loadProfiles()
	if err != nil {
		// The profiles are embedded and checked by the package tests; a
		// broken file is a build defect, not a runtime condition.
		panic(err)
	}
	return m
}

// Profiles returns the embedded printer profiles, sorted by name.
func Profiles() []Profile {
	m := mustProfiles()
	out := make([]Profile, 0, len(m))
	for _, p := range m {
		out = append(out, cloneProfile(p))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupProfile returns the profile with the given name ("" means
// [DefaultProfile]). An unknown name gives a *ProfileError that wraps
// [ErrUnknownProfile] and lists the known names.
func LookupProfile(name string) (Profile, error) {
	if name == "" {
		name = DefaultProfile
	}
	m := mustProfiles()
	p, ok := m[name]
	if !ok {
		known := make([]string, 0, len(m))
		for k := range m {
			known = append(known, k)
		}
		sort.Strings(known)
		return Profile{}, &ProfileError{Name: name, Known: known}
	}
	return cloneProfile(p), nil
}

func cloneProfile(p Profile) Profile {
	p.Fonts = slices.Clone(p.Fonts)
	p.BusyLines = slices.Clone(p.BusyLines)
	p.CodePages = maps.Clone(p.CodePages)
	p.Sources = slices.Clone(p.Sources)
	p.Unknown = slices.Clone(p.Unknown)
	if p.Answers != nil {
		a := p.Answers.clone()
		p.Answers = &a
	}
	if p.Probe != nil {
		r := *p.Probe
		r.Observed = maps.Clone(r.Observed)
		p.Probe = &r
	}
	return p
}
