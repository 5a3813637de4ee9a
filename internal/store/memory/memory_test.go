package memory_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/conformance"
	"github.com/aisd/aisd/internal/store/memory"
)

var ctx = context.Background()

func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) store.Store {
		s, err := store.Open(ctx, "memory:")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestConformanceNew(t *testing.T) {
	conformance.Run(t, func(t *testing.T) store.Store {
		s := memory.New()
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestDSN(t *testing.T) {
	for _, dsn := range []string{"memory:", "MEMORY:"} {
		s, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatalf("Open(%q): %v", dsn, err)
		}
		s.Close()
	}
	for _, bad := range []string{"memory:x", "memory://", "memory::memory:", "memory:?shared=1"} {
		if _, err := store.Open(ctx, bad); err == nil {
			t.Errorf("Open(%q) accepted", bad)
		}
	}
	if _, err := memory.Open(ctx, "sqlite:x.db"); err == nil {
		t.Error("memory.Open accepted a sqlite DSN")
	}
}

// Each Open is a store of its own.
func TestOpenIsPrivate(t *testing.T) {
	a, _ := store.Open(ctx, "memory:")
	b, _ := store.Open(ctx, "memory:")
	defer a.Close()
	defer b.Close()
	if err := a.SetMeta(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetMeta(ctx, "k"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second store sees the first one's meta: %v", err)
	}
}

// Byte slices are copied on the way in and out.
func TestCopies(t *testing.T) {
	s := memory.New()
	defer s.Close()
	must(t, s.CreateDomain(ctx, store.Domain{ID: "d", Name: "d"}))
	must(t, s.CreateUser(ctx, store.User{ID: "u", DomainID: "d", Name: "u"}))

	sk := []byte("secret")
	must(t, s.CreateCredential(ctx, store.Credential{AK: "AK", UserID: "u", DomainID: "d", SealedSK: sk}))
	sk[0] = 'X'
	c, err := s.GetCredential(ctx, "AK")
	must(t, err)
	if string(c.SealedSK) != "secret" {
		t.Fatalf("caller's slice shared on create: %q", c.SealedSK)
	}
	c.SealedSK[0] = 'Y'
	cs, err := s.ListCredentials(ctx, "u")
	must(t, err)
	if string(cs[0].SealedSK) != "secret" {
		t.Fatalf("returned slice shared: %q", cs[0].SealedSK)
	}
	cs[0].SealedSK[0] = 'Z'
	if c, _ := s.GetCredential(ctx, "AK"); string(c.SealedSK) != "secret" {
		t.Fatalf("listed slice shared: %q", c.SealedSK)
	}

	req := []byte(`{"a":1}`)
	must(t, s.CreateJob(ctx, store.Job{ID: "j", ProjectID: "p", Kind: "k", Request: req}))
	req[0] = 'X'
	j, err := s.ClaimJob(ctx, nil)
	must(t, err)
	j.Request[0] = 'Y'
	j.Result = []byte(`"r"`)
	j.State = store.JobSucceeded
	j.CallbackState = store.CallbackPending
	must(t, s.FinishJob(ctx, j))
	j.Result[0] = 'Z'
	got, err := s.GetJob(ctx, "j")
	must(t, err)
	if string(got.Request) != `{"a":1}` || string(got.Result) != `"r"` {
		t.Fatalf("job bytes shared: request %q result %q", got.Request, got.Result)
	}
	got.Result[0] = 'W'
	pend, err := s.PendingCallbacks(ctx, 0)
	must(t, err)
	if len(pend) != 1 || string(pend[0].Result) != `"r"` {
		t.Fatalf("PendingCallbacks = %+v", pend)
	}
	pend[0].Request[0] = 'V'
	if got, _ := s.GetJob(ctx, "j"); string(got.Request) != `{"a":1}` {
		t.Fatalf("pending job bytes shared: %q", got.Request)
	}
}

// A job without a request or result reads back with nil ones, as from a
// NULL column, and a credential's missing SK as an empty one (postgres does
// the same; sqlite reads every empty blob back as nil).
func TestNilBytes(t *testing.T) {
	s := memory.New()
	defer s.Close()
	must(t, s.CreateJob(ctx, store.Job{ID: "j", Kind: "k"}))
	j, err := s.GetJob(ctx, "j")
	must(t, err)
	if j.Request != nil || j.Result != nil || j.State != store.JobQueued {
		t.Fatalf("job = %+v", j)
	}
	must(t, s.CreateDomain(ctx, store.Domain{ID: "d", Name: "d"}))
	must(t, s.CreateUser(ctx, store.User{ID: "u", DomainID: "d", Name: "u"}))
	must(t, s.CreateCredential(ctx, store.Credential{AK: "AK", UserID: "u"}))
	c, err := s.GetCredential(ctx, "AK")
	must(t, err)
	if c.SealedSK == nil || len(c.SealedSK) != 0 {
		t.Fatalf("SealedSK = %#v, want empty", c.SealedSK)
	}
}

// References are checked as the SQL backends' foreign keys check them.
func TestReferences(t *testing.T) {
	s := memory.New()
	defer s.Close()
	err := s.CreateProject(ctx, store.Project{ID: "p", Name: "cn-north-4", DomainID: "ghost"})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("project in an unknown domain: %v", err)
	}
	err = s.CreateUser(ctx, store.User{ID: "u", DomainID: "ghost", Name: "u"})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("user in an unknown domain: %v", err)
	}
	err = s.CreateCredential(ctx, store.Credential{AK: "AK", UserID: "ghost"})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("credential of an unknown user: %v", err)
	}
	for what, err := range map[string]error{
		"domain":     s.CreateDomain(ctx, store.Domain{Name: "x"}),
		"project":    s.CreateProject(ctx, store.Project{Name: "x"}),
		"user":       s.CreateUser(ctx, store.User{Name: "x"}),
		"credential": s.CreateCredential(ctx, store.Credential{}),
		"job":        s.CreateJob(ctx, store.Job{}),
		"fault":      s.CreateFault(ctx, store.Fault{}),
	} {
		if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
			t.Errorf("%s with an empty id: %v", what, err)
		}
	}
}

