package admin

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/iam"
	"github.com/aisd/aisd/internal/store"
)

// Agencies (iam.Agency): an account grants another account the right to
// act in it, with the policies named, through the IAM API's assume_role.
// They belong to the delegating account, so its administrators manage
// them.
func (a *API) registerAgencies(h func(string, guard, api.HandlerFunc)) {
	inDomain := owner(KindDomain, "domain_id")
	h("GET /v1/admin/domains/{domain_id}/agencies", inDomain, a.listAgencies)
	h("POST /v1/admin/domains/{domain_id}/agencies", inDomain, a.createAgency)
	h("GET /v1/admin/domains/{domain_id}/agencies/{name}", inDomain, a.getAgency)
	h("DELETE /v1/admin/domains/{domain_id}/agencies/{name}", inDomain, a.deleteAgency)
}

// The agency durations the IAM API documents: FOREVER, or ONEDAY from
// creation.
const (
	durationForever = "FOREVER"
	durationOneDay  = "ONEDAY"
)

func (a *API) createAgency(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name            string   `json:"name"`
		Description     string   `json:"description"`
		TrustDomainID   string   `json:"trust_domain_id"`
		TrustDomainName string   `json:"trust_domain_name"`
		Duration        string   `json:"duration"`
		Policies        []string `json:"policies"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := need("name", in.Name); err != nil {
		return err
	}
	if in.TrustDomainID == "" && in.TrustDomainName == "" {
		return catalog.New(catalog.AIP0006, "trust_domain_id")
	}
	if len(in.Policies) == 0 {
		return catalog.New(catalog.AIP0006, "policies")
	}
	if in.TrustDomainID == "" {
		d, err := a.st.GetDomainByName(r.Context(), in.TrustDomainName)
		if errors.Is(err, store.ErrNotFound) {
			return catalog.New(catalog.AIP0016, "no account named "+in.TrustDomainName).Wrap(err)
		}
		if err != nil {
			return err
		}
		in.TrustDomainID = d.ID
	}
	ag := iam.Agency{Name: in.Name, DomainID: r.PathValue("domain_id"), Description: in.Description,
		TrustDomainID: in.TrustDomainID, Policies: in.Policies}
	switch strings.ToUpper(in.Duration) {
	case "", durationForever:
	case durationOneDay:
		ag.ExpiresAt = a.iam.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	default:
		return catalog.New(catalog.AIP0007, "duration")
	}
	out, err := a.iam.CreateAgency(r.Context(), ag)
	if errors.Is(err, iam.ErrAgencyInvalid) {
		return catalog.New(catalog.AIP0016, err.Error()).Wrap(err)
	}
	if err != nil {
		return policyErr(err)
	}
	api.WriteJSON(w, http.StatusCreated, map[string]any{"agency": out})
	return nil
}

func (a *API) listAgencies(w http.ResponseWriter, r *http.Request) error {
	as, err := a.iam.ListAgencies(r.Context(), r.PathValue("domain_id"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"agencies": as})
	return nil
}

func (a *API) getAgency(w http.ResponseWriter, r *http.Request) error {
	ag, err := a.iam.GetAgency(r.Context(), r.PathValue("domain_id"), r.PathValue("name"))
	if err != nil {
		return err
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"agency": ag})
	return nil
}

func (a *API) deleteAgency(w http.ResponseWriter, r *http.Request) error {
	if err := a.iam.DeleteAgency(r.Context(), r.PathValue("domain_id"), r.PathValue("name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
