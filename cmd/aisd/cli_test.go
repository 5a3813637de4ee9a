package main

import (
	"bytes"
	"context"
	"flag"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/platform/seed"
	"github.com/aisd/aisd/internal/server"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func newTestServer(t *testing.T) (*server.Server, *httptest.Server) {
	t.Helper()
	cfg := config.Default()
	dir := t.TempDir()
	cfg.DataDir, cfg.DSN = dir, "sqlite:"+filepath.Join(dir, "aisd.db")
	cfg.RootAK, cfg.RootSK, cfg.Engines = ak, sk, nil
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); s.Close() })
	return s, srv
}

// isolate keeps the machine's own profiles and AISD_* variables out.
func isolate(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "aisd", "config.yaml")
	t.Setenv("AISD_CLI_CONFIG", path)
	for _, v := range []string{"AISD_ENDPOINT", "AISD_ROOT_AK", "AISD_ROOT_SK", "AISD_PROFILE", "AISD_INIT"} {
		t.Setenv(v, "")
	}
	return path
}

// column returns where each of heads starts in line (-1 when absent).
func columns(line string, heads ...string) []int {
	var out []int
	for _, h := range heads {
		out = append(out, strings.Index(line, h))
	}
	return out
}

func lines(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }

// The admin commands print aligned tables by default, JSON or YAML with -o.
func TestAdminTables(t *testing.T) {
	isolate(t)
	s, srv := newTestServer(t)
	adm := []string{"admin", "--endpoint", srv.URL, "--ak", ak, "--sk", sk}
	out, err := run(t, append(adm, "domain", "create", "acme")...)
	if err != nil {
		t.Fatal(err, out)
	}
	ls := lines(out)
	if len(ls) != 2 || !strings.HasPrefix(ls[0], "ID ") {
		t.Fatalf("domain create:\n%s", out)
	}
	// Every value starts under its header.
	for i, p := range columns(ls[0], "NAME", "STATE", "PAID", "CREATED") {
		want := []string{"acme ", "active ", "false ", "20"}[i]
		if p <= 0 || len(ls[1]) <= p || ls[1][p-1] != ' ' || !strings.HasPrefix(ls[1][p:], want) {
			t.Fatalf("column %d not aligned:\n%s", i, out)
		}
	}

	out, err = run(t, append(adm, "domain", "list", "-o", "yaml")...)
	if err != nil || !strings.Contains(out, "name: acme") || !strings.Contains(out, "paid: false") || !strings.Contains(out, "domains:") {
		t.Fatalf("domain list -o yaml: %v\n%s", err, out)
	}
	out, err = run(t, append(adm, "domain", "list", "-o", "json")...)
	if err != nil || !strings.Contains(out, `"name": "acme"`) {
		t.Fatalf("domain list -o json: %v\n%s", err, out)
	}
	if _, err := run(t, append(adm, "domain", "list", "-o", "xml")...); err == nil || !strings.Contains(err.Error(), "want table, json or yaml") {
		t.Fatalf("-o xml: %v", err)
	}

	// Names where ids were: the caller's own projects without a domain;
	// a project by its region name (--domain, or DOMAIN/NAME); a user by name.
	out, err = run(t, append(adm, "project", "list")...)
	if err != nil || len(lines(out)) != 2 || !strings.Contains(out, s.Root.Project.ID) || !strings.Contains(out, "cn-north-4") {
		t.Fatalf("project list (own):\n%v %s", err, out)
	}
	out, err = run(t, append(adm, "project", "list", "acme")...)
	if err != nil || len(lines(out)) != 2 || strings.Contains(out, s.Root.Project.ID) {
		t.Fatalf("project list acme:\n%v %s", err, out)
	}
	acmeProject := strings.Fields(lines(out)[1])[0]
	out, err = run(t, append(adm, "subscription", "add", "acme/cn-north-4", "ocr.general-text")...)
	if err != nil || !strings.Contains(out, acmeProject) || !strings.HasPrefix(out, "PROJECT") {
		t.Fatalf("subscription add acme/cn-north-4:\n%v %s", err, out)
	}
	out, err = run(t, append(adm, "--domain", "acme", "subscription", "list", "cn-north-4")...)
	if err != nil || out != "SERVICE\nocr.general-text\n" {
		t.Fatalf("subscription list --domain acme cn-north-4: %v %q", err, out)
	}
	out, err = run(t, append(adm, "subscription", "list", "cn-north-4")...)
	if err != nil || strings.Contains(out, "ocr.general-text") != s.Config.AutoSubscribe {
		t.Fatalf("subscription list cn-north-4 (the root's own): %v %q", err, out)
	}
	if _, err := run(t, append(adm, "subscription", "list", "acme/cn-east-9")...); err == nil || !strings.Contains(err.Error(), `no project named "cn-east-9"`) {
		t.Fatalf("unknown project: %v", err)
	}
	out, err = run(t, append(adm, "user", "list", "root")...)
	if err != nil || !strings.HasPrefix(out, "ID") || !strings.Contains(out, " root ") {
		t.Fatalf("user list root:\n%v %s", err, out)
	}
	out, err = run(t, append(adm, "credential", "list", "root")...)
	if err != nil || !strings.HasPrefix(out, "ACCESS_KEY") || !strings.Contains(out, ak) {
		t.Fatalf("credential list root:\n%v %s", err, out)
	}
	if _, err := run(t, append(adm, "user", "list", "nosuch")...); err == nil || !strings.Contains(err.Error(), `no domain named "nosuch"`) {
		t.Fatalf("unknown domain: %v", err)
	}

	// The shell completes names from the server.
	out, err = run(t, append([]string{"__complete"}, append(adm, "user", "list", "")...)...)
	if err != nil || !strings.Contains(out, "root\n") || !strings.Contains(out, "acme\n") {
		t.Fatalf("completion of DOMAIN: %v %q", err, out)
	}
	out, err = run(t, append([]string{"__complete"}, append(adm, "subscription", "list", "")...)...)
	if err != nil || !strings.Contains(out, "cn-north-4\n") || !strings.Contains(out, "acme/cn-north-4\n") || !strings.Contains(out, "root/cn-north-4\n") {
		t.Fatalf("completion of PROJECT: %v %q", err, out)
	}
}

