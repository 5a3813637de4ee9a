package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	modmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"
	ocrmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/sdktest"
)

// permEnv is a server with a plain user "dev" of the root account (whose
// project subscribes every service), holding an AK/SK.
type permEnv struct {
	*stsEnv
	root        *admin.Client
	devID       string
	devAK       string
	devSK       string
	domain, pid string
}

func newPermEnv(t *testing.T) *permEnv {
	t.Helper()
	e := newSTSEnv(t, t.TempDir())
	ctx := context.Background()
	p := &permEnv{stsEnv: e, root: &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK},
		domain: e.s.Root.Domain.ID, pid: e.s.Root.Project.ID}
	var u struct {
		User admin.User `json:"user"`
	}
	if err := p.root.Do(ctx, "POST", "/v1/admin/domains/"+p.domain+"/users", nil, map[string]any{"name": "dev", "password": "password123"}, &u); err != nil {
		t.Fatal(err)
	}
	var cr struct {
		Credential admin.Credential `json:"credential"`
	}
	if err := p.root.Do(ctx, "POST", "/v1/admin/users/"+u.User.ID+"/credentials", nil, nil, &cr); err != nil {
		t.Fatal(err)
	}
	p.devID, p.devAK, p.devSK = u.User.ID, cr.Credential.AK, cr.Credential.SK
	return p
}

func (p *permEnv) attach(t *testing.T, project string, names ...string) {
	t.Helper()
	if names == nil {
		names = []string{}
	}
	if err := p.root.Do(context.Background(), "PUT", "/v1/admin/users/"+p.devID+"/policies/"+project, nil,
		map[string]any{"policies": names}, nil); err != nil {
		t.Fatal(err)
	}
}

func (p *permEnv) putPolicy(t *testing.T, name, doc string) {
	t.Helper()
	if err := p.root.Do(context.Background(), "PUT", "/v1/admin/domains/"+p.domain+"/policies/"+name, nil,
		map[string]any{"description": "test", "policy": json.RawMessage(doc)}, nil); err != nil {
		t.Fatal(err)
	}
}

// notPermission fails the test if err is a permission refusal: the call
// got past authorization (whatever the service then answered).
func notPermission(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	se := sdktest.ErrOf(t, err)
	switch se.ErrorCode {
	case "APIG.0302", "AIS.0004", "ModelArts.4203", "APIG.0301":
		t.Fatalf("refused by permissions or authentication: %d %s %s", se.StatusCode, se.ErrorCode, se.ErrorMessage)
	}
}

func imageModeration() *modmodel.CheckImageModerationRequest {
	u := "https://example.invalid/a.jpg"
	return &modmodel.CheckImageModerationRequest{Body: &modmodel.ImageDetectionReq{Url: &u, EventType: ptrTo("head_image")}}
}

func idCard() *ocrmodel.RecognizeIdCardRequest {
	img := "not base64 at all!"
	return &ocrmodel.RecognizeIdCardRequest{Body: &ocrmodel.IdCardRequestBody{Image: &img}}
}

