package pipeline

import (
	"encoding/binary"
	"errors"
	"image"
)

// A baseline JPEG decoder whose inverse DCT is libjpeg's default "islow"
// integer transform, bit for bit. The reference decodes through libjpeg;
// Go's image/jpeg uses a different IDCT that lands up to 3 grey levels
// away, which is enough to change a borderline character after the
// detector upscales a small image several times. Progressive, arithmetic
// coded, CMYK and unusual subsampling layouts return errJPEGUnsupported and
// the caller falls back to image/jpeg.

var errJPEGUnsupported = errors.New("jpeg: layout not handled by the libjpeg-exact decoder")

type jpegComp struct {
	id, h, v, tq int
	bw, bh       int // plane size in blocks
	plane        []uint8
	pred         int
	dc, ac       int
}

type huff struct {
	// lookup by (length, code): codes of each length start at minCode.
	minCode, maxCode [17]int32
	valPtr           [17]int32
	vals             []uint8
}

type jpegDec struct {
	data       []byte
	pos        int
	bits       uint32
	nbits      int
	marker     bool // hit a marker inside entropy data
	q          [4][64]int32
	dcT, acT   [4]*huff
	comps      []*jpegComp
	w, h       int
	hmax, vmax int
	restart    int
	adobe      bool
	transform  int
}

var zigzag = [64]int{
	0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
}

// decodeJPEGExact decodes baseline JPEGs to *image.Gray or *image.YCbCr.
func decodeJPEGExact(data []byte) (image.Image, error) {
	d := &jpegDec{data: data}
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, errors.New("jpeg: missing SOI")
	}
	d.pos = 2
	for {
		for d.pos < len(data) && data[d.pos] != 0xFF {
			d.pos++
		}
		for d.pos < len(data) && data[d.pos] == 0xFF {
			d.pos++
		}
		if d.pos >= len(data) {
			return nil, errors.New("jpeg: unexpected end")
		}
		m := data[d.pos]
		d.pos++
		if m == 0xD9 {
			break
		}
		if m >= 0xD0 && m <= 0xD7 || m == 0x01 {
			continue
		}
		if d.pos+2 > len(data) {
			return nil, errors.New("jpeg: truncated segment")
		}
		n := int(binary.BigEndian.Uint16(data[d.pos:]))
		if n < 2 || d.pos+n > len(data) {
			return nil, errors.New("jpeg: bad segment length")
		}
		seg := data[d.pos+2 : d.pos+n]
		d.pos += n
		var err error
		switch m {
		case 0xC0, 0xC1:
			err = d.sof(seg)
		case 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF:
			return nil, errJPEGUnsupported
		case 0xC4:
			err = d.dht(seg)
		case 0xDB:
			err = d.dqt(seg)
		case 0xDD:
			if len(seg) < 2 {
				return nil, errors.New("jpeg: bad DRI")
			}
			d.restart = int(binary.BigEndian.Uint16(seg))
		case 0xEE:
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
				d.adobe, d.transform = true, int(seg[11])
			}
		case 0xDA:
			err = d.scan(seg)
		}
		if err != nil {
			return nil, err
		}
	}
	return d.image()
}

func (d *jpegDec) sof(s []byte) error {
	if len(s) < 6 || s[0] != 8 {
		return errJPEGUnsupported
	}
	d.h = int(binary.BigEndian.Uint16(s[1:]))
	d.w = int(binary.BigEndian.Uint16(s[3:]))
	n := int(s[5])
	if d.w == 0 || d.h == 0 || (n != 1 && n != 3) || len(s) < 6+3*n {
		return errJPEGUnsupported
	}
	for i := 0; i < n; i++ {
		c := &jpegComp{id: int(s[6+3*i]), h: int(s[7+3*i] >> 4), v: int(s[7+3*i] & 15), tq: int(s[8+3*i] & 3)}
		if c.h < 1 || c.v < 1 || c.h > 2 || c.v > 2 {
			return errJPEGUnsupported
		}
		d.hmax, d.vmax = max(d.hmax, c.h), max(d.vmax, c.v)
		d.comps = append(d.comps, c)
	}
	if n == 1 {
		// A lone component is never interleaved: one block per MCU.
		d.comps[0].h, d.comps[0].v, d.hmax, d.vmax = 1, 1, 1, 1
	}
	mx := (d.w + 8*d.hmax - 1) / (8 * d.hmax)
	my := (d.h + 8*d.vmax - 1) / (8 * d.vmax)
	for _, c := range d.comps {
		c.bw, c.bh = mx*c.h, my*c.v
		c.plane = make([]uint8, c.bw*8*c.bh*8)
	}
	return nil
}

