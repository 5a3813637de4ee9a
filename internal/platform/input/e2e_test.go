package input

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"net/http/httptest"
	"net/url"
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
		b, err := r.Resolve(ctx, catalog.FamilyOCR, "p1", "ocr.general-text", "", u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		c, err := imagecheck.Check(b, imagecheck.OCRGeneralText, catalog.FamilyOCR)
		if err != nil || c.Width != 64 || c.Height != 32 {
			t.Fatalf("%s: Check = %+v, %v", u, c, err)
		}
	}
	// p1 cannot read p2's upload through the service either.
	_, err = r.Resolve(ctx, catalog.FamilyOCR, "p1", "ocr.general-text", "", "obs://bucket-p2/scans/page%201.png")
	if e, ok := catalog.From(err); !ok || e.Code != "ModelArts.4704" {
		t.Fatalf("cross-project read: %v", err)
	}
}
