package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/server"
)

// TestAdminPolicyCLI drives `aisd admin policy …` and `aisd admin sts …`
// against a server: a custom policy from a file, attached to a user in a
// project and shown back; the system roles listed; the temporary
// credentials in force listed.
func TestAdminPolicyCLI(t *testing.T) {
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
	dom, pid := s.Root.Domain.ID, s.Root.Project.ID

	out, err := run(t, append(adm, "user", "create", dom, "dev", "password123")...)
	if err != nil {
		t.Fatal(err, out)
	}
	var u struct {
		User struct{ ID string } `json:"user"`
	}
	if err := json.Unmarshal([]byte(out), &u); err != nil || u.User.ID == "" {
		t.Fatalf("user create: %v %s", err, out)
	}
	doc := filepath.Join(dir, "policy.json")
	if err := os.WriteFile(doc, []byte(`{"Version":"1.1","Statement":[{"Effect":"Allow","Action":["moderation:text:create"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, st := range [][]string{
		{"policy", "put", dom, "text moderation only", doc, "--description", "comments"},
		{"policy", "attach", u.User.ID, pid, "text moderation only", "OCR FullAccess"},
	} {
		if out, err := run(t, append(adm, st...)...); err != nil {
			t.Fatalf("%v: %v %s", st, err, out)
		}
	}
	out, err = run(t, append(adm, "policy", "user", u.User.ID)...)
	if err != nil || !strings.Contains(out, "text moderation only") || !strings.Contains(out, "OCR FullAccess") || !strings.Contains(out, `"restricted": true`) {
		t.Fatalf("policy user: %v %s", err, out)
	}
	out, err = run(t, append(adm, "policy", "list", dom)...)
	if err != nil || !strings.Contains(out, "Tenant Administrator") || !strings.Contains(out, "comments") {
		t.Fatalf("policy list: %v %s", err, out)
	}
	// A system policy cannot be replaced; an attached one not deleted.
	if _, err := run(t, append(adm, "policy", "put", dom, "OCR FullAccess", doc)...); err == nil || !strings.Contains(err.Error(), "AIP.0016") {
		t.Fatalf("replacing a system policy: %v", err)
	}
	if _, err := run(t, append(adm, "policy", "delete", dom, "text moderation only")...); err == nil || !strings.Contains(err.Error(), "AIP.0016") {
		t.Fatalf("deleting an attached policy: %v", err)
	}
	out, err = run(t, append(adm, "sts", "list", dom)...)
	if err != nil || !strings.Contains(out, `"credentials": []`) {
		t.Fatalf("sts list: %v %s", err, out)
	}
}
