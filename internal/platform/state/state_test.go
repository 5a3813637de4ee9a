package state_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/platform/iam"
	"github.com/aisd/aisd/internal/platform/obs"
	"github.com/aisd/aisd/internal/platform/state"
	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/memory"
	"github.com/aisd/aisd/internal/store/sqlstore"
	"github.com/aisd/aisd/internal/store/storetest"
)

// instance is a store, a local object store and a data dir with its key.
type instance struct {
	state.Instance
	dir string
}

func newInstance(t *testing.T, st store.Store) instance {
	t.Helper()
	dir := t.TempDir()
	objs, err := obs.NewLocal(filepath.Join(dir, "obs"))
	if err != nil {
		t.Fatal(err)
	}
	return instance{state.Instance{Store: st, Objects: objs, KeyFile: filepath.Join(dir, "server.key")}, dir}
}

// fill writes one of everything through the same services the server
// uses: an account with a sealed secret key, a subscription, usage, a job
// with a NULL result, a fault, a resource and two objects.
func fill(t *testing.T, in instance) (ak, sk string) {
	t.Helper()
	ctx := context.Background()
	key, err := iam.LoadOrCreateKey("", in.dir)
	if err != nil {
		t.Fatal(err)
	}
	seal, err := iam.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	svc := iam.New(in.Store, seal, "cn-north-4", time.Hour)
	d, p, err := svc.CreateDomain(ctx, "acme", true)
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.CreateUser(ctx, d.ID, "alice", "alice-password", true)
	if err != nil {
		t.Fatal(err)
	}
	if ak, sk, err = svc.CreateCredential(ctx, u.ID, "ci"); err != nil {
		t.Fatal(err)
	}
	st := in.Store
	now := time.UnixMilli(time.Now().UnixMilli()).UTC()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.Subscribe(ctx, store.Subscription{ProjectID: p.ID, Service: "ocr.general-text", CreatedAt: now}))
	must(st.SetAgency(ctx, p.ID, "ocr.general-text", true))
	must(st.SetSetting(ctx, p.ID, "ratelimit", "5"))
	must(st.RecordUsageBatch(ctx, []store.UsageRecord{
		{ProjectID: p.ID, UserID: u.ID, Service: "ocr.general-text", API: "RecognizeGeneralText", Time: now, Status: 200, RequestID: "r1"},
		{ProjectID: p.ID, UserID: u.ID, Service: "ocr.general-text", API: "RecognizeGeneralText", Time: now, Status: 400, Code: "AIS.0101", RequestID: "r2"},
	}))
	must(st.CreateJob(ctx, store.Job{ID: "job1", ProjectID: p.ID, UserID: u.ID, Kind: "moderation.video", State: store.JobQueued,
		Request: []byte(`{"data":{"url":"x"}}`), CreatedAt: now, UpdatedAt: now}))
	must(st.CreateFault(ctx, store.Fault{ID: "f1", ProjectID: p.ID, API: "*", Code: "AIS.0105", Mode: store.FaultCount, Remaining: 3, CreatedAt: now}))
	must(st.CreateResource(ctx, store.Resource{Kind: "glossary", Owner: p.ID, ID: "g1", Name: "banned", Body: []byte(`{"words":["x"]}`), CreatedAt: now, UpdatedAt: now}))
	must(st.SetMeta(ctx, "marker", "v"))
	must(in.Objects.CreateBucket(ctx, p.ID, "acme-data"))
	for key, body := range map[string]string{"a.txt": "hello", "../odd/ key?.bin": strings.Repeat("\x00\xff", 5000)} {
		if _, err := in.Objects.Put(ctx, "acme-data", key, strings.NewReader(body), int64(len(body)), "application/octet-stream"); err != nil {
			t.Fatal(err)
		}
	}
	return ak, sk
}