// Times come back in UTC at millisecond precision; the zero time and a time
// that rounds to the Unix epoch read back as the zero time, as they do from
// the SQL backends' integer columns.
func TestTimes(t *testing.T) {
	s := memory.New()
	defer s.Close()
	local := time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.FixedZone("x", -5*3600))
	must(t, s.CreateDomain(ctx, store.Domain{ID: "a", Name: "a", CreatedAt: local}))
	must(t, s.CreateDomain(ctx, store.Domain{ID: "b", Name: "b"}))
	must(t, s.CreateDomain(ctx, store.Domain{ID: "c", Name: "c", CreatedAt: time.Unix(0, 400_000)}))
	for id, want := range map[string]time.Time{
		"a": time.Date(2026, 1, 2, 8, 4, 5, 678000000, time.UTC),
		"b": {},
		"c": {},
	} {
		d, err := s.GetDomain(ctx, id)
		must(t, err)
		if d.CreatedAt != want {
			t.Errorf("domain %s created %v, want %v", id, d.CreatedAt, want)
		}
	}
	// Usage days are UTC days of whole seconds.
	must(t, s.RecordUsage(ctx, store.UsageRecord{ProjectID: "p", API: "A", Status: 200}))
	rows, err := s.Usage(ctx, store.UsageFilter{ProjectID: "p"})
	must(t, err)
	if len(rows) != 1 || rows[0].Day != "1970-01-01" {
		t.Fatalf("usage of a record without a time = %+v", rows)
	}
	if _, err := s.Usage(ctx, store.UsageFilter{}); err == nil {
		t.Fatal("Usage without a project accepted")
	}
}

func TestClosed(t *testing.T) {
	s := memory.New()
	must(t, s.SetMeta(ctx, "k", "v"))
	must(t, s.Close())
	must(t, s.Close())
	if _, err := s.GetMeta(ctx, "k"); !errors.Is(err, memory.ErrClosed) {
		t.Fatalf("GetMeta after Close: %v", err)
	}
	if err := s.SetMeta(ctx, "k", "v"); !errors.Is(err, memory.ErrClosed) {
		t.Fatalf("SetMeta after Close: %v", err)
	}
}

func TestCanceledContext(t *testing.T) {
	s := memory.New()
	defer s.Close()
	c, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.SetMeta(c, "k", "v"); !errors.Is(err, context.Canceled) {
		t.Fatalf("SetMeta with a canceled context: %v", err)
	}
	if _, err := s.GetMeta(c, "k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("GetMeta with a canceled context: %v", err)
	}
}

// Readers and writers of every kind at once, for the race detector.
func TestConcurrentMixed(t *testing.T) {
	s := memory.New()
	defer s.Close()
	must(t, s.CreateDomain(ctx, store.Domain{ID: "d", Name: "d"}))
	must(t, s.CreateUser(ctx, store.User{ID: "u", DomainID: "d", Name: "u"}))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	report := func(err error) {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			errs <- err
		}
	}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				id := fmt.Sprintf("%d-%d", w, i)
				report(s.CreateJob(ctx, store.Job{ID: id, ProjectID: "p", Kind: "k", Request: []byte("r")}))
				if j, err := s.ClaimJob(ctx, nil); err == nil {
					j.State, j.Result, j.CallbackState = store.JobSucceeded, []byte("x"), store.CallbackPending
					report(s.FinishJob(ctx, j))
				} else {
					report(err)
				}
				_, err := s.PendingCallbacks(ctx, 5)
				report(err)
				report(s.CreateCredential(ctx, store.Credential{AK: id, UserID: "u", SealedSK: []byte("k")}))
				_, err = s.ListCredentials(ctx, "u")
				report(err)
				report(s.RecordUsage(ctx, store.UsageRecord{ProjectID: "p", Service: "s", API: "A", Time: time.Now(), Status: 200}))
				_, err = s.Usage(ctx, store.UsageFilter{ProjectID: "p"})
				report(err)
				report(s.SetSetting(ctx, "p", "k", id))
				_, err = s.GetSetting(ctx, "p", "k")
				report(err)
				_, err = s.RequeueStale(ctx, time.Unix(0, 0))
				report(err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	n, err := s.CountSuccess(ctx, "p", "s", time.Time{})
	must(t, err)
	if n != 400 {
		t.Fatalf("CountSuccess = %d, want 400", n)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
