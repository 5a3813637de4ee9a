package imagecheck

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"io"
)

// Reduced is an image decoded at a fraction of its size, for an engine that
// would scale it down anyway: Factor input pixels per side make one of
// Image's (box-averaged), so positions found on Image are multiplied by
// Factor to be positions in the caller's image.
type Reduced struct {
	image.Image
	Factor int
}

// ReduceOver makes Check decode a PNG whose decoded size (Header.Cost)
// exceeds over bytes straight to a reduced image whose long side is at
// most maxSide: rows are inflated, unfiltered and averaged one at a time,
// so only two rows and the reduced image are ever in memory instead of
// the whole bitmap, and only that is taken from the decode budget. The
// result is a *Reduced. PNGs it cannot stream (interlaced, under 8 bits
// per sample) decode whole.
func ReduceOver(over int64, maxSide int) Option {
	return func(o *options) { o.reduceOver, o.reduceSide = over, maxSide }
}

// errNotStreamable: decode the whole image instead.
var errNotStreamable = errors.New("png: not streamable")

// pngStream is what reducePNG needs of a PNG's header chunks.
type pngStream struct {
	w, h      int
	depth     int // bits per sample: 8 or 16
	colorType byte
	palette   [][4]uint8
	trns      []byte
	idat      [][]byte // the IDAT chunks' data, in order (slices of the input)
}

const pngSig = "\x89PNG\r\n\x1a\n"

func parsePNG(data []byte) (*pngStream, error) {
	if !bytes.HasPrefix(data, []byte(pngSig)) {
		return nil, errors.New("png: bad signature")
	}
	p := &pngStream{}
	rest := data[len(pngSig):]
	seenIHDR := false
	for len(rest) >= 12 {
		n := binary.BigEndian.Uint32(rest)
		if uint64(n) > uint64(len(rest)-12) {
			return nil, errors.New("png: chunk runs past the end")
		}
		typ, body := string(rest[4:8]), rest[8:8+n]
		if crc32.ChecksumIEEE(rest[4:8+n]) != binary.BigEndian.Uint32(rest[8+n:]) {
			return nil, fmt.Errorf("png: %s chunk checksum mismatch", typ)
		}
		rest = rest[12+n:]
		switch typ {
		case "IHDR":
			if n != 13 {
				return nil, errors.New("png: bad IHDR")
			}
			p.w, p.h = int(binary.BigEndian.Uint32(body)), int(binary.BigEndian.Uint32(body[4:]))
			p.depth, p.colorType = int(body[8]), body[9]
			if body[12] != 0 || (p.depth != 8 && p.depth != 16) || (p.colorType == 3 && p.depth != 8) {
				return nil, errNotStreamable
			}
			switch p.colorType {
			case 0, 2, 3, 4, 6:
			default:
				return nil, errors.New("png: bad colour type")
			}
			seenIHDR = true
		case "PLTE":
			for i := 0; i+2 < len(body); i += 3 {
				p.palette = append(p.palette, [4]uint8{body[i], body[i+1], body[i+2], 255})
			}
		case "tRNS":
			p.trns = body
		case "IDAT":
			p.idat = append(p.idat, body)
		case "IEND":
			if !seenIHDR || len(p.idat) == 0 {
				return nil, errors.New("png: no image data")
			}
			for i, a := range p.trns {
				if p.colorType == 3 && i < len(p.palette) {
					p.palette[i][3] = a
				}
			}
			return p, nil
		}
	}
	return nil, errors.New("png: no IEND")
}

// channels per pixel of a colour type.
func (p *pngStream) channels() int {
	switch p.colorType {
	case 0, 3:
		return 1
	case 4:
		return 2
	case 2:
		return 3
	}
	return 4
}

// reducePNG decodes data to a *Reduced of factor f (≥ 2) as an NRGBA
// image, box-averaging f×f blocks (the last row and column of blocks may
// be partial).
func reducePNG(data []byte, f int) (*Reduced, error) {
	p, err := parsePNG(data)
	if err != nil {
		return nil, err
	}
	return p.reduce(f)
}

