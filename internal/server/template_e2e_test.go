package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"testing"

	ocrmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/admin"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/services/ocr/template"
	"github.com/aisd/aisd/internal/services/ocr/template/templatetest"
)

// templateBody is a creation body for layout l: its clean rendering as the
// reference image, its title and labels as anchors given by text only
// (the server finds their boxes), and one area per row unless noAreas.
func templateBody(t *testing.T, name string, l templatetest.Layout, noAreas bool) map[string]any {
	t.Helper()
	clean, err := l.Render(nil)
	if err != nil {
		noFont(t, err)
	}
	anchors := []map[string]any{{"text": l.Title}}
	areas := []map[string]any{}
	for _, r := range l.Rows {
		anchors = append(anchors, map[string]any{"text": r.Label})
		if !noAreas {
			areas = append(areas, map[string]any{"name": r.Field, "location": clean.Areas[r.Field].Location()})
		}
	}
	return map[string]any{"name": name, "image": base64.StdEncoding.EncodeToString(templatetest.PNG(clean.Image)),
		"anchors": anchors, "areas": areas}
}

// noFont skips a test whose fixture font is missing, unless the run
// requires everything (make test installs the font).
func noFont(t *testing.T, err error) {
	t.Helper()
	if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
		t.Fatalf("fixture font: %v", err)
	}
	t.Skipf("fixture font: %v", err)
}

func photoB64(t *testing.T, l templatetest.Layout, values map[string]string, h templatetest.H, w, hh int) string {
	t.Helper()
	form, err := l.Render(values)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(templatetest.PNG(templatetest.Warp(form.Image, h, w, hh)))
}

// fieldsOf reads the SDK response's result as area name → words.
func fieldsOf(t *testing.T, resp *ocrmodel.RecognizeCustomTemplateResponse) map[string]string {
	t.Helper()
	if resp.Result == nil {
		t.Fatal("no result")
	}
	m, ok := (*resp.Result).(map[string]any)
	if !ok {
		t.Fatalf("result %T", *resp.Result)
	}
	out := map[string]string{}
	for k, v := range m {
		f, _ := v.(map[string]any)
		w, _ := f["words"].(string)
		out[k] = w
		if loc, _ := f["location"].([]any); len(loc) != 4 {
			t.Errorf("%s: location %v", k, f["location"])
		}
	}
	return out
}

