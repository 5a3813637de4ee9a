package imagerec_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	imagesdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2/model"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/models"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/server"
	"github.com/aisd/aisd/internal/services/imagerec"
	"github.com/aisd/aisd/internal/services/imagerec/labels"
	"github.com/aisd/aisd/internal/vision"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const (
	rootAK = "AISDIMAGERECROOTAK01"
	rootSK = "aisdImageRecRootSecretKey000000000000001"

	darknetData = "/usr/share/darknet/data"
)

// serve starts an aisd server with the service's handlers registered and
// returns an SDK client for the root project.
func serve(t *testing.T, svc *imagerec.Service) *imagesdk.ImageClient {
	t.Helper()
	cfg := aisdcfg.Default()
	dir := t.TempDir()
	cfg.DataDir, cfg.DSN = dir, "sqlite:"+dir+"/aisd.db"
	cfg.RootAK, cfg.RootSK = rootAK, rootSK
	cfg.Engines = nil
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for op, h := range svc.Handlers() {
		s.Handle(op, h)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); s.Close() })
	return sdktest.Image(t, srv.URL, rootAK, rootSK, s.Root.Project.ID)
}

// --- the real detector ---------------------------------------------------

var (
	realOnce sync.Once
	realSvc  *imagerec.Service
	realErr  error
)

// real loads the service over the installed CenterNet model, skipping when
// the model or ONNX Runtime is not installed.
func real(t testing.TB) *imagerec.Service {
	t.Helper()
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{engine.LibPath(root), filepath.Join(root, imagerec.Model, imagerec.ModelFile)} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
				t.Fatalf("%s missing", p)
			}
			t.Skipf("%s not installed (aisd models install centernet)", p)
		}
	}
	realOnce.Do(func() {
		realSvc, realErr = imagerec.Load(models.Open(root), input.New(input.Options{}), imagerec.Options{Engine: engine.Options{IntraOpThreads: 2}})
	})
	if realErr != nil {
		t.Fatal(realErr)
	}
	return realSvc
}

