package obs

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/aisd/aisd/internal/config"
)

// s3Config is a configuration whose object store is srv (aisd's own S3
// API over a local store), reached with the operator key.
func s3Config(t *testing.T, srv *httptest.Server, prefix string) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.OBSEndpoint, cfg.OBSAccessKey, cfg.OBSSecretKey = srv.URL, "AKOPERATOR", "operator-secret"
	cfg.OBSBucketPrefix = prefix
	return cfg
}

// TestS3PrefixedConformance: with a bucket prefix, as Open configures it,
// the S3 backend is still a conforming store.
func TestS3PrefixedConformance(t *testing.T) {
	runStoreTests(t, func(t *testing.T) Store {
		srv, _ := s3Server(t)
		s, err := Open(s3Config(t, srv, "aisd-"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestS3Ownership: the owner record is an object of the bucket, buckets
// aisd did not create belong to nobody, and the prefix hides the
// endpoint's other buckets.
func TestS3Ownership(t *testing.T) {
	ctx := context.Background()
	srv, backing := s3Server(t)
	s, err := Open(s3Config(t, srv, "a1-"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(ctx, "p-scans", "scans"); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, backing, "a1-scans", ".aisd/owner"); got != "p-scans" {
		t.Fatalf("owner record = %q", got)
	}
	// Users cannot reach the record through the store.
	if _, err := s.Put(ctx, "scans", ".aisd/owner", strings.NewReader("p-evil"), 6, ""); !errors.Is(err, ErrBadKey) {
		t.Fatalf("Put of the owner record: %v", err)
	}
	if objs, _ := s.List(ctx, "scans", ""); len(objs) != 0 {
		t.Fatalf("List shows %+v", objs)
	}
	// A bucket made by some other tool under the prefix: nobody's.
	backing.CreateBucket(ctx, "p-operator", "a1-foreign")
	backing.Put(ctx, "a1-foreign", "x.png", strings.NewReader("x"), 1, "")
	// One without the prefix: not aisd's at all.
	backing.CreateBucket(ctx, "p-operator", "backups")
	if o, err := s.BucketOwner(ctx, "foreign"); err != nil || o != "" {
		t.Fatalf("owner of a foreign bucket = %q, %v", o, err)
	}
	if _, err := s.BucketOwner(ctx, "backups"); !errors.Is(err, ErrNoSuchBucket) {
		t.Fatalf("unprefixed bucket: %v", err)
	}
	bs, err := s.ListBuckets(ctx, "")
	if err != nil || len(bs) != 2 || bs[0].Name != "foreign" || bs[0].Owner != "" || bs[1].Name != "scans" || bs[1].Owner != "p-scans" {
		t.Fatalf("ListBuckets = %+v, %v", bs, err)
	}
	// Taken names stay taken, whoever asks.
	if err := s.CreateBucket(ctx, "p-other", "scans"); !errors.Is(err, ErrBucketExists) {
		t.Fatalf("re-create: %v", err)
	}
	if err := s.CreateBucket(ctx, "p-other", "foreign"); !errors.Is(err, ErrBucketExists) {
		t.Fatalf("claiming a foreign bucket: %v", err)
	}
	if o, _ := s.BucketOwner(ctx, "foreign"); o != "" {
		t.Fatalf("foreign bucket now owned by %q", o)
	}
	// The prefix makes names longer: one that no longer fits is refused.
	if err := s.CreateBucket(ctx, "p1", strings.Repeat("b", 62)); !errors.Is(err, ErrBadBucketName) {
		t.Fatalf("over-long name with the prefix: %v", err)
	}
}

// racer puts an object into the backing bucket just before the bucket's
// DELETE reaches the endpoint, as a concurrent upload would.
type racer struct {
	backing *Local
	bucket  string
}

func (r racer) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodDelete && strings.Trim(req.URL.Path, "/") == r.bucket {
		r.backing.Put(req.Context(), r.bucket, "late.png", strings.NewReader("late"), 4, "")
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestS3DeleteBucketKeepsOwnerWhenRemovalFails: the owner record goes
// before the bucket; when an object lands in between, the bucket stays and
// so does its owner.
func TestS3DeleteBucketKeepsOwnerWhenRemovalFails(t *testing.T) {
	ctx := context.Background()
	srv, backing := s3Server(t)
	u, _ := url.Parse(srv.URL)
	s, err := NewS3(S3Options{Endpoint: u.Host, AccessKey: "AKOPERATOR", SecretKey: "operator-secret",
		Transport: racer{backing, "box"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateBucket(ctx, "p1", "box"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteBucket(ctx, "box"); !errors.Is(err, ErrBucketNotEmpty) {
		t.Fatalf("DeleteBucket = %v, want not empty", err)
	}
	if o, err := s.BucketOwner(ctx, "box"); err != nil || o != "p1" {
		t.Fatalf("owner after the failed delete = %q, %v", o, err)
	}
}

// TestS3HandlerOverS3Store chains two S3 APIs: a client talks to aisd's S3
// API whose store is another S3 endpoint. Objects go through whole, and
// ranged reads come back as the ranges asked for.
func TestS3HandlerOverS3Store(t *testing.T) {
	ctx := context.Background()
	back, _ := s3Server(t)
	st, err := Open(s3Config(t, back, "front-"))
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(S3Handler(st, testAuth))
	t.Cleanup(front.Close)
	alice := client(t, front, "AKALICE", "alice-secret", nil)
	if err := alice.MakeBucket(ctx, "alice-photos", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("0123456789"), 3000)
	if _, err := alice.PutObject(ctx, "alice-photos", "digits", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if o, _ := st.BucketOwner(ctx, "alice-photos"); o != "p-alice" {
		t.Fatalf("owner = %q", o)
	}
	ro := minio.GetObjectOptions{}
	ro.SetRange(12345, 12349)
	obj, err := alice.GetObject(ctx, "alice-photos", "digits", ro)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(obj); err != nil || string(got) != "56789" {
		t.Fatalf("range read = %q, %v", got, err)
	}
	obj, _ = alice.GetObject(ctx, "alice-photos", "digits", minio.GetObjectOptions{})
	if got, err := io.ReadAll(obj); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("whole read: %d bytes, %v", len(got), err)
	}
	bob := client(t, front, "AKBOB", "bob-secret", nil)
	if _, err := bob.StatObject(ctx, "alice-photos", "digits", minio.StatObjectOptions{}); minio.ToErrorResponse(err).StatusCode != 403 {
		t.Fatalf("bob stat: %v", err)
	}
}

// TestOpenRefusesWhatCannotWork: Open makes one request, so a wrong key, an
// untrusted certificate or a dead endpoint stop the start, not the first
// user's upload.
func TestOpenRefusesWhatCannotWork(t *testing.T) {
	srv := httptest.NewTLSServer(S3Handler(mustLocal(t), testAuth))
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	base := s3Config(t, srv, "")
	base.OBSEndpoint = strings.TrimPrefix(srv.URL, "https://") // bare host: TLS
	for name, tc := range map[string]struct {
		edit func(*config.Config)
		want string // "" = opens
	}{
		"trusted CA":      {func(c *config.Config) { c.OBSCAFile = caFile }, ""},
		"untrusted cert":  {func(c *config.Config) {}, "certificate"},
		"wrong secret":    {func(c *config.Config) { c.OBSCAFile, c.OBSSecretKey = caFile, "wrong" }, "SignatureDoesNotMatch: the request signature"},
		"unknown key":     {func(c *config.Config) { c.OBSCAFile, c.OBSAccessKey = caFile, "AKNOBODY" }, "InvalidAccessKeyId: the access key does not exist"},
		"CA file missing": {func(c *config.Config) { c.OBSCAFile = caFile + ".nope" }, "obs_ca_file"},
		"CA file not PEM": {func(c *config.Config) { c.OBSCAFile = "open_test.go" }, "no PEM certificate"},
		"plain http":      {func(c *config.Config) { c.OBSEndpoint = "http://" + c.OBSEndpoint }, "HTTP request to an HTTPS server"},
		"no keys":         {func(c *config.Config) { c.OBSAccessKey, c.OBSSecretKey = "", "" }, "obs_access_key"},
		"both stores":     {func(c *config.Config) { c.OBSDir = "data/obs" }, "not both"},
		"bad prefix":      {func(c *config.Config) { c.OBSBucketPrefix = "Aisd_" }, "obs_bucket_prefix"},
		"path in URL":     {func(c *config.Config) { c.OBSEndpoint = "https://" + c.OBSEndpoint + "/bucket" }, "host[:port] only"},
		"dead endpoint":   {func(c *config.Config) { c.OBSEndpoint = "http://127.0.0.1:1" }, "object store http://127.0.0.1:1"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // the failures that the client retries take seconds
			cfg := base
			tc.edit(&cfg)
			s, err := Open(cfg)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := s.(*S3); !ok {
					t.Fatalf("Open = %T", s)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func mustLocal(t *testing.T) *Local {
	t.Helper()
	l, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestCommandOnS3Endpoint: `aisd obs` works on the store the settings name
// (here a config file), and refuses buckets that no project owns.
func TestCommandOnS3Endpoint(t *testing.T) {
	ctx := context.Background()
	srv, backing := s3Server(t)
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "aisd.yaml")
	os.WriteFile(cfgFile, []byte("obs_endpoint: "+srv.URL+"\nobs_access_key: AKOPERATOR\nobs_secret_key: operator-secret\nobs_bucket_prefix: cli-\n"), 0o600)
	file := filepath.Join(dir, "cat.png")
	os.WriteFile(file, []byte("PNGDATA"), 0o644)

	out, err := run(t, "", "--config", cfgFile, "put", "--project", "p1", "photos/a/cat.png", file)
	if err != nil || !strings.Contains(out, "obs://photos/a/cat.png\t7 bytes") {
		t.Fatalf("put = %q, %v", out, err)
	}
	if got := readAll(t, backing, "cli-photos", "a/cat.png"); got != "PNGDATA" {
		t.Fatalf("endpoint holds %q", got)
	}
	if _, err := run(t, "from stdin", "--config", cfgFile, "put", "photos/b.txt", "-"); err != nil {
		t.Fatalf("put from stdin: %v", err)
	}
	if got := readAll(t, backing, "cli-photos", "b.txt"); got != "from stdin" {
		t.Fatalf("endpoint holds %q", got)
	}
	if _, err := run(t, "", "--config", cfgFile, "put", "--project", "p2", "photos/c.txt", file); err == nil ||
		!strings.Contains(err.Error(), "belongs to project p1") {
		t.Fatalf("put into another project's bucket: %v", err)
	}
	backing.CreateBucket(ctx, "p-operator", "cli-foreign")
	if _, err := run(t, "", "--config", cfgFile, "put", "--project", "p1", "foreign/x", file); err == nil ||
		!strings.Contains(err.Error(), "belongs to no project") {
		t.Fatalf("put into a foreign bucket: %v", err)
	}
	out, err = run(t, "", "--config", cfgFile, "ls")
	if err != nil || !regexp.MustCompile(`(?m)^foreign\s+-\s+\d{4}-.*\n^photos\s+p1\s+\d{4}-`).MatchString(out) {
		t.Fatalf("ls = %q, %v", out, err)
	}
	out, err = run(t, "", "--config", cfgFile, "ls", "photos")
	if err != nil || !regexp.MustCompile(`(?m)^7\s+\S+ \S+\s+a/cat.png\n10\s+\S+ \S+\s+b.txt\n$`).MatchString(out) {
		t.Fatalf("ls photos = %q, %v", out, err)
	}
	if _, err := run(t, "", "--config", cfgFile, "rm", "photos/a/cat.png"); err != nil {
		t.Fatal(err)
	}
	if _, err := backing.Stat(ctx, "cli-photos", "a/cat.png"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("after rm: %v", err)
	}
	// --dir still means a local directory, whatever the settings say.
	local := filepath.Join(dir, "local")
	if _, err := run(t, "", "--config", cfgFile, "--dir", local, "put", "--project", "p1", "here/x", file); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, mustOpenLocal(t, local), "here", "x"); got != "PNGDATA" {
		t.Fatalf("local store holds %q", got)
	}
}

func mustOpenLocal(t *testing.T, dir string) *Local {
	t.Helper()
	l, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
