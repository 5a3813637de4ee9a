package server_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"testing"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/store"
)

// scoped is a server with a tenant account whose administrator ("ops")
// and plain user ("dev") each hold a credential, next to the root account.
type scoped struct {
	e                          *env
	root, ops, dev             *admin.Client
	tenantDomain, tenantProj   string
	rootDomain, rootProj       string
	rootUser, opsUser, devUser string
}

func newScoped(t *testing.T) *scoped {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	s := &scoped{e: e, root: &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK},
		rootDomain: e.s.Root.Domain.ID, rootProj: e.s.Root.Project.ID, rootUser: e.s.Root.User.ID}
	var created struct {
		Domain  admin.Domain  `json:"domain"`
		Project admin.Project `json:"project"`
	}
	if err := s.root.Do(ctx, "POST", "/v1/admin/domains", nil, map[string]any{"name": "acme"}, &created); err != nil {
		t.Fatal(err)
	}
	s.tenantDomain, s.tenantProj = created.Domain.ID, created.Project.ID
	user := func(name string, isAdmin bool) (string, *admin.Client) {
		var u struct {
			User admin.User `json:"user"`
		}
		if err := s.root.Do(ctx, "POST", "/v1/admin/domains/"+s.tenantDomain+"/users", nil, map[string]any{"name": name, "password": "password123", "admin": isAdmin}, &u); err != nil {
			t.Fatal(err)
		}
		var cr struct {
			Credential admin.Credential `json:"credential"`
		}
		if err := s.root.Do(ctx, "POST", "/v1/admin/users/"+u.User.ID+"/credentials", nil, nil, &cr); err != nil {
			t.Fatal(err)
		}
		return u.User.ID, &admin.Client{Endpoint: e.srv.URL, AK: cr.Credential.AK, SK: cr.Credential.SK}
	}
	s.opsUser, s.ops = user("ops", true)
	s.devUser, s.dev = user("dev", false)
	return s
}

// wantUnauthorized asserts the answer a caller gets for what its scope
// does not reach.
func wantUnauthorized(t *testing.T, err error) {
	t.Helper()
	var ae *admin.APIError
	if !errors.As(err, &ae) || ae.Status != 401 || ae.Code != "AIP.0003" || ae.Msg != "The request is unauthorized." {
		t.Fatalf("got %v, want 401 AIP.0003 The request is unauthorized.", err)
	}
}

func domainIDs(t *testing.T, c *admin.Client) []string {
	t.Helper()
	var out struct {
		Domains []admin.Domain `json:"domains"`
	}
	if err := c.Do(context.Background(), "GET", "/v1/admin/domains", nil, nil, &out); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range out.Domains {
		ids = append(ids, d.ID)
	}
	return ids
}

// A tenant account's administrator lists only its own domain; the root
// account's lists every domain.
func TestAdminListDomainsScoped(t *testing.T) {
	s := newScoped(t)
	if got := domainIDs(t, s.ops); !slices.Equal(got, []string{s.tenantDomain}) {
		t.Fatalf("tenant admin lists %v, want only its own %s", got, s.tenantDomain)
	}
	if got := domainIDs(t, s.root); len(got) != 2 || !slices.Contains(got, s.rootDomain) || !slices.Contains(got, s.tenantDomain) {
		t.Fatalf("root lists %v, want both domains", got)
	}
	// A plain user still may not use the admin API at all.
	wantUnauthorized(t, s.dev.Do(context.Background(), "GET", "/v1/admin/domains", nil, nil, nil))
}

