package main

import (
	"bufio"
	"context"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/aisd/aisd/internal/config"
)

const deployDir = "../../deploy"

// checkArgs parses a command line of deploy/ with the real command tree:
// an unknown subcommand or flag fails here, not at a user's start-up.
// It returns the parsed flag values by name ("" for an unset flag).
func checkArgs(t *testing.T, where string, args []string) func(flag string) string {
	t.Helper()
	root := newRoot()
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root {
		t.Errorf("%s: %q names no aisd command (%v)", where, args, err)
		return func(string) string { return "" }
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Errorf("%s: %q: %v", where, args, err)
	}
	if n := len(cmd.Flags().Args()); n > 0 {
		t.Errorf("%s: %q: stray arguments %q", where, args, cmd.Flags().Args())
	}
	return func(flag string) string {
		f := cmd.Flags().Lookup(flag)
		if f == nil || !f.Changed {
			return ""
		}
		if sv, ok := f.Value.(interface{ GetSlice() []string }); ok {
			return strings.Join(sv.GetSlice(), ",")
		}
		return f.Value.String()
	}
}

// checkAdvertised checks that a worker registers a URL the replicas can
// reach: http:// host, with the port it listens on.
func checkAdvertised(t *testing.T, where, advertise, listen, wantHost string) {
	t.Helper()
	u, err := url.Parse(advertise)
	if err != nil || u.Scheme != "http" {
		t.Errorf("%s: --advertise-url %q: want http://host:port, so that replicas with --workers discover find it", where, advertise)
		return
	}
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		t.Errorf("%s: --addr %q: %v", where, listen, err)
		return
	}
	if u.Hostname() != wantHost || u.Port() != port {
		t.Errorf("%s: advertises %q, want http://%s:%s (its own reachable name and listen port)", where, advertise, wantHost, port)
	}
}

// checkEnv loads an env file as aisd would and checks each AISD_ name is a
// setting: a misspelt one would be ignored without a word.
func checkEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("%s: %q is not NAME=value", path, line)
			continue
		}
		env[k] = v
	}
	known := map[string]bool{}
	cfg, err := config.Load("", func(k string) (string, bool) { known[k] = true; v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for k := range env {
		if !known[k] {
			t.Errorf("%s: %s is no aisd setting", path, k)
		}
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("%s: settings do not validate: %v", path, err)
	}
	return env
}

func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(deployDir, "compose", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Image   string   `yaml:"image"`
			Command []string `yaml:"command"`
			EnvFile string   `yaml:"env_file"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	serves, workers := 0, 0
	for name, s := range c.Services {
		if s.Image != "aisd:latest" {
			continue
		}
		flag := checkArgs(t, "compose "+name, s.Command)
		switch s.Command[0] {
		case "serve":
			serves++
			// The replicas forward to the workers registered in the
			// store, not to a list written here.
			if got := flag("workers"); got != "discover" {
				t.Errorf("compose %s: --workers %q, want discover", name, got)
			}
		case "worker":
			workers++
			// Each worker registers its service name on the compose
			// network, which every replica resolves.
			checkAdvertised(t, "compose "+name, flag("advertise-url"), flag("addr"), name)
		}
		if s.EnvFile != "aisd.env" {
			t.Errorf("compose %s: env_file %q", name, s.EnvFile)
		}
	}
	if serves < 2 || workers < 2 {
		t.Fatalf("compose: %d replicas and %d workers, want at least 2 of each", serves, workers)
	}
	env := checkEnv(t, filepath.Join(deployDir, "compose", "aisd.env.example"))
	for _, k := range []string{"AISD_DSN", "AISD_REDIS", "AISD_OBS_ENDPOINT", "AISD_WORKER_KEY", "AISD_SERVER_KEY"} {
		if env[k] == "" {
			t.Errorf("compose env: %s unset", k)
		}
	}

	// The file itself, by a real engine where one answers.
	for _, engine := range []string{"docker", "podman"} {
		if _, err := exec.LookPath(engine); err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := exec.CommandContext(ctx, engine, "info").Run(); err != nil {
			continue
		}
		out, err := exec.CommandContext(ctx, engine, "compose", "-f", filepath.Join(deployDir, "compose", "compose.yaml"), "config", "--quiet").CombinedOutput()
		if err != nil {
			t.Fatalf("%s compose config: %v\n%s", engine, err, out)
		}
		return
	}
	t.Log("compose file checked without an engine: no docker or podman daemon answers here")
}

func TestSystemdUnits(t *testing.T) {
	for _, unit := range []string{"aisd.service", "aisd-worker@.service"} {
		f, err := os.Open(filepath.Join(deployDir, "systemd", unit))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		found := false
		for sc.Scan() {
			line, ok := strings.CutPrefix(sc.Text(), "ExecStart=")
			if !ok {
				continue
			}
			found = true
			// Two instances: each must listen and advertise on its own port.
			for _, port := range []string{"8090", "8091"} {
				args := strings.Fields(strings.ReplaceAll(line, "%i", port))
				if args[0] != "/usr/local/bin/aisd" {
					t.Errorf("%s: runs %s", unit, args[0])
				}
				flag := checkArgs(t, unit, args[1:])
				if args[1] == "worker" {
					checkAdvertised(t, unit+" instance "+port, flag("advertise-url"), flag("addr"), "127.0.0.1")
					if !strings.HasSuffix(flag("addr"), ":"+port) {
						t.Errorf("%s instance %s: listens on %q", unit, port, flag("addr"))
					}
				}
			}
		}
		f.Close()
		if !found {
			t.Errorf("%s: no ExecStart", unit)
		}
	}
	env := checkEnv(t, filepath.Join(deployDir, "systemd", "aisd.env.example"))
	if env["AISD_WORKERS"] != "discover" {
		t.Errorf("systemd env: AISD_WORKERS=%q, want discover (the aisd-worker@ instances register themselves)", env["AISD_WORKERS"])
	}
}
