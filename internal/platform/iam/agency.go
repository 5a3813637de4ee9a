package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aisd/aisd/internal/store"
)

// Agencies (the IAM API's 委托, "assume_role"): an account, the delegating
// party, lets another account, the trusted one, act in it with the
// permissions the agency holds. A user of the trusted account obtains
// temporary credentials in the delegating account through
// POST /v3.0/OS-CREDENTIAL/securitytokens with the method "assume_role";
// those credentials may do in the delegating account exactly what the
// agency's policies allow there, for as long as the agency exists, has not
// expired and still trusts the account they were obtained by.
//
// Storage: an agency is a Resource of kind "iam_agency" owned by the
// delegating domain, named by the agency name.
const KindAgency = "iam_agency"

// Agency is an agency as the admin API shows it.
type Agency struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DomainID    string `json:"domain_id"` // the delegating account
	Description string `json:"description,omitempty"`
	// TrustDomainID is the account whose users may assume the agency.
	TrustDomainID string `json:"trust_domain_id"`
	// Policies are the names of the system or custom policies of DomainID
	// the agency grants; together they are evaluated like a user's.
	Policies []string `json:"policies"`
	// ExpiresAt ends the agency (the IAM API's "duration" ONEDAY); zero
	// for an agency without end (FOREVER).
	ExpiresAt time.Time `json:"expire_time,omitzero"`
	CreatedAt time.Time `json:"create_time"`
}

// ErrAgency is the root of every reason the credentials of an agency
// cannot be obtained (no such account or agency, the agency expired, or
// it does not trust the caller's account): the IAM API answers all of them
// AIP.0018 "Unable to get agency.", the reason only in the log.
var ErrAgency = errors.New("iam: agency")

func agencyErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrAgency, fmt.Sprintf(format, args...))
}

// ErrAgencyInvalid reports an agency definition the admin API refuses.
var ErrAgencyInvalid = errors.New("iam: invalid agency")

// validAgencyName follows the IAM API: 1 to 64 characters, no spaces at
// either end and no control characters.
func validAgencyName(n string) bool {
	if n == "" || utf8.RuneCountInString(n) > 64 || strings.TrimSpace(n) != n {
		return false
	}
	return !strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '/' })
}

// CreateAgency stores a new agency of a.DomainID trusting a.TrustDomainID
// with a.Policies (each a system policy or a custom policy of the
// delegating account). store.ErrConflict when the name is taken.
func (s *Service) CreateAgency(ctx context.Context, a Agency) (Agency, error) {
	if !validAgencyName(a.Name) {
		return Agency{}, fmt.Errorf("%w: name %q", ErrAgencyInvalid, a.Name)
	}
	if a.TrustDomainID == "" || a.TrustDomainID == a.DomainID {
		return Agency{}, fmt.Errorf("%w: an agency trusts another account", ErrAgencyInvalid)
	}
	if _, err := s.st.GetDomain(ctx, a.TrustDomainID); errors.Is(err, store.ErrNotFound) {
		return Agency{}, fmt.Errorf("%w: trusted account %s does not exist", ErrAgencyInvalid, a.TrustDomainID)
	} else if err != nil {
		return Agency{}, err
	}
	if len(a.Policies) == 0 {
		return Agency{}, fmt.Errorf("%w: an agency grants at least one policy", ErrAgencyInvalid)
	}
	for _, n := range a.Policies {
		if _, err := s.GetPolicy(ctx, a.DomainID, n); errors.Is(err, store.ErrNotFound) {
			return Agency{}, fmt.Errorf("%w: %q", ErrUnknownPolicy, n)
		} else if err != nil {
			return Agency{}, err
		}
	}
	now := s.now().UTC().Truncate(time.Second)
	if !a.ExpiresAt.IsZero() && !a.ExpiresAt.After(now) {
		return Agency{}, fmt.Errorf("%w: expire_time is in the past", ErrAgencyInvalid)
	}
	a.ID, a.CreatedAt = NewID(), now
	body, err := json.Marshal(a)
	if err != nil {
		return Agency{}, err
	}
	if err := s.st.CreateResource(ctx, store.Resource{Kind: KindAgency, Owner: a.DomainID, ID: a.ID, Name: a.Name,
		Body: body, CreatedAt: now, UpdatedAt: now}); err != nil {
		return Agency{}, err
	}
	return a, nil
}

func decodeAgency(r store.Resource) (Agency, error) {
	var a Agency
	if err := json.Unmarshal(r.Body, &a); err != nil {
		return Agency{}, fmt.Errorf("agency %s: %w", r.ID, err)
	}
	return a, nil
}

