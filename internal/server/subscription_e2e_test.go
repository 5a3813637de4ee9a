package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/api"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
)

// answer is what a client sees of an error: status, body and the
// gateway's request id.
type answer struct {
	status    int
	code, msg string
	requestID string
	header    http.Header
}

// send does r and reads the catalog body of its answer.
func send(t *testing.T, r *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var b errBody
	if resp.StatusCode >= 400 {
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Fatalf("%s %s: %d %q is no catalog body", r.Method, r.URL.Path, resp.StatusCode, raw)
		}
	}
	return answer{resp.StatusCode, b.Code, b.Msg, resp.Header.Get("X-Request-Id"), resp.Header}
}

// want fails unless a is the error status/code/msg with a gateway request id.
func (a answer) want(t *testing.T, what string, status int, code, msg string) {
	t.Helper()
	if a.status != status || a.code != code || a.msg != msg {
		t.Errorf("%s: %d %s %q, want %d %s %q", what, a.status, a.code, a.msg, status, code, msg)
	}
	if len(a.requestID) != 32 {
		t.Errorf("%s: X-Request-Id %q", what, a.requestID)
	}
}

// TestSubscriptionAPIRefusals drives the AIP-dialect subscription API
// (/v1/{project_id}/subscriptions) of the assembled server into each of its
// refusals by its real condition: a domain-scoped token on a project's
// subscriptions (AIP.0001), a method the resource does not have (AIP.0008,
// with Allow), a service_name that is missing or not a string (AIP.0013),
// unsubscribing what was never subscribed (AIP.0015).
func TestSubscriptionAPIRefusals(t *testing.T) {
	e := newEnvClock(t, nil, nil)
	a := tenant(t, e)
	base := e.srv.URL + "/v1/" + a.projectID + "/subscriptions"
	signed := func(method, url, body string) *http.Request {
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		return sdktest.Signed(t, method, url, b, a.ak, a.sk, time.Now())
	}

	// A token scoped to the account, not to a project, cannot stand for
	// the project whose subscriptions it asks for.
	domainTok, _ := token(t, e, map[string]any{"domain": map[string]any{"name": "root"}})
	for _, m := range []string{"GET", "POST"} {
		r, _ := http.NewRequest(m, e.srv.URL+"/v1/"+e.s.Root.Project.ID+"/subscriptions", strings.NewReader(`{"service_name":"image.tagging"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Auth-Token", domainTok)
		send(t, r).want(t, m+" with a domain token", 403, "AIP.0001", "The authentication token is abnormal.")
	}
	// The project-scoped token of the same user passes.
	projTok, _ := token(t, e, map[string]any{"project": map[string]any{"id": e.s.Root.Project.ID}})
	r, _ := http.NewRequest("GET", e.srv.URL+"/v1/"+e.s.Root.Project.ID+"/subscriptions", nil)
	r.Header.Set("X-Auth-Token", projTok)
	if got := send(t, r); got.status != 200 {
		t.Fatalf("project token: %+v", got)
	}

	got := send(t, signed("PUT", base, `{"service_name":"image.tagging"}`))
	got.want(t, "PUT on the collection", 405, "AIP.0008", "The request method PUT is not allowed, allow is GET,POST.")
	if allow := got.header.Get("Allow"); allow != "GET,POST" {
		t.Errorf("Allow %q", allow)
	}
	got = send(t, signed("GET", base+"/image.tagging", ""))
	got.want(t, "GET on a subscription", 405, "AIP.0008", "The request method GET is not allowed, allow is DELETE.")
	if allow := got.header.Get("Allow"); allow != "DELETE" {
		t.Errorf("Allow %q", allow)
	}

	const lack = "Lack the parameter service_name, or the parameter is incorrect."
	send(t, signed("POST", base, `{}`)).want(t, "no service_name", 400, "AIP.0013", lack)
	send(t, signed("POST", base, `{"service_name":["image.tagging"]}`)).want(t, "service_name a list", 400, "AIP.0013", lack)

	send(t, signed("DELETE", base+"/image.tagging", "")).want(t, "never subscribed", 400, "AIP.0015", "Service of image.tagging hasn't been subscribed.")
	// Subscribed, then unsubscribed twice: the second is refused again.
	if got := send(t, signed("POST", base, `{"service_name":"image.tagging"}`)); got.status != 200 {
		t.Fatalf("subscribe: %+v", got)
	}
	if got := send(t, signed("DELETE", base+"/image.tagging", "")); got.status != 204 {
		t.Fatalf("unsubscribe: %+v", got)
	}
	send(t, signed("DELETE", base+"/image.tagging", "")).want(t, "unsubscribed twice", 400, "AIP.0015", "Service of image.tagging hasn't been subscribed.")
}

// TestSubscriptionAPIStoreGone: when the database goes away under a
// running server (its SQLite store closed), listing subscriptions answers
// the subscription layer's internal error AIP.0500 with status 500, and
// the store's own error stays in the log, not in the answer.
func TestSubscriptionAPIStoreGone(t *testing.T) {
	e := newEnvClock(t, nil, nil)
	url := e.srv.URL + "/v1/" + e.s.Root.Project.ID + "/subscriptions"
	// The first call reads the caller's records into the gateway's cache,
	// as any running server has them; the list itself is never cached.
	if got := send(t, sdktest.Signed(t, "GET", url, nil, rootAK, rootSK, time.Now())); got.status != 200 {
		t.Fatalf("before: %+v", got)
	}
	if err := e.s.Store.Close(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(sdktest.Signed(t, "GET", url, nil, rootAK, rootSK, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var b errBody
	_ = json.Unmarshal(raw, &b)
	if resp.StatusCode != 500 || b.Code != "AIP.0500" || b.Msg != "Failed to complete the request because of an internal service error." {
		t.Fatalf("store gone: %d %s", resp.StatusCode, raw)
	}
	if len(resp.Header.Get("X-Request-Id")) != 32 || bytes.Contains(bytes.ToLower(raw), []byte("sql")) || bytes.Contains(raw, []byte("closed")) {
		t.Fatalf("answer leaks the store error or lacks a request id: %s", raw)
	}
}

// TestServiceSubscriptionAndAllowancePerFamily: an account that has not
// subscribed to an API is refused by the platform with its family's code
// (AIS.0007 for Moderation, ModelArts.4204 naming the API for OCR); once
// subscribed through the AIP API, an unpaid account's calls past its
// monthly free allowance are Moderation's AIS.0032, in Moderation's
// wording. Text moderation is the real engine (it needs no model files).
func TestServiceSubscriptionAndAllowancePerFamily(t *testing.T) {
	e := newEnvClock(t, nil, func(c *aisdcfg.Config) {
		c.Engines = []string{"moderation"}
		c.FreePerMonth = 2
	})
	if !strings.Contains(strings.Join(e.s.Engines(), ","), "moderation") {
		requireOrSkip(t, "moderation engine not loaded: "+strings.Join(e.s.Engines(), ","))
	}
	// The OCR engine is not needed to be refused before it: a handler
	// stands in that the refused call must never reach.
	e.s.Handle("RecognizeGeneralText", func(context.Context, *api.Call) (any, error) {
		t.Error("an unsubscribed call reached the OCR handler")
		return map[string]any{}, nil
	})
	a := tenant(t, e)
	mod := sdktest.Moderation(t, e.srv.URL, a.ak, a.sk, a.projectID)
	_, err := mod.RunTextModeration(textModeration("hello"))
	if se := sdktest.WantCode(t, err, 400, "AIS.0007"); se.ErrorMessage != "The service has not been enabled yet." || se.RequestId == "" {
		t.Fatalf("moderation unsubscribed: %+v", se)
	}
	_, err = sdktest.OCR(t, e.srv.URL, a.ak, a.sk, a.projectID).RecognizeGeneralText(generalText())
	if se := sdktest.WantCode(t, err, 400, "ModelArts.4204"); se.ErrorMessage != "Request api error! The API ocr.general-text is not subscribed." || se.RequestId == "" {
		t.Fatalf("OCR unsubscribed: %+v", se)
	}

	tc := &admin.Client{Endpoint: e.srv.URL, AK: a.ak, SK: a.sk}
	if err := tc.Do(context.Background(), "POST", "/v1/"+a.projectID+"/subscriptions", nil, map[string]any{"service_name": "moderation.text"}, nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := mod.RunTextModeration(textModeration("hello")); err != nil {
			t.Fatalf("call %d within the allowance: %v", i, err)
		}
	}
	_, err = mod.RunTextModeration(textModeration("hello"))
	if se := sdktest.WantCode(t, err, 400, "AIS.0032"); se.ErrorMessage != "The monthly free calls have been used up." || se.RequestId == "" {
		t.Fatalf("over the allowance: %+v", se)
	}
}
