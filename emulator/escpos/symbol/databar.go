package symbol

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// GS1 DataBar encoders, following ISO/IEC 24724:2011: Omnidirectional
// (also drawn for Truncated, which differs only in height), Limited and
// Expanded (single row). Each returns the module pattern, one bool a module
// (true for a bar), starting with the left guard's space and without quiet
// zones.
//
// A DataBar character is a value turned into the widths of its elements
// (alternately bars and spaces): the value is split into an odd-element and
// an even-element value, and each of these picks one pattern from the
// patterns of so many modules and elements (elementWidths). Finder patterns
// sit between the characters and tell a scanner which characters it sees;
// a checksum over the element widths selects the finder patterns
// (Omnidirectional), a check pattern (Limited) or a check character
// (Expanded).

// elementWidths returns the widths of the k elements, n modules in all, of
// the pattern with value v (ISO/IEC 24724 Annex B). Patterns are numbered
// in order of their first element's width, then the second's, and so on,
// among those whose elements are at most widest modules wide and, when
// narrow is set, that have at least one element one module wide. The count
// of patterns with a given start is the spec's formula, which decoders use
// too; TestElementWidthsInvertGozxing checks every value of every table
// against gozxing's independent inverse.
func elementWidths(v, n, k, widest int, narrow bool) []int {
	w := make([]int, k)
	hasNarrow := false
	for i := 0; i < k-1; i++ {
		rest := k - i - 1 // elements after this one
		e := 1
		for ; e <= n-rest; e++ {
			c := patternsAfter(n-e, rest, widest, narrow && !hasNarrow && e > 1)
			if v < c {
				break
			}
			v -= c
		}
		// e > n-rest only for a value past the last pattern, which the
		// callers never pass; stopping keeps the loop finite all the same.
		e = min(e, n-rest)
		if e == 1 {
			hasNarrow = true
		}
		w[i] = e
		n -= e
	}
	w[k-1] = n
	return w
}

// patternsAfter counts, as ISO/IEC 24724 Annex B does, the ways to fill r
// more elements with n modules: all ways, less those without a one-module
// element when needNarrow, less those with an element wider than widest.
func patternsAfter(n, r, widest int, needNarrow bool) int {
	c := binomial(n-1, r-1)
	if needNarrow && n-r >= r {
		c -= binomial(n-r-1, r-1) // every element two modules or more
	}
	if r > 1 {
		tooWide := 0
		for m := n - r + 1; m > widest; m-- {
			tooWide += binomial(n-m-1, r-2)
		}
		c -= tooWide * r
	} else if n > widest {
		c--
	}
	return c
}

func binomial(n, r int) int {
	if r < 0 || r > n {
		return 0
	}
	r = min(r, n-r)
	c := 1
	for i := 1; i <= r; i++ {
		c = c * (n - r + i) / i
	}
	return c
}

// charGroup is one row of a character table: the values first up to the
// next group's first, the modules and widest element of the odd and even
// elements, and combos, the number of patterns of the even elements (of the
// odd ones when oddCombos), by which a value splits into the two halves.
type charGroup struct {
	first                   int
	oddModules, evenModules int
	oddWidest, evenWidest   int
	combos                  int
	oddCombos               bool
}

// charSet is a character table of one symbology: k elements of each parity,
// whether the odd and even patterns must hold a one-module element, the
// groups in order of value, and end, one past the largest value.
type charSet struct {
	k                     int
	oddNarrow, evenNarrow bool
	groups                []charGroup
	end                   int
}

// widths returns the 2k element widths of character value v, odd elements
// (first, third, …) and even elements interleaved, in reading order.
func (s *charSet) widths(v int) []int {
	g := s.groups[0]
	for _, h := range s.groups[1:] {
		if v >= h.first {
			g = h
		}
	}
	v -= g.first
	odd, even := v/g.combos, v%g.combos
	if g.oddCombos {
		odd, even = v%g.combos, v/g.combos
	}
	ow := elementWidths(odd, g.oddModules, s.k, g.oddWidest, s.oddNarrow)
	ew := elementWidths(even, g.evenModules, s.k, g.evenWidest, s.evenNarrow)
	w := make([]int, 2*s.k)
	for i := range s.k {
		w[2*i], w[2*i+1] = ow[i], ew[i]
	}
	return w
}

