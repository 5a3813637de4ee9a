package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
)

// A baseline JPEG decoder whose inverse DCT is libjpeg's default "islow"
// integer transform, bit for bit. The reference decodes through libjpeg;
// Go's image/jpeg uses a different IDCT that lands up to 3 grey levels
// away, which is enough to change a borderline character after the
// detector upscales a small image several times. Progressive, arithmetic
// coded, CMYK and unusual subsampling layouts return errJPEGUnsupported and
// the caller falls back to image/jpeg.
//
// The input is untrusted. Every table selector, count, sampling factor and
// segment length is checked against what it indexes before use, and a
// structural fault is an ordinary error wrapping errJPEGCorrupt; no input
// can panic, and the work done is bounded by the planes allocated, which
// are bounded in turn by the data (see jpegMinBitsPerBlock) and by
// jpegMaxSamples. Damaged entropy-coded data is not an error: it decodes
// the way libjpeg decodes it (zero bits past the data, a bad Huffman code
// read as symbol 0, the rest of a starved restart interval left flat
// grey), so a damaged file looks as it does to the reference.

var (
	errJPEGUnsupported = errors.New("jpeg: layout not handled by the libjpeg-exact decoder")
	errJPEGCorrupt     = errors.New("jpeg: corrupt data")
	errJPEGTooLarge    = errors.New("jpeg: image too large for the decoder")
)

func jpegCorrupt(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errJPEGCorrupt, fmt.Sprintf(format, a...))
}

const (
	// jpegMaxSamples bounds width × height × components of a frame; the
	// decoder refuses larger frames before allocating anything. It is the
	// three components of 160 megapixels, the most the OCR service admits
	// (imagecheck.OCRGeneralText), i.e. at most about 480 MB of planes.
	jpegMaxSamples = 3 * 160_000_000

	// jpegMinBitsPerBlock is the least entropy-coded data one 8×8 block
	// takes: a DC symbol and an AC symbol (end of block) of at least one
	// bit each. A frame whose blocks could not fit in the bytes after its
	// header even at that rate is refused as truncated before its planes
	// are allocated, so a few hundred bytes cannot declare a 65535×65535
	// image and have it allocated.
	jpegMinBitsPerBlock = 2
)

type jpegComp struct {
	id, h, v, tq int
	bw, bh       int // plane size in blocks
	plane        []uint8
	pred         int32
	dc, ac       int
	q            *[64]int32 // quantisation table, latched at the first scan
	scanned      bool
}

type huff struct {
	// lookup by (length, code): codes of each length start at minCode.
	minCode, maxCode [17]int32
	valPtr           [17]int32
	vals             []uint8
	// bad is why libjpeg would refuse to use the table (jdhuff.c,
	// jpeg_make_d_derived_tbl); maxDC is its largest symbol, which must
	// not exceed 15 in a DC table.
	bad   string
	maxDC uint8
}

type jpegDec struct {
	data         []byte
	pos          int
	bits         uint32
	nbits        int
	marker       bool // reached a marker (or the end) inside entropy data
	insufficient bool // needed bits past it: libjpeg's insufficient_data
	q            [4][64]int32
	qSet         [4]bool
	dcT, acT     [4]*huff
	comps        []*jpegComp
	w, h         int
	hmax, vmax   int
	restart      int
	nextRST      int
	scans        int
	jfif, adobe  bool
	transform    int
}

var zigzag = [64]int{
	0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
}

