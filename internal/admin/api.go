// Package admin is the operator's API (domains, projects, users,
// credentials, account states, agencies, settings, permission policies,
// temporary credentials) and the signed client the
// `aisd admin` commands use. Every endpoint requires an administrator's AK/SK
// signature or token; errors use the AIP dialect. The root account's
// administrators reach every domain, any other administrator only its own
// (see Scope).
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/gateway"
	"github.com/aisd/aisd/internal/platform/iam"
	"github.com/aisd/aisd/internal/store"
)

// Prefix is where the admin API lives.
const Prefix = "/v1/admin/"

// API serves the admin endpoints.
type API struct {
	gw   *gateway.Gateway
	iam  *iam.Service
	st   store.Store
	root string // the root account's domain ID
	// usage answers the usage queries; the meter, which writes its queue
	// first, or else the store.
	usage interface {
		UsageErrors(ctx context.Context, f store.UsageFilter) ([]store.UsageErrorRow, error)
	}
}

// Option configures the admin API.
type Option func(*API)

// WithRootDomain names the root account (the domain created at first
// start): its administrators reach every domain. Without it every
// administrator is confined to its own domain.
func WithRootDomain(id string) Option { return func(a *API) { a.root = id } }

// WithMeter has the usage endpoints ask the meter (which writes the calls
// still queued first) instead of the store.
func WithMeter(m interface {
	UsageErrors(ctx context.Context, f store.UsageFilter) ([]store.UsageErrorRow, error)
}) Option {
	return func(a *API) { a.usage = m }
}

// New returns the admin API.
func New(gw *gateway.Gateway, svc *iam.Service, opts ...Option) *API {
	a := &API{gw: gw, iam: svc, st: svc.Store()}
	a.usage = a.st
	for _, o := range opts {
		o(a)
	}
	return a
}

// guard decides, before the handler runs, whether the caller's scope
// reaches what the request names.
type guard func(r *http.Request, s Scope) error

// rootOnly admits the root account's administrators only.
func rootOnly(_ *http.Request, s Scope) error { return s.RequireRoot() }

// anyAdmin admits every administrator: the handler narrows what it shows
// to the scope.
func anyAdmin(*http.Request, Scope) error { return nil }

// owner admits the administrators of the domain the object named by the
// path parameter belongs to.
func owner(kind Kind, param string) guard {
	return func(r *http.Request, s Scope) error { return s.Allow(r.Context(), kind, r.PathValue(param)) }
}

// Register mounts the endpoints on mux; extra admin handlers (usage, faults)
// are mounted by their owners with RequireAdmin and check projects with
// AllowProject.
func (a *API) Register(mux interface{ Handle(string, http.Handler) }) {
	h := func(pattern string, g guard, fn api.HandlerFunc) {
		mux.Handle(pattern, a.RequireAdmin(api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			s, ok := ScopeFrom(r.Context())
			if !ok {
				return catalog.New(catalog.AIP0003)
			}
			if err := g(r, s); err != nil {
				return err
			}
			return mapErr(fn(w, r))
		})))
	}
	inDomain, ofUser, ofProject := owner(KindDomain, "domain_id"), owner(KindUser, "user_id"), owner(KindProject, "project_id")
	h("GET /v1/admin/domains", anyAdmin, a.listDomains)
	h("POST /v1/admin/domains", rootOnly, a.createDomain)
	// An account may not lift its own freeze or make itself paid.
	h("POST /v1/admin/domains/{domain_id}/state", rootOnly, a.setState)
	h("POST /v1/admin/domains/{domain_id}/paid", rootOnly, a.setPaid)
	h("GET /v1/admin/domains/{domain_id}/projects", inDomain, a.listProjects)
	h("POST /v1/admin/domains/{domain_id}/projects", inDomain, a.createProject)
	h("GET /v1/admin/domains/{domain_id}/users", inDomain, a.listUsers)
	h("POST /v1/admin/domains/{domain_id}/users", inDomain, a.createUser)
	h("GET /v1/admin/users/{user_id}/credentials", ofUser, a.listCredentials)
	h("POST /v1/admin/users/{user_id}/credentials", ofUser, a.createCredential)
	h("DELETE /v1/admin/credentials/{ak}", owner(KindCredential, "ak"), a.deleteCredential)
	h("PUT /v1/admin/projects/{project_id}/agencies/{service}", ofProject, a.setAgency)
	// Settings are operator limits (ratelimit=0 turns throttling off): an
	// account reads its own but may not change them.
	h("PUT /v1/admin/projects/{project_id}/settings/{key}", rootOnly, a.setSetting)
	h("GET /v1/admin/projects/{project_id}/settings/{key}", ofProject, a.getSetting)
	a.registerPermissions(h)
	a.registerConsole(mux, h)
}

