// Package iam holds accounts (domains), projects, users, AK/SK credentials
// and tokens, and answers the IAM endpoints the SDK calls.
package iam

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/aisd/aisd/internal/store"
)

// RootDomain and RootUser name the account that owns the server.
const (
	RootDomain = "root"
	RootUser   = "root"
)

// Service is IAM over a store.
type Service struct {
	st     store.Store
	seal   *Sealer
	ttl    time.Duration
	now    func() time.Time
	region string

	skMu   sync.RWMutex
	opened map[string]openedSK // by AK

	purgeMu sync.Mutex
	purged  map[string]time.Time // last purge of expired temporary credentials, by domain
}

// New returns the IAM service.
func New(st store.Store, seal *Sealer, region string, ttl time.Duration) *Service {
	return &Service{st: st, seal: seal, ttl: ttl, now: time.Now, region: region, opened: map[string]openedSK{}, purged: map[string]time.Time{}}
}

// Now is the service's clock (expiries are judged by it).
func (s *Service) Now() time.Time { return s.now() }

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Sealer returns the token/secret sealer.
func (s *Service) Sealer() *Sealer { return s.seal }

// Store returns the backing store.
func (s *Service) Store() store.Store { return s.st }

// NewID returns 32 lower-case hex digits (the cloud's id format).
func NewID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

const akAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
const skAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randString(alphabet string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// NewAK and NewSK generate credentials shaped like the cloud's (20 and 40 characters).
func NewAK() string { return randString(akAlphabet, 20) }
func NewSK() string { return randString(skAlphabet, 40) }

// Bootstrap is the result of preparing the root account.
type Bootstrap struct {
	Domain    store.Domain
	User      store.User
	Project   store.Project
	AK, SK    string
	Generated bool // the credentials were generated now and must be shown once
}

// EnsureRoot creates the root account, its default project (named after the
// region) and its credentials. Credentials given by the operator are
// registered if new; with none given, the first start generates a pair.
// The root user's password is the SK it was created with (MinIO-style).
func (s *Service) EnsureRoot(ctx context.Context, ak, sk string) (Bootstrap, error) {
	var b Bootstrap
	d, err := s.st.GetDomainByName(ctx, RootDomain)
	if errors.Is(err, store.ErrNotFound) {
		d = store.Domain{ID: NewID(), Name: RootDomain, State: store.StateActive, Paid: true, CreatedAt: s.now()}
		err = s.st.CreateDomain(ctx, d)
	}
	if err != nil {
		return b, fmt.Errorf("root domain: %w", err)
	}
	b.Domain = d
	ps, err := s.st.ListProjects(ctx, d.ID, s.region)
	if err != nil {
		return b, err
	}
	if len(ps) == 0 {
		p := store.Project{ID: NewID(), Name: s.region, DomainID: d.ID, CreatedAt: s.now()}
		if err := s.st.CreateProject(ctx, p); err != nil {
			return b, fmt.Errorf("default project: %w", err)
		}
		ps = []store.Project{p}
	}
	b.Project = ps[0]
	u, err := s.st.GetUserByName(ctx, d.ID, RootUser)
	userIsNew := errors.Is(err, store.ErrNotFound)
	if err != nil && !userIsNew {
		return b, err
	}
	if ak == "" {
		creds, err := s.st.ListCredentials(ctx, u.ID)
		if err != nil && !userIsNew {
			return b, err
		}
		if !userIsNew && len(creds) > 0 {
			b.User = u
			b.AK = creds[0].AK
			sk, err := s.SecretKey(ctx, b.AK)
			if err != nil {
				return b, err
			}
			b.SK = sk
			return b, nil
		}
		ak, sk, b.Generated = NewAK(), NewSK(), true
	}
	if userIsNew {
		u, err = s.newUser(d.ID, RootUser, sk, true)
		if err != nil {
			return b, err
		}
		if err := s.st.CreateUser(ctx, u); err != nil {
			return b, fmt.Errorf("root user: %w", err)
		}
	}
	b.User = u
	b.AK, b.SK = ak, sk
	if _, err := s.st.GetCredential(ctx, ak); errors.Is(err, store.ErrNotFound) {
		if err := s.addCredential(ctx, u, ak, sk, "root credentials"); err != nil {
			return b, err
		}
	} else if err != nil {
		return b, err
	}
	return b, nil
}

func (s *Service) newUser(domainID, name, password string, admin bool) (store.User, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return store.User{}, err
	}
	return store.User{ID: NewID(), DomainID: domainID, Name: name, PasswordHash: string(h), Admin: admin, CreatedAt: s.now()}, nil
}

