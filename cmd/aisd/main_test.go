package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/server"
)

const (
	ak = "AISDCLITESTAK0000001"
	sk = "aisdCliTestSecretKey00000000000000000001"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestAdminCLI(t *testing.T) {
	cfg := config.Default()
	dir := t.TempDir()
	cfg.DataDir, cfg.DSN = dir, "sqlite:"+filepath.Join(dir, "aisd.db")
	cfg.RootAK, cfg.RootSK, cfg.Engines = ak, sk, nil
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer func() { srv.Close(); s.Close() }()
	adm := []string{"admin", "--endpoint", srv.URL, "--ak", ak, "--sk", sk, "-o", "json"}

	out, err := run(t, append(adm, "domain", "create", "acme")...)
	if err != nil {
		t.Fatal(err, out)
	}
	var created struct {
		Domain  struct{ ID string } `json:"domain"`
		Project struct{ ID string } `json:"project"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.Project.ID == "" {
		t.Fatalf("domain create: %v %s", err, out)
	}
	pid := created.Project.ID
	steps := [][]string{
		{"domain", "freeze", created.Domain.ID},
		{"domain", "unfreeze", created.Domain.ID},
		{"subscription", "add", pid, "ocr.general-text"},
		{"fault", "add", pid, "--api", "RecognizeGeneralText", "--code", "AIS.0105", "--count", "3"},
		{"usage", pid},
		{"project", "agency", pid, "ocr.general-text", "true"},
	}
	for _, st := range steps {
		if out, err := run(t, append(adm, st...)...); err != nil {
			t.Fatalf("%v: %v %s", st, err, out)
		}
	}
	out, err = run(t, append(adm, "subscription", "list", pid)...)
	if err != nil || !strings.Contains(out, "ocr.general-text") {
		t.Fatalf("subscription list: %v %s", err, out)
	}
	out, err = run(t, append(adm, "fault", "list", pid)...)
	if err != nil || !strings.Contains(out, "AIS.0105") {
		t.Fatalf("fault list: %v %s", err, out)
	}
	// A failing call reports the catalog code and request id.
	_, err = run(t, append(adm, "subscription", "add", pid, "no.such-service")...)
	if err == nil || !strings.Contains(err.Error(), "AIP.0004") {
		t.Fatalf("unknown service: %v", err)
	}
	if _, err := run(t, "admin", "--endpoint", srv.URL, "--ak", ak, "--sk", "wrong", "domain", "list"); err == nil || !strings.Contains(err.Error(), "APIG.0301") {
		t.Fatalf("wrong secret: %v", err)
	}
}

func TestVersion(t *testing.T) {
	out, err := run(t, "version")
	if err != nil || !strings.HasPrefix(out, "aisd ") {
		t.Fatalf("%v %q", err, out)
	}
}

// The --obs-* flags reach the settings: a serve whose object store cannot
// work stops before listening, saying why.
func TestServeOBSFlags(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--obs-endpoint", "ftp://s3.example.test"}, "obs_endpoint \"ftp://s3.example.test\": scheme must be https or http"},
		{[]string{"--obs-endpoint", "https://s3.example.test"}, "obs_endpoint needs obs_access_key and obs_secret_key"},
		{[]string{"--obs-dir", dir, "--obs-endpoint", "https://s3.example.test"}, "set obs_dir or obs_endpoint, not both"},
		{[]string{"--obs-ca-file", "ca.pem"}, "obs_ca_file is set but obs_endpoint is not"},
	} {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--dsn", "memory:"}, c.args...)
		if _, err := run(t, args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("serve %v: %v, want %q", c.args, err, c.want)
		}
	}
}

// `aisd worker` checks its settings as `aisd serve` does, before it opens
// anything or loads a model: each bad setting stops it with the reason.
func TestWorkerValidatesConfig(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		yaml string
		args []string
		want string
	}{
		{"ocr_mode: fast\n", nil, `ocr_mode "fast": want accurate or reference`},
		{"redis: 127.0.0.1:6379\n", nil, "redis must be a redis:// or rediss:// URL"},
		{"gateway_max_mb: 4\nservice_max_mb: 8\n", nil, "body limits: need 0 < service_max_mb (8) <= gateway_max_mb (4)"},
		{"", []string{"--advertise-url", "ftp://w1:8090"}, `advertise_url "ftp://w1:8090": want an http:// or https:// URL`},
		{"obs_ca_file: ca.pem\n", nil, "obs_ca_file is set but obs_endpoint is not"},
	} {
		file := filepath.Join(dir, "aisd.yaml")
		if err := os.WriteFile(file, []byte("worker_key: 00112233445566778899aabbccddeeff\n"+c.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"worker", "-c", file, "--addr", "127.0.0.1:0", "--data-dir", dir, "--dsn", "memory:", "--engines", "moderation"}, c.args...)
		// A worker that starts despite the setting serves until the
		// context ends, then returns nil: the test fails, not hangs.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		root := newRoot()
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		root.SetArgs(args)
		err := root.ExecuteContext(ctx)
		cancel()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("worker %q %v: %v, want %q", c.yaml, c.args, err, c.want)
		}
	}
}
