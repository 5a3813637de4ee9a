package quota

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
)

// UsageView is the wire form of GET /v1/admin/usage.
type UsageView struct {
	ProjectID    string     `json:"project_id"`
	Service      string     `json:"service,omitempty"`
	From         string     `json:"from"`
	To           string     `json:"to"`
	TotalCalls   int64      `json:"total_calls"`
	TotalSuccess int64      `json:"total_success"`
	Usage        []UsageDay `json:"usage"`
}

// UsageDay is one day's calls of one API.
type UsageDay struct {
	Day     string `json:"day"`
	API     string `json:"api"`
	Calls   int64  `json:"calls"`
	Success int64  `json:"success"`
}

// UsageHandler serves GET /v1/admin/usage?project_id=&service=&from=&to=,
// usage per day (UTC) and API. from and to are dates (2006-01-02) or RFC
// 3339 times; from is inclusive and defaults to the start of this month, to
// is exclusive (a date includes that whole day) and defaults to no bound. The server checks admin authentication before it. Errors are AIP.*
// bodies like the rest of the management API.
//
// allow decides whether the caller may read the project's usage (its
// error is the answer); the server passes the admin API's scope check. A
// nil allow refuses everything (AIP.0003).
func (m *Meter) UsageHandler(allow func(ctx context.Context, projectID string) error) http.Handler {
	if allow == nil {
		allow = func(context.Context, string) error { return catalog.New(catalog.AIP0003) }
	}
	return api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error { return m.serveUsage(w, r, allow) })
}

func (m *Meter) serveUsage(w http.ResponseWriter, r *http.Request, allow func(context.Context, string) error) error {
	if r.Method != http.MethodGet {
		return catalog.New(catalog.AIP0008, r.Method, http.MethodGet).WithHeader("Allow", http.MethodGet)
	}
	q := r.URL.Query()
	f := store.UsageFilter{ProjectID: strings.TrimSpace(q.Get("project_id")), Service: strings.TrimSpace(q.Get("service"))}
	if f.ProjectID == "" {
		return catalog.New(catalog.AIP0006, "project_id")
	}
	if err := allow(r.Context(), f.ProjectID); err != nil {
		return err
	}
	now := m.now().UTC()
	_, f.From = monthOf(now)
	var err error
	if v := q.Get("from"); v != "" {
		if f.From, err = parseBound(v, false); err != nil {
			return catalog.New(catalog.AIP0007, "from")
		}
	}
	if v := q.Get("to"); v != "" {
		if f.To, err = parseBound(v, true); err != nil {
			return catalog.New(catalog.AIP0007, "to")
		}
	}
	if !f.To.IsZero() && !f.From.Before(f.To) {
		return catalog.New(catalog.AIP0016, "from is not before to")
	}
	rows, err := m.Usage(r.Context(), f)
	if err != nil {
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	out := UsageView{
		ProjectID: f.ProjectID, Service: f.Service,
		From: f.From.Format(time.RFC3339), To: now.Format(time.RFC3339),
		Usage: make([]UsageDay, 0, len(rows)),
	}
	if !f.To.IsZero() {
		out.To = f.To.Format(time.RFC3339)
	}
	for _, row := range rows {
		out.Usage = append(out.Usage, UsageDay{Day: row.Day, API: row.API, Calls: row.Calls, Success: row.Success})
		out.TotalCalls += row.Calls
		out.TotalSuccess += row.Success
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

// parseBound reads a date or an RFC 3339 time. The upper bound is exclusive,
// so a date used as one means the start of the next day.
func parseBound(v string, upper bool) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		if upper {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	return t.UTC(), err
}