func darknet(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(darknetData, name))
	if err != nil {
		t.Skipf("darknet sample images not installed (apt-get install darknet): %v", err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func ptr[T any](v T) *T { return &v }

func tagNames(tags []model.ImageTaggingItemBody) map[string]model.ImageTaggingItemBody {
	out := map[string]model.ImageTaggingItemBody{}
	for _, t := range tags {
		out[*t.Tag] = t
	}
	return out
}

func TestTaggingDarknetDog(t *testing.T) {
	img := darknet(t, "dog.jpg")
	cli := serve(t, real(t))
	cases := []struct {
		lang            string
		dog, bike       string
		animal, vehicle string
	}{
		{"zh", "狗", "自行车", "动物", "交通工具"},
		{"en", "Dog", "Bicycle", "Animal", "Vehicle"},
	}
	for _, c := range cases {
		t.Run(c.lang, func(t *testing.T) {
			// The detector's scores for this photo are 0.4-0.55, under
			// the API's default threshold of 60.
			resp, err := cli.RunImageTagging(&model.RunImageTaggingRequest{Body: &model.ImageTaggingReq{
				Image: &img, Language: ptr(c.lang), Threshold: ptr(float32(30))}})
			if err != nil {
				t.Fatal(err)
			}
			got := tagNames(*resp.Result.Tags)
			dog, ok := got[c.dog]
			if !ok {
				t.Fatalf("no %s tag in %v", c.dog, keys(got))
			}
			if *dog.Type != c.animal || *dog.I18nTag.Zh != "狗" || *dog.I18nTag.En != "Dog" || *dog.I18nType.Zh != "动物" {
				t.Errorf("dog tag %s", toJSON(dog))
			}
			if len(*dog.Instances) == 0 {
				t.Fatalf("dog tag without a box: %s", toJSON(dog))
			}
			// darknet's dog sits in the lower left of the 768x576 frame.
			bb := (*dog.Instances)[0].BoundingBox
			if cx, cy := *bb.TopLeftX+*bb.Width/2, *bb.TopLeftY+*bb.Height/2; cx > 384 || cy < 288 {
				t.Errorf("dog box centre (%.0f,%.0f) not lower left", cx, cy)
			}
			if bike, ok := got[c.bike]; !ok || *bike.Type != c.vehicle {
				t.Errorf("no %s/%s tag in %v", c.bike, c.vehicle, keys(got))
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestGoldenDogTagging pins the whole response the SDK decodes for dog.jpg
// (run with -update after a deliberate change).
func TestGoldenDogTagging(t *testing.T) {
	img := darknet(t, "dog.jpg")
	cli := serve(t, real(t))
	resp, err := cli.RunImageTagging(&model.RunImageTaggingRequest{Body: &model.ImageTaggingReq{
		Image: &img, Language: ptr("en"), Threshold: ptr(float32(30))}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(resp, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "dog_tagging_en.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("response differs from %s (rerun with -update if intended):\n%s", golden, got)
	}
}

func TestMainObjectDarknetDog(t *testing.T) {
	img := darknet(t, "dog.jpg")
	cli := serve(t, real(t))
	resp, err := cli.RunImageMainObjectDetection(&model.RunImageMainObjectDetectionRequest{Body: &model.ImageMainObjectDetectionReq{Image: &img}})
	if err != nil {
		t.Fatal(err)
	}
	objs := *resp.Result
	if len(objs) < 2 {
		t.Fatalf("want the main subject and others, got %s", toJSON(objs))
	}
	if *objs[0].Label != "main_object_box" {
		t.Fatalf("first object %s", toJSON(objs[0]))
	}
	for _, o := range objs[1:] {
		if *o.Label != "bounding_box" {
			t.Errorf("second main object: %s", toJSON(o))
		}
	}
	// The bicycle spans the middle of the photo: the most prominent
	// subject.
	loc, ok := (*objs[0].Location).(map[string]any)
	if !ok {
		t.Fatalf("location %T", *objs[0].Location)
	}
	w, _ := loc["width"].(string)
	x, _ := loc["top_left_x"].(string)
	var wf, xf float64
	if err := json.Unmarshal([]byte(w), &wf); err != nil || json.Unmarshal([]byte(x), &xf) != nil || wf < 300 || xf > 200 {
		t.Errorf("main subject %s is not the bicycle across the middle", toJSON(objs[0]))
	}
}

func TestMediaTaggingDarknet(t *testing.T) {
	img := darknet(t, "person.jpg")
	cli := serve(t, real(t))
	// The woman in person.jpg scores 0.67, over the default threshold.
	resp, err := cli.RunImageMediaTagging(&model.RunImageMediaTaggingRequest{Body: &model.ImageMediaTaggingReq{Image: &img}})
	if err != nil {
		t.Fatal(err)
	}
	tags := *resp.Result.Tags
	if len(tags) == 0 || *tags[0].Tag != "人" || *tags[0].Type != "人物" || len(*tags[0].Instances) != 0 {
		t.Fatalf("media tagging %s", toJSON(tags))
	}
	det, err := cli.RunImageMediaTaggingDet(&model.RunImageMediaTaggingDetRequest{Body: &model.ImageMediaTaggingDetReq{Image: &img, Language: ptr("en")}})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]int{}
	for _, tg := range *det.Result.Tags {
		found[*tg.Tag] = len(*tg.Instances)
	}
	if found["Person"] == 0 || found["Dog"] == 0 {
		t.Fatalf("media tagging det (threshold 20) %s", toJSON(det.Result))
	}
}

// --- a fake detector: the handlers' own logic and the error answers ------

// fakeDet answers fixed detections in relative coordinates of the frame.
type fakeDet struct {
	dets []vision.Detection // boxes in 0..1
}

func (f fakeDet) Detect(_ context.Context, img image.Image, minScore float32) ([]vision.Detection, error) {
	w, h := float32(img.Bounds().Dx()), float32(img.Bounds().Dy())
	var out []vision.Detection
	for _, d := range f.dets {
		if d.Score < minScore {
			continue
		}
		d.X1, d.X2, d.Y1, d.Y2 = d.X1*w, d.X2*w, d.Y1*h, d.Y2*h
		out = append(out, d)
	}
	return out, nil
}

func cocoLabels(t *testing.T) []labels.Label {
	t.Helper()
	ms, err := models.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == imagerec.Model {
			ls, err := labels.For(m.Labels.Inline)
			if err != nil {
				t.Fatal(err)
			}
			return ls
		}
	}
	t.Fatal("no centernet manifest")
	return nil
}

// COCO class indexes used below.
const (
	clsPerson  = 0
	clsBicycle = 1
	clsCar     = 2
	clsDog     = 16
)

func fakeService(t *testing.T) *imagerec.Service {
	return imagerec.New(fakeDetections(), cocoLabels(t), input.New(input.Options{}))
}

// fakeDetections: two dogs, a bicycle, a car and a faint person.
func fakeDetections() fakeDet {
	return fakeDet{dets: []vision.Detection{
		{Box: vision.Box{X1: 0.10, Y1: 0.50, X2: 0.40, Y2: 0.95}, Score: 0.91, Class: clsDog},
		{Box: vision.Box{X1: 0.60, Y1: 0.60, X2: 0.70, Y2: 0.70}, Score: 0.72, Class: clsDog},
		{Box: vision.Box{X1: 0.05, Y1: 0.20, X2: 0.75, Y2: 0.80}, Score: 0.65, Class: clsBicycle},
		{Box: vision.Box{X1: 0.62, Y1: 0.10, X2: 0.90, Y2: 0.30}, Score: 0.55, Class: clsCar},
		{Box: vision.Box{X1: 0.00, Y1: 0.00, X2: 0.10, Y2: 0.10}, Score: 0.25, Class: clsPerson},
	}}
}

func pngB64(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func gifB64(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.White})
	var buf bytes.Buffer
	if err := gif.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// fakeConfidence is the calibrated tag confidence of one of the fake
// detector's classes, computed here from the calibration's definition:
// best score, its box's share of the frame, instances scoring ≥ the floor.
func fakeConfidence(t *testing.T, class int) string {
	t.Helper()
	c, err := labels.DefaultCalibration()
	if err != nil {
		t.Fatal(err)
	}
	var f labels.Features
	for _, d := range fakeDetections().dets {
		if d.Class != class {
			continue
		}
		if float64(d.Score) > f.Score {
			f.Score, f.AreaShare = float64(d.Score), float64((d.X2-d.X1)*(d.Y2-d.Y1))
		}
		if float64(d.Score) >= c.CountFloor {
			f.Count++
		}
	}
	return strconv.FormatFloat(100*c.Confidence(f), 'f', 1, 64)
}

// truncatedPNG is a PNG whose header is intact and whose pixel data
// stops short: a damaged image.
func truncatedPNG(t *testing.T) string {
	t.Helper()
	raw, _ := base64.StdEncoding.DecodeString(pngB64(t, 64, 64))
	return base64.StdEncoding.EncodeToString(raw[:len(raw)*2/3])
}

// jpeg12 is a JPEG whose frame header declares 12-bit samples, a colour
// depth the APIs do not take.
func jpeg12(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 64, 64)), nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	for i := 0; i+4 < len(b); i++ {
		if b[i] == 0xFF && b[i+1] == 0xC0 {
			b[i+1], b[i+4] = 0xC1, 12 // extended sequential, 12-bit precision
			return base64.StdEncoding.EncodeToString(b)
		}
	}
	t.Fatal("no SOF0 marker")
	return ""
}

func TestTaggingParameters(t *testing.T) {
	cli := serve(t, fakeService(t))
	img := pngB64(t, 200, 100)
	type want struct {
		tags  []string // tag, in order
		confs []string
	}
	dogC, bikeC, carC, personC := fakeConfidence(t, clsDog), fakeConfidence(t, clsBicycle), fakeConfidence(t, clsCar), fakeConfidence(t, clsPerson)
	// The two confident dogs, one big, outweigh the bicycle; the car is
	// small and alone, the person faint and tiny.
	num := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
	if !(num(dogC) > num(bikeC) && num(bikeC) > 60 && num(carC) < 60 && num(carC) > 20 && num(personC) < 10) {
		t.Fatalf("calibrated dog %s bicycle %s car %s person %s", dogC, bikeC, carC, personC)
	}
	cases := []struct {
		name string
		req  model.ImageTaggingReq
		want want
	}{
		// Default threshold 60: the car and the person drop.
		{"defaults", model.ImageTaggingReq{Image: &img}, want{[]string{"狗", "自行车"}, []string{dogC, bikeC}}},
		{"threshold 50", model.ImageTaggingReq{Image: &img, Threshold: ptr(float32(50))}, want{[]string{"狗", "自行车", "汽车"}, []string{dogC, bikeC, carC}}},
		{"threshold 0", model.ImageTaggingReq{Image: &img, Threshold: ptr(float32(0))}, want{[]string{"狗", "自行车", "汽车", "人"}, []string{dogC, bikeC, carC, personC}}},
		{"threshold 100", model.ImageTaggingReq{Image: &img, Threshold: ptr(float32(100))}, want{nil, nil}},
		{"limit 1", model.ImageTaggingReq{Image: &img, Limit: ptr(int32(1))}, want{[]string{"狗"}, []string{dogC}}},
		{"english", model.ImageTaggingReq{Image: &img, Language: ptr("en")}, want{[]string{"Dog", "Bicycle"}, []string{dogC, bikeC}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := cli.RunImageTagging(&model.RunImageTaggingRequest{Body: &c.req})
			if err != nil {
				t.Fatal(err)
			}
			tags := *resp.Result.Tags
			if len(tags) != len(c.want.tags) {
				t.Fatalf("tags %s, want %v", toJSON(tags), c.want.tags)
			}
			for i, tg := range tags {
				if *tg.Tag != c.want.tags[i] || *tg.Confidence != c.want.confs[i] {
					t.Errorf("tag %d = %s %s, want %s %s", i, *tg.Tag, *tg.Confidence, c.want.tags[i], c.want.confs[i])
				}
			}
		})
	}
	// The dog tag carries both dog boxes, strongest first, in pixels.
	resp, err := cli.RunImageTagging(&model.RunImageTaggingRequest{Body: &model.ImageTaggingReq{Image: &img, Language: ptr("en")}})
	if err != nil {
		t.Fatal(err)
	}
	dog := (*resp.Result.Tags)[0]
	if *dog.Type != "Animal" || *dog.I18nType.Zh != "动物" || *dog.I18nTag.Zh != "狗" || len(*dog.Instances) != 2 {
		t.Fatalf("dog %s", toJSON(dog))
	}
	bb := (*dog.Instances)[0].BoundingBox
	if *bb.TopLeftX != 20 || *bb.TopLeftY != 50 || *bb.Width != 60 || *bb.Height != 45 || *(*dog.Instances)[1].Confidence != "72.0" {
		t.Errorf("dog instances %s", toJSON(dog.Instances))
	}
}

func TestMediaShapes(t *testing.T) {
	cli := serve(t, fakeService(t))
	img := pngB64(t, 200, 100)
	// Media tagging: default limit 10, threshold 60, no boxes.
	m, err := cli.RunImageMediaTagging(&model.RunImageMediaTaggingRequest{Body: &model.ImageMediaTaggingReq{Image: &img, Language: ptr("en")}})
	if err != nil {
		t.Fatal(err)
	}
	if tags := *m.Result.Tags; len(tags) != 2 || *tags[0].Tag != "Dog" || *tags[0].Type != "Animal" || len(*tags[0].Instances) != 0 {
		t.Fatalf("media tagging %s", toJSON(m.Result))
	}
	// Media tagging det: default threshold 20 keeps the car too, not the
	// faint person; boxes are integers.
	d, err := cli.RunImageMediaTaggingDet(&model.RunImageMediaTaggingDetRequest{Body: &model.ImageMediaTaggingDetReq{Image: &img}})
	if err != nil {
		t.Fatal(err)
	}
	tags := *d.Result.Tags
	if len(tags) != 3 || *tags[2].Tag != "汽车" || *tags[2].Confidence != fakeConfidence(t, clsCar) {
		t.Fatalf("media tagging det %s", toJSON(tags))
	}
	bb := (*tags[1].Instances)[0].BoundingBox // bicycle
	if *bb.TopLeftX != 10 || *bb.TopLeftY != 20 || *bb.Width != 140 || *bb.Height != 60 {
		t.Errorf("bicycle box %s", toJSON(bb))
	}
}

func TestMainObjectChoosesProminentSubject(t *testing.T) {
	cli := serve(t, fakeService(t))
	img := pngB64(t, 200, 100)
	resp, err := cli.RunImageMainObjectDetection(&model.RunImageMainObjectDetectionRequest{Body: &model.ImageMainObjectDetectionReq{Image: &img}})
	if err != nil {
		t.Fatal(err)
	}
	objs := *resp.Result
	// Threshold 30 keeps dog, dog, bicycle and car. The bicycle covers 42%
	// of the frame at 0.65 and beats the dog's 13.5% at 0.91.
	if len(objs) != 4 {
		t.Fatalf("objects %s", toJSON(objs))
	}
	want := map[string]any{"width": "140.00", "height": "60.00", "top_left_x": "10.00", "top_left_y": "20.00"}
	if *objs[0].Label != "main_object_box" || *objs[0].Confidence != "65.0" || toJSON(*objs[0].Location) != toJSON(want) {
		t.Errorf("main object %s", toJSON(objs[0]))
	}
	for _, o := range objs[1:] {
		if *o.Label != "bounding_box" {
			t.Errorf("other object %s", toJSON(o))
		}
	}
	// Nothing over the threshold: an empty list, not an error.
	resp, err = cli.RunImageMainObjectDetection(&model.RunImageMainObjectDetectionRequest{Body: &model.ImageMainObjectDetectionReq{Image: &img, Threshold: ptr(float32(99))}})
	if err != nil || resp.Result == nil || len(*resp.Result) != 0 {
		t.Fatalf("threshold 99: %v %s", err, toJSON(resp))
	}
}

func TestErrors(t *testing.T) {
	cli := serve(t, fakeService(t))
	ok := pngB64(t, 64, 64)
	tiny := pngB64(t, 10, 64)
	gifImg := gifB64(t, 64, 64)
	type call func() error
	tagging := func(r model.ImageTaggingReq) call {
		return func() error { _, err := cli.RunImageTagging(&model.RunImageTaggingRequest{Body: &r}); return err }
	}
	media := func(r model.ImageMediaTaggingReq) call {
		return func() error {
			_, err := cli.RunImageMediaTagging(&model.RunImageMediaTaggingRequest{Body: &r})
			return err
		}
	}
	cases := []struct {
		name string
		do   call
		code string
	}{
		{"too small", tagging(model.ImageTaggingReq{Image: &tiny}), "AIS.0504"},
		{"too large", tagging(model.ImageTaggingReq{Image: ptr(pngB64(t, 4097, 15))}), "AIS.0504"},
		{"gif", tagging(model.ImageTaggingReq{Image: &gifImg}), "AIS.0502"},
		{"not an image", tagging(model.ImageTaggingReq{Image: ptr(base64.StdEncoding.EncodeToString([]byte("plain text, not pixels")))}), "AIS.0502"},
		{"bad base64", tagging(model.ImageTaggingReq{Image: ptr("%%%not-base64%%%")}), "AIS.0015"},
		{"no image", tagging(model.ImageTaggingReq{Language: ptr("zh")}), "AIS.0011"},
		{"threshold 101", tagging(model.ImageTaggingReq{Image: &ok, Threshold: ptr(float32(101))}), "AIS.0501"},
		{"threshold -1", tagging(model.ImageTaggingReq{Image: &ok, Threshold: ptr(float32(-1))}), "AIS.0501"},
		{"limit 0", tagging(model.ImageTaggingReq{Image: &ok, Limit: ptr(int32(0))}), "AIS.0501"},
		{"limit 151", tagging(model.ImageTaggingReq{Image: &ok, Limit: ptr(int32(151))}), "AIS.0501"},
		{"language fr", tagging(model.ImageTaggingReq{Image: &ok, Language: ptr("fr")}), "AIS.0501"},
		{"damaged", tagging(model.ImageTaggingReq{Image: ptr(truncatedPNG(t))}), "AIS.0503"},
		// Media tagging answers its own codes (AIS.02xx).
		{"media limit 151", media(model.ImageMediaTaggingReq{Image: &ok, Limit: ptr(int32(151))}), "AIS.0203"},
		{"media language fr", media(model.ImageMediaTaggingReq{Image: &ok, Language: ptr("fr")}), "AIS.0203"},
		{"media no image", media(model.ImageMediaTaggingReq{Language: ptr("zh")}), "AIS.0203"},
		{"media too small", media(model.ImageMediaTaggingReq{Image: &tiny}), "AIS.0203"},
		{"media too large", media(model.ImageMediaTaggingReq{Image: ptr(pngB64(t, 4097, 15))}), "AIS.0205"},
		{"media gif", media(model.ImageMediaTaggingReq{Image: &gifImg}), "AIS.0202"},
		{"media bad base64", media(model.ImageMediaTaggingReq{Image: ptr("%%%not-base64%%%")}), "AIS.0201"},
		{"media damaged", media(model.ImageMediaTaggingReq{Image: ptr(truncatedPNG(t))}), "AIS.0201"},
		{"media 12-bit jpeg", media(model.ImageMediaTaggingReq{Image: ptr(jpeg12(t))}), "AIS.0204"},
		{"media det limit 51", func() error {
			_, err := cli.RunImageMediaTaggingDet(&model.RunImageMediaTaggingDetRequest{Body: &model.ImageMediaTaggingDetReq{Image: &ok, Limit: ptr(int32(51))}})
			return err
		}, "AIS.0203"},
		{"media det too large", func() error {
			_, err := cli.RunImageMediaTaggingDet(&model.RunImageMediaTaggingDetRequest{Body: &model.ImageMediaTaggingDetReq{Image: ptr(pngB64(t, 10001, 2))}})
			return err
		}, "AIS.0205"},
		{"main object threshold 101", func() error {
			_, err := cli.RunImageMainObjectDetection(&model.RunImageMainObjectDetectionRequest{Body: &model.ImageMainObjectDetectionReq{Image: &ok, Threshold: ptr(float32(101))}})
			return err
		}, "AIS.0501"},
		{"main object gif", func() error {
			_, err := cli.RunImageMainObjectDetection(&model.RunImageMainObjectDetectionRequest{Body: &model.ImageMainObjectDetectionReq{Image: &gifImg}})
			return err
		}, "AIS.0502"},
		// A service built without the face models (New) does not
		// register these two: the family's "service does not exist".
		{"celebrity", func() error {
			_, err := cli.RunCelebrityRecognition(&model.RunCelebrityRecognitionRequest{Body: &model.CelebrityRecognitionReq{Image: &ok}})
			return err
		}, "AIP.0004"},
		{"recapture", func() error {
			_, err := cli.RunRecaptureDetect(&model.RunRecaptureDetectRequest{Body: &model.RecaptureDetectReq{Image: &ok}})
			return err
		}, "AIP.0004"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sdktest.WantCode(t, c.do(), 400, c.code)
		})
	}
}

// TestSmallImagesPerAPI: main-object detection and media tagging det take
// images down to 1 px, tagging only from 15 px.
func TestSmallImagesPerAPI(t *testing.T) {
	cli := serve(t, fakeService(t))
	small := pngB64(t, 8, 8)
	if _, err := cli.RunImageMainObjectDetection(&model.RunImageMainObjectDetectionRequest{Body: &model.ImageMainObjectDetectionReq{Image: &small}}); err != nil {
		t.Errorf("main object 8x8: %v", err)
	}
	if _, err := cli.RunImageMediaTaggingDet(&model.RunImageMediaTaggingDetRequest{Body: &model.ImageMediaTaggingDetReq{Image: &small}}); err != nil {
		t.Errorf("media tagging det 8x8: %v", err)
	}
	_, err := cli.RunImageMediaTagging(&model.RunImageMediaTaggingRequest{Body: &model.ImageMediaTaggingReq{Image: &small}})
	if se := sdktest.ErrOf(t, err); se.ErrorCode != "AIS.0203" {
		t.Errorf("media tagging 8x8: %+v", se)
	}
}
