package imagerec_test

import (
	"context"
	"errors"
	"image"
	"net/http/httptest"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2/model"

	"github.com/aisd/aisd/internal/catalog"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/server"
	"github.com/aisd/aisd/internal/services/imagerec"
	"github.com/aisd/aisd/internal/services/imagerec/gallery"
	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/memory"
	"github.com/aisd/aisd/internal/vision"
)

// brokenDet fails the way an inference failure does.
type brokenDet struct{}

func (brokenDet) Detect(context.Context, image.Image, float32) ([]vision.Detection, error) {
	return nil, catalog.E(catalog.KindRecognition).Wrap(errors.New("onnxruntime: run failed"))
}

// brokenStore fails every resource listing.
type brokenStore struct{ *memory.Store }

func (brokenStore) ListResources(context.Context, string, string) ([]store.Resource, error) {
	return nil, errors.New("disk I/O error")
}

// TestEngineFailureCodes: an inference failure answers AIS.0505 for
// tagging and AIS.0206 for media tagging; a store failure while celebrity
// recognition reads the galleries answers AIS.0506.
func TestEngineFailureCodes(t *testing.T) {
	svc := imagerec.New(brokenDet{}, cocoLabels(t), input.New(input.Options{}))
	cfg := aisdcfg.Default()
	dir := t.TempDir()
	cfg.DataDir, cfg.DSN, cfg.RootAK, cfg.RootSK, cfg.Engines = dir, "sqlite:"+dir+"/aisd.db", rootAK, rootSK, nil
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for op, h := range svc.Handlers() {
		s.Handle(op, h)
	}
	s.Handle("RunCelebrityRecognition", imagerec.CelebrityWithoutFaces(svc, gallery.New(brokenStore{memory.New()})))
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); s.Close() })
	cli := sdktest.Image(t, srv.URL, rootAK, rootSK, s.Root.Project.ID)

	img := pngB64(t, 64, 64)
	_, err = cli.RunImageTagging(&model.RunImageTaggingRequest{Body: &model.ImageTaggingReq{Image: &img}})
	sdktest.WantCode(t, err, 400, "AIS.0505")
	_, err = cli.RunImageMediaTagging(&model.RunImageMediaTaggingRequest{Body: &model.ImageMediaTaggingReq{Image: &img}})
	sdktest.WantCode(t, err, 400, "AIS.0206")
	_, err = cli.RunImageMediaTaggingDet(&model.RunImageMediaTaggingDetRequest{Body: &model.ImageMediaTaggingDetReq{Image: &img}})
	sdktest.WantCode(t, err, 400, "AIS.0206")
	_, err = cli.RunCelebrityRecognition(&model.RunCelebrityRecognitionRequest{Body: &model.CelebrityRecognitionReq{Image: &img}})
	sdktest.WantCode(t, err, 400, "AIS.0506")
}
