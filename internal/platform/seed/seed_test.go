package seed_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/models"
	"github.com/aisd/aisd/internal/platform/seed"
	"github.com/aisd/aisd/internal/server"
	"github.com/aisd/aisd/internal/services/imagerec"
	"github.com/aisd/aisd/internal/services/ocr/template/templatetest"
	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/sqlstore"
)

const (
	rootAK  = "AISDSEEDROOTAK000001"
	rootSK  = "aisdSeedRootSecretKey0000000000000000001"
	aliceAK = "ACMEALICEAK000000001"
	aliceSK = "acmeAliceSecretKey000000000000000000001"
)

const spec = `
domains:
  - name: acme
    paid: true
    users:
      - name: alice
        password: alice-password
        admin: true
        credentials:
          - access: ` + aliceAK + `
            secret: ` + aliceSK + `
            description: ci
          - description: generated
        policies:
          cn-north-4: ["OCR FullAccess"]
      - name: bob
        password: bob-password-1
    projects:
      - name: cn-north-4
        subscriptions: [ocr.general-text, moderation.text]
        agencies: [ocr.general-text]
        settings: {ratelimit: "7"}
        glossaries:
          - name: banned
            words: [foo, bar]
          - name: allowed
            type: white
            words_file: allowed.txt
        buckets:
          - name: acme-fixtures
            objects:
              - key: hello.txt
                content: "hello, world"
              - key: docs/note.md
                file: note.md
        faults:
          - api: RecognizeGeneralText
            code: AIS.0105
            count: 2
          - api: "*"
            mode: latency
            latency_ms: 50
      - name: cn-east-3
        subscriptions: ["*"]
  - name: root
    projects:
      - name: cn-north-4
        settings: {ratelimit: "0"}
`

func newServer(t *testing.T) (*server.Server, string) {
	t.Helper()
	cfg := config.Default()
	dir := t.TempDir()
	cfg.DataDir, cfg.DSN = dir, "sqlite:"+filepath.Join(dir, "aisd.db")
	cfg.RootAK, cfg.RootSK, cfg.Engines = rootAK, rootSK, nil
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, cfg.DSN
}

func target(s *server.Server, ak, sk string) seed.Target {
	return seed.Target{Client: &admin.Client{Endpoint: "http://aisd.test", AK: ak, SK: sk, HTTP: seed.InProcess(s.Handler())}, Objects: s.OBS}
}

