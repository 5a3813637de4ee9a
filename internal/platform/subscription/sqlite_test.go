package subscription

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store/storetest"
)

// The subscription API over the embedded sqlite store.
func TestSQLite(t *testing.T) {
	ctx := context.Background()
	s := New(storetest.SQLite(t), services)
	h := testHandler(s)
	base := "/v1/" + projA + "/subscriptions"

	if err := s.Check(ctx, projA, "image.tagging"); err == nil {
		t.Fatal("unsubscribed project passed")
	} else if e := catalog.Render(err, catalog.FamilyImage); e.Code != "AIS.0007" {
		t.Fatalf("got %v, want AIS.0007", err)
	}
	for _, step := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", base, `{"service_name":"image.tagging"}`, 200, ""},
		{"POST", base, `{"service_name":"image.tagging"}`, 400, "AIP.0011"},
		{"POST", base, `{"service_name":"ocr.general-text"}`, 200, ""},
		{"DELETE", base + "/ocr.general-text", "", 204, ""},
		{"DELETE", base + "/ocr.general-text", "", 400, "AIP.0015"},
	} {
		r := do(t, h, step.method, step.path, step.body)
		if r.status != step.status || r.code != step.code {
			t.Fatalf("%s %s: %d %s, want %d %s", step.method, step.path, r.status, r.body, step.status, step.code)
		}
	}
	r := do(t, h, "GET", base, "")
	var l ListView
	if err := json.Unmarshal([]byte(r.body), &l); err != nil || l.Count != 1 || l.Subscriptions[0].ServiceName != "image.tagging" {
		t.Fatalf("list %s", r.body)
	}
	if err := s.Check(ctx, projA, "image.tagging"); err != nil {
		t.Fatalf("subscribed project refused: %v", err)
	}
}
