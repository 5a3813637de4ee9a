package ocr_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	sdkcfg "github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	ocrsdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/platform/imagecheck/imagechecktest"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/server"
	"github.com/aisd/aisd/internal/services/ocr"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

const (
	rootAK = "AISDOCRSVCTESTROOTAK"
	rootSK = "aisdOcrSvcTestRootSecretKey0000000000001"
)

var (
	loadOnce sync.Once
	shared   *pipeline.Pipeline
	loadErr  error
)

// client serves the OCR handlers over the installed PP-OCRv4 models behind
// a real gateway, and returns an SDK client for the root project. It skips
// when the models are not installed, unless AISD_REQUIRE_MODELS=1.
func client(t *testing.T) *ocrsdk.OcrClient {
	t.Helper()
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{engine.LibPath(root), filepath.Join(root, pipeline.ModelDir, pipeline.RecFile)} {
		if _, err := os.Stat(f); err != nil {
			if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
				t.Fatalf("models missing: %v", err)
			}
			t.Skipf("OCR models not installed (%s); run aisd models install", f)
		}
	}
	loadOnce.Do(func() {
		shared, loadErr = pipeline.Load(root, pipeline.DefaultConfig(), pipeline.LoadOptions{Options: engine.Options{IntraOpThreads: 2, PoolSize: 1}})
	})
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	cfg := aisdcfg.Default()
	dir := t.TempDir()
	cfg.DataDir, cfg.DSN = dir, "sqlite:"+filepath.Join(dir, "aisd.db")
	cfg.RootAK, cfg.RootSK = rootAK, rootSK
	cfg.Engines = nil
	cfg.S3Addr = ""
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for op, h := range ocr.New(shared, input.New(input.Options{})).Handlers() {
		s.Handle(op, h)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); s.Close() })
	cred, err := basic.NewCredentialsBuilder().WithAk(rootAK).WithSk(rootSK).
		WithProjectId(s.Root.Project.ID).WithIamEndpointOverride(srv.URL).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := ocrsdk.OcrClientBuilder().
		WithRegion(region.NewRegion("cn-north-4", srv.URL)).WithCredential(cred).
		WithHttpConfig(sdkcfg.DefaultHttpConfig().WithTimeout(60 * time.Second)).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return ocrsdk.NewOcrClient(hc)
}

func fixture(t *testing.T, name string) image.Image {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestEXIFOrientationEveryFormat: a page photographed turned, stored with
// the EXIF orientation that says so, is read right side up whatever its
// container (PNG eXIf, WebP EXIF chunk, TIFF tag 274, JPEG APP1), and
// image_size is that of the upright page. The lossless containers decode
// to exactly the upright page's pixels, so their answers are the upright
// PNG's, boxes and confidences included.
func TestEXIFOrientationEveryFormat(t *testing.T) {
	cli := client(t)
	up := fixture(t, "en_dejavu_plain.png") // 735×162
	sizes := &[]string{"image_size"}
	web := func(t *testing.T, data []byte) *model.WebImageResult {
		t.Helper()
		b64 := base64.StdEncoding.EncodeToString(data)
		resp, err := cli.RecognizeWebImage(&model.RecognizeWebImageRequest{Body: &model.WebImageRequestBody{Image: &b64, ExtractType: sizes}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Result
	}
	want := web(t, imagechecktest.PNG(up, 1))
	words := func(r *model.WebImageResult) []string {
		var out []string
		for _, b := range r.WordsBlockList {
			out = append(out, *b.Words)
		}
		return out
	}
	if got := strings.Join(words(want), " "); !strings.Contains(got, "quick brown") || !strings.Contains(got, "2024-0815") {
		t.Fatalf("upright page reads %q", got)
	}
	if sz := want.ExtractedData.ImageSize; *sz.Width != 735 || *sz.Height != 162 {
		t.Fatalf("upright image_size %s", toJSON(sz))
	}
	if toJSON(web(t, imagechecktest.PNG(imagechecktest.Stored(up, 6), 1))) == toJSON(want) {
		t.Fatal("the turned pixels, read unturned, read as the upright ones: this test could not tell")
	}
	lossless := map[string]func(image.Image, uint16) []byte{
		"png": imagechecktest.PNG, "webp": imagechecktest.WebP, "tiff": imagechecktest.TIFF,
	}
	for format, encode := range lossless {
		for _, o := range []int{3, 6, 8} {
			t.Run(format+"/"+strconv.Itoa(o), func(t *testing.T) {
				got := web(t, encode(imagechecktest.Stored(up, o), uint16(o)))
				if toJSON(got) != toJSON(want) {
					t.Errorf("orientation %d:\n got %s\nwant %s", o, toJSON(got), toJSON(want))
				}
			})
		}
	}
	t.Run("jpeg/6", func(t *testing.T) {
		// JPEG is lossy, and its blocks fall elsewhere on a turned page:
		// the same characters, perhaps not the same spaces.
		got := web(t, imagechecktest.JPEG(imagechecktest.Stored(up, 6), 6))
		chars := func(r *model.WebImageResult) string { return strings.ReplaceAll(strings.Join(words(r), ""), " ", "") }
		if chars(got) != chars(want) {
			t.Errorf("reads %q, want %q", words(got), words(want))
		}
		if sz := got.ExtractedData.ImageSize; *sz.Width != 735 || *sz.Height != 162 {
			t.Errorf("image_size %s, want 735×162", toJSON(sz))
		}
	})
	// general-text reads the same pixels.
	general := func(data []byte) *model.RecognizeGeneralTextResponse {
		t.Helper()
		b64 := base64.StdEncoding.EncodeToString(data)
		resp, err := cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: &b64}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	uprightGT := general(imagechecktest.PNG(up, 1))
	gt := general(imagechecktest.WebP(imagechecktest.Stored(up, 8), 8))
	if got := toJSON(gt.Result); got != toJSON(uprightGT.Result) {
		t.Errorf("general-text on a turned WebP:\n got %s\nwant %s", got, toJSON(uprightGT.Result))
	}
}
