package config

import (
	"os"
	"path/filepath"
	"strings"
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

func TestOBSSettings(t *testing.T) {
	env := map[string]string{
		"AISD_OBS_ENDPOINT": "s3.example.test:9000", "AISD_OBS_ACCESS_KEY": "AK", "AISD_OBS_SECRET_KEY": "SK",
		"AISD_OBS_REGION": "cn-north-4", "AISD_OBS_BUCKET_PREFIX": "aisd-", "AISD_OBS_CA_FILE": "/etc/aisd/ca.pem",
	}
	c, err := Load("", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if c.OBSAccessKey != "AK" || c.OBSSecretKey != "SK" || c.OBSRegion != "cn-north-4" || c.OBSBucketPrefix != "aisd-" || c.OBSCAFile != "/etc/aisd/ca.pem" {
		t.Fatalf("unexpected config %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for raw, want := range map[string]struct {
		host   string
		secure bool
	}{
		"s3.example.test:9000":          {"s3.example.test:9000", true},
		"https://s3.example.test":       {"s3.example.test", true},
		"http://127.0.0.1:8081/":        {"127.0.0.1:8081", false},
		" https://[::1]:9000 ":          {"[::1]:9000", true},
		"https://obs.cn-north-4.test:1": {"obs.cn-north-4.test:1", true},
	} {
		c := Config{OBSEndpoint: raw}
		host, secure, err := c.OBSEndpointHost()
		if err != nil || host != want.host || secure != want.secure {
			t.Errorf("%q: %q %v %v, want %q %v", raw, host, secure, err, want.host, want.secure)
		}
	}
	ok := Default()
	ok.OBSEndpoint, ok.OBSAccessKey, ok.OBSSecretKey = "https://s3.example.test", "AK", "SK"
	for name, tc := range map[string]struct {
		edit func(*Config)
		want string
	}{
		"no secret":             {func(c *Config) { c.OBSSecretKey = "" }, "obs_access_key and obs_secret_key"},
		"dir and endpoint":      {func(c *Config) { c.OBSDir = "/srv/obs" }, "not both"},
		"ftp":                   {func(c *Config) { c.OBSEndpoint = "ftp://s3.example.test" }, "https or http"},
		"path":                  {func(c *Config) { c.OBSEndpoint = "https://s3.example.test/bucket" }, "host[:port] only"},
		"userinfo":              {func(c *Config) { c.OBSEndpoint = "https://ak:sk@s3.example.test" }, "obs_access_key"},
		"upper-case prefix":     {func(c *Config) { c.OBSBucketPrefix = "Aisd-" }, "obs_bucket_prefix"},
		"prefix too long":       {func(c *Config) { c.OBSBucketPrefix = strings.Repeat("a", 61) }, "obs_bucket_prefix"},
		"CA over http":          {func(c *Config) { c.OBSEndpoint, c.OBSCAFile = "http://127.0.0.1:9000", "ca.pem" }, "plain http"},
		"keys without endpoint": {func(c *Config) { c.OBSEndpoint = "" }, "obs_endpoint is not"},
	} {
		c := ok
		tc.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate = %v, want an error mentioning %q", name, err, tc.want)
		}
	}
}
