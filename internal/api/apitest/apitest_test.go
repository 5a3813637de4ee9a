package apitest_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/api/apitest"
	"github.com/aisd/aisd/internal/catalog"
)

func TestServe(t *testing.T) {
	h := api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if b, _ := io.ReadAll(r.Body); string(b) != "ping" {
			return catalog.E(catalog.KindBadJSON)
		}
		api.WriteJSON(w, http.StatusOK, map[string]string{"request": api.RequestID(r.Context())})
		return nil
	})
	rec, b := apitest.Serve(h, apitest.Request("POST", "/x", "ping"))
	if rec.Code != 200 || rec.Body.String() != `{"request":"`+apitest.RequestID+`"}`+"\n" || b != (catalog.Body{}) {
		t.Fatalf("success: %d %q %+v", rec.Code, rec.Body, b)
	}
	rec, b = apitest.Serve(h, apitest.Request("POST", "/x", "pong"))
	want := catalog.Render(catalog.E(catalog.KindBadJSON), catalog.FamilyAIP)
	if rec.Code != want.Status || b.ErrorCode != want.Code || b.ErrorMsg != want.Msg || rec.Header().Get("X-Request-Id") != apitest.RequestID {
		t.Fatalf("error: %d %s %v", rec.Code, rec.Body, rec.Header())
	}
}
