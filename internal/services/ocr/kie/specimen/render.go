// Package specimen renders synthetic document specimens with known
// fields: fictional people and companies, numbers with valid (or, on
// request, invalid) check characters, in a clean scan-like variant and a
// photo-like one (perspective, rotation, blur, uneven light, noise, JPEG).
// Text is drawn with the Noto CJK fonts of Debian's fonts-noto-cjk.
package specimen

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/aisd/aisd/internal/services/ocr/kie/geom"
)

// FontDir is where Debian's fonts-noto-cjk installs its collections.
const FontDir = "/usr/share/fonts/opentype/noto"

// Face names the typefaces a layout may use.
type Face int

const (
	Sans  Face = iota // Noto Sans CJK SC
	Serif             // Noto Serif CJK SC
	Mono              // Noto Sans Mono CJK SC (MRZ, card numbers)
	Bold              // Noto Sans CJK SC Bold
)

var (
	fontsOnce sync.Once
	fonts     map[Face]*sfnt.Font
	fontsErr  error
)

// ErrNoFonts is returned when the Noto CJK collections are not installed.
var ErrNoFonts = errors.New("specimen: Noto CJK fonts not found in " + FontDir + " (Debian package fonts-noto-cjk)")

func loadFonts() (map[Face]*sfnt.Font, error) {
	fontsOnce.Do(func() {
		pick := func(file, family string) (*sfnt.Font, error) {
			data, err := os.ReadFile(FontDir + "/" + file)
			if err != nil {
				return nil, ErrNoFonts
			}
			c, err := opentype.ParseCollection(data)
			if err != nil {
				return nil, err
			}
			for i := 0; i < c.NumFonts(); i++ {
				f, err := c.Font(i)
				if err != nil {
					return nil, err
				}
				if n, _ := f.Name(nil, sfnt.NameIDFamily); n == family {
					return f, nil
				}
			}
			return nil, fmt.Errorf("specimen: %s has no %q", file, family)
		}
		fonts = map[Face]*sfnt.Font{}
		for face, fam := range map[Face][2]string{
			Sans: {"NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"}, Mono: {"NotoSansCJK-Regular.ttc", "Noto Sans Mono CJK SC"},
			Serif: {"NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"}, Bold: {"NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"},
		} {
			f, err := pick(fam[0], fam[1])
			if err != nil {
				fontsErr = err
				return
			}
			fonts[face] = f
		}
	})
	return fonts, fontsErr
}

// Text is one printed string; (X, Y) is its left end on the baseline.
type Text struct {
	S     string
	X, Y  float64
	Size  float64
	Face  Face
	Color color.RGBA
}

// Layout is a document page before photography.
type Layout struct {
	W, H  int
	BG    color.RGBA // page colour
	BG2   color.RGBA // second colour of the page's vertical gradient
	Texts []Text
	// Boxes are filled rectangles (plates, photo areas) drawn before text.
	Boxes []Box
}

// Box is a filled rectangle.
type Box struct {
	R     image.Rectangle
	Color color.RGBA
}

var black = color.RGBA{20, 20, 20, 255}

// Render draws the layout.
func (l Layout) Render() (*image.RGBA, error) {
	fs, err := loadFonts()
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, l.W, l.H))
	bg2 := l.BG2
	if bg2.A == 0 {
		bg2 = l.BG
	}
	for y := 0; y < l.H; y++ {
		t := float64(y) / float64(l.H)
		c := color.RGBA{mix(l.BG.R, bg2.R, t), mix(l.BG.G, bg2.G, t), mix(l.BG.B, bg2.B, t), 255}
		draw.Draw(img, image.Rect(0, y, l.W, y+1), image.NewUniform(c), image.Point{}, draw.Src)
	}
	for _, b := range l.Boxes {
		draw.Draw(img, b.R, image.NewUniform(b.Color), image.Point{}, draw.Src)
	}
	faces := map[[2]int]font.Face{}
	for _, t := range l.Texts {
		key := [2]int{int(t.Face), int(t.Size * 4)}
		fc, ok := faces[key]
		if !ok {
			if fc, err = opentype.NewFace(fs[t.Face], &opentype.FaceOptions{Size: t.Size, DPI: 72, Hinting: font.HintingNone}); err != nil {
				return nil, err
			}
			faces[key] = fc
		}
		col := t.Color
		if col.A == 0 {
			col = black
		}
		d := font.Drawer{Dst: img, Src: image.NewUniform(col), Face: fc, Dot: fixed.P(int(t.X), int(t.Y))}
		d.DrawString(t.S)
	}
	return img, nil
}

func mix(a, b uint8, t float64) uint8 { return uint8(float64(a)*(1-t) + float64(b)*t) }

// Photo options: how the page is photographed.
type Photo struct {
	Seed        uint64
	Angle       float64 // degrees, in-plane rotation
	Perspective float64 // 0..0.15, corner displacement as a fraction of the page size
	Blur        int     // box-blur radius in pixels
	Light       float64 // 0..0.5 depth of the uneven lighting
	Noise       float64 // standard deviation of pixel noise
	Quality     int     // JPEG quality
	Quarter     int     // extra quarter turns (0..3) clockwise
}

// PhotoLike is the photo variant the accuracy benchmark measures.
func PhotoLike(seed uint64) Photo {
	r := rand.New(rand.NewPCG(seed, 7))
	return Photo{Seed: seed, Angle: r.Float64()*16 - 8, Perspective: 0.03 + r.Float64()*0.05, Blur: 1,
		Light: 0.2 + r.Float64()*0.15, Noise: 4, Quality: 60 + r.IntN(20)}
}