// TestCustomTemplateThroughSDK: templates and a classifier made through the
// admin API read rendered forms through the SDK; each template error is
// raised by its real condition.
func TestCustomTemplateThroughSDK(t *testing.T) {
	e := newEnv(t, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"} })
	requireModels(t, e)
	ctx := context.Background()
	pid := e.s.Root.Project.ID
	adm := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	base := "/v1/admin/projects/" + pid
	var staff, visitor, bare template.TemplateView
	if err := adm.Do(ctx, "POST", base+"/ocr-templates", nil, templateBody(t, "staff", templatetest.Staff, false), &staff); err != nil {
		t.Fatal(err)
	}
	if len(staff.Anchors) != 6 || len(staff.Anchors[0].Location) != 4 || staff.Width != 1000 || staff.Height != 720 {
		t.Fatalf("created %+v", staff)
	}
	if err := adm.Do(ctx, "POST", base+"/ocr-templates", nil, templateBody(t, "visitor", templatetest.Visitor, false), &visitor); err != nil {
		t.Fatal(err)
	}
	if err := adm.Do(ctx, "POST", base+"/ocr-templates", nil, templateBody(t, "draft", templatetest.Visitor, true), &bare); err != nil {
		t.Fatal(err)
	}
	var cls template.ClassifierView
	if err := adm.Do(ctx, "POST", base+"/ocr-classifiers", nil, map[string]any{"name": "desk", "template_ids": []string{staff.ID, visitor.ID}}, &cls); err != nil {
		t.Fatal(err)
	}

	client := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, pid)
	call := func(b ocrmodel.CustomTemplateRequestBody) (*ocrmodel.RecognizeCustomTemplateResponse, error) {
		return client.RecognizeCustomTemplate(&ocrmodel.RecognizeCustomTemplateRequest{Body: &b})
	}
	ptr := func(s string) *string { return &s }
	yes := true

	// A filled-in staff form, photographed at an angle in perspective.
	vals := map[string]string{"name": "周杰", "department": "人力资源部", "start_date": "2020-05-18", "staff_no": "D31415", "phone": "18600001234"}
	staffPhoto := photoB64(t, templatetest.Staff, vals, templatetest.Perspective(1000, 720, [4][2]float64{{60, 50}, {940, 20}, {980, 760}, {30, 700}}), 1040, 800)
	resp, err := call(ocrmodel.CustomTemplateRequestBody{Image: &staffPhoto, TemplateId: &staff.ID})
	if err != nil {
		t.Fatal(err)
	}
	if resp.TemplateId == nil || *resp.TemplateId != staff.ID {
		t.Fatalf("template_id %v, want %s", resp.TemplateId, staff.ID)
	}
	got := fieldsOf(t, resp)
	for k, v := range vals {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}

	visitorVals := map[string]string{"company": "远山物流", "host": "孙立", "valid_until": "2026-12-31"}
	visitorPhoto := photoB64(t, templatetest.Visitor, visitorVals, templatetest.Similarity(5, 0.9, 500, 360, 40, 30), 1060, 780)
	// The classifier picks the visitor template and reads it...
	resp, err = call(ocrmodel.CustomTemplateRequestBody{Image: &visitorPhoto, ClassifierId: &cls.ID})
	if err != nil {
		t.Fatal(err)
	}
	if *resp.TemplateId != visitor.ID {
		t.Fatalf("classified as %s, want visitor %s", *resp.TemplateId, visitor.ID)
	}
	if got := fieldsOf(t, resp); fmt.Sprint(got) != fmt.Sprint(visitorVals) {
		t.Errorf("visitor fields %v, want %v", got, visitorVals)
	}
	// ... or only names it.
	resp, err = call(ocrmodel.CustomTemplateRequestBody{Image: &visitorPhoto, ClassifierId: &cls.ID, ClassifierMode: &yes})
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := (*resp.Result).(map[string]any); c["template_id"] != visitor.ID || c["template_name"] != "visitor" {
		t.Fatalf("classifier_mode result %v", *resp.Result)
	}

	// AIS.0117: an id no template or classifier has.
	none := "0123456789abcdef0123456789abcdef"
	for _, b := range []ocrmodel.CustomTemplateRequestBody{{Image: &staffPhoto, TemplateId: &none}, {Image: &staffPhoto, ClassifierId: &none}, {Image: &staffPhoto, TemplateId: ptr("not-an-id")}} {
		_, err := call(b)
		if se := sdktest.WantCode(t, err, 400, "AIS.0117"); se.ErrorMessage != "Input ID does not exist." {
			t.Errorf("AIS.0117 message %q", se.ErrorMessage)
		}
	}
	// AIS.0119: the visitor pass is not a staff form.
	_, err = call(ocrmodel.CustomTemplateRequestBody{Image: &visitorPhoto, TemplateId: &staff.ID})
	if se := sdktest.WantCode(t, err, 400, "AIS.0119"); se.ErrorMessage != "Template match failed, template_id="+staff.ID+"." {
		t.Errorf("AIS.0119 message %q", se.ErrorMessage)
	}
	// AIS.0120: a page of neither layout.
	other := templatetest.Layout{Title: "会议纪要", Rows: []templatetest.Row{{Label: "主持人", Field: "chair"}, {Label: "会议地点", Field: "place"}}, W: 1000, H: 720}
	otherPhoto := photoB64(t, other, map[string]string{"chair": "吴敏", "place": "三楼会议室"}, templatetest.Similarity(0, 1, 0, 0, 0, 0), 1000, 720)
	_, err = call(ocrmodel.CustomTemplateRequestBody{Image: &otherPhoto, ClassifierId: &cls.ID})
	if se := sdktest.WantCode(t, err, 400, "AIS.0120"); se.ErrorMessage != "Classification failed." {
		t.Errorf("AIS.0120 message %q", se.ErrorMessage)
	}
	// AIS.0121: a template without recognition areas.
	_, err = call(ocrmodel.CustomTemplateRequestBody{Image: &visitorPhoto, TemplateId: &bare.ID})
	if se := sdktest.WantCode(t, err, 400, "AIS.0121"); se.ErrorMessage != "The recognition area of template is not configured, template_id="+bare.ID {
		t.Errorf("AIS.0121 message %q", se.ErrorMessage)
	}
	// Neither id, or both: a bad parameter.
	_, err = call(ocrmodel.CustomTemplateRequestBody{Image: &staffPhoto})
	sdktest.WantCode(t, err, 400, "AIS.0101")
	_, err = call(ocrmodel.CustomTemplateRequestBody{Image: &staffPhoto, TemplateId: &staff.ID, ClassifierId: &cls.ID})
	sdktest.WantCode(t, err, 400, "AIS.0101")
}

