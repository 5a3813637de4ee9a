package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
)

// Profiles are the saved endpoints and keys of `aisd admin` and `aisd
// wait`, so the environment variables are optional: the file is
// USER_CONFIG_DIR/aisd/config.yaml (AISD_CLI_CONFIG overrides), mode 0600,
// since it holds secret keys.
type profiles struct {
	Current  string              `yaml:"current,omitempty"`
	Profiles map[string]*profile `yaml:"profiles"`
}

type profile struct {
	Endpoint string `yaml:"endpoint,omitempty"`
	AK       string `yaml:"ak,omitempty"`
	SK       string `yaml:"sk,omitempty"`
}

const defaultProfile = "default"

// profileKeys are what `aisd config set` accepts.
var profileKeys = []string{"endpoint", "ak", "sk"}

func profilesPath() (string, error) {
	if p := os.Getenv("AISD_CLI_CONFIG"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config directory for profiles (%v): set AISD_CLI_CONFIG", err)
	}
	return filepath.Join(dir, "aisd", "config.yaml"), nil
}

func loadProfiles() (*profiles, string, error) {
	path, err := profilesPath()
	if err != nil {
		return nil, "", err
	}
	ps := &profiles{Profiles: map[string]*profile{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return ps, path, nil
	}
	if err != nil {
		return nil, path, err
	}
	if err := yaml.Unmarshal(b, ps); err != nil {
		return nil, path, fmt.Errorf("%s: %w", path, err)
	}
	if ps.Profiles == nil {
		ps.Profiles = map[string]*profile{}
	}
	return ps, path, nil
}

func (ps *profiles) save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := yaml.Marshal(ps)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// selected names the profile in use: --profile, else AISD_PROFILE, else
// the file's current one, else "default".
func (ps *profiles) selected(flag string) string {
	for _, n := range []string{flag, os.Getenv("AISD_PROFILE"), ps.Current} {
		if n != "" {
			return n
		}
	}
	return defaultProfile
}

func mask(sk string) string {
	if len(sk) <= 4 {
		return strings.Repeat("*", len(sk))
	}
	return sk[:2] + strings.Repeat("*", len(sk)-4) + sk[len(sk)-2:]
}

func configCmd() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Saved profiles (endpoint, access key, secret key) for aisd admin and aisd wait",
		Long: "Profiles save the server's endpoint and an administrator's AK/SK so that\n" +
			"AISD_ENDPOINT, AISD_ROOT_AK and AISD_ROOT_SK are optional. Flags win over the\n" +
			"environment, the environment over the profile. The file is kept with mode 0600.",
	}
	cmd.PersistentFlags().StringVar(&name, "profile", "", "profile name (default $AISD_PROFILE, the current profile, or \"default\")")
	set := &cobra.Command{
		Use:       "set endpoint|ak|sk VALUE",
		Short:     "Set a value of a profile (creating it)",
		Args:      cobra.ExactArgs(2),
		ValidArgs: profileKeys,
		RunE: func(cmd *cobra.Command, a []string) error {
			if !slices.Contains(profileKeys, a[0]) {
				return fmt.Errorf("unknown key %q: want endpoint, ak or sk", a[0])
			}
			ps, path, err := loadProfiles()
			if err != nil {
				return err
			}
			n := ps.selected(name)
			p := ps.Profiles[n]
			if p == nil {
				p = &profile{}
				ps.Profiles[n] = p
			}
			switch a[0] {
			case "endpoint":
				p.Endpoint = strings.TrimRight(a[1], "/")
			case "ak":
				p.AK = a[1]
			case "sk":
				p.SK = a[1]
			}
			if ps.Current == "" {
				ps.Current = n
			}
			if err := ps.save(path); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "profile %s: %s set\n", n, a[0])
			return nil
		},
	}
	get := &cobra.Command{
		Use:       "get endpoint|ak|sk",
		Short:     "Print a value of a profile",
		Args:      cobra.ExactArgs(1),
		ValidArgs: profileKeys,
		RunE: func(cmd *cobra.Command, a []string) error {
			ps, _, err := loadProfiles()
			if err != nil {
				return err
			}
			n := ps.selected(name)
			p := ps.Profiles[n]
			if p == nil {
				return fmt.Errorf("no profile %q", n)
			}
			v := map[string]string{"endpoint": p.Endpoint, "ak": p.AK, "sk": p.SK}[a[0]]
			if !slices.Contains(profileKeys, a[0]) {
				return fmt.Errorf("unknown key %q: want endpoint, ak or sk", a[0])
			}
			fmt.Fprintln(cmd.OutOrStdout(), v)
			return nil
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the profiles (secret keys masked)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ps, _, err := loadProfiles()
			if err != nil {
				return err
			}
			var rows []any
			cur := ps.selected("")
			for _, n := range sortedNames(ps.Profiles) {
				p := ps.Profiles[n]
				mark := ""
				if n == cur {
					mark = "*"
				}
				rows = append(rows, map[string]any{"current": mark, "name": n, "endpoint": p.Endpoint, "ak": p.AK, "sk": mask(p.SK)})
			}
			return table(cmd.OutOrStdout(), rows, view{"", cols("CURRENT NAME ENDPOINT ACCESS_KEY=ak SECRET_KEY=sk")})
		},
	}
	use := &cobra.Command{
		Use:   "use NAME",
		Short: "Make a profile the current one",
		Args:  cobra.ExactArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			ps, _, err := loadProfiles()
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return sortedNames(ps.Profiles), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, a []string) error {
			ps, path, err := loadProfiles()
			if err != nil {
				return err
			}
			if ps.Profiles[a[0]] == nil {
				return fmt.Errorf("no profile %q (aisd config set endpoint URL --profile %s makes one)", a[0], a[0])
			}
			ps.Current = a[0]
			if err := ps.save(path); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "current profile: %s\n", a[0])
			return nil
		},
	}
	del := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a profile",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			ps, path, err := loadProfiles()
			if err != nil {
				return err
			}
			if ps.Profiles[a[0]] == nil {
				return fmt.Errorf("no profile %q", a[0])
			}
			delete(ps.Profiles, a[0])
			if ps.Current == a[0] {
				ps.Current = ""
			}
			return ps.save(path)
		},
	}
	pathCmd := &cobra.Command{
		Use:   "path",
		Short: "Print where the profiles are kept",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := profilesPath()
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), p)
			return nil
		},
	}
	cmd.AddCommand(set, get, list, use, del, pathCmd)
	return cmd
}

func sortedNames(m map[string]*profile) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