// The character groups of ISO/IEC 24724:2011 for the outside and inside
// characters of Omnidirectional, for Limited and for Expanded.
var (
	dataBarOutside = &charSet{k: 4, evenNarrow: true, end: 2841, groups: []charGroup{
		{0, 12, 4, 8, 1, 1, false},
		{161, 10, 6, 6, 3, 10, false},
		{961, 8, 8, 4, 5, 34, false},
		{2015, 6, 10, 3, 6, 70, false},
		{2715, 4, 12, 1, 8, 126, false},
	}}
	dataBarInside = &charSet{k: 4, oddNarrow: true, end: 1597, groups: []charGroup{
		{0, 5, 10, 2, 7, 4, true},
		{336, 7, 8, 4, 5, 20, true},
		{1036, 9, 6, 6, 3, 48, true},
		{1516, 11, 4, 8, 1, 81, true},
	}}
	dataBarLimitedChars = &charSet{k: 7, evenNarrow: true, end: 2013571, groups: []charGroup{
		{0, 17, 9, 6, 3, 28, false},
		{183064, 13, 13, 5, 4, 728, false},
		{820064, 9, 17, 3, 6, 6454, false},
		{1000776, 15, 11, 5, 4, 203, false},
		{1491021, 11, 15, 4, 5, 2408, false},
		{1979845, 19, 7, 8, 1, 1, false},
		{1996939, 7, 19, 1, 8, 16632, false},
	}}
	dataBarExpandedChars = &charSet{k: 4, oddNarrow: true, end: 4192, groups: []charGroup{
		{0, 12, 5, 7, 2, 4, false},
		{348, 10, 7, 5, 4, 20, false},
		{1388, 8, 9, 4, 5, 52, false},
		{2948, 6, 11, 3, 6, 104, false},
		{3988, 4, 13, 1, 8, 204, false},
	}}
)

// dataBar14Finders are the nine finder patterns of Omnidirectional (ISO/IEC
// 24724:2011), read left to right for the left finder.
var dataBar14Finders = [9][5]int{
	{3, 8, 2, 1, 1}, {3, 5, 5, 1, 1}, {3, 3, 7, 1, 1},
	{3, 1, 9, 1, 1}, {2, 7, 4, 1, 1}, {2, 5, 6, 1, 1},
	{2, 3, 8, 1, 1}, {1, 5, 7, 1, 1}, {1, 3, 9, 1, 1},
}

// dataBarLimitedChecks are the 89 check character patterns of Limited, by
// checksum value (ISO/IEC 24724:2011), each 14 element widths.
var dataBarLimitedChecks = [89]string{
	"11111111113311", "11111111123211", "11111111133111", "11111112113211", "11111112123111",
	"11111113113111", "11111211113211", "11111211123111", "11111212113111", "11111311113111",
	"11121111113211", "11121111123111", "11121112113111", "11121211113111", "11131111113111",
	"12111111113211", "12111111123111", "12111112113111", "12111211113111", "12121111113111",
	"13111111113111", "11111111212311", "11111111222211", "11111111232111", "11111112212211",
	"11111112222111", "11111113212111", "11111211212211", "11111211222111", "11111212212111",
	"11111311212111", "11121111212211", "11121111222111", "11121112212111", "11121211212111",
	"11131111212111", "12111111212211", "12111111222111", "12111112212111", "12111211212111",
	"12121111212111", "13111111212111", "11111111311311", "11111111321211", "11111112311211",
	"11121111311211", "12111111311211", "11111121112311", "11111121122211", "11111121132111",
	"11111122112211", "11121121112211", "11121121122111", "11121122112111", "11121221112111",
	"11131121112111", "12111121112211", "12111121122111", "12121121112111", "11112111112311",
	"11112111122211", "11112111132111", "11112112112211", "11112112122111", "11112211112211",
	"12112111112211", "12112111122111", "12112112112111", "12112211112111", "12122111112111",
	"13112111112111", "11211111112311", "11211111122211", "11211111132111", "11211112112211",
	"11211112122111", "11211113112111", "11211211112211", "11211211122111", "11221111112211",
	"21111111122211", "21111111132111", "21111112112211", "21111112122111", "21111113112111",
	"21111211122111", "21111212112111", "21121111122111", "21111111221211",
}

