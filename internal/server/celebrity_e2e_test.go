package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/draw"
	"image/jpeg"
	_ "image/png"
	"io"
	"math"
	"net/http"
	"os"
	"testing"
	"time"

	imagesdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2"
	imgmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2/model"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/models"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/server"
	"github.com/aisd/aisd/internal/services/imagerec"
)

// Face photos a Debian package ships: scikit-image's sample data holds
// the astronaut Eileen Collins and the "cameraman" (grey, 512 px).
const (
	astronautPhoto = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"
	cameramanPhoto = "/usr/lib/python3/dist-packages/skimage/data/camera.png"
)

// photo decodes a packaged sample photo, skipping (failing under
// AISD_REQUIRE_MODELS=1) when its package is not installed.
func photo(t *testing.T, path, pkg string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		requireOrSkip(t, path+" missing (apt-get install "+pkg+")")
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// jpegB64 encodes img as a JPEG of the given quality, in base64.
func jpegB64(t *testing.T, img image.Image, quality int) string {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// variant is another shot of the same photo: mirrored, scaled by s
// (box-averaged), darkened by dark (0..1) — what a second photo of a
// person changes most.
func variant(img image.Image, s, dark float64, mirror bool) *image.RGBA {
	b := img.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Rect, img, b.Min, draw.Src)
	w, h := int(float64(b.Dx())*s), int(float64(b.Dy())*s)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sx := int((float64(x) + 0.5) / s)
			if mirror {
				sx = b.Dx() - 1 - sx
			}
			sy := min(int((float64(y)+0.5)/s), b.Dy()-1)
			sx = min(max(sx, 0), b.Dx()-1)
			i, o := src.PixOffset(sx, sy), out.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				out.Pix[o+c] = uint8(float64(src.Pix[i+c]) * (1 - dark))
			}
			out.Pix[o+3] = 255
		}
	}
	return out
}

// imageServer starts aisd with the image engine on the installed models.
func imageServer(t *testing.T) (*server.Server, string, *imagesdk.ImageClient) {
	t.Helper()
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	mgr := models.Open(root)
	for _, name := range append([]string{"onnxruntime"}, imagerec.Models...) {
		if _, err := mgr.Verify(context.Background(), []string{name}); err != nil {
			requireOrSkip(t, "image models not installed (aisd models install): "+err.Error())
		}
	}
	cfg := aisdcfg.Default()
	dir := t.TempDir()
	cfg.DataDir, cfg.DSN, cfg.RootAK, cfg.RootSK = dir, "sqlite:"+dir+"/aisd.db", rootAK, rootSK
	cfg.ModelsDir, cfg.Engines = root, []string{"image"}
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptestServer(t, s)
	return s, srv.URL, sdktest.Image(t, srv.URL, rootAK, rootSK, s.Root.Project.ID)
}

