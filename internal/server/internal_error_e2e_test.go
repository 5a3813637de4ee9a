package server_test

import (
	"context"
	"testing"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
)

// TestStoreFailureIsTheFamilysInternalError: when the database goes away
// under a running server (its SQLite store closed), a service call cannot
// be checked (subscription, quota) and answers each family's internal
// code, through the SDK: KindInternal is AIS.0003 "Internal error." for
// Image Recognition and Moderation and ModelArts.4505 for OCR — never a
// 500, and never the handler's answer.
func TestStoreFailureIsTheFamilysInternalError(t *testing.T) {
	// Text moderation needs no model; image tagging and OCR get handlers
	// that must not be reached.
	e := newEnvClock(t, nil, func(c *aisdcfg.Config) { c.Engines = []string{"moderation"} })
	unreached := func(context.Context, *api.Call) (any, error) {
		t.Error("a handler ran although the store is closed")
		return map[string]any{}, nil
	}
	e.s.Handle("RunImageTagging", unreached)
	e.s.Handle("RecognizeGeneralText", unreached)
	pid := e.s.Root.Project.ID
	if err := e.s.Store.Close(); err != nil {
		t.Fatal(err)
	}
	msg := func(f catalog.Family) string { return catalog.Render(catalog.E(catalog.KindInternal), f).Msg }

	_, err := sdktest.Image(t, e.srv.URL, rootAK, rootSK, pid).RunImageTagging(tagReq())
	if se := sdktest.WantCode(t, err, 400, "AIS.0003"); se.ErrorMessage != msg(catalog.FamilyImage) || se.RequestId == "" {
		t.Fatalf("image: %+v", se)
	}
	_, err = sdktest.Moderation(t, e.srv.URL, rootAK, rootSK, pid).RunTextModeration(textModeration("hello"))
	if se := sdktest.WantCode(t, err, 400, "AIS.0003"); se.ErrorMessage != msg(catalog.FamilyModeration) {
		t.Fatalf("moderation: %+v", se)
	}
	_, err = sdktest.OCR(t, e.srv.URL, rootAK, rootSK, pid).RecognizeGeneralText(generalText())
	if se := sdktest.WantCode(t, err, 400, "ModelArts.4505"); se.ErrorMessage != msg(catalog.FamilyOCR) {
		t.Fatalf("ocr: %+v", se)
	}
}