func (d *jpegDec) dqt(s []byte) error {
	for len(s) > 0 {
		p, t := s[0]>>4, s[0]&3
		s = s[1:]
		for i := 0; i < 64; i++ {
			if p == 0 {
				if len(s) < 1 {
					return errors.New("jpeg: short DQT")
				}
				d.q[t][zigzag[i]] = int32(s[0])
				s = s[1:]
			} else {
				if len(s) < 2 {
					return errors.New("jpeg: short DQT")
				}
				d.q[t][zigzag[i]] = int32(binary.BigEndian.Uint16(s))
				s = s[2:]
			}
		}
	}
	return nil
}

func (d *jpegDec) dht(s []byte) error {
	for len(s) > 0 {
		if len(s) < 17 {
			return errors.New("jpeg: short DHT")
		}
		class, id := s[0]>>4, s[0]&3
		h := &huff{}
		total := 0
		var counts [17]int
		for l := 1; l <= 16; l++ {
			counts[l] = int(s[l])
			total += counts[l]
		}
		if len(s) < 17+total {
			return errors.New("jpeg: short DHT")
		}
		h.vals = append([]uint8(nil), s[17:17+total]...)
		code, k := int32(0), int32(0)
		for l := 1; l <= 16; l++ {
			h.valPtr[l] = k
			h.minCode[l] = code
			code += int32(counts[l])
			k += int32(counts[l])
			if counts[l] > 0 {
				h.maxCode[l] = code - 1
			} else {
				h.maxCode[l] = -1
			}
			code <<= 1
		}
		if class == 0 {
			d.dcT[id] = h
		} else {
			d.acT[id] = h
		}
		s = s[17+total:]
	}
	return nil
}

func (d *jpegDec) bit() (int32, error) {
	if d.nbits == 0 {
		var b byte
		if d.marker || d.pos >= len(d.data) {
			// Past the data libjpeg feeds zeros.
			b = 0
		} else {
			b = d.data[d.pos]
			d.pos++
			if b == 0xFF {
				if d.pos < len(d.data) && d.data[d.pos] == 0x00 {
					d.pos++
				} else {
					d.marker = true
					d.pos--
					b = 0
				}
			}
		}
		d.bits, d.nbits = uint32(b), 8
	}
	d.nbits--
	return int32(d.bits>>d.nbits) & 1, nil
}

func (d *jpegDec) receive(n int) int32 {
	var v int32
	for i := 0; i < n; i++ {
		b, _ := d.bit()
		v = v<<1 | b
	}
	return v
}

func extend(v int32, n int) int32 {
	if n == 0 {
		return 0
	}
	if v < 1<<(n-1) {
		return v - (1 << n) + 1
	}
	return v
}

func (d *jpegDec) decodeHuff(h *huff) (int, error) {
	if h == nil {
		return 0, errors.New("jpeg: missing Huffman table")
	}
	var code int32
	for l := 1; l <= 16; l++ {
		b, _ := d.bit()
		code = code<<1 | b
		if h.maxCode[l] >= 0 && code <= h.maxCode[l] && code >= h.minCode[l] {
			return int(h.vals[h.valPtr[l]+code-h.minCode[l]]), nil
		}
	}
	return 0, errors.New("jpeg: bad Huffman code")
}

