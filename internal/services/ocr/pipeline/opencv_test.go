package pipeline

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"
)

// opencv_golden.json holds outputs of OpenCV 4.6 and pyclipper, written by
// testdata/opencv_golden.py; these tests need no models.
type goldenImg struct {
	W, H int
	Pix  []uint8
}

func (g goldenImg) bgr() *bgr { return &bgr{w: g.W, h: g.H, pix: g.Pix} }

type golden struct {
	Image  goldenImg
	Resize []struct {
		W, H int
		Out  goldenImg
	}
	Crop []struct {
		Box [4][2]float64
		Out goldenImg
	}
	Rect []struct {
		Pts  [][2]int64
		Box  [4][2]float64
		Side float64
	}
	Contours []struct {
		Pts  [][2]int64
		Box  [4][2]float64
		Side float64
	}
	Offset []struct {
		Poly  [4][2]float64
		Delta float64
		Out   [][][2]int64
	}
}

func loadGolden(t *testing.T) golden {
	t.Helper()
	b, err := os.ReadFile("testdata/opencv_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestResizeMatchesOpenCV(t *testing.T) {
	g := loadGolden(t)
	src := g.Image.bgr()
	for _, c := range g.Resize {
		got := src.resize(c.W, c.H)
		if !slices.Equal(got.pix, c.Out.Pix) {
			t.Errorf("resize to %dx%d differs from cv2.resize", c.W, c.H)
		}
	}
}

func TestCropMatchesOpenCV(t *testing.T) {
	g := loadGolden(t)
	src := g.Image.bgr()
	for _, c := range g.Crop {
		var box [4]pt
		for i, p := range c.Box {
			box[i] = pt{p[0], p[1]}
		}
		got, _, ok := cropQuad(src, box)
		if !ok || got.w != c.Out.W || got.h != c.Out.H {
			t.Errorf("crop %v: size %v, want %dx%d", c.Box, got, c.Out.W, c.Out.H)
			continue
		}
		worst := 0
		for i := range got.pix {
			worst = max(worst, absInt(int(got.pix[i])-int(c.Out.Pix[i])))
		}
		// The homography is solved in float64 either way but not by the
		// same elimination; a 1/32-pixel bin may flip, worth 1 level.
		if worst > 1 {
			t.Errorf("crop %v: max difference %d from cv2.warpPerspective", c.Box, worst)
		}
	}
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestMinAreaRectMatchesOpenCV(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Rect {
		pts := make([]ipt, len(c.Pts))
		for i, p := range c.Pts {
			pts[i] = ipt{p[0], p[1]}
		}
		// The cases are given as OpenCV contours: first point first.
		r := cvMinAreaRect(cvHullOrder(convexHull(slices.Clone(pts)), func(q ipt) int { return slices.Index(pts, q) }))
		got := r.points()
		for i := range got {
			// Exact to the float32 bit, which the unclip truncation
			// depends on, except for a rounding step OpenCV takes
			// differently on some rotated boxes (within 1e-6).
			if math.Abs(got[i].x-c.Box[i][0]) > 1e-6 || math.Abs(got[i].y-c.Box[i][1]) > 1e-6 {
				t.Errorf("points %v: corner %d = %v, want %v (all %v)", c.Pts, i, got[i], c.Box[i], got)
				break
			}
		}
		if side := math.Min(float64(r.w), float64(r.h)); math.Abs(side-c.Side) > 1e-6 {
			t.Errorf("points %v: short side %v, want %v", c.Pts, side, c.Side)
		}
	}
}

func TestOffsetMatchesClipper(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Offset {
		in := make([]pt, 4)
		for i, p := range c.Poly {
			in[i] = pt{p[0], p[1]}
		}
		got := offsetPolygon(in, c.Delta)
		var want []ipt
		for _, p := range c.Out[0] {
			want = append(want, ipt{p[0], p[1]})
		}
		// Clipper's union pass may start the ring elsewhere and drop
		// collinear points; the hull is what the pipeline uses.
		gh, wh := convexHull(slices.Clone(got)), convexHull(slices.Clone(want))
		if !slices.Equal(gh, wh) {
			t.Errorf("offset %v by %v:\n got %v\nwant %v", c.Poly, c.Delta, gh, wh)
		}
	}
}

// TestContourRectsMatchOpenCV checks minAreaRect on real findContours
// output, hull order included: the float32 rounding of the corners decides
// which integer the unclip step truncates to.
func TestContourRectsMatchOpenCV(t *testing.T) {
	g := loadGolden(t)
	exact := 0
	for _, c := range g.Contours {
		pts := make([]ipt, len(c.Pts))
		for i, p := range c.Pts {
			pts[i] = ipt{p[0], p[1]}
		}
		r := cvMinAreaRect(contourHullOrder(convexHull(slices.Clone(pts)), pts[0]))
		got := r.points()
		same := true
		for i := range got {
			dx, dy := got[i].x-c.Box[i][0], got[i].y-c.Box[i][1]
			if dx != 0 || dy != 0 {
				same = false
			}
			if math.Abs(dx) > 1e-3 || math.Abs(dy) > 1e-3 {
				t.Errorf("contour from %v: corners %v, want %v", c.Pts[0], got, c.Box)
				break
			}
		}
		if same {
			exact++
		}
	}
	// A few rotated boxes round differently in the last bit (see
	// cvHullOrder); everything else must be bit-exact.
	if exact < len(g.Contours)*97/100 {
		t.Errorf("%d of %d rectangles bit-exact, want at least 97%%", exact, len(g.Contours))
	}
	t.Logf("%d of %d rectangles bit-exact", exact, len(g.Contours))
}
