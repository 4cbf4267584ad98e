package escpos

import (
	"sort"
	"sync"
	"unicode/utf8"
)

//go:generate go run ./internal/cpgen -o codepages_table.go

// codePage is one character code table of ESC t: the characters of bytes
// 0x80–0xFF (bytes below are ASCII on every page), and the documented
// source they were generated from (internal/cpgen).
type codePage struct {
	name   string
	source string
	hi     [128]rune
}

var codePagesByName = sync.OnceValue(func() map[string]*codePage {
	m := make(map[string]*codePage, len(codePageData))
	for i := range codePageData {
		m[codePageData[i].name] = &codePageData[i]
	}
	return m
})

// CodePageNames returns the names of the code pages that profiles can
// give an ESC t number ("codePages"), sorted.
func CodePageNames() []string {
	m := codePagesByName()
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// CodePageSource returns where the table of the named code page comes
// from ("" for an unknown name).
func CodePageSource(name string) string {
	if p := codePagesByName()[name]; p != nil {
		return p.source
	}
	return ""
}

var pageRuneCache sync.Map // name → *[256]rune

// pageRunes returns the full byte → character table of a code page, or
// nil for an unknown name. Control bytes map to themselves (the decoder
// never gives them to a table).
func pageRunes(name string) *[256]rune {
	if v, ok := pageRuneCache.Load(name); ok {
		return v.(*[256]rune)
	}
	p := codePagesByName()[name]
	if p == nil {
		return nil
	}
	var t [256]rune
	for i := 0; i < 0x80; i++ {
		t[i] = rune(i)
	}
	copy(t[0x80:], p.hi[:])
	for i, r := range t[0x80:] {
		if r == 0 {
			t[0x80+i] = utf8.RuneError
		}
	}
	v, _ := pageRuneCache.LoadOrStore(name, &t)
	return v.(*[256]rune)
}

// defaultCodePages is the ESC t table of the default profile, used by a
// Decoder whose options name none.
var defaultCodePages = sync.OnceValue(func() map[int]string {
	return mustProfiles()[DefaultProfile].CodePages
})
