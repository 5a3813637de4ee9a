// Command ocrfixtures renders the repository's OCR test images: known
// Chinese and English text in several fonts from Debian's font packages
// (fonts-noto-cjk, fonts-dejavu-core, fonts-liberation),
// some with noise, slight rotation or JPEG compression. It writes the
// images and expected.json to internal/services/ocr/testdata.
//
//	go run ./tools/ocrfixtures [-out dir]
//
// Output is deterministic for a given set of font files.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// fontSpec names a face inside a font file; Match picks a face of a
// collection by a substring of its full name (e.g. the Simplified Chinese
// member of Noto CJK).
type fontSpec struct {
	Path, Match string
}

var fonts = map[string]fontSpec{
	// The TrueType collections of fonts-wqy-zenhei and fonts-arphic-* do
	// not parse with x/image's sfnt reader ("invalid table offset"); the
	// Chinese faces come from the CFF-based Noto CJK collections.
	"noto-sans-sc-bold": {"/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"},
	"noto-mono-sc":      {"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans Mono CJK SC"},
	"noto-sans-sc":      {"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"},
	"noto-serif-sc":     {"/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"},
	"dejavu-sans":       {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", ""},
	"liberation-serf":   {"/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf", ""},
	"liberation-mono":   {"/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf", ""},
}

// sample is one image to render.
type sample struct {
	File     string
	Font     string
	Size     float64
	Lines    []string
	Rotation float64 // degrees, counter-clockwise
	Noise    int     // uniform per-channel noise amplitude
	Fg, Bg   color.RGBA
	JPEG     int // quality; 0 writes PNG
}

var (
	black = color.RGBA{20, 20, 20, 255}
	white = color.RGBA{255, 255, 255, 255}
	navy  = color.RGBA{20, 40, 110, 255}
	cream = color.RGBA{250, 244, 225, 255}
	red   = color.RGBA{170, 20, 30, 255}
)

var samples = []sample{
	{File: "zh_bold_plain.png", Font: "noto-sans-sc-bold", Size: 34, Fg: black, Bg: white,
		Lines: []string{"欢迎使用文字识别服务", "今天天气很好，适合出门散步。"}},
	{File: "zh_noto_sans.png", Font: "noto-sans-sc", Size: 32, Fg: navy, Bg: cream,
		Lines: []string{"北京市海淀区中关村大街1号", "人工智能让生活更美好"}},
	{File: "zh_noto_serif_rot.png", Font: "noto-serif-sc", Size: 36, Fg: black, Bg: white, Rotation: 2,
		Lines: []string{"春眠不觉晓，处处闻啼鸟。", "夜来风雨声，花落知多少。"}},
	{File: "zh_mono_noise.jpg", Font: "noto-mono-sc", Size: 32, Fg: red, Bg: white, Noise: 40, JPEG: 80,
		Lines: []string{"价格：99元 数量：3件", "联系电话：010-62345678"}},
	{File: "zh_serif_small.png", Font: "noto-serif-sc", Size: 22, Fg: black, Bg: white,
		Lines: []string{"书山有路勤为径", "学海无涯苦作舟"}},
	{File: "en_dejavu_plain.png", Font: "dejavu-sans", Size: 30, Fg: black, Bg: white,
		Lines: []string{"The quick brown fox jumps over the lazy dog", "Invoice No. 2024-0815 Total: 128.50"}},
	{File: "en_liberation_serif_rot.png", Font: "liberation-serf", Size: 34, Fg: navy, Bg: white, Rotation: -3,
		Lines: []string{"Optical character recognition", "Self-hosted and wire-compatible"}},
	{File: "en_mono_noise.jpg", Font: "liberation-mono", Size: 28, Fg: black, Bg: cream, Noise: 30, JPEG: 85,
		Lines: []string{"ERROR AIS.0104 image quality", "retry after 30 seconds"}},
	{File: "mixed_noto_sans.png", Font: "noto-sans-sc", Size: 30, Fg: black, Bg: white, Rotation: 1,
		Lines: []string{"订单号：A20241123", "发货时间 2024年11月23日", "Model PP-OCRv4 识别成功"}},
}

// Expected is the schema of expected.json.
type Expected struct {
	Images []ExpectedImage `json:"images"`
}

// ExpectedImage describes one rendered image.
type ExpectedImage struct {
	File     string   `json:"file"`
	Font     string   `json:"font"`
	Size     float64  `json:"size"`
	Lines    []string `json:"lines"`
	Rotation float64  `json:"rotation"`
	Noise    int      `json:"noise"`
	JPEG     int      `json:"jpeg,omitempty"`
}

func loadFace(s fontSpec, size float64) (font.Face, error) {
	b, err := os.ReadFile(s.Path)
	if err != nil {
		return nil, fmt.Errorf("%w (install the Debian font package)", err)
	}
	var f *opentype.Font
	if strings.HasSuffix(s.Path, ".ttc") {
		c, err := opentype.ParseCollection(b)
		if err != nil {
			return nil, err
		}
		for i := 0; i < c.NumFonts(); i++ {
			cf, err := c.Font(i)
			if err != nil {
				return nil, err
			}
			name, _ := cf.Name(nil, 4) // full name
			if s.Match == "" || strings.Contains(name, s.Match) {
				f = cf
				break
			}
		}
		if f == nil {
			return nil, fmt.Errorf("%s: no face matching %q", s.Path, s.Match)
		}
	} else if f, err = opentype.Parse(b); err != nil {
		return nil, err
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

func render(s sample) (image.Image, error) {
	face, err := loadFace(fonts[s.Font], s.Size)
	if err != nil {
		return nil, err
	}
	defer face.Close()
	m := face.Metrics()
	lineH := int(math.Ceil(s.Size * 1.7))
	margin := int(s.Size)
	width := 0
	for _, l := range s.Lines {
		width = max(width, font.MeasureString(face, l).Ceil())
	}
	w, h := width+2*margin, len(s.Lines)*lineH+2*margin
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(s.Bg), image.Point{}, draw.Src)
	d := &font.Drawer{Dst: img, Src: image.NewUniform(s.Fg), Face: face}
	for i, l := range s.Lines {
		y := margin + i*lineH + (lineH+m.Ascent.Ceil()-m.Descent.Ceil())/2
		d.Dot = fixed.P(margin, y)
		d.DrawString(l)
	}
	var out image.Image = img
	if s.Rotation != 0 {
		out = rotate(img, s.Rotation, s.Bg)
	}
	if s.Noise > 0 {
		out = addNoise(out, s.Noise, s.File)
	}
	return out, nil
}

// rotate turns img counter-clockwise by deg degrees about its centre onto
// a canvas large enough to hold it, sampling bilinearly.
func rotate(img *image.RGBA, deg float64, bg color.RGBA) *image.RGBA {
	a := deg * math.Pi / 180
	sin, cos := math.Sin(a), math.Cos(a)
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	nw := int(math.Ceil(math.Abs(w*cos) + math.Abs(h*sin)))
	nh := int(math.Ceil(math.Abs(w*sin) + math.Abs(h*cos)))
	out := image.NewRGBA(image.Rect(0, 0, nw, nh))
	cx, cy := w/2, h/2
	ncx, ncy := float64(nw)/2, float64(nh)/2
	at := func(x, y int) [4]float64 {
		if x < 0 || y < 0 || x >= img.Rect.Dx() || y >= img.Rect.Dy() {
			return [4]float64{float64(bg.R), float64(bg.G), float64(bg.B), 255}
		}
		i := img.PixOffset(x, y)
		p := img.Pix[i : i+4]
		return [4]float64{float64(p[0]), float64(p[1]), float64(p[2]), float64(p[3])}
	}
	for y := 0; y < nh; y++ {
		for x := 0; x < nw; x++ {
			// Inverse map: destination pixel centre back into the source.
			dx, dy := float64(x)+0.5-ncx, float64(y)+0.5-ncy
			sx := cos*dx - sin*dy + cx - 0.5
			sy := sin*dx + cos*dy + cy - 0.5
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			fx, fy := sx-float64(x0), sy-float64(y0)
			p00, p10, p01, p11 := at(x0, y0), at(x0+1, y0), at(x0, y0+1), at(x0+1, y0+1)
			o := out.PixOffset(x, y)
			for c := 0; c < 4; c++ {
				v := p00[c]*(1-fx)*(1-fy) + p10[c]*fx*(1-fy) + p01[c]*(1-fx)*fy + p11[c]*fx*fy
				out.Pix[o+c] = uint8(math.Round(v))
			}
		}
	}
	return out
}

// addNoise adds uniform noise in [-amp, amp] per channel, seeded by name so
// the output is reproducible.
func addNoise(img image.Image, amp int, name string) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(b)
	draw.Draw(out, b, img, b.Min, draw.Src)
	var seed uint64
	for _, c := range name {
		seed = seed*131 + uint64(c)
	}
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for i := 0; i < len(out.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			v := int(out.Pix[i+c]) + r.IntN(2*amp+1) - amp
			out.Pix[i+c] = uint8(min(max(v, 0), 255))
		}
	}
	return out
}

func write(path string, img image.Image, quality int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if quality > 0 {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: quality})
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(f, img)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func main() {
	out := flag.String("out", "internal/services/ocr/testdata", "output directory")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	var exp Expected
	for _, s := range samples {
		img, err := render(s)
		if err != nil {
			log.Fatalf("%s: %v", s.File, err)
		}
		if err := write(filepath.Join(*out, s.File), img, s.JPEG); err != nil {
			log.Fatalf("%s: %v", s.File, err)
		}
		exp.Images = append(exp.Images, ExpectedImage{File: s.File, Font: s.Font, Size: s.Size,
			Lines: s.Lines, Rotation: s.Rotation, Noise: s.Noise, JPEG: s.JPEG})
	}
	b, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "expected.json"), append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %d images and expected.json to %s\n", len(samples), *out)
}
