// Package groundtruth renders the OCR ground-truth set: known Chinese and
// English text drawn with the fonts Debian ships (fonts-noto-cjk,
// fonts-dejavu), clean and hard — small text, long lines, skew, noise, low
// contrast, blur, heavy JPEG, a simulated photo of a screen, and text
// turned a quarter or half turn. Every image is derived from a fixed seed,
// so the set is the same on every machine with the same font files; the
// accuracy tables in docs are measured on it.
package groundtruth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Sample is one ground-truth image and the text it holds, line by line in
// reading order.
type Sample struct {
	Name    string // file name, e.g. "blur-03.png"
	Variant string // clean, small, long, skew, noise, contrast, blur, jpeg, screen, turn90, turn180, single
	Font    string
	Lines   []string
	Turn    int // quarter-turn applied to the page, counter-clockwise degrees (0, 90, 180, 270)
	Image   image.Image
	Data    []byte // the image file (PNG, or JPEG for the lossy variants)
}

// Fonts are the faces the set draws with, by name; Match selects a face of
// a collection by its full name.
var Fonts = map[string]struct{ Path, Match string }{
	"noto-sans-sc":      {"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"},
	"noto-sans-sc-bold": {"/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"},
	"noto-serif-sc":     {"/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"},
	"dejavu-sans":       {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", ""},
	"dejavu-serif":      {"/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", ""},
	"dejavu-mono":       {"/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", ""},
	"dejavu-condensed":  {"/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf", ""},
}

// Debian packages holding Fonts, for the Makefile and skip messages.
const Packages = "fonts-noto-cjk fonts-dejavu-core fonts-dejavu-extra"

var cjkFonts = []string{"noto-sans-sc", "noto-sans-sc-bold", "noto-serif-sc"}
var latinFonts = []string{"dejavu-sans", "dejavu-serif", "dejavu-mono", "dejavu-condensed", "noto-sans-sc"}

// Chinese and English lines the pages are built from: everyday text with
// digits, punctuation and spaces between English words.
var zhLines = []string{
	"欢迎使用文字识别服务", "今天天气很好，适合出门散步。", "北京市海淀区中关村大街27号",
	"人工智能让生活更美好", "请于2025年3月15日前缴费", "会议室预订：周三下午两点",
	"本店营业时间为早九点至晚十点", "联系电话：021-64587213", "订单已发货，预计明天送达",
	"春风又绿江南岸，明月何时照我还。", "合同编号：HT-2024-0917", "仓库温度保持在五摄氏度以下",
	"发票抬头：上海云杉科技有限公司", "地铁四号线换乘十号线", "总金额：人民币叁仟伍佰元整",
	"图书馆三楼自习室安静", "请勿在此处停放车辆", "新产品发布会将于下周举行",
}

var enLines = []string{
	"The quick brown fox jumps over the lazy dog", "PAGE TWO OF THE ANNUAL REPORT",
	"Invoice No. 2024-0815 Total: 128.50", "Meeting moved to Room 4B at 3 pm",
	"Please keep this receipt for your records", "Order shipped via express delivery",
	"Temperature must stay below 5 degrees", "Call us at 800 555 0199 today",
	"Open Monday to Friday from 9 to 6", "Section 3.2 describes the method",
	"Batch 7781 passed quality control", "Visit our store on Main Street",
}

var mixedLines = []string{
	"型号 PP-OCRv4 识别成功", "快递单号：SF1403928475", "价格：99元 数量：3件",
	"Wi-Fi 密码：guest2024", "第 12 页 共 40 页", "版本 v3.5.0 已发布",
}

var (
	loadOnce sync.Once
	loaded   []Sample
	loadErr  error
)

// Set renders the whole set once per process (about seventy images).
// It fails, naming the Debian packages, when a font file is missing.
func Set() ([]Sample, error) {
	loadOnce.Do(func() { loaded, loadErr = build() })
	return loaded, loadErr
}

type style struct {
	variant      string
	n            int
	size         [2]float64 // font size range in px
	lines        [2]int     // lines per page range
	fg           func(r *rand.Rand) (color.RGBA, color.RGBA)
	long, single bool
	post         func(img *image.RGBA, r *rand.Rand) image.Image
	turn         int
	quality      int // JPEG quality, 0 for PNG
	skew         float64
}

func dark(r *rand.Rand) (color.RGBA, color.RGBA) {
	fgs := []color.RGBA{{20, 20, 20, 255}, {20, 40, 110, 255}, {150, 20, 30, 255}, {40, 40, 40, 255}}
	bgs := []color.RGBA{{255, 255, 255, 255}, {250, 244, 225, 255}, {235, 240, 245, 255}}
	return fgs[r.IntN(len(fgs))], bgs[r.IntN(len(bgs))]
}

func faint(r *rand.Rand) (color.RGBA, color.RGBA) {
	g := uint8(140 + r.IntN(25))
	b := uint8(min(int(g)+45+r.IntN(15), 255))
	return color.RGBA{g, g, g, 255}, color.RGBA{b, b, b - 5, 255}
}

func inverted(r *rand.Rand) (color.RGBA, color.RGBA) {
	return color.RGBA{240, 240, 240, 255}, color.RGBA{uint8(20 + r.IntN(40)), 30, 60, 255}
}

var styles = []style{
	{variant: "clean", n: 8, size: [2]float64{26, 36}, lines: [2]int{2, 4}, fg: dark},
	{variant: "small", n: 6, size: [2]float64{12, 15}, lines: [2]int{2, 4}, fg: dark},
	{variant: "long", n: 6, size: [2]float64{20, 26}, lines: [2]int{1, 2}, fg: dark, long: true},
	{variant: "skew", n: 6, size: [2]float64{24, 32}, lines: [2]int{2, 3}, fg: dark, skew: 8},
	{variant: "noise", n: 6, size: [2]float64{24, 32}, lines: [2]int{2, 3}, fg: dark, post: noise(70)},
	{variant: "contrast", n: 6, size: [2]float64{22, 30}, lines: [2]int{2, 3}, fg: faint},
	{variant: "inverted", n: 4, size: [2]float64{24, 32}, lines: [2]int{2, 3}, fg: inverted},
	{variant: "blur", n: 6, size: [2]float64{22, 30}, lines: [2]int{2, 3}, fg: dark, post: blur(2)},
	{variant: "jpeg", n: 6, size: [2]float64{20, 28}, lines: [2]int{2, 3}, fg: dark, quality: 20},
	{variant: "screen", n: 6, size: [2]float64{24, 32}, lines: [2]int{2, 3}, fg: dark, post: screen, quality: 70},
	{variant: "turn90", n: 4, size: [2]float64{26, 32}, lines: [2]int{2, 3}, fg: dark, turn: 90},
	{variant: "turn180", n: 3, size: [2]float64{26, 32}, lines: [2]int{2, 3}, fg: dark, turn: 180},
	{variant: "turn270", n: 3, size: [2]float64{26, 32}, lines: [2]int{2, 3}, fg: dark, turn: 270},
	{variant: "single", n: 8, size: [2]float64{22, 34}, lines: [2]int{1, 1}, fg: dark, single: true},
}

// Variants lists the variant names in the set's order.
func Variants() []string {
	out := make([]string, len(styles))
	for i, s := range styles {
		out[i] = s.variant
	}
	return out
}

func build() ([]Sample, error) {
	faces := map[string]*opentype.Font{}
	for name, f := range Fonts {
		ft, err := loadFont(f.Path, f.Match)
		if err != nil {
			return nil, fmt.Errorf("groundtruth: font %s: %w (Debian packages: %s)", name, err, Packages)
		}
		faces[name] = ft
	}
	var out []Sample
	for si, st := range styles {
		for i := 0; i < st.n; i++ {
			r := rand.New(rand.NewPCG(uint64(si+1)*7919, uint64(i+1)*104729))
			s, err := renderSample(st, i, r, faces)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// pickLines draws k lines: Chinese, English or mixed pages in turn, so
// every variant holds both scripts.
func pickLines(r *rand.Rand, i, k int, long bool) ([]string, bool) {
	var pool []string
	latin := false
	switch i % 3 {
	case 0:
		pool = zhLines
	case 1:
		pool, latin = enLines, true
	default:
		pool = mixedLines
	}
	perm := r.Perm(len(pool))
	var out []string
	for j := 0; j < k; j++ {
		l := pool[perm[j%len(pool)]]
		if long {
			// Two or three lines run together into one long line.
			sep := "，"
			if latin {
				sep = ", "
			} else if pool[0] == mixedLines[0] {
				sep = " "
			}
			l += sep + pool[perm[(j+k)%len(pool)]]
			if latin {
				l += sep + pool[perm[(j+k+1)%len(pool)]]
			}
		}
		out = append(out, l)
	}
	return out, latin
}

func renderSample(st style, i int, r *rand.Rand, faces map[string]*opentype.Font) (Sample, error) {
	k := st.lines[0] + r.IntN(st.lines[1]-st.lines[0]+1)
	lines, latin := pickLines(r, i, k, st.long)
	fonts := cjkFonts
	if latin {
		fonts = latinFonts
	}
	fname := fonts[r.IntN(len(fonts))]
	size := st.size[0] + r.Float64()*(st.size[1]-st.size[0])
	face, err := opentype.NewFace(faces[fname], &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return Sample{}, err
	}
	defer face.Close()
	fg, bg := st.fg(r)
	m := face.Metrics()
	lineH := int(math.Ceil(size * (1.5 + 0.4*r.Float64())))
	margin := int(size*0.8) + r.IntN(int(size)+1)
	if st.single {
		margin = int(size*0.3) + r.IntN(int(size*0.4)+1)
		lineH = int(math.Ceil(size * 1.35))
	}
	width := 0
	for _, l := range lines {
		width = max(width, font.MeasureString(face, l).Ceil())
	}
	w, h := width+2*margin, len(lines)*lineH+2*margin
	page := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(page, page.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	d := &font.Drawer{Dst: page, Src: image.NewUniform(fg), Face: face}
	for j, l := range lines {
		y := margin + j*lineH + (lineH+m.Ascent.Ceil()-m.Descent.Ceil())/2
		d.Dot = fixed.P(margin, y)
		d.DrawString(l)
	}
	var img image.Image = page
	if st.skew != 0 {
		a := (st.skew/2 + r.Float64()*st.skew/2)
		if r.IntN(2) == 0 {
			a = -a
		}
		img = Rotate(page, a, bg)
	}
	if st.post != nil {
		img = st.post(toRGBA(img), r)
	}
	if st.turn != 0 {
		img = Turn(img, st.turn)
	}
	ext := ".png"
	var buf bytes.Buffer
	if st.quality > 0 {
		ext = ".jpg"
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: st.quality}); err != nil {
			return Sample{}, err
		}
		if img, err = jpeg.Decode(bytes.NewReader(buf.Bytes())); err != nil {
			return Sample{}, err
		}
	} else if err := png.Encode(&buf, img); err != nil {
		return Sample{}, err
	}
	return Sample{Name: fmt.Sprintf("%s-%02d%s", st.variant, i, ext), Variant: st.variant, Font: fname,
		Lines: lines, Turn: st.turn, Image: img, Data: buf.Bytes()}, nil
}

func loadFont(path, match string) (*opentype.Font, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(path, ".ttc") {
		return opentype.Parse(b)
	}
	c, err := opentype.ParseCollection(b)
	if err != nil {
		return nil, err
	}
	for i := 0; i < c.NumFonts(); i++ {
		f, err := c.Font(i)
		if err != nil {
			return nil, err
		}
		if name, _ := f.Name(nil, 4); strings.Contains(name, match) {
			return f, nil
		}
	}
	return nil, fmt.Errorf("no face matching %q", match)
}

func toRGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok {
		return m
	}
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Bounds(), img, b.Min, draw.Src)
	return out
}

// Turn rotates img counter-clockwise by a multiple of 90 degrees.
func Turn(img image.Image, deg int) image.Image {
	src := toRGBA(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	deg = ((deg % 360) + 360) % 360
	if deg == 0 {
		return src
	}
	ow, oh := w, h
	if deg != 180 {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var nx, ny int
			switch deg {
			case 90: // counter-clockwise: the top edge goes to the left
				nx, ny = y, w-1-x
			case 180:
				nx, ny = w-1-x, h-1-y
			case 270:
				nx, ny = h-1-y, x
			}
			copy(out.Pix[out.PixOffset(nx, ny):][:4], src.Pix[src.PixOffset(x, y):][:4])
		}
	}
	return out
}

// Rotate turns img counter-clockwise by deg degrees about its centre onto a
// canvas that holds all of it, sampling bilinearly; bg fills the corners.
func Rotate(img *image.RGBA, deg float64, bg color.RGBA) *image.RGBA {
	a := deg * math.Pi / 180
	sin, cos := math.Sin(a), math.Cos(a)
	w, h := float64(img.Rect.Dx()), float64(img.Rect.Dy())
	nw := int(math.Ceil(math.Abs(w*cos) + math.Abs(h*sin)))
	nh := int(math.Ceil(math.Abs(w*sin) + math.Abs(h*cos)))
	out := image.NewRGBA(image.Rect(0, 0, nw, nh))
	cx, cy, ncx, ncy := w/2, h/2, float64(nw)/2, float64(nh)/2
	at := func(x, y int) [4]float64 {
		if x < 0 || y < 0 || x >= img.Rect.Dx() || y >= img.Rect.Dy() {
			return [4]float64{float64(bg.R), float64(bg.G), float64(bg.B), 255}
		}
		p := img.Pix[img.PixOffset(x, y):]
		return [4]float64{float64(p[0]), float64(p[1]), float64(p[2]), float64(p[3])}
	}
	for y := 0; y < nh; y++ {
		for x := 0; x < nw; x++ {
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

// noise adds uniform per-channel noise in [-amp, amp].
func noise(amp int) func(*image.RGBA, *rand.Rand) image.Image {
	return func(img *image.RGBA, r *rand.Rand) image.Image {
		for i := 0; i < len(img.Pix); i += 4 {
			for c := 0; c < 3; c++ {
				v := int(img.Pix[i+c]) + r.IntN(2*amp+1) - amp
				img.Pix[i+c] = uint8(min(max(v, 0), 255))
			}
		}
		return img
	}
}

// blur applies a box blur of the given radius twice (close to a Gaussian).
func blur(radius int) func(*image.RGBA, *rand.Rand) image.Image {
	return func(img *image.RGBA, _ *rand.Rand) image.Image {
		return boxBlur(boxBlur(img, radius), radius)
	}
}

func boxBlur(img *image.RGBA, rad int) *image.RGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := image.NewRGBA(img.Rect)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s [3]int
			n := 0
			for dy := -rad; dy <= rad; dy++ {
				for dx := -rad; dx <= rad; dx++ {
					xx, yy := min(max(x+dx, 0), w-1), min(max(y+dy, 0), h-1)
					p := img.Pix[img.PixOffset(xx, yy):]
					s[0], s[1], s[2] = s[0]+int(p[0]), s[1]+int(p[1]), s[2]+int(p[2])
					n++
				}
			}
			o := out.PixOffset(x, y)
			out.Pix[o], out.Pix[o+1], out.Pix[o+2], out.Pix[o+3] = uint8(s[0]/n), uint8(s[1]/n), uint8(s[2]/n), 255
		}
	}
	return out
}

// screen imitates a phone photo of a monitor: the page shown on an RGB
// sub-pixel grid with scan-line beating (moiré), uneven brightness across
// the frame, a slight tilt, blur and sensor noise.
func screen(img *image.RGBA, r *rand.Rand) image.Image {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	period := 3.0 + r.Float64()
	phase := r.Float64() * math.Pi
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			o := img.PixOffset(x, y)
			light := 0.8 + 0.2*math.Cos(float64(x)/float64(w)*math.Pi-0.6) - 0.1*float64(y)/float64(h)
			moire := 0.9 + 0.1*math.Sin(float64(y)*2*math.Pi/period+float64(x)*0.05+phase)
			for c := 0; c < 3; c++ {
				sub := 0.92
				if x%3 == c {
					sub = 1.05
				}
				v := float64(img.Pix[o+c]) * light * moire * sub
				img.Pix[o+c] = uint8(min(max(v, 0), 255))
			}
		}
	}
	bg := color.RGBA{img.Pix[0], img.Pix[1], img.Pix[2], 255}
	tilted := Rotate(img, (r.Float64()-0.5)*4, bg)
	return noise(12)(boxBlur(tilted, 1), r)
}