func (p *pngStream) reduce(f int) (*Reduced, error) {
	zr, err := zlib.NewReader(io.MultiReader(chunkReaders(p.idat)...))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	r := bufio.NewReaderSize(zr, 64<<10)
	bpp := p.channels() * p.depth / 8 // bytes per pixel
	rowLen := p.w * bpp
	cur, prev := make([]byte, rowLen+1), make([]byte, rowLen+1)
	ow, oh := (p.w+f-1)/f, (p.h+f-1)/f
	out := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	acc := make([]uint32, ow*4)
	px := make([]uint8, 4)
	for y := 0; y < p.h; y++ {
		if _, err := io.ReadFull(r, cur); err != nil {
			return nil, fmt.Errorf("png: row %d: %w", y, err)
		}
		if err := unfilter(cur[0], cur[1:], prev[1:], bpp); err != nil {
			return nil, err
		}
		row := cur[1:]
		if (p.colorType == 6 || p.colorType == 2 && len(p.trns) == 0) && p.depth == 8 {
			// The common cases (RGBA, opaque RGB), without a call per pixel.
			for x, ox := 0, 0; x < p.w; ox++ {
				a := acc[ox*4 : ox*4+4 : ox*4+4]
				end := min(x+f, p.w)
				if bpp == 4 {
					for ; x < end; x++ {
						q := row[x*4 : x*4+4 : x*4+4]
						a[0] += uint32(q[0])
						a[1] += uint32(q[1])
						a[2] += uint32(q[2])
						a[3] += uint32(q[3])
					}
				} else {
					for ; x < end; x++ {
						q := row[x*3 : x*3+3 : x*3+3]
						a[0] += uint32(q[0])
						a[1] += uint32(q[1])
						a[2] += uint32(q[2])
						a[3] += 255
					}
				}
			}
		} else {
			for x := 0; x < p.w; x++ {
				p.pixel(row[x*bpp:x*bpp+bpp], px)
				a := acc[(x/f)*4:]
				a[0] += uint32(px[0])
				a[1] += uint32(px[1])
				a[2] += uint32(px[2])
				a[3] += uint32(px[3])
			}
		}
		if (y+1)%f == 0 || y == p.h-1 {
			rows := (y % f) + 1
			oy := y / f
			dst := out.Pix[oy*out.Stride:]
			for ox := 0; ox < ow; ox++ {
				cols := min(f, p.w-ox*f)
				n := uint32(rows * cols)
				for c := 0; c < 4; c++ {
					dst[ox*4+c] = uint8((acc[ox*4+c] + n/2) / n)
				}
			}
			clear(acc)
		}
		cur, prev = prev, cur
	}
	return &Reduced{Image: out, Factor: f}, nil
}

func chunkReaders(parts [][]byte) []io.Reader {
	rs := make([]io.Reader, len(parts))
	for i, b := range parts {
		rs[i] = bytes.NewReader(b)
	}
	return rs
}

// pixel converts one stored pixel to 8-bit non-premultiplied RGBA (16-bit
// samples keep their high byte, as Go's 16→8 conversion does).
func (p *pngStream) pixel(s []byte, px []uint8) {
	step := p.depth / 8
	at := func(i int) uint8 { return s[i*step] }
	switch p.colorType {
	case 0:
		g := at(0)
		px[0], px[1], px[2], px[3] = g, g, g, 255
		if len(p.trns) >= 2 && p.depth == 8 && g == p.trns[1] {
			px[3] = 0
		}
	case 2:
		px[0], px[1], px[2], px[3] = at(0), at(1), at(2), 255
		if len(p.trns) >= 6 && p.depth == 8 && s[0] == p.trns[1] && s[1] == p.trns[3] && s[2] == p.trns[5] {
			px[3] = 0
		}
	case 3:
		if int(s[0]) < len(p.palette) {
			c := p.palette[s[0]]
			px[0], px[1], px[2], px[3] = c[0], c[1], c[2], c[3]
		} else {
			px[0], px[1], px[2], px[3] = 0, 0, 0, 255
		}
	case 4:
		g := at(0)
		px[0], px[1], px[2], px[3] = g, g, g, at(1)
	case 6:
		px[0], px[1], px[2], px[3] = at(0), at(1), at(2), at(3)
	}
}

// unfilter reverses a row's PNG filter in place (PNG spec, section 9).
func unfilter(ft byte, cur, prev []byte, bpp int) error {
	switch ft {
	case 0:
	case 1:
		for i := bpp; i < len(cur); i++ {
			cur[i] += cur[i-bpp]
		}
	case 2:
		for i := range cur {
			cur[i] += prev[i]
		}
	case 3:
		for i := range cur {
			var left byte
			if i >= bpp {
				left = cur[i-bpp]
			}
			cur[i] += uint8((int(left) + int(prev[i])) / 2)
		}
	case 4:
		for i := range cur {
			var a, c int
			if i >= bpp {
				a, c = int(cur[i-bpp]), int(prev[i-bpp])
			}
			b := int(prev[i])
			pa, pb, pc := abs(b-c), abs(a-c), abs(a+b-2*c)
			switch {
			case pa <= pb && pa <= pc:
				cur[i] += uint8(a)
			case pb <= pc:
				cur[i] += uint8(b)
			default:
				cur[i] += uint8(c)
			}
		}
	default:
		return fmt.Errorf("png: bad filter type %d", ft)
	}
	return nil
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
