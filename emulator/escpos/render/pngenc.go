package render

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"io"
	"sync"
)

// encode1bit writes a one-byte-a-dot canvas (0 paper, 1 ink) as a PNG of
// bit depth 1, colour type 3 (paletted: white, black). It packs eight dots a
// byte itself, which is where image/png spends most of its time for such
// pictures, and compresses with zlib at BestSpeed, unfiltered.
func encode1bit(w io.Writer, c *canvas) error {
	st := encPool.Get().(*encState)
	defer encPool.Put(st)

	stride := (c.w + 7) / 8
	need := (stride + 1) * c.h
	if cap(st.raw) < need {
		st.raw = make([]byte, need)
	}
	raw := st.raw[:need]
	for y := 0; y < c.h; y++ {
		out := raw[y*(stride+1) : (y+1)*(stride+1)]
		out[0] = 0 // filter: none
		packRow(out[1:], c.pix[y*c.w:(y+1)*c.w])
	}

	st.idat.Reset()
	if st.zw == nil {
		st.zw, _ = zlib.NewWriterLevel(&st.idat, zlib.BestSpeed)
	} else {
		st.zw.Reset(&st.idat)
	}
	if _, err := st.zw.Write(raw); err != nil {
		return err
	}
	if err := st.zw.Close(); err != nil {
		return err
	}

	out := st.out[:0]
	out = append(out, "\x89PNG\r\n\x1a\n"...)
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(c.w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(c.h))
	ihdr[8] = 1 // bit depth
	ihdr[9] = 3 // colour type: paletted
	out = appendChunk(out, "IHDR", ihdr[:])
	out = appendChunk(out, "PLTE", []byte{0xFF, 0xFF, 0xFF, 0, 0, 0})
	out = appendChunk(out, "IDAT", st.idat.Bytes())
	out = appendChunk(out, "IEND", nil)
	st.out = out
	_, err := w.Write(out)
	return err
}

// packRow packs one byte a dot (0 or 1) into bits, most significant first.
func packRow(dst, dots []byte) {
	n := len(dots) / 8
	for i := 0; i < n; i++ {
		d := dots[i*8 : i*8+8 : i*8+8]
		dst[i] = d[0]<<7 | d[1]<<6 | d[2]<<5 | d[3]<<4 | d[4]<<3 | d[5]<<2 | d[6]<<1 | d[7]
	}
	if rest := dots[n*8:]; len(rest) > 0 {
		var b byte
		for i, d := range rest {
			b |= d << (7 - i)
		}
		dst[n] = b
	}
}

func appendChunk(out []byte, typ string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	start := len(out)
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}

type encState struct {
	raw  []byte
	idat bytes.Buffer
	out  []byte
	zw   *zlib.Writer
}

var encPool = sync.Pool{New: func() any { return new(encState) }}