// Every admin call that reaches beyond the tenant's own domain, or changes
// the account controls the operator holds over it, is refused to the
// tenant's administrator with AIP.0003 and leaves nothing changed; the
// same call by the root account's administrator succeeds.
func TestAdminTenantConfinedToItsDomain(t *testing.T) {
	s := newScoped(t)
	ctx := context.Background()
	st := s.e.s.Store
	const svc = "ocr.general-text"

	// Objects of the root account the tenant goes after.
	var fault struct {
		ID string `json:"id"`
	}
	if err := s.root.Do(ctx, "POST", "/v1/admin/faults", nil, map[string]any{"project_id": s.rootProj, "api": "*", "code": "APIG.0201", "mode": "count", "count": 1}, &fault); err != nil {
		t.Fatal(err)
	}
	var spare struct {
		Credential admin.Credential `json:"credential"`
	}
	if err := s.root.Do(ctx, "POST", "/v1/admin/users/"+s.rootUser+"/credentials", nil, map[string]any{"description": "spare"}, &spare); err != nil {
		t.Fatal(err)
	}
	if err := s.root.Do(ctx, "PUT", "/v1/admin/projects/"+s.rootProj+"/settings/ratelimit.Nothing", nil, map[string]any{"value": "5"}, nil); err != nil {
		t.Fatal(err)
	}
	rootCreds := func() int {
		cs, err := st.ListCredentials(ctx, s.rootUser)
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}

	for _, tc := range []struct {
		name, method, path string
		query              url.Values
		body               any
		// unchanged checks, after the tenant's refused call, that it had
		// no effect.
		unchanged func(t *testing.T)
		// noRoot: the call would disable the root account itself.
		noRoot bool
	}{
		{name: "create a domain", method: "POST", path: "/v1/admin/domains", body: map[string]any{"name": "other", "paid": true},
			unchanged: func(t *testing.T) {
				if _, err := st.GetDomainByName(ctx, "other"); err == nil {
					t.Error("domain created")
				}
			}},
		{name: "unfreeze itself", method: "POST", path: "/v1/admin/domains/" + s.tenantDomain + "/state", body: map[string]any{"state": "active"}},
		{name: "mark itself paid", method: "POST", path: "/v1/admin/domains/" + s.tenantDomain + "/paid", body: map[string]any{"paid": true},
			unchanged: func(t *testing.T) {
				if d, _ := st.GetDomain(ctx, s.tenantDomain); d.Paid {
					t.Error("tenant now paid")
				}
			}},
		{name: "freeze the root account", method: "POST", path: "/v1/admin/domains/" + s.rootDomain + "/state", body: map[string]any{"state": "frozen"}, noRoot: true,
			unchanged: func(t *testing.T) {
				if d, _ := st.GetDomain(ctx, s.rootDomain); d.State != "active" {
					t.Errorf("root account %s", d.State)
				}
			}},
		{name: "list root projects", method: "GET", path: "/v1/admin/domains/" + s.rootDomain + "/projects"},
		{name: "create a root project", method: "POST", path: "/v1/admin/domains/" + s.rootDomain + "/projects", body: map[string]any{"name": "stolen"}},
		{name: "list root users", method: "GET", path: "/v1/admin/domains/" + s.rootDomain + "/users"},
		{name: "create a root admin", method: "POST", path: "/v1/admin/domains/" + s.rootDomain + "/users", body: map[string]any{"name": "mole", "password": "password123", "admin": true},
			unchanged: func(t *testing.T) {
				if _, err := st.GetUserByName(ctx, s.rootDomain, "mole"); err == nil {
					t.Error("user created in the root account")
				}
			}},
		{name: "list root credentials", method: "GET", path: "/v1/admin/users/" + s.rootUser + "/credentials"},
		{name: "create a root credential", method: "POST", path: "/v1/admin/users/" + s.rootUser + "/credentials",
			unchanged: func(t *testing.T) {
				if n := rootCreds(); n != 2 {
					t.Errorf("root user has %d credentials, want 2", n)
				}
			}},
		{name: "delete a root credential", method: "DELETE", path: "/v1/admin/credentials/" + spare.Credential.AK,
			unchanged: func(t *testing.T) {
				if _, err := st.GetCredential(ctx, spare.Credential.AK); err != nil {
					t.Errorf("credential gone: %v", err)
				}
			}},
		{name: "grant a root agency", method: "PUT", path: "/v1/admin/projects/" + s.rootProj + "/agencies/" + svc, body: map[string]any{"granted": true}},
		{name: "read a root setting", method: "GET", path: "/v1/admin/projects/" + s.rootProj + "/settings/ratelimit.Nothing"},
		{name: "change a root setting", method: "PUT", path: "/v1/admin/projects/" + s.rootProj + "/settings/ratelimit.Nothing", body: map[string]any{"value": "0"}},
		{name: "lift its own rate limit", method: "PUT", path: "/v1/admin/projects/" + s.tenantProj + "/settings/ratelimit", body: map[string]any{"value": "0"},
			unchanged: func(t *testing.T) {
				if _, err := st.GetSetting(ctx, s.tenantProj, "ratelimit"); err == nil {
					t.Error("setting written")
				}
			}},
		{name: "read root usage", method: "GET", path: "/v1/admin/usage", query: url.Values{"project_id": {s.rootProj}}},
		{name: "list root subscriptions", method: "GET", path: "/v1/admin/projects/" + s.rootProj + "/subscriptions"},
		{name: "unsubscribe the root project", method: "DELETE", path: "/v1/admin/projects/" + s.rootProj + "/subscriptions/" + svc,
			unchanged: func(t *testing.T) {
				if ok, _ := st.IsSubscribed(ctx, s.rootProj, svc); !ok {
					t.Error("root project unsubscribed")
				}
			}},
		{name: "subscribe the root project", method: "PUT", path: "/v1/admin/projects/" + s.rootProj + "/subscriptions/" + svc},
		{name: "add a root fault", method: "POST", path: "/v1/admin/faults", body: map[string]any{"project_id": s.rootProj, "api": "*", "code": "APIG.0201", "mode": "count", "count": 5},
			unchanged: func(t *testing.T) {
				if fs, _ := st.ListFaults(ctx, s.rootProj); len(fs) != 1 {
					t.Errorf("root project has %d faults, want 1", len(fs))
				}
			}},
		{name: "list root faults", method: "GET", path: "/v1/admin/faults", query: url.Values{"project_id": {s.rootProj}}},
		{name: "delete a root fault", method: "DELETE", path: "/v1/admin/faults/" + fault.ID,
			unchanged: func(t *testing.T) {
				fs, _ := st.ListFaults(ctx, s.rootProj)
				if !slices.ContainsFunc(fs, func(f store.Fault) bool { return f.ID == fault.ID }) {
					t.Errorf("root faults %+v lack %s", fs, fault.ID)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantUnauthorized(t, s.ops.Do(ctx, tc.method, tc.path, tc.query, tc.body, nil))
			if tc.unchanged != nil {
				tc.unchanged(t)
			}
			// A plain user of the tenant is refused as before.
			wantUnauthorized(t, s.dev.Do(ctx, tc.method, tc.path, tc.query, tc.body, nil))
			if tc.noRoot {
				return
			}
			if err := s.root.Do(ctx, tc.method, tc.path, tc.query, tc.body, nil); err != nil {
				t.Fatalf("root: %v", err)
			}
		})
	}
	// The root account still works after all of it.
	if got := domainIDs(t, s.root); len(got) != 3 {
		t.Fatalf("root lists %v after the run, want 3 domains", got)
	}
}

// An object that does not exist is answered AIP.0003 to a tenant's
// administrator, exactly as another domain's object is, so that it cannot
// tell which IDs exist elsewhere; the root administrator is told it does
// not exist (or, listing a missing domain's users, given none, as before).
func TestAdminMissingObjectsLookForeignToTenants(t *testing.T) {
	s := newScoped(t)
	ctx := context.Background()
	const none = "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		name, method, path string
		body               any
		rootCode           string // "" for success
	}{
		{"credential for a missing user", "POST", "/v1/admin/users/" + none + "/credentials", nil, "AIP.0016"},
		{"users of a missing domain", "GET", "/v1/admin/domains/" + none + "/users", nil, ""},
		{"delete a missing credential", "DELETE", "/v1/admin/credentials/NOSUCHACCESSKEY00000", nil, "AIP.0016"},
		{"agency of a missing project", "PUT", "/v1/admin/projects/" + none + "/agencies/ocr.general-text", map[string]any{"granted": true}, "AIP.0016"},
		{"subscribe a missing project", "PUT", "/v1/admin/projects/" + none + "/subscriptions/ocr.general-text", nil, "AIP.0016"},
		{"fault for a missing project", "POST", "/v1/admin/faults", map[string]any{"project_id": none, "api": "*", "code": "APIG.0201", "mode": "count", "count": 1}, "AIP.0016"},
		{"delete a missing fault", "DELETE", "/v1/admin/faults/" + none, nil, "AIP.0016"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantUnauthorized(t, s.ops.Do(ctx, tc.method, tc.path, nil, tc.body, nil))
			var ae *admin.APIError
			err := s.root.Do(ctx, tc.method, tc.path, nil, tc.body, nil)
			if tc.rootCode == "" && err != nil || tc.rootCode != "" && (!errors.As(err, &ae) || ae.Code != tc.rootCode) {
				t.Fatalf("root: %v, want %q", err, tc.rootCode)
			}
		})
	}
}