// decodeJPEGExact decodes baseline JPEGs to *image.Gray or *image.YCbCr.
func decodeJPEGExact(data []byte) (image.Image, error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, jpegCorrupt("missing SOI")
	}
	d := &jpegDec{data: data, pos: 2}
	for {
		m, ok := d.nextMarker()
		if !ok {
			if d.scans > 0 {
				break // libjpeg reads the end of the data as EOI
			}
			return nil, jpegCorrupt("no scan before the end of the data")
		}
		if m == 0xD9 {
			break
		}
		if m == 0xD8 {
			return nil, jpegCorrupt("second SOI")
		}
		if m >= 0xD0 && m <= 0xD7 || m == 0x01 {
			continue // parameterless; libjpeg ignores them here
		}
		if d.pos+2 > len(data) {
			return nil, jpegCorrupt("truncated marker segment")
		}
		n := int(binary.BigEndian.Uint16(data[d.pos:]))
		if n < 2 {
			return nil, jpegCorrupt("segment length %d at offset %d", n, d.pos)
		}
		if d.pos+n > len(data) {
			return nil, jpegCorrupt("segment length %d at offset %d runs past the data", n, d.pos)
		}
		seg := data[d.pos+2 : d.pos+n]
		d.pos += n
		var err error
		switch {
		case m == 0xC0 || m == 0xC1:
			err = d.sof(seg)
		case m == 0xC2 || m == 0xC3 || m >= 0xC5 && m <= 0xCF && m != 0xC8 && m != 0xCC:
			return nil, errJPEGUnsupported // progressive, lossless, hierarchical, arithmetic
		case m == 0xC4:
			err = d.dht(seg)
		case m == 0xDB:
			err = d.dqt(seg)
		case m == 0xDD:
			if len(seg) != 2 {
				return nil, jpegCorrupt("DRI length %d", len(seg))
			}
			d.restart = int(binary.BigEndian.Uint16(seg))
		case m == 0xE0:
			if len(seg) >= 14 && string(seg[:5]) == "JFIF\x00" {
				d.jfif = true
			}
		case m == 0xEE:
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" {
				d.adobe, d.transform = true, int(seg[11])
			}
		case m == 0xDA:
			var done bool
			if done, err = d.scan(seg); err == nil && done {
				return d.image()
			}
		case m == 0xCC || m == 0xDC || m >= 0xE1 && m <= 0xEF || m == 0xFE:
			// DAC, DNL, APPn, COM: skipped, as libjpeg does.
		default:
			// JPG, DHP, EXP, JPGn, RESn: libjpeg refuses these.
			return nil, jpegCorrupt("unknown marker 0x%02X", m)
		}
		if err != nil {
			return nil, err
		}
	}
	return d.image()
}

// nextMarker skips to the next marker as libjpeg's next_marker does:
// bytes other than 0xFF, fill bytes, and stuffed 0xFF00 pairs are not
// markers. It returns false at the end of the data; pos only advances.
func (d *jpegDec) nextMarker() (byte, bool) {
	for {
		for d.pos < len(d.data) && d.data[d.pos] != 0xFF {
			d.pos++
		}
		for d.pos < len(d.data) && d.data[d.pos] == 0xFF {
			d.pos++
		}
		if d.pos >= len(d.data) {
			return 0, false
		}
		m := d.data[d.pos]
		d.pos++
		if m != 0 {
			return m, true
		}
	}
}

