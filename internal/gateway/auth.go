package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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

// lockoutErr is the answer when the failure counters cannot be read or
// written (a shared Redis that went away): the call is refused rather than
// let through uncounted.
func lockoutErr(err error) error {
	return catalog.E(catalog.KindInternal).Wrap(fmt.Errorf("authentication failure counters: %w", err))
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
	// Nothing keeps a past this call (its strings are the header's).
	defer a.Release()
	if locked, err := g.lock.Locked(ctx, a.AK, now); err != nil {
		return iam.Identity{}, lockoutErr(err)
	} else if locked {
		return iam.Identity{}, apig0301(msgAKLocked)
	}
	if st := r.Header.Get(headerSecurityToken); st != "" {
		return g.authTemporary(ctx, r, body, bodyType, a, st, now)
	}
	sk, cred, err := g.iam.OpenCredential(ctx, a.AK)
	if errors.Is(err, store.ErrNotFound) {
		return iam.Identity{}, apig0301(msgAKNotExist, a.AK)
	}
	if err != nil {
		return iam.Identity{}, err
	}
	if a.BodyUnsigned(r) && !unsignedBodyOK(r, bodyType) {
		// The signature does not cover the body the endpoint will read: as
		// if the body hash were bound, it cannot match.
		if err := g.lock.Fail(ctx, a.AK, now); err != nil {
			return iam.Identity{}, lockoutErr(err)
		}
		return iam.Identity{}, apig0301(msgVerifyAKSK).Wrap(fmt.Errorf(
			"%w: UNSIGNED-PAYLOAD is not accepted for a %q body on an API that takes %q", signer.ErrSignature, r.Header.Get("Content-Type"), bodyType))
	}
	if err := signer.Verify(r, body, a, sk, now); err != nil {
		if err := g.lock.Fail(ctx, a.AK, now); err != nil {
			return iam.Identity{}, lockoutErr(err)
		}
		if errors.Is(err, signer.ErrExpired) {
			return iam.Identity{}, apig0301(msgRequestExpire).Wrap(err)
		}
		return iam.Identity{}, apig0301(msgVerifyAKSK).Wrap(err)
	}
	if err := g.lock.Succeed(ctx, a.AK); err != nil {
		return iam.Identity{}, lockoutErr(err)
	}
	id, err := g.iam.IdentityForCredential(ctx, cred)
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
		if err := g.lock.Fail(ctx, a.AK, now); err != nil {
			return iam.Identity{}, lockoutErr(err)
		}
		return iam.Identity{}, apig0301(msgVerifyAKSK).Wrap(fmt.Errorf(
			"%w: UNSIGNED-PAYLOAD is not accepted for a %q body on an API that takes %q", signer.ErrSignature, r.Header.Get("Content-Type"), bodyType))
	}
	if err := signer.Verify(r, body, a, c.SK, now); err != nil {
		if err := g.lock.Fail(ctx, a.AK, now); err != nil {
			return iam.Identity{}, lockoutErr(err)
		}
		if errors.Is(err, signer.ErrExpired) {
			return iam.Identity{}, apig0301(msgRequestExpire).Wrap(err)
		}
		return iam.Identity{}, apig0301(msgVerifyAKSK).Wrap(err)
	}
	if err := g.lock.Succeed(ctx, a.AK); err != nil {
		return iam.Identity{}, lockoutErr(err)
	}
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
	return g.authorizeActionName(ctx, id, routes.ActionOf(rt), projectID)
}

// authorizeActionName is authorizeAction for an action by name (the
// inference services' "modelarts:service:create").
func (g *Gateway) authorizeActionName(ctx context.Context, id iam.Identity, action, projectID string) error {
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