// A frozen account's administrator cannot unfreeze it: the gateway refuses
// a frozen account everything, and the state is the operator's anyway.
func TestAdminFrozenTenantCannotUnfreezeItself(t *testing.T) {
	s := newScoped(t)
	ctx := context.Background()
	state := "/v1/admin/domains/" + s.tenantDomain + "/state"
	if err := s.root.Do(ctx, "POST", state, nil, map[string]any{"state": "frozen"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.ops.Do(ctx, "POST", state, nil, map[string]any{"state": "active"}, nil); err == nil {
		t.Fatal("frozen tenant unfroze itself")
	}
	if d, _ := s.e.s.Store.GetDomain(ctx, s.tenantDomain); d.State != "frozen" {
		t.Fatalf("tenant state %s, want frozen", d.State)
	}
	if err := s.root.Do(ctx, "POST", state, nil, map[string]any{"state": "active"}, nil); err != nil {
		t.Fatalf("root unfreezes: %v", err)
	}
	// Active again, its administrator still may not touch the state.
	wantUnauthorized(t, s.ops.Do(ctx, "POST", state, nil, map[string]any{"state": "active"}, nil))
}

// Within its own domain a tenant's administrator keeps managing users,
// credentials, agencies, subscriptions, usage and faults.
func TestAdminTenantManagesItsOwnAccount(t *testing.T) {
	s := newScoped(t)
	ctx := context.Background()
	do := func(method, path string, q url.Values, body, out any) {
		t.Helper()
		if err := s.ops.Do(ctx, method, path, q, body, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	var projects struct {
		Projects []admin.Project `json:"projects"`
	}
	do("GET", "/v1/admin/domains/"+s.tenantDomain+"/projects", nil, nil, &projects)
	if len(projects.Projects) != 1 || projects.Projects[0].ID != s.tenantProj {
		t.Fatalf("projects %+v", projects.Projects)
	}
	var u struct {
		User admin.User `json:"user"`
	}
	do("POST", "/v1/admin/domains/"+s.tenantDomain+"/users", nil, map[string]any{"name": "ci", "password": "password123"}, &u)
	if u.User.DomainID != s.tenantDomain {
		t.Fatalf("user %+v", u.User)
	}
	var users struct {
		Users []admin.User `json:"users"`
	}
	do("GET", "/v1/admin/domains/"+s.tenantDomain+"/users", nil, nil, &users)
	if len(users.Users) != 3 {
		t.Fatalf("users %+v", users.Users)
	}
	var cr struct {
		Credential admin.Credential `json:"credential"`
	}
	do("POST", "/v1/admin/users/"+u.User.ID+"/credentials", nil, map[string]any{"description": "ci"}, &cr)
	if cr.Credential.AK == "" || cr.Credential.SK == "" {
		t.Fatalf("credential %+v", cr.Credential)
	}
	// The new key works for its user.
	ci := &admin.Client{Endpoint: s.e.srv.URL, AK: cr.Credential.AK, SK: cr.Credential.SK}
	if err := ci.Do(ctx, "GET", "/v1/"+s.tenantProj+"/subscriptions", nil, nil, nil); err != nil {
		t.Fatalf("new credential: %v", err)
	}
	var creds struct {
		Credentials []admin.Credential `json:"credentials"`
	}
	do("GET", "/v1/admin/users/"+u.User.ID+"/credentials", nil, nil, &creds)
	if len(creds.Credentials) != 1 || creds.Credentials[0].AK != cr.Credential.AK {
		t.Fatalf("credentials %+v", creds.Credentials)
	}
	do("DELETE", "/v1/admin/credentials/"+cr.Credential.AK, nil, nil, nil)
	do("PUT", "/v1/admin/projects/"+s.tenantProj+"/agencies/ocr.general-text", nil, map[string]any{"granted": true}, nil)
	do("PUT", "/v1/admin/projects/"+s.tenantProj+"/subscriptions/ocr.general-text", nil, nil, nil)
	var subs struct {
		Services []string `json:"services"`
	}
	do("GET", "/v1/admin/projects/"+s.tenantProj+"/subscriptions", nil, nil, &subs)
	if !slices.Equal(subs.Services, []string{"ocr.general-text"}) {
		t.Fatalf("subscriptions %v", subs.Services)
	}
	do("GET", "/v1/admin/usage", url.Values{"project_id": {s.tenantProj}}, nil, nil)
	var f struct {
		ID string `json:"id"`
	}
	do("POST", "/v1/admin/faults", nil, map[string]any{"project_id": s.tenantProj, "api": "*", "mode": "latency", "latency_ms": 1}, &f)
	do("GET", "/v1/admin/faults", url.Values{"project_id": {s.tenantProj}}, nil, nil)
	do("DELETE", "/v1/admin/faults/"+f.ID, nil, nil, nil)
	// It reads the settings the operator gave its project.
	if err := s.root.Do(ctx, "PUT", "/v1/admin/projects/"+s.tenantProj+"/settings/ratelimit", nil, map[string]any{"value": "50"}, nil); err != nil {
		t.Fatal(err)
	}
	var setting struct {
		Value string `json:"value"`
	}
	do("GET", "/v1/admin/projects/"+s.tenantProj+"/settings/ratelimit", nil, nil, &setting)
	if setting.Value != "50" {
		t.Fatalf("setting %q", setting.Value)
	}
}
