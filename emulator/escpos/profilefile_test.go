package escpos

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestProfileFilesRoundTrip: every built-in profile, written as JSON and
// read back with ParseProfile, is the same profile; ReadProfileFile reads
// the file the same way.
func TestProfileFilesRoundTrip(t *testing.T) {
	for _, p := range Profiles() {
		b, err := json.MarshalIndent(p, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseProfile(b)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("%s: read back\n%+v\nwant\n%+v", p.Name, got, p)
		}
		path := filepath.Join(t.TempDir(), p.Name+".json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if got, err := ReadProfileFile(path); err != nil || !reflect.DeepEqual(got, p) {
			t.Errorf("ReadProfileFile(%s) = %v", path, err)
		}
	}
}

// TestShippedProfilesCiteSources: the profiles written from
// specifications name their sources and what is not known.
func TestShippedProfilesCiteSources(t *testing.T) {
	for _, name := range []string{"tm-t20iii", "zj-5870", "sunmi-v2"} {
		p, err := LookupProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Sources) == 0 || len(p.Unknown) == 0 || !strings.Contains(p.ID.ModelName, "poshil emulator") {
			t.Errorf("%s: sources %q, unknown %q, model %q", name, p.Sources, p.Unknown, p.ID.ModelName)
		}
	}
}

