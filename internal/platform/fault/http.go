package fault

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
)

// Bounds of the numeric fault parameters, published in AIP.0010 answers.
const (
	maxCount     = 1000000
	maxLatencyMS = 600000 // ten minutes
	maxBody      = 64 << 10
	maxAPILen    = 128
)

// View is the wire form of a fault.
type View struct {
	ID         string `json:"id"`
	ProjectID  string `json:"project_id"`
	API        string `json:"api"`
	Code       string `json:"code,omitempty"`
	Mode       string `json:"mode"`
	Count      int    `json:"count,omitempty"`
	Percent    int    `json:"percent,omitempty"`
	LatencyMS  int    `json:"latency_ms,omitempty"`
	CreateTime string `json:"create_time"`
}

// ListView is the wire form of GET /v1/admin/faults.
type ListView struct {
	Count  int    `json:"count"`
	Faults []View `json:"faults"`
}

func view(f store.Fault) View {
	return View{ID: f.ID, ProjectID: f.ProjectID, API: f.API, Code: f.Code, Mode: f.Mode,
		Count: f.Remaining, Percent: f.Percent, LatencyMS: f.LatencyMS,
		CreateTime: f.CreatedAt.UTC().Format(time.RFC3339)}
}

// Handler serves the admin fault API (admin authentication is the server's):
//
//	POST   /v1/admin/faults       {"project_id","api","code","mode","count","percent","latency_ms"}
//	GET    /v1/admin/faults?project_id=
//	DELETE /v1/admin/faults/{id}
//
// mode is count (the next count calls fail), percent (percent % of calls
// fail) or latency (calls are delayed by latency_ms); api is an SDK
// operation name or "*". code must be a catalog code; latency faults take
// none. Errors are AIP.* bodies.
//
// allow decides whether the caller may reach a project's faults: it is
// asked with the project a request names (a deleted fault's own project,
// or "" when there is no such fault) and its error is the answer. The
// server passes the admin API's scope check; a nil allow refuses everything
// (AIP.0003).
func (in *Injector) Handler(allow func(ctx context.Context, projectID string) error) http.Handler {
	if allow == nil {
		allow = func(context.Context, string) error { return catalog.New(catalog.AIP0003) }
	}
	return api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error { return in.serve(w, r, allow) })
}

