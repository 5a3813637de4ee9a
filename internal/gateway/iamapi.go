package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/iam"
	"github.com/aisd/aisd/internal/store"
)

// The Keystone-style token request the IAM API documents.
type tokenRequest struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password struct {
				User struct {
					Name     string `json:"name"`
					Password string `json:"password"`
					Domain   struct {
						Name string `json:"name"`
						ID   string `json:"id"`
					} `json:"domain"`
				} `json:"user"`
			} `json:"password"`
		} `json:"identity"`
		Scope struct {
			Project *struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"project"`
			Domain *struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"domain"`
		} `json:"scope"`
	} `json:"auth"`
}

type idName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type tokenProject struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Domain idName `json:"domain"`
}

type tokenBody struct {
	Token struct {
		ExpiresAt string        `json:"expires_at"`
		IssuedAt  string        `json:"issued_at"`
		Methods   []string      `json:"methods"`
		Project   *tokenProject `json:"project,omitempty"`
		Domain    *idName       `json:"domain,omitempty"`
		User      struct {
			ID     string `json:"id"`
			Name   string `json:"name"`
			Domain idName `json:"domain"`
		} `json:"user"`
		Roles   []idName `json:"roles"`
		Catalog []any    `json:"catalog"`
	} `json:"token"`
}

const iamTime = "2006-01-02T15:04:05.000000Z"

const msgBadPassword = msgIAMPrefix + "user name or password is incorrect"

// loginKey is the lockout key of a password login: the domain and user
// names as sent, length-prefixed so that no two pairs share a key.
func loginKey(domain, user string) string { return strconv.Itoa(len(domain)) + ":" + domain + user }

// Tokens serves POST /v3/auth/tokens (password method).
func (g *Gateway) Tokens() http.Handler {
	return api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		body, err := readBody(r, 1<<20)
		if err != nil {
			return err
		}
		var req tokenRequest
		if err := json.Unmarshal(body, &req); err != nil {
			return catalog.E(catalog.KindBadJSON).Wrap(err)
		}
		id := req.Auth.Identity
		u := id.Password.User
		if !contains(id.Methods, "password") || u.Name == "" || u.Password == "" || (u.Domain.Name == "" && u.Domain.ID == "") {
			return apig0301(msgIAMPrefix + "the request must use the password method with user name, password and domain")
		}
		now := g.now()
		domainName := u.Domain.Name
		if domainName == "" {
			d, err := g.iam.Store().GetDomain(r.Context(), u.Domain.ID)
			switch {
			case errors.Is(err, store.ErrNotFound):
				// An unknown domain is a wrong password that is counted and
				// locked like any other, so the answers never tell it apart.
				key := loginKey("\x00id:"+u.Domain.ID, u.Name)
				if locked, err := g.pwLock.Locked(r.Context(), key, now); err != nil {
					return lockoutErr(err)
				} else if locked {
					return apig0301(msgUserLocked)
				}
				if err := g.pwLock.Fail(r.Context(), key, now); err != nil {
					return lockoutErr(err)
				}
				return apig0301(msgBadPassword)
			case err != nil:
				return err
			}
			domainName = d.Name
		}
		// The lock is keyed by the names the caller sent, whether or not
		// they exist, and checked before the password.
		key := loginKey(domainName, u.Name)
		if locked, err := g.pwLock.Locked(r.Context(), key, now); err != nil {
			return lockoutErr(err)
		} else if locked {
			return apig0301(msgUserLocked)
		}
		var sc iam.Scope
		switch s := req.Auth.Scope; {
		case s.Project != nil:
			sc.ProjectID, sc.ProjectName = s.Project.ID, s.Project.Name
			if sc.ProjectID == "" && sc.ProjectName == "" {
				return apig0301(msgIAMPrefix + "scope.project needs an id or a name")
			}
		default: // domain scope, explicit or by default
			sc.Domain = true
		}
		tok, claims, d, usr, p, err := g.iam.PasswordToken(r.Context(), domainName, u.Name, u.Password, sc)
		switch {
		case errors.Is(err, iam.ErrBadPassword):
			if err := g.pwLock.Fail(r.Context(), key, now); err != nil {
				return lockoutErr(err)
			}
			return apig0301(msgBadPassword)
		case errors.Is(err, store.ErrNotFound):
			// The password was right; only the scope is wrong.
			if err := g.pwLock.Succeed(r.Context(), key); err != nil {
				return lockoutErr(err)
			}
			return apig0301(msgIAMPrefix + "the project in scope does not exist")
		case err != nil:
			return err
		}
		if err := g.pwLock.Succeed(r.Context(), key); err != nil {
			return lockoutErr(err)
		}
		var out tokenBody
		t := &out.Token
		t.ExpiresAt = claims.ExpiresAt.UTC().Format(iamTime)
		t.IssuedAt = claims.IssuedAt.UTC().Format(iamTime)
		t.Methods = claims.Methods
		dom := idName{ID: d.ID, Name: d.Name}
		if p.ID != "" {
			t.Project = &tokenProject{ID: p.ID, Name: p.Name, Domain: dom}
		} else {
			t.Domain = &dom
		}
		t.User.ID, t.User.Name, t.User.Domain = usr.ID, usr.Name, dom
		t.Roles = []idName{{ID: "0", Name: "op_service"}}
		if usr.Admin {
			t.Roles = append(t.Roles, idName{ID: "1", Name: "te_admin"})
		}
		t.Catalog = []any{}
		w.Header().Set("X-Subject-Token", tok)
		api.WriteJSON(w, http.StatusCreated, out)
		return nil
	})
}

