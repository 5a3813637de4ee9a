package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"

	"github.com/spf13/cobra"

	"github.com/aisd/aisd/internal/admin"
)

// adminClient builds the signed client from flags or AISD_ENDPOINT,
// AISD_ROOT_AK and AISD_ROOT_SK.
type adminFlags struct{ endpoint, ak, sk string }

func (f *adminFlags) client() (*admin.Client, error) {
	pick := func(v, env, def string) string {
		if v != "" {
			return v
		}
		if e := os.Getenv(env); e != "" {
			return e
		}
		return def
	}
	c := &admin.Client{
		Endpoint: pick(f.endpoint, "AISD_ENDPOINT", "http://127.0.0.1:8080"),
		AK:       pick(f.ak, "AISD_ROOT_AK", ""),
		SK:       pick(f.sk, "AISD_ROOT_SK", ""),
	}
	if c.AK == "" || c.SK == "" {
		return nil, fmt.Errorf("admin credentials missing: set --ak/--sk or AISD_ROOT_AK/AISD_ROOT_SK (printed at the server's first start)")
	}
	return c, nil
}

func adminCmd() *cobra.Command {
	af := &adminFlags{}
	cmd := &cobra.Command{Use: "admin", Short: "Administer a running server over its authenticated admin API"}
	pf := cmd.PersistentFlags()
	pf.StringVar(&af.endpoint, "endpoint", "", "server URL (default $AISD_ENDPOINT or http://127.0.0.1:8080)")
	pf.StringVar(&af.ak, "ak", "", "administrator access key (default $AISD_ROOT_AK)")
	pf.StringVar(&af.sk, "sk", "", "administrator secret key (default $AISD_ROOT_SK)")

	// call runs one request and prints the JSON answer.
	call := func(cmd *cobra.Command, method, path string, q url.Values, body any) error {
		c, err := af.client()
		if err != nil {
			return err
		}
		var out any
		if err := c.Do(cmd.Context(), method, path, q, body, &out); err != nil {
			return err
		}
		if out == nil {
			return nil
		}
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		return enc.Encode(out)
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
		return sub(use+" DOMAIN_ID", short, cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
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
		sub("paid DOMAIN_ID true|false", "Mark an account paid or unpaid", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "POST", "/v1/admin/domains/"+a[0]+"/paid", nil, map[string]any{"paid": a[1] == "true"})
		}),
	)

	project := &cobra.Command{Use: "project", Short: "Projects"}
	project.AddCommand(
		sub("list DOMAIN_ID", "List a domain's projects", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", "/v1/admin/domains/"+a[0]+"/projects", nil, nil)
		}),
		sub("create DOMAIN_ID NAME", "Create a project (named like a region)", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "POST", "/v1/admin/domains/"+a[0]+"/projects", nil, map[string]any{"name": a[1]})
		}),
		sub("agency PROJECT_ID SERVICE true|false", "Grant or revoke a service's read access to the project's object storage", cobra.ExactArgs(3), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "PUT", "/v1/admin/projects/"+a[0]+"/agencies/"+a[1], nil, map[string]any{"granted": a[2] == "true"})
		}),
		sub("set PROJECT_ID KEY VALUE", "Set a project setting (e.g. ratelimit)", cobra.ExactArgs(3), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "PUT", "/v1/admin/projects/"+a[0]+"/settings/"+a[1], nil, map[string]any{"value": a[2]})
		}),
	)

	user := &cobra.Command{Use: "user", Short: "Users"}
	var isAdmin bool
	uc := sub("create DOMAIN_ID NAME PASSWORD", "Create a user", cobra.ExactArgs(3), func(cmd *cobra.Command, a []string) error {
		return call(cmd, "POST", "/v1/admin/domains/"+a[0]+"/users", nil, map[string]any{"name": a[1], "password": a[2], "admin": isAdmin})
	})
	uc.Flags().BoolVar(&isAdmin, "admin", false, "may use the admin API for its own account (in the root account: for every account)")
	user.AddCommand(uc, sub("list DOMAIN_ID", "List a domain's users", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
		return call(cmd, "GET", "/v1/admin/domains/"+a[0]+"/users", nil, nil)
	}))

	cred := &cobra.Command{Use: "credential", Short: "AK/SK credentials"}
	cred.AddCommand(
		sub("create USER_ID [DESCRIPTION]", "Issue an AK/SK (the SK is shown once)", cobra.RangeArgs(1, 2), func(cmd *cobra.Command, a []string) error {
			desc := ""
			if len(a) > 1 {
				desc = a[1]
			}
			return call(cmd, "POST", "/v1/admin/users/"+a[0]+"/credentials", nil, map[string]any{"description": desc})
		}),
		sub("list USER_ID", "List a user's access keys", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
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
	return cmd
}

// adminCall is the shape of the helper passed to extra admin commands.
type adminCall func(cmd *cobra.Command, method, path string, q url.Values, body any) error