func (in *Injector) serve(w http.ResponseWriter, r *http.Request, allow func(context.Context, string) error) error {
	rest, ok := strings.CutPrefix(strings.TrimSuffix(r.URL.Path, "/"), "/v1/admin/faults")
	switch {
	case !ok:
		return catalog.New(catalog.AIP0004)
	case rest == "":
		switch r.Method {
		case http.MethodGet:
			return in.serveList(w, r, allow)
		case http.MethodPost:
			return in.serveCreate(w, r, allow)
		}
		return methodNotAllowed(r.Method, "GET,POST")
	case strings.Count(rest, "/") == 1:
		if r.Method != http.MethodDelete {
			return methodNotAllowed(r.Method, "DELETE")
		}
		id := rest[1:]
		f, err := in.st.GetFault(r.Context(), id)
		if err == nil {
			if err := allow(r.Context(), f.ProjectID); err != nil {
				return err
			}
			err = in.Delete(r.Context(), id)
		}
		if errors.Is(err, store.ErrNotFound) {
			if err := allow(r.Context(), ""); err != nil {
				return err
			}
			return catalog.New(catalog.AIP0016, "fault "+id+" does not exist")
		}
		if err != nil {
			return catalog.E(catalog.KindInternal).Wrap(err)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return catalog.New(catalog.AIP0004)
}

func (in *Injector) serveList(w http.ResponseWriter, r *http.Request, allow func(context.Context, string) error) error {
	p := r.URL.Query().Get("project_id")
	if p == "" {
		return catalog.New(catalog.AIP0006, "project_id")
	}
	if !validProjectID(p) {
		return catalog.New(catalog.AIP0013, "project_id")
	}
	if err := allow(r.Context(), p); err != nil {
		return err
	}
	faults, err := in.List(r.Context(), p)
	if err != nil {
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	out := ListView{Count: len(faults), Faults: make([]View, 0, len(faults))}
	for _, f := range faults {
		out.Faults = append(out.Faults, view(f))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (in *Injector) serveCreate(w http.ResponseWriter, r *http.Request, allow func(context.Context, string) error) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return catalog.New(catalog.AIP0016, "the body exceeds "+strconv.Itoa(maxBody)+" bytes")
		}
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	f, err := parseFault(body)
	if err != nil {
		return err
	}
	if err := allow(r.Context(), f.ProjectID); err != nil {
		return err
	}
	if _, err := in.st.GetProject(r.Context(), f.ProjectID); errors.Is(err, store.ErrNotFound) {
		return catalog.New(catalog.AIP0016, "project "+f.ProjectID+" does not exist")
	} else if err != nil {
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	f, err = in.Create(r.Context(), f)
	if err != nil {
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	api.WriteJSON(w, http.StatusCreated, view(f))
	return nil
}

// parseFault validates a creation body, naming the first bad parameter:
// AIP.0009 bad JSON, AIP.0006 missing, AIP.0007 wrong type or value,
// AIP.0010 out of range, AIP.0016 a parameter the mode does not take.
func parseFault(body []byte) (store.Fault, error) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return store.Fault{}, catalog.New(catalog.AIP0006, "project_id")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return store.Fault{}, catalog.New(catalog.AIP0009)
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		switch k {
		case "project_id", "api", "code", "mode", "count", "percent", "latency_ms":
		default:
			return store.Fault{}, catalog.New(catalog.AIP0007, k)
		}
	}
	str := func(name string) (string, error) {
		v, ok := raw[name]
		if !ok {
			return "", nil
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			return "", catalog.New(catalog.AIP0007, name)
		}
		return strings.TrimSpace(s), nil
	}
	num := func(name string) (int, bool, error) {
		v, ok := raw[name]
		if !ok || string(v) == "null" {
			return 0, false, nil
		}
		var n int
		if json.Unmarshal(v, &n) != nil {
			return 0, false, catalog.New(catalog.AIP0007, name)
		}
		return n, true, nil
	}
	var f store.Fault
	var err error
	if f.ProjectID, err = str("project_id"); err != nil {
		return f, err
	}
	if f.ProjectID == "" {
		return f, catalog.New(catalog.AIP0006, "project_id")
	}
	if !validProjectID(f.ProjectID) {
		return f, catalog.New(catalog.AIP0013, "project_id")
	}
	if f.API, err = str("api"); err != nil {
		return f, err
	}
	if f.API == "" {
		return f, catalog.New(catalog.AIP0006, "api")
	}
	if !validAPI(f.API) {
		return f, catalog.New(catalog.AIP0007, "api")
	}
	if f.Mode, err = str("mode"); err != nil {
		return f, err
	}
	if f.Mode == "" {
		return f, catalog.New(catalog.AIP0006, "mode")
	}
	if f.Code, err = str("code"); err != nil {
		return f, err
	}
	count, hasCount, err := num("count")
	if err != nil {
		return f, err
	}
	percent, hasPercent, err := num("percent")
	if err != nil {
		return f, err
	}
	latency, hasLatency, err := num("latency_ms")
	if err != nil {
		return f, err
	}

	// The parameters each mode takes; any other is refused rather than
	// silently ignored.
	var own string
	switch f.Mode {
	case store.FaultCount:
		own = "count"
		if !hasCount {
			return f, catalog.New(catalog.AIP0006, "count")
		}
		if count < 1 || count > maxCount {
			return f, catalog.New(catalog.AIP0010, "count", count, 1, maxCount)
		}
		f.Remaining = count
	case store.FaultPercent:
		own = "percent"
		if !hasPercent {
			return f, catalog.New(catalog.AIP0006, "percent")
		}
		if percent < 1 || percent > 100 {
			return f, catalog.New(catalog.AIP0010, "percent", percent, 1, 100)
		}
		f.Percent = percent
	case store.FaultLatency:
		own = "latency_ms"
		if !hasLatency {
			return f, catalog.New(catalog.AIP0006, "latency_ms")
		}
		if latency < 1 || latency > maxLatencyMS {
			return f, catalog.New(catalog.AIP0010, "latency_ms", latency, 1, maxLatencyMS)
		}
		f.LatencyMS = latency
		if f.Code != "" {
			return f, catalog.New(catalog.AIP0016, "code is not taken by mode latency")
		}
	default:
		return f, catalog.New(catalog.AIP0007, "mode")
	}
	for _, p := range []struct {
		name string
		has  bool
	}{{"count", hasCount}, {"percent", hasPercent}, {"latency_ms", hasLatency}} {
		if p.has && p.name != own {
			return f, catalog.New(catalog.AIP0016, p.name+" is not taken by mode "+f.Mode)
		}
	}
	if f.Mode != store.FaultLatency {
		if f.Code == "" {
			return f, catalog.New(catalog.AIP0006, "code")
		}
		if _, ok := catalog.Lookup(f.Code); !ok {
			return f, catalog.New(catalog.AIP0007, "code")
		}
	}
	return f, nil
}

// validAPI accepts "*" and SDK operation names (letters and digits).
func validAPI(s string) bool {
	if s == "*" {
		return true
	}
	if len(s) > maxAPILen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// validProjectID accepts the 32 lower-case hex digits project ids are made of.
func validProjectID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func methodNotAllowed(method, allow string) error {
	return catalog.New(catalog.AIP0008, method, allow).WithHeader("Allow", allow)
}