func rows(t *testing.T, st store.Store) []string {
	t.Helper()
	var out []string
	err := st.(state.Dumper).Dump(context.Background(), func(tb sqlstore.Table, row []any) error {
		b, _ := json.Marshal(row)
		out = append(out, tb.Name+" "+string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func objects(t *testing.T, o obs.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	bs, err := o.ListBuckets(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		list, err := o.List(ctx, b.Name, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, ob := range list {
			rc, _, err := o.Get(ctx, b.Name, ob.Key)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(rc)
			rc.Close()
			out[b.Owner+" "+b.Name+"/"+ob.Key+" "+ob.ContentType] = string(data)
		}
	}
	return out
}

// roundTrip exports src and imports into dst, then checks both hold the
// same rows and objects and that the restored secret key unseals.
func roundTrip(t *testing.T, src, dst instance, ak, sk string) []byte {
	t.Helper()
	ctx := context.Background()
	var buf bytes.Buffer
	m, err := state.Export(ctx, &buf, src.Instance, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Tables["domains"] != 1 || m.Tables["usage_records"] != 2 || m.Objects != 2 || m.ServerKey != "included" {
		t.Fatalf("manifest = %+v", m)
	}
	archive := buf.Bytes()
	if _, err := state.Import(ctx, bytes.NewReader(archive), dst.Instance, state.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if a, b := rows(t, src.Store), rows(t, dst.Store); !slices.Equal(a, b) {
		t.Errorf("rows differ after the round trip:\n%v\n%v", a, b)
	}
	if a, b := objects(t, src.Objects), objects(t, dst.Objects); len(a) != 2 || len(a) != len(b) || !equalMaps(a, b) {
		t.Errorf("objects differ: %d vs %d", len(a), len(b))
	}
	key, err := iam.LoadOrCreateKey("", dst.dir)
	if err != nil {
		t.Fatal(err)
	}
	seal, _ := iam.NewSealer(key)
	got, err := iam.New(dst.Store, seal, "cn-north-4", time.Hour).SecretKey(ctx, ak)
	if err != nil || got != sk {
		t.Fatalf("restored SK = %q, %v", got, err)
	}
	return archive
}

func equalMaps(a, b map[string]string) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

func TestRoundTripSQLite(t *testing.T) {
	src := newInstance(t, storetest.SQLite(t))
	ak, sk := fill(t, src)
	dst := newInstance(t, storetest.SQLite(t))
	archive := roundTrip(t, src, dst, ak, sk)

	// A second import into the now full instance is refused, with the way out.
	_, err := state.Import(context.Background(), bytes.NewReader(archive), dst.Instance, state.ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("second import: %v", err)
	}
	// --replace starts over: same rows, no duplicate.
	if _, err := state.Import(context.Background(), bytes.NewReader(archive), dst.Instance, state.ImportOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	if a, b := rows(t, src.Store), rows(t, dst.Store); !slices.Equal(a, b) {
		t.Errorf("rows differ after --replace")
	}
}

// PostgreSQL both ways: a SQLite snapshot restores into PostgreSQL, and a
// PostgreSQL one into SQLite.
func TestRoundTripPostgres(t *testing.T) {
	pg := storetest.Postgres(t)
	src := newInstance(t, storetest.SQLite(t))
	ak, sk := fill(t, src)
	dst := newInstance(t, pg)
	roundTrip(t, src, dst, ak, sk)

	back := newInstance(t, storetest.SQLite(t))
	// The PostgreSQL instance's key is the one it was restored with.
	roundTrip(t, dst, back, ak, sk)
}

// Every table and column of the migrated schema is in the dump: a
// migration that adds one must add it to sqlstore.Tables.
func TestDumpCoversSchema(t *testing.T) {
	check := func(t *testing.T, st *sqlstore.Store) {
		ctx := context.Background()
		tables, err := st.SchemaTables(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var dumped []string
		for _, tb := range sqlstore.Tables {
			dumped = append(dumped, tb.Name)
			cols, err := st.SchemaColumns(ctx, tb.Name)
			if err != nil {
				t.Fatal(err)
			}
			var have []string
			for _, c := range tb.Columns {
				have = append(have, c.Name)
			}
			if tb.Name == "usage_records" {
				have = append(have, "id") // renumbered on restore
			}
			slices.Sort(cols)
			slices.Sort(have)
			if !slices.Equal(cols, have) {
				t.Errorf("%s: schema columns %v, dumped %v", tb.Name, cols, have)
			}
		}
		slices.Sort(tables)
		slices.Sort(dumped)
		if !slices.Equal(tables, dumped) {
			t.Errorf("schema tables %v, dumped %v", tables, dumped)
		}
	}
	t.Run("sqlite", func(t *testing.T) { check(t, storetest.SQLite(t).(*sqlstore.Store)) })
	t.Run("postgres", func(t *testing.T) { check(t, storetest.Postgres(t).(*sqlstore.Store)) })
}

func TestMemoryRefused(t *testing.T) {
	in := newInstance(t, memory.New())
	_, err := state.Export(context.Background(), io.Discard, in.Instance, "", nil)
	if err == nil || !strings.Contains(err.Error(), "keeps no state outside its process") {
		t.Fatalf("export of memory: %v", err)
	}
}

func TestNotAnArchive(t *testing.T) {
	in := newInstance(t, storetest.SQLite(t))
	_, err := state.Import(context.Background(), strings.NewReader("hello"), in.Instance, state.ImportOptions{})
	if err == nil || !strings.Contains(err.Error(), "not an aisd state archive") {
		t.Fatalf("%v", err)
	}
	// Nothing was written.
	if _, err := os.Stat(in.KeyFile); !os.IsNotExist(err) {
		t.Errorf("key file after a failed import: %v", err)
	}
}
