package server_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	ocrmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/store"
)

// GET /v1/admin/me tells any authenticated caller who it is; only the
// root account's administrators are "root".
func TestAdminMe(t *testing.T) {
	s := newScoped(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name        string
		c           *admin.Client
		user        string
		domain      string
		admin, root bool
	}{
		{"root", s.root, s.rootUser, s.rootDomain, true, true},
		{"tenant admin", s.ops, s.opsUser, s.tenantDomain, true, false},
		{"plain user", s.dev, s.devUser, s.tenantDomain, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var me struct {
				User   admin.User   `json:"user"`
				Domain admin.Domain `json:"domain"`
				Root   bool         `json:"root"`
			}
			if err := tc.c.Do(ctx, "GET", "/v1/admin/me", nil, nil, &me); err != nil {
				t.Fatal(err)
			}
			if me.User.ID != tc.user || me.Domain.ID != tc.domain || me.User.Admin != tc.admin || me.Root != tc.root {
				t.Fatalf("me %+v, want user %s domain %s admin %v root %v", me, tc.user, tc.domain, tc.admin, tc.root)
			}
		})
	}
	bad := &admin.Client{Endpoint: s.e.srv.URL, AK: "NOSUCHAK000000000000", SK: rootSK}
	var ae *admin.APIError
	if err := bad.Do(ctx, "GET", "/v1/admin/me", nil, nil, nil); !asAPIError(err, &ae) || ae.Status != 401 || ae.Code != "APIG.0301" {
		t.Fatalf("unknown AK: %v", err)
	}
}

func asAPIError(err error, ae **admin.APIError) bool {
	e, ok := err.(*admin.APIError)
	*ae = e
	return ok
}