// powMod returns b**e mod m: the checksum weights of all three symbologies
// are powers of three, modulo 79, 89 and 211 (ISO/IEC 24724:2011 Tables 5,
// 7 and 14).
func powMod(b, e, m int) int {
	r := 1
	for range e {
		r = r * b % m
	}
	return r
}

func reversed(w []int) []int {
	r := make([]int, len(w))
	for i, x := range w {
		r[len(w)-1-i] = x
	}
	return r
}

// modules expands element widths, a space first, into modules.
func modules(widths []int) []bool {
	var m []bool
	for i, w := range widths {
		for range w {
			m = append(m, i%2 == 1)
		}
	}
	return m
}

// gtinCheck returns the GS1 check digit of the 13 digits d.
func gtinCheck(d string) byte {
	sum := 0
	for i := range 13 {
		v := int(d[i] - '0')
		if i%2 == 0 {
			v *= 3
		}
		sum += v
	}
	return byte('0' + (10-sum%10)%10)
}

// gtin14 checks a GTIN of 13 digits (the check digit is added) or 14 (the
// check digit is checked) and returns all 14.
func gtin14(data string) (string, error) {
	if (len(data) != 13 && len(data) != 14) || strings.Trim(data, "0123456789") != "" {
		return "", errors.New("want 13 or 14 digits")
	}
	cd := gtinCheck(data)
	if len(data) == 14 && data[13] != cd {
		return "", fmt.Errorf("check digit %c, want %c", data[13], cd)
	}
	return data[:13] + string(cd), nil
}

// dataBar14 encodes GS1 DataBar Omnidirectional: 96 modules, two pairs of
// characters (outside and inside) round two finder patterns.
func dataBar14(gtin string) []bool {
	v, _ := strconv.ParseInt(gtin[:13], 10, 64)
	left, right := int(v/4537077), int(v%4537077) // 4537077 = 2841 × 1597
	chars := [4][]int{
		dataBarOutside.widths(left / 1597), dataBarInside.widths(left % 1597),
		dataBarOutside.widths(right / 1597), dataBarInside.widths(right % 1597),
	}
	sum, k := 0, 0
	for _, c := range chars {
		for _, w := range c {
			sum += w * powMod(3, k, 79)
			k++
		}
	}
	check := sum % 79
	// 79 values name 81 finder pairs but for (0, 8) and (8, 0).
	if check >= 8 {
		check++
	}
	if check >= 72 {
		check++
	}
	el := []int{1, 1}
	el = append(el, chars[0]...)
	el = append(el, dataBar14Finders[check/9][:]...)
	el = append(el, reversed(chars[1])...)
	el = append(el, chars[3]...)
	el = append(el, reversed(dataBar14Finders[check%9][:])...)
	el = append(el, reversed(chars[2])...)
	el = append(el, 1, 1)
	return modules(el)
}

// dataBarLimited encodes GS1 DataBar Limited: 79 modules, two characters
// round a check pattern, and the five light modules on the right that the
// 2011 edition of the standard made part of the symbol.
func dataBarLimited(gtin string) []bool {
	v, _ := strconv.ParseInt(gtin[:13], 10, 64) // below 2×10¹², first digit 0 or 1
	left := dataBarLimitedChars.widths(int(v / 2013571))
	right := dataBarLimitedChars.widths(int(v % 2013571))
	sum := 0
	for i, w := range append(append([]int(nil), left...), right...) {
		sum += w * powMod(3, i, 89)
	}
	el := []int{1, 1}
	el = append(el, left...)
	for _, c := range dataBarLimitedChecks[sum%89] {
		el = append(el, int(c-'0'))
	}
	el = append(el, right...)
	el = append(el, 1, 1, 5)
	return modules(el)
}

// expandedFinder is a finder pattern of Expanded: letter A–F (0–5), read
// left to right (version 0, "A1") or right to left (version 1, "A2").
type expandedFinder struct{ letter, version int }

// dataBarExpandedFinders are the finder patterns A–F (ISO/IEC 24724:2011
// Table 15), read left to right.
var dataBarExpandedFinders = [6][5]int{
	{1, 8, 4, 1, 1}, {3, 6, 4, 1, 1}, {3, 4, 6, 1, 1},
	{3, 2, 8, 1, 1}, {2, 6, 5, 1, 1}, {2, 2, 9, 1, 1},
}

