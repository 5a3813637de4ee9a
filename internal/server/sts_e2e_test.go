package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	iamsdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3"
	iammodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3/model"
	imagesdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2"
	imagemodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2/model"
	modsdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3"
	modmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"
	ocrsdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1"

	"github.com/aisd/aisd/internal/admin"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
)

// stsEnv is a server serving text moderation (it needs no model) on a data
// directory that can be reopened, with a settable clock.
type stsEnv struct {
	*env
	clk *fakeClock
}

func newSTSEnv(t *testing.T, dir string) *stsEnv {
	t.Helper()
	clk := &fakeClock{t: time.Now()}
	e := newEnvClock(t, clk, func(c *aisdcfg.Config) {
		c.DataDir, c.DSN = dir, "sqlite:"+filepath.Join(dir, "aisd.db")
		c.Engines = []string{"moderation"}
	})
	return &stsEnv{env: e, clk: clk}
}

// passwordToken logs the root user in (its password is the root SK) with
// the root project in scope.
func passwordToken(t *testing.T, e *env) string {
	t.Helper()
	body := `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"root","password":"` + rootSK +
		`","domain":{"name":"root"}}}},"scope":{"project":{"id":"` + e.s.Root.Project.ID + `"}}}}`
	resp, err := http.Post(e.srv.URL+"/v3/auth/tokens", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
	return resp.Header.Get("X-Subject-Token")
}

type tempCred struct {
	Credential struct {
		ExpiresAt     string `json:"expires_at"`
		Access        string `json:"access"`
		Secret        string `json:"secret"`
		Securitytoken string `json:"securitytoken"`
	} `json:"credential"`
}

// securityTokens posts body to the securitytokens API with a token and
// returns the status and the decoded answer (or error body).
func securityTokens(t *testing.T, e *env, token, body string) (int, tempCred, apiErr) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/v3.0/OS-CREDENTIAL/securitytokens", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json;charset=utf8")
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var tc tempCred
	var ae apiErr
	if resp.StatusCode == http.StatusCreated {
		if err := json.Unmarshal(raw, &tc); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
	} else {
		_ = json.Unmarshal(raw, &ae)
	}
	return resp.StatusCode, tc, ae
}

type apiErr struct {
	Code string `json:"error_code"`
	Msg  string `json:"error_msg"`
}

