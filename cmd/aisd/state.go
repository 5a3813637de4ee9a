package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/platform/obs"
	"github.com/aisd/aisd/internal/platform/state"
	"github.com/aisd/aisd/internal/store"
)

// stateCmd is `aisd state export|import`: the whole state of an instance
// (store rows, server key, buckets and objects) as one tar.gz archive.
func stateCmd() *cobra.Command {
	var (
		file  string
		flags config.Config
	)
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Export or import the whole state (store, server key, objects) as one archive",
		Long: "Export or import everything an instance keeps — the store's rows, the server key\n" +
			"that seals its secret keys, and every bucket and object — as one tar.gz archive,\n" +
			"so a test suite can start from a snapshot. The instance is the one the same\n" +
			"settings as aisd serve name (--config, AISD_* variables, these flags). A SQLite\n" +
			"snapshot restores into PostgreSQL and back; the memory store keeps nothing to export.\n" +
			"Import into a stopped server: a running one keeps what it read in memory.",
	}
	pf := cmd.PersistentFlags()
	pf.StringVarP(&file, "config", "c", "", "YAML config file, as for aisd serve")
	pf.StringVar(&flags.DataDir, "data-dir", "", "data directory (default ./data)")
	pf.StringVar(&flags.DSN, "dsn", "", "store DSN (default SQLite in the data directory)")
	pf.StringVar(&flags.OBSDir, "obs-dir", "", "directory of the local object store (default DATA_DIR/obs)")

	open := func(cmd *cobra.Command) (state.Instance, func(), error) {
		cfg, err := config.Load(file, os.LookupEnv)
		if err != nil {
			return state.Instance{}, nil, err
		}
		f := cmd.Flags()
		for name, dst := range map[string]*string{"data-dir": &cfg.DataDir, "dsn": &cfg.DSN, "obs-dir": &cfg.OBSDir} {
			if f.Changed(name) {
				*dst = map[string]string{"data-dir": flags.DataDir, "dsn": flags.DSN, "obs-dir": flags.OBSDir}[name]
			}
		}
		st, err := store.Open(cmd.Context(), cfg.ResolvedDSN())
		if err != nil {
			return state.Instance{}, nil, fmt.Errorf("open store: %w", err)
		}
		objs, err := obs.Open(cfg)
		if err != nil {
			st.Close()
			return state.Instance{}, nil, fmt.Errorf("object store: %w", err)
		}
		in := state.Instance{Store: st, Objects: objs}
		if cfg.ServerKey == "" {
			in.KeyFile = filepath.Join(cfg.DataDir, "server.key")
		}
		return in, func() { st.Close() }, nil
	}

	export := &cobra.Command{
		Use:   "export FILE",
		Short: "Write the instance's state to FILE (a .tar.gz; - for standard output)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			in, done, err := open(cmd)
			if err != nil {
				return err
			}
			defer done()
			out, closeOut := cmd.OutOrStdout(), func() error { return nil }
			var tmp string
			if a[0] != "-" {
				// Written beside the target and renamed: an interrupted
				// export leaves no half archive under the name.
				f, err := os.CreateTemp(filepath.Dir(a[0]), ".aisd-state-*")
				if err != nil {
					return err
				}
				tmp = f.Name()
				defer os.Remove(tmp)
				out, closeOut = f, f.Close
			}
			p := newBar(cmd.ErrOrStderr())
			if a[0] == "-" {
				p.On = false
			}
			m, err := state.Export(cmd.Context(), out, in, version, p)
			if cerr := closeOut(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if tmp != "" {
				if err := os.Chmod(tmp, 0o600); err != nil {
					return err
				}
				if err := os.Rename(tmp, a[0]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "exported %s to %s (server key %s)\n", summary(m), a[0], m.ServerKey)
			}
			return nil
		},
	}
	var replace bool
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Restore an exported archive into a fresh instance (- reads standard input)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			in, done, err := open(cmd)
			if err != nil {
				return err
			}
			defer done()
			src := cmd.InOrStdin()
			if a[0] != "-" {
				f, err := os.Open(a[0])
				if err != nil {
					return err
				}
				defer f.Close()
				src = f
			}
			m, err := state.Import(cmd.Context(), src, in, state.ImportOptions{Replace: replace, Progress: newBar(cmd.ErrOrStderr())})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "imported %s from %s\n", summary(m), a[0])
			return nil
		},
	}
	imp.Flags().BoolVar(&replace, "replace", false, "empty the store and the object store first (else they must be empty)")
	cmd.AddCommand(export, imp)
	return cmd
}

// summary is "12 rows in 5 tables, 3 objects in 1 bucket (2.0 KiB)".
func summary(m state.Manifest) string {
	var rows int64
	var names []string
	for k, n := range m.Tables {
		rows += n
		if n > 0 {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	plural := func(n int64, one string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	return fmt.Sprintf("%s (%s), %s in %s (%s)", plural(rows, "row"), strings.Join(names, ", "),
		plural(int64(m.Objects), "object"), plural(int64(m.Buckets), "bucket"), size(m.Bytes))
}