// TestPermissionPolicies: policies attached per project decide what a user
// may call, with the codes each family publishes; a user without any
// policy keeps full access.
func TestPermissionPolicies(t *testing.T) {
	p := newPermEnv(t)
	mod := sdktest.Moderation(t, p.srv.URL, p.devAK, p.devSK, p.pid)
	ocr := sdktest.OCR(t, p.srv.URL, p.devAK, p.devSK, p.pid)
	img := sdktest.Image(t, p.srv.URL, p.devAK, p.devSK, p.pid)

	// No policy: full access, as before policies existed.
	_, err := mod.RunTextModeration(textModeration("hello"))
	if err != nil {
		t.Fatalf("unrestricted user refused: %v", err)
	}

	// OCR only: the other services are refused by the gateway.
	p.attach(t, p.pid, "OCR FullAccess")
	_, err = mod.RunTextModeration(textModeration("hello"))
	se := sdktest.WantCode(t, err, 403, "APIG.0302")
	if se.ErrorMessage != "The IAM user is not authorized to access the API." {
		t.Fatal(se.ErrorMessage)
	}
	_, err = img.RunImageTagging(imageTagging())
	sdktest.WantCode(t, err, 403, "APIG.0302")
	_, err = ocr.RecognizeGeneralText(generalText())
	notPermission(t, err)

	// Read-only roles: the service is granted, the call is not.
	p.attach(t, p.pid, "OCR ReadOnlyAccess", "Moderation ReadOnlyAccess", "Image ReadOnlyAccess")
	_, err = ocr.RecognizeGeneralText(generalText())
	se = sdktest.WantCode(t, err, 400, "ModelArts.4203")
	if se.ErrorMessage != "Access denied! You do not have permission." {
		t.Fatal(se.ErrorMessage)
	}
	_, err = mod.RunTextModeration(textModeration("hello"))
	sdktest.WantCode(t, err, 400, "AIS.0004")
	_, err = img.RunImageTagging(imageTagging())
	sdktest.WantCode(t, err, 400, "AIS.0004")

	// A custom policy naming one operation, and a Deny that beats an Allow.
	p.putPolicy(t, "text only", `{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["moderation:text:create"]}]}`)
	p.putPolicy(t, "no id cards", `{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ocr:*:*"]},{"Effect":"Deny","Action":["ocr:idCard:*"]}]}`)
	p.attach(t, p.pid, "text only", "no id cards")
	if _, err := mod.RunTextModeration(textModeration("hello")); err != nil {
		t.Fatalf("allowed operation refused: %v", err)
	}
	_, err = mod.CheckImageModeration(imageModeration())
	sdktest.WantCode(t, err, 400, "AIS.0004")
	_, err = ocr.RecognizeIdCard(idCard())
	sdktest.WantCode(t, err, 400, "ModelArts.4203")
	_, err = ocr.RecognizeGeneralText(generalText())
	notPermission(t, err)

	// Policies attached for every project apply too; detaching all of
	// them gives full access back.
	p.attach(t, p.pid)
	p.attach(t, "*", "Tenant Guest")
	_, err = mod.RunTextModeration(textModeration("hello"))
	sdktest.WantCode(t, err, 400, "AIS.0004")
	p.attach(t, "*")
	if _, err := mod.RunTextModeration(textModeration("hello")); err != nil {
		t.Fatalf("detached user refused: %v", err)
	}
}

// TestPermissionPoliciesInAnotherProject: attachments are per project; in
// a project where a restricted user holds nothing, nothing is allowed.
func TestPermissionPoliciesInAnotherProject(t *testing.T) {
	p := newPermEnv(t)
	ctx := context.Background()
	var created struct {
		Project admin.Project `json:"project"`
	}
	if err := p.root.Do(ctx, "POST", "/v1/admin/domains/"+p.domain+"/projects", nil, map[string]any{"name": "cn-north-4_dev"}, &created); err != nil {
		t.Fatal(err)
	}
	p.attach(t, created.Project.ID, "Moderation FullAccess")
	_, err := sdktest.Moderation(t, p.srv.URL, p.devAK, p.devSK, p.pid).RunTextModeration(textModeration("hello"))
	sdktest.WantCode(t, err, 403, "APIG.0302")
	// In the project it holds the policy, the call passes authorization
	// (the project subscribes nothing: the subscription check answers).
	_, err = sdktest.Moderation(t, p.srv.URL, p.devAK, p.devSK, created.Project.ID).RunTextModeration(textModeration("hello"))
	notPermission(t, err)
}

// TestPermissionSessionPolicy: temporary credentials obtained with a
// session policy are narrowed by it even for an unrestricted user.
func TestPermissionSessionPolicy(t *testing.T) {
	p := newPermEnv(t)
	tok := passwordToken(t, p.env)
	status, tc, ae := securityTokens(t, p.env, tok,
		`{"auth":{"identity":{"methods":["token"],"policy":{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ocr:*:*"]}]}}}}`)
	if status != 201 {
		t.Fatalf("%d %+v", status, ae)
	}
	c := tc.Credential
	_, err := tempModeration(t, p.env, c.Access, c.Secret, c.Securitytoken).RunTextModeration(textModeration("hello"))
	sdktest.WantCode(t, err, 403, "APIG.0302")
	_, err = tempOCR(t, p.env, c.Access, c.Secret, c.Securitytoken).RecognizeGeneralText(generalText())
	notPermission(t, err)
}

