package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aisd/aisd/internal/admin"
)

// adminFlags are the connection and output flags of `aisd admin`.
type adminFlags struct {
	endpoint, ak, sk, profile string
	output                    string
	domain                    string // where project and user names are looked up
}

const defaultEndpoint = "http://127.0.0.1:8080"

// conn resolves the endpoint and keys: flag, else environment, else the
// profile, else the default endpoint.
func (f *adminFlags) conn() (endpoint, ak, sk string, err error) {
	ps, _, err := loadProfiles()
	if err != nil {
		return "", "", "", err
	}
	p := ps.Profiles[ps.selected(f.profile)]
	if p == nil {
		if f.profile != "" {
			return "", "", "", fmt.Errorf("no profile %q (aisd config list shows them)", f.profile)
		}
		p = &profile{}
	}
	pick := func(v, env, prof, def string) string {
		for _, s := range []string{v, os.Getenv(env), prof} {
			if s != "" {
				return s
			}
		}
		return def
	}
	return pick(f.endpoint, "AISD_ENDPOINT", p.Endpoint, defaultEndpoint),
		pick(f.ak, "AISD_ROOT_AK", p.AK, ""), pick(f.sk, "AISD_ROOT_SK", p.SK, ""), nil
}

func (f *adminFlags) client() (*admin.Client, error) {
	ep, ak, sk, err := f.conn()
	if err != nil {
		return nil, err
	}
	if ak == "" || sk == "" {
		return nil, fmt.Errorf("admin credentials missing: set --ak/--sk, AISD_ROOT_AK/AISD_ROOT_SK (printed at the server's first start), or save them with aisd config set ak|sk")
	}
	return &admin.Client{Endpoint: ep, AK: ak, SK: sk}, nil
}