// dataBarExpandedSequences are the finder patterns of a symbol of 2–11
// pairs of characters (ISO/IEC 24724:2011 Table 16).
var dataBarExpandedSequences = func() [][]expandedFinder {
	var seqs [][]expandedFinder
	for _, s := range []string{
		"A1 A2",
		"A1 B2 B1",
		"A1 C2 B1 D2",
		"A1 E2 B1 D2 C1",
		"A1 E2 B1 D2 D1 F2",
		"A1 E2 B1 D2 E1 F2 F1",
		"A1 A2 B1 B2 C1 C2 D1 D2",
		"A1 A2 B1 B2 C1 C2 D1 E2 E1",
		"A1 A2 B1 B2 C1 C2 D1 E2 F1 F2",
		"A1 A2 B1 B2 C1 D2 D1 E2 E1 F2 F1",
	} {
		var seq []expandedFinder
		for _, f := range strings.Fields(s) {
			seq = append(seq, expandedFinder{int(f[0] - 'A'), int(f[1] - '1')})
		}
		seqs = append(seqs, seq)
	}
	return seqs
}()

// dataBarExpanded encodes the element string s, "(AI)data…", as GS1 DataBar
// Expanded: a check character and 3–21 data characters of 12 bits each,
// in pairs round finder patterns, the second of each pair read right to
// left.
func dataBarExpanded(s string) ([]bool, error) {
	elems, err := parseElementString(s)
	if err != nil {
		return nil, err
	}
	bits, err := expandedBits(reduce(elems))
	if err != nil {
		return nil, err
	}
	var chars [][]int
	for i := 0; i < len(bits); i += 12 {
		v := 0
		for _, b := range bits[i : i+12] {
			v = v<<1 | int(b)
		}
		chars = append(chars, dataBarExpandedChars.widths(v))
	}
	n := len(chars) + 1 // with the check character
	pairs := (n + 1) / 2
	seq := dataBarExpandedSequences[pairs-2]
	// Each data character's weights depend on the finder next to it and
	// its side (ISO/IEC 24724:2011 Table 14, rows A1 right, A2 left, A2
	// right, B1 left, …); the check character left of A1 has none.
	sum := 0
	for k := 1; k < n; k++ {
		f := seq[k/2]
		row := 4*f.letter + 2*f.version + k%2 - 1
		for j, w := range chars[k-1] {
			sum += w * powMod(3, 8*row+j, 211)
		}
	}
	chars = append([][]int{dataBarExpandedChars.widths(211*(n-4) + sum%211)}, chars...)
	el := []int{1, 1}
	for p, f := range seq {
		el = append(el, chars[2*p]...)
		fw := dataBarExpandedFinders[f.letter][:]
		if f.version == 1 {
			fw = reversed(fw)
		}
		el = append(el, fw...)
		if 2*p+1 < n {
			el = append(el, reversed(chars[2*p+1])...)
		}
	}
	el = append(el, 1, 1)
	return modules(el), nil
}

// gs1Element is one element string: an application identifier and its data.
type gs1Element struct{ ai, data string }

// predefinedLength gives, by the first two digits of an application
// identifier, the length of the AI and of its data for the element strings
// that need no FNC1 after them (the GS1 General Specifications' table of
// predefined-length element strings).
var predefinedLength = map[string][2]int{
	"00": {2, 18}, "01": {2, 14}, "02": {2, 14}, "03": {2, 14}, "04": {2, 16},
	"11": {2, 6}, "12": {2, 6}, "13": {2, 6}, "14": {2, 6}, "15": {2, 6},
	"16": {2, 6}, "17": {2, 6}, "18": {2, 6}, "19": {2, 6}, "20": {2, 2},
	"31": {4, 6}, "32": {4, 6}, "33": {4, 6}, "34": {4, 6}, "35": {4, 6},
	"36": {4, 6}, "41": {3, 13},
}

// expandedPunct are the punctuation characters DataBar Expanded encodes
// (its ISO/IEC 646 encodation, ISO/IEC 24724:2011 7.2.5.5.3), in the order
// of their 8-bit values from 232; the parentheses, though encodable, mark
// the application identifiers here and are not accepted in data.
const expandedPunct = `!"%&'()*+,-./:;<=>?_ `

