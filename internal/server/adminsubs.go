package server

import (
	"net/http"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/gateway"
	"github.com/aisd/aisd/internal/platform/subscription"
)

// adminSubscriptions lets the operator subscribe any project (the tenant
// API at /v1/{project_id}/subscriptions only serves the caller's own).
func adminSubscriptions(subs *subscription.Subscriptions, s *Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fam := catalog.FamilyOCR
		pid := r.PathValue("project_id")
		if _, err := s.Store.GetProject(r.Context(), pid); err != nil {
			gateway.WriteError(w, r, catalog.New("AIP.0016", "project "+pid+" does not exist").Wrap(err), fam)
			return
		}
		svc := r.PathValue("service")
		var err error
		switch {
		case r.Method == http.MethodGet && svc == "":
			list, lerr := subs.List(r.Context(), pid)
			if lerr != nil {
				err = lerr
				break
			}
			names := []string{}
			for _, x := range list {
				names = append(names, x.Service)
			}
			gateway.WriteJSON(w, http.StatusOK, map[string]any{"project_id": pid, "services": names})
			return
		case r.Method == http.MethodPut && svc != "":
			if _, err = subs.Subscribe(r.Context(), pid, svc); err == nil {
				gateway.WriteJSON(w, http.StatusOK, map[string]any{"project_id": pid, "service": svc, "subscribed": true})
				return
			}
		case r.Method == http.MethodDelete && svc != "":
			if err = subs.Unsubscribe(r.Context(), pid, svc); err == nil {
				w.WriteHeader(http.StatusNoContent)
				return
			}
		default:
			err = catalog.New("AIP.0008", r.Method, "GET, PUT, DELETE")
		}
		gateway.WriteError(w, r, err, fam)
	})
}
