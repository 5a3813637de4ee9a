package input

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/imagecheck"
	"github.com/aisd/aisd/internal/platform/obs"
)

// TestUploadThroughS3ThenResolve is the path a user takes: upload with an
// ordinary S3 client, then name the object in an API call's url.
func TestUploadThroughS3ThenResolve(t *testing.T) {
	st, err := obs.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string][2]string{"AKP1": {"sk1", "p1"}, "AKP2": {"sk2", "p2"}}
	srv := httptest.NewServer(obs.S3Handler(st, func(ak string) (string, string, error) {
		k, ok := keys[ak]
		if !ok {
			return "", "", errors.New("unknown")
		}
		return k[0], k[1], nil
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	ctx := context.Background()
	for ak, k := range keys {
		c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(ak, k[0], ""), Region: "us-east-1"})
		if err != nil {
			t.Fatal(err)
		}
		bucket := "bucket-" + k[1]
		if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
			t.Fatal(err)
		}
		var img bytes.Buffer
		png.Encode(&img, image.NewGray(image.Rect(0, 0, 64, 32)))
		if _, err := c.PutObject(ctx, bucket, "scans/page 1.png", bytes.NewReader(img.Bytes()), int64(img.Len()),
			minio.PutObjectOptions{ContentType: "image/png"}); err != nil {
			t.Fatal(err)
		}
	}
	r := New(Options{OBS: st, Agencies: func(context.Context, string, string) (bool, error) { return true, nil }})
	for _, u := range []string{
		"obs://bucket-p1/scans/page 1.png",
		"https://bucket-p1.obs.cn-north-4.myhuaweicloud.com/scans/page%201.png",
	} {
		b, err := r.Resolve(ctx, "p1", "ocr.general-text", "", u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		c, err := imagecheck.Check(b, imagecheck.OCRGeneralText)
		if err != nil || c.Width != 64 || c.Height != 32 {
			t.Fatalf("%s: Check = %+v, %v", u, c, err)
		}
	}
	// p1 cannot read p2's upload through the service either.
	_, err = r.Resolve(ctx, "p1", "ocr.general-text", "", "obs://bucket-p2/scans/page%201.png")
	if !catalog.IsKind(err, catalog.KindOBSRead) {
		t.Fatalf("cross-project read: %v", err)
	}
}

// TestHTTPAnswers drives the resolver and the image check the way a
// service handler does, through HTTP, and asserts what a client sees.
func TestHTTPAnswers(t *testing.T) {
	r, front, _ := newTestResolver(t)
	fp := port(front)
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 8, 8))) // under the 15 px minimum
	tiny := base64.StdEncoding.EncodeToString(pngBuf.Bytes())
	api := func(fam catalog.Family, spec imagecheck.Spec) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			var body struct{ Image, URL string }
			if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
				catalog.Write(w, "req-1", catalog.E(catalog.KindBadJSON), fam)
				return
			}
			b, err := r.Resolve(req.Context(), "p1", "svc", body.Image, body.URL)
			if err == nil {
				_, err = imagecheck.Check(b, spec)
			}
			if err != nil {
				catalog.Write(w, "req-1", err, fam)
				return
			}
			w.Write([]byte(`{"result":{}}`))
		})
	}
	ocr := httptest.NewServer(api(catalog.FamilyOCR, imagecheck.OCRGeneralText))
	defer ocr.Close()
	tag := httptest.NewServer(api(catalog.FamilyImage, imagecheck.ImageTagging))
	defer tag.Close()
	for _, tc := range []struct {
		srv        *httptest.Server
		body       string
		status     int
		code, text string
	}{
		{ocr, `{"url":"http://127.0.0.1:` + fp + `/ok"}`, 400, "ModelArts.4601", ""},
		{tag, `{"url":"http://2130706433/"}`, 400, "AIS.0022", ""},
		{ocr, `{"url":"http://allowed.test:` + fp + `/missing"}`, 400, "ModelArts.4603", ""},
		{tag, `{"url":"http://allowed.test:` + fp + `/missing"}`, 400, "AIS.0029", ""},
		{ocr, `{"image":"@@@"}`, 400, "AIS.0101", ""},
		{tag, `{"image":"@@@"}`, 400, "AIS.0015", ""},
		{ocr, `{"url":"obs://photos/nothing.png"}`, 400, "ModelArts.4706", ""},
		{ocr, `{"url":"obs://theirs/dog.png"}`, 400, "ModelArts.4704", ""},
		{tag, `{"url":"obs://photos/empty.png"}`, 400, "AIS.0025", ""},
		{ocr, `{"image":"` + tiny + `"}`, 400, "AIS.0103", ""},
		{tag, `{"image":"` + tiny + `"}`, 400, "AIS.0504", ""},
		{ocr, `{"image":"aGVsbG8="}`, 400, "AIS.0102", ""}, // "hello": no image format
	} {
		resp, err := http.Post(tc.srv.URL, "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		var got catalog.Body
		json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if resp.StatusCode != tc.status || got.ErrorCode != tc.code || (tc.text != "" && got.ErrorMsg != tc.text) {
			t.Errorf("%s → %d %+v, want %d %s %q", tc.body, resp.StatusCode, got, tc.status, tc.code, tc.text)
		}
	}
}