// GET /v1/admin/usage/errors counts the metered failures per day, API and
// code, for the administrators of the project only.
func TestAdminUsageErrors(t *testing.T) {
	s := newScoped(t)
	ctx := context.Background()
	// No engine runs in this server: each call is answered "not started",
	// and metered as a failure with that code.
	img := "aGVsbG8="
	client := sdktest.OCR(t, s.e.srv.URL, s.ops.AK, s.ops.SK, s.tenantProj)
	var code string
	for range 2 {
		_, err := client.RecognizeGeneralText(&ocrmodel.RecognizeGeneralTextRequest{Body: &ocrmodel.GeneralTextRequestBody{Image: &img}})
		code = sdktest.ErrOf(t, err).ErrorCode
	}
	if code != "ModelArts.4508" {
		t.Fatalf("call answered %s", code)
	}
	type view struct {
		ProjectID   string             `json:"project_id"`
		TotalErrors int64              `json:"total_errors"`
		Errors      []admin.UsageError `json:"errors"`
	}
	today := time.Now().UTC().Format("2006-01-02")
	for name, c := range map[string]*admin.Client{"root": s.root, "tenant admin": s.ops} {
		var v view
		if err := c.Do(ctx, "GET", "/v1/admin/usage/errors", url.Values{"project_id": {s.tenantProj}}, nil, &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := admin.UsageError{Day: today, API: "RecognizeGeneralText", Code: "ModelArts.4508", Calls: 2}
		if v.ProjectID != s.tenantProj || v.TotalErrors != 2 || len(v.Errors) != 1 || v.Errors[0] != want {
			t.Fatalf("%s: %+v, want %+v", name, v, want)
		}
	}
	// A window without the calls counts none.
	var v view
	if err := s.root.Do(ctx, "GET", "/v1/admin/usage/errors", url.Values{"project_id": {s.tenantProj}, "from": {"2020-01-01"}, "to": {"2020-01-31"}}, nil, &v); err != nil || v.TotalErrors != 0 || len(v.Errors) != 0 {
		t.Fatalf("old window: %+v %v", v, err)
	}
	wantUnauthorized(t, s.ops.Do(ctx, "GET", "/v1/admin/usage/errors", url.Values{"project_id": {s.rootProj}}, nil, nil))
	wantUnauthorized(t, s.dev.Do(ctx, "GET", "/v1/admin/usage/errors", url.Values{"project_id": {s.tenantProj}}, nil, nil))
	var ae *admin.APIError
	for q, code := range map[string]string{"": "AIP.0006", "bad-date": "AIP.0007"} {
		vals := url.Values{"project_id": {s.tenantProj}}
		if q == "" {
			vals = nil
		} else {
			vals.Set("from", q)
		}
		if err := s.root.Do(ctx, "GET", "/v1/admin/usage/errors", vals, nil, nil); !asAPIError(err, &ae) || ae.Code != code {
			t.Fatalf("query %v: %v, want %s", vals, err, code)
		}
	}
}

// GET /v1/admin/jobs/{job_id} shows a job with its callback delivery to
// the administrators of its project; to a tenant a missing job looks like
// another account's.
func TestAdminJob(t *testing.T) {
	s := newScoped(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	mk := func(id, project string) {
		t.Helper()
		if err := s.e.s.Store.CreateJob(ctx, store.Job{ID: id, ProjectID: project, UserID: s.opsUser, Kind: "moderation.video",
			State: store.JobSucceeded, Request: []byte(`{"data":{"url":"https://example.test/v.mp4"}}`), Result: []byte(`{"suggestion":"pass"}`),
			CallbackURL: "https://example.test/cb", CallbackState: store.CallbackFailed, CallbackAttempts: 5,
			Attempts: 1, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	mk("tenantjob", s.tenantProj)
	mk("rootjob", s.rootProj)
	for name, c := range map[string]*admin.Client{"root": s.root, "tenant admin": s.ops} {
		var out struct {
			Job admin.Job `json:"job"`
		}
		if err := c.Do(ctx, "GET", "/v1/admin/jobs/tenantjob", nil, nil, &out); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		j := out.Job
		if j.ID != "tenantjob" || j.ProjectID != s.tenantProj || j.State != "succeeded" || j.CallbackState != "failed" || j.CallbackAttempts != 5 ||
			!jsonEqual(j.Result, `{"suggestion":"pass"}`) || j.CallbackURL != "https://example.test/cb" {
			t.Fatalf("%s: %+v", name, j)
		}
	}
	wantUnauthorized(t, s.ops.Do(ctx, "GET", "/v1/admin/jobs/rootjob", nil, nil, nil))
	wantUnauthorized(t, s.ops.Do(ctx, "GET", "/v1/admin/jobs/nosuchjob", nil, nil, nil))
	wantUnauthorized(t, s.dev.Do(ctx, "GET", "/v1/admin/jobs/tenantjob", nil, nil, nil))
	// GET /v1/admin/jobs lists a project's jobs to its administrators only.
	mk("tenantjob2", s.tenantProj)
	for name, c := range map[string]*admin.Client{"root": s.root, "tenant admin": s.ops} {
		var out struct {
			Jobs []admin.Job `json:"jobs"`
		}
		if err := c.Do(ctx, "GET", "/v1/admin/jobs", url.Values{"project_id": {s.tenantProj}}, nil, &out); err != nil {
			t.Fatalf("%s list: %v", name, err)
		}
		ids := map[string]bool{}
		for _, j := range out.Jobs {
			ids[j.ID] = true
			if j.ProjectID != s.tenantProj || j.CallbackAttempts != 5 {
				t.Fatalf("%s list: %+v", name, j)
			}
		}
		if len(out.Jobs) != 2 || !ids["tenantjob"] || !ids["tenantjob2"] {
			t.Fatalf("%s list: %+v, want tenantjob and tenantjob2", name, out.Jobs)
		}
		if err := c.Do(ctx, "GET", "/v1/admin/jobs", url.Values{"project_id": {s.tenantProj}, "limit": {"1"}}, nil, &out); err != nil || len(out.Jobs) != 1 {
			t.Fatalf("%s list limit 1: %+v %v", name, out.Jobs, err)
		}
	}
	wantUnauthorized(t, s.ops.Do(ctx, "GET", "/v1/admin/jobs", url.Values{"project_id": {s.rootProj}}, nil, nil))
	wantUnauthorized(t, s.dev.Do(ctx, "GET", "/v1/admin/jobs", url.Values{"project_id": {s.tenantProj}}, nil, nil))
	var ae *admin.APIError
	for _, q := range []url.Values{nil, {"project_id": {s.tenantProj}, "limit": {"0"}}, {"project_id": {s.tenantProj}, "limit": {"x"}}} {
		want := "AIP.0007"
		if q == nil {
			want = "AIP.0006"
		}
		if err := s.root.Do(ctx, "GET", "/v1/admin/jobs", q, nil, nil); !asAPIError(err, &ae) || ae.Code != want {
			t.Fatalf("list %v: %v, want %s", q, err, want)
		}
	}
	if err := s.root.Do(ctx, "GET", "/v1/admin/jobs/nosuchjob", nil, nil, nil); !asAPIError(err, &ae) || ae.Status != 400 || ae.Code != "AIP.0016" {
		t.Fatalf("root, missing job: %v", err)
	}
}

func jsonEqual(raw json.RawMessage, want string) bool {
	var a, b any
	return json.Unmarshal(raw, &a) == nil && json.Unmarshal([]byte(want), &b) == nil && string(mustJSON(a)) == string(mustJSON(b))
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }
