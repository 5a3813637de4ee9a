package server_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	ocrmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
)

// A user uploads a scan with an ordinary S3 client, then has it read by URL
// through the official SDK: S3 API → object store → agency → OCR.
func TestS3UploadThenOCRByOBSURL(t *testing.T) {
	e := newEnv(t, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"} })
	requireModels(t, e)
	s3 := httptest.NewServer(e.s.S3Handler())
	defer s3.Close()
	u, _ := url.Parse(s3.URL)
	mc, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(rootAK, rootSK, ""), Region: "cn-north-4"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := mc.MakeBucket(ctx, "scans", minio.MakeBucketOptions{Region: "cn-north-4"}); err != nil {
		t.Fatal(err)
	}
	const fixture = "../services/ocr/testdata/zh_bold_plain.png"
	f, err := os.Open(fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	if _, err := mc.PutObject(ctx, "scans", "2026/zh_bold_plain.png", f, st.Size(), minio.PutObjectOptions{ContentType: "image/png"}); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"obs://scans/2026/zh_bold_plain.png", "https://scans.obs.cn-north-4.myhuaweicloud.com/2026/zh_bold_plain.png"} {
		ref := ref
		resp, err := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID).RecognizeGeneralText(&ocrmodel.RecognizeGeneralTextRequest{
			Body: &ocrmodel.GeneralTextRequestBody{Url: &ref},
		})
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		var got []string
		for _, w := range resp.Result.WordsBlockList {
			got = append(got, w.Words)
		}
		if strings.Join(got, "|") != "欢迎使用文字识别服务|今天天气很好，适合出门散步。" {
			t.Fatalf("%s: read %q", ref, got)
		}
	}
}
