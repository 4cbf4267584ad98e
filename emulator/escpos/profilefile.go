package escpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ProfileFormat is the version of the profile file format that this
// package reads and writes (the "version" field). A file of another
// version is refused with a *ProfileFieldError naming "version".
const ProfileFormat = 1

// Answers says which status and identity requests a printer answers. Real
// printers differ: many 58 mm printers answer DLE EOT but not GS I 65–69,
// some never send ASB. A request left out is received and not answered
// (the host waits for its reply timeout), as on such a printer.
type Answers struct {
	// RealtimeStatus lists the n of DLE EOT n (1–4) answered.
	RealtimeStatus []int `json:"realtimeStatus"`
	// TransmitStatus lists the n of GS r n answered: 1 paper sensor, 2
	// drawer (49 and 50 are their aliases).
	TransmitStatus []int `json:"transmitStatus"`
	// ASB is true when GS a enables Automatic Status Back.
	ASB bool `json:"asb"`
	// IDs lists the n of GS I n answered: 1–3 (49–51 are their aliases),
	// 33, 65–69.
	IDs []int `json:"ids"`
}

func (a Answers) clone() Answers {
	a.RealtimeStatus = slices.Clone(a.RealtimeStatus)
	a.TransmitStatus = slices.Clone(a.TransmitStatus)
	a.IDs = slices.Clone(a.IDs)
	return a
}

// answersRealtime reports whether DLE EOT n is answered.
func (a *Answers) answersRealtime(n byte) bool {
	return a == nil || slices.Contains(a.RealtimeStatus, int(n))
}

// answersGSr reports whether GS r n is answered.
func (a *Answers) answersGSr(n byte) bool {
	if n == 49 || n == 50 {
		n -= 48
	}
	return a == nil || slices.Contains(a.TransmitStatus, int(n))
}

// answersGSI reports whether GS I n is answered.
func (a *Answers) answersGSI(n byte) bool {
	if n >= 49 && n <= 51 {
		n -= 48
	}
	return a == nil || slices.Contains(a.IDs, int(n))
}

// answersASB reports whether GS a is answered.
func (a *Answers) answersASB() bool { return a == nil || a.ASB }

// ProbeRecord is what "hil printer probe" saw: every request it sent and
// the reply, as hex bytes ("12", "5F 45 50 53 4F 4E 00"), or "none".
type ProbeRecord struct {
	URL      string            `json:"url,omitempty"`
	Observed map[string]string `json:"observed"`
}

// ErrBadProfile is wrapped by every *ProfileFieldError.
var ErrBadProfile = errors.New("escpos: bad printer profile")

// ProfileFieldError reports what is wrong with a profile: the field (its
// JSON path, "fonts[1].width"; empty for the file as a whole) and why.
type ProfileFieldError struct {
	Profile string // the profile's name, when known
	Field   string
	Reason  string
}

func (e *ProfileFieldError) Error() string {
	var b strings.Builder
	b.WriteString("escpos: profile")
	if e.Profile != "" {
		b.WriteString(" " + strconv.Quote(e.Profile))
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Reason)
	return b.String()
}

func (e *ProfileFieldError) Unwrap() error { return ErrBadProfile }

