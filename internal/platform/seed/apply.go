package seed

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/gateway/routes"
	"github.com/aisd/aisd/internal/platform/obs"
)

// Target is where a spec is applied.
type Target struct {
	// Client is an administrator of the root account (every domain is
	// reached through it).
	Client *admin.Client
	// Objects is the object store buckets are created in; nil refuses a
	// spec with buckets.
	Objects obs.Store
}

// InProcess is an HTTP client whose requests h serves directly, so a
// server can be seeded through its own API before it listens.
func InProcess(h http.Handler) *http.Client {
	return &http.Client{Transport: roundTripper{h}}
}

type roundTripper struct{ h http.Handler }

func (rt roundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	rt.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// Change is one thing Apply did (or found done).
type Change struct {
	// Action is "created", "updated" or "exists".
	Action string
	// What names the object: "domain acme", "project acme/cn-north-4".
	What string
	// Detail is shown after What (a generated secret key: shown once).
	Detail string
}

func (c Change) String() string {
	s := c.Action + " " + c.What
	if c.Detail != "" {
		s += " (" + c.Detail + ")"
	}
	return s
}

// Report lists what Apply did, in order.
type Report []Change

// Changed counts the changes (not the objects found as the file says).
func (r Report) Changed() int {
	n := 0
	for _, c := range r {
		if c.Action != "exists" {
			n++
		}
	}
	return n
}

type applier struct {
	ctx  context.Context
	t    Target
	spec Spec
	rep  Report
}

func (a *applier) note(action, what, detail string) {
	a.rep = append(a.rep, Change{Action: action, What: what, Detail: detail})
}

func (a *applier) do(method, path string, q url.Values, body, out any) error {
	return a.t.Client.Do(a.ctx, method, path, q, body, out)
}

// Apply brings the instance to what spec describes, in file order; it
// stops at the first error, with the report of what was done until then.
func Apply(ctx context.Context, spec Spec, t Target) (Report, error) {
	a := &applier{ctx: ctx, t: t, spec: spec}
	for _, d := range spec.Domains {
		if err := a.domain(d); err != nil {
			return a.rep, fmt.Errorf("domain %s: %w", d.Name, err)
		}
	}
	return a.rep, nil
}

func (a *applier) domain(d Domain) error {
	var list struct{ Domains []admin.Domain }
	if err := a.do("GET", "/v1/admin/domains", nil, nil, &list); err != nil {
		return err
	}
	i := slices.IndexFunc(list.Domains, func(x admin.Domain) bool { return x.Name == d.Name })
	var dom admin.Domain
	if i < 0 {
		var out struct{ Domain admin.Domain }
		paid := d.Paid != nil && *d.Paid
		if err := a.do("POST", "/v1/admin/domains", nil, map[string]any{"name": d.Name, "paid": paid}, &out); err != nil {
			return err
		}
		dom = out.Domain
		a.note("created", "domain "+d.Name, "")
	} else {
		dom = list.Domains[i]
		a.note("exists", "domain "+d.Name, "")
		if d.Paid != nil && *d.Paid != dom.Paid {
			if err := a.do("POST", "/v1/admin/domains/"+dom.ID+"/paid", nil, map[string]any{"paid": *d.Paid}, nil); err != nil {
				return err
			}
			a.note("updated", "domain "+d.Name, fmt.Sprintf("paid %v", *d.Paid))
		}
	}
	if d.State != "" && d.State != dom.State {
		if err := a.do("POST", "/v1/admin/domains/"+dom.ID+"/state", nil, map[string]any{"state": d.State}, nil); err != nil {
			return err
		}
		a.note("updated", "domain "+d.Name, "state "+d.State)
	}
	projects := map[string]string{} // name → id
	for _, p := range d.Projects {
		id, err := a.project(dom, p)
		if err != nil {
			return fmt.Errorf("project %s: %w", p.Name, err)
		}
		projects[p.Name] = id
	}
	for _, u := range d.Users {
		if err := a.user(dom, u, projects); err != nil {
			return fmt.Errorf("user %s: %w", u.Name, err)
		}
	}
	return nil
}

func (a *applier) project(dom admin.Domain, p Project) (string, error) {
	var list struct{ Projects []admin.Project }
	if err := a.do("GET", "/v1/admin/domains/"+dom.ID+"/projects", nil, nil, &list); err != nil {
		return "", err
	}
	what := "project " + dom.Name + "/" + p.Name
	var pid string
	if i := slices.IndexFunc(list.Projects, func(x admin.Project) bool { return x.Name == p.Name }); i >= 0 {
		pid = list.Projects[i].ID
		a.note("exists", what, pid)
	} else {
		var out struct{ Project admin.Project }
		if err := a.do("POST", "/v1/admin/domains/"+dom.ID+"/projects", nil, map[string]any{"name": p.Name}, &out); err != nil {
			return "", err
		}
		pid = out.Project.ID
		a.note("created", what, pid)
	}
	steps := []func(string, string, Project) error{
		a.subscriptions, a.agencies, a.settings, a.glossaries, a.templates, a.galleries, a.buckets, a.faults,
	}
	for _, step := range steps {
		if err := step(pid, what, p); err != nil {
			return "", err
		}
	}
	return pid, nil
}

func (a *applier) subscriptions(pid, what string, p Project) error {
	if len(p.Subscriptions) == 0 {
		return nil
	}
	var have struct{ Services []string }
	if err := a.do("GET", "/v1/admin/projects/"+pid+"/subscriptions", nil, nil, &have); err != nil {
		return err
	}
	var want []string
	for _, s := range p.Subscriptions {
		if s == "*" {
			want = append(want, serviceKeys()...)
		} else {
			want = append(want, s)
		}
	}
	for _, s := range want {
		if slices.Contains(have.Services, s) {
			continue
		}
		if err := a.do("PUT", "/v1/admin/projects/"+pid+"/subscriptions/"+s, nil, nil, nil); err != nil {
			return fmt.Errorf("subscribe %s: %w", s, err)
		}
		have.Services = append(have.Services, s)
		a.note("created", what+" subscription "+s, "")
	}
	return nil
}

// serviceKeys are the services of the route table ("*" in a file).
func serviceKeys() []string {
	var out []string
	for _, r := range routes.All() {
		if !slices.Contains(out, r.Service) {
			out = append(out, r.Service)
		}
	}
	return out
}

func (a *applier) agencies(pid, what string, p Project) error {
	// Granting is idempotent in the store (no row changes the second
	// time); the API has no listing to compare with.
	for _, s := range p.Agencies {
		if err := a.do("PUT", "/v1/admin/projects/"+pid+"/agencies/"+s, nil, map[string]any{"granted": true}, nil); err != nil {
			return fmt.Errorf("agency %s: %w", s, err)
		}
	}
	return nil
}

func (a *applier) settings(pid, what string, p Project) error {
	for _, k := range sortedKeys(p.Settings) {
		v := p.Settings[k]
		var cur struct{ Value string }
		err := a.do("GET", "/v1/admin/projects/"+pid+"/settings/"+k, nil, nil, &cur)
		if err != nil && !isNotFound(err) {
			return err
		}
		if err == nil && cur.Value == v {
			continue
		}
		if err := a.do("PUT", "/v1/admin/projects/"+pid+"/settings/"+k, nil, map[string]any{"value": v}, nil); err != nil {
			return fmt.Errorf("setting %s: %w", k, err)
		}
		a.note("updated", what+" setting "+k, v)
	}
	return nil
}

func (a *applier) glossaries(pid, what string, p Project) error {
	base := "/v1/admin/projects/" + pid + "/glossaries"
	for _, g := range p.Glossaries {
		words := append([]string(nil), g.Words...)
		if g.WordsFile != "" {
			b, err := os.ReadFile(a.spec.path(g.WordsFile))
			if err != nil {
				return err
			}
			for _, l := range strings.Split(string(b), "\n") {
				if l = strings.TrimSpace(l); l != "" {
					words = append(words, l)
				}
			}
		}
		typ, sugg := g.Type, g.Suggestion
		if typ == "" {
			typ = "black"
		}
		if sugg == "" && typ == "black" {
			sugg = "block"
		}
		body := map[string]any{"name": g.Name, "type": typ, "suggestion": sugg, "description": g.Description, "words": words}
		var cur struct {
			Type, Suggestion, Description string
			Words                         []string
		}
		err := a.do("GET", base+"/"+g.Name, nil, nil, &cur)
		switch {
		case isNotFound(err):
			if err := a.do("POST", base, nil, body, nil); err != nil {
				return fmt.Errorf("glossary %s: %w", g.Name, err)
			}
			a.note("created", what+" glossary "+g.Name, fmt.Sprintf("%d terms", len(words)))
		case err != nil:
			return err
		case cur.Type != typ || (typ == "black" && cur.Suggestion != sugg) || cur.Description != g.Description || !sameSet(cur.Words, words):
			if err := a.do("PUT", base+"/"+g.Name, nil, body, nil); err != nil {
				return fmt.Errorf("glossary %s: %w", g.Name, err)
			}
			a.note("updated", what+" glossary "+g.Name, fmt.Sprintf("%d terms", len(words)))
		default:
			a.note("exists", what+" glossary "+g.Name, "")
		}
	}
	return nil
}

func (a *applier) templates(pid, what string, p Project) error {
	if len(p.Templates) == 0 && len(p.Classifiers) == 0 {
		return nil
	}
	base := "/v1/admin/projects/" + pid
	var tl struct {
		Templates []struct{ ID, Name string }
	}
	if err := a.do("GET", base+"/ocr-templates", nil, nil, &tl); err != nil {
		return err
	}
	ids := map[string]string{}
	for _, t := range tl.Templates {
		ids[t.Name] = t.ID
	}
	for _, t := range p.Templates {
		if _, ok := ids[t.Name]; ok {
			// Templates have no update: one by this name is taken as
			// the file's (delete it to have it made again).
			a.note("exists", what+" ocr template "+t.Name, "")
			continue
		}
		body := map[string]any{"name": t.Name}
		switch {
		case t.ImageFile != "":
			b, err := os.ReadFile(a.spec.path(t.ImageFile))
			if err != nil {
				return err
			}
			body["image"] = base64.StdEncoding.EncodeToString(b)
		case t.URL != "":
			body["url"] = t.URL
		}
		if len(t.Anchors) > 0 {
			body["anchors"] = t.Anchors
		}
		if len(t.Areas) > 0 {
			body["areas"] = t.Areas
		}
		var out struct{ ID string }
		if err := a.do("POST", base+"/ocr-templates", nil, body, &out); err != nil {
			return fmt.Errorf("ocr template %s: %w", t.Name, err)
		}
		ids[t.Name] = out.ID
		a.note("created", what+" ocr template "+t.Name, out.ID)
	}
	var cl struct {
		Classifiers []struct{ Name string }
	}
	if err := a.do("GET", base+"/ocr-classifiers", nil, nil, &cl); err != nil {
		return err
	}
	for _, c := range p.Classifiers {
		if slices.ContainsFunc(cl.Classifiers, func(x struct{ Name string }) bool { return x.Name == c.Name }) {
			a.note("exists", what+" ocr classifier "+c.Name, "")
			continue
		}
		var tids []string
		for _, n := range c.Templates {
			id, ok := ids[n]
			if !ok {
				return fmt.Errorf("ocr classifier %s: no template named %q", c.Name, n)
			}
			tids = append(tids, id)
		}
		if err := a.do("POST", base+"/ocr-classifiers", nil, map[string]any{"name": c.Name, "template_ids": tids}, nil); err != nil {
			return fmt.Errorf("ocr classifier %s: %w", c.Name, err)
		}
		a.note("created", what+" ocr classifier "+c.Name, "")
	}
	return nil
}

func (a *applier) galleries(pid, what string, p Project) error {
	base := "/v1/admin/projects/" + pid + "/celebrity-galleries"
	for _, g := range p.Galleries {
		var cur struct {
			People []struct{ Label string }
		}
		err := a.do("GET", base+"/"+g.Name, nil, nil, &cur)
		switch {
		case isNotFound(err):
			if err := a.do("POST", base, nil, map[string]string{"name": g.Name, "description": g.Description}, nil); err != nil {
				return fmt.Errorf("gallery %s: %w", g.Name, err)
			}
			a.note("created", what+" gallery "+g.Name, "")
		case err != nil:
			return err
		default:
			a.note("exists", what+" gallery "+g.Name, "")
		}
		for _, person := range g.People {
			if slices.ContainsFunc(cur.People, func(x struct{ Label string }) bool { return x.Label == person.Label }) {
				continue
			}
			var images []string
			for _, f := range person.Photos {
				b, err := os.ReadFile(a.spec.path(f))
				if err != nil {
					return err
				}
				images = append(images, base64.StdEncoding.EncodeToString(b))
			}
			if err := a.do("POST", base+"/"+g.Name+"/people", nil, map[string]any{"label": person.Label, "images": images}, nil); err != nil {
				return fmt.Errorf("gallery %s: person %s: %w", g.Name, person.Label, err)
			}
			a.note("created", what+" gallery "+g.Name+" person "+person.Label, "")
		}
	}
	return nil
}

func (a *applier) buckets(pid, what string, p Project) error {
	if len(p.Buckets) == 0 {
		return nil
	}
	if a.t.Objects == nil {
		return errors.New("buckets: no object store")
	}
	for _, b := range p.Buckets {
		owner, err := a.t.Objects.BucketOwner(a.ctx, b.Name)
		switch {
		case errors.Is(err, obs.ErrNoSuchBucket):
			if err := a.t.Objects.CreateBucket(a.ctx, pid, b.Name); err != nil {
				return fmt.Errorf("bucket %s: %w", b.Name, err)
			}
			a.note("created", what+" bucket "+b.Name, "")
		case err != nil:
			return fmt.Errorf("bucket %s: %w", b.Name, err)
		case owner != pid:
			return fmt.Errorf("bucket %s belongs to another project (%s)", b.Name, owner)
		default:
			a.note("exists", what+" bucket "+b.Name, "")
		}
		for _, o := range b.Objects {
			var data []byte
			if o.Content != nil {
				data = []byte(*o.Content)
			} else if data, err = os.ReadFile(a.spec.path(o.File)); err != nil {
				return err
			}
			ct := o.ContentType
			if ct == "" {
				ct = mime.TypeByExtension(filepath.Ext(o.Key))
			}
			if ct == "" {
				ct = http.DetectContentType(data)
			}
			sum := md5.Sum(data)
			cur, err := a.t.Objects.Stat(a.ctx, b.Name, o.Key)
			if err == nil && cur.ETag == hex.EncodeToString(sum[:]) && cur.ContentType == ct {
				continue
			}
			if err != nil && !errors.Is(err, obs.ErrNoSuchKey) {
				return fmt.Errorf("object %s/%s: %w", b.Name, o.Key, err)
			}
			if _, err := a.t.Objects.Put(a.ctx, b.Name, o.Key, bytes.NewReader(data), int64(len(data)), ct); err != nil {
				return fmt.Errorf("object %s/%s: %w", b.Name, o.Key, err)
			}
			action := "created"
			if err == nil {
				action = "updated"
			}
			a.note(action, what+" object "+b.Name+"/"+o.Key, fmt.Sprintf("%d bytes", len(data)))
		}
	}
	return nil
}

func (a *applier) faults(pid, what string, p Project) error {
	if len(p.Faults) == 0 {
		return nil
	}
	var raw struct {
		Faults []map[string]any `json:"faults"`
	}
	if err := a.do("GET", "/v1/admin/faults", url.Values{"project_id": {pid}}, nil, &raw); err != nil {
		return err
	}
	same := func(f Fault, g map[string]any) bool {
		num := func(k string) int { v, _ := g[k].(float64); return int(v) }
		str := func(k string) string { v, _ := g[k].(string); return v }
		if str("api") != f.API || str("code") != f.Code || str("mode") != f.Mode {
			return false
		}
		switch f.Mode {
		case "percent":
			return num("percent") == f.Percent
		case "latency":
			return num("latency_ms") == f.LatencyMS
		}
		// A count rule is the file's while calls remain; one used up
		// is gone from the list and made again.
		return true
	}
	for _, f := range p.Faults {
		if f.API == "" {
			f.API = "*"
		}
		if f.Mode == "" {
			f.Mode = "count"
		}
		if slices.ContainsFunc(raw.Faults, func(g map[string]any) bool { return same(f, g) }) {
			a.note("exists", what+" fault "+f.API+" "+f.Code, "")
			continue
		}
		body := map[string]any{"project_id": pid, "api": f.API, "mode": f.Mode}
		if f.Code != "" {
			body["code"] = f.Code
		}
		switch f.Mode {
		case "count":
			n := f.Count
			if n == 0 {
				n = 1
			}
			body["count"] = n
		case "percent":
			body["percent"] = f.Percent
		case "latency":
			body["latency_ms"] = f.LatencyMS
		}
		if err := a.do("POST", "/v1/admin/faults", nil, body, nil); err != nil {
			return fmt.Errorf("fault %s %s: %w", f.API, f.Code, err)
		}
		a.note("created", what+" fault "+f.API+" "+f.Code, f.Mode)
	}
	return nil
}

func (a *applier) user(dom admin.Domain, u User, projects map[string]string) error {
	var list struct{ Users []admin.User }
	if err := a.do("GET", "/v1/admin/domains/"+dom.ID+"/users", nil, nil, &list); err != nil {
		return err
	}
	what := "user " + dom.Name + "/" + u.Name
	var uid string
	if i := slices.IndexFunc(list.Users, func(x admin.User) bool { return x.Name == u.Name }); i >= 0 {
		uid = list.Users[i].ID
		a.note("exists", what, "")
		if list.Users[i].Admin != u.Admin {
			return fmt.Errorf("exists with admin=%v, the file says admin=%v (the API changes no user's role)", list.Users[i].Admin, u.Admin)
		}
	} else {
		var out struct{ User admin.User }
		if err := a.do("POST", "/v1/admin/domains/"+dom.ID+"/users", nil, map[string]any{"name": u.Name, "password": u.Password, "admin": u.Admin}, &out); err != nil {
			return err
		}
		uid = out.User.ID
		a.note("created", what, "")
	}
	var creds struct{ Credentials []admin.Credential }
	if err := a.do("GET", "/v1/admin/users/"+uid+"/credentials", nil, nil, &creds); err != nil {
		return err
	}
	for _, c := range u.Credentials {
		found := slices.ContainsFunc(creds.Credentials, func(x admin.Credential) bool {
			if c.Access != "" {
				return x.AK == c.Access
			}
			return x.Description == c.Description
		})
		if found {
			a.note("exists", what+" credential "+firstOf(c.Access, c.Description), "")
			continue
		}
		var out struct{ Credential admin.Credential }
		body := map[string]any{"description": c.Description}
		if c.Access != "" {
			body["access"], body["secret"] = c.Access, c.Secret
		}
		if err := a.do("POST", "/v1/admin/users/"+uid+"/credentials", nil, body, &out); err != nil {
			return fmt.Errorf("credential %s: %w", firstOf(c.Access, c.Description), err)
		}
		detail := ""
		if c.Access == "" {
			detail = "AK " + out.Credential.AK + " SK " + out.Credential.SK + ", shown once"
		}
		a.note("created", what+" credential "+out.Credential.AK, detail)
	}
	if len(u.Policies) > 0 {
		var cur struct {
			Projects map[string][]string
		}
		if err := a.do("GET", "/v1/admin/users/"+uid+"/policies", nil, nil, &cur); err != nil {
			return err
		}
		for _, pname := range sortedKeys(u.Policies) {
			key := pname
			if pname != "*" {
				id, ok := projects[pname]
				if !ok {
					return fmt.Errorf("policies: project %q is not among the domain's projects in the file", pname)
				}
				key = id
			}
			want := u.Policies[pname]
			if sameSet(cur.Projects[key], want) {
				continue
			}
			if err := a.do("PUT", "/v1/admin/users/"+uid+"/policies/"+key, nil, map[string]any{"policies": append([]string{}, want...)}, nil); err != nil {
				return fmt.Errorf("policies in %s: %w", pname, err)
			}
			a.note("updated", what+" policies in "+pname, strings.Join(want, ", "))
		}
	}
	return nil
}

func isNotFound(err error) bool {
	var ae *admin.APIError
	return errors.As(err, &ae) && ae.Code == "AIP.0016"
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
