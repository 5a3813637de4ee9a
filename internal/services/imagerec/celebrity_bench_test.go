package imagerec

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/models"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/services/imagerec/gallery"
	"github.com/aisd/aisd/internal/vision"
)

// The celebrity accuracy report runs on the face photos of an npm
// package (bench/celebrity/run.sh unpacks them and sets this variable);
// without it the report and the benchmark skip.
const faceSamplesEnv = "AISD_FACE_SAMPLES"

func faceService(tb testing.TB) (*Service, []string) {
	tb.Helper()
	dir := os.Getenv(faceSamplesEnv)
	if dir == "" {
		tb.Skip(faceSamplesEnv + " not set (bench/celebrity/run.sh sets it)")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jpg"))
	if len(files) == 0 {
		tb.Fatalf("no photos in %s", dir)
	}
	root, err := engine.ModelsRoot()
	if err != nil {
		tb.Fatal(err)
	}
	s, err := Load(models.Open(root), input.New(input.Options{}), Options{Engine: engine.Options{IntraOpThreads: 2}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, files
}

func decodeFile(tb testing.TB, f string) *image.RGBA {
	r, err := os.Open(f)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	img, _, err := image.Decode(r)
	if err != nil {
		tb.Fatal(err)
	}
	out := image.NewRGBA(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(out, out.Rect, img, img.Bounds().Min, draw.Src)
	return out
}

// shots are the synthetic second photos of one photo: what changes
// between two pictures of a person (size, light, side, tilt, compression).
func shots(src *image.RGBA) map[string]*image.RGBA {
	W, H := src.Rect.Dx(), src.Rect.Dy()
	out := map[string]*image.RGBA{}
	third := image.NewRGBA(image.Rect(0, 0, W/3, H/3))
	for y := 0; y < H/3; y++ {
		for x := 0; x < W/3; x++ {
			for c := 0; c < 4; c++ {
				s := 0
				for k := 0; k < 9; k++ {
					s += int(src.Pix[src.PixOffset(3*x+k%3, 3*y+k/3)+c])
				}
				third.Pix[third.PixOffset(x, y)+c] = uint8(s / 9)
			}
		}
	}
	out["third size"] = third
	dark := image.NewRGBA(src.Rect)
	copy(dark.Pix, src.Pix)
	for i := range dark.Pix {
		if i%4 != 3 {
			dark.Pix[i] = uint8(float64(dark.Pix[i]) * 0.6)
		}
	}
	out["darker"] = dark
	mirror := image.NewRGBA(src.Rect)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			copy(mirror.Pix[mirror.PixOffset(W-1-x, y):][:4], src.Pix[src.PixOffset(x, y):][:4])
		}
	}
	out["mirrored"] = mirror
	rot := image.NewRGBA(src.Rect)
	a := 8 * math.Pi / 180
	cx, cy := float64(W)/2, float64(H)/2
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			dx, dy := float64(x)-cx, float64(y)-cy
			sx, sy := int(cx+dx*math.Cos(a)-dy*math.Sin(a)), int(cy+dx*math.Sin(a)+dy*math.Cos(a))
			if sx >= 0 && sy >= 0 && sx < W && sy < H {
				copy(rot.Pix[rot.PixOffset(x, y):][:4], src.Pix[src.PixOffset(sx, sy):][:4])
			}
		}
	}
	out["tilted 8°"] = rot
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, src, &jpeg.Options{Quality: 30})
	j, _ := jpeg.Decode(&buf)
	jr := image.NewRGBA(src.Rect)
	draw.Draw(jr, jr.Rect, j, image.Point{}, draw.Src)
	out["jpeg q30"] = jr
	return out
}