// ReadProfileFile reads and checks the profile file at path. Errors are
// the *os.PathError of reading it, or a *ProfileFieldError (ErrBadProfile)
// naming the file.
func ReadProfileFile(path string) (Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, err
	}
	p, err := ParseProfile(b)
	if err != nil {
		return Profile{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// ParseProfile decodes a profile file (JSON, format [ProfileFormat]) and
// checks every field. An unknown field, a value of the wrong type, a
// missing or out-of-range value is a *ProfileFieldError naming the field.
func ParseProfile(data []byte) (Profile, error) {
	var p Profile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Profile{}, jsonFieldError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Profile{}, &ProfileFieldError{Reason: fmt.Sprintf("data after the profile object at byte %d", dec.InputOffset())}
	}
	if err := p.validate(); err != nil {
		return Profile{}, err
	}
	return p, nil
}

func jsonFieldError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := lineCol(data, syn.Offset)
		return &ProfileFieldError{Reason: fmt.Sprintf("not JSON at line %d, column %d: %v", line, col, syn)}
	case errors.As(err, &typ):
		f := typ.Field
		if f == "" {
			f = "(top level)"
		}
		return &ProfileFieldError{Field: f, Reason: fmt.Sprintf("got a JSON %s, want %s", typ.Value, jsonKind(typ.Type))}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &ProfileFieldError{Reason: "empty or cut short: want one JSON object"}
	}
	// encoding/json has no type for an unknown field.
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if uq, err := strconv.Unquote(f); err == nil {
			f = uq
		}
		return &ProfileFieldError{Field: f, Reason: "unknown field (misspelt? see docs/printer-profiles.md)"}
	}
	return &ProfileFieldError{Reason: err.Error()}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Uint8:
		return "a whole number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "an array"
	case reflect.Map, reflect.Struct, reflect.Pointer:
		return "an object"
	}
	return t.String()
}

func lineCol(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}

// profileFields are the JSON names of the top-level fields, for Unknown.
var profileFields = sync.OnceValue(func() []string {
	t := reflect.TypeFor[Profile]()
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
})