// Shoot places the page on a textured background as a camera would see
// it and returns the photo and where the page's corners landed.
func Shoot(page *image.RGBA, p Photo) (*image.RGBA, geom.Quad) {
	r := rand.New(rand.NewPCG(p.Seed, 11))
	pw, ph := float64(page.Bounds().Dx()), float64(page.Bounds().Dy())
	cw, ch := int(pw*1.45), int(ph*1.55)
	c := geom.Pt{X: float64(cw) / 2, Y: float64(ch) / 2}
	var q geom.Quad
	for i, p0 := range geom.Rect(pw, ph) {
		d := geom.Pt{X: p0.X - pw/2 + c.X, Y: p0.Y - ph/2 + c.Y}
		d.X += (r.Float64()*2 - 1) * p.Perspective * pw
		d.Y += (r.Float64()*2 - 1) * p.Perspective * ph
		q[i] = geom.Rotate(d, c, p.Angle*math.Pi/180)
	}
	h, _ := geom.Homography(q, geom.Rect(pw, ph)) // photo → page
	out := image.NewRGBA(image.Rect(0, 0, cw, ch))
	base := [3]float64{90 + r.Float64()*60, 80 + r.Float64()*50, 70 + r.Float64()*40}
	for y := 0; y < ch; y++ {
		for x := 0; x < cw; x++ {
			s := h.Apply(geom.Pt{X: float64(x) + 0.5, Y: float64(y) + 0.5})
			var px [3]float64
			if s.X >= 0 && s.Y >= 0 && s.X < pw-1 && s.Y < ph-1 {
				px = bilinear(page, s.X-0.5, s.Y-0.5)
			} else {
				// A desk: a low-frequency wood-like texture.
				v := 12 * math.Sin(float64(x)/23+math.Sin(float64(y)/41)*3)
				px = [3]float64{base[0] + v, base[1] + v, base[2] + v}
			}
			o := out.PixOffset(x, y)
			for k := 0; k < 3; k++ {
				out.Pix[o+k] = clamp8(px[k])
			}
			out.Pix[o+3] = 255
		}
	}
	if p.Blur > 0 {
		out = boxBlur(out, p.Blur)
	}
	lx, ly := r.Float64()*float64(cw), r.Float64()*float64(ch)
	diag := math.Hypot(float64(cw), float64(ch))
	for y := 0; y < ch; y++ {
		for x := 0; x < cw; x++ {
			f := 1 + p.Light*0.5 - p.Light*math.Hypot(float64(x)-lx, float64(y)-ly)/diag*1.5
			o := out.PixOffset(x, y)
			for k := 0; k < 3; k++ {
				out.Pix[o+k] = clamp8(float64(out.Pix[o+k])*f + r.NormFloat64()*p.Noise)
			}
		}
	}
	for i := 0; i < p.Quarter%4; i++ {
		out, q = rot90(out, q)
	}
	return out, q
}

// rot90 turns the image a quarter clockwise, with the quad.
func rot90(m *image.RGBA, q geom.Quad) (*image.RGBA, geom.Quad) {
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	out := image.NewRGBA(image.Rect(0, 0, h, w))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			copy(out.Pix[out.PixOffset(h-1-y, x):][:4], m.Pix[m.PixOffset(x, y):][:4])
		}
	}
	for i := range q {
		q[i] = geom.Pt{X: float64(h) - q[i].Y, Y: q[i].X}
	}
	return out, q
}

func bilinear(m *image.RGBA, x, y float64) [3]float64 {
	x = math.Max(0, x)
	y = math.Max(0, y)
	x0, y0 := int(x), int(y)
	fx, fy := x-float64(x0), y-float64(y0)
	var out [3]float64
	for k := 0; k < 3; k++ {
		p := func(xx, yy int) float64 { return float64(m.Pix[m.PixOffset(xx, yy)+k]) }
		out[k] = (p(x0, y0)*(1-fx)+p(x0+1, y0)*fx)*(1-fy) + (p(x0, y0+1)*(1-fx)+p(x0+1, y0+1)*fx)*fy
	}
	return out
}

func boxBlur(m *image.RGBA, rad int) *image.RGBA {
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	out := image.NewRGBA(m.Bounds())
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s [3]int
			n := 0
			for dy := -rad; dy <= rad; dy++ {
				for dx := -rad; dx <= rad; dx++ {
					xx, yy := min(max(x+dx, 0), w-1), min(max(y+dy, 0), h-1)
					o := m.PixOffset(xx, yy)
					s[0] += int(m.Pix[o])
					s[1] += int(m.Pix[o+1])
					s[2] += int(m.Pix[o+2])
					n++
				}
			}
			o := out.PixOffset(x, y)
			out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = uint8(s[0]/n), uint8(s[1]/n), uint8(s[2]/n), 255
		}
	}
	return out
}

func clamp8(v float64) uint8 { return uint8(math.Min(255, math.Max(0, math.Round(v)))) }

// Clean is the scan-like variant: the page on a white margin, as PNG.
func Clean(page *image.RGBA) ([]byte, error) {
	b := page.Bounds()
	m := 24
	out := image.NewRGBA(image.Rect(0, 0, b.Dx()+2*m, b.Dy()+2*m))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.RGBA{250, 250, 250, 255}), image.Point{}, draw.Src)
	draw.Draw(out, b.Add(image.Pt(m, m)), page, image.Point{}, draw.Src)
	var buf bytes.Buffer
	err := png.Encode(&buf, out)
	return buf.Bytes(), err
}

// Encode writes a photo as JPEG at the photo's quality.
func Encode(m image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: quality})
	return buf.Bytes(), err
}