// ListAgencies lists a domain's agencies (those it grants).
func (s *Service) ListAgencies(ctx context.Context, domainID string) ([]Agency, error) {
	rs, err := s.st.ListResources(ctx, KindAgency, domainID)
	if err != nil {
		return nil, err
	}
	out := []Agency{}
	for _, r := range rs {
		a, err := decodeAgency(r)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// GetAgency returns a domain's agency by name (store.ErrNotFound).
func (s *Service) GetAgency(ctx context.Context, domainID, name string) (Agency, error) {
	r, err := s.st.GetResourceByName(ctx, KindAgency, domainID, name)
	if err != nil {
		return Agency{}, err
	}
	return decodeAgency(r)
}

// DeleteAgency deletes a domain's agency by name: the credentials obtained
// through it stop working at once.
func (s *Service) DeleteAgency(ctx context.Context, domainID, name string) error {
	r, err := s.st.GetResourceByName(ctx, KindAgency, domainID, name)
	if err != nil {
		return err
	}
	return s.st.DeleteResource(ctx, KindAgency, domainID, r.ID)
}

// AssumeRole issues temporary credentials in the delegating account
// (named by domainID or domainName; both given must agree) through its
// agency agencyName, for the caller, valid for d but never past the
// agency's end or the caller's own temporary credentials, narrowed by
// session (optional). Every reason the agency cannot be used is ErrAgency.
func (s *Service) AssumeRole(ctx context.Context, caller Identity, domainID, domainName, agencyName string, d time.Duration, session *Policy) (TempCredential, error) {
	if caller.Agency != "" {
		return TempCredential{}, agencyErr("credentials obtained through agency %s cannot assume another", caller.Agency)
	}
	var dom store.Domain
	var err error
	switch {
	case domainID != "":
		dom, err = s.st.GetDomain(ctx, domainID)
		if err == nil && domainName != "" && dom.Name != domainName {
			return TempCredential{}, agencyErr("domain_id %s is not the account %q", domainID, domainName)
		}
	default:
		dom, err = s.st.GetDomainByName(ctx, domainName)
	}
	if errors.Is(err, store.ErrNotFound) {
		return TempCredential{}, agencyErr("no delegating account %q%s", domainID, domainName)
	}
	if err != nil {
		return TempCredential{}, err
	}
	a, err := s.GetAgency(ctx, dom.ID, agencyName)
	if errors.Is(err, store.ErrNotFound) {
		return TempCredential{}, agencyErr("account %s has no agency %q", dom.ID, agencyName)
	}
	if err != nil {
		return TempCredential{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	if err := a.usable(caller.Domain.ID, now); err != nil {
		return TempCredential{}, err
	}
	c := TempClaims{AK: NewAK(), SK: NewSK(), UserID: caller.User.ID, DomainID: dom.ID, IssuedAt: now, Expires: now.Add(d),
		Agency: a.ID, TrustDomain: caller.Domain.ID}
	if !a.ExpiresAt.IsZero() && a.ExpiresAt.Before(c.Expires) {
		c.Expires = a.ExpiresAt
	}
	return s.issue(ctx, caller, c, "agency", session)
}

// usable says why an agency cannot be assumed by an account at now.
func (a Agency) usable(trusteeDomain string, now time.Time) error {
	if !a.ExpiresAt.IsZero() && !now.Before(a.ExpiresAt) {
		return agencyErr("agency %s expired at %s", a.ID, a.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if a.TrustDomainID != trusteeDomain {
		return agencyErr("agency %s does not trust account %s", a.ID, trusteeDomain)
	}
	return nil
}

// agencyPolicy is the one policy holding every statement of the agency's
// policies, so that they grant together what each allows (a session
// policy, by contrast, must allow on its own). A policy deleted since
// grants nothing; with none left, nothing is allowed.
func (s *Service) agencyPolicy(ctx context.Context, a Agency) (Policy, error) {
	p := Policy{Version: "1.1"}
	for _, n := range a.Policies {
		np, err := s.GetPolicy(ctx, a.DomainID, n)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return Policy{}, err
		}
		p.Statement = append(p.Statement, np.Policy.Statement...)
	}
	return p, nil
}

// verifyAgency checks, for credentials obtained through an agency, that
// the agency still exists, has not expired and still trusts the account
// they were obtained by, and returns the identity they act as: the
// trusted account's user, in the delegating account, held to the
// agency's policies.
func (s *Service) verifyAgency(ctx context.Context, c TempClaims) (Identity, error) {
	r, err := s.st.GetResource(ctx, KindAgency, c.DomainID, c.Agency)
	if errors.Is(err, store.ErrNotFound) {
		return Identity{}, tempErr("%s: agency %s deleted", c.AK, c.Agency)
	}
	if err != nil {
		return Identity{}, err
	}
	a, err := decodeAgency(r)
	if err != nil {
		return Identity{}, err
	}
	if err := a.usable(c.TrustDomain, s.now()); err != nil {
		return Identity{}, tempErr("%s: %v", c.AK, err)
	}
	u, err := s.st.GetUser(ctx, c.UserID)
	if err == nil && u.DomainID != c.TrustDomain {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		return Identity{}, tempErr("%s: user %s gone", c.AK, c.UserID)
	}
	if err != nil {
		return Identity{}, err
	}
	d, err := s.st.GetDomain(ctx, c.DomainID)
	if errors.Is(err, store.ErrNotFound) {
		return Identity{}, tempErr("%s: account gone", c.AK)
	}
	if err != nil {
		return Identity{}, err
	}
	p, err := s.agencyPolicy(ctx, a)
	if err != nil {
		return Identity{}, err
	}
	// The user acts in the delegating account: never as its
	// administrator, and with no grants of its own there.
	u.DomainID, u.Admin = c.DomainID, false
	return Identity{Domain: d, User: u, Agency: a.ID, Session: []Policy{p}}, nil
}