// Tables of the answers users see most, from fixed answers.
func TestTablesGolden(t *testing.T) {
	cases := []struct{ cmd, answer string }{
		{"domain list", `{"domains":[{"id":"0123456789abcdef0123456789abcdef","name":"root","state":"active","paid":true,"created_at":"2026-12-01T10:00:00Z"},
			{"id":"fedcba9876543210fedcba9876543210","name":"acme","state":"frozen","paid":false,"created_at":"2026-12-02T11:30:00Z"}]}`},
		{"fault list", `{"count":2,"faults":[{"id":"f1","project_id":"p1","api":"RecognizeGeneralText","code":"AIS.0105","mode":"count","count":3,"create_time":"2026-12-02T00:00:00Z"},
			{"id":"f2","project_id":"p1","api":"*","mode":"latency","latency_ms":1500,"create_time":"2026-12-02T00:00:01Z"}]}`},
		{"usage", `{"project_id":"p1","from":"2026-12-01T00:00:00Z","to":"2026-12-02T00:00:00Z","total_calls":12,"total_success":10,
			"usage":[{"day":"2026-12-01","api":"RecognizeGeneralText","calls":10,"success":9},{"day":"2026-12-01","api":"RunTextModeration","calls":2,"success":1}]}`},
		{"ocr-classifier list", `{"count":1,"classifiers":[{"id":"c1","name":"desk","project_id":"p1","template_ids":["t1","t2"],"create_time":"2026-12-02T00:00:00Z"}]}`},
		{"policy user", `{"user_id":"u1","projects":{"*":["OCR FullAccess"]},"restricted":false}`},
		{"sts list", `{"credentials":[]}`},
	}
	var got bytes.Buffer
	for _, c := range cases {
		data, err := decodeAnswer([]byte(c.answer))
		if err != nil {
			t.Fatal(err)
		}
		var v *view
		if vv, ok := views[c.cmd]; ok {
			v = &vv
		}
		got.WriteString("$ aisd admin " + c.cmd + "\n")
		if err := render(&got, outTable, data, v); err != nil {
			t.Fatal(err)
		}
		got.WriteString("\n")
	}
	got.WriteString("$ aisd admin domain list -o yaml\n")
	data, _ := decodeAnswer([]byte(cases[0].answer))
	if err := render(&got, outYAML, data, nil); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "tables.golden")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (rerun with -update)", err)
	}
	if got.String() != string(want) {
		t.Errorf("tables differ from %s (rerun with -update if intended):\n%s", golden, got.String())
	}
}

