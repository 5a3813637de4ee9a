package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/store"
)

// Temporary credentials (the IAM API's "temporary access key and
// securitytoken"): an AK/SK pair that lives from 15 minutes to 24 hours and
// is only accepted together with its security token in X-Security-Token.
//
// The security token is the pair's own claims (AK, SK, user, domain,
// expiry, session policies) sealed with the server key, as the cloud's is
// "the AK/SK and other information, encrypted": the gateway needs no store
// read to learn the SK. What it does read is the pair's record (a Resource
// of kind "sts", owned by the domain, keyed by the AK), so that a revoked
// pair stops working at once, and so that the pairs survive a restart and
// can be listed.

// KindSTS is the Resource kind of a temporary credential's record.
const KindSTS = "sts"

// The documented limits of duration_seconds (IAM API: 15 min to 24 h,
// default 15 min).
const (
	MinTempDuration     = 15 * time.Minute
	MaxTempDuration     = 24 * time.Hour
	DefaultTempDuration = 15 * time.Minute
)

// TempClaims is what a security token asserts.
type TempClaims struct {
	AK       string    `json:"a"`
	SK       string    `json:"s"`
	UserID   string    `json:"u"`
	DomainID string    `json:"d"`
	IssuedAt time.Time `json:"i"`
	Expires  time.Time `json:"e"`
	// ParentAK is the permanent AK the pair was obtained with (AK/SK
	// signed request): deleting it revokes the pair.
	ParentAK string `json:"p,omitempty"`
	// Via lists the temporary AKs the pair descends from (obtained with
	// temporary credentials): revoking any revokes the pair.
	Via []string `json:"v,omitempty"`
	// Session policies narrow what the pair may do: every one must allow
	// an action (the policy given at issuance, and those inherited).
	Session []Policy `json:"pol,omitempty"`
	// Agency is set for a pair obtained through an agency of DomainID
	// (see AssumeRole): the pair acts as UserID, a user of TrustDomain, held
	// to the agency's policies, while the agency lasts.
	Agency      string `json:"ag,omitempty"`
	TrustDomain string `json:"td,omitempty"`
}

// TempCredential is an issued pair, as the IAM API answers it.
type TempCredential struct {
	AK, SK, SecurityToken string
	ExpiresAt             time.Time
}

// stsRecord is the Body of a KindSTS resource.
type stsRecord struct {
	UserID    string    `json:"user_id"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Source    string    `json:"source"` // token, aksk or sts: what the caller presented
	ParentAK  string    `json:"parent_ak,omitempty"`
	Via       []string  `json:"via,omitempty"`
}

// TempInfo describes an active pair (the admin listing; never the SK).
type TempInfo struct {
	AK        string    `json:"access"`
	UserID    string    `json:"user_id"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Source    string    `json:"source"`
	ParentAK  string    `json:"parent_access,omitempty"`
}

// ErrTemp is the root of every reason a temporary credential is refused
// (unreadable, mismatched, expired, revoked): the gateway answers all of
// them alike, with the reason only in the log.
var ErrTemp = errors.New("iam: temporary credential")

func tempErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrTemp, fmt.Sprintf(format, args...))
}

var stsAD = []byte("aisd-sts-v1")

// IssueTemporary issues a pair for the caller id, valid for d (the caller
// checked the documented range) but never beyond the credentials it was
// obtained with, narrowed by session (optional). The pair's record is
// stored before the pair is returned.
func (s *Service) IssueTemporary(ctx context.Context, id Identity, d time.Duration, session *Policy) (TempCredential, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	c := TempClaims{AK: NewAK(), SK: NewSK(), UserID: id.User.ID, DomainID: id.Domain.ID,
		IssuedAt: now, Expires: now.Add(d)}
	if id.Agency != "" {
		// A pair obtained with agency credentials stays bound to the
		// agency; its user is the trusted account's.
		c.Agency, c.TrustDomain = id.Agency, id.TrustDomain
		// The agency's policy (the last, see VerifyTemporary) is read
		// again at every call, not sealed.
		if n := len(id.Session); n > 0 {
			id.Session = id.Session[:n-1]
		}
	}
	return s.issue(ctx, id, c, "token", session)
}