// parseElementString reads "(AI)data(AI)data…": each AI 2–4 digits, its
// data the characters DataBar Expanded encodes, predefined-length element
// strings of their length, a GTIN (01) with its check digit.
func parseElementString(s string) ([]gs1Element, error) {
	if s == "" || s[0] != '(' {
		return nil, errors.New("want (AI)data, starting with an application identifier in parentheses")
	}
	var elems []gs1Element
	for len(s) > 0 {
		end := strings.IndexByte(s, ')')
		if s[0] != '(' || end < 0 {
			return nil, fmt.Errorf("unbalanced parentheses at %q", s)
		}
		ai := s[1:end]
		if len(ai) < 2 || len(ai) > 4 || strings.Trim(ai, "0123456789") != "" {
			return nil, fmt.Errorf("application identifier %q is not 2–4 digits", ai)
		}
		s = s[end+1:]
		next := strings.IndexAny(s, "()")
		if next < 0 {
			next = len(s)
		}
		data := s[:next]
		s = s[next:]
		if data == "" {
			return nil, fmt.Errorf("AI (%s) has no data", ai)
		}
		for i := 0; i < len(data); i++ {
			c := data[i]
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || strings.IndexByte(expandedPunct, c) >= 0 && c != '(' && c != ')') {
				return nil, fmt.Errorf("AI (%s): %s not encodable", ai, describeByte(c))
			}
		}
		if l, ok := predefinedLength[ai[:2]]; ok {
			if len(ai) != l[0] || len(data) != l[1] || strings.Trim(data, "0123456789") != "" {
				return nil, fmt.Errorf("AIs starting %s have %d digits and %d digits of data, got (%s)%s", ai[:2], l[0], l[1], ai, data)
			}
		}
		if ai == "01" {
			if cd := gtinCheck(data); data[13] != cd {
				return nil, fmt.Errorf("AI (01) check digit %c, want %c", data[13], cd)
			}
		}
		elems = append(elems, gs1Element{ai, data})
	}
	return elems, nil
}

// describeByte names a byte of data in an error: the character if it is
// printable ASCII, else its value.
func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7F {
		return fmt.Sprintf("character %q", c)
	}
	return fmt.Sprintf("byte %#02x", c)
}

// fnc1 stands for FNC1 in a reduced element string.
const fnc1 = '\x1d'

// reduce concatenates the element strings as the symbol encodes them, an
// FNC1 after each one of variable length but the last.
func reduce(elems []gs1Element) string {
	var b strings.Builder
	for i, e := range elems {
		b.WriteString(e.ai)
		b.WriteString(e.data)
		if _, ok := predefinedLength[e.ai[:2]]; !ok && i < len(elems)-1 {
			b.WriteByte(fnc1)
		}
	}
	return b.String()
}

type bitString []byte

func (b *bitString) put(v, n int) {
	for i := n - 1; i >= 0; i-- {
		*b = append(*b, byte(v>>i&1))
	}
}

func atoi(s string) int {
	v, err := strconv.Atoi(s)
	if err != nil || strings.Trim(s, "0123456789") != "" {
		return -1
	}
	return v
}

// expandedDate is the 16-bit value of a YYMMDD date (ISO/IEC 24724:2011
// 7.2.5.4.4), -1 if it is no date.
func expandedDate(s string) int {
	yy, mm, dd := atoi(s[0:2]), atoi(s[2:4]), atoi(s[4:6])
	if yy < 0 || mm < 1 || mm > 12 || dd < 0 || dd > 31 {
		return -1
	}
	return yy*384 + (mm-1)*32 + dd
}

// Encodation methods of DataBar Expanded (ISO/IEC 24724:2011 Table 10).
const (
	methodGTIN       = iota // "1": (01) and any AIs
	methodGeneral           // "00": any AIs
	methodKg                // "0100": (01) and (3103), variable weight
	methodLb                // "0101": (01) and (3202) or (3203)
	methodPrice             // "01100": (01) and (392x)
	methodPriceISO          // "01101": (01) and (393x)
	methodWeightDate        // "0111000"–"0111111": (01), (310x)/(320x) and a date
)

const (
	expandedMaxBits  = 252 // 21 data characters
	expandedMinChars = 4   // symbol characters, the check character included
	expandedLinkFlag = 0   // no composite component
)