func skAD(ak string) []byte { return []byte("aisd-sk:" + ak) }

func (s *Service) addCredential(ctx context.Context, u store.User, ak, sk, desc string) error {
	return s.st.CreateCredential(ctx, store.Credential{
		AK: ak, UserID: u.ID, DomainID: u.DomainID, SealedSK: s.seal.Seal([]byte(sk), skAD(ak)),
		Description: desc, CreatedAt: s.now(),
	})
}

// SecretKey returns the plain SK of an AK (store.ErrNotFound when unknown).
func (s *Service) SecretKey(ctx context.Context, ak string) (string, error) {
	sk, _, err := s.OpenCredential(ctx, ak)
	return sk, err
}

// OpenCredential is SecretKey that also returns the credential it read,
// for IdentityForCredential: a signed call reads its credential once.
func (s *Service) OpenCredential(ctx context.Context, ak string) (string, store.Credential, error) {
	c, err := s.st.GetCredential(ctx, ak)
	if err != nil {
		return "", c, err
	}
	sk, err := s.openSK(ak, c)
	return sk, c, err
}

func (s *Service) openSK(ak string, c store.Credential) (string, error) {
	s.skMu.RLock()
	o, ok := s.opened[ak]
	s.skMu.RUnlock()
	if ok && o.sealed == string(c.SealedSK) {
		return o.sk, nil
	}
	sk, err := s.seal.Open(c.SealedSK, skAD(ak))
	if err != nil {
		return "", fmt.Errorf("credential %s: %w", ak, err)
	}
	s.skMu.Lock()
	if len(s.opened) >= 100_000 {
		clear(s.opened)
	}
	s.opened[ak] = openedSK{sealed: string(c.SealedSK), sk: string(sk)}
	s.skMu.Unlock()
	return string(sk), nil
}

// openedSK is an unsealed SK, kept with the sealed form it came from so a
// replaced credential is never answered with the old key.
type openedSK struct{ sealed, sk string }

// Identity is who is calling, as established by a token or a signature.
type Identity struct {
	Domain    store.Domain
	User      store.User
	ProjectID string // token scope; empty for AK/SK and domain-scoped tokens
	AK        string // set for AK/SK callers
	Scoped    bool   // token carries a project scope
	ByToken   bool

	// Temporary credentials (AK is then the temporary AK): what they
	// descend from, the session policies narrowing them, their expiry.
	Temporary   bool
	ParentAK    string
	Via         []string
	Session     []Policy
	TempExpires time.Time
	// Agency is set for credentials obtained through an agency of Domain;
	// User is then a user of TrustDomain (see AssumeRole).
	Agency      string
	TrustDomain string
}

// IdentityForAK loads the domain and user behind a credential.
func (s *Service) IdentityForAK(ctx context.Context, ak string) (Identity, error) {
	c, err := s.st.GetCredential(ctx, ak)
	if err != nil {
		return Identity{}, err
	}
	return s.identity(ctx, c.UserID, c.DomainID)
}

// IdentityForCredential is IdentityForAK for a credential already read.
func (s *Service) IdentityForCredential(ctx context.Context, c store.Credential) (Identity, error) {
	return s.identity(ctx, c.UserID, c.DomainID)
}

func (s *Service) identity(ctx context.Context, userID, domainID string) (Identity, error) {
	u, err := s.st.GetUser(ctx, userID)
	if err != nil {
		return Identity{}, err
	}
	d, err := s.st.GetDomain(ctx, domainID)
	if err != nil {
		return Identity{}, err
	}
	return Identity{Domain: d, User: u}, nil
}

// IdentityForClaims loads a token's subject; a token whose user, domain or
// project no longer exists fails with store.ErrNotFound.
func (s *Service) IdentityForClaims(ctx context.Context, c Claims) (Identity, error) {
	id, err := s.identity(ctx, c.UserID, c.DomainID)
	if err != nil {
		return id, err
	}
	if c.ProjectID != "" {
		p, err := s.st.GetProject(ctx, c.ProjectID)
		if err != nil {
			return id, err
		}
		if p.DomainID != c.DomainID {
			return id, store.ErrNotFound
		}
		id.ProjectID, id.Scoped = p.ID, true
	}
	id.ByToken = true
	return id, nil
}

// ErrBadPassword is returned for a wrong user name or password.
var ErrBadPassword = errors.New("iam: user name or password is incorrect")