// issue completes claims c for the caller (what it descends from, its
// inherited session policies, an expiry within the caller's), stores the
// pair's record under c.DomainID and seals the security token. source
// says what the caller presented when it is neither AK/SK nor temporary.
func (s *Service) issue(ctx context.Context, id Identity, c TempClaims, source string, session *Policy) (TempCredential, error) {
	now := c.IssuedAt
	rec := stsRecord{UserID: c.UserID, IssuedAt: now, Source: source}
	switch {
	case id.Temporary:
		if rec.Source != "agency" {
			rec.Source = "sts"
		}
		c.ParentAK = id.ParentAK
		c.Via = append(append([]string(nil), id.Via...), id.AK)
		c.Session = append(c.Session, id.Session...)
		if id.TempExpires.Before(c.Expires) {
			c.Expires = id.TempExpires
		}
	case id.AK != "":
		if rec.Source != "agency" {
			rec.Source = "aksk"
		}
		c.ParentAK = id.AK
	}
	if session != nil {
		c.Session = append(c.Session, *session)
	}
	rec.ExpiresAt, rec.ParentAK, rec.Via = c.Expires, c.ParentAK, c.Via
	b, err := json.Marshal(c)
	if err != nil {
		return TempCredential{}, err
	}
	body, err := json.Marshal(rec)
	if err != nil {
		return TempCredential{}, err
	}
	s.purgeExpired(ctx, c.DomainID, now)
	if err := s.st.CreateResource(ctx, store.Resource{Kind: KindSTS, Owner: c.DomainID, ID: c.AK, Name: c.AK,
		Body: body, CreatedAt: now, UpdatedAt: now}); err != nil {
		return TempCredential{}, fmt.Errorf("temporary credential: %w", err)
	}
	tok := tokenEncoding.EncodeToString(s.seal.Seal(b, stsAD))
	return TempCredential{AK: c.AK, SK: c.SK, SecurityToken: tok, ExpiresAt: c.Expires}, nil
}

// purgeEvery spaces the purges of one domain's expired pairs, so that a
// burst of issuances does not list the domain's records each time.
const purgeEvery = time.Minute

// purgeExpired drops a domain's expired pairs, at most once per purgeEvery
// (best effort: a failure leaves records that are refused anyway and
// purged next time).
func (s *Service) purgeExpired(ctx context.Context, domainID string, now time.Time) {
	s.purgeMu.Lock()
	if last, ok := s.purged[domainID]; ok && now.Sub(last) < purgeEvery && !now.Before(last) {
		s.purgeMu.Unlock()
		return
	}
	if len(s.purged) >= 100_000 {
		clear(s.purged)
	}
	s.purged[domainID] = now
	s.purgeMu.Unlock()
	rs, err := s.st.ListResources(ctx, KindSTS, domainID)
	if err != nil {
		return
	}
	for _, r := range rs {
		var rec stsRecord
		if json.Unmarshal(r.Body, &rec) == nil && !now.Before(rec.ExpiresAt) {
			_ = s.st.DeleteResource(ctx, KindSTS, domainID, r.ID)
		}
	}
}

// OpenSecurityToken unseals a security token; it does not check expiry or
// revocation (VerifyTemporary does).
func (s *Service) OpenSecurityToken(tok string) (TempClaims, error) {
	var c TempClaims
	if len(tok) < 16 || strings.ContainsAny(tok, " \t\r\n") {
		return c, tempErr("security token malformed")
	}
	raw, err := tokenEncoding.DecodeString(tok)
	if err != nil {
		return c, tempErr("security token malformed")
	}
	plain, err := s.seal.Open(raw, stsAD)
	if err != nil {
		return c, tempErr("security token not issued by this server")
	}
	if err := json.Unmarshal(plain, &c); err != nil || c.AK == "" || c.SK == "" || c.UserID == "" || c.DomainID == "" {
		return TempClaims{}, tempErr("security token unreadable")
	}
	return c, nil
}

