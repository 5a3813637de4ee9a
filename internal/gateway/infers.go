package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/gateway/routes"
	"github.com/aisd/aisd/internal/platform/iam"
	"github.com/aisd/aisd/internal/platform/infer"
	"github.com/aisd/aisd/internal/store"
)

// inferPrefix is where ModelArts real-time services answer:
// /v1/infers/{service_id}/{path of the service's API}.
const inferPrefix = "/v1/infers"

// isInferPath reports whether a path is under the inference prefix.
func isInferPath(p string) bool {
	return p == inferPrefix || strings.HasPrefix(p, inferPrefix+"/")
}

// inferAPI is the operation name of a model service's calls (metering,
// rate limits, fault rules); inferService prefixes the service key.
const (
	inferAPI     = "RunInference"
	inferService = "infers."
)

// serveInfer answers a call to a real-time inference service. What the
// platform answers itself — no service ID in the URL (ModelArts.4201), a
// malformed one (4202), a service that does not exist or is another
// account's (4503), an API the service does not have (4504), a stopped
// service or one whose engine or model is not loaded (4508) — speaks the
// ModelArts platform's dialect, which only the OCR pages publish (the
// family of the 45xx codes). An engine service's own answers are its
// family's, as on the engine's own routes.
func (g *Gateway) serveInfer(w http.ResponseWriter, r *http.Request) string {
	ctx := r.Context() // WithRequest in the OCR family (ServeHTTP)
	rest := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, inferPrefix), "/")
	sid, sub, _ := strings.Cut(rest, "/")
	switch {
	case sid == "":
		api.WriteError(w, r, catalog.New(catalog.ModelArts4201))
		return "infers"
	case !infer.ValidID(sid):
		api.WriteError(w, r, catalog.New(catalog.ModelArts4202).Wrap(fmt.Errorf("service id %.64q", sid)))
		return "infers"
	case g.o.Infers == nil:
		api.WriteError(w, r, catalog.New(catalog.ModelArts4503).Wrap(errors.New("no inference services on this server")))
		return "infers"
	}
	if g.o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.o.Timeout)
		defer cancel()
		r = r.WithContext(ctx)
	}
	body, err := readBody(r, g.o.GatewayMaxBody)
	if err != nil {
		api.WriteError(w, r, err)
		return "infers"
	}
	id, err := g.authenticate(ctx, r, body, jsonBody)
	if err != nil {
		api.WriteError(w, r, err)
		return "infers"
	}
	svc, err := g.o.Infers.Get(ctx, sid)
	if err == nil {
		// A service of a project the caller may not act in does not
		// exist for it.
		err = g.authorizeProject(ctx, id, r, svc.ProjectID)
		if catalog.IsKind(err, catalog.KindProjectMismatch) {
			err = store.ErrNotFound
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		err = catalog.New(catalog.ModelArts4503).Wrap(fmt.Errorf("inference service %s: %w", sid, err))
	}
	if err == nil && svc.State != infer.StateRunning {
		err = catalog.New(catalog.ModelArts4508).Wrap(fmt.Errorf("inference service %s is %s", svc.ID, svc.State))
	}
	if err != nil {
		api.WriteError(w, r, err)
		return "infers"
	}
	if svc.Engine != "" {
		return g.serveEngineInfer(w, r, id, svc, "/"+sub, body)
	}
	if sub != "" {
		api.WriteError(w, r, catalog.New(catalog.ModelArts4504).Wrap(fmt.Errorf("model service %s has no API /%s", svc.ID, sub)))
		return "infers"
	}
	if err := g.authorizeActionName(ctx, id, "modelarts:service:create", svc.ProjectID); err != nil {
		api.WriteError(w, r, err)
		return inferAPI
	}
	if err := checkJSONType(r); err != nil {
		api.WriteError(w, r, err)
		return inferAPI
	}
	h := func(ctx context.Context, c *api.Call) (any, error) {
		resp, err := g.o.Infers.Infer(ctx, svc, c.Body)
		if errors.Is(err, infer.ErrNotLoaded) {
			return nil, catalog.New(catalog.ModelArts4508).Wrap(err)
		}
		return resp, err
	}
	call := g.newCall(ctx, r, id, svc.ProjectID, inferService+svc.ID, inferAPI, map[string]string{"service_id": svc.ID}, body)
	chain := api.Chain(api.Chain(h, g.o.InferControls...), g.o.Admission...)
	g.finish(w, r, call, chain, catalog.FamilyOCR)
	return inferAPI
}