// RequireAdmin authenticates the request and requires an administrator,
// putting the caller's Scope in the request context; errors speak the AIP
// dialect.
func (a *API) RequireAdmin(h http.Handler) http.Handler {
	return api.InFamily(catalog.FamilyAIP, a.gw.Authenticated(api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, ok := gateway.IdentityFrom(r.Context())
		if !ok || !id.User.Admin {
			return catalog.New(catalog.AIP0003)
		}
		s := Scope{st: a.st, domain: id.Domain.ID, root: a.root != "" && id.Domain.ID == a.root}
		h.ServeHTTP(w, r.WithContext(withScope(r.Context(), s)))
		return nil
	})))
}

// mapErr gives store conditions their AIP codes; catalog errors pass.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return catalog.New(catalog.AIP0016, "object not found").Wrap(err)
	case errors.Is(err, store.ErrConflict):
		return catalog.New(catalog.AIP0014, "the object").Wrap(err)
	}
	return err
}

func decode(r *http.Request, v any) error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return catalog.New(catalog.AIP0009).Wrap(err)
	}
	return nil
}

func need(name, v string) error {
	if strings.TrimSpace(v) == "" {
		return catalog.New(catalog.AIP0006, name)
	}
	return nil
}

// Wire shapes.
type (
	Domain struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		State     string `json:"state"`
		Paid      bool   `json:"paid"`
		CreatedAt string `json:"created_at"`
	}
	Project struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		DomainID string `json:"domain_id"`
	}
	User struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		DomainID string `json:"domain_id"`
		Admin    bool   `json:"admin"`
	}
	Credential struct {
		AK          string `json:"access"`
		SK          string `json:"secret,omitempty"` // only when created
		UserID      string `json:"user_id"`
		Description string `json:"description"`
		CreatedAt   string `json:"created_at"`
	}
)

const ts = "2006-01-02T15:04:05Z"

func toDomain(d store.Domain) Domain {
	return Domain{ID: d.ID, Name: d.Name, State: d.State, Paid: d.Paid, CreatedAt: d.CreatedAt.UTC().Format(ts)}
}

// listDomains lists every domain to the root account, its own to any other.
func (a *API) listDomains(w http.ResponseWriter, r *http.Request) error {
	var ds []store.Domain
	if s, _ := ScopeFrom(r.Context()); s.Root() {
		var err error
		if ds, err = a.st.ListDomains(r.Context()); err != nil {
			return err
		}
	} else {
		d, err := a.st.GetDomain(r.Context(), s.DomainID())
		if err != nil {
			return err
		}
		ds = []store.Domain{d}
	}
	out := []Domain{}
	for _, d := range ds {
		out = append(out, toDomain(d))
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"domains": out})
	return nil
}

func (a *API) createDomain(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name string `json:"name"`
		Paid bool   `json:"paid"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := need("name", in.Name); err != nil {
		return err
	}
	d, p, err := a.iam.CreateDomain(r.Context(), in.Name, in.Paid)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, map[string]any{"domain": toDomain(d), "project": Project{ID: p.ID, Name: p.Name, DomainID: p.DomainID}})
	return nil
}

func (a *API) setState(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		State string `json:"state"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	switch in.State {
	case store.StateActive, store.StateFrozen, store.StateRestricted:
	default:
		return catalog.New(catalog.AIP0007, "state")
	}
	id := r.PathValue("domain_id")
	if err := a.st.SetDomainState(r.Context(), id, in.State); err != nil {
		return err
	}
	d, err := a.st.GetDomain(r.Context(), id)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"domain": toDomain(d)})
	return nil
}