// TestCelebrityAccuracyReport enrols every other face of the sample
// photos (one photo each), probes with the synthetic shots of all photos,
// and reports identification at the default threshold 0.9: enrolled
// faces named right, named wrong or missed, and strangers accepted. It
// fails only if identification is clearly broken.
func TestCelebrityAccuracyReport(t *testing.T) {
	s, files := faceService(t)
	ctx := context.Background()
	type face struct {
		id       int
		cx, cy   float64 // centre, relative to the frame
		enrolled bool
	}
	var gal gallery.Gallery
	gal.Model = s.DescriptorModel()
	var faces []face
	perPhoto := map[string][]face{}
	for _, f := range files {
		img := decodeFile(t, f)
		fs, err := s.faces.Detect(ctx, img)
		if err != nil {
			t.Fatal(err)
		}
		for _, fc := range bigFaces(fs, minFaceSide) {
			id := len(faces)
			fa := face{id: id, cx: float64(fc.X1+fc.X2) / 2 / float64(img.Rect.Dx()), cy: float64(fc.Y1+fc.Y2) / 2 / float64(img.Rect.Dy()), enrolled: id%2 == 0}
			faces = append(faces, fa)
			perPhoto[f] = append(perPhoto[f], fa)
			if fa.enrolled {
				d, err := s.embed.Embed(ctx, img, fc)
				if err != nil {
					t.Fatal(err)
				}
				gal.People = append(gal.People, gallery.Person{Label: fmt.Sprint(id), Faces: []gallery.Face{{Descriptor: d}}})
			}
		}
	}
	var right, wrong, missed, strangers, accepted, unmatched int
	var sameCos, strangerCos []float64 // best cosine of enrolled and of stranger probes
	byShot := map[string][2]int{}
	for _, f := range files {
		for name, img := range shots(decodeFile(t, f)) {
			fs, err := s.faces.Detect(ctx, img)
			if err != nil {
				t.Fatal(err)
			}
			for _, fc := range bigFaces(fs, minFaceSide) {
				px := float64(fc.X1+fc.X2) / 2 / float64(img.Rect.Dx())
				py := float64(fc.Y1+fc.Y2) / 2 / float64(img.Rect.Dy())
				if name == "mirrored" {
					px = 1 - px
				}
				// The probe's identity: the photo's face at that place.
				who, best := -1, 0.06
				for _, fa := range perPhoto[f] {
					if d := math.Hypot(fa.cx-px, fa.cy-py); d < best {
						who, best = fa.id, d
					}
				}
				if who < 0 {
					unmatched++
					continue
				}
				d, err := s.embed.Embed(ctx, img, fc)
				if err != nil {
					t.Fatal(err)
				}
				m, _ := gallery.Best([]gallery.Gallery{gal}, gal.Model, d)
				ok := celebrityConfidence(m.Cosine) >= 0.9
				if faces[who].enrolled {
					sameCos = append(sameCos, float64(m.Cosine))
				} else {
					strangerCos = append(strangerCos, float64(m.Cosine))
				}
				st := byShot[name]
				switch {
				case faces[who].enrolled && ok && m.Label == fmt.Sprint(who):
					right++
					st[0]++
				case faces[who].enrolled && ok:
					wrong++
				case faces[who].enrolled:
					missed++
				case ok:
					strangers++
					accepted++
				default:
					strangers++
				}
				if faces[who].enrolled {
					st[1]++
				}
				byShot[name] = st
			}
		}
	}
	enrolledProbes := right + wrong + missed
	t.Logf("%d photos, %d faces (%d enrolled, one photo each); %d probe faces (%d unmatched to a face)", len(files), len(faces), len(gal.People), enrolledProbes+strangers, unmatched)
	t.Logf("enrolled probes: %d named right (%.1f%%), %d named wrong, %d missed at threshold 0.9", right, 100*float64(right)/float64(enrolledProbes), wrong, missed)
	t.Logf("stranger probes: %d, %d accepted (%.1f%%)", strangers, accepted, 100*float64(accepted)/float64(max(1, strangers)))
	sort.Float64s(sameCos)
	sort.Float64s(strangerCos)
	if len(sameCos) > 0 && len(strangerCos) > 0 {
		t.Logf("best cosine: enrolled probes 5th percentile %.3f, median %.3f; strangers median %.3f, max %.3f",
			sameCos[len(sameCos)/20], sameCos[len(sameCos)/2], strangerCos[len(strangerCos)/2], strangerCos[len(strangerCos)-1])
	}
	for name, st := range byShot {
		t.Logf("  %-10s %d/%d named right", name, st[0], st[1])
	}
	if enrolledProbes == 0 || float64(right) < 0.8*float64(enrolledProbes) || wrong > 0 || float64(accepted) > 0.05*float64(strangers) {
		t.Fatalf("identification is broken: %d right, %d wrong, %d missed, %d of %d strangers accepted", right, wrong, missed, accepted, strangers)
	}
}

// BenchmarkCelebrityRecognition times what a celebrity-recognition call
// costs past the input checks, per image: face detection, one descriptor
// per face of at least 40 px and the gallery search, on the 1920 px
// sample photos (3–5 faces each).
func BenchmarkCelebrityRecognition(b *testing.B) {
	s, files := faceService(b)
	ctx := context.Background()
	imgs := make([]*image.RGBA, len(files))
	for i, f := range files {
		imgs[i] = decodeFile(b, f)
	}
	gal := []gallery.Gallery{{Model: s.DescriptorModel(), People: []gallery.Person{{Label: "x", Faces: []gallery.Face{{Descriptor: make(gallery.Vector, 1024)}}}}}}
	var nfaces int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		img := imgs[i%len(imgs)]
		fs, err := s.faces.Detect(ctx, img)
		if err != nil {
			b.Fatal(err)
		}
		for _, fc := range bigFaces(fs, minFaceSide) {
			d, err := s.embed.Embed(ctx, img, fc)
			if err != nil {
				b.Fatal(err)
			}
			gallery.Best(gal, gal[0].Model, d)
			nfaces++
		}
	}
	b.ReportMetric(float64(nfaces)/float64(b.N), "faces/op")
}

