package server_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	imagemodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2/model"
	modmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"
	ocrmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
)

// TestOBSObjectTooLarge: an object of the project's own bucket over the
// 10 MB input limit, read by obs:// URL, is each family's OBS size code:
// ModelArts.4705 for OCR, AIS.0023 for Image Recognition and Moderation.
func TestOBSObjectTooLarge(t *testing.T) {
	e := newEnv(t, func(c *aisdcfg.Config) { c.Engines = []string{"ocr", "image", "moderation"} })
	loaded := strings.Join(e.s.Engines(), ",")
	if !strings.Contains(loaded, "ocr") || !strings.Contains(loaded, "image") || !strings.Contains(loaded, "moderation") {
		requireOrSkip(t, "engines not loaded (models not installed): "+loaded)
	}
	s3 := httptest.NewServer(e.s.S3Handler())
	defer s3.Close()
	u, _ := url.Parse(s3.URL)
	mc, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(rootAK, rootSK, ""), Region: "cn-north-4"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := mc.MakeBucket(ctx, "big", minio.MakeBucketOptions{Region: "cn-north-4"}); err != nil {
		t.Fatal(err)
	}
	// A PNG signature followed by 11 MB: the size is refused before the
	// content matters.
	blob := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 11<<20)...)
	if _, err := mc.PutObject(ctx, "big", "huge.png", bytes.NewReader(blob), int64(len(blob)), minio.PutObjectOptions{ContentType: "image/png"}); err != nil {
		t.Fatal(err)
	}
	ref := "obs://big/huge.png"
	pid := e.s.Root.Project.ID
	_, err = sdktest.OCR(t, e.srv.URL, rootAK, rootSK, pid).RecognizeGeneralText(&ocrmodel.RecognizeGeneralTextRequest{Body: &ocrmodel.GeneralTextRequestBody{Url: &ref}})
	sdktest.WantCode(t, err, 400, "ModelArts.4705")
	_, err = sdktest.Image(t, e.srv.URL, rootAK, rootSK, pid).RunImageTagging(&imagemodel.RunImageTaggingRequest{Body: &imagemodel.ImageTaggingReq{Url: &ref}})
	sdktest.WantCode(t, err, 400, "AIS.0023")
	_, err = sdktest.Moderation(t, e.srv.URL, rootAK, rootSK, pid).CheckImageModeration(&modmodel.CheckImageModerationRequest{
		Body: &modmodel.ImageDetectionReq{Url: &ref, EventType: ptrTo("head_image"), Categories: &[]string{"porn"}}})
	sdktest.WantCode(t, err, 400, "AIS.0023")
}
