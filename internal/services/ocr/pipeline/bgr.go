package pipeline

import (
	"image"
	"image/draw"
)

// bgr is an 8-bit, 3-channel image in B,G,R order, rows packed.
type bgr struct {
	w, h int
	pix  []uint8
}

func newBGR(w, h int) *bgr { return &bgr{w: w, h: h, pix: make([]uint8, w*h*3)} }

// fromImage converts any decoded image to BGR following RapidOCR's loader:
// grey is replicated to three channels; images with transparency are
// composited (see composite).
func fromImage(img image.Image) *bgr {
	b := img.Bounds()
	out := newBGR(b.Dx(), b.Dy())
	switch src := img.(type) {
	case *image.Gray:
		for y := 0; y < out.h; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][:out.w]
			o := out.pix[y*out.w*3:]
			for x, v := range row {
				o[3*x], o[3*x+1], o[3*x+2] = v, v, v
			}
		}
		return out
	case *image.YCbCr:
		if m, ok := ycbcrToBGR(src); ok {
			return m
		}
	case *image.CMYK, *image.Gray16:
		// Opaque by construction.
	default:
		if !opaque(img) {
			return composite(img)
		}
	}
	// draw.Draw has fast paths for the common decoder outputs.
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(image.Rect(0, 0, out.w, out.h))
		draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
	}
	for y := 0; y < out.h; y++ {
		row := rgba.Pix[y*rgba.Stride : y*rgba.Stride+4*out.w]
		o := out.pix[y*out.w*3 : (y+1)*out.w*3]
		for x := 0; x < out.w; x++ {
			o[3*x], o[3*x+1], o[3*x+2] = row[4*x+2], row[4*x+1], row[4*x]
		}
	}
	return out
}

func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}

// composite flattens a transparent image onto a background chosen for
// contrast: white when the mean luminance (0.299R+0.587G+0.114B) of the
// non-transparent pixels is below 128, else black; white when every pixel
// is transparent. Blending is in float32 and truncates, as the reference.
func composite(img image.Image) *bgr {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	n, ok := img.(*image.NRGBA)
	if !ok || b.Min != (image.Point{}) || n.Stride != 4*w {
		// PNG decodes transparent RGB to NRGBA, taken as it is; anything
		// else converts through the colour model pixel by pixel.
		n = image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				n.Set(x, y, img.At(b.Min.X+x, b.Min.Y+y))
			}
		}
	}
	var sum float64
	var cnt int
	for i := 0; i < len(n.Pix); i += 4 {
		if n.Pix[i+3] > 0 {
			sum += 0.299*float64(n.Pix[i]) + 0.587*float64(n.Pix[i+1]) + 0.114*float64(n.Pix[i+2])
			cnt++
		}
	}
	bg := float32(255)
	if cnt > 0 && sum/float64(cnt) >= 128 {
		bg = 0
	}
	out := newBGR(w, h)
	for i, j := 0, 0; i < len(n.Pix); i, j = i+4, j+3 {
		a := float32(n.Pix[i+3]) / 255
		for c := 0; c < 3; c++ {
			v := float32(n.Pix[i+c])*a + bg*(1-a)
			out.pix[j+2-c] = uint8(v)
		}
	}
	return out
}

// rot90 turns the image a quarter counter-clockwise (numpy rot90).
func (m *bgr) rot90() *bgr {
	out := newBGR(m.h, m.w)
	for i := 0; i < out.h; i++ {
		for j := 0; j < out.w; j++ {
			s := (j*m.w + (m.w - 1 - i)) * 3
			d := (i*out.w + j) * 3
			copy(out.pix[d:d+3], m.pix[s:s+3])
		}
	}
	return out
}

// rot180 turns the image half a turn.
func (m *bgr) rot180() *bgr {
	out := newBGR(m.w, m.h)
	n := m.w * m.h
	for i := 0; i < n; i++ {
		copy(out.pix[(n-1-i)*3:(n-i)*3], m.pix[i*3:i*3+3])
	}
	return out
}

// padTopBottom adds black bands of p rows above and below.
func (m *bgr) padTopBottom(p int) *bgr {
	out := newBGR(m.w, m.h+2*p)
	copy(out.pix[p*m.w*3:], m.pix)
	return out
}
