package subscription

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
)

// maxBody bounds a subscription request body; the only field is a short name.
const maxBody = 64 << 10

// List paging bounds, published in AIP.0010 answers.
const (
	maxLimit     = 1000
	defaultLimit = 1000
)

// ProjectOf returns the project the request was authenticated for; ok is
// false when the request carries no valid project-scoped credential.
type ProjectOf func(*http.Request) (projectID string, ok bool)

// View is the wire form of one subscription.
type View struct {
	ProjectID   string `json:"project_id"`
	ServiceName string `json:"service_name"`
	CreateTime  string `json:"create_time"`
}

// ListView is the wire form of GET /v1/{project_id}/subscriptions.
type ListView struct {
	Count         int    `json:"count"`
	Subscriptions []View `json:"subscriptions"`
}

func view(s store.Subscription) View {
	return View{ProjectID: s.ProjectID, ServiceName: s.Service, CreateTime: s.CreatedAt.UTC().Format(time.RFC3339)}
}

// Handler serves the AIP-dialect subscription API:
//
//	GET    /v1/{project_id}/subscriptions[?limit=&offset=]  list
//	POST   /v1/{project_id}/subscriptions  {"service_name": "..."}  subscribe
//	DELETE /v1/{project_id}/subscriptions/{service_name}  unsubscribe
//
// projectOf is the server's authentication hook; the project in the path must
// be the authenticated one. Errors are AIP.* catalog bodies, rendered by the
// caller's renderer.
func (s *Subscriptions) Handler(projectOf ProjectOf) http.Handler {
	return api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return s.serve(w, r, projectOf)
	})
}

func (s *Subscriptions) serve(w http.ResponseWriter, r *http.Request, projectOf ProjectOf) error {
	authed, ok := "", false
	if projectOf != nil {
		authed, ok = projectOf(r)
	}
	if !ok {
		return catalog.New(catalog.AIP0001)
	}
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(seg) < 3 || len(seg) > 4 || seg[0] != "v1" || seg[2] != "subscriptions" {
		return catalog.New(catalog.AIP0004)
	}
	project := seg[1]
	if !validProjectID(project) {
		return catalog.New(catalog.AIP0013, "project_id")
	}
	if project != authed {
		return catalog.New(catalog.AIP0003)
	}
	if len(seg) == 4 {
		if r.Method != http.MethodDelete {
			return methodNotAllowed(r.Method, http.MethodDelete)
		}
		if seg[3] == "" {
			return catalog.New(catalog.AIP0006, "service_name")
		}
		if err := s.Unsubscribe(r.Context(), project, seg[3]); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	switch r.Method {
	case http.MethodGet:
		return s.serveList(w, r, project)
	case http.MethodPost:
		return s.serveSubscribe(w, r, project)
	default:
		return methodNotAllowed(r.Method, http.MethodGet+","+http.MethodPost)
	}
}

func (s *Subscriptions) serveList(w http.ResponseWriter, r *http.Request, project string) error {
	q := r.URL.Query()
	limit, err := intParam(q.Get("limit"), "limit", defaultLimit, 1, maxLimit)
	if err != nil {
		return err
	}
	offset, err := intParam(q.Get("offset"), "offset", 0, 0, 1<<31-1)
	if err != nil {
		return err
	}
	subs, err := s.List(r.Context(), project)
	if err != nil {
		return err
	}
	out := ListView{Count: len(subs), Subscriptions: []View{}}
	for i := offset; i < len(subs) && i < offset+limit; i++ {
		out.Subscriptions = append(out.Subscriptions, view(subs[i]))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Subscriptions) serveSubscribe(w http.ResponseWriter, r *http.Request, project string) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return catalog.New(catalog.AIP0016, "the body exceeds "+strconv.Itoa(maxBody)+" bytes")
		}
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return catalog.New(catalog.AIP0006, "service_name")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return catalog.New(catalog.AIP0009)
	}
	raw, present := fields["service_name"]
	for k := range fields {
		if k != "service_name" {
			return catalog.New(catalog.AIP0007, k)
		}
	}
	var name string
	if !present || json.Unmarshal(raw, &name) != nil {
		return catalog.New(catalog.AIP0013, "service_name")
	}
	if name == "" {
		return catalog.New(catalog.AIP0006, "service_name")
	}
	sub, err := s.Subscribe(r.Context(), project, name)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, view(sub))
	return nil
}

// intParam parses an optional integer query parameter: AIP.0007 when it is not
// an integer, AIP.0010 when it is outside [lo, hi].
func intParam(v, name string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, catalog.New(catalog.AIP0007, name)
	}
	if n < lo || n > hi {
		return 0, catalog.New(catalog.AIP0010, name, v, lo, hi)
	}
	return n, nil
}

func methodNotAllowed(method, allow string) error {
	return catalog.New(catalog.AIP0008, method, allow).WithHeader("Allow", allow)
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
