package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/gateway/routes"
	"github.com/aisd/aisd/internal/gateway/signer"
	"github.com/aisd/aisd/internal/platform/iam"
	"github.com/aisd/aisd/internal/store"
)

// The APIG.0301 detail texts, as the cloud's gateway words them.
const (
	msgIAMPrefix     = "Incorrect IAM authentication information: "
	msgTokenMissing  = msgIAMPrefix + "x-auth-token not found"
	msgDecryptToken  = msgIAMPrefix + "decrypt token fail"
	msgTokenExpires  = msgIAMPrefix + "token expires, expires_at: %s"
	msgVerifyAKSK    = msgIAMPrefix + "verify aksk signature fail"
	msgAKNotExist    = msgIAMPrefix + "Get secretKey failed,ak:%s,err:ak not exist"
	msgAKLocked      = msgIAMPrefix + "AK access failed to reach the limit,forbidden"
	msgUserLocked    = msgIAMPrefix + "user access failed to reach the limit,forbidden"
	msgRequestExpire = msgVerifyAKSK + ", the request date is out of the allowed time window"
)

func apig0301(msg string, args ...any) *catalog.Error {
	return catalog.New(catalog.APIG0301).WithMsg(msg, args...)
}

// lockout counts consecutive authentication failures per credential (an
// AK, or a password login's domain and user name) and locks one that
// reaches the limit: failures failures in a row lock it for dur, and the
// attempts that follow are refused without being checked.
//
// Password logins are counted under names the caller chose, existing or
// not, so the table is bounded (maxKeys): see shrink.
type lockout struct {
	mu       sync.Mutex
	failures int
	dur      time.Duration
	maxKeys  int
	m        map[string]*akState
}

type akState struct {
	fails  int
	until  time.Time
	lastAt time.Time
}

func newLockout(failures int, dur time.Duration) *lockout {
	return &lockout{failures: failures, dur: dur, maxKeys: 100000, m: map[string]*akState{}}
}

func (l *lockout) locked(ak string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.m[ak]
	return s != nil && now.Before(s.until)
}

func (l *lockout) fail(ak string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.m[ak]
	if s == nil {
		if len(l.m) >= l.maxKeys {
			l.shrink(now)
		}
		s = &akState{}
		l.m[ak] = s
	}
	if !s.until.IsZero() && !now.Before(s.until) { // lock served: start over
		s.fails, s.until = 0, time.Time{}
	}
	s.fails++
	s.lastAt = now
	if s.fails >= l.failures {
		s.until = now.Add(l.dur)
	}
}

func (l *lockout) succeed(ak string) {
	l.mu.Lock()
	delete(l.m, ak)
	l.mu.Unlock()
}

// shrink makes room for new keys under a spray of names: first it drops
// the entries that no longer matter (no lock running, last failure older
// than a lock), then, if the spray is faster than they age, arbitrary
// entries without a running lock, and only then locked ones, until a tenth
// of the table is free, so that the scans are spread over many failures.
// Forgetting a count only lets that name start over; a running lock is
// kept as long as anything else can go. Called with l.mu held.
func (l *lockout) shrink(now time.Time) {
	target := l.maxKeys - l.maxKeys/10
	for k, s := range l.m {
		if now.Sub(s.lastAt) > l.dur && !now.Before(s.until) {
			delete(l.m, k)
		}
	}
	for k, s := range l.m {
		if len(l.m) <= target {
			return
		}
		if !now.Before(s.until) {
			delete(l.m, k)
		}
	}
	for k := range l.m {
		if len(l.m) <= target {
			return
		}
		delete(l.m, k)
	}
}

// jsonBody is the content type of the management APIs' bodies.
const jsonBody = "application/json"

