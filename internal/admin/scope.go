package admin

import (
	"context"
	"errors"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
)

// Kind names a kind of object the admin API acts on; Scope.Domain resolves
// an object of each kind to the domain it belongs to.
type Kind string

// The kinds of object.
const (
	KindDomain     Kind = "domain"     // by domain ID
	KindProject    Kind = "project"    // by project ID
	KindUser       Kind = "user"       // by user ID
	KindCredential Kind = "credential" // by access key
	KindFault      Kind = "fault"      // by fault ID
)

// Scope is what an authenticated administrator may reach. The root
// account's administrators reach every domain; any other administrator
// only its own, and never the account controls (creating domains, their
// state, paid, project settings such as rate limits) that the operator
// holds over it.
//
// A tenant administrator is answered AIP.0003 both for another domain's
// objects and for objects that do not exist: answering "not found" for
// the second only would tell it which IDs exist elsewhere. The root
// administrator, who may see everything, is told "not found" as before.
type Scope struct {
	st     store.Store
	domain string // the caller's domain
	root   bool
}

type scopeKey struct{}

func withScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeFrom returns the scope RequireAdmin put in the request context.
func ScopeFrom(ctx context.Context) (Scope, bool) {
	s, ok := ctx.Value(scopeKey{}).(Scope)
	return s, ok
}

// Root reports whether the caller administers the root account.
func (s Scope) Root() bool { return s.root }

// DomainID is the caller's own domain.
func (s Scope) DomainID() string { return s.domain }

// RequireRoot refuses (AIP.0003) anyone but the root account's
// administrators.
func (s Scope) RequireRoot() error {
	if !s.root {
		return catalog.New(catalog.AIP0003)
	}
	return nil
}

// Domain returns the ID of the domain the object belongs to, as the store
// has it; store.ErrNotFound when there is no such object.
func (s Scope) Domain(ctx context.Context, kind Kind, id string) (string, error) {
	if id == "" {
		return "", store.ErrNotFound
	}
	switch kind {
	case KindDomain:
		d, err := s.st.GetDomain(ctx, id)
		return d.ID, err
	case KindProject:
		p, err := s.st.GetProject(ctx, id)
		return p.DomainID, err
	case KindUser:
		u, err := s.st.GetUser(ctx, id)
		return u.DomainID, err
	case KindCredential:
		c, err := s.st.GetCredential(ctx, id)
		return c.DomainID, err
	case KindFault:
		f, err := s.st.GetFault(ctx, id)
		if err != nil {
			return "", err
		}
		return s.Domain(ctx, KindProject, f.ProjectID)
	}
	return "", errors.New("admin: unknown object kind " + string(kind))
}

// Allow returns nil when the caller may act on the object: a root
// administrator on any (whether it exists is then the handler's to say),
// any other administrator on the objects of its own domain. Everything
// else, a missing object included, is AIP.0003.
func (s Scope) Allow(ctx context.Context, kind Kind, id string) error {
	if s.root {
		return nil
	}
	d, err := s.Domain(ctx, kind, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return catalog.New(catalog.AIP0003)
	case err != nil:
		return catalog.E(catalog.KindInternal).Wrap(err)
	case s.domain == "" || d != s.domain:
		return catalog.New(catalog.AIP0003)
	}
	return nil
}

// AllowProject is Allow for a project with the scope RequireAdmin put in
// ctx (AIP.0003 without one). The server hands it to the admin handlers
// other packages serve (usage, subscriptions, faults); they call it with
// the project ID they are about to act on, or with "" for an object that
// does not exist.
func AllowProject(ctx context.Context, projectID string) error {
	s, ok := ScopeFrom(ctx)
	if !ok {
		return catalog.New(catalog.AIP0003)
	}
	return s.Allow(ctx, KindProject, projectID)
}
