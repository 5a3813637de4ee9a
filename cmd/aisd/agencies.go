package main

import (
	"github.com/spf13/cobra"
)

// agencyCommands are `aisd admin agency …`: the agencies an account grants
// another account, which the IAM API's assume_role turns into temporary
// credentials in the granting account.
func agencyCommands(call adminCall) []*cobra.Command {
	sub := func(use, short string, args cobra.PositionalArgs, run func(cmd *cobra.Command, a []string) error) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: args, RunE: run}
	}
	agency := &cobra.Command{Use: "agency", Short: "Agencies: let another account act in this one (assume_role)"}
	var desc, duration, trustName string
	create := sub("create DOMAIN_ID NAME TRUSTED_DOMAIN_ID|- POLICY...", "Grant the trusted account the policies named, in DOMAIN_ID (\"-\" with --trusted-name)", cobra.MinimumNArgs(4), func(cmd *cobra.Command, a []string) error {
		body := map[string]any{"name": a[1], "policies": a[3:], "description": desc, "duration": duration}
		if a[2] != "-" {
			body["trust_domain_id"] = a[2]
		} else {
			body["trust_domain_name"] = trustName
		}
		return call(cmd, "POST", "/v1/admin/domains/"+a[0]+"/agencies", nil, body)
	})
	create.Flags().StringVar(&desc, "description", "", "what the agency is for")
	create.Flags().StringVar(&duration, "duration", "FOREVER", "FOREVER or ONEDAY (the agency ends a day after creation)")
	create.Flags().StringVar(&trustName, "trusted-name", "", "the trusted account by name (with TRUSTED_DOMAIN_ID \"-\")")
	agency.AddCommand(create,
		sub("list DOMAIN_ID", "List the agencies an account grants", cobra.ExactArgs(1), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", "/v1/admin/domains/"+a[0]+"/agencies", nil, nil)
		}),
		sub("show DOMAIN_ID NAME", "Show an agency", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "GET", "/v1/admin/domains/"+a[0]+"/agencies/"+a[1], nil, nil)
		}),
		sub("delete DOMAIN_ID NAME", "Delete an agency: credentials obtained through it stop working", cobra.ExactArgs(2), func(cmd *cobra.Command, a []string) error {
			return call(cmd, "DELETE", "/v1/admin/domains/"+a[0]+"/agencies/"+a[1], nil, nil)
		}),
	)
	return []*cobra.Command{agency}
}
