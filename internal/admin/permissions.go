package admin

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/iam"
	"github.com/aisd/aisd/internal/store"
)

// Permission policies and temporary credentials (see iam.Authorize and
// iam.IssueTemporary). Custom policies belong to a domain; attachments to
// a user, per project ("*" for every project); temporary credentials are
// listed and revoked per domain.
func (a *API) registerPermissions(h func(string, guard, api.HandlerFunc)) {
	inDomain, ofUser := owner(KindDomain, "domain_id"), owner(KindUser, "user_id")
	h("GET /v1/admin/domains/{domain_id}/policies", inDomain, a.listPolicies)
	h("GET /v1/admin/domains/{domain_id}/policies/{name}", inDomain, a.getPolicy)
	h("PUT /v1/admin/domains/{domain_id}/policies/{name}", inDomain, a.putPolicy)
	h("DELETE /v1/admin/domains/{domain_id}/policies/{name}", inDomain, a.deletePolicy)
	h("GET /v1/admin/users/{user_id}/policies", ofUser, a.getGrants)
	h("PUT /v1/admin/users/{user_id}/policies/{project_id}", ofUser, a.setGrants)
	h("GET /v1/admin/domains/{domain_id}/securitytokens", inDomain, a.listTemporary)
	h("DELETE /v1/admin/domains/{domain_id}/securitytokens/{ak}", inDomain, a.revokeTemporary)
	a.registerAgencies(h)
}

// policyErr gives the policy conditions their AIP codes.
func policyErr(err error) error {
	switch {
	case errors.Is(err, iam.ErrPolicy):
		return catalog.New(catalog.AIP0016, err.Error()).Wrap(err)
	case errors.Is(err, iam.ErrSystemPolicy):
		return catalog.New(catalog.AIP0016, "system policies cannot be changed or deleted").Wrap(err)
	case errors.Is(err, iam.ErrPolicyAttached):
		return catalog.New(catalog.AIP0016, "the policy is attached to users: detach it first").Wrap(err)
	case errors.Is(err, iam.ErrUnknownPolicy):
		return catalog.New(catalog.AIP0016, err.Error()).Wrap(err)
	}
	return err
}

func (a *API) listPolicies(w http.ResponseWriter, r *http.Request) error {
	ps, err := a.iam.ListPolicies(r.Context(), r.PathValue("domain_id"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"policies": ps})
	return nil
}

func (a *API) getPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := a.iam.GetPolicy(r.Context(), r.PathValue("domain_id"), r.PathValue("name"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"policy": p})
	return nil
}

func (a *API) putPolicy(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Description string          `json:"description"`
		Policy      json.RawMessage `json:"policy"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	name := r.PathValue("name")
	if !iam.ValidPolicyName(name) {
		return catalog.New(catalog.AIP0007, "name")
	}
	if len(in.Policy) == 0 {
		return catalog.New(catalog.AIP0006, "policy")
	}
	p, err := iam.ParsePolicy(in.Policy)
	if err != nil {
		return policyErr(err)
	}
	np, created, err := a.iam.PutPolicy(r.Context(), r.PathValue("domain_id"), name, in.Description, p)
	if err != nil {
		return policyErr(err)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	api.WriteJSON(w, status, map[string]any{"policy": np})
	return nil
}

func (a *API) deletePolicy(w http.ResponseWriter, r *http.Request) error {
	if err := a.iam.DeletePolicy(r.Context(), r.PathValue("domain_id"), r.PathValue("name")); err != nil {
		return policyErr(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) getGrants(w http.ResponseWriter, r *http.Request) error {
	u, err := a.st.GetUser(r.Context(), r.PathValue("user_id"))
	if err != nil {
		return err
	}
	g, err := a.iam.UserGrants(r.Context(), u)
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"user_id": u.ID, "projects": g.Projects, "restricted": len(g.Projects) > 0 && !u.Admin})
	return nil
}

func (a *API) setGrants(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Policies []string `json:"policies"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Policies == nil {
		return catalog.New(catalog.AIP0006, "policies")
	}
	u, err := a.st.GetUser(r.Context(), r.PathValue("user_id"))
	if err != nil {
		return err
	}
	pid := r.PathValue("project_id")
	g, err := a.iam.SetGrants(r.Context(), u, pid, in.Policies)
	if errors.Is(err, store.ErrNotFound) {
		// The user is there (checked above): the project is not, or is
		// another domain's.
		return catalog.New(catalog.AIP0016, "no such project in the user's account").Wrap(err)
	}
	if err != nil {
		return policyErr(err)
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"user_id": u.ID, "projects": g.Projects, "restricted": len(g.Projects) > 0 && !u.Admin})
	return nil
}

func (a *API) listTemporary(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.iam.ListTemporary(r.Context(), r.PathValue("domain_id"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"credentials": ts})
	return nil
}

func (a *API) revokeTemporary(w http.ResponseWriter, r *http.Request) error {
	if err := a.iam.RevokeTemporary(r.Context(), r.PathValue("domain_id"), r.PathValue("ak")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