func (p Profile) validate() error {
	bad := func(field, format string, args ...any) error {
		return &ProfileFieldError{Profile: p.Name, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case p.Version == 0:
		return bad("version", "missing; want %d (the profile file format)", ProfileFormat)
	case p.Version != ProfileFormat:
		return bad("version", "format %d is not known; this hil reads format %d", p.Version, ProfileFormat)
	case p.Name == "":
		return bad("name", "missing")
	case len(p.Name) > 64 || strings.ContainsAny(p.Name, " \t\r\n/\\") || strings.ToLower(p.Name) != p.Name:
		return bad("name", "%q: want at most 64 lower-case characters without spaces or slashes, as tm-t88", p.Name)
	case p.WidthDots <= 0 || p.WidthDots > 4096:
		return bad("widthDots", "%d: want 1–4096 dots", p.WidthDots)
	case p.DPI <= 0 || p.DPI > 1200:
		return bad("dpi", "%d: want 1–1200", p.DPI)
	case p.LineSpacing <= 0 || p.LineSpacing > 255:
		return bad("lineSpacing", "%d: want 1–255 dots (ESC 3 n)", p.LineSpacing)
	case len(p.Fonts) == 0:
		return bad("fonts", "none; want at least Font A")
	case p.KanjiCell.Width <= 0 || p.KanjiCell.Height <= 0:
		return bad("kanjiCell", "%dx%d: want a positive width and height", p.KanjiCell.Width, p.KanjiCell.Height)
	case p.KanjiEncoding != "" && p.KanjiEncoding != "GB18030":
		return bad("kanjiEncoding", "%q: want GB18030 (the one double-byte encoding emulated) or empty", p.KanjiEncoding)
	case p.BufferSize <= 0:
		return bad("bufferSize", "%d: want a positive size in bytes", p.BufferSize)
	case p.BusyFree < 0 || p.BusyFree > p.BufferSize:
		return bad("busyFree", "%d: want 0–bufferSize (%d)", p.BusyFree, p.BufferSize)
	case p.ReleaseFree < p.BusyFree || p.ReleaseFree > p.BufferSize:
		return bad("releaseFree", "%d: want busyFree (%d) – bufferSize (%d)", p.ReleaseFree, p.BusyFree, p.BufferSize)
	case p.Overflow != "drop-new":
		return bad("overflow", "%q: want \"drop-new\"", p.Overflow)
	case p.IdleTimeoutSec < 0:
		return bad("idleTimeoutSec", "%d: want 0 (never) or more seconds", p.IdleTimeoutSec)
	case p.Baud <= 0:
		return bad("baud", "%d: want a positive serial speed", p.Baud)
	case p.SpeedMMPerSec <= 0:
		return bad("speedMMPerSec", "%d: want a positive print speed", p.SpeedMMPerSec)
	}
	for i, l := range p.BusyLines {
		if l != "dsr" && l != "cts" && l != "none" {
			return bad(fmt.Sprintf("busyLines[%d]", i), "%q is not a line (want dsr, cts or none)", l)
		}
	}
	for i, f := range p.Fonts {
		if f.Width <= 0 || f.Height <= 0 || f.Width > p.WidthDots || f.Height > 255 {
			return bad(fmt.Sprintf("fonts[%d]", i), "font %q %dx%d: want a width of 1–widthDots and a height of 1–255 dots", f.Name, f.Width, f.Height)
		}
	}
	for _, b := range []struct {
		field string
		v     byte
	}{{"id.model", p.ID.Model}, {"id.type", p.ID.Type}, {"id.rom", p.ID.ROM}} {
		if b.v&0x90 != 0 {
			return bad(b.field, "%d (0x%02X): GS I 1–3 IDs have bits 4 and 7 clear (0xx0xxxx)", b.v, b.v)
		}
	}
	for _, s := range []struct{ field, v string }{
		{"id.firmware", p.ID.Firmware}, {"id.maker", p.ID.Maker}, {"id.modelName", p.ID.ModelName},
		{"id.serial", p.ID.Serial}, {"id.fonts", p.ID.Fonts},
	} {
		if len(s.v) > 80 {
			return bad(s.field, "%d bytes: GS I answers hold at most 80", len(s.v))
		}
		for _, c := range []byte(s.v) {
			if c < 0x20 || c > 0x7E {
				return bad(s.field, "%q: want printable ASCII (a GS I answer ends at NUL)", s.v)
			}
		}
	}
	for _, n := range slices.Sorted(maps.Keys(p.CodePages)) {
		name := p.CodePages[n]
		if n < 0 || n > 255 || pageRunes(name) == nil {
			return bad(fmt.Sprintf("codePages[%d]", n), "%q is not a code page (ESC t 0–255; known: %s)", name, strings.Join(CodePageNames(), ", "))
		}
	}
	if _, ok := p.CodePages[p.CodeTable]; !ok {
		return bad("codeTable", "%d is not in codePages", p.CodeTable)
	}
	if a := p.Answers; a != nil {
		if err := checkList(bad, "answers.realtimeStatus", a.RealtimeStatus, func(n int) bool { return n >= 1 && n <= 4 }, "1–4 (DLE EOT n)"); err != nil {
			return err
		}
		if err := checkList(bad, "answers.transmitStatus", a.TransmitStatus, func(n int) bool { return n == 1 || n == 2 }, "1 or 2 (GS r n)"); err != nil {
			return err
		}
		if err := checkList(bad, "answers.ids", a.IDs, func(n int) bool { return (n >= 1 && n <= 3) || (n >= 33 && n <= 112) }, "1–3 or 33–112 (GS I n)"); err != nil {
			return err
		}
	}
	for i, u := range p.Unknown {
		if !slices.Contains(profileFields(), u) || u == "version" || u == "name" || u == "unknown" || u == "sources" || u == "probe" {
			return bad(fmt.Sprintf("unknown[%d]", i), "%q is not a field a value can be unknown for", u)
		}
	}
	return nil
}

func checkList(bad func(string, string, ...any) error, field string, l []int, ok func(int) bool, want string) error {
	for i, n := range l {
		if !ok(n) {
			return bad(fmt.Sprintf("%s[%d]", field, i), "%d: want %s", n, want)
		}
		if slices.Contains(l[:i], n) {
			return bad(fmt.Sprintf("%s[%d]", field, i), "%d listed twice", n)
		}
	}
	return nil
}
