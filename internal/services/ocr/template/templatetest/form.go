// Package templatetest renders the synthetic forms the custom-template
// tests read: a page with fixed printed labels (the anchors) and variable
// values (the recognition areas), drawn with Debian's Noto Sans CJK, and
// the photo-like warps (shift, scale, rotation, perspective) of it.
package templatetest

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// FontPaths are where Debian's fonts-noto-cjk puts the font (the Makefile's
// deps target installs it).
var FontPaths = []string{
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
}

var (
	fontOnce sync.Once
	fontSC   *sfnt.Font
	fontErr  error
)

// ErrNoFont is returned when no CJK font is installed.
var ErrNoFont = errors.New("font Noto Sans CJK not installed (Debian package fonts-noto-cjk; make deps)")

// Font returns the Simplified Chinese face of Noto Sans CJK.
func Font() (*sfnt.Font, error) {
	fontOnce.Do(func() {
		fontErr = ErrNoFont
		for _, p := range FontPaths {
			data, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			coll, err := opentype.ParseCollection(data)
			if err != nil {
				fontErr = fmt.Errorf("%s: %w", p, err)
				continue
			}
			var buf sfnt.Buffer
			for i := 0; i < coll.NumFonts(); i++ {
				f, err := coll.Font(i)
				if err != nil {
					continue
				}
				name, _ := f.Name(&buf, sfnt.NameIDFamily)
				if strings.HasSuffix(name, " SC") {
					fontSC, fontErr = f, nil
					return
				}
			}
		}
	})
	return fontSC, fontErr
}

// Box is an upright rectangle on the page.
type Box struct{ X0, Y0, X1, Y1 float64 }

// Location is the box as the template API's four corners.
func (b Box) Location() [][]float64 {
	return [][]float64{{b.X0, b.Y0}, {b.X1, b.Y0}, {b.X1, b.Y1}, {b.X0, b.Y1}}
}

// Row is one printed label and the area its value is written in.
type Row struct {
	Label string // printed, fixed: an anchor
	Field string // the recognition area's name
}

// Layout is a form: a title and rows of label and value.
type Layout struct {
	Title string
	Rows  []Row
	W, H  int
}

// Staff is the layout the tests use: a staff registration form.
var Staff = Layout{
	Title: "员工登记表",
	Rows: []Row{
		{"姓名", "name"},
		{"部门", "department"},
		{"入职日期", "start_date"},
		{"工号", "staff_no"},
		{"联系电话", "phone"},
	},
	W: 1000, H: 720,
}

// Visitor is a second layout, for classifiers: other labels.
var Visitor = Layout{
	Title: "访客通行证",
	Rows: []Row{
		{"来访单位", "company"},
		{"被访人", "host"},
		{"有效期至", "valid_until"},
	},
	W: 1000, H: 720,
}

// Rendered is a drawn form with where its text is.
type Rendered struct {
	Image *image.RGBA
	// Anchors maps printed text (title and labels) to its ink box.
	Anchors map[string]Box
	// Areas maps a field name to the area its value may occupy.
	Areas map[string]Box
}

const (
	titleSize = 44
	textSize  = 32
	labelX    = 90
	valueX    = 330
	firstRow  = 200
	rowStep   = 96
)

