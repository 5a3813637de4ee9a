package server_test

import (
	"encoding/base64"
	"path/filepath"
	"testing"

	modmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"
	ocrmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/catalog"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/services/moderation"
	"github.com/aisd/aisd/internal/services/ocr"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// TestEngineRefusesTheImage: when ONNX Runtime refuses to run a model on
// a decodable image, the call answers the family's recognition-failed
// code (KindRecognition): AIS.0105 for OCR, AIS.0404 for Moderation.
//
// The refusal is real — the engine checks the tensor against the model's
// declared input shape — with the services wired to a model of the wrong
// shape: OCR detecting with the direction classifier (a fixed 3×48×192
// input, where detection feeds the whole image), image moderation
// classifying with it (NHWC 224×224 frames into an NCHW 48×192 model).
// The services themselves, the image checks and the gateway are the real
// ones; only the model behind them is the wrong one.
func TestEngineRefusesTheImage(t *testing.T) {
	e := newEnv(t, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"} })
	requireModels(t, e)
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	dict, err := pipeline.ReadDict(filepath.Join(root, pipeline.ModelDir, pipeline.DictFile))
	if err != nil {
		t.Fatal(err)
	}
	_, cls, rec := e.s.OCR.Models()
	wrongDet, err := pipeline.New(pipeline.DefaultConfig(), cls, cls, rec, dict)
	if err != nil {
		t.Fatal(err)
	}
	in := input.New(input.Options{})
	e.s.Handle("RecognizeGeneralText", ocr.New(wrongDet, in).Handlers()["RecognizeGeneralText"])
	wrongCls, err := moderation.NewClassifier(cls, []string{"0", "180"})
	if err != nil {
		t.Fatal(err)
	}
	mod, err := moderation.New(wrongCls, in, nil, moderation.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	e.s.Handle("CheckImageModeration", mod.Handlers()["CheckImageModeration"])

	pid := e.s.Root.Project.ID
	img := base64.StdEncoding.EncodeToString(pngOf(256, 256))
	_, err = sdktest.OCR(t, e.srv.URL, rootAK, rootSK, pid).RecognizeGeneralText(&ocrmodel.RecognizeGeneralTextRequest{
		Body: &ocrmodel.GeneralTextRequestBody{Image: &img}})
	se := sdktest.WantCode(t, err, 400, "AIS.0105")
	if want := catalog.Render(catalog.E(catalog.KindRecognition), catalog.FamilyOCR).Msg; se.ErrorMessage != want {
		t.Fatalf("OCR message %q, want %q", se.ErrorMessage, want)
	}
	_, err = sdktest.Moderation(t, e.srv.URL, rootAK, rootSK, pid).CheckImageModeration(&modmodel.CheckImageModerationRequest{
		Body: &modmodel.ImageDetectionReq{Image: &img, EventType: ptrTo("head_image"), Categories: &[]string{"porn"}}})
	se = sdktest.WantCode(t, err, 400, "AIS.0404")
	if want := catalog.Render(catalog.E(catalog.KindRecognition), catalog.FamilyModeration).Msg; se.ErrorMessage != want {
		t.Fatalf("moderation message %q, want %q", se.ErrorMessage, want)
	}
}
