// Package vision holds the pre- and post-processing the image services
// share around ONNX models: resizing an image into a model input tensor,
// non-maximum suppression and CenterNet box decoding. Everything is pure
// Go.
package vision

import (
	"image"
	"image/draw"
	"math"
)

// InputSpec says how to turn an image into a model input: an RGB tensor
// in TensorFlow's NHWC order (the converted TFJS models), the image
// stretched to Width×Height.
type InputSpec struct {
	Width, Height int
	// Value = pixel/255*Scale + Offset per channel: Scale 1, Offset 0 gives
	// 0..1; Scale 255 gives 0..255; Scale 2, Offset -1 gives -1..1.
	Scale, Offset float32
	// AlignCorners maps corner pixels onto corner pixels (TF's
	// align_corners=true, as nsfwjs resizes). Asymmetric maps output pixel
	// d to source d*in/out (tf.image.resizeBilinear's default, as the human
	// models resize). Otherwise pixel centres are aligned (half-pixel).
	AlignCorners bool
	Asymmetric   bool
}

// Transform maps model-input pixel coordinates back to the source image.
type Transform struct {
	ScaleX, ScaleY float64 // input pixels per source pixel
	SrcW, SrcH     int
}

// ToSource maps a point of the model input to source image coordinates,
// clamped to the image.
func (t Transform) ToSource(x, y float64) (float64, float64) {
	sx := x / t.ScaleX
	sy := y / t.ScaleY
	return clamp(sx, 0, float64(t.SrcW)), clamp(sy, 0, float64(t.SrcH))
}

// BoxToSource maps a box in model-input pixels to source pixels.
func (t Transform) BoxToSource(b Box) Box {
	x1, y1 := t.ToSource(float64(b.X1), float64(b.Y1))
	x2, y2 := t.ToSource(float64(b.X2), float64(b.Y2))
	return Box{float32(x1), float32(y1), float32(x2), float32(y2)}
}

func clamp(v, lo, hi float64) float64 { return math.Min(math.Max(v, lo), hi) }

// rgba returns img as *image.RGBA with bounds starting at 0,0.
func rgba(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok && r.Rect.Min == (image.Point{}) {
		return r
	}
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	return out
}

// Tensor resizes img bilinearly to spec and returns the input tensor
// ([1,H,W,3] row-major) and the transform back to the image.
func Tensor(img image.Image, spec InputSpec) ([]float32, Transform) {
	src := rgba(img)
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	W, H := spec.Width, spec.Height
	tr := Transform{ScaleX: float64(W) / float64(sw), ScaleY: float64(H) / float64(sh), SrcW: sw, SrcH: sh}
	scale, offset := spec.Scale, spec.Offset
	if scale == 0 {
		scale = 1
	}
	out := make([]float32, W*H*3)
	for y := 0; y < H; y++ {
		fy := sourceCoord(y, H, sh, spec)
		for x := 0; x < W; x++ {
			r, g, b := bilinear(src, sourceCoord(x, W, sw, spec), fy)
			o := (y*W + x) * 3
			out[o] = r/255*scale + offset
			out[o+1] = g/255*scale + offset
			out[o+2] = b/255*scale + offset
		}
	}
	return out, tr
}

// sourceCoord maps destination index d of a resize from n to m pixels.
func sourceCoord(d, m, n int, spec InputSpec) float64 {
	switch {
	case spec.AlignCorners:
		if m <= 1 {
			return 0
		}
		return float64(d) * float64(n-1) / float64(m-1)
	case spec.Asymmetric:
		return float64(d) * float64(n) / float64(m)
	}
	v := (float64(d)+0.5)*float64(n)/float64(m) - 0.5
	return math.Max(v, 0)
}

// bilinear samples src at fractional (x, y), clamping at the edges.
func bilinear(src *image.RGBA, x, y float64) (float32, float32, float32) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
	x0, y0 = min(x0, w-1), min(y0, h-1)
	ax, ay := float32(x-math.Floor(x)), float32(y-math.Floor(y))
	p := func(x, y, c int) float32 { return float32(src.Pix[y*src.Stride+x*4+c]) }
	var out [3]float32
	for c := 0; c < 3; c++ {
		top := p(x0, y0, c) + (p(x1, y0, c)-p(x0, y0, c))*ax
		bot := p(x0, y1, c) + (p(x1, y1, c)-p(x0, y1, c))*ax
		out[c] = top + (bot-top)*ay
	}
	return out[0], out[1], out[2]
}
