package subscription

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/api/apitest"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/catalog/catalogtest"
	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/memory"
	"github.com/aisd/aisd/internal/store/storetest"
)

// newStore returns an in-memory store and the view of it Subscriptions
// are given, which counts their calls.
func newStore(t testing.TB) (*memory.Store, *storetest.Hooked) {
	st := storetest.Memory(t)
	return st, storetest.Hook(st, nil)
}

// failing is a store whose every call fails with err.
func failing(t testing.TB, err error) store.Store {
	return storetest.Hook(storetest.Memory(t), func(storetest.Call, func() error) error { return err })
}

var services = []string{"ocr.general-text", "image.tagging", "moderation.text"}

const (
	projA = "0123456789abcdef0123456789abcdef"
	projB = "fedcba9876543210fedcba9876543210"
)

func TestCheck(t *testing.T) {
	ctx := context.Background()
	_, st := newStore(t)
	s := New(st, services)
	if _, err := s.Subscribe(ctx, projA, "ocr.general-text"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		fam     catalog.Family
		project string
		service string
		ok      bool
	}{
		{catalog.FamilyOCR, projA, "ocr.general-text", true},
		{catalog.FamilyOCR, projB, "ocr.general-text", false},
		{catalog.FamilyImage, projA, "image.tagging", false},
		{catalog.FamilyModeration, projA, "moderation.text", false},
	} {
		err := s.Check(ctx, tc.project, tc.service)
		if tc.ok {
			if err != nil {
				t.Errorf("%s %s: %v", tc.project, tc.service, err)
			}
			continue
		}
		e := catalogtest.WantAnswer(t, err, catalog.KindNotSubscribed, tc.fam)
		if tc.fam == catalog.FamilyOCR && e.Msg != "Request api error! The API ocr.general-text is not subscribed." {
			t.Errorf("OCR message %q", e.Msg)
		}
	}
}

func TestCheckCachesAndInvalidates(t *testing.T) {
	ctx := context.Background()
	st, spy := newStore(t)
	s := New(spy, services)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }

	if err := s.Check(ctx, projA, "ocr.general-text"); err == nil {
		t.Fatal("not subscribed yet, got nil")
	}
	_ = s.Check(ctx, projA, "ocr.general-text")
	if n := spy.Calls("IsSubscribed"); n != 1 {
		t.Fatalf("store lookups = %d, want 1 (cached)", n)
	}
	// A subscription made through the type is visible at once.
	if _, err := s.Subscribe(ctx, projA, "ocr.general-text"); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx, projA, "ocr.general-text"); err != nil {
		t.Fatalf("after subscribe: %v", err)
	}
	// A change made elsewhere is seen once the entry expires.
	if err := st.Unsubscribe(ctx, projA, "ocr.general-text"); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx, projA, "ocr.general-text"); err != nil {
		t.Fatalf("within TTL: %v", err)
	}
	now = now.Add(cacheTTL + time.Second)
	if err := s.Check(ctx, projA, "ocr.general-text"); err == nil {
		t.Fatal("after TTL: still subscribed")
	}
}

func TestCheckStoreFailure(t *testing.T) {
	fire := errors.New("disk on fire")
	err := New(failing(t, fire), services).Check(context.Background(), projA, "ocr.general-text")
	if err == nil || !errors.Is(err, fire) {
		t.Fatalf("err = %v, want the store failure wrapped", err)
	}
}

func TestSubscribeUnsubscribe(t *testing.T) {
	ctx := context.Background()
	_, st := newStore(t)
	s := New(st, services)
	if _, err := s.Subscribe(ctx, projA, "nope.service"); err == nil {
		t.Fatal("unknown service accepted")
	} else {
		catalogtest.WantCode(t, err, catalog.FamilyAIP, "AIP.0004")
	}
	if _, err := s.Subscribe(ctx, projA, "image.tagging"); err != nil {
		t.Fatal(err)
	}
	_, err := s.Subscribe(ctx, projA, "image.tagging")
	if e := catalogtest.WantCode(t, err, catalog.FamilyAIP, "AIP.0011"); e.Msg != "Service of image.tagging has been subscribed." {
		t.Errorf("msg = %q", e.Msg)
	}
	if err := s.Unsubscribe(ctx, projA, "image.tagging"); err != nil {
		t.Fatal(err)
	}
	catalogtest.WantCode(t, s.Unsubscribe(ctx, projA, "image.tagging"), catalog.FamilyAIP, "AIP.0015")
	catalogtest.WantCode(t, s.Unsubscribe(ctx, projA, "what.ever"), catalog.FamilyAIP, "AIP.0004")
}

type result struct {
	status int
	code   string
	msg    string
	body   string
	header http.Header
}

func do(t *testing.T, h http.Handler, method, path, body string) result {
	t.Helper()
	req := apitest.Request(method, path, body)
	req.Header.Set("X-Test-Project", projA)
	rec, b := apitest.Serve(h, req)
	return result{status: rec.Code, code: b.ErrorCode, msg: b.ErrorMsg, body: rec.Body.String(), header: rec.Header()}
}

func testProject(r *http.Request) (string, bool) {
	p := r.Header.Get("X-Test-Project")
	return p, p != ""
}

func testHandler(s *Subscriptions) http.Handler { return s.Handler(testProject) }

