package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/gateway"
	"github.com/aisd/aisd/internal/store"
)

// The endpoints below were added for the web console, but they are part of
// the admin API like any other (the CLI may call them): the console has no
// access of its own.

// registerConsole mounts who-am-I, errors by code and job lookup.
func (a *API) registerConsole(mux interface{ Handle(string, http.Handler) }, h func(string, guard, api.HandlerFunc)) {
	// Any authenticated caller may ask who it is: a plain user learns
	// that it is not an administrator without trying the admin calls.
	mux.Handle("GET /v1/admin/me", api.InFamily(catalog.FamilyAIP, a.gw.Authenticated(api.HandlerFunc(a.me))))
	h("GET /v1/admin/usage/errors", queryProject, a.usageErrors)
	h("GET /v1/admin/jobs", queryProject, a.listJobs)
	h("GET /v1/admin/jobs/{job_id}", ofJob, a.getJob)
}

// me describes the caller: its user, domain, whether it administers, and
// whether it administers the root account (which reaches every domain).
func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	id, ok := gateway.IdentityFrom(r.Context())
	if !ok {
		return catalog.New(catalog.AIP0003)
	}
	out := map[string]any{
		"user":   User{ID: id.User.ID, Name: id.User.Name, DomainID: id.Domain.ID, Admin: id.User.Admin},
		"domain": toDomain(id.Domain),
		"root":   id.User.Admin && a.root != "" && id.Domain.ID == a.root,
	}
	if id.ProjectID != "" {
		out["project_id"] = id.ProjectID
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

// queryProject admits the administrators of the project named by the
// project_id query parameter (required).
func queryProject(r *http.Request, s Scope) error {
	pid := strings.TrimSpace(r.URL.Query().Get("project_id"))
	if pid == "" {
		return catalog.New(catalog.AIP0006, "project_id")
	}
	return s.Allow(r.Context(), KindProject, pid)
}

// ofJob admits the administrators of the job's project; a job that does
// not exist looks foreign to a tenant, as every other object does.
func ofJob(r *http.Request, s Scope) error {
	j, err := s.st.GetJob(r.Context(), r.PathValue("job_id"))
	if errors.Is(err, store.ErrNotFound) {
		if s.Root() {
			return nil // the handler says it does not exist
		}
		return catalog.New(catalog.AIP0003)
	}
	if err != nil {
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	return s.Allow(r.Context(), KindProject, j.ProjectID)
}

// UsageError is one row of GET /v1/admin/usage/errors.
type UsageError struct {
	Day   string `json:"day"`
	API   string `json:"api"`
	Code  string `json:"code"`
	Calls int64  `json:"calls"`
}

// usageErrors serves GET /v1/admin/usage/errors?project_id=&service=&from=&to=:
// the metered failed calls per day (UTC), API and error code. from (a date,
// inclusive) defaults to 30 days ago, to (a date, inclusive) to no bound.
func (a *API) usageErrors(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.UsageFilter{ProjectID: strings.TrimSpace(q.Get("project_id")), Service: strings.TrimSpace(q.Get("service"))}
	now := time.Now().UTC()
	f.From = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -30)
	if v := q.Get("from"); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return catalog.New(catalog.AIP0007, "from")
		}
		f.From = t
	}
	if v := q.Get("to"); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return catalog.New(catalog.AIP0007, "to")
		}
		f.To = t.AddDate(0, 0, 1)
		if !f.From.Before(f.To) {
			return catalog.New(catalog.AIP0016, "from is after to")
		}
	}
	rows, err := a.usage.UsageErrors(r.Context(), f)
	if err != nil {
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	out := make([]UsageError, 0, len(rows))
	var total int64
	for _, row := range rows {
		out = append(out, UsageError{Day: row.Day, API: row.API, Code: row.Code, Calls: row.Calls})
		total += row.Calls
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"project_id": f.ProjectID, "from": f.From.Format("2006-01-02"), "total_errors": total, "errors": out})
	return nil
}

// Job is the wire form of GET /v1/admin/jobs/{job_id}: what the service's
// own query answers, plus the delivery of its callback.
type Job struct {
	ID               string          `json:"id"`
	ProjectID        string          `json:"project_id"`
	Kind             string          `json:"kind"`
	State            string          `json:"state"`
	Request          json.RawMessage `json:"request,omitempty"`
	Result           json.RawMessage `json:"result,omitempty"`
	ErrorCode        string          `json:"error_code,omitempty"`
	ErrorMsg         string          `json:"error_msg,omitempty"`
	Attempts         int             `json:"attempts"`
	CallbackURL      string          `json:"callback_url,omitempty"`
	CallbackState    string          `json:"callback_state,omitempty"`
	CallbackAttempts int             `json:"callback_attempts"`
	CreatedAt        string          `json:"created_at"`
	UpdatedAt        string          `json:"updated_at"`
	ExpiresAt        string          `json:"expires_at,omitempty"`
}

func rawJSON(b []byte) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		return nil
	}
	return b
}

func (a *API) getJob(w http.ResponseWriter, r *http.Request) error {
	j, err := a.st.GetJob(r.Context(), r.PathValue("job_id"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"job": toJob(j)})
	return nil
}

// listJobs lists a project's jobs, newest first: at most limit (1–100,
// default 100), so the console's jobs page needs no id to start from.
func (a *API) listJobs(w http.ResponseWriter, r *http.Request) error {
	limit := 100
	if v := strings.TrimSpace(r.URL.Query().Get("limit")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return catalog.New(catalog.AIP0007, "limit")
		}
		limit = n
	}
	js, err := a.st.ListJobs(r.Context(), strings.TrimSpace(r.URL.Query().Get("project_id")), limit)
	if err != nil {
		return err
	}
	out := make([]Job, len(js))
	for i, j := range js {
		out[i] = toJob(j)
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"jobs": out})
	return nil
}

func toJob(j store.Job) Job {
	out := Job{ID: j.ID, ProjectID: j.ProjectID, Kind: j.Kind, State: j.State,
		Request: rawJSON(j.Request), Result: rawJSON(j.Result), ErrorCode: j.ErrorCode, ErrorMsg: j.ErrorMsg,
		Attempts: j.Attempts, CallbackURL: j.CallbackURL, CallbackState: j.CallbackState, CallbackAttempts: j.CallbackAttempts,
		CreatedAt: j.CreatedAt.UTC().Format(ts), UpdatedAt: j.UpdatedAt.UTC().Format(ts)}
	if !j.ExpiresAt.IsZero() {
		out.ExpiresAt = j.ExpiresAt.UTC().Format(ts)
	}
	return out
}
