package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// permissionCommands are `aisd admin policy …` (permission policies and
// their attachment to users) and `aisd admin sts …` (temporary
// credentials in force).
// Names go into paths unescaped: the signed client escapes each segment
// (policy names have spaces).
func permissionCommands(call adminCall) []*cobra.Command {
	sub := func(use, short string, args cobra.PositionalArgs, run func(cmd *cobra.Command, a []string) error) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: args, RunE: run}
	}

	policy := &cobra.Command{Use: "policy", Short: "Permission policies (system roles such as \"OCR FullAccess\", and custom JSON policies)"}
	var desc string
	put := sub("put DOMAIN NAME FILE|-", "Create or replace a custom policy from a JSON document ({\"Version\":\"1.1\",\"Statement\":[…]})", cobra.ExactArgs(3), func(cmd *cobra.Command, a []string) error {
		var raw []byte
		var err error
		if a[2] == "-" {
			raw, err = readAll(cmd)
		} else {
			raw, err = os.ReadFile(a[2])
		}
		if err != nil {
			return err
		}
		if !json.Valid(raw) {
			return fmt.Errorf("%s is not JSON", a[2])
		}
		return call(cmd, "PUT", "/v1/admin/domains/"+a[0]+"/policies/"+a[1], nil,
			map[string]any{"description": desc, "policy": json.RawMessage(raw)})
	})
	put.Flags().StringVar(&desc, "description", "", "what the policy is for")
	policy.AddCommand(
		sub("list DOMAIN", "List the system policies and the domain's custom ones", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", "/v1/admin/domains/"+a[0]+"/policies", nil, nil)
		}),
		sub("show DOMAIN NAME", "Show a policy", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", "/v1/admin/domains/"+a[0]+"/policies/"+a[1], nil, nil)
		}),
		put,
		sub("delete DOMAIN NAME", "Delete a custom policy no user holds", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "DELETE", "/v1/admin/domains/"+a[0]+"/policies/"+a[1], nil, nil)
		}),
		sub("attach USER PROJECT|* [POLICY]...", "Set the policies a user holds in a project (\"*\": every project); none detaches them all there", cobra.MinimumNArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "PUT", "/v1/admin/users/"+a[0]+"/policies/"+a[1], nil, map[string]any{"policies": append([]string{}, a[2:]...)})
		}),
		sub("user USER", "Show the policies a user holds, by project", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", "/v1/admin/users/"+a[0]+"/policies", nil, nil)
		}),
	)

	sts := &cobra.Command{Use: "sts", Short: "Temporary credentials (issued by POST /v3.0/OS-CREDENTIAL/securitytokens)"}
	sts.AddCommand(
		sub("list DOMAIN", "List the temporary credentials in force", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", "/v1/admin/domains/"+a[0]+"/securitytokens", nil, nil)
		}),
		sub("revoke DOMAIN AK", "Revoke temporary credentials (and every pair obtained with them)", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "DELETE", "/v1/admin/domains/"+a[0]+"/securitytokens/"+strings.TrimSpace(a[1]), nil, nil)
		}),
	)
	return append(append([]*cobra.Command{policy, sts}, agencyCommands(call)...), inferCommands(call)...)
}

func readAll(cmd *cobra.Command) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 1<<20+1))
	if err == nil && len(b) > 1<<20 {
		err = fmt.Errorf("policy document over 1 MiB")
	}
	return b, err
}