func TestHTTP(t *testing.T) {
	_, st := newStore(t)
	s := New(st, services)
	h := testHandler(s)
	base := "/v1/" + projA + "/subscriptions"

	// Subscribe, list and unsubscribe through the API.
	r := do(t, h, "POST", base, `{"service_name":"ocr.general-text"}`)
	if r.status != 200 {
		t.Fatalf("subscribe: %d %s", r.status, r.body)
	}
	var v View
	if err := json.Unmarshal([]byte(r.body), &v); err != nil || v.ServiceName != "ocr.general-text" || v.ProjectID != projA || v.CreateTime == "" {
		t.Fatalf("subscribe body %s (%v)", r.body, err)
	}
	if err := s.Check(context.Background(), projA, "ocr.general-text"); err != nil {
		t.Fatalf("check after HTTP subscribe: %v", err)
	}
	do(t, h, "POST", base, `{"service_name":"moderation.text"}`)
	r = do(t, h, "GET", base, "")
	var l ListView
	if err := json.Unmarshal([]byte(r.body), &l); err != nil || r.status != 200 || l.Count != 2 || len(l.Subscriptions) != 2 {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	r = do(t, h, "GET", base+"?limit=1&offset=1", "")
	if err := json.Unmarshal([]byte(r.body), &l); err != nil || l.Count != 2 || len(l.Subscriptions) != 1 {
		t.Fatalf("paged list: %s", r.body)
	}
	r = do(t, h, "DELETE", base+"/moderation.text", "")
	if r.status != http.StatusNoContent {
		t.Fatalf("unsubscribe: %d %s", r.status, r.body)
	}
	if r.header.Get("X-Request-Id") != "" && r.body != "" {
		t.Fatalf("204 with a body: %q", r.body)
	}

	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		code, msg                string
	}{
		{"already subscribed", "POST", base, `{"service_name":"ocr.general-text"}`, 400, "AIP.0011", "Service of ocr.general-text has been subscribed."},
		{"not subscribed", "DELETE", base + "/image.tagging", "", 400, "AIP.0015", "Service of image.tagging hasn't been subscribed."},
		{"unknown service", "POST", base, `{"service_name":"ocr.nothing"}`, 400, "AIP.0004", "The service does not exist."},
		{"unknown service delete", "DELETE", base + "/ocr.nothing", "", 400, "AIP.0004", "The service does not exist."},
		{"empty body", "POST", base, ``, 400, "AIP.0006", "Lack the request parameter, or the request parameter service_name is empty."},
		{"empty name", "POST", base, `{"service_name":""}`, 400, "AIP.0006", "Lack the request parameter, or the request parameter service_name is empty."},
		{"missing name", "POST", base, `{}`, 400, "AIP.0013", "Lack the parameter service_name, or the parameter is incorrect."},
		{"name not a string", "POST", base, `{"service_name":7}`, 400, "AIP.0013", "Lack the parameter service_name, or the parameter is incorrect."},
		{"unknown field", "POST", base, `{"service_name":"image.tagging","region":"x"}`, 400, "AIP.0007", "The request parameter region is incorrect."},
		{"bad json", "POST", base, `{"service_name":`, 400, "AIP.0009", "The JSON format of the input data is incorrect."},
		{"limit not a number", "GET", base + "?limit=ten", "", 400, "AIP.0007", "The request parameter limit is incorrect."},
		{"limit out of range", "GET", base + "?limit=0", "", 400, "AIP.0010", "The param:limit, val:0 , exceeds the range:[1,1000]."},
		{"offset out of range", "GET", base + "?offset=-1", "", 400, "AIP.0010", "The param:offset, val:-1 , exceeds the range:[0,2147483647]."},
		{"bad project id", "GET", "/v1/not-a-project/subscriptions", "", 400, "AIP.0013", "Lack the parameter project_id, or the parameter is incorrect."},
		{"other project", "GET", "/v1/" + projB + "/subscriptions", "", 401, "AIP.0003", "The request is unauthorized."},
		{"method on collection", "PUT", base, "", 405, "AIP.0008", "The request method PUT is not allowed, allow is GET,POST."},
		{"method on item", "GET", base + "/image.tagging", "", 405, "AIP.0008", "The request method GET is not allowed, allow is DELETE."},
		{"unknown path", "GET", "/v1/" + projA + "/subscribers", "", 400, "AIP.0004", "The service does not exist."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, h, tc.method, tc.path, tc.body)
			ent, ok := catalog.Lookup(tc.code)
			if !ok {
				t.Fatalf("catalog has no %s", tc.code)
			}
			if r.status != ent.Status || r.code != tc.code {
				t.Fatalf("got %d %s, want %d %s (body %s)", r.status, r.code, ent.Status, tc.code, r.body)
			}
			if r.msg != tc.msg {
				t.Errorf("msg = %q, want %q", r.msg, tc.msg)
			}
			if r.header.Get("X-Request-Id") != apitest.RequestID {
				t.Errorf("X-Request-Id = %q", r.header.Get("X-Request-Id"))
			}
			if tc.code == "AIP.0008" && r.header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
}

func TestHTTPUnauthenticated(t *testing.T) {
	_, st := newStore(t)
	h := New(st, services).Handler(func(*http.Request) (string, bool) { return "", false })
	r := do(t, h, "GET", "/v1/"+projA+"/subscriptions", "")
	if r.code != "AIP.0001" || r.status != 403 {
		t.Fatalf("got %d %s", r.status, r.code)
	}
}

func TestHTTPStoreFailure(t *testing.T) {
	r := do(t, testHandler(New(failing(t, errors.New("db gone")), services)), "GET", "/v1/"+projA+"/subscriptions", "")
	if r.code != "AIP.0500" || r.status != 500 || strings.Contains(r.body, "db gone") {
		t.Fatalf("got %d %s", r.status, r.body)
	}
}