// Scope selects what a token is for: a project (by id, or by name in the
// user's domain) or the domain itself.
type Scope struct {
	ProjectID, ProjectName string
	Domain                 bool
}

// PasswordToken authenticates a user and issues a token.
func (s *Service) PasswordToken(ctx context.Context, domainName, userName, password string, sc Scope) (string, Claims, store.Domain, store.User, store.Project, error) {
	var (
		c Claims
		p store.Project
	)
	d, err := s.st.GetDomainByName(ctx, domainName)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = ErrBadPassword
		}
		return "", c, d, store.User{}, p, err
	}
	u, err := s.st.GetUserByName(ctx, d.ID, userName)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = ErrBadPassword
		}
		return "", c, d, u, p, err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return "", c, d, u, p, ErrBadPassword
	}
	switch {
	case sc.ProjectID != "":
		p, err = s.st.GetProject(ctx, sc.ProjectID)
		if err == nil && p.DomainID != d.ID {
			err = store.ErrNotFound
		}
	case sc.ProjectName != "":
		var ps []store.Project
		ps, err = s.st.ListProjects(ctx, d.ID, sc.ProjectName)
		if err == nil && len(ps) == 0 {
			err = store.ErrNotFound
		}
		if err == nil {
			p = ps[0]
		}
	}
	if err != nil {
		return "", c, d, u, p, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	c = Claims{UserID: u.ID, DomainID: d.ID, ProjectID: p.ID, Methods: []string{"password"}, IssuedAt: now, ExpiresAt: now.Add(s.ttl)}
	tok, err := s.seal.IssueToken(c)
	return tok, c, d, u, p, err
}

// CreateDomain creates an account with an administrator-less first user and
// a project named after the region.
func (s *Service) CreateDomain(ctx context.Context, name string, paid bool) (store.Domain, store.Project, error) {
	d := store.Domain{ID: NewID(), Name: name, State: store.StateActive, Paid: paid, CreatedAt: s.now()}
	if err := s.st.CreateDomain(ctx, d); err != nil {
		return d, store.Project{}, err
	}
	p := store.Project{ID: NewID(), Name: s.region, DomainID: d.ID, CreatedAt: s.now()}
	return d, p, s.st.CreateProject(ctx, p)
}

// CreateProject adds a project to a domain.
func (s *Service) CreateProject(ctx context.Context, domainID, name string) (store.Project, error) {
	if _, err := s.st.GetDomain(ctx, domainID); err != nil {
		return store.Project{}, err
	}
	p := store.Project{ID: NewID(), Name: name, DomainID: domainID, CreatedAt: s.now()}
	return p, s.st.CreateProject(ctx, p)
}

// CreateUser adds a user with a password.
func (s *Service) CreateUser(ctx context.Context, domainID, name, password string, admin bool) (store.User, error) {
	if _, err := s.st.GetDomain(ctx, domainID); err != nil {
		return store.User{}, err
	}
	u, err := s.newUser(domainID, name, password, admin)
	if err != nil {
		return u, err
	}
	return u, s.st.CreateUser(ctx, u)
}

// CreateCredential issues a new AK/SK for a user; the SK is returned only here.
func (s *Service) CreateCredential(ctx context.Context, userID, desc string) (string, string, error) {
	u, err := s.st.GetUser(ctx, userID)
	if err != nil {
		return "", "", err
	}
	ak, sk := NewAK(), NewSK()
	return ak, sk, s.addCredential(ctx, u, ak, sk, desc)
}

// ErrBadKeyPair is ImportCredential's answer for an AK or SK that does not
// look like one.
var ErrBadKeyPair = errors.New("access key must be 8 to 128 upper-case letters and digits, secret key 16 to 128 printable characters without spaces")

// ImportCredential registers an AK/SK chosen by the operator for a user (a
// seed file's fixed test credentials), as EnsureRoot does for the root's.
func (s *Service) ImportCredential(ctx context.Context, userID, ak, sk, desc string) error {
	if !validImported(ak, sk) {
		return ErrBadKeyPair
	}
	u, err := s.st.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	return s.addCredential(ctx, u, ak, sk, desc)
}

func validImported(ak, sk string) bool {
	if len(ak) < 8 || len(ak) > 128 || len(sk) < 16 || len(sk) > 128 {
		return false
	}
	for _, c := range ak {
		if !strings.ContainsRune(akAlphabet, c) {
			return false
		}
	}
	for _, c := range sk {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}
