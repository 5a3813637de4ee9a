// Package admin is the operator's API (domains, projects, users,
// credentials, account states, agencies, settings) and the signed client the
// `aisd admin` commands use. Every endpoint requires an administrator's AK/SK
// signature or token; errors use the AIP dialect.
package admin

import (
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
	gw  *gateway.Gateway
	iam *iam.Service
	st  store.Store
}

// New returns the admin API.
func New(gw *gateway.Gateway, svc *iam.Service) *API {
	return &API{gw: gw, iam: svc, st: svc.Store()}
}

// Register mounts the endpoints on mux; extra admin handlers (usage, faults)
// are mounted by their owners with RequireAdmin.
func (a *API) Register(mux *http.ServeMux) {
	h := func(pattern string, fn api.HandlerFunc) {
		mux.Handle(pattern, a.RequireAdmin(api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			return mapErr(fn(w, r))
		})))
	}
	h("GET /v1/admin/domains", a.listDomains)
	h("POST /v1/admin/domains", a.createDomain)
	h("POST /v1/admin/domains/{domain_id}/state", a.setState)
	h("POST /v1/admin/domains/{domain_id}/paid", a.setPaid)
	h("GET /v1/admin/domains/{domain_id}/projects", a.listProjects)
	h("POST /v1/admin/domains/{domain_id}/projects", a.createProject)
	h("GET /v1/admin/domains/{domain_id}/users", a.listUsers)
	h("POST /v1/admin/domains/{domain_id}/users", a.createUser)
	h("GET /v1/admin/users/{user_id}/credentials", a.listCredentials)
	h("POST /v1/admin/users/{user_id}/credentials", a.createCredential)
	h("DELETE /v1/admin/credentials/{ak}", a.deleteCredential)
	h("PUT /v1/admin/projects/{project_id}/agencies/{service}", a.setAgency)
	h("PUT /v1/admin/projects/{project_id}/settings/{key}", a.setSetting)
	h("GET /v1/admin/projects/{project_id}/settings/{key}", a.getSetting)
}

// RequireAdmin authenticates the request and requires an administrator;
// errors speak the AIP dialect.
func (a *API) RequireAdmin(h http.Handler) http.Handler {
	return api.InFamily(catalog.FamilyAIP, a.gw.Authenticated(api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, ok := gateway.IdentityFrom(r.Context())
		if !ok || !id.User.Admin {
			return catalog.New(catalog.AIP0003)
		}
		h.ServeHTTP(w, r)
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

func (a *API) listDomains(w http.ResponseWriter, r *http.Request) error {
	ds, err := a.st.ListDomains(r.Context())
	if err != nil {
		return err
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
	}
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	uid := r.PathValue("user_id")
	ak, sk, err := a.iam.CreateCredential(r.Context(), uid, in.Description)
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