func (d *jpegDec) sof(s []byte) error {
	if d.comps != nil {
		return jpegCorrupt("second frame header")
	}
	if len(s) < 6 {
		return jpegCorrupt("SOF length %d", len(s))
	}
	if s[0] != 8 {
		return errJPEGUnsupported
	}
	h := int(binary.BigEndian.Uint16(s[1:]))
	w := int(binary.BigEndian.Uint16(s[3:]))
	n := int(s[5])
	if len(s) != 6+3*n {
		return jpegCorrupt("SOF length %d for %d components", len(s), n)
	}
	if w == 0 || h == 0 || n == 0 {
		// A zero height would need a DNL marker, which libjpeg does not
		// support either.
		return jpegCorrupt("empty frame %dx%d with %d components", w, h, n)
	}
	if n != 1 && n != 3 {
		return errJPEGUnsupported
	}
	comps := make([]*jpegComp, n)
	hmax, vmax := 1, 1
	for i := range comps {
		c := &jpegComp{id: int(s[6+3*i]), h: int(s[7+3*i] >> 4), v: int(s[7+3*i] & 15), tq: int(s[8+3*i])}
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
			return jpegCorrupt("component %d sampling factors %dx%d", c.id, c.h, c.v)
		}
		if c.tq > 3 {
			return jpegCorrupt("component %d names quantisation table %d", c.id, c.tq)
		}
		for _, o := range comps[:i] {
			if o.id == c.id {
				return errJPEGUnsupported // libjpeg-turbo renames repeated ids
			}
		}
		hmax, vmax = max(hmax, c.h), max(vmax, c.v)
		comps[i] = c
	}
	if n == 1 {
		// A lone component is never interleaved: one block per MCU.
		comps[0].h, comps[0].v, hmax, vmax = 1, 1, 1, 1
	} else {
		y, cb, cr := comps[0], comps[1], comps[2]
		if cb.h != 1 || cb.v != 1 || cr.h != 1 || cr.v != 1 ||
			!(y.h == 1 && y.v == 1 || y.h == 2 && y.v == 1 || y.h == 2 && y.v == 2) {
			return errJPEGUnsupported // only 4:4:4, 4:2:2 and 4:2:0
		}
	}
	if w > 65500 || h > 65500 {
		// libjpeg's JPEG_MAX_DIMENSION.
		return fmt.Errorf("%w: %dx%d is over libjpeg's 65500 pixels per side", errJPEGTooLarge, w, h)
	}
	if int64(w)*int64(h)*int64(n) > jpegMaxSamples {
		return fmt.Errorf("%w: %dx%d with %d components is over %d samples", errJPEGTooLarge, w, h, n, jpegMaxSamples)
	}
	// The blocks every scan must code, at least, before allocating room
	// for them.
	var blocks int64
	for _, c := range comps {
		cw, ch := ceilDiv(w*c.h, hmax), ceilDiv(h*c.v, vmax)
		blocks += int64(ceilDiv(cw, 8)) * int64(ceilDiv(ch, 8))
	}
	if avail := int64(len(d.data) - d.pos); blocks*jpegMinBitsPerBlock > 8*avail {
		return jpegCorrupt("%dx%d frame needs %d blocks, more than the %d bytes after its header can hold", w, h, blocks, avail)
	}
	d.w, d.h, d.hmax, d.vmax = w, h, hmax, vmax
	mx, my := ceilDiv(w, 8*hmax), ceilDiv(h, 8*vmax)
	for _, c := range comps {
		c.bw, c.bh = mx*c.h, my*c.v
		c.plane = make([]uint8, c.bw*8*c.bh*8)
	}
	d.comps = comps
	return nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func (d *jpegDec) dqt(s []byte) error {
	for len(s) > 0 {
		p, t := s[0]>>4, int(s[0]&15)
		if p > 1 || t > 3 {
			return jpegCorrupt("DQT table %d with precision %d", t, p)
		}
		s = s[1:]
		if len(s) < 64*(int(p)+1) {
			return jpegCorrupt("short DQT")
		}
		for i := 0; i < 64; i++ {
			var v int32
			if p == 0 {
				v = int32(s[i])
			} else {
				// libjpeg holds quantisers as 16-bit signed multipliers.
				v = int32(int16(binary.BigEndian.Uint16(s[2*i:])))
			}
			d.q[t][zigzag[i]] = v
		}
		s = s[64*(int(p)+1):]
		d.qSet[t] = true
	}
	return nil
}