// BenchmarkFaceDetect times the face detector alone on the same photos.
func BenchmarkFaceDetect(b *testing.B) {
	s, files := faceService(b)
	img := decodeFile(b, files[0])
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.faces.Detect(context.Background(), img); err != nil {
			b.Fatal(err)
		}
	}
}

// screenShot simulates photographing the photo on a screen: a moiré
// stripe, the sub-pixel grid, lifted blacks and a bluish white point.
func screenShot(src *image.RGBA) *image.RGBA {
	out := image.NewRGBA(src.Rect)
	for y := 0; y < src.Rect.Dy(); y++ {
		for x := 0; x < src.Rect.Dx(); x++ {
			m := 1 - 0.18*(0.5+0.5*math.Sin(2*math.Pi*(float64(x)*0.37+float64(y)*0.05)))
			i := src.PixOffset(x, y)
			for k := 0; k < 3; k++ {
				sub := 1.0
				if (x+k)%3 != 0 {
					sub = 0.8
				}
				v := (float64(src.Pix[i+k])*0.8 + 35) * m * sub
				if k == 2 {
					v *= 1.08
				}
				out.Pix[i+k] = uint8(min(v, 255))
			}
			out.Pix[i+3] = 255
		}
	}
	return out
}

// TestRecaptureReport scores the largest face of each sample photo and
// of its simulated screen recapture with the liveness classifier recapture
// detection uses, and with the installed antispoof model for comparison,
// and reports the answers at the default threshold 0.95.
func TestRecaptureReport(t *testing.T) {
	s, files := faceService(t)
	ctx := context.Background()
	root, _ := engine.ModelsRoot()
	var anti *Liveness
	if path, err := models.Open(root).Path("antispoof", ModelFile); err == nil {
		if m, err := engine.Open(path, engine.Options{}); err == nil {
			defer m.Close()
			anti, _ = NewLiveness(m)
		}
	}
	type tally struct {
		n                     int
		live, anti            []float64
		isTrue, isFalse, isUn int
	}
	res := map[string]*tally{"original": {}, "screen": {}}
	for _, f := range files {
		orig := decodeFile(t, f)
		for name, img := range map[string]*image.RGBA{"original": orig, "screen": screenShot(orig)} {
			fs, err := s.faces.Detect(ctx, img)
			if err != nil {
				t.Fatal(err)
			}
			big := bigFaces(fs, minSpoofFace)
			if len(big) == 0 {
				continue
			}
			live, err := s.spoof.Live(ctx, img, big[0])
			if err != nil {
				t.Fatal(err)
			}
			r := res[name]
			r.n++
			r.live = append(r.live, float64(live))
			switch judgeRecapture(live, recaptureDefault).Suggestion {
			case "true":
				r.isTrue++
			case "false":
				r.isFalse++
			default:
				r.isUn++
			}
			if anti != nil {
				// antispoof takes a wider crop than liveness.
				crop := vision.AlignedCrop(img, big[0], 1.4, anti.size)
				data, _ := vision.Tensor(crop, vision.InputSpec{Width: anti.size, Height: anti.size, Scale: 1})
				outs, err := anti.m.Run(ctx, []engine.Tensor{{Name: anti.in, Shape: []int64{1, int64(anti.size), int64(anti.size), 3}, Data: data}})
				if err == nil {
					r.anti = append(r.anti, float64(outs[0].Data[0]))
				}
			}
		}
	}
	span := func(v []float64) string {
		if len(v) == 0 {
			return "n/a"
		}
		lo, hi, sum := v[0], v[0], 0.0
		for _, x := range v {
			lo, hi, sum = math.Min(lo, x), math.Max(hi, x), sum+x
		}
		return fmt.Sprintf("mean %.3f, %.3f–%.3f", sum/float64(len(v)), lo, hi)
	}
	for _, name := range []string{"original", "screen"} {
		r := res[name]
		t.Logf("%-8s %d faces: liveness %s; antispoof %s; at 0.95: %d true, %d false, %d uncertainty", name, r.n, span(r.live), span(r.anti), r.isTrue, r.isFalse, r.isUn)
	}
	if res["original"].isFalse > 0 {
		t.Fatalf("an original photo was called a recapture")
	}
}