// Profiles make the variables optional; several are kept, one current.
func TestProfiles(t *testing.T) {
	path := isolate(t)
	_, srv := newTestServer(t)
	for _, kv := range [][2]string{{"endpoint", srv.URL}, {"ak", ak}, {"sk", sk}} {
		out, err := run(t, "config", "set", kv[0], kv[1])
		if err != nil || out != "profile default: "+kv[0]+" set\n" {
			t.Fatalf("config set %s: %v %q", kv[0], err, out)
		}
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("profile file: %v %v", st.Mode(), err)
	}
	if out, err := run(t, "admin", "domain", "list"); err != nil || !strings.Contains(out, "root") {
		t.Fatalf("admin with the default profile: %v %s", err, out)
	}
	if out, err := run(t, "config", "get", "endpoint"); err != nil || out != srv.URL+"\n" {
		t.Fatalf("config get endpoint: %v %q", err, out)
	}
	// A second profile, pointing nowhere.
	if _, err := run(t, "config", "set", "endpoint", "http://127.0.0.1:1", "--profile", "broken"); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "config", "list")
	if err != nil || strings.Contains(out, sk) || !strings.Contains(out, "broken") {
		t.Fatalf("config list (secret must be masked): %v\n%s", err, out)
	}
	ls := lines(out)
	if len(ls) != 3 || !strings.HasPrefix(ls[0], "CURRENT") || !strings.Contains(ls[2], "*") || strings.Contains(ls[1], "*") {
		t.Fatalf("config list:\n%s", out)
	}
	if _, err := run(t, "admin", "--profile", "broken", "domain", "list"); err == nil || !strings.Contains(err.Error(), "admin credentials missing") {
		t.Fatalf("a profile without keys: %v", err)
	}
	if _, err := run(t, "admin", "--profile", "nosuch", "domain", "list"); err == nil || !strings.Contains(err.Error(), `no profile "nosuch"`) {
		t.Fatalf("unknown profile: %v", err)
	}
	if out, err := run(t, "config", "use", "broken"); err != nil || out != "current profile: broken\n" {
		t.Fatalf("config use: %v %q", err, out)
	}
	if _, err := run(t, "admin", "domain", "list"); err == nil {
		t.Fatal("the current profile has no keys, yet the call worked")
	}
	// The environment wins over the file.
	t.Setenv("AISD_PROFILE", "default")
	if out, err := run(t, "admin", "domain", "list"); err != nil || !strings.Contains(out, "root") {
		t.Fatalf("AISD_PROFILE=default: %v %s", err, out)
	}
	t.Setenv("AISD_PROFILE", "")
	t.Setenv("AISD_ENDPOINT", srv.URL)
	t.Setenv("AISD_ROOT_AK", ak)
	t.Setenv("AISD_ROOT_SK", sk)
	if out, err := run(t, "admin", "domain", "list"); err != nil || !strings.Contains(out, "root") {
		t.Fatalf("variables over the current profile: %v %s", err, out)
	}
}

func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{"bash": "bash completion V2 for aisd", "zsh": "#compdef aisd", "fish": "complete -c aisd"} {
		out, err := run(t, "completion", shell)
		if err != nil || !strings.Contains(out, want) {
			t.Errorf("completion %s: %v (%d bytes)", shell, err, len(out))
		}
	}
	// Dynamic completion of the profile keys.
	out, err := run(t, "__complete", "config", "set", "")
	if err != nil || !strings.Contains(out, "endpoint\nak\nsk\n") {
		t.Errorf("__complete config set: %v %q", err, out)
	}
}