// authenticate establishes the caller from an AK/SK signature or a token.
// bodyType is the content type the endpoint takes (the SDK's, for service
// routes): it decides whether an unsigned body may be accepted.
func (g *Gateway) authenticate(ctx context.Context, r *http.Request, body []byte, bodyType string) (iam.Identity, error) {
	now := g.now()
	if r.Header.Get("Authorization") != "" {
		return g.authAKSK(ctx, r, body, bodyType, now)
	}
	vals, present := r.Header["X-Auth-Token"]
	if !present {
		return iam.Identity{}, apig0301(msgTokenMissing)
	}
	tok := ""
	if len(vals) > 0 {
		tok = vals[0]
	}
	if tok == "" {
		return iam.Identity{}, catalog.E(catalog.KindTokenEmpty)
	}
	claims, err := g.iam.Sealer().ParseToken(tok, now)
	switch {
	case errors.Is(err, iam.ErrTokenMalformed):
		return iam.Identity{}, catalog.E(catalog.KindTokenInvalid).Wrap(err)
	case errors.Is(err, iam.ErrTokenDecrypt):
		return iam.Identity{}, apig0301(msgDecryptToken)
	case errors.Is(err, iam.ErrTokenParse):
		return iam.Identity{}, catalog.E(catalog.KindTokenParse).Wrap(err)
	case errors.Is(err, iam.ErrTokenExpired):
		return iam.Identity{}, apig0301(msgTokenExpires, claims.ExpiresAt.UTC().Format("2006-01-02T15:04:05.000000Z"))
	case err != nil:
		return iam.Identity{}, err
	}
	id, err := g.iam.IdentityForClaims(ctx, claims)
	if errors.Is(err, store.ErrNotFound) {
		// Well-formed and sealed by us, but its subject is gone.
		return id, catalog.E(catalog.KindTokenExpired).Wrap(err)
	}
	return id, err
}

// unsignedBodyOK reports whether a request that declares its body
// UNSIGNED-PAYLOAD may be taken unsigned: only where the official SDK sends
// that marker, that is a request whose Content-Type is neither JSON nor BSON,
// to an endpoint that takes such a body (a file or stream upload). Every
// endpoint aisd serves today takes JSON, so the body is always bound; without
// this check a body swapped under a captured UNSIGNED-PAYLOAD request would
// reach the JSON handlers, which do not look at Content-Type.
func unsignedBodyOK(r *http.Request, bodyType string) bool {
	return signer.SDKSendsUnsigned(r.Header.Get("Content-Type")) && signer.SDKSendsUnsigned(bodyType)
}

func (g *Gateway) authAKSK(ctx context.Context, r *http.Request, body []byte, bodyType string, now time.Time) (iam.Identity, error) {
	a, err := signer.Parse(r)
	if err != nil {
		return iam.Identity{}, apig0301(msgVerifyAKSK).Wrap(err)
	}
	if g.lock.locked(a.AK, now) {
		return iam.Identity{}, apig0301(msgAKLocked)
	}
	if st := r.Header.Get(headerSecurityToken); st != "" {
		return g.authTemporary(ctx, r, body, bodyType, a, st, now)
	}
	sk, err := g.iam.SecretKey(ctx, a.AK)
	if errors.Is(err, store.ErrNotFound) {
		return iam.Identity{}, apig0301(msgAKNotExist, a.AK)
	}
	if err != nil {
		return iam.Identity{}, err
	}
	if a.BodyUnsigned(r) && !unsignedBodyOK(r, bodyType) {
		// The signature does not cover the body the endpoint will read: as
		// if the body hash were bound, it cannot match.
		g.lock.fail(a.AK, now)
		return iam.Identity{}, apig0301(msgVerifyAKSK).Wrap(fmt.Errorf(
			"%w: UNSIGNED-PAYLOAD is not accepted for a %q body on an API that takes %q", signer.ErrSignature, r.Header.Get("Content-Type"), bodyType))
	}
	if err := signer.Verify(r, body, a, sk, now); err != nil {
		g.lock.fail(a.AK, now)
		if errors.Is(err, signer.ErrExpired) {
			return iam.Identity{}, apig0301(msgRequestExpire).Wrap(err)
		}
		return iam.Identity{}, apig0301(msgVerifyAKSK).Wrap(err)
	}
	g.lock.succeed(a.AK)
	id, err := g.iam.IdentityForAK(ctx, a.AK)
	if err != nil {
		return id, err
	}
	id.AK = a.AK
	return id, nil
}

// headerSecurityToken carries the security token of temporary credentials;
// the SDK sends it (and signs it) when built WithSecurityToken.
const headerSecurityToken = "X-Security-Token"

