package server

import (
	"net/http"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/subscription"
)

// adminSubscriptions lets the operator subscribe any project, and an
// account's administrator the account's own (the tenant API at
// /v1/{project_id}/subscriptions only serves the caller's own).
func adminSubscriptions(subs *subscription.Subscriptions, s *Server) http.Handler {
	return api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		pid := r.PathValue("project_id")
		if err := admin.AllowProject(r.Context(), pid); err != nil {
			return err
		}
		if _, err := s.Store.GetProject(r.Context(), pid); err != nil {
			return catalog.New(catalog.AIP0016, "project "+pid+" does not exist").Wrap(err)
		}
		svc := r.PathValue("service")
		switch {
		case r.Method == http.MethodGet && svc == "":
			list, err := subs.List(r.Context(), pid)
			if err != nil {
				return err
			}
			names := []string{}
			for _, x := range list {
				names = append(names, x.Service)
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"project_id": pid, "services": names})
		case r.Method == http.MethodPut && svc != "":
			if _, err := subs.Subscribe(r.Context(), pid, svc); err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusOK, map[string]any{"project_id": pid, "service": svc, "subscribed": true})
		case r.Method == http.MethodDelete && svc != "":
			if err := subs.Unsubscribe(r.Context(), pid, svc); err != nil {
				return err
			}
			w.WriteHeader(http.StatusNoContent)
		default:
			return catalog.New(catalog.AIP0008, r.Method, "GET, PUT, DELETE")
		}
		return nil
	})
}