func adminCmd() *cobra.Command {
	af := &adminFlags{}
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Administer a running server over its authenticated admin API",
		Long: "Administer a running server over its authenticated admin API.\n\n" +
			"Answers are tables; -o json or -o yaml prints the API's answer for scripts.\n" +
			"DOMAIN, PROJECT and USER arguments take an id or a name: a domain by its name,\n" +
			"a project by its region name (in --domain, else the caller's own domain, or\n" +
			"DOMAIN/NAME), a user by name the same way.",
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return checkOutput(af.output) },
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&af.endpoint, "endpoint", "", "server URL (default $AISD_ENDPOINT, the profile's, or "+defaultEndpoint+")")
	pf.StringVar(&af.ak, "ak", "", "administrator access key (default $AISD_ROOT_AK or the profile's)")
	pf.StringVar(&af.sk, "sk", "", "administrator secret key (default $AISD_ROOT_SK or the profile's)")
	pf.StringVar(&af.profile, "profile", "", "saved profile to use (see aisd config)")
	pf.StringVarP(&af.output, "output", "o", outTable, "table, json or yaml")
	pf.StringVar(&af.domain, "domain", "", "domain (id or name) in which PROJECT and USER names are looked up (default: the caller's own)")

	// call runs one request and prints the answer as -o says.
	call := func(cmd *cobra.Command, method, path string, q url.Values, body any) error {
		c, err := af.client()
		if err != nil {
			return err
		}
		var raw json.RawMessage
		if err := c.Do(cmd.Context(), method, path, q, body, &raw); err != nil {
			return err
		}
		data, err := decodeAnswer(raw)
		if err != nil || data == nil {
			return err
		}
		var v *view
		if vv, ok := views[adminPath(cmd)]; ok {
			v = &vv
		}
		return render(cmd.OutOrStdout(), af.output, data, v)
	}
	sub := func(use, short string, args cobra.PositionalArgs, run func(cmd *cobra.Command, a []string) error) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: args, RunE: run}
	}

	domain := &cobra.Command{Use: "domain", Short: "Accounts"}
	var paid bool
	dc := sub("create NAME", "Create an account (with a project named after the region)", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
		return call(cmd, "POST", "/v1/admin/domains", nil, map[string]any{"name": a[0], "paid": paid})
	})
	dc.Flags().BoolVar(&paid, "paid", false, "paid account (no free-allowance limit)")
	state := func(use, st, short string) *cobra.Command {
		return sub(use+" DOMAIN", short, cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "POST", "/v1/admin/domains/"+a[0]+"/state", nil, map[string]any{"state": st})
		})
	}
	domain.AddCommand(dc,
		sub("list", "List accounts", cobra.NoArgs, func(cmd *cobra.Command, _ []string) error {
			return call(cmd, "GET", "/v1/admin/domains", nil, nil)
		}),
		state("freeze", "frozen", "Freeze an account (arrears)"),
		state("unfreeze", "active", "Return an account to active"),
		state("restrict", "restricted", "Restrict an account"),
		sub("paid DOMAIN true|false", "Mark an account paid or unpaid", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "POST", "/v1/admin/domains/"+a[0]+"/paid", nil, map[string]any{"paid": a[1] == "true"})
		}),
	)

	project := &cobra.Command{Use: "project", Short: "Projects"}
	project.AddCommand(
		sub("list [DOMAIN]", "List a domain's projects (without DOMAIN: --domain's, else the caller's own)", cobra.MaximumNArgs(1), func(cmd *cobra.Command, a []string) error {
			if len(a) == 0 && af.domain == "" {
				// The caller's own projects, as the IAM API lists them.
				return call(cmd, "GET", "/v3/projects", nil, nil)
			}
			d := af.domain
			if len(a) == 1 {
				d = a[0]
			} else {
				var err error
				if d, err = newResolver(cmd, af).domain(d); err != nil {
					return err
				}
			}
			return call(cmd, "GET", "/v1/admin/domains/"+d+"/projects", nil, nil)
		}),
		sub("create DOMAIN NAME", "Create a project (named like a region)", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "POST", "/v1/admin/domains/"+a[0]+"/projects", nil, map[string]any{"name": a[1]})
		}),
		sub("agency PROJECT SERVICE true|false", "Grant or revoke a service's read access to the project's object storage", cobra.ExactArgs(3), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "PUT", "/v1/admin/projects/"+a[0]+"/agencies/"+a[1], nil, map[string]any{"granted": a[2] == "true"})
		}),
		sub("set PROJECT KEY VALUE", "Set a project setting (e.g. ratelimit)", cobra.ExactArgs(3), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "PUT", "/v1/admin/projects/"+a[0]+"/settings/"+a[1], nil, map[string]any{"value": a[2]})
		}),
		sub("get PROJECT KEY", "Show a project setting", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", "/v1/admin/projects/"+a[0]+"/settings/"+a[1], nil, nil)
		}),
	)

	user := &cobra.Command{Use: "user", Short: "Users"}
	var isAdmin bool
	uc := sub("create DOMAIN NAME PASSWORD", "Create a user", cobra.ExactArgs(3), func(cmd *cobra.Command, a []string) error {
		return call(cmd, "POST", "/v1/admin/domains/"+a[0]+"/users", nil, map[string]any{"name": a[1], "password": a[2], "admin": isAdmin})
	})
	uc.Flags().BoolVar(&isAdmin, "admin", false, "may use the admin API for its own account (in the root account: for every account)")
	user.AddCommand(uc, sub("list DOMAIN", "List a domain's users", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
		return call(cmd, "GET", "/v1/admin/domains/"+a[0]+"/users", nil, nil)
	}))

	cred := &cobra.Command{Use: "credential", Short: "AK/SK credentials"}
	cred.AddCommand(
		sub("create USER [DESCRIPTION]", "Issue an AK/SK (the SK is shown once)", cobra.RangeArgs(1, 2), func(cmd *cobra.Command, a []string) error {
			desc := ""
			if len(a) > 1 {
				desc = a[1]
			}
			return call(cmd, "POST", "/v1/admin/users/"+a[0]+"/credentials", nil, map[string]any{"description": desc})
		}),
		sub("list USER", "List a user's access keys", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", "/v1/admin/users/"+a[0]+"/credentials", nil, nil)
		}),
		sub("delete AK", "Delete an access key", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "DELETE", "/v1/admin/credentials/"+a[0], nil, nil)
		}),
	)
	cmd.AddCommand(domain, project, user, cred)
	for _, c := range append(extraAdminCommands(call), permissionCommands(call)...) {
		cmd.AddCommand(c)
	}
	resolveNames(cmd, af)
	return cmd
}

// adminCall is the shape of the helper passed to extra admin commands.
type adminCall func(cmd *cobra.Command, method, path string, q url.Values, body any) error

// adminPath is a command's path below "aisd admin" ("domain list").
func adminPath(cmd *cobra.Command) string {
	p := cmd.CommandPath()
	if i := strings.Index(p, " admin "); i >= 0 {
		return p[i+len(" admin "):]
	}
	return p
}
