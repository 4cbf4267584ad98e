package escpos

import (
	"embed"
	"encoding/json"
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

// Profile describes one emulated printer model. Profiles are embedded data
// (emulator/escpos/profiles/*.json); see [Profiles] and [LookupProfile].
type Profile struct {
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

func (p Profile) validate() error {
	switch {
	case p.Name == "":
		return fmt.Errorf("profile without a name")
	case p.WidthDots <= 0 || p.DPI <= 0 || p.LineSpacing <= 0:
		return fmt.Errorf("profile %s: widthDots, dpi and lineSpacing must be positive", p.Name)
	case len(p.Fonts) == 0:
		return fmt.Errorf("profile %s: no fonts", p.Name)
	case p.BufferSize <= 0 || p.BusyFree < 0 || p.ReleaseFree < p.BusyFree || p.ReleaseFree > p.BufferSize:
		return fmt.Errorf("profile %s: bad buffer thresholds", p.Name)
	case p.KanjiCell.Width <= 0 || p.KanjiCell.Height <= 0:
		return fmt.Errorf("profile %s: no kanjiCell", p.Name)
	}
	if (p.ID.Model|p.ID.Type|p.ID.ROM)&0x90 != 0 {
		return fmt.Errorf("profile %s: GS I 1–3 IDs must have bits 4 and 7 clear (0xx0xxxx)", p.Name)
	}
	for _, l := range p.BusyLines {
		if l != "dsr" && l != "cts" && l != "none" {
			return fmt.Errorf("profile %s: busyLines: %q is not a line (want dsr, cts or none)", p.Name, l)
		}
	}
	for _, f := range p.Fonts {
		if f.Width <= 0 || f.Height <= 0 {
			return fmt.Errorf("profile %s: font %s has no size", p.Name, f.Name)
		}
	}
	for n, name := range p.CodePages {
		if n < 0 || n > 255 || pageRunes(name) == nil {
			return fmt.Errorf("profile %s: codePages %d: %q is not a code page (ESC t 0–255; known: %v)", p.Name, n, name, CodePageNames())
		}
	}
	if _, ok := p.CodePages[p.CodeTable]; !ok {
		return fmt.Errorf("profile %s: codeTable %d is not in codePages", p.Name, p.CodeTable)
	}
	return nil
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
		var p Profile
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("escpos: profile file %s: %w", f, err)
		}
		if err := p.validate(); err != nil {
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
	return p
}