func TestParseProfileErrors(t *testing.T) {
	base, err := LookupProfile("generic-58")
	if err != nil {
		t.Fatal(err)
	}
	good, err := json.Marshal(base)
	if err != nil {
		t.Fatal(err)
	}
	// edit changes one field of the generic-58 profile as a JSON object.
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name  string
		data  []byte
		field string
		msg   string
	}{
		{"empty", nil, "", "empty"},
		{"not json", []byte("{\n  \"name\": x\n}"), "", "line 2"},
		{"trailing data", append(bytes.Clone(good), " {}"...), "", "data after"},
		{"unknown field", edit(func(m map[string]any) { m["widthDot"] = 384 }), "widthDot", "unknown field"},
		{"wrong type", edit(func(m map[string]any) { m["dpi"] = "203" }), "dpi", "want a whole number"},
		{"nested wrong type", edit(func(m map[string]any) { m["id"].(map[string]any)["model"] = 300 }), "id.model", "want a whole number"},
		{"no version", edit(func(m map[string]any) { delete(m, "version") }), "version", "missing"},
		{"future version", edit(func(m map[string]any) { m["version"] = 2 }), "version", "format 2"},
		{"no name", edit(func(m map[string]any) { m["name"] = "" }), "name", "missing"},
		{"name with slash", edit(func(m map[string]any) { m["name"] = "a/b" }), "name", "slashes"},
		{"zero width", edit(func(m map[string]any) { m["widthDots"] = 0 }), "widthDots", "1–4096"},
		{"font too wide", edit(func(m map[string]any) { m["fonts"].([]any)[1].(map[string]any)["width"] = 999 }), "fonts[1]", "width"},
		{"no fonts", edit(func(m map[string]any) { m["fonts"] = []any{} }), "fonts", "none"},
		{"release below busy", edit(func(m map[string]any) { m["releaseFree"] = 10 }), "releaseFree", "busyFree"},
		{"bad page", edit(func(m map[string]any) { m["codePages"].(map[string]any)["7"] = "PC999" }), "codePages[7]", "not a code page"},
		{"code table not a page", edit(func(m map[string]any) { m["codeTable"] = 9 }), "codeTable", "not in codePages"},
		{"id bits", edit(func(m map[string]any) { m["id"].(map[string]any)["type"] = 0x10 }), "id.type", "bits 4 and 7"},
		{"id string NUL", edit(func(m map[string]any) { m["id"].(map[string]any)["maker"] = "A\x00B" }), "id.maker", "printable ASCII"},
		{"answers range", edit(func(m map[string]any) {
			m["answers"] = map[string]any{"realtimeStatus": []int{1, 5}, "transmitStatus": []int{}, "asb": true, "ids": []int{}}
		}), "answers.realtimeStatus[1]", "1–4"},
		{"answers twice", edit(func(m map[string]any) {
			m["answers"] = map[string]any{"realtimeStatus": []int{}, "transmitStatus": []int{}, "asb": true, "ids": []int{66, 66}}
		}), "answers.ids[1]", "twice"},
		{"unknown names no field", edit(func(m map[string]any) { m["unknown"] = []string{"paperWidth"} }), "unknown[0]", "paperWidth"},
		{"overflow", edit(func(m map[string]any) { m["overflow"] = "block" }), "overflow", "drop-new"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseProfile(tc.data)
			var fe *ProfileFieldError
			if !errors.Is(err, ErrBadProfile) || !errors.As(err, &fe) {
				t.Fatalf("ParseProfile = %v, want a *ProfileFieldError", err)
			}
			if fe.Field != tc.field || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q (field %q), want field %q and %q", err, fe.Field, tc.field, tc.msg)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(path, edit(func(m map[string]any) { m["dpi"] = -1 }), 0o644)
	if _, err := ReadProfileFile(path); !errors.Is(err, ErrBadProfile) || !strings.Contains(err.Error(), path) {
		t.Errorf("ReadProfileFile = %v, want the path and ErrBadProfile", err)
	}
	if _, err := NewPrinter(Options{ProfileDef: &Profile{Name: "x"}}); !errors.Is(err, ErrBadProfile) {
		t.Errorf("NewPrinter with a bad ProfileDef: %v", err)
	}
}

// TestProfileAnswers: a profile's Answers decide which requests get a
// reply; the others are received and not answered, and printing goes on.
func TestProfileAnswers(t *testing.T) {
	prof, err := LookupProfile("generic-58")
	if err != nil {
		t.Fatal(err)
	}
	prof.Name = "quiet-58"
	prof.Answers = &Answers{RealtimeStatus: []int{1, 2, 4}, TransmitStatus: []int{1}, IDs: []int{1, 2, 3}}
	p, out := newTestPrinter(t, Options{ProfileDef: &prof})
	for _, tc := range []struct {
		req  string
		want []byte
	}{
		{"\x10\x04\x01", []byte{0x12}},
		{"\x10\x04\x03", nil},
		{"\x10\x04\x04", []byte{0x12}},
		{"\x1dr\x01", []byte{0x00}},
		{"\x1dr\x02", nil},
		{"\x1dr2", nil},
		{"\x1dI\x01", []byte{prof.ID.Model}},
		{"\x1dI1", []byte{prof.ID.Model}},
		{"\x1dIB", nil}, // GS I 66: maker
		{"\x1da\xff", nil},
	} {
		if got := send(t, p, out, []byte(tc.req)); !bytes.Equal(got, tc.want) {
			t.Errorf("% X: answered % X, want % X", tc.req, got, tc.want)
		}
	}
	send(t, p, out, []byte("still prints\n\x1dV\x00"))
	if rs := p.Receipts(); len(rs) != 0 || p.Status().Profile != "quiet-58" {
		// generic-58 has no cutter: the cut is ignored, the receipt open.
		t.Errorf("receipts %d, profile %q", len(rs), p.Status().Profile)
	}
	p.EndJob()
	idle(t, p)
	if rs := p.Receipts(); len(rs) != 1 {
		t.Errorf("after EndJob: %d receipts, want 1", len(rs))
	}
}

// FuzzParseProfile: any input is a profile that validates and survives a
// round trip, or a *ProfileFieldError; never a panic.
func FuzzParseProfile(f *testing.F) {
	for _, p := range Profiles() {
		b, _ := json.Marshal(p)
		f.Add(b)
	}
	f.Add([]byte(`{"version":1,"name":"x","answers":{"ids":[1,1]}}`))
	f.Add([]byte(`{"version":1,"fonts":[{"width":"a"}]}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProfile(data)
		if err != nil {
			var fe *ProfileFieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *ProfileFieldError", err, err)
			}
			return
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParseProfile(b)
		if err != nil {
			t.Fatalf("a valid profile does not read back: %v\n%s", err, b)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip changed the profile:\n%+v\n%+v", p, q)
		}
		pr, err := NewPrinter(Options{ProfileDef: &p})
		if err != nil {
			t.Fatalf("NewPrinter refuses a profile ParseProfile accepted: %v", err)
		}
		pr.Close()
	})
}
