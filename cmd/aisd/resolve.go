package main

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aisd/aisd/internal/admin"
)

// ids are 32 lower-case hex digits; anything else is a name.
var idPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// resolver turns names into ids through the admin API (one command's
// lookups).
type resolver struct {
	cmd *cobra.Command
	af  *adminFlags
	c   *admin.Client
	// own is the caller's domain id, looked up once.
	own string
}

func newResolver(cmd *cobra.Command, af *adminFlags) *resolver { return &resolver{cmd: cmd, af: af} }

func (r *resolver) get(path string, q url.Values, out any) error {
	if r.c == nil {
		c, err := r.af.client()
		if err != nil {
			return err
		}
		r.c = c
	}
	return r.c.Do(r.cmd.Context(), "GET", path, q, nil, out)
}

// domain resolves a domain id or name; "" is the caller's own.
func (r *resolver) domain(s string) (string, error) {
	if s == "" {
		return r.ownDomain()
	}
	if idPattern.MatchString(s) {
		return s, nil
	}
	var list struct{ Domains []admin.Domain }
	if err := r.get("/v1/admin/domains", nil, &list); err != nil {
		return "", err
	}
	for _, d := range list.Domains {
		if d.Name == s {
			return d.ID, nil
		}
	}
	return "", fmt.Errorf("no domain named %q that you can see (aisd admin domain list)", s)
}

// ownDomain is the caller's domain: the IAM API lists the caller's projects.
func (r *resolver) ownDomain() (string, error) {
	if r.own != "" {
		return r.own, nil
	}
	var ps struct{ Projects []admin.Project }
	if err := r.get("/v3/projects", nil, &ps); err != nil {
		return "", err
	}
	if len(ps.Projects) == 0 {
		return "", fmt.Errorf("your account has no project: give the domain with --domain")
	}
	r.own = ps.Projects[0].DomainID
	return r.own, nil
}

// scope splits DOMAIN/NAME, else takes --domain, else the caller's
// domain; where is how errors name it.
func (r *resolver) scope(s string) (domainID, name, where string, err error) {
	d := r.af.domain
	if dn, n, ok := strings.Cut(s, "/"); ok {
		d, s = dn, n
	}
	where = "your account"
	if d != "" {
		where = "domain " + d
	}
	id, err := r.domain(d)
	return id, s, where, err
}

func (r *resolver) project(s string) (string, error) {
	if idPattern.MatchString(s) || s == "*" {
		return s, nil
	}
	d, name, where, err := r.scope(s)
	if err != nil {
		return "", err
	}
	var list struct{ Projects []admin.Project }
	if err := r.get("/v1/admin/domains/"+d+"/projects", url.Values{"name": {name}}, &list); err != nil {
		return "", err
	}
	var ids []string
	for _, p := range list.Projects {
		if p.Name == name {
			ids = append(ids, p.ID)
		}
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("no project named %q in %s", name, where)
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("%d projects are named %q: give the id", len(ids), name)
}

func (r *resolver) user(s string) (string, error) {
	if idPattern.MatchString(s) {
		return s, nil
	}
	d, name, where, err := r.scope(s)
	if err != nil {
		return "", err
	}
	var list struct{ Users []admin.User }
	if err := r.get("/v1/admin/domains/"+d+"/users", nil, &list); err != nil {
		return "", err
	}
	for _, u := range list.Users {
		if u.Name == name {
			return u.ID, nil
		}
	}
	return "", fmt.Errorf("no user named %q in %s", name, where)
}

// resolveNames wraps every admin command whose usage names DOMAIN, PROJECT
// or USER arguments so that those take names as well as ids.
func resolveNames(root *cobra.Command, af *adminFlags) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, s := range c.Commands() {
			walk(s)
		}
		if c.RunE == nil {
			return
		}
		kinds := map[int]string{}
		for i, tok := range strings.Fields(c.Use)[1:] {
			tok = strings.Trim(tok, "[]")
			tok, _, _ = strings.Cut(tok, "|")
			switch tok {
			case "DOMAIN", "PROJECT", "USER":
				kinds[i] = tok
			}
		}
		if len(kinds) == 0 {
			return
		}
		c.ValidArgsFunction = func(cmd *cobra.Command, a []string, _ string) ([]string, cobra.ShellCompDirective) {
			kind, ok := kinds[len(a)]
			if !ok {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			names, _ := newResolver(cmd, af).names(kind)
			return names, cobra.ShellCompDirectiveNoFileComp
		}
		run := c.RunE
		c.RunE = func(cmd *cobra.Command, a []string) error {
			r := newResolver(cmd, af)
			a = append([]string(nil), a...)
			for i, kind := range kinds {
				if i >= len(a) {
					continue
				}
				var err error
				switch kind {
				case "DOMAIN":
					a[i], err = r.domain(a[i])
				case "PROJECT":
					a[i], err = r.project(a[i])
				case "USER":
					a[i], err = r.user(a[i])
				}
				if err != nil {
					return err
				}
			}
			return run(cmd, a)
		}
	}
	walk(root)
}

// names lists what a DOMAIN, PROJECT or USER argument may name, for shell
// completion: domain names; the caller's own project and user names and,
// for every domain the caller sees, DOMAIN/NAME.
func (r *resolver) names(kind string) ([]string, error) {
	var ds struct{ Domains []admin.Domain }
	if err := r.get("/v1/admin/domains", nil, &ds); err != nil {
		return nil, err
	}
	own, _ := r.ownDomain()
	var out []string
	for _, d := range ds.Domains {
		if kind == "DOMAIN" {
			out = append(out, d.Name)
			continue
		}
		var items []string
		switch kind {
		case "PROJECT":
			var ps struct{ Projects []admin.Project }
			if err := r.get("/v1/admin/domains/"+d.ID+"/projects", nil, &ps); err != nil {
				continue
			}
			for _, p := range ps.Projects {
				items = append(items, p.Name)
			}
		case "USER":
			var us struct{ Users []admin.User }
			if err := r.get("/v1/admin/domains/"+d.ID+"/users", nil, &us); err != nil {
				continue
			}
			for _, u := range us.Users {
				items = append(items, u.Name)
			}
		}
		for _, n := range items {
			if d.ID == own {
				out = append(out, n)
			}
			out = append(out, d.Name+"/"+n)
		}
	}
	return out, nil
}
