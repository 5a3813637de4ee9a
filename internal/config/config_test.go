package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLayering(t *testing.T) {
	c := Default()
	dir := t.TempDir()
	p := filepath.Join(dir, "aisd.yaml")
	if err := os.WriteFile(p, []byte("addr: 127.0.0.1:9999\nrate_limit: 7\nfetch_allow_cidrs: [127.0.0.0/8]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.LoadFile(p); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AISD_RATE_LIMIT": "9", "AISD_TOKEN_TTL": "1h", "AISD_FETCH_ALLOW_HOSTS": "a.test, b.test"}
	if err := c.LoadEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || c.RateLimit != 9 || c.TokenTTL != time.Hour ||
		len(c.FetchAllowCIDRs) != 1 || len(c.FetchAllowHosts) != 2 || c.FetchAllowHosts[1] != "b.test" {
		t.Fatalf("unexpected config %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := c.ResolvedDSN(); got != "sqlite:./data/aisd.db" {
		t.Fatalf("dsn %q", got)
	}
}

func TestRejects(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.yaml")
	os.WriteFile(p, []byte("adr: x\n"), 0o600)
	c := Default()
	if err := c.LoadFile(p); err == nil {
		t.Fatal("unknown key accepted")
	}
	c = Default()
	c.RootAK = "only-ak"
	if err := c.Validate(); err == nil {
		t.Fatal("root_ak without root_sk accepted")
	}
	c = Default()
	if err := c.LoadEnv(func(k string) (string, bool) { return "x", k == "AISD_RATE_LIMIT" }); err == nil {
		t.Fatal("bad int accepted")
	}
}
