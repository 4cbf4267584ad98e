// Command fontgen extracts the subset of GNU Unifont that package render
// embeds, from a Unifont .hex file (Debian: apt-get install unifont), and
// writes it in the compact format of package unihex.
//
// # Usage
//
// Run by go generate in package render:
//
//	go run ./internal/fontgen -hex /usr/share/unifont/unifont.hex -o fontdata/unifont.bin.gz
//
// # Subset
//
// ASCII and Latin-1, Latin Extended-A, Greek, Cyrillic, general
// punctuation, currency symbols, letterlike symbols and arrows, box drawing
// and block elements, geometric shapes, CJK symbols and punctuation, CJK
// Unified Ideographs U+4E00–U+9FFF, halfwidth and fullwidth forms, and the
// replacement character.
package main
