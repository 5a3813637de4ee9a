package workers

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/memory"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// An entry is live for RegistryTTL after its last beat; a beat renews it,
// a removal ends it at once, and an entry long dead is deleted.
func TestRegistryLiveness(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	clk := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	r := NewRegistry(st, clk.Now, nil)
	live := func(want ...string) {
		t.Helper()
		got, err := r.Live(ctx)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("live %v (%v), want %v", got, err, want)
		}
	}
	for _, u := range []string{"http://10.0.0.1:8090", "http://10.0.0.2:8090/"} {
		if err := r.Beat(ctx, u, []string{"ocr"}); err != nil {
			t.Fatal(err)
		}
	}
	live("http://10.0.0.1:8090", "http://10.0.0.2:8090")
	clk.Add(RegistryTTL / 2)
	if err := r.Beat(ctx, "http://10.0.0.1:8090", []string{"ocr"}); err != nil { // renewed, not duplicated
		t.Fatal(err)
	}
	clk.Add(RegistryTTL/2 + time.Second)
	live("http://10.0.0.1:8090") // the other stopped beating
	if err := r.Remove(ctx, "http://10.0.0.1:8090"); err != nil {
		t.Fatal(err)
	}
	live()
	clk.Add(registryForget)
	live()
	if rs, _ := st.ListResources(ctx, RegistryKind, ""); len(rs) != 0 {
		t.Fatalf("dead entries kept: %+v", rs)
	}
	if err := r.Beat(ctx, "ftp://x", nil); err == nil {
		t.Fatal("registered a URL that is not http")
	}
}

// Announce registers at once, renews, and removes the entry when stopped.
func TestAnnounce(t *testing.T) {
	st := memory.New()
	r := NewRegistry(st, nil, nil)
	stop, err := r.Announce(context.Background(), "http://127.0.0.1:1", []string{"moderation"})
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := st.ListResources(context.Background(), RegistryKind, "")
	if len(rs) != 1 || rs[0].Name != "http://127.0.0.1:1" || string(rs[0].Body) != `{"url":"http://127.0.0.1:1","engines":["moderation"]}` {
		t.Fatalf("entry %+v", rs)
	}
	stop()
	if _, err := st.GetResource(context.Background(), RegistryKind, "", rs[0].ID); err != store.ErrNotFound {
		t.Fatalf("entry after stop: %v", err)
	}
}

// A discovering pool follows the registry: a worker that registers is
// called, one that leaves is dropped, and with none left the engine
// answers ModelArts.4503 (no worker serves it).
func TestPoolDiscovers(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	reg := NewRegistry(st, nil, nil)
	srv := worker(t, ServerOptions{Engines: []string{"ocr"}, Handlers: map[string]api.Handler{
		"RecognizeGeneralText": func(context.Context, *api.Call) (any, error) { return map[string]any{"ok": true}, nil },
	}})
	p, err := New(Options{Key: key, Discover: reg.Live, HealthInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	call := func() error {
		_, err := p.Call(ctx, "ocr", &api.Call{API: "RecognizeGeneralText", Method: "POST", Path: "/v2/p/ocr/general-text", Body: []byte("{}")})
		return err
	}
	p.Probe(ctx)
	if err := call(); !catalog.IsCode(err, catalog.ModelArts4503) {
		t.Fatalf("no worker registered: %v", err)
	}
	if err := reg.Beat(ctx, srv.URL, []string{"ocr"}); err != nil {
		t.Fatal(err)
	}
	p.Probe(ctx)
	if err := call(); err != nil {
		t.Fatalf("registered worker: %v", err)
	}
	if s := p.Statuses(); len(s) != 1 || s[0].URL != srv.URL || !s[0].Healthy {
		t.Fatalf("statuses %+v", s)
	}
	if err := reg.Remove(ctx, srv.URL); err != nil {
		t.Fatal(err)
	}
	p.Probe(ctx)
	if err := call(); !catalog.IsCode(err, catalog.ModelArts4503) {
		t.Fatalf("worker left: %v", err)
	}
	if _, err := New(Options{Key: key}); err == nil {
		t.Fatal("a pool with neither URLs nor discovery")
	}
}