func (a *API) setPaid(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Paid bool `json:"paid"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	id := r.PathValue("domain_id")
	if err := a.st.SetDomainPaid(r.Context(), id, in.Paid); err != nil {
		return err
	}
	d, err := a.st.GetDomain(r.Context(), id)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"domain": toDomain(d)})
	return nil
}

func (a *API) listProjects(w http.ResponseWriter, r *http.Request) error {
	ps, err := a.st.ListProjects(r.Context(), r.PathValue("domain_id"), r.URL.Query().Get("name"))
	if err != nil {
		return err
	}
	out := []Project{}
	for _, p := range ps {
		out = append(out, Project{ID: p.ID, Name: p.Name, DomainID: p.DomainID})
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"projects": out})
	return nil
}

func (a *API) createProject(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := need("name", in.Name); err != nil {
		return err
	}
	p, err := a.iam.CreateProject(r.Context(), r.PathValue("domain_id"), in.Name)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, map[string]any{"project": Project{ID: p.ID, Name: p.Name, DomainID: p.DomainID}})
	return nil
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	us, err := a.st.ListUsers(r.Context(), r.PathValue("domain_id"))
	if err != nil {
		return err
	}
	out := []User{}
	for _, u := range us {
		out = append(out, User{ID: u.ID, Name: u.Name, DomainID: u.DomainID, Admin: u.Admin})
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"users": out})
	return nil
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
		Admin    bool   `json:"admin"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := need("name", in.Name); err != nil {
		return err
	}
	if len(in.Password) < 8 {
		return catalog.New(catalog.AIP0016, "password must have at least 8 characters")
	}
	u, err := a.iam.CreateUser(r.Context(), r.PathValue("domain_id"), in.Name, in.Password, in.Admin)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, map[string]any{"user": User{ID: u.ID, Name: u.Name, DomainID: u.DomainID, Admin: u.Admin}})
	return nil
}

func (a *API) listCredentials(w http.ResponseWriter, r *http.Request) error {
	cs, err := a.st.ListCredentials(r.Context(), r.PathValue("user_id"))
	if err != nil {
		return err
	}
	out := []Credential{}
	for _, c := range cs {
		out = append(out, Credential{AK: c.AK, UserID: c.UserID, Description: c.Description, CreatedAt: c.CreatedAt.UTC().Format(ts)})
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"credentials": out})
	return nil
}

func (a *API) createCredential(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Description string `json:"description"`
		// Access and Secret register a pair the caller chose (fixed keys
		// of a test fixture) instead of generating one.
		Access string `json:"access"`
		Secret string `json:"secret"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	uid := r.PathValue("user_id")
	ak, sk := in.Access, in.Secret
	var err error
	switch {
	case ak == "" && sk == "":
		ak, sk, err = a.iam.CreateCredential(r.Context(), uid, in.Description)
	case ak == "":
		return catalog.New(catalog.AIP0006, "access")
	case sk == "":
		return catalog.New(catalog.AIP0006, "secret")
	default:
		err = a.iam.ImportCredential(r.Context(), uid, ak, sk, in.Description)
		if errors.Is(err, iam.ErrBadKeyPair) {
			return catalog.New(catalog.AIP0016, iam.ErrBadKeyPair.Error())
		}
	}
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusCreated, map[string]any{"credential": Credential{AK: ak, SK: sk, UserID: uid, Description: in.Description}})
	return nil
}

func (a *API) deleteCredential(w http.ResponseWriter, r *http.Request) error {
	if err := a.st.DeleteCredential(r.Context(), r.PathValue("ak")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) setAgency(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Granted bool `json:"granted"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	pid, svc := r.PathValue("project_id"), r.PathValue("service")
	if _, err := a.st.GetProject(r.Context(), pid); err != nil {
		return err
	}
	if err := a.st.SetAgency(r.Context(), pid, svc, in.Granted); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"project_id": pid, "service": svc, "granted": in.Granted})
	return nil
}

func (a *API) setSetting(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Value string `json:"value"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	pid, key := r.PathValue("project_id"), r.PathValue("key")
	if _, err := a.st.GetProject(r.Context(), pid); err != nil {
		return err
	}
	if err := a.st.SetSetting(r.Context(), pid, key, in.Value); err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"project_id": pid, "key": key, "value": in.Value})
	return nil
}

func (a *API) getSetting(w http.ResponseWriter, r *http.Request) error {
	pid, key := r.PathValue("project_id"), r.PathValue("key")
	v, err := a.st.GetSetting(r.Context(), pid, key)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"project_id": pid, "key": key, "value": v})
	return nil
}
