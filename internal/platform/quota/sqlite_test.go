package quota

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store/storetest"
)

// Metering over the embedded sqlite store: the allowance survives a restart
// (a new Meter loads the count), Close loses nothing, usage aggregates.
func TestSQLite(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	clk := &clock{t: time.Date(2026, 7, 15, 8, 0, 0, 0, time.UTC)}
	opts := Options{Logger: quiet, FreePerMonth: map[string]int64{"image.tagging": 5}, Now: clk.Now}

	m := New(st, opts)
	for i := 0; i < 4; i++ {
		_ = m.Record(ctx, call("RunImageTagging", "image.tagging", 200, "", clk.Now()))
	}
	_ = m.Record(ctx, call("RunImageTagging", "image.tagging", 400, "AIS.0501", clk.Now()))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	m = New(st, opts) // a restarted server
	defer m.Close()
	if err := m.Check(ctx, unpaid, proj, "image.tagging"); err != nil {
		t.Fatalf("4 of 5 used: %v", err)
	}
	_ = m.Record(ctx, call("RunImageTagging", "image.tagging", 200, "", clk.Now()))
	err := m.Check(ctx, unpaid, proj, "image.tagging")
	if e := catalog.Render(err, catalog.FamilyImage); e.Code != "AIS.0032" || e.Status != 400 {
		t.Fatalf("5 of 5 used: %v, want AIS.0032", err)
	}

	rec := httptest.NewRecorder()
	m.UsageHandler(func(context.Context, string) error { return nil }).ServeHTTP(rec, httptest.NewRequest("GET", "/v1/admin/usage?project_id="+proj+"&from=2026-07-15&to=2026-07-15", nil))
	var v UsageView
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if len(v.Usage) != 1 || v.Usage[0] != (UsageDay{"2026-07-15", "RunImageTagging", 6, 5}) {
		t.Fatalf("usage %s", rec.Body)
	}
}