// TestPermissionPolicyManagement: the admin API's refusals, in the AIP
// dialect.
func TestPermissionPolicyManagement(t *testing.T) {
	p := newPermEnv(t)
	ctx := context.Background()
	want := func(err error, code string) {
		t.Helper()
		var ae *admin.APIError
		if !errors.As(err, &ae) || ae.Code != code {
			t.Fatalf("got %v, want %s", err, code)
		}
	}
	base := "/v1/admin/domains/" + p.domain + "/policies/"
	want(p.root.Do(ctx, "PUT", base+"OCR FullAccess", nil, map[string]any{"policy": json.RawMessage(`{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["*:*:*"]}]}`)}, nil), "AIP.0016")
	want(p.root.Do(ctx, "PUT", base+"bad", nil, map[string]any{"policy": json.RawMessage(`{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ocr"]}]}`)}, nil), "AIP.0016")
	want(p.root.Do(ctx, "PUT", base+"bad", nil, map[string]any{}, nil), "AIP.0006")
	want(p.root.Do(ctx, "PUT", "/v1/admin/users/"+p.devID+"/policies/"+p.pid, nil, map[string]any{"policies": []string{"no such policy"}}, nil), "AIP.0016")
	p.putPolicy(t, "mine", `{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ocr:*:*"]}]}`)
	p.attach(t, p.pid, "mine")
	want(p.root.Do(ctx, "DELETE", base+"mine", nil, nil, nil), "AIP.0016")
	p.attach(t, p.pid)
	if err := p.root.Do(ctx, "DELETE", base+"mine", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Policies []struct {
			Name   string `json:"name"`
			System bool   `json:"system"`
		} `json:"policies"`
	}
	if err := p.root.Do(ctx, "GET", "/v1/admin/domains/"+p.domain+"/policies", nil, nil, &list); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, x := range list.Policies {
		names[x.Name] = x.System
	}
	for _, n := range []string{"OCR FullAccess", "OCR ReadOnlyAccess", "Tenant Administrator"} {
		if !names[n] {
			t.Errorf("system policy %q not listed: %+v", n, list)
		}
	}
	if _, ok := names["mine"]; ok {
		t.Error("deleted policy still listed")
	}
}

// TestJobOfAnotherUser: a moderation job is its creator's; another user of
// the same project who asks for it is answered AIS.0028.
func TestJobOfAnotherUser(t *testing.T) {
	p := newPermEnv(t)
	if !strings.Contains(strings.Join(p.s.Engines(), ","), "moderation") {
		t.Fatal("moderation engine not loaded")
	}
	def := modmodel.GetVideoCreateRequestEventTypeEnum().DEFAULT
	var porn modmodel.VideoCreateRequestImageCategories
	if err := porn.UnmarshalJSON([]byte(`"porn"`)); err != nil {
		t.Fatal(err)
	}
	root := sdktest.Moderation(t, p.srv.URL, rootAK, rootSK, p.pid)
	resp, err := root.RunCreateVideoModerationJob(&modmodel.RunCreateVideoModerationJobRequest{Body: &modmodel.VideoCreateRequest{
		Data:            &modmodel.VideoCreateRequestData{Url: "https://video.example.invalid/clip.mp4"},
		EventType:       &def,
		ImageCategories: &[]modmodel.VideoCreateRequestImageCategories{porn},
	}})
	if err != nil {
		requireOrSkip(t, "video moderation not served: "+err.Error())
	}
	if resp.JobId == nil || *resp.JobId == "" {
		t.Fatalf("no job id: %+v", resp)
	}
	_, err = sdktest.Moderation(t, p.srv.URL, p.devAK, p.devSK, p.pid).RunQueryVideoModerationJob(&modmodel.RunQueryVideoModerationJobRequest{JobId: *resp.JobId})
	sdktest.WantCode(t, err, 400, "AIS.0028")
	// Its creator may read it.
	if _, err := root.RunQueryVideoModerationJob(&modmodel.RunQueryVideoModerationJobRequest{JobId: *resp.JobId}); err != nil {
		t.Fatal(err)
	}
}