// Projects serves GET /v3/projects?name=REGION, as the SDK calls it to
// discover the project id: the caller's domain's projects.
func (g *Gateway) Projects() http.Handler {
	return g.Authenticated(api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, _ := IdentityFrom(r.Context())
		ps, err := g.iam.Store().ListProjects(r.Context(), id.Domain.ID, r.URL.Query().Get("name"))
		if err != nil {
			return err
		}
		type project struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			DomainID    string `json:"domain_id"`
			ParentID    string `json:"parent_id"`
			Enabled     bool   `json:"enabled"`
			IsDomain    bool   `json:"is_domain"`
			Description string `json:"description"`
		}
		out := struct {
			Projects []project `json:"projects"`
			Links    struct {
				Self string `json:"self"`
			} `json:"links"`
		}{Projects: []project{}}
		for _, p := range ps {
			out.Projects = append(out.Projects, project{ID: p.ID, Name: p.Name, DomainID: p.DomainID, ParentID: p.DomainID, Enabled: true})
		}
		out.Links.Self = r.URL.String()
		api.WriteJSON(w, http.StatusOK, out)
		return nil
	}))
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// securityTokenRequest is the body of POST /v3.0/OS-CREDENTIAL/securitytokens
// as the IAM API documents it (the SDK's iam/v3
// CreateTemporaryAccessKeyByTokenRequestBody): methods ["token"], the token
// optional in the body (the header is preferred), duration_seconds, and an
// optional session policy kept raw so that it is parsed strictly.
type securityTokenRequest struct {
	Auth struct {
		Identity struct {
			Methods []string `json:"methods"`
			Token   *struct {
				ID              string `json:"id"`
				DurationSeconds *int64 `json:"duration_seconds"`
			} `json:"token"`
			// AssumeRole is the agency method's (the SDK's
			// CreateTemporaryAccessKeyByAgency, IdentityAssumerole).
			AssumeRole *struct {
				AgencyName      string `json:"agency_name"`
				DomainID        string `json:"domain_id"`
				DomainName      string `json:"domain_name"`
				DurationSeconds *int64 `json:"duration_seconds"`
				SessionUser     *struct {
					Name string `json:"name"`
				} `json:"session_user"`
			} `json:"assume_role"`
			Policy json.RawMessage `json:"policy"`
		} `json:"identity"`
	} `json:"auth"`
}

type securityTokenBody struct {
	Credential struct {
		ExpiresAt     string `json:"expires_at"`
		Access        string `json:"access"`
		Secret        string `json:"secret"`
		Securitytoken string `json:"securitytoken"`
	} `json:"credential"`
}