// authTemporary authenticates a request signed with temporary credentials.
// The security token names the pair and carries its SK, so the signature
// is checked first, as for a permanent AK (a failure counts towards the
// AK's lock); a token that cannot be read, belongs to another AK, has
// expired or was revoked is the family's temporary-credential code
// (ModelArts.4107 "Get user temp ak sk error."), the reason in the log.
func (g *Gateway) authTemporary(ctx context.Context, r *http.Request, body []byte, bodyType string, a *signer.Auth, st string, now time.Time) (iam.Identity, error) {
	c, err := g.iam.OpenSecurityToken(st)
	if err != nil {
		return iam.Identity{}, catalog.E(catalog.KindTempCredentials).Wrap(err)
	}
	if c.AK != a.AK {
		return iam.Identity{}, catalog.E(catalog.KindTempCredentials).Wrap(fmt.Errorf("%w: the security token belongs to %s, the request is signed by %s", iam.ErrTemp, c.AK, a.AK))
	}
	if a.BodyUnsigned(r) && !unsignedBodyOK(r, bodyType) {
		g.lock.fail(a.AK, now)
		return iam.Identity{}, apig0301(msgVerifyAKSK).Wrap(fmt.Errorf(
			"%w: UNSIGNED-PAYLOAD is not accepted for a %q body on an API that takes %q", signer.ErrSignature, r.Header.Get("Content-Type"), bodyType))
	}
	if err := signer.Verify(r, body, a, c.SK, now); err != nil {
		g.lock.fail(a.AK, now)
		if errors.Is(err, signer.ErrExpired) {
			return iam.Identity{}, apig0301(msgRequestExpire).Wrap(err)
		}
		return iam.Identity{}, apig0301(msgVerifyAKSK).Wrap(err)
	}
	g.lock.succeed(a.AK)
	id, err := g.iam.VerifyTemporary(ctx, c)
	if errors.Is(err, iam.ErrTemp) {
		return id, catalog.E(catalog.KindTempCredentials).Wrap(err)
	}
	return id, err
}

// authorizeProject checks that the caller may act in the project named in
// the URL, and that the account may call at all.
func (g *Gateway) authorizeProject(ctx context.Context, id iam.Identity, r *http.Request, projectID string) error {
	switch id.Domain.State {
	case store.StateFrozen:
		return catalog.E(catalog.KindAccountFrozen)
	case store.StateRestricted:
		return catalog.E(catalog.KindAccountRestrict)
	}
	if projectID == "" {
		return nil
	}
	if id.ByToken {
		if !id.Scoped {
			return catalog.E(catalog.KindTokenScope)
		}
		if id.ProjectID != projectID {
			return catalog.E(catalog.KindProjectMismatch)
		}
		return nil
	}
	if h := r.Header.Get("X-Project-Id"); h != "" && h != projectID {
		return catalog.E(catalog.KindProjectMismatch)
	}
	p, err := g.iam.Store().GetProject(ctx, projectID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.DomainID != id.Domain.ID) {
		return catalog.E(catalog.KindProjectMismatch)
	}
	return err
}

// authorizeAction checks the caller's permission policies for the API
// (iam.Service.Authorize; a user without policies is unrestricted). A user
// granted nothing of the service is refused by the gateway itself,
// APIG.0302 "The IAM user is not authorized to access the API."; one
// granted part of the service but not this operation (or denied it
// explicitly) is refused with the family's permission code, as the
// service would: AIS.0004 for Image Recognition and Moderation,
// ModelArts.4203 for OCR.
func (g *Gateway) authorizeAction(ctx context.Context, id iam.Identity, rt *routes.Route, projectID string) error {
	action := rt.Action()
	d, err := g.iam.Authorize(ctx, id, projectID, action)
	switch {
	case err != nil:
		return err
	case d == iam.DenyService:
		return catalog.New(catalog.APIG0302).Wrap(fmt.Errorf("no policy of user %s grants %s", id.User.ID, action))
	case d == iam.DenyAction:
		return catalog.E(catalog.KindForbidden).Wrap(fmt.Errorf("the policies of user %s do not allow %s", id.User.ID, action))
	}
	return nil
}