// Expected is the schema of the expected.json WriteDir writes.
type Expected struct {
	Images []ExpectedImage `json:"images"`
}

// ExpectedImage is one image's entry in expected.json.
type ExpectedImage struct {
	File    string   `json:"file"`
	Variant string   `json:"variant"`
	Font    string   `json:"font"`
	Turn    int      `json:"turn,omitempty"`
	Lines   []string `json:"lines"`
}

// WriteDir writes the set as image files plus expected.json into dir, for
// programs that read files (the benchmark's external peers).
func WriteDir(dir string) ([]ExpectedImage, error) {
	set, err := Set()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var exp Expected
	for _, s := range set {
		if err := os.WriteFile(filepath.Join(dir, s.Name), s.Data, 0o644); err != nil {
			return nil, err
		}
		exp.Images = append(exp.Images, ExpectedImage{File: s.Name, Variant: s.Variant, Font: s.Font, Turn: s.Turn, Lines: s.Lines})
	}
	b, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		return nil, err
	}
	return exp.Images, os.WriteFile(filepath.Join(dir, "expected.json"), append(b, '\n'), 0o644)
}

var (
	fontMu    sync.Mutex
	fontCache = map[string]*opentype.Font{}
)

// Page renders lines of text in the named font (a key of Fonts) at size px,
// dark on white with a margin of one text height, for tests that need a
// page with known text. A tab in a line is drawn as a gap of four text
// heights, so the two parts are separate blocks on one row.
func Page(fontName string, size float64, lines ...string) (image.Image, error) {
	spec, ok := Fonts[fontName]
	if !ok {
		return nil, fmt.Errorf("groundtruth: no font %q", fontName)
	}
	fontMu.Lock()
	ft := fontCache[fontName]
	if ft == nil {
		var err error
		if ft, err = loadFont(spec.Path, spec.Match); err != nil {
			fontMu.Unlock()
			return nil, fmt.Errorf("groundtruth: font %s: %w (Debian packages: %s)", fontName, err, Packages)
		}
		fontCache[fontName] = ft
	}
	fontMu.Unlock()
	face, err := opentype.NewFace(ft, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, err
	}
	defer face.Close()
	gap := fixed.I(int(4 * size))
	measure := func(l string) fixed.Int26_6 {
		var w fixed.Int26_6
		for i, part := range strings.Split(l, "\t") {
			if i > 0 {
				w += gap
			}
			w += font.MeasureString(face, part)
		}
		return w
	}
	width := 0
	for _, l := range lines {
		width = max(width, measure(l).Ceil())
	}
	margin, lineH := int(size), int(math.Ceil(size*1.7))
	page := image.NewRGBA(image.Rect(0, 0, width+2*margin, len(lines)*lineH+2*margin))
	draw.Draw(page, page.Bounds(), image.NewUniform(color.RGBA{255, 255, 255, 255}), image.Point{}, draw.Src)
	d := &font.Drawer{Dst: page, Src: image.NewUniform(color.RGBA{20, 20, 20, 255}), Face: face}
	m := face.Metrics()
	for j, l := range lines {
		y := margin + j*lineH + (lineH+m.Ascent.Ceil()-m.Descent.Ceil())/2
		d.Dot = fixed.P(margin, y)
		for i, part := range strings.Split(l, "\t") {
			if i > 0 {
				d.Dot.X += gap
			}
			d.DrawString(part)
		}
	}
	return page, nil
}
