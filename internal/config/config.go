// Package config holds aisd's settings: embedded defaults, overridden by an
// optional YAML file, then AISD_* environment variables, then flags.
package config

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is every setting of the server. YAML keys and AISD_<UPPER_KEY>
// environment variables use the yaml tag names.
type Config struct {
	Addr      string `yaml:"addr"`
	DataDir   string `yaml:"data_dir"`
	DSN       string `yaml:"dsn"` // sqlite:PATH or postgres://…; default sqlite under data_dir
	Region    string `yaml:"region"`
	ModelsDir string `yaml:"models_dir"`
	LogLevel  string `yaml:"log_level"`
	LogFormat string `yaml:"log_format"` // json or text

	// Root credentials (MinIO-style); generated on first start when empty.
	RootAK string `yaml:"root_ak"`
	RootSK string `yaml:"root_sk"`
	// ServerKey (hex, 32 bytes) seals stored SKs and tokens; default: a key
	// file generated under data_dir.
	ServerKey string `yaml:"server_key"`

	TokenTTL time.Duration `yaml:"token_ttl"`
	// CacheTTL bounds how long a credential, user, domain or project
	// changed by another process (replica) may be served from memory;
	// changes made through this process are seen at once.
	CacheTTL time.Duration `yaml:"cache_ttl"`
	// DecodeBudgetMB bounds the memory of all images being decoded and
	// worked on at once; a request waits for its share (then answers
	// busy), an image whose share alone is over it is refused.
	DecodeBudgetMB int           `yaml:"decode_budget_mb"`
	ClockSkew      time.Duration `yaml:"clock_skew"`     // accepted X-Sdk-Date drift
	LockFailures   int           `yaml:"lock_failures"`  // consecutive AK/SK (or password login) failures before lock
	LockDuration   time.Duration `yaml:"lock_duration"`  // how long a locked AK (or domain/user name) stays locked
	GatewayMaxMB   int           `yaml:"gateway_max_mb"` // APIG body limit
	ServiceMaxMB   int           `yaml:"service_max_mb"` // per-service body limit

	RateLimit       int           `yaml:"rate_limit"`        // calls per user per API per minute
	MaxInflight     int           `yaml:"max_inflight"`      // per service
	BackendTimeout  time.Duration `yaml:"backend_timeout"`   // platform deadline per model call
	GatewayTimeout  time.Duration `yaml:"gateway_timeout"`   // APIG deadline per request
	FreePerMonth    int64         `yaml:"free_per_month"`    // free calls per service per month
	AutoSubscribe   bool          `yaml:"auto_subscribe"`    // subscribe the root project to every service
	FetchAllowCIDRs []string      `yaml:"fetch_allow_cidrs"` // SSRF allow-list for url inputs
	FetchAllowHosts []string      `yaml:"fetch_allow_hosts"`
	// Object storage: the local directory obs_dir (default data_dir/obs),
	// or, when obs_endpoint is set, an S3-compatible endpoint
	// (https://host[:port]; http:// only when written so) reached with the
	// operator credential obs_access_key/obs_secret_key. obs_region is the
	// endpoint's signing region (default us-east-1), obs_bucket_prefix is
	// put before every bucket name there, and obs_ca_file (PEM) adds CAs to
	// trust beside the system's.
	OBSDir          string        `yaml:"obs_dir"`
	OBSEndpoint     string        `yaml:"obs_endpoint"`
	OBSAccessKey    string        `yaml:"obs_access_key"`
	OBSSecretKey    string        `yaml:"obs_secret_key"`
	OBSRegion       string        `yaml:"obs_region"`
	OBSBucketPrefix string        `yaml:"obs_bucket_prefix"`
	OBSCAFile       string        `yaml:"obs_ca_file"`
	S3Addr          string        `yaml:"s3_addr"` // listen address of the S3-compatible upload API; empty: off
	JobWorkers      int           `yaml:"job_workers"`
	JobRetention    time.Duration `yaml:"job_retention"`
	// JobLease is how long a running job may go without its runner's
	// heartbeat before another process takes it over. 0 picks 30s when
	// replicas may share the database (a postgres dsn, redis or workers set) and
	// off otherwise; negative is off. Off, a process assumes it is the
	// database's only user and resumes every running job at start.
	JobLease time.Duration `yaml:"job_lease"`
	// Workers lists inference workers (`aisd worker`) by base URL
	// (http://host:port); when set, this process loads no models and
	// forwards every call of its engines to them. WorkerKey is the secret
	// the workers and their serving replicas share (hex, at least 16
	// bytes). A forwarded call's deadline is backend_timeout.
	// Workers may instead be the one word "discover": the replica then
	// forwards to the workers registered in the shared store (each
	// `aisd worker` registers itself at advertise_url, or at its listen
	// address when that names a host, and renews the entry every 2 s).
	Workers   []string `yaml:"workers"`
	WorkerKey string   `yaml:"worker_key"`
	// AdvertiseURL is the URL (http://host:port) replicas reach this
	// worker at, registered in the store; default: http:// and the worker's
	// listen address, unless that is a wildcard one.
	AdvertiseURL string `yaml:"advertise_url"`
	ORTThreads   int    `yaml:"ort_threads"`
	// Engines lists the model engines to load (ocr, moderation, image);
	// empty loads none.
	Engines []string `yaml:"engines"`
	// Redis (redis://[user:pass@]host:port/db, rediss://… for TLS), when
	// set, holds the rate windows, authentication lockouts and in-flight
	// counts shared by every replica; a replica that cannot reach it
	// refuses to start.
	Redis string `yaml:"redis"`
	// RedisPrefix starts every key aisd keeps in Redis ("aisd:"), so that
	// several deployments (or test runs) can share one Redis database.
	RedisPrefix string `yaml:"redis_prefix"`
	// OCRMode names the OCR pipeline's settings: "accurate" (the default,
	// chosen by character error rate on ground truth; see
	// docs/benchmarks-ocr-accuracy.md) or "reference" (RapidOCR v3.5.0's
	// settings exactly).
	OCRMode string `yaml:"ocr_mode"`
	// InvoiceVerifyURL is the operator's invoice verification endpoint
	// (http or https), called by invoice-verification with the API's
	// request body; empty: the API answers that it is not started.
	// InvoiceVerifyTimeout bounds each call (default 10s).
	InvoiceVerifyURL     string        `yaml:"invoice_verify_url"`
	InvoiceVerifyTimeout time.Duration `yaml:"invoice_verify_timeout"`
}