func (d *jpegDec) scan(s []byte) error {
	if len(d.comps) == 0 || len(s) < 1 {
		return errors.New("jpeg: scan before frame")
	}
	ns := int(s[0])
	if len(s) < 1+2*ns+3 {
		return errors.New("jpeg: short SOS")
	}
	var sc []*jpegComp
	for i := 0; i < ns; i++ {
		id := int(s[1+2*i])
		var c *jpegComp
		for _, x := range d.comps {
			if x.id == id {
				c = x
			}
		}
		if c == nil {
			return errors.New("jpeg: scan names unknown component")
		}
		c.dc, c.ac = int(s[2+2*i]>>4), int(s[2+2*i]&3)
		sc = append(sc, c)
	}
	for _, c := range sc {
		c.pred = 0
	}
	d.bits, d.nbits, d.marker = 0, 0, false
	var blk [64]int32
	decodeBlock := func(c *jpegComp, bx, by int) error {
		for i := range blk {
			blk[i] = 0
		}
		t, err := d.decodeHuff(d.dcT[c.dc])
		if err != nil {
			return err
		}
		c.pred += int(extend(d.receive(t), t))
		blk[0] = int32(c.pred)
		for k := 1; k < 64; {
			rs, err := d.decodeHuff(d.acT[c.ac])
			if err != nil {
				return err
			}
			r, sz := rs>>4, rs&15
			if sz == 0 {
				if r != 15 {
					break
				}
				k += 16
				continue
			}
			k += r
			if k > 63 {
				return errors.New("jpeg: bad AC run")
			}
			blk[zigzag[k]] = extend(d.receive(sz), sz)
			k++
		}
		stride := c.bw * 8
		idctISlow(&blk, &d.q[c.tq], c.plane[by*8*stride+bx*8:], stride)
		return nil
	}
	var mcusX, mcusY int
	if ns == 1 {
		c := sc[0]
		mcusX = (d.w*c.h/d.hmax + 7) / 8
		if d.w*c.h%d.hmax != 0 {
			mcusX = ((d.w*c.h+d.hmax-1)/d.hmax + 7) / 8
		}
		mcusY = ((d.h*c.v+d.vmax-1)/d.vmax + 7) / 8
	} else {
		mcusX = (d.w + 8*d.hmax - 1) / (8 * d.hmax)
		mcusY = (d.h + 8*d.vmax - 1) / (8 * d.vmax)
	}
	n := 0
	for my := 0; my < mcusY; my++ {
		for mx := 0; mx < mcusX; mx++ {
			if d.restart > 0 && n > 0 && n%d.restart == 0 {
				d.resync()
				for _, c := range sc {
					c.pred = 0
				}
			}
			n++
			if ns == 1 {
				if err := decodeBlock(sc[0], mx, my); err != nil {
					return err
				}
				continue
			}
			for _, c := range sc {
				for v := 0; v < c.v; v++ {
					for h := 0; h < c.h; h++ {
						if err := decodeBlock(c, mx*c.h+h, my*c.v+v); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	// Leave pos at the next marker for the segment loop.
	if d.marker {
		return nil
	}
	return nil
}

// resync drops buffered bits and skips the RSTn marker.
func (d *jpegDec) resync() {
	d.bits, d.nbits = 0, 0
	for d.pos+1 < len(d.data) {
		if d.data[d.pos] == 0xFF && d.data[d.pos+1] >= 0xD0 && d.data[d.pos+1] <= 0xD7 {
			d.pos += 2
			break
		}
		d.pos++
	}
	d.marker = false
}

func (d *jpegDec) image() (image.Image, error) {
	if len(d.comps) == 0 {
		return nil, errors.New("jpeg: no frame")
	}
	if len(d.comps) == 1 {
		c := d.comps[0]
		g := &image.Gray{Pix: c.plane, Stride: c.bw * 8, Rect: image.Rect(0, 0, d.w, d.h)}
		return g, nil
	}
	if d.adobe && d.transform == 0 {
		return nil, errJPEGUnsupported // stored as RGB
	}
	y, cb, cr := d.comps[0], d.comps[1], d.comps[2]
	if cb.h != 1 || cb.v != 1 || cr.h != 1 || cr.v != 1 {
		return nil, errJPEGUnsupported
	}
	var ratio image.YCbCrSubsampleRatio
	switch {
	case y.h == 1 && y.v == 1:
		ratio = image.YCbCrSubsampleRatio444
	case y.h == 2 && y.v == 1:
		ratio = image.YCbCrSubsampleRatio422
	case y.h == 2 && y.v == 2:
		ratio = image.YCbCrSubsampleRatio420
	default:
		return nil, errJPEGUnsupported
	}
	return &image.YCbCr{Y: y.plane, Cb: cb.plane, Cr: cr.plane, YStride: y.bw * 8, CStride: cb.bw * 8,
		SubsampleRatio: ratio, Rect: image.Rect(0, 0, d.w, d.h)}, nil
}

// libjpeg's jidctint.c constants (13-bit fixed point).
const (
	fix0298631336 = 2446
	fix0390180644 = 3196
	fix0541196100 = 4433
	fix0765366865 = 6270
	fix0899976223 = 7373
	fix1175875602 = 9633
	fix1501321110 = 12299
	fix1847759065 = 15137
	fix1961570560 = 16069
	fix2053119869 = 16819
	fix2562915447 = 20995
	fix3072711026 = 25172
	idctConstBits = 13
	idctPass1Bits = 2
)

func descale(x int64, n uint) int64 { return (x + 1<<(n-1)) >> n }

// idctISlow is libjpeg's accurate integer IDCT (Loeffler, Ligtenberg and
// Moschytz), including its dequantisation and output range limiting.
func idctISlow(in *[64]int32, q *[64]int32, out []uint8, stride int) {
	var ws [64]int64
	for c := 0; c < 8; c++ {
		deq := func(r int) int64 { return int64(in[r*8+c]) * int64(q[r*8+c]) }
		if in[8+c] == 0 && in[16+c] == 0 && in[24+c] == 0 && in[32+c] == 0 &&
			in[40+c] == 0 && in[48+c] == 0 && in[56+c] == 0 {
			dc := deq(0) << idctPass1Bits
			for r := 0; r < 8; r++ {
				ws[r*8+c] = dc
			}
			continue
		}
		o := idct1D(deq(0), deq(1), deq(2), deq(3), deq(4), deq(5), deq(6), deq(7))
		for r := 0; r < 8; r++ {
			ws[r*8+c] = descale(o[r], idctConstBits-idctPass1Bits)
		}
	}
	for r := 0; r < 8; r++ {
		w := ws[r*8 : r*8+8]
		o := idct1D(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7])
		row := out[r*stride : r*stride+8]
		for i := 0; i < 8; i++ {
			row[i] = rangeLimit(descale(o[i], idctConstBits+idctPass1Bits+3))
		}
	}
}

// idct1D returns the eight undescaled outputs of one pass.
func idct1D(x0, x1, x2, x3, x4, x5, x6, x7 int64) [8]int64 {
	z1 := (x2 + x6) * fix0541196100
	tmp2 := z1 + x6*-fix1847759065
	tmp3 := z1 + x2*fix0765366865
	tmp0 := (x0 + x4) << idctConstBits
	tmp1 := (x0 - x4) << idctConstBits
	tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
	tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2

	t0, t1, t2, t3 := x7, x5, x3, x1
	z1 = t0 + t3
	z2 := t1 + t2
	z3 := t0 + t2
	z4 := t1 + t3
	z5 := (z3 + z4) * fix1175875602
	t0 *= fix0298631336
	t1 *= fix2053119869
	t2 *= fix3072711026
	t3 *= fix1501321110
	z1 *= -fix0899976223
	z2 *= -fix2562915447
	z3 *= -fix1961570560
	z4 *= -fix0390180644
	z3 += z5
	z4 += z5
	t0 += z1 + z3
	t1 += z2 + z4
	t2 += z2 + z3
	t3 += z1 + z4
	return [8]int64{tmp10 + t3, tmp11 + t2, tmp12 + t1, tmp13 + t0, tmp13 - t0, tmp12 - t1, tmp11 - t2, tmp10 - t3}
}

// rangeLimit is libjpeg's post-IDCT table lookup: add 128, clamp, with its
// 10-bit wrap-around for wildly out-of-range values.
func rangeLimit(x int64) uint8 {
	v := x & 1023
	if v >= 512 {
		v -= 1024
	}
	v += 128
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}