func (d *jpegDec) dht(s []byte) error {
	for len(s) > 0 {
		if len(s) < 17 {
			return jpegCorrupt("short DHT")
		}
		class, id := s[0]>>4, s[0]&15
		if class > 1 || id > 3 {
			return jpegCorrupt("DHT class %d table %d", class, id)
		}
		h := &huff{}
		total := 0
		var counts [17]int
		for l := 1; l <= 16; l++ {
			counts[l] = int(s[l])
			total += counts[l]
		}
		if total > 256 {
			return jpegCorrupt("DHT with %d codes", total)
		}
		if len(s) < 17+total {
			return jpegCorrupt("short DHT")
		}
		h.vals = append([]uint8(nil), s[17:17+total]...)
		for _, v := range h.vals {
			h.maxDC = max(h.maxDC, v)
		}
		last := 0
		for l := 1; l <= 16; l++ {
			if counts[l] > 0 {
				last = l
			}
		}
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
			// libjpeg refuses a table whose codes do not fit their
			// length; that includes an all-ones code.
			if l <= last && code >= 1<<l && h.bad == "" {
				h.bad = fmt.Sprintf("codes of length %d overflow", l)
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

// bit returns the next bit of entropy-coded data. Past a marker or the end
// of the data it returns zeros, as libjpeg does, and notes that the data
// ran out.
func (d *jpegDec) bit() int32 {
	if d.nbits == 0 {
		var b byte
		switch {
		case d.marker || d.pos >= len(d.data):
			d.marker, d.insufficient = true, true
		case d.data[d.pos] == 0xFF:
			// 0xFF, any further 0xFF, then 0x00 is one 0xFF data byte
			// (libjpeg's jpeg_fill_bit_buffer); anything else is a
			// marker, left for the caller at pos.
			j := d.pos + 1
			for j < len(d.data) && d.data[j] == 0xFF {
				j++
			}
			if j < len(d.data) && d.data[j] == 0x00 {
				b, d.pos = 0xFF, j+1
			} else {
				d.marker, d.insufficient = true, true
			}
		default:
			b = d.data[d.pos]
			d.pos++
		}
		d.bits, d.nbits = uint32(b), 8
	}
	d.nbits--
	return int32(d.bits>>d.nbits) & 1
}

func (d *jpegDec) receive(n int) int32 {
	var v int32
	for i := 0; i < n; i++ {
		v = v<<1 | d.bit()
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

// decodeHuff reads one symbol. A code that matches nothing costs 17 bits
// and reads as symbol 0, libjpeg's recovery (jdhuff.c, jpeg_huff_decode).
func (d *jpegDec) decodeHuff(h *huff) int {
	var code int32
	for l := 1; l <= 16; l++ {
		code = code<<1 | d.bit()
		if h.maxCode[l] >= 0 && code <= h.maxCode[l] && code >= h.minCode[l] {
			return int(h.vals[h.valPtr[l]+code-h.minCode[l]])
		}
	}
	d.bit()
	return 0
}

// scan decodes one scan. done reports that the frame is complete after a
// single scan of every component: libjpeg then has everything it outputs,
// and what follows the scan cannot change the image.
func (d *jpegDec) scan(s []byte) (done bool, err error) {
	if d.comps == nil {
		return false, jpegCorrupt("scan before frame header")
	}
	if len(s) < 1 {
		return false, jpegCorrupt("empty SOS")
	}
	ns := int(s[0])
	if ns < 1 || ns > len(d.comps) || len(s) != 1+2*ns+3 {
		return false, jpegCorrupt("SOS of length %d for %d components", len(s), ns)
	}
	sc := make([]*jpegComp, 0, ns)
	for i := 0; i < ns; i++ {
		id, sel := int(s[1+2*i]), s[2+2*i]
		var c *jpegComp
		for _, x := range d.comps {
			if x.id == id {
				c = x
			}
		}
		if c == nil {
			return false, jpegCorrupt("scan names unknown component %d", id)
		}
		for _, o := range sc {
			if o == c {
				return false, jpegCorrupt("scan names component %d twice", id)
			}
		}
		if c.scanned {
			// Sequential files code each component in one scan; a repeat
			// would only let a small file redo the whole frame's work.
			return false, jpegCorrupt("component %d in a second scan", id)
		}
		c.dc, c.ac = int(sel>>4), int(sel&15)
		if c.dc > 3 || c.ac > 3 {
			return false, jpegCorrupt("component %d names Huffman tables DC %d, AC %d", id, c.dc, c.ac)
		}
		for _, t := range []struct {
			h    *huff
			kind string
			n    int
		}{{d.dcT[c.dc], "DC", c.dc}, {d.acT[c.ac], "AC", c.ac}} {
			switch {
			case t.h == nil && t.n < 2:
				// libjpeg-turbo substitutes the standard tables of
				// Annex K (Motion-JPEG); this decoder does not.
				return false, errJPEGUnsupported
			case t.h == nil:
				return false, jpegCorrupt("component %d uses undefined %s table %d", id, t.kind, t.n)
			case t.h.bad != "":
				return false, jpegCorrupt("%s table %d: %s", t.kind, t.n, t.h.bad)
			case t.kind == "DC" && t.h.maxDC > 15:
				return false, jpegCorrupt("DC table %d has symbol %d", t.n, t.h.maxDC)
			}
		}
		if !d.qSet[c.tq] {
			return false, jpegCorrupt("component %d uses undefined quantisation table %d", id, c.tq)
		}
		sc = append(sc, c)
	}
	// Ss, Se, Ah and Al (the last three bytes) mean nothing to a
	// sequential scan; libjpeg only warns when they are not 0, 63, 0, 0,
	// because real files carry zeros there, and so they are ignored.
	if d.scans == 0 && len(d.comps) == 3 && !d.jfif {
		// libjpeg's colour-space guess (jdapimin.c): JFIF means YCbCr;
		// otherwise Adobe transform 0, or component ids 'R','G','B', mean
		// RGB, which this decoder does not convert.
		if d.adobe && d.transform == 0 ||
			!d.adobe && d.comps[0].id == 'R' && d.comps[1].id == 'G' && d.comps[2].id == 'B' {
			return false, errJPEGUnsupported
		}
	}
	for _, c := range sc {
		c.pred, c.scanned = 0, true
		if c.q == nil {
			q := d.q[c.tq]
			c.q = &q
		}
	}
	d.scans++
	d.bits, d.nbits, d.marker, d.insufficient, d.nextRST = 0, 0, false, false, 0

	var blk [64]int32
	decodeBlock := func(c *jpegComp, bx, by int, grey bool) {
		stride := c.bw * 8
		out := c.plane[by*8*stride+bx*8:]
		if grey {
			// libjpeg leaves the MCUs of a starved interval at zero:
			// flat grey, and no DC prediction.
			for r := 0; r < 8; r++ {
				row := out[r*stride : r*stride+8]
				for i := range row {
					row[i] = 128
				}
			}
			return
		}
		blk = [64]int32{}
		t := d.decodeHuff(d.dcT[c.dc])
		c.pred += extend(d.receive(t), t)
		blk[0] = int32(int16(c.pred)) // libjpeg's JCOEF is 16 bits
		for k := 1; k < 64; k++ {
			rs := d.decodeHuff(d.acT[c.ac])
			r, sz := rs>>4, rs&15
			if sz == 0 {
				if r != 15 {
					break
				}
				k += 15
				continue
			}
			// A run past the block lands on its last coefficient, as in
			// libjpeg (jpeg_natural_order has 16 spare entries of 63).
			k = min(k+r, 63)
			blk[zigzag[k]] = extend(d.receive(sz), sz)
		}
		idctISlow(&blk, c.q, out, stride)
	}
	restart := d.restart
	var mcusX, mcusY int
	if ns == 1 {
		c := sc[0]
		mcusX = ceilDiv(ceilDiv(d.w*c.h, d.hmax), 8)
		mcusY = ceilDiv(ceilDiv(d.h*c.v, d.vmax), 8)
	} else {
		mcusX = ceilDiv(d.w, 8*d.hmax)
		mcusY = ceilDiv(d.h, 8*d.vmax)
	}
	n := 0
	for my := 0; my < mcusY; my++ {
		for mx := 0; mx < mcusX; mx++ {
			if restart > 0 && n > 0 && n%restart == 0 {
				d.processRestart()
				for _, c := range sc {
					c.pred = 0
				}
			}
			n++
			// Running out of data in an MCU decodes the rest of it from
			// zero bits; the MCUs after it are grey.
			grey := d.insufficient
			if ns == 1 {
				decodeBlock(sc[0], mx, my, grey)
				continue
			}
			for _, c := range sc {
				for v := 0; v < c.v; v++ {
					for h := 0; h < c.h; h++ {
						decodeBlock(c, mx*c.h+h, my*c.v+v, grey)
					}
				}
			}
		}
	}
	// One scan of every component is libjpeg's single-scan mode: it has
	// output the whole image by the end of the scan.
	return d.scans == 1 && ns == len(d.comps), nil
}

// processRestart is libjpeg's process_restart with its default
// resynchronisation (jdmarker.c, read_restart_marker and
// jpeg_resync_to_restart): the expected RSTn is consumed; a marker that is
// not a restart, or one of the next two restarts, is left in place so
// the coming interval reads as empty; an earlier restart or an invalid
// marker is skipped; any other restart is taken as the expected one.
func (d *jpegDec) processRestart() {
	d.bits, d.nbits = 0, 0
	if !d.marker {
		d.skipToMarker()
		d.marker = true
	}
	rst := func(n int) byte { return byte(0xD0 + n&7) }
	want := d.nextRST
	for {
		m, after := d.markerAt()
		switch {
		case m >= 0xC0 && (m < 0xD0 || m > 0xD7), m == rst(want+1), m == rst(want+2):
			// Leave it: the interval is empty.
		case m < 0xC0 || m == rst(want-1) || m == rst(want-2):
			d.pos = after
			d.skipToMarker()
			continue
		default:
			d.pos, d.marker = after, false
		}
		break
	}
	d.nextRST = (want + 1) & 7
	if !d.marker {
		d.insufficient = false
	}
}

// skipToMarker moves pos to the 0xFF that starts the next marker, past
// stuffed 0xFF00 pairs and other data, or to the end of the data.
func (d *jpegDec) skipToMarker() {
	for {
		for d.pos < len(d.data) && d.data[d.pos] != 0xFF {
			d.pos++
		}
		j := d.pos
		for j < len(d.data) && d.data[j] == 0xFF {
			j++
		}
		if j >= len(d.data) {
			d.pos = len(d.data)
			return
		}
		if d.data[j] != 0 {
			return
		}
		d.pos = j + 1
	}
}

// markerAt returns the marker at pos and the offset after it; the end of
// the data reads as EOI, as libjpeg's source managers insert one there.
func (d *jpegDec) markerAt() (byte, int) {
	j := d.pos
	for j < len(d.data) && d.data[j] == 0xFF {
		j++
	}
	if j >= len(d.data) {
		return 0xD9, len(d.data)
	}
	return d.data[j], j + 1
}

func (d *jpegDec) image() (image.Image, error) {
	if d.comps == nil {
		return nil, jpegCorrupt("no frame header")
	}
	if d.scans == 0 {
		return nil, jpegCorrupt("no scan")
	}
	for _, c := range d.comps {
		if !c.scanned {
			// libjpeg decodes a component no scan reached from zero
			// coefficients: flat grey.
			for i := range c.plane {
				c.plane[i] = 128
			}
		}
	}
	if len(d.comps) == 1 {
		c := d.comps[0]
		return &image.Gray{Pix: c.plane, Stride: c.bw * 8, Rect: image.Rect(0, 0, d.w, d.h)}, nil
	}
	y, cb, cr := d.comps[0], d.comps[1], d.comps[2]
	ratio := image.YCbCrSubsampleRatio444
	switch {
	case y.h == 2 && y.v == 1:
		ratio = image.YCbCrSubsampleRatio422
	case y.h == 2 && y.v == 2:
		ratio = image.YCbCrSubsampleRatio420
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
