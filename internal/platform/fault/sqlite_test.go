package fault

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store/storetest"
)

// Faults over the embedded sqlite store: created through the admin API,
// exhausted by the store's atomic take, deleted through the API.
func TestSQLite(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	storetest.Projects(t, st, projA)
	in := New(st, nil, nil)
	h := in.Handler(func(context.Context, string) error { return nil })
	rec, _ := doHTTP(h, "POST", "/v1/admin/faults", `{"project_id":"`+projA+`","api":"CheckTextContent","code":"AIS.0404","mode":"count","count":2}`)
	var v View
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	rec, b := doHTTP(h, "POST", "/v1/admin/faults", `{"project_id":"`+projB+`","api":"*","code":"AIS.0404","mode":"count","count":2}`)
	if rec.Code != 400 || b.ErrorCode != "AIP.0016" {
		t.Fatalf("fault for a missing project: %d %s", rec.Code, rec.Body)
	}
	for i := 0; i < 4; i++ {
		err := in.Apply(ctx, projA, "CheckTextContent")
		e, _ := catalog.From(err)
		if i < 2 && (e == nil || !catalog.IsCode(err, catalog.AIS0404) || !e.Injected) {
			t.Fatalf("call %d: %v", i+1, err)
		}
		if i >= 2 && err != nil {
			t.Fatalf("call %d after exhaustion: %v", i+1, err)
		}
	}
	rec, _ = doHTTP(h, "DELETE", "/v1/admin/faults/"+v.ID, "")
	if rec.Code != 204 {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	rec, _ = doHTTP(h, "GET", "/v1/admin/faults?project_id="+projA, "")
	var l ListView
	if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil || l.Count != 0 {
		t.Fatalf("list after delete: %s", rec.Body)
	}
}