func tokenBody(duration int) string {
	return `{"auth":{"identity":{"methods":["token"],"token":{"duration_seconds":` + itoa(duration) + `}}}}`
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// tempModeration is the SDK's Moderation client in temporary-credential
// mode: it signs with the temporary AK/SK and sends X-Security-Token.
func tempModeration(t *testing.T, e *env, ak, sk, token string) *modsdk.ModerationClient {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithSecurityToken(token).
		WithProjectId(e.s.Root.Project.ID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	c, err := modsdk.ModerationClientBuilder().WithRegion(region.NewRegion(sdktest.Region, e.srv.URL)).
		WithCredential(cred).WithHttpConfig(config.DefaultHttpConfig().WithTimeout(sdktest.Timeout)).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return modsdk.NewModerationClient(c)
}

func tempOCR(t *testing.T, e *env, ak, sk, token string) *ocrsdk.OcrClient {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithSecurityToken(token).
		WithProjectId(e.s.Root.Project.ID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	c, err := ocrsdk.OcrClientBuilder().WithRegion(region.NewRegion(sdktest.Region, e.srv.URL)).
		WithCredential(cred).WithHttpConfig(config.DefaultHttpConfig().WithTimeout(sdktest.Timeout)).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return ocrsdk.NewOcrClient(c)
}

func tempImage(t *testing.T, e *env, ak, sk, token string) *imagesdk.ImageClient {
	t.Helper()
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithSecurityToken(token).
		WithProjectId(e.s.Root.Project.ID).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	c, err := imagesdk.ImageClientBuilder().WithRegion(region.NewRegion(sdktest.Region, e.srv.URL)).
		WithCredential(cred).WithHttpConfig(config.DefaultHttpConfig().WithTimeout(sdktest.Timeout)).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return imagesdk.NewImageClient(c)
}

func textModeration(text string) *modmodel.RunTextModerationRequest {
	ev := "comment"
	return &modmodel.RunTextModerationRequest{Body: &modmodel.TextDetectionReq{EventType: &ev, Data: &modmodel.TextDetectionDataReq{Text: text}}}
}

func imageTagging() *imagemodel.RunImageTaggingRequest {
	u := "https://example.invalid/a.jpg"
	return &imagemodel.RunImageTaggingRequest{Body: &imagemodel.ImageTaggingReq{Url: &u}}
}

// TestSTSFromTokenWithSDKTemporaryClient: a token buys temporary
// credentials with the documented request and answer, and the SDK's
// temporary-credential client (WithSecurityToken) calls text moderation
// with them.
func TestSTSFromTokenWithSDKTemporaryClient(t *testing.T) {
	e := newSTSEnv(t, t.TempDir())
	tok := passwordToken(t, e.env)
	issued := e.clk.Now()
	status, tc, ae := securityTokens(t, e.env, tok, tokenBody(3600))
	if status != http.StatusCreated {
		t.Fatalf("%d %+v", status, ae)
	}
	c := tc.Credential
	if len(c.Access) != 20 || len(c.Secret) != 40 || len(c.Securitytoken) < 100 {
		t.Fatalf("credential shape: %+v", c)
	}
	exp, err := time.Parse("2006-01-02T15:04:05.000000Z", c.ExpiresAt)
	if err != nil {
		t.Fatalf("expires_at %q: %v", c.ExpiresAt, err)
	}
	if d := exp.Sub(issued); d < 3599*time.Second || d > 3601*time.Second {
		t.Fatalf("expires in %v, want 1 h", d)
	}
	resp, err := tempModeration(t, e.env, c.Access, c.Secret, c.Securitytoken).RunTextModeration(textModeration("hello world"))
	if err != nil {
		t.Fatalf("temporary credentials refused: %v", err)
	}
	if resp.Result == nil || resp.Result.Suggestion == nil {
		t.Fatalf("no result: %+v", resp)
	}
	// The token may also come in the body (no header).
	status, tc2, ae := securityTokens(t, e.env, "", `{"auth":{"identity":{"methods":["token"],"token":{"id":"`+tok+`"}}}}`)
	if status != http.StatusCreated {
		t.Fatalf("token in body: %d %+v", status, ae)
	}
	exp2, _ := time.Parse("2006-01-02T15:04:05.000000Z", tc2.Credential.ExpiresAt)
	if d := exp2.Sub(issued); d < 899*time.Second || d > 901*time.Second {
		t.Fatalf("default duration %v, want 15 min", d)
	}
}

// TestSTSFromAKSKWithSDKIAMClient: the SDK's own IAM client
// (CreateTemporaryAccessKeyByToken, signed with the permanent AK/SK)
// obtains temporary credentials that work, and stop working when the
// permanent AK they came from is deleted.
func TestSTSFromAKSKWithSDKIAMClient(t *testing.T) {
	e := newSTSEnv(t, t.TempDir())
	ctx := context.Background()
	root := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	// A second key of the root user, to delete later.
	var cr struct {
		Credential admin.Credential `json:"credential"`
	}
	if err := root.Do(ctx, "POST", "/v1/admin/users/"+e.s.Root.User.ID+"/credentials", nil, nil, &cr); err != nil {
		t.Fatal(err)
	}
	gcred, err := global.NewCredentialsBuilder().WithAk(cr.Credential.AK).WithSk(cr.Credential.SK).
		WithDomainId(e.s.Root.Domain.ID).WithIamEndpointOverride(e.srv.URL).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := iamsdk.IamClientBuilder().WithRegion(region.NewRegion(sdktest.Region, e.srv.URL)).WithCredential(gcred).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(sdktest.Timeout)).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	cli := iamsdk.NewIamClient(hc)
	d := int32(900)
	resp, err := cli.CreateTemporaryAccessKeyByToken(&iammodel.CreateTemporaryAccessKeyByTokenRequest{
		Body: &iammodel.CreateTemporaryAccessKeyByTokenRequestBody{Auth: &iammodel.TokenAuth{Identity: &iammodel.TokenAuthIdentity{
			Methods: []iammodel.TokenAuthIdentityMethods{iammodel.GetTokenAuthIdentityMethodsEnum().TOKEN},
			Token:   &iammodel.IdentityToken{DurationSeconds: &d},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.HttpStatusCode != http.StatusCreated || resp.Credential == nil {
		t.Fatalf("%+v", resp)
	}
	c := resp.Credential
	mc := tempModeration(t, e.env, c.Access, c.Secret, c.Securitytoken)
	if _, err := mc.RunTextModeration(textModeration("hello")); err != nil {
		t.Fatal(err)
	}
	if err := root.Do(ctx, "DELETE", "/v1/admin/credentials/"+cr.Credential.AK, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	_, err = mc.RunTextModeration(textModeration("hello"))
	sdktest.WantCode(t, err, 400, "ModelArts.4107")
}

// TestSTSRefusals: each way temporary credentials fail, with the family's
// code (ModelArts.4107 in every family) or the gateway's.
func TestSTSRefusals(t *testing.T) {
	e := newSTSEnv(t, t.TempDir())
	tok := passwordToken(t, e.env)
	issue := func(d int) tempCred {
		t.Helper()
		status, tc, ae := securityTokens(t, e.env, tok, tokenBody(d))
		if status != http.StatusCreated {
			t.Fatalf("%d %+v", status, ae)
		}
		return tc
	}
	a, b := issue(900), issue(900)
	ac, bc := a.Credential, b.Credential

	t.Run("no security token", func(t *testing.T) {
		_, err := sdktest.Moderation(t, e.srv.URL, ac.Access, ac.Secret, e.s.Root.Project.ID).RunTextModeration(textModeration("x"))
		se := sdktest.WantCode(t, err, 401, "APIG.0301")
		if !strings.Contains(se.ErrorMessage, "ak not exist") {
			t.Fatal(se.ErrorMessage)
		}
	})
	t.Run("another pair's token", func(t *testing.T) {
		_, err := tempModeration(t, e.env, ac.Access, ac.Secret, bc.Securitytoken).RunTextModeration(textModeration("x"))
		se := sdktest.WantCode(t, err, 400, "ModelArts.4107")
		if se.ErrorMessage != "An exception occurred when obtaining the temporary AK/SK." {
			t.Fatalf("moderation wording: %q", se.ErrorMessage)
		}
	})
	t.Run("forged token", func(t *testing.T) {
		forged := strings.Repeat("A", len(ac.Securitytoken))
		_, err := tempOCR(t, e.env, ac.Access, ac.Secret, forged).RecognizeGeneralText(generalText())
		se := sdktest.WantCode(t, err, 400, "ModelArts.4107")
		if se.ErrorMessage != "Get user temp ak sk error." {
			t.Fatalf("OCR wording: %q", se.ErrorMessage)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		_, err := tempModeration(t, e.env, ac.Access, strings.Repeat("x", 40), ac.Securitytoken).RunTextModeration(textModeration("x"))
		sdktest.WantCode(t, err, 401, "APIG.0301")
	})
	t.Run("revoked", func(t *testing.T) {
		root := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
		var list struct {
			Credentials []struct {
				Access string `json:"access"`
			} `json:"credentials"`
		}
		if err := root.Do(context.Background(), "GET", "/v1/admin/domains/"+e.s.Root.Domain.ID+"/securitytokens", nil, nil, &list); err != nil {
			t.Fatal(err)
		}
		if len(list.Credentials) != 2 {
			t.Fatalf("listed %+v", list)
		}
		if err := root.Do(context.Background(), "DELETE", "/v1/admin/domains/"+e.s.Root.Domain.ID+"/securitytokens/"+bc.Access, nil, nil, nil); err != nil {
			t.Fatal(err)
		}
		_, err := tempImage(t, e.env, bc.Access, bc.Secret, bc.Securitytoken).RunImageTagging(imageTagging())
		sdktest.WantCode(t, err, 400, "ModelArts.4107")
		// The other pair is untouched.
		if _, err := tempModeration(t, e.env, ac.Access, ac.Secret, ac.Securitytoken).RunTextModeration(textModeration("x")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		// Pairs issued 59 and 61 minutes ago for an hour (the server's
		// clock is moved back for the issuance; the SDK signs with the
		// real time, which the server then has again).
		e.clk.Add(-59 * time.Minute)
		fresh := issue(3600).Credential
		e.clk.Add(-2 * time.Minute)
		stale := issue(3600).Credential
		e.clk.Add(61 * time.Minute)
		if _, err := tempModeration(t, e.env, fresh.Access, fresh.Secret, fresh.Securitytoken).RunTextModeration(textModeration("x")); err != nil {
			t.Fatalf("refused before expiry: %v", err)
		}
		_, err := tempModeration(t, e.env, stale.Access, stale.Secret, stale.Securitytoken).RunTextModeration(textModeration("x"))
		sdktest.WantCode(t, err, 400, "ModelArts.4107")
	})
}

// TestSTSRequestValidation: the documented limits of the request, in the
// IAM API's (AIP) dialect; authentication comes first.
func TestSTSRequestValidation(t *testing.T) {
	e := newSTSEnv(t, t.TempDir())
	tok := passwordToken(t, e.env)
	for _, c := range []struct {
		name, token, body string
		status            int
		code              string
	}{
		{"no credentials", "", tokenBody(900), 401, "APIG.0301"},
		{"too short", tok, tokenBody(899), 400, "AIP.0010"},
		{"too long", tok, tokenBody(86401), 400, "AIP.0010"},
		{"password method", tok, `{"auth":{"identity":{"methods":["password"]}}}`, 400, "AIP.0007"},
		{"not json", tok, `{"auth":`, 400, "AIP.0009"},
		{"session policy with a condition", tok, `{"auth":{"identity":{"methods":["token"],"policy":{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["ocr:*:*"],"Condition":{"x":{"y":["z"]}}}]}}}}`, 400, "AIP.0016"},
	} {
		status, _, ae := securityTokens(t, e.env, c.token, c.body)
		if status != c.status || ae.Code != c.code {
			t.Errorf("%s: %d %+v, want %d %s", c.name, status, ae, c.status, c.code)
		}
	}
	// Content-Type is mandatory.
	req, _ := http.NewRequest("POST", e.srv.URL+"/v3.0/OS-CREDENTIAL/securitytokens", strings.NewReader(tokenBody(900)))
	req.Header.Set("X-Auth-Token", tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ae apiErr
	_ = json.NewDecoder(resp.Body).Decode(&ae)
	resp.Body.Close()
	if resp.StatusCode != 400 || ae.Code != "AIP.0005" || ae.Msg != "Lack Header or Header Content-Type is empty." {
		t.Fatalf("no Content-Type: %d %+v", resp.StatusCode, ae)
	}
	// The longest documented duration is accepted.
	if status, _, ae := securityTokens(t, e.env, tok, tokenBody(86400)); status != http.StatusCreated {
		t.Fatalf("24 h: %d %+v", status, ae)
	}
}

// TestSTSSurvivesRestart: temporary credentials issued before a restart
// work after it (the record is in the store, the token sealed with the
// persisted server key), and a revocation made before it holds.
func TestSTSSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := newSTSEnv(t, dir)
	tok := passwordToken(t, e.env)
	_, a, _ := securityTokens(t, e.env, tok, tokenBody(3600))
	_, b, _ := securityTokens(t, e.env, tok, tokenBody(3600))
	root := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	if err := root.Do(context.Background(), "DELETE", "/v1/admin/domains/"+e.s.Root.Domain.ID+"/securitytokens/"+b.Credential.Access, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	e.srv.Close()
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := newSTSEnv(t, dir)
	ac, bc := a.Credential, b.Credential
	if _, err := tempModeration(t, e2.env, ac.Access, ac.Secret, ac.Securitytoken).RunTextModeration(textModeration("x")); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	_, err := tempModeration(t, e2.env, bc.Access, bc.Secret, bc.Securitytoken).RunTextModeration(textModeration("x"))
	sdktest.WantCode(t, err, 400, "ModelArts.4107")
}

// TestSTSFromTemporaryCredentials: temporary credentials may obtain
// others (signed with them), which never outlive them and die with them.
func TestSTSFromTemporaryCredentials(t *testing.T) {
	e := newSTSEnv(t, t.TempDir())
	tok := passwordToken(t, e.env)
	_, parent, _ := securityTokens(t, e.env, tok, tokenBody(1800))
	p := parent.Credential
	body := []byte(tokenBody(86400))
	req := sdktest.SignedAs(t, "POST", e.srv.URL+"/v3.0/OS-CREDENTIAL/securitytokens", "application/json;charset=UTF-8", body,
		p.Access, p.Secret, e.clk.Now(), map[string]string{"X-Security-Token": p.Securitytoken})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("%d %s", resp.StatusCode, raw)
	}
	var child tempCred
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&child); err != nil {
		t.Fatal(err)
	}
	if child.Credential.ExpiresAt != p.ExpiresAt {
		t.Fatalf("child expires %s, parent %s", child.Credential.ExpiresAt, p.ExpiresAt)
	}
	c := child.Credential
	mc := tempModeration(t, e.env, c.Access, c.Secret, c.Securitytoken)
	if _, err := mc.RunTextModeration(textModeration("x")); err != nil {
		t.Fatal(err)
	}
	root := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	if err := root.Do(context.Background(), "DELETE", "/v1/admin/domains/"+e.s.Root.Domain.ID+"/securitytokens/"+p.Access, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	_, err = mc.RunTextModeration(textModeration("x"))
	sdktest.WantCode(t, err, 400, "ModelArts.4107")
}
