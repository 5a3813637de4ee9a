package imagechecktest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"math/bits"
)

// A lossless WebP (VP8L) writer, after the WebP Lossless Bitstream
// Specification (RFC 9649). It spends no effort on compression: no
// transforms, no colour cache, no backward references, and every literal
// prefix code gives all 256 values an 8-bit code, so each pixel is 32 bits.
// That is a valid bitstream any decoder reads back exactly.

// bitWriter writes VP8L's LSB-first bit stream.
type bitWriter struct {
	buf   []byte
	acc   uint64
	nbits uint
}

func (w *bitWriter) write(v uint64, n uint) {
	w.acc |= v << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.nbits > 0 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc, w.nbits = 0, 0
	}
	return w.buf
}

// flatCode writes a "normal" prefix code of alphabetSize symbols in which
// symbols 0–255 have length 8 and any others length 0. The code lengths are
// themselves coded with a two-symbol code-length code: "0" and "8", one bit
// each.
func (w *bitWriter) flatCode(alphabetSize int) {
	w.write(0, 1) // normal, not simple
	// Code-length code lengths, in the specification's order
	// 17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8: length 8 is the 12th.
	const n = 12
	w.write(n-4, 4)
	for i := 0; i < n; i++ {
		l := uint64(0)
		if i == 2 || i == 11 { // the code lengths 0 and 8
			l = 1
		}
		w.write(l, 3)
	}
	w.write(0, 1) // max_symbol: the whole alphabet
	for s := 0; s < alphabetSize; s++ {
		// Canonical codes: length 0 is "0", length 8 is "1".
		if s < 256 {
			w.write(1, 1)
		} else {
			w.write(0, 1)
		}
	}
}

// literal writes symbol v of a flat code: canonical codes of equal length
// are the symbols themselves, sent most significant bit first.
func (w *bitWriter) literal(v uint8) { w.write(uint64(bits.Reverse8(v)), 8) }

// vp8l encodes img's pixels as a VP8L bitstream (without the chunk header).
func vp8l(img image.Image) []byte {
	b := img.Bounds()
	var w bitWriter
	w.write(0x2f, 8) // signature
	w.write(uint64(b.Dx()-1), 14)
	w.write(uint64(b.Dy()-1), 14)
	alpha := uint64(0)
	if !opaque(img) {
		alpha = 1
	}
	w.write(alpha, 1)
	w.write(0, 3)        // version
	w.write(0, 1)        // no transform
	w.write(0, 1)        // no colour cache
	w.write(0, 1)        // no meta prefix codes: one group for the whole image
	w.flatCode(256 + 24) // green and length prefixes
	w.flatCode(256)      // red
	w.flatCode(256)      // blue
	w.flatCode(256)      // alpha
	// Distance: a simple code of the one symbol 0 (never used).
	w.write(1, 1) // simple
	w.write(0, 1) // one symbol
	w.write(0, 1) // of 1 bit
	w.write(0, 1) // symbol 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			w.literal(c.G)
			w.literal(c.R)
			w.literal(c.B)
			w.literal(c.A)
		}
	}
	return w.bytes()
}

func riffChunk(out *bytes.Buffer, fourCC string, data []byte) {
	out.WriteString(fourCC)
	binary.Write(out, binary.LittleEndian, uint32(len(data)))
	out.Write(data)
	if len(data)%2 == 1 {
		out.WriteByte(0)
	}
}

func riff(chunks []byte) []byte {
	var out bytes.Buffer
	out.WriteString("RIFF")
	binary.Write(&out, binary.LittleEndian, uint32(4+len(chunks)))
	out.WriteString("WEBP")
	out.Write(chunks)
	return out.Bytes()
}

// WebP encodes img as a lossless extended WebP file whose EXIF chunk holds
// orientation o: a VP8X header announcing the EXIF (and alpha, when img is
// not opaque), the VP8L image, then the EXIF chunk.
func WebP(img image.Image, o uint16) []byte {
	b := img.Bounds()
	var chunks bytes.Buffer
	vp8x := make([]byte, 10)
	vp8x[0] = 1 << 3 // EXIF metadata
	if !opaque(img) {
		vp8x[0] |= 1 << 4 // alpha
	}
	put24 := func(p []byte, v int) { p[0], p[1], p[2] = byte(v), byte(v>>8), byte(v>>16) }
	put24(vp8x[4:], b.Dx()-1)
	put24(vp8x[7:], b.Dy()-1)
	riffChunk(&chunks, "VP8X", vp8x)
	riffChunk(&chunks, "VP8L", vp8l(img))
	riffChunk(&chunks, "EXIF", EXIF(o, false))
	return riff(chunks.Bytes())
}

// SolidWebP is a simple-format lossless WebP of one colour: every prefix
// code is a one-symbol "simple code", so the pixels take no bits at all
// and a few bytes declare up to 16384×16384 pixels.
func SolidWebP(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.write(0x2f, 8) // VP8L signature
	bw.write(uint64(w-1), 14)
	bw.write(uint64(h-1), 14)
	bw.write(0, 1) // alpha not used
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	for _, sym := range []byte{c.G, c.R, c.B, c.A, 0} {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // 8-bit symbol
		bw.write(uint64(sym), 8)
	}
	var chunks bytes.Buffer
	riffChunk(&chunks, "VP8L", bw.bytes())
	return riff(chunks.Bytes())
}