// expandedBits encodes a reduced element string (ISO/IEC 24724:2011
// 7.2.5): the linkage flag, the encodation method and its compressed data,
// the general-purpose field and padding, a multiple of 12 bits.
func expandedBits(r string) (bitString, error) {
	method := methodGeneral
	if len(r) >= 16 && r[:2] == "01" {
		method = methodGTIN
	}
	dateAI := 0 // the 11, 13, 15 or 17 of a weight-and-date method
	if method == methodGTIN && len(r) >= 20 && r[2] == '9' && r[16] == '3' {
		weight := -1
		if len(r) >= 26 {
			weight = atoi(r[20:26])
		}
		withDate := len(r) == 34 && r[26] == '1' && strings.IndexByte("1357", r[27]) >= 0 && expandedDate(r[28:34]) >= 0
		switch {
		case r[17] == '1' && r[18] == '0' && weight >= 0 && weight <= 99999: // (310x)
			if len(r) == 26 && r[19] == '3' && weight <= 32767 {
				method = methodKg
			} else if len(r) == 26 || withDate {
				method = methodWeightDate
			}
		case r[17] == '2' && r[18] == '0' && weight >= 0 && weight <= 99999: // (320x)
			if len(r) == 26 && (r[19] == '2' && weight <= 9999 || r[19] == '3' && weight <= 22767) {
				method = methodLb
			} else if len(r) == 26 || withDate {
				method = methodWeightDate
			}
		case r[17] == '9' && r[19] >= '0' && r[19] <= '3' && r[18] == '2': // (392x)
			method = methodPrice
		case r[17] == '9' && r[19] >= '0' && r[19] <= '3' && r[18] == '3' && len(r) >= 23 && atoi(r[20:23]) >= 0: // (393x)
			method = methodPriceISO
		}
		if method == methodWeightDate && withDate {
			dateAI = int(r[27] - '0')
		}
	}

	var b bitString
	b.put(expandedLinkFlag, 1)
	variableAt := -1   // where the two bits of the symbol's length go, set at the end
	gtin12 := func() { // the 12 digits after the indicator, check digit dropped
		for i := 3; i < 15; i += 3 {
			b.put(atoi(r[i:i+3]), 10)
		}
	}
	rest := ""
	switch method {
	case methodGTIN:
		b.put(1, 1)
		variableAt = len(b)
		b.put(0, 2)
		b.put(int(r[2]-'0'), 4)
		gtin12()
		rest = r[16:]
	case methodGeneral:
		b.put(0, 2)
		variableAt = len(b)
		b.put(0, 2)
		rest = r
	case methodKg, methodLb:
		b.put(4+method-methodKg, 4)
		gtin12()
		w := atoi(r[20:26])
		if method == methodLb && r[19] == '3' {
			w += 10000
		}
		b.put(w, 15)
	case methodPrice, methodPriceISO:
		b.put(0x0C+method-methodPrice, 5)
		variableAt = len(b)
		b.put(0, 2)
		gtin12()
		b.put(int(r[19]-'0'), 2)
		rest = r[20:]
		if method == methodPriceISO {
			b.put(atoi(r[20:23]), 10)
			rest = r[23:]
		}
	case methodWeightDate:
		code := 0 // 0111000 + (date AI 11, 13, 15, 17 → 0–3) × 2 + pounds
		if dateAI != 0 {
			code = (dateAI - 1) / 2 * 2
		}
		if r[17] == '2' {
			code++
		}
		b.put(0x38+code, 7)
		gtin12()
		b.put(atoi(r[19:20]+r[21:26]), 20)
		date := 38400 // no date
		if dateAI != 0 {
			date = expandedDate(r[28:34])
		}
		b.put(date, 16)
	}

	mode, last, err := generalField(&b, rest)
	if err != nil {
		return nil, err
	}
	chars := func() (int, int) { // symbol characters, bits left in the last data character
		n := max((len(b)+11)/12+1, expandedMinChars)
		return n, 12*(n-1) - len(b)
	}
	n, left := chars()
	if last != 0 {
		// An odd digit at the end (7.2.5.5.1 c): four bits if they fill the
		// last character, else paired with FNC1 as a numeric pair.
		if left >= 4 && left <= 6 {
			b.put(int(last-'0')+1, 4)
		} else {
			b.put(11*int(last-'0')+10+8, 7)
		}
		n, left = chars()
	}
	if len(b) > expandedMaxBits {
		return nil, fmt.Errorf("data needs %d bits, more than the %d of 21 data characters", len(b), expandedMaxBits)
	}
	// Padding (7.2.5.5.4): from numeric, a latch to alphanumeric first, then
	// alphanumeric's latch to ISO/IEC 646 repeated, cut to fit.
	var pad bitString
	if mode == numericMode {
		pad.put(0, 4)
	}
	for len(pad) < left {
		pad.put(0b00100, 5)
	}
	b = append(b, pad[:left]...)
	if variableAt >= 0 {
		b[variableAt] = byte(n % 2)
		if n > 14 {
			b[variableAt+1] = 1
		}
	}
	return b, nil
}

