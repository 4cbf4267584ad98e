package escposcmd

// Block responses (Header … NUL) that a printer sends for GS ( H and
// DLE DC4 fn: 37 <id> … 00.
const (
	BlockHeaderResponse byte = 0x37 // GS ( H, DLE DC4 7/8 answers
	BlockIDProcess      byte = 0x22 // GS ( H fn 48: 37 22 d1…d4 00
	BlockIDClearBuffers byte = 0x25 // DLE DC4 8: 37 25 00
)

// ClearBuffers is DLE DC4 fn=8 with its fixed parameters: clear the
// receive and print buffers, executed even in the middle of another
// command; the printer answers 37 25 00.
var ClearBuffers = [...]byte{DLE, DC4, 8, 1, 3, 20, 1, 6, 2, 8}

// AppendProcessID appends GS ( H fn 48 with the process ID id (four
// characters of 32–126): the printer answers 37 22 id 00 once everything
// before it has printed.
func AppendProcessID(b []byte, id [4]byte) []byte {
	b = append(b, GS, GsParen, GsParenProcessID, 6, 0, 48, 48)
	return append(b, id[:]...)
}
