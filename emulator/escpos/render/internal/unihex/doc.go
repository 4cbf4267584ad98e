// Package unihex reads GNU Unifont's .hex glyph format and reads and writes
// the compact binary subset that package render embeds.
//
// # The .hex format
//
// One glyph a line: "XXXX:HEX", the code point in hexadecimal, a colon and
// the bitmap: 32 hex digits for an 8×16 glyph or 64 for a 16×16 glyph, rows
// top to bottom, most significant bit leftmost.
//
// # The binary subset
//
// The magic "UFNT", a version byte (1), the glyph count as a little-endian
// uint32, then per glyph in ascending code point order: the code point as a
// little-endian uint32, the width in dots (8 or 16) as one byte, and 16 rows
// of width/8 bytes. The file is stored gzip-compressed.
package unihex