func TestWait(t *testing.T) {
	isolate(t)
	_, srv := newTestServer(t)
	out, err := run(t, "wait", "--endpoint", srv.URL, "--timeout", "5s")
	if err != nil || out != srv.URL+" is ready\n" {
		t.Fatalf("wait: %v %q", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = run(t, "wait", "--endpoint", "http://"+addr, "--timeout", "300ms", "--interval", "50ms")
	if err == nil || !strings.Contains(err.Error(), "not ready after 300ms") || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("wait on a closed port: %v", err)
	}
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"not ready","down":["store"]}`))
	}))
	defer down.Close()
	// Long enough for a first answer on a loaded machine: the error must
	// carry the server's reason, not the client's own deadline.
	_, err = run(t, "wait", "--endpoint", down.URL, "--timeout", "2s", "--interval", "50ms")
	if err == nil || !strings.Contains(err.Error(), "503 not ready (down: store)") {
		t.Fatalf("wait on a server not ready: %v", err)
	}
}

// serve --init applies the seed through the server's API before
// listening; a second start changes nothing; a bad file stops the start.
func TestServeInit(t *testing.T) {
	isolate(t)
	s, _ := newTestServer(t)
	file := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(file, []byte(`domains:
  - name: ci
    users:
      - name: tester
        password: tester-password
        credentials:
          - access: CITESTERAK0000000001
            secret: ciTesterSecretKey0000000000000000000001
    projects:
      - name: cn-north-4
        subscriptions: [ocr.general-text]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	spec, err := seed.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := applySeed(context.Background(), file, spec, s, &out); err != nil {
		t.Fatal(err, out.String())
	}
	for _, want := range []string{"init: created domain ci\n", "init: created user ci/tester credential CITESTERAK0000000001\n",
		"init: created project ci/cn-north-4 subscription ocr.general-text\n", "applied, 4 change(s)\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("first start lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := applySeed(context.Background(), file, spec, s, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "init: "+file+" applied, 0 change(s)\n" {
		t.Errorf("second start: %q", out.String())
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("domains:\n  - name: x\n    projetcs: []\n"), 0o600)
	dir := t.TempDir()
	t.Setenv("AISD_ENGINES", "") // the start stops before engines matter
	serve := []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--dsn", "memory:"}
	if _, err := run(t, append(serve, "--init", bad)...); err == nil || !strings.Contains(err.Error(), "--init: "+bad) || !strings.Contains(err.Error(), "projetcs") {
		t.Fatalf("serve --init bad.yaml: %v", err)
	}
	t.Setenv("AISD_INIT", bad)
	if _, err := run(t, serve...); err == nil || !strings.Contains(err.Error(), "projetcs") {
		t.Fatalf("AISD_INIT=bad.yaml: %v", err)
	}
}

func TestStateCLI(t *testing.T) {
	isolate(t)
	src, dst := t.TempDir(), t.TempDir()
	cfg := config.Default()
	cfg.DataDir, cfg.RootAK, cfg.RootSK, cfg.Engines = src, ak, sk, nil
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := s.IAM.CreateDomain(context.Background(), "acme", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.OBS.CreateBucket(context.Background(), s.Root.Project.ID, "fixtures"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OBS.Put(context.Background(), "fixtures", "a.txt", strings.NewReader("hello"), 5, "text/plain"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	snap := filepath.Join(t.TempDir(), "snap.tar.gz")
	out, err := run(t, "state", "export", snap, "--data-dir", src)
	if err != nil || !strings.HasPrefix(out, "exported ") || !strings.Contains(out, "1 object in 1 bucket (5 B) to "+snap+" (server key included)") {
		t.Fatalf("state export: %v %q", err, out)
	}
	if st, err := os.Stat(snap); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("archive: %v", err)
	}
	out, err = run(t, "state", "import", snap, "--data-dir", dst)
	if err != nil || !strings.HasPrefix(out, "imported ") {
		t.Fatalf("state import: %v %q", err, out)
	}
	if _, err := run(t, "state", "import", snap, "--data-dir", dst); err == nil || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("second import: %v", err)
	}
	// The restored instance starts with the same accounts and keys.
	cfg.DataDir = dst
	s2, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Store.GetDomainByName(context.Background(), "acme")
	if err != nil || got.ID != d.ID {
		t.Fatalf("acme after import: %+v %v", got, err)
	}
	if owner, err := s2.OBS.BucketOwner(context.Background(), "fixtures"); err != nil || owner != s.Root.Project.ID {
		t.Fatalf("bucket after import: %q %v", owner, err)
	}
	if _, err := run(t, "state", "export", filepath.Join(t.TempDir(), "x.tgz"), "--data-dir", t.TempDir(), "--dsn", "memory:"); err == nil ||
		!strings.Contains(err.Error(), "memory:") {
		t.Fatalf("export of a memory store: %v", err)
	}
}