// Modes of the general-purpose field.
const (
	numericMode = iota
	alphaMode
	isoMode
)

// charMode is the least mode that encodes c: numeric for digits and FNC1,
// alphanumeric for A–Z and * , - . /, ISO/IEC 646 for the rest of what
// DataBar Expanded encodes; -1 otherwise.
func charMode(c byte) int {
	switch {
	case c >= '0' && c <= '9' || c == fnc1:
		return numericMode
	case c >= 'A' && c <= 'Z' || strings.IndexByte("*,-./", c) >= 0:
		return alphaMode
	case c >= 'a' && c <= 'z' || strings.IndexByte(expandedPunct, c) >= 0:
		return isoMode
	}
	return -1
}

// allOf reports whether the n characters from s[i] are there and each of a
// mode at most m.
func allOf(s string, i, n, m int) bool {
	if i+n > len(s) {
		return false
	}
	for j := i; j < i+n; j++ {
		if charMode(s[j]) > m {
			return false
		}
	}
	return true
}

// generalField encodes s in the general-purpose data compaction field
// (ISO/IEC 24724:2011 7.2.5.5.1–7.2.5.5.3), with the spec's rules for
// latching between the numeric, alphanumeric and ISO/IEC 646 modes. It
// returns the mode at the end and an odd last digit not yet encoded.
func generalField(b *bitString, s string) (mode int, last byte, err error) {
	digit := func(c byte) int {
		if c == fnc1 {
			return 10
		}
		return int(c - '0')
	}
	for i := 0; i < len(s); {
		c := s[i]
		cm := charMode(c)
		if cm < 0 {
			return 0, 0, fmt.Errorf("%s not encodable", describeByte(c))
		}
		switch mode {
		case numericMode:
			switch {
			case i+1 < len(s) && cm == numericMode && charMode(s[i+1]) == numericMode:
				b.put(11*digit(c)+digit(s[i+1])+8, 7)
				i += 2
			case i+1 == len(s) && cm == numericMode:
				last = c
				i++
			default:
				b.put(0b0000, 4) // latch to alphanumeric
				mode = alphaMode
			}
		case alphaMode:
			switch {
			case c == fnc1:
				b.put(0b01111, 5) // FNC1, back to numeric
				mode = numericMode
				i++
			case cm == isoMode:
				b.put(0b00100, 5) // latch to ISO/IEC 646
				mode = isoMode
			case allOf(s, i, 6, numericMode) || len(s)-i >= 4 && len(s)-i <= 5 && allOf(s, i, len(s)-i, numericMode):
				b.put(0b000, 3) // latch to numeric
				mode = numericMode
			case c >= '0' && c <= '9':
				b.put(int(c)-43, 5)
			case c >= 'A' && c <= 'Z':
				b.put(int(c)-33, 6)
			default:
				b.put(58+strings.IndexByte("*,-./", c), 6)
			}
			if mode == alphaMode {
				i++
			}
		case isoMode:
			if c == fnc1 {
				b.put(0b01111, 5)
				mode = numericMode
				i++
				continue
			}
			// Latch down only if no ISO/IEC 646 character follows soon.
			noISO := true
			for j := i; j < min(i+10, len(s)); j++ {
				if charMode(s[j]) == isoMode {
					noISO = false
				}
			}
			switch {
			case noISO && allOf(s, i, 4, numericMode):
				b.put(0b000, 3)
				mode = numericMode
			case noISO && allOf(s, i, 5, alphaMode):
				b.put(0b00100, 5)
				mode = alphaMode
			case c >= '0' && c <= '9':
				b.put(int(c)-43, 5)
			case c >= 'A' && c <= 'Z':
				b.put(int(c)-1, 7)
			case c >= 'a' && c <= 'z':
				b.put(int(c)-7, 7)
			default:
				b.put(232+strings.IndexByte(expandedPunct, c), 8)
			}
			if mode == isoMode {
				i++
			}
		}
	}
	return mode, last, nil
}