// Render draws l with values (field name → text).
func (l Layout) Render(values map[string]string) (*Rendered, error) {
	f, err := Font()
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, l.W, l.H))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{250, 250, 246, 255}), image.Point{}, draw.Src)
	out := &Rendered{Image: img, Anchors: map[string]Box{}, Areas: map[string]Box{}}
	ink := image.NewUniform(color.RGBA{20, 20, 30, 255})
	text := func(s string, size float64, x, baseline int) (Box, error) {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
		if err != nil {
			return Box{}, err
		}
		defer face.Close()
		d := font.Drawer{Dst: img, Src: ink, Face: face, Dot: fixed.P(x, baseline)}
		b, _ := d.BoundString(s)
		d.DrawString(s)
		return Box{float64(b.Min.X.Floor()), float64(b.Min.Y.Floor()), float64(b.Max.X.Ceil()), float64(b.Max.Y.Ceil())}, nil
	}
	tb, err := text(l.Title, titleSize, (l.W-len([]rune(l.Title))*titleSize)/2, 110)
	if err != nil {
		return nil, err
	}
	out.Anchors[l.Title] = tb
	line := color.RGBA{120, 120, 130, 255}
	for i, r := range l.Rows {
		base := firstRow + i*rowStep
		lb, err := text(r.Label, textSize, labelX, base)
		if err != nil {
			return nil, err
		}
		out.Anchors[r.Label] = lb
		// The area a value may fill: right of the label up to the margin,
		// a row high, above the ruled line it is written on.
		out.Areas[r.Field] = Box{valueX - 10, float64(base - textSize - 14), float64(l.W - 60), float64(base + 16)}
		for x := valueX - 10; x < l.W-60; x++ {
			img.Set(x, base+20, line)
		}
		if v := values[r.Field]; v != "" {
			if _, err := text(v, textSize, valueX, base); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// PNG encodes img.
func PNG(img image.Image) []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// H is a 3×3 projective transform, row-major, page → photo.
type H [9]float64

// Similarity is rotation by deg degrees about the page centre (cx, cy),
// scaling by s, then translation by (tx, ty).
func Similarity(deg, s, cx, cy, tx, ty float64) H {
	a := deg * math.Pi / 180
	c, n := s*math.Cos(a), s*math.Sin(a)
	return H{c, -n, cx - c*cx + n*cy + tx, n, c, cy - n*cx - c*cy + ty, 0, 0, 1}
}

// Perspective maps the page rectangle w×h onto the quadrilateral dst
// (TL, TR, BR, BL).
func Perspective(w, h float64, dst [4][2]float64) H {
	src := [4][2]float64{{0, 0}, {w, 0}, {w, h}, {0, h}}
	// Solve the 8 unknowns of H (h22 = 1) by Gaussian elimination.
	var a [8][9]float64
	for i := 0; i < 4; i++ {
		x, y, u, v := src[i][0], src[i][1], dst[i][0], dst[i][1]
		a[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		a[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		for r := 0; r < 8; r++ {
			if r != c {
				f := a[r][c] / a[c][c]
				for k := c; k < 9; k++ {
					a[r][k] -= f * a[c][k]
				}
			}
		}
	}
	var m H
	for i := 0; i < 8; i++ {
		m[i] = a[i][8] / a[i][i]
	}
	m[8] = 1
	return m
}

// Apply maps a page point into the photo.
func (h H) Apply(x, y float64) (float64, float64) {
	w := h[6]*x + h[7]*y + h[8]
	return (h[0]*x + h[1]*y + h[2]) / w, (h[3]*x + h[4]*y + h[5]) / w
}

func (h H) inverse() H {
	a, b, c, d, e, f, g, k, i := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
	det := a*(e*i-f*k) - b*(d*i-f*g) + c*(d*k-e*g)
	return H{(e*i - f*k) / det, (c*k - b*i) / det, (b*f - c*e) / det,
		(f*g - d*i) / det, (a*i - c*g) / det, (c*d - a*f) / det,
		(d*k - e*g) / det, (b*g - a*k) / det, (a*e - b*d) / det}
}

// Warp photographs src through h onto a w×h canvas of a darker
// background (a desk), sampling bilinearly.
func Warp(src *image.RGBA, h H, w, hh int) *image.RGBA {
	inv := h.inverse()
	out := image.NewRGBA(image.Rect(0, 0, w, hh))
	bg := color.RGBA{96, 92, 88, 255}
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	for y := 0; y < hh; y++ {
		for x := 0; x < w; x++ {
			u, v := inv.Apply(float64(x)+0.5, float64(y)+0.5)
			u, v = u-0.5, v-0.5
			if u < 0 || v < 0 || u > float64(sw-1) || v > float64(sh-1) {
				out.SetRGBA(x, y, bg)
				continue
			}
			x0, y0 := int(u), int(v)
			x1, y1 := min(x0+1, sw-1), min(y0+1, sh-1)
			fx, fy := u-float64(x0), v-float64(y0)
			var px [4]float64
			for c := 0; c < 4; c++ {
				p00 := float64(src.Pix[y0*src.Stride+x0*4+c])
				p10 := float64(src.Pix[y0*src.Stride+x1*4+c])
				p01 := float64(src.Pix[y1*src.Stride+x0*4+c])
				p11 := float64(src.Pix[y1*src.Stride+x1*4+c])
				px[c] = p00*(1-fx)*(1-fy) + p10*fx*(1-fy) + p01*(1-fx)*fy + p11*fx*fy
			}
			out.SetRGBA(x, y, color.RGBA{uint8(px[0] + 0.5), uint8(px[1] + 0.5), uint8(px[2] + 0.5), 255})
		}
	}
	return out
}