// VerifyTemporary checks that a pair, whose signature the caller verified
// with c.SK, is still in force: not expired, its record present, the
// credentials it descends from present too, its user still there, and
// for an agency pair the agency still usable. It returns the caller's
// identity.
func (s *Service) VerifyTemporary(ctx context.Context, c TempClaims) (Identity, error) {
	now := s.now()
	if !now.Before(c.Expires) {
		return Identity{}, tempErr("%s expired at %s", c.AK, c.Expires.UTC().Format(time.RFC3339))
	}
	// The records of an agency pair's ancestors may be the trusted
	// account's (obtained with its temporary credentials); AKs are unique,
	// so looking in both accounts finds exactly the one record.
	owners := []string{c.DomainID}
	if c.TrustDomain != "" {
		owners = append(owners, c.TrustDomain)
	}
	for _, ak := range append(append([]string(nil), c.Via...), c.AK) {
		if err := s.stsRecord(ctx, owners, ak); err != nil {
			return Identity{}, err
		}
	}
	if c.ParentAK != "" {
		if _, err := s.st.GetCredential(ctx, c.ParentAK); errors.Is(err, store.ErrNotFound) {
			return Identity{}, tempErr("%s: the access key %s it was obtained with was deleted", c.AK, c.ParentAK)
		} else if err != nil {
			return Identity{}, err
		}
	}
	var id Identity
	var err error
	if c.Agency != "" {
		id, err = s.verifyAgency(ctx, c)
		id.TrustDomain = c.TrustDomain
	} else {
		id, err = s.identity(ctx, c.UserID, c.DomainID)
		if errors.Is(err, store.ErrNotFound) {
			err = tempErr("%s: user or account gone", c.AK)
		}
	}
	if err != nil {
		return Identity{}, err
	}
	id.AK, id.Temporary, id.ParentAK, id.Via, id.TempExpires = c.AK, true, c.ParentAK, c.Via, c.Expires
	// The agency's policy (put there by verifyAgency) comes last.
	id.Session = append(append([]Policy(nil), c.Session...), id.Session...)
	return id, nil
}

// stsRecord checks that the record of a temporary AK is still there,
// under one of owners.
func (s *Service) stsRecord(ctx context.Context, owners []string, ak string) error {
	for _, o := range owners {
		_, err := s.st.GetResource(ctx, KindSTS, o, ak)
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return tempErr("%s revoked", ak)
}

// ListTemporary lists a domain's pairs in force.
func (s *Service) ListTemporary(ctx context.Context, domainID string) ([]TempInfo, error) {
	rs, err := s.st.ListResources(ctx, KindSTS, domainID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []TempInfo{}
	for _, r := range rs {
		var rec stsRecord
		if err := json.Unmarshal(r.Body, &rec); err != nil {
			return nil, fmt.Errorf("temporary credential %s: %w", r.ID, err)
		}
		if !now.Before(rec.ExpiresAt) {
			continue
		}
		out = append(out, TempInfo{AK: r.ID, UserID: rec.UserID, IssuedAt: rec.IssuedAt, ExpiresAt: rec.ExpiresAt,
			Source: rec.Source, ParentAK: rec.ParentAK})
	}
	return out, nil
}

// RevokeTemporary deletes a pair's record: the pair, and every pair
// obtained with it, is refused from then on.
func (s *Service) RevokeTemporary(ctx context.Context, domainID, ak string) error {
	return s.st.DeleteResource(ctx, KindSTS, domainID, ak)
}