// serveEngineInfer answers a call to an engine service: the path after
// the service ID is the engine's API path after its project
// (/v1/infers/{id}/ocr/general-text is POST /v2/{project_id}/ocr/general-text
// of the service's project), run exactly as on the engine's own route —
// permission policies, subscription, quota, metering — in its family.
func (g *Gateway) serveEngineInfer(w http.ResponseWriter, r *http.Request, id iam.Identity, svc infer.Service, sub string, body []byte) string {
	fam := infer.Engines[svc.Engine]
	rt, params := engineRoute(fam, r.Method, sub, svc.ProjectID)
	if rt == nil {
		api.WriteError(w, r, catalog.New(catalog.ModelArts4504).Wrap(fmt.Errorf("engine service %s (%s) has no API %s %s", svc.ID, svc.Engine, r.Method, sub)))
		return "infers"
	}
	if !g.served(rt.Operation) {
		api.WriteError(w, r, catalog.New(catalog.ModelArts4508).Wrap(fmt.Errorf("engine %s not started", svc.Engine)))
		return rt.Operation
	}
	ctx := api.WithFamily(r.Context(), fam)
	r = r.WithContext(ctx)
	if err := g.authorizeAction(ctx, id, rt, svc.ProjectID); err != nil {
		api.WriteError(w, r, err)
		return rt.Operation
	}
	if err := checkContentType(r, rt); err != nil {
		api.WriteError(w, r, err)
		return rt.Operation
	}
	call := g.newCall(ctx, r, id, svc.ProjectID, rt.Service, rt.Operation, params, body)
	g.finish(w, r, call, g.chain(rt.Operation), fam)
	return rt.Operation
}

// engineRoute finds the route of family fam whose path, after its
// /vN/{project_id} prefix, matches sub; its parameters include the
// project's ID.
func engineRoute(fam catalog.Family, method, sub, projectID string) (*routes.Route, map[string]string) {
	want := strings.Split(strings.Trim(sub, "/"), "/")
	all := routes.All()
	for i := range all {
		rt := &all[i]
		if rt.Family != fam || rt.Method != method {
			continue
		}
		segs := strings.Split(strings.Trim(rt.Path, "/"), "/")
		if len(segs) < 3 || segs[1] != "{project_id}" || len(segs)-2 != len(want) {
			continue
		}
		params := map[string]string{"project_id": projectID}
		ok := true
		for k, s := range segs[2:] {
			switch {
			case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
				if want[k] == "" {
					ok = false
				}
				params[s[1:len(s)-1]] = want[k]
			case s != want[k]:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok {
			return rt, params
		}
	}
	return nil, nil
}

// served reports whether an operation has a handler (its engine started).
func (g *Gateway) served(operation string) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	_, ok := g.chains[operation]
	return ok
}

// checkJSONType is checkContentType for an API taking JSON (a model
// service's body).
func checkJSONType(r *http.Request) error {
	return checkContentType(r, &routes.Route{ContentType: jsonBody})
}

// emptyQuery is the Query of a call without one: nil Values read as empty.
var emptyQuery url.Values

func (g *Gateway) newCall(ctx context.Context, r *http.Request, id iam.Identity, projectID, service, operation string, params map[string]string, body []byte) *api.Call {
	// No query (most calls): an empty, read-only Values without parsing.
	q := emptyQuery
	if r.URL.RawQuery != "" {
		q = r.URL.Query()
	}
	return &api.Call{
		RequestID: api.RequestID(ctx), DomainID: id.Domain.ID, ProjectID: projectID, UserID: id.User.ID,
		Service: service, API: operation, Method: r.Method, Path: r.URL.Path,
		PathParams: params, Query: q, Header: r.Header, Body: body,
		Domain: id.Domain, RespHeader: http.Header{},
	}
}