// WorkersDiscover is the workers setting that finds the workers in the
// store instead of listing them.
const WorkersDiscover = "discover"

// DiscoverWorkers reports whether the workers are found in the store.
func (c Config) DiscoverWorkers() bool {
	return len(c.Workers) == 1 && c.Workers[0] == WorkersDiscover
}

// Default returns the embedded defaults: loopback, SQLite under ./data.
func Default() Config {
	return Config{
		Addr:           "127.0.0.1:8080",
		DataDir:        "./data",
		Region:         "cn-north-4",
		LogLevel:       "info",
		LogFormat:      "json",
		TokenTTL:       24 * time.Hour,
		CacheTTL:       2 * time.Second,
		DecodeBudgetMB: 1200,
		ClockSkew:      15 * time.Minute,
		LockFailures:   5,
		RedisPrefix:    "aisd:",
		LockDuration:   5 * time.Minute,
		GatewayMaxMB:   12,
		ServiceMaxMB:   10,
		RateLimit:      600,
		MaxInflight:    16,
		BackendTimeout: 30 * time.Second,
		GatewayTimeout: 60 * time.Second,
		FreePerMonth:   1000,
		AutoSubscribe:  true,
		JobWorkers:     2,
		JobRetention:   72 * time.Hour,
		ORTThreads:     2,
		Engines:        []string{"ocr", "moderation", "image"},
		S3Addr:         "127.0.0.1:8081",
		OCRMode:        "accurate",
	}
}

// DefaultJobLease is the job lease of replicas sharing a database.
const DefaultJobLease = 30 * time.Second

// ResolvedJobLease is the job lease in effect (0: off).
func (c Config) ResolvedJobLease() time.Duration {
	switch {
	case c.JobLease < 0:
		return 0
	case c.JobLease > 0:
		return c.JobLease
	}
	dsn := c.ResolvedDSN()
	if c.Redis != "" || len(c.Workers) > 0 || strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return DefaultJobLease
	}
	return 0
}

// ResolvedDSN is the DSN with the SQLite default filled in.
func (c Config) ResolvedDSN() string {
	if c.DSN != "" {
		return c.DSN
	}
	return "sqlite:" + strings.TrimRight(c.DataDir, "/") + "/aisd.db"
}

// Load returns the defaults overlaid with the YAML file at path (none when
// path is empty) and then the AISD_* variables lookup finds; flags, which
// only commands know, go on top.
func Load(path string, lookup func(string) (string, bool)) (Config, error) {
	c := Default()
	if path != "" {
		if err := c.LoadFile(path); err != nil {
			return c, err
		}
	}
	if err := c.LoadEnv(lookup); err != nil {
		return c, err
	}
	return c, nil
}

// LoadFile overlays a YAML file; unknown keys are rejected.
func (c *Config) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// LoadEnv overlays AISD_<KEY> variables, e.g. AISD_ADDR, AISD_RATE_LIMIT,
// AISD_FETCH_ALLOW_CIDRS (comma-separated).
func (c *Config) LoadEnv(lookup func(string) (string, bool)) error {
	v := reflect.ValueOf(c).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		key := t.Field(i).Tag.Get("yaml")
		s, ok := lookup("AISD_" + strings.ToUpper(key))
		if !ok {
			continue
		}
		if err := setField(v.Field(i), s); err != nil {
			return fmt.Errorf("AISD_%s: %w", strings.ToUpper(key), err)
		}
	}
	return nil
}

func setField(f reflect.Value, s string) error {
	switch f.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		f.SetInt(int64(d))
	case []string:
		var parts []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		f.Set(reflect.ValueOf(parts))
	case string:
		f.SetString(s)
	case bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		f.SetBool(b)
	case int, int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return err
		}
		f.SetInt(n)
	default:
		return fmt.Errorf("unsupported type %s", f.Type())
	}
	return nil
}