// TestTemplateAdminAPI: listing, reading and deleting templates and
// classifiers, and the AIP answers for what the API refuses.
func TestTemplateAdminAPI(t *testing.T) {
	e := newEnv(t) // no OCR engine: anchors must come with their boxes
	ctx := context.Background()
	pid := e.s.Root.Project.ID
	adm := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	base := "/v1/admin/projects/" + pid
	clean, err := templatetest.Staff.Render(nil)
	if err != nil {
		noFont(t, err)
	}
	img := base64.StdEncoding.EncodeToString(templatetest.PNG(clean.Image))
	body := func(name string, withBoxes bool) map[string]any {
		a := map[string]any{"text": "姓名"}
		if withBoxes {
			a["location"] = clean.Anchors["姓名"].Location()
		}
		return map[string]any{"name": name, "image": img, "anchors": []any{a},
			"areas": []any{map[string]any{"name": "name", "location": clean.Areas["name"].Location()}}}
	}
	wantErr := func(err error, status int, code string) {
		t.Helper()
		var ae *admin.APIError
		if !errors.As(err, &ae) || ae.Status != status || ae.Code != code {
			t.Fatalf("got %v, want %d %s", err, status, code)
		}
	}
	var tv template.TemplateView
	if err := adm.Do(ctx, "POST", base+"/ocr-templates", nil, body("a", true), &tv); err != nil {
		t.Fatal(err)
	}
	wantErr(adm.Do(ctx, "POST", base+"/ocr-templates", nil, body("a", true), nil), 400, "AIP.0014")
	wantErr(adm.Do(ctx, "POST", base+"/ocr-templates", nil, body("b", false), nil), 400, "AIP.0016") // no OCR to find the anchor
	wantErr(adm.Do(ctx, "POST", base+"/ocr-templates", nil, map[string]any{"name": "c", "image": img, "anchors": []any{}}, nil), 400, "AIP.0006")
	wantErr(adm.Do(ctx, "POST", base+"/ocr-templates", nil, map[string]any{"name": "c", "image": "AAAA", "anchors": []any{map[string]any{"text": "x", "location": [][]int{{0, 0}, {9, 9}}}}}, nil), 400, "AIP.0016")
	wantErr(adm.Do(ctx, "POST", base+"/ocr-templates", nil, map[string]any{"name": "c", "colour": "red"}, nil), 400, "AIP.0007")
	wantErr(adm.Do(ctx, "POST", "/v1/admin/projects/0123456789abcdef0123456789abcdef/ocr-templates", nil, body("x", true), nil), 400, "AIP.0016")

	// A reference in the object store stays there: the template keeps its URL.
	if err := e.s.OBS.CreateBucket(ctx, pid, "forms"); err != nil {
		t.Fatal(err)
	}
	png := templatetest.PNG(clean.Image)
	if _, err := e.s.OBS.Put(ctx, "forms", "staff.png", bytes.NewReader(png), int64(len(png)), "image/png"); err != nil {
		t.Fatal(err)
	}
	byURL := body("by-url", true)
	delete(byURL, "image")
	byURL["url"] = "obs://forms/staff.png"
	var uv template.TemplateView
	if err := adm.Do(ctx, "POST", base+"/ocr-templates", nil, byURL, &uv); err != nil {
		t.Fatal(err)
	}
	if err := adm.Do(ctx, "GET", base+"/ocr-templates/"+uv.ID, nil, nil, &uv); err != nil || uv.ImageURL != "obs://forms/staff.png" || uv.Image != "" || uv.Width != 1000 {
		t.Fatalf("by url: %+v %v", uv.ImageURL, err)
	}
	byURL["name"], byURL["url"] = "missing", "obs://forms/none.png"
	wantErr(adm.Do(ctx, "POST", base+"/ocr-templates", nil, byURL, nil), 400, "AIP.0016")
	if err := adm.Do(ctx, "DELETE", base+"/ocr-templates/"+uv.ID, nil, nil, nil); err != nil {
		t.Fatal(err)
	}

	var list template.TemplateList
	if err := adm.Do(ctx, "GET", base+"/ocr-templates", nil, nil, &list); err != nil {
		t.Fatal(err)
	}
	if list.Count != 1 || list.Templates[0].ID != tv.ID || list.Templates[0].Image != "" {
		t.Fatalf("list %+v", list)
	}
	var got template.TemplateView
	if err := adm.Do(ctx, "GET", base+"/ocr-templates/"+tv.ID, nil, nil, &got); err != nil {
		t.Fatal(err)
	}
	if got.Image != img || got.Name != "a" || len(got.Areas) != 1 {
		t.Fatalf("get %+v", got.Name)
	}

	var cv template.ClassifierView
	if err := adm.Do(ctx, "POST", base+"/ocr-classifiers", nil, map[string]any{"name": "k", "template_ids": []string{tv.ID}}, &cv); err != nil {
		t.Fatal(err)
	}
	wantErr(adm.Do(ctx, "POST", base+"/ocr-classifiers", nil, map[string]any{"name": "k2", "template_ids": []string{"0123456789abcdef0123456789abcdef"}}, nil), 400, "AIP.0016")
	// A template a classifier uses stays until the classifier goes.
	wantErr(adm.Do(ctx, "DELETE", base+"/ocr-templates/"+tv.ID, nil, nil, nil), 400, "AIP.0016")
	var cl template.ClassifierList
	if err := adm.Do(ctx, "GET", base+"/ocr-classifiers", nil, nil, &cl); err != nil || cl.Count != 1 || cl.Classifiers[0].TemplateIDs[0] != tv.ID {
		t.Fatalf("classifiers %+v %v", cl, err)
	}
	if err := adm.Do(ctx, "DELETE", base+"/ocr-classifiers/"+cv.ID, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := adm.Do(ctx, "DELETE", base+"/ocr-templates/"+tv.ID, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	wantErr(adm.Do(ctx, "GET", base+"/ocr-templates/"+tv.ID, nil, nil, nil), 400, "AIP.0016")
	wantErr(adm.Do(ctx, "GET", base+"/ocr-classifiers/"+cv.ID, nil, nil, nil), 400, "AIP.0016")
	wantErr(adm.Do(ctx, "PUT", base+"/ocr-templates", nil, nil, nil), 405, "AIP.0008")
}

// A tenant's administrator reaches only its own projects' templates.
func TestTemplateAdminScoped(t *testing.T) {
	s := newScoped(t)
	ctx := context.Background()
	wantUnauthorized(t, s.ops.Do(ctx, "GET", "/v1/admin/projects/"+s.rootProj+"/ocr-templates", nil, nil, nil))
	wantUnauthorized(t, s.dev.Do(ctx, "GET", "/v1/admin/projects/"+s.tenantProj+"/ocr-templates", nil, nil, nil))
	var list template.TemplateList
	if err := s.ops.Do(ctx, "GET", "/v1/admin/projects/"+s.tenantProj+"/ocr-templates", nil, nil, &list); err != nil || list.Count != 0 {
		t.Fatalf("own project: %+v %v", list, err)
	}
}