// SecurityTokens serves POST /v3.0/OS-CREDENTIAL/securitytokens: temporary
// credentials for the caller, authenticated by a token (X-Auth-Token, or
// auth.identity.token.id when no header is sent) or an AK/SK signature —
// temporary credentials included, whose children never outlive them.
// With the method "assume_role" the credentials are the delegating
// account's, through its agency (iam.Service.AssumeRole).
func (g *Gateway) SecurityTokens() http.Handler {
	return api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		body, err := readBody(r, 1<<20)
		if err != nil {
			return err
		}
		// The caller is authenticated before the body is judged (a
		// stranger learns nothing from the validation); the body is
		// decoded first only for a token sent in it.
		var req securityTokenRequest
		jerr := json.Unmarshal(body, &req)
		ident := req.Auth.Identity
		_, hasTok := r.Header["X-Auth-Token"]
		if jerr == nil && !hasTok && r.Header.Get("Authorization") == "" && ident.Token != nil && ident.Token.ID != "" {
			r.Header.Set("X-Auth-Token", ident.Token.ID)
		}
		id, err := g.authenticate(r.Context(), r, body, jsonBody)
		if err == nil {
			err = g.authorizeProject(r.Context(), id, r, "")
		}
		if err != nil {
			return err
		}
		// Content-Type is mandatory (application/json;charset=utf8).
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != jsonBody {
			return catalog.E(catalog.KindMissingHeader, "Content-Type").Wrap(fmt.Errorf("Content-Type %.60q", r.Header.Get("Content-Type")))
		}
		if jerr != nil {
			return catalog.E(catalog.KindBadJSON).Wrap(jerr)
		}
		if len(ident.Methods) != 1 || (ident.Methods[0] != "token" && ident.Methods[0] != "assume_role") {
			return catalog.New(catalog.AIP0007, "auth.identity.methods")
		}
		agency := ident.Methods[0] == "assume_role"
		var seconds *int64
		switch {
		case agency && ident.AssumeRole == nil:
			return catalog.New(catalog.AIP0006, "auth.identity.assume_role")
		case agency && strings.TrimSpace(ident.AssumeRole.AgencyName) == "":
			return catalog.New(catalog.AIP0006, "auth.identity.assume_role.agency_name")
		case agency && ident.AssumeRole.DomainID == "" && ident.AssumeRole.DomainName == "":
			return catalog.New(catalog.AIP0006, "auth.identity.assume_role.domain_id")
		case agency:
			seconds = ident.AssumeRole.DurationSeconds
		case ident.Token != nil:
			seconds = ident.Token.DurationSeconds
		}
		d := iam.DefaultTempDuration
		if seconds != nil {
			n := *seconds
			lo, hi := int64(iam.MinTempDuration/time.Second), int64(iam.MaxTempDuration/time.Second)
			if n < lo || n > hi {
				return catalog.New(catalog.AIP0010, "duration_seconds", strconv.FormatInt(n, 10), strconv.FormatInt(lo, 10), strconv.FormatInt(hi, 10))
			}
			d = time.Duration(n) * time.Second
		}
		var session *iam.Policy
		if len(ident.Policy) > 0 && string(ident.Policy) != "null" {
			p, err := iam.ParsePolicy(ident.Policy)
			if err != nil {
				return catalog.New(catalog.AIP0016, err.Error()).Wrap(err)
			}
			session = &p
		}
		var c iam.TempCredential
		if agency {
			ar := ident.AssumeRole
			c, err = g.iam.AssumeRole(r.Context(), id, ar.DomainID, ar.DomainName, ar.AgencyName, d, session)
			if errors.Is(err, iam.ErrAgency) {
				// AIP.0018 "Unable to get agency.": no such account or
				// agency, the agency expired or does not trust the caller.
				return catalog.New(catalog.AIP0018).Wrap(err)
			}
		} else {
			c, err = g.iam.IssueTemporary(r.Context(), id, d, session)
		}
		if err != nil {
			return err
		}
		var out securityTokenBody
		out.Credential.ExpiresAt = c.ExpiresAt.UTC().Format(iamTime)
		out.Credential.Access, out.Credential.Secret, out.Credential.Securitytoken = c.AK, c.SK, c.SecurityToken
		api.WriteJSON(w, http.StatusCreated, out)
		return nil
	})
}