func writeSpec(t *testing.T, text string) string {
	dir := t.TempDir()
	for name, body := range map[string]string{"seed.yaml": text, "allowed.txt": "fine\nokay\n", "note.md": "# note\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "seed.yaml")
}

// dump is every row of the store, one string each, for comparing states.
func dump(t *testing.T, dsn string) []string {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var rows []string
	err = st.(*sqlstore.Store).Dump(context.Background(), func(tb sqlstore.Table, row []any) error {
		b, _ := json.Marshal(row)
		rows = append(rows, tb.Name+" "+string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestApplyTwiceChangesNothing(t *testing.T) {
	s, dsn := newServer(t)
	sp, err := seed.Load(writeSpec(t, spec))
	if err != nil {
		t.Fatal(err)
	}
	tg := target(s, rootAK, rootSK)
	rep, err := seed.Apply(context.Background(), sp, tg)
	if err != nil {
		t.Fatalf("%v\n%v", err, rep)
	}
	var lines []string
	for _, c := range rep {
		lines = append(lines, c.String())
	}
	text := strings.Join(lines, "\n")
	for _, want := range []string{
		"created domain acme", "created user acme/alice", "created user acme/bob",
		"created user acme/alice credential " + aliceAK,
		"exists project acme/cn-north-4", "created project acme/cn-east-3",
		"created project acme/cn-north-4 subscription ocr.general-text",
		"created project acme/cn-north-4 glossary banned (2 terms)",
		"created project acme/cn-north-4 glossary allowed (2 terms)",
		"created project acme/cn-north-4 bucket acme-fixtures",
		"created project acme/cn-north-4 object acme-fixtures/hello.txt (12 bytes)",
		"created project acme/cn-north-4 fault RecognizeGeneralText AIS.0105 (count)",
		"updated project acme/cn-north-4 setting ratelimit (7)",
		"updated user acme/alice policies in cn-north-4 (OCR FullAccess)",
		"exists domain root", "updated project root/cn-north-4 setting ratelimit (0)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	// The generated pair is reported once, with its secret.
	if !strings.Contains(text, "SK ") || !strings.Contains(text, "shown once") {
		t.Errorf("generated credential not reported:\n%s", text)
	}
	before := dump(t, dsn)

	rep2, err := seed.Apply(context.Background(), sp, tg)
	if err != nil {
		t.Fatal(err)
	}
	if n := rep2.Changed(); n != 0 {
		t.Errorf("second apply made %d changes: %v", n, rep2)
	}
	if after := dump(t, dsn); !slices.Equal(before, after) {
		t.Errorf("second apply changed the store:\nbefore %d rows, after %d", len(before), len(after))
	}

	// What was seeded works: alice's fixed keys sign calls; her account
	// sees its two projects; the objects are there.
	alice := target(s, aliceAK, aliceSK).Client
	var ps struct{ Projects []admin.Project }
	if err := alice.Do(context.Background(), "GET", "/v3/projects", nil, nil, &ps); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ps.Projects {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"cn-east-3", "cn-north-4"}) {
		t.Errorf("alice's projects = %v", names)
	}
	rc, _, err := s.OBS.Get(context.Background(), "acme-fixtures", "docs/note.md")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "# note\n" {
		t.Errorf("note.md = %q", b)
	}
	var subs struct{ Services []string }
	east := ps.Projects[slices.IndexFunc(ps.Projects, func(p admin.Project) bool { return p.Name == "cn-east-3" })]
	if err := alice.Do(context.Background(), "GET", "/v1/admin/projects/"+east.ID+"/subscriptions", nil, nil, &subs); err != nil {
		t.Fatal(err)
	}
	if len(subs.Services) < 60 {
		t.Errorf("\"*\" subscribed %d services", len(subs.Services))
	}
}

// A used-up count fault is made again: the file says the next calls fail.
// A changed glossary is brought to the file's terms.
func TestApplyRestoresDrift(t *testing.T) {
	s, _ := newServer(t)
	sp, err := seed.Load(writeSpec(t, spec))
	if err != nil {
		t.Fatal(err)
	}
	tg := target(s, rootAK, rootSK)
	if _, err := seed.Apply(context.Background(), sp, tg); err != nil {
		t.Fatal(err)
	}
	var ps struct{ Projects []admin.Project }
	var ds struct{ Domains []admin.Domain }
	c := tg.Client
	if err := c.Do(context.Background(), "GET", "/v1/admin/domains", nil, nil, &ds); err != nil {
		t.Fatal(err)
	}
	acme := ds.Domains[slices.IndexFunc(ds.Domains, func(d admin.Domain) bool { return d.Name == "acme" })]
	if err := c.Do(context.Background(), "GET", "/v1/admin/domains/"+acme.ID+"/projects", nil, nil, &ps); err != nil {
		t.Fatal(err)
	}
	pid := ps.Projects[slices.IndexFunc(ps.Projects, func(p admin.Project) bool { return p.Name == "cn-north-4" })].ID
	if err := c.Do(context.Background(), "PUT", "/v1/admin/projects/"+pid+"/glossaries/banned", nil,
		map[string]any{"name": "banned", "type": "black", "suggestion": "block", "words": []string{"other"}}, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := seed.Apply(context.Background(), sp, tg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Changed() != 1 || !strings.Contains(fmt.Sprint(rep), "updated project acme/cn-north-4 glossary banned") {
		t.Errorf("changes = %d: %v", rep.Changed(), rep)
	}
}

func TestSpecErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"domains:\n  - name: a\n    projetcs: []\n", "field projetcs not found"},
		{"domains:\n  - paid: true\n", "domains[0]: name is required"},
		{"domains:\n  - name: a\n  - name: a\n", `domain "a" is listed twice`},
		{"domains:\n  - name: a\n    users:\n      - name: u\n        credentials:\n          - access: ABCDEFGH\n", "give both access and secret"},
		{"domains:\n  - name: a\n    projects:\n      - name: p\n        buckets:\n          - name: b\n            objects:\n              - key: k\n", "want a key and one of file or content"},
	} {
		if _, err := seed.Parse([]byte(c.text)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.text, err, c.want)
		}
	}
}

// The API's own checks answer for what the file gets wrong, with the
// catalog's code, and the report keeps what was done before.
func TestApplyReportsAPIError(t *testing.T) {
	s, _ := newServer(t)
	sp, err := seed.Parse([]byte("domains:\n  - name: acme\n    projects:\n      - name: cn-north-4\n        subscriptions: [no.such-service]\n"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := seed.Apply(context.Background(), sp, target(s, rootAK, rootSK))
	if err == nil || !strings.Contains(err.Error(), "domain acme: project cn-north-4: subscribe no.such-service: ") || !strings.Contains(err.Error(), "AIP.0004") {
		t.Fatalf("err = %v", err)
	}
	if len(rep) == 0 || rep[0].String() != "created domain acme" {
		t.Errorf("report = %v", rep)
	}
	// A chosen key pair must look like one.
	sp, _ = seed.Parse([]byte("domains:\n  - name: acme\n    users:\n      - name: u\n        password: long-enough\n        credentials:\n          - {access: ab, secret: cd}\n"))
	if _, err := seed.Apply(context.Background(), sp, target(s, rootAK, rootSK)); err == nil || !strings.Contains(err.Error(), "AIP.0016") || !strings.Contains(err.Error(), "access key must be 8 to 128") {
		t.Fatalf("bad key pair: %v", err)
	}
	// Short passwords are the API's refusal too.
	sp, _ = seed.Parse([]byte("domains:\n  - name: acme\n    users:\n      - name: v\n        password: short\n"))
	if _, err := seed.Apply(context.Background(), sp, target(s, rootAK, rootSK)); err == nil || !strings.Contains(err.Error(), "at least 8 characters") {
		t.Fatalf("short password: %v", err)
	}
}

// Templates and classifiers: the reference image from a file next to the
// seed, anchors with their boxes, a classifier over the template by name.
func TestApplyTemplates(t *testing.T) {
	clean, err := templatetest.Staff.Render(nil)
	if err != nil {
		t.Skipf("fixture font: %v", err)
	}
	s, dsn := newServer(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "staff.png"), templatetest.PNG(clean.Image), 0o600); err != nil {
		t.Fatal(err)
	}
	box := func(b templatetest.Box) string { return fmt.Sprintf("[[%g, %g], [%g, %g]]", b.X0, b.Y0, b.X1, b.Y1) }
	text := "domains:\n  - name: root\n    projects:\n      - name: cn-north-4\n        ocr_templates:\n          - name: staff\n            image_file: staff.png\n" +
		"            anchors:\n              - {text: 姓名, location: " + box(clean.Anchors["姓名"]) + "}\n              - {text: 部门, location: " + box(clean.Anchors["部门"]) + "}\n" +
		"            areas:\n              - {name: name, location: " + box(clean.Areas["name"]) + "}\n" +
		"        ocr_classifiers:\n          - {name: desk, templates: [staff]}\n"
	path := filepath.Join(dir, "seed.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, err := seed.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	tg := target(s, rootAK, rootSK)
	rep, err := seed.Apply(context.Background(), sp, tg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Changed() != 2 || !strings.Contains(fmt.Sprint(rep), "created project root/cn-north-4 ocr classifier desk") {
		t.Fatalf("report: %v", rep)
	}
	var list struct {
		Templates []struct {
			Name    string
			Anchors []struct{ Text string }
		}
	}
	if err := tg.Client.Do(context.Background(), "GET", "/v1/admin/projects/"+s.Root.Project.ID+"/ocr-templates", nil, nil, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Templates) != 1 || list.Templates[0].Name != "staff" || len(list.Templates[0].Anchors) != 2 {
		t.Fatalf("templates = %+v", list)
	}
	before := dump(t, dsn)
	if rep, err := seed.Apply(context.Background(), sp, tg); err != nil || rep.Changed() != 0 {
		t.Fatalf("second apply: %v %v", rep, err)
	}
	if !slices.Equal(before, dump(t, dsn)) {
		t.Error("second apply changed the store")
	}
}

// Galleries enrol their people through the image engine's face models.
func TestApplyGallery(t *testing.T) {
	skip := func(why string) {
		if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	photo := "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"
	if _, err := os.Stat(photo); err != nil {
		skip("python3-skimage's sample photos missing (make deps)")
	}
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.Open(root).Verify(context.Background(), append([]string{"onnxruntime"}, imagerec.Models...)); err != nil {
		skip("image models not installed (make models): " + err.Error())
	}
	cfg := config.Default()
	dir := t.TempDir()
	cfg.DataDir, cfg.DSN = dir, "sqlite:"+filepath.Join(dir, "aisd.db")
	cfg.RootAK, cfg.RootSK, cfg.ModelsDir, cfg.Engines = rootAK, rootSK, root, []string{"image"}
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sp, err := seed.Parse([]byte("domains:\n  - name: root\n    projects:\n      - name: cn-north-4\n        galleries:\n" +
		"          - name: crew\n            description: NASA\n            people:\n              - {label: Eileen Collins, photos: [" + photo + "]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	tg := target(s, rootAK, rootSK)
	rep, err := seed.Apply(context.Background(), sp, tg)
	if err != nil || !strings.Contains(fmt.Sprint(rep), "created project root/cn-north-4 gallery crew person Eileen Collins") {
		t.Fatalf("%v %v", rep, err)
	}
	if rep, err := seed.Apply(context.Background(), sp, tg); err != nil || rep.Changed() != 0 {
		t.Fatalf("second apply: %v %v", rep, err)
	}
}