// adminDo sends one signed admin request and decodes the JSON answer.
func adminDo(t *testing.T, method, url string, body any) (int, map[string]any) {
	t.Helper()
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	req := sdktest.SignedAs(t, method, url, "application/json", raw, rootAK, rootSK, time.Now(), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func celebrity(t *testing.T, cli *imagesdk.ImageClient, img string, threshold *float32) ([]imgmodel.CelebrityRecognitionResultBody, error) {
	t.Helper()
	resp, err := cli.RunCelebrityRecognition(&imgmodel.RunCelebrityRecognitionRequest{Body: &imgmodel.CelebrityRecognitionReq{Image: &img, Threshold: threshold}})
	if err != nil {
		return nil, err
	}
	if resp.Result == nil {
		t.Fatal("no result")
	}
	return *resp.Result, nil
}

// TestCelebrityRecognitionOverGallery: the SDK's celebrity recognition
// answers no-gallery with AIS.0501, then, after the admin API enrolled one
// photo of Eileen Collins, finds her in another shot of it with her face
// box, rejects Lionel the cameraman (a stranger to the gallery) until he is
// enrolled too, and answers [] for a photo without a face.
func TestCelebrityRecognitionOverGallery(t *testing.T) {
	collins := photo(t, astronautPhoto, "python3-skimage")
	cameraman := photo(t, cameramanPhoto, "python3-skimage")
	s, url, cli := imageServer(t)
	base := url + "/v1/admin/projects/" + s.Root.Project.ID + "/celebrity-galleries"

	collinsShot := jpegB64(t, variant(collins, 0.8, 0.25, true), 80)
	cameramanShot := jpegB64(t, variant(cameraman, 1.2, 0.2, true), 80)

	_, err := celebrity(t, cli, collinsShot, nil)
	sdktest.WantCode(t, err, 400, "AIS.0501")

	if st, g := adminDo(t, "POST", base, map[string]string{"name": "astronauts", "description": "NASA crew"}); st != 201 || g["model"] != "faceres" {
		t.Fatalf("create gallery: %d %v", st, g)
	}
	// An empty gallery still leaves nobody to recognise.
	_, err = celebrity(t, cli, collinsShot, nil)
	sdktest.WantCode(t, err, 400, "AIS.0501")

	// A photo without a face cannot be enrolled.
	if st, e := adminDo(t, "POST", base+"/astronauts/people", map[string]any{"label": "Nobody", "images": []string{jpegB64(t, variant(collins, 1, 0, false).SubImage(image.Rect(0, 300, 200, 512)), 90)}}); st != 400 || e["error_code"] != "AIP.0016" {
		t.Fatalf("enrol a faceless photo: %d %v", st, e)
	}
	if st, p := adminDo(t, "POST", base+"/astronauts/people", map[string]any{"label": "Eileen Collins", "images": []string{jpegB64(t, collins, 92)}}); st != 201 || p["faces"] != float64(1) {
		t.Fatalf("enrol: %d %v", st, p)
	}

	got, err := celebrity(t, cli, collinsShot, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || *got[0].Label != "Eileen Collins" || *got[0].Confidence < 0.9 {
		t.Fatalf("Collins's second shot: %s", toJSON(got))
	}
	t.Logf("Collins's second shot: %s", toJSON(got))
	// Her face in the mirrored 0.8× shot: in the 512 px original it is
	// centred near (225, 126) and about 100 px wide.
	fd, _ := (*got[0].FaceDetail).(map[string]any)
	num := func(k string) float64 {
		var v float64
		_ = json.Unmarshal([]byte(toJSON(fd[k])), &v)
		return v
	}
	x, y, w, h := num("x"), num("y"), num("w"), num("h")
	if cx, cy := x+w/2, y+h/2; math.Abs(cx-(512-225)*0.8) > 25 || math.Abs(cy-126*0.8) > 25 || w < 50 || w > 120 {
		t.Fatalf("face_detail %v is not Collins's face", fd)
	}

	got, err = celebrity(t, cli, cameramanShot, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("a stranger was recognised: %s %v", toJSON(got), err)
	}
	// At threshold 0 every face is answered with its nearest person: the
	// stranger's confidence is low.
	got, err = celebrity(t, cli, cameramanShot, ptrTo[float32](0))
	if err != nil || len(got) != 1 || *got[0].Confidence > 0.5 {
		t.Fatalf("stranger at threshold 0: %s %v", toJSON(got), err)
	}
	t.Logf("stranger at threshold 0: %s", toJSON(got))

	if st, p := adminDo(t, "POST", base+"/astronauts/people", map[string]any{"label": "Cameraman", "images": []string{jpegB64(t, cameraman, 92)}}); st != 201 {
		t.Fatalf("enrol the cameraman: %d %v", st, p)
	}
	got, err = celebrity(t, cli, cameramanShot, nil)
	if err != nil || len(got) != 1 || *got[0].Label != "Cameraman" {
		t.Fatalf("the cameraman after enrolment: %s %v", toJSON(got), err)
	}
	got, err = celebrity(t, cli, collinsShot, nil)
	if err != nil || len(got) != 1 || *got[0].Label != "Eileen Collins" {
		t.Fatalf("Collins after the cameraman's enrolment: %s %v", toJSON(got), err)
	}

	// No face, and a face under 40 px: an empty answer, not an error.
	for name, img := range map[string]string{
		"no face":   jpegB64(t, variant(collins, 1, 0, false).SubImage(image.Rect(0, 300, 200, 512)), 90),
		"tiny face": jpegB64(t, variant(collins, 0.15, 0, false), 90),
	} {
		got, err := celebrity(t, cli, img, ptrTo[float32](0))
		if err != nil || len(got) != 0 {
			t.Errorf("%s: %s %v", name, toJSON(got), err)
		}
	}
	_, err = celebrity(t, cli, collinsShot, ptrTo[float32](1.5))
	sdktest.WantCode(t, err, 400, "AIS.0501")

	// Removing a person forgets her.
	if st, _ := adminDo(t, "DELETE", base+"/astronauts/people/Eileen%20Collins", nil); st != 204 {
		t.Fatalf("remove: %d", st)
	}
	got, err = celebrity(t, cli, collinsShot, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("after removal: %s %v", toJSON(got), err)
	}
}

// TestRecaptureDetect: the SDK's recapture detection judges a packaged
// photo's face with the liveness classifier — a live face is not called a
// recapture, the detail lists both labels with complementary
// confidences, and a photo without a face is "uncertainty" with no detail.
func TestRecaptureDetect(t *testing.T) {
	collins := photo(t, astronautPhoto, "python3-skimage")
	_, _, cli := imageServer(t)
	run := func(img string, threshold *float32) *imgmodel.RecaptureDetectResponseResult {
		t.Helper()
		resp, err := cli.RunRecaptureDetect(&imgmodel.RunRecaptureDetectRequest{Body: &imgmodel.RecaptureDetectReq{Image: &img, Threshold: threshold}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Result
	}
	r := run(jpegB64(t, collins, 92), nil)
	t.Logf("original photo: %s", toJSON(r))
	if *r.Suggestion == "false" || r.Detail == nil || len(*r.Detail) != 2 {
		t.Fatalf("original photo: %s", toJSON(r))
	}
	conf := map[string]string{}
	for _, d := range *r.Detail {
		conf[*d.Label] = *d.Confidence
	}
	var orig, rec float64
	json.Unmarshal([]byte(conf["original"]), &orig)
	json.Unmarshal([]byte(conf["recapture"]), &rec)
	if math.Abs(orig+rec-1) > 0.001 || orig < 0.5 {
		t.Fatalf("detail %v: original should dominate and the two sum to 1", conf)
	}
	wantCat := map[string]string{"true": "", "false": "recapture", "uncertainty": "recapture"}
	if *r.Category != wantCat[*r.Suggestion] {
		t.Fatalf("suggestion %s with category %q", *r.Suggestion, *r.Category)
	}
	// A threshold the original's confidence reaches makes it "true"; a
	// value outside (0,1) falls back to the default 0.95 as documented.
	if r := run(jpegB64(t, collins, 92), ptrTo(float32(orig-0.01))); *r.Suggestion != "true" || *r.Category != "" {
		t.Fatalf("threshold under the original's confidence: %s", toJSON(r))
	}
	if r := run(jpegB64(t, collins, 92), ptrTo[float32](7)); (orig >= 0.95) != (*r.Suggestion == "true") {
		t.Fatalf("threshold 7 (default 0.95) with original %.4f: %s", orig, toJSON(r))
	}
	r = run(jpegB64(t, variant(collins, 1, 0, false).SubImage(image.Rect(0, 300, 200, 512)), 90), nil)
	if *r.Suggestion != "uncertainty" || len(*r.Detail) != 0 || *r.Score != "0.0000" {
		t.Fatalf("no face: %s", toJSON(r))
	}
}