// Validate rejects settings the server cannot run with.
func (c Config) Validate() error {
	switch {
	case c.Addr == "":
		return fmt.Errorf("addr is empty")
	case c.Region == "":
		return fmt.Errorf("region is empty")
	case c.GatewayMaxMB <= 0 || c.ServiceMaxMB <= 0 || c.ServiceMaxMB > c.GatewayMaxMB:
		return fmt.Errorf("body limits: need 0 < service_max_mb (%d) <= gateway_max_mb (%d)", c.ServiceMaxMB, c.GatewayMaxMB)
	case c.RateLimit <= 0:
		return fmt.Errorf("rate_limit must be positive")
	case c.LockFailures <= 0:
		return fmt.Errorf("lock_failures must be positive")
	case (c.RootAK == "") != (c.RootSK == ""):
		return fmt.Errorf("set both root_ak and root_sk, or neither")
	case c.Redis != "" && !strings.HasPrefix(c.Redis, "redis://") && !strings.HasPrefix(c.Redis, "rediss://"):
		return fmt.Errorf("redis must be a redis:// or rediss:// URL")
	case len(c.Workers) > 0 && len(c.WorkerKey) < 32:
		return fmt.Errorf("workers need worker_key: the key the workers share, hex, at least 16 bytes")
	case c.OCRMode != "" && c.OCRMode != "accurate" && c.OCRMode != "reference":
		return fmt.Errorf("ocr_mode %q: want accurate or reference", c.OCRMode)
	case len(c.Workers) > 1 && slices.Contains(c.Workers, WorkersDiscover):
		return fmt.Errorf("workers: %q alone, or worker URLs, not both", WorkersDiscover)
	case c.AdvertiseURL != "" && !validHTTPURL(c.AdvertiseURL):
		return fmt.Errorf("advertise_url %q: want an http:// or https:// URL", c.AdvertiseURL)
	case c.InvoiceVerifyURL != "" && !validHTTPURL(c.InvoiceVerifyURL):
		return fmt.Errorf("invoice_verify_url %q: want an http:// or https:// URL", c.InvoiceVerifyURL)
	}
	return c.ValidateOBS()
}

// ValidateOBS checks the object storage settings alone (the obs command
// needs nothing else).
func (c Config) ValidateOBS() error {
	if c.OBSEndpoint == "" {
		for k, v := range map[string]string{"obs_access_key": c.OBSAccessKey, "obs_secret_key": c.OBSSecretKey,
			"obs_region": c.OBSRegion, "obs_bucket_prefix": c.OBSBucketPrefix, "obs_ca_file": c.OBSCAFile} {
			if v != "" {
				return fmt.Errorf("%s is set but obs_endpoint is not", k)
			}
		}
		return nil
	}
	if c.OBSDir != "" {
		return fmt.Errorf("set obs_dir or obs_endpoint, not both")
	}
	if _, secure, err := c.OBSEndpointHost(); err != nil {
		return err
	} else if !secure && c.OBSCAFile != "" {
		return fmt.Errorf("obs_ca_file is set but obs_endpoint %q is plain http", c.OBSEndpoint)
	}
	if c.OBSAccessKey == "" || c.OBSSecretKey == "" {
		return fmt.Errorf("obs_endpoint needs obs_access_key and obs_secret_key")
	}
	if p := c.OBSBucketPrefix; p != "" && !validBucketPrefix(p) {
		return fmt.Errorf("obs_bucket_prefix %q: want at most 60 lower-case letters, digits, '-' or '.', starting with a letter or digit", p)
	}
	return nil
}

// OBSEndpointHost splits obs_endpoint into host[:port] and whether to use
// TLS: https://HOST and a bare HOST use it, http://HOST does not.
func (c Config) OBSEndpointHost() (host string, secure bool, err error) {
	raw := strings.TrimSpace(c.OBSEndpoint)
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	bad := func(why string) (string, bool, error) {
		return "", false, fmt.Errorf("obs_endpoint %q: %s", c.OBSEndpoint, why)
	}
	switch {
	case err != nil:
		return bad(err.Error())
	case u.Scheme != "https" && u.Scheme != "http":
		return bad("scheme must be https or http")
	case u.Host == "" || u.Hostname() == "":
		return bad("no host")
	case u.User != nil:
		return bad("credentials belong in obs_access_key and obs_secret_key")
	case strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "":
		return bad("want scheme://host[:port] only (buckets are addressed path-style under it)")
	}
	return u.Host, u.Scheme == "https", nil
}

// validBucketPrefix: the start of a valid bucket name, leaving room for
// one of at least three characters.
func validBucketPrefix(p string) bool {
	if len(p) > 60 {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && c != '-' && c != '.' || i == 0 && !alnum {
			return false
		}
	}
	return !strings.Contains(p, "..") && !strings.Contains(p, ".-") && !strings.Contains(p, "-.")
}

func validHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
