package iam

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/store"
)

// Permission policies are attached to users per project. A user with no
// attachment at all keeps full access (aisd's behaviour before policies
// existed, so that nothing breaks); once a user has one, the user may do
// in each project exactly what the policies attached there (or to every
// project, "*") allow, like an IAM user on the cloud, who holds nothing
// by default. Account administrators (User.Admin) are never restricted.
//
// Storage: custom policies are Resources of kind "iam_policy" owned by the
// domain and named by the policy name; a user's attachments are one
// Resource of kind "iam_grant" owned by the domain, whose ID and name are
// the user ID.
const (
	KindPolicy = "iam_policy"
	KindGrant  = "iam_grant"
)

// AllProjects is the project key of attachments valid in every project.
const AllProjects = "*"

// NamedPolicy is a system or custom policy.
type NamedPolicy struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	System      bool      `json:"system"`
	Policy      Policy    `json:"policy"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
}

//go:embed system_policies.json
var systemPoliciesJSON []byte

var systemPolicies = func() map[string]NamedPolicy {
	var ps []NamedPolicy
	if err := json.Unmarshal(systemPoliciesJSON, &ps); err != nil {
		panic(err)
	}
	m := map[string]NamedPolicy{}
	for _, p := range ps {
		if err := p.Policy.Validate(); err != nil {
			panic(fmt.Sprintf("system policy %q: %v", p.Name, err))
		}
		p.System = true
		m[p.Name] = p
	}
	return m
}()

// SystemPolicies lists the built-in policies by name.
func SystemPolicies() []NamedPolicy {
	out := make([]NamedPolicy, 0, len(systemPolicies))
	for _, p := range systemPolicies {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Errors of policy management.
var (
	ErrSystemPolicy   = errors.New("iam: system policies cannot be changed")
	ErrPolicyAttached = errors.New("iam: the policy is attached to users")
	ErrUnknownPolicy  = errors.New("iam: no such policy")
)

type customPolicy struct {
	Description string `json:"description"`
	Policy      Policy `json:"policy"`
}

// ValidPolicyName reports whether a custom policy name is acceptable:
// 1 to 64 characters, letters, digits, spaces and "-_.".
func ValidPolicyName(n string) bool {
	if n == "" || len(n) > 64 || strings.TrimSpace(n) != n {
		return false
	}
	for _, r := range n {
		if !(r == ' ' || r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// ListPolicies lists the system policies, then the domain's custom ones.
func (s *Service) ListPolicies(ctx context.Context, domainID string) ([]NamedPolicy, error) {
	out := SystemPolicies()
	rs, err := s.st.ListResources(ctx, KindPolicy, domainID)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		p, err := decodeCustom(r)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func decodeCustom(r store.Resource) (NamedPolicy, error) {
	var c customPolicy
	if err := json.Unmarshal(r.Body, &c); err != nil {
		return NamedPolicy{}, fmt.Errorf("policy %s: %w", r.Name, err)
	}
	return NamedPolicy{Name: r.Name, Description: c.Description, Policy: c.Policy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, nil
}

// GetPolicy returns a system policy or one of the domain's custom
// policies by name (store.ErrNotFound when there is none).
func (s *Service) GetPolicy(ctx context.Context, domainID, name string) (NamedPolicy, error) {
	if p, ok := systemPolicies[name]; ok {
		return p, nil
	}
	r, err := s.st.GetResourceByName(ctx, KindPolicy, domainID, name)
	if err != nil {
		return NamedPolicy{}, err
	}
	return decodeCustom(r)
}

// PutPolicy creates or replaces a custom policy; created says which.
func (s *Service) PutPolicy(ctx context.Context, domainID, name, desc string, p Policy) (NamedPolicy, bool, error) {
	if _, ok := systemPolicies[name]; ok {
		return NamedPolicy{}, false, ErrSystemPolicy
	}
	if err := p.Validate(); err != nil {
		return NamedPolicy{}, false, err
	}
	body, err := json.Marshal(customPolicy{Description: desc, Policy: p})
	if err != nil {
		return NamedPolicy{}, false, err
	}
	now := s.now().UTC()
	r, err := s.st.GetResourceByName(ctx, KindPolicy, domainID, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		r = store.Resource{Kind: KindPolicy, Owner: domainID, ID: NewID(), Name: name, Body: body, CreatedAt: now, UpdatedAt: now}
		if err := s.st.CreateResource(ctx, r); err != nil {
			return NamedPolicy{}, false, err
		}
		return NamedPolicy{Name: name, Description: desc, Policy: p, CreatedAt: now, UpdatedAt: now}, true, nil
	case err != nil:
		return NamedPolicy{}, false, err
	}
	r.Body, r.UpdatedAt = body, now
	if err := s.st.UpdateResource(ctx, r); err != nil {
		return NamedPolicy{}, false, err
	}
	return NamedPolicy{Name: name, Description: desc, Policy: p, CreatedAt: r.CreatedAt, UpdatedAt: now}, false, nil
}

// DeletePolicy deletes a custom policy that no user holds (as the cloud
// refuses to delete an attached policy).
func (s *Service) DeletePolicy(ctx context.Context, domainID, name string) error {
	if _, ok := systemPolicies[name]; ok {
		return ErrSystemPolicy
	}
	r, err := s.st.GetResourceByName(ctx, KindPolicy, domainID, name)
	if err != nil {
		return err
	}
	gs, err := s.st.ListResources(ctx, KindGrant, domainID)
	if err != nil {
		return err
	}
	for _, g := range gs {
		var grants Grants
		if err := json.Unmarshal(g.Body, &grants); err != nil {
			return err
		}
		for _, names := range grants.Projects {
			for _, n := range names {
				if n == name {
					return ErrPolicyAttached
				}
			}
		}
	}
	return s.st.DeleteResource(ctx, KindPolicy, domainID, r.ID)
}

// Grants are a user's attachments: policy names by project ID
// (AllProjects for every project).
type Grants struct {
	Projects map[string][]string `json:"projects"`
}

// UserGrants returns a user's attachments (empty when the user has none).
func (s *Service) UserGrants(ctx context.Context, u store.User) (Grants, error) {
	r, err := s.st.GetResource(ctx, KindGrant, u.DomainID, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return Grants{Projects: map[string][]string{}}, nil
	}
	if err != nil {
		return Grants{}, err
	}
	var g Grants
	if err := json.Unmarshal(r.Body, &g); err != nil {
		return Grants{}, fmt.Errorf("grants of %s: %w", u.ID, err)
	}
	if g.Projects == nil {
		g.Projects = map[string][]string{}
	}
	return g, nil
}

// SetGrants replaces the policies attached to a user in one project (or
// AllProjects). Every name must be a system policy or one of the domain's
// custom policies. An empty list detaches all of them there; a user left
// with no attachment anywhere is back to unrestricted access.
func (s *Service) SetGrants(ctx context.Context, u store.User, projectID string, names []string) (Grants, error) {
	if projectID != AllProjects {
		p, err := s.st.GetProject(ctx, projectID)
		if err != nil {
			return Grants{}, err
		}
		if p.DomainID != u.DomainID {
			return Grants{}, store.ErrNotFound
		}
	}
	seen := map[string]bool{}
	clean := []string{}
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		if _, err := s.GetPolicy(ctx, u.DomainID, n); errors.Is(err, store.ErrNotFound) {
			return Grants{}, fmt.Errorf("%w: %q", ErrUnknownPolicy, n)
		} else if err != nil {
			return Grants{}, err
		}
		clean = append(clean, n)
	}
	g, err := s.UserGrants(ctx, u)
	if err != nil {
		return Grants{}, err
	}
	if len(clean) == 0 {
		delete(g.Projects, projectID)
	} else {
		g.Projects[projectID] = clean
	}
	now := s.now().UTC()
	if len(g.Projects) == 0 {
		if err := s.st.DeleteResource(ctx, KindGrant, u.DomainID, u.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return Grants{}, err
		}
		return g, nil
	}
	body, err := json.Marshal(g)
	if err != nil {
		return Grants{}, err
	}
	r := store.Resource{Kind: KindGrant, Owner: u.DomainID, ID: u.ID, Name: u.ID, Body: body, CreatedAt: now, UpdatedAt: now}
	err = s.st.UpdateResource(ctx, r)
	if errors.Is(err, store.ErrNotFound) {
		err = s.st.CreateResource(ctx, r)
	}
	return g, err
}

// Authorize decides whether id may perform action in projectID. Admins
// are allowed everything; a user without attachments too (see the top of
// this file); temporary credentials are further narrowed by their session
// policies.
func (s *Service) Authorize(ctx context.Context, id Identity, projectID, action string) (Decision, error) {
	d := Allow
	if !id.User.Admin {
		g, err := s.UserGrants(ctx, id.User)
		if err != nil {
			return DenyService, err
		}
		if len(g.Projects) > 0 {
			var ps []Policy
			for _, key := range []string{projectID, AllProjects} {
				for _, n := range g.Projects[key] {
					p, err := s.GetPolicy(ctx, id.Domain.ID, n)
					if errors.Is(err, store.ErrNotFound) {
						continue // deleted under a race with DeletePolicy: grants nothing
					}
					if err != nil {
						return DenyService, err
					}
					ps = append(ps, p.Policy)
				}
			}
			d = Evaluate(ps, action)
		}
	}
	for _, sp := range id.Session {
		if e := Evaluate([]Policy{sp}, action); e < d {
			d = e
		}
	}
	return d, nil
}
