package cache

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/conformance"
	"github.com/aisd/aisd/internal/store/memory"
)

func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) store.Store { return New(memory.New(), time.Hour) })
}

// counting counts the credential reads that reach the backing store.
type counting struct {
	store.Store
	reads atomic.Int64
}

func (c *counting) GetCredential(ctx context.Context, ak string) (store.Credential, error) {
	c.reads.Add(1)
	return c.Store.GetCredential(ctx, ak)
}

func seed(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := st.CreateDomain(ctx, store.Domain{ID: "d1", Name: "acme", State: store.StateActive, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, store.User{ID: "u1", DomainID: "d1", Name: "ops", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateCredential(ctx, store.Credential{AK: "AK1", UserID: "u1", DomainID: "d1", SealedSK: []byte("sealed"), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
}

func TestReadsAreServedFromMemory(t *testing.T) {
	back := &counting{Store: memory.New()}
	st := New(back, time.Hour)
	seed(t, st)
	for i := 0; i < 100; i++ {
		if _, err := st.GetCredential(context.Background(), "AK1"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.GetCredential(context.Background(), "NOSUCHAK"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown AK: %v", err)
		}
	}
	if n := back.reads.Load(); n != 2 {
		t.Fatalf("%d credential reads reached the store, want 2", n)
	}
}

// TestNoStaleKeyOrState: a deleted credential and a frozen account are seen
// at once, however long the TTL.
func TestNoStaleKeyOrState(t *testing.T) {
	ctx := context.Background()
	st := New(memory.New(), time.Hour)
	seed(t, st)
	if _, err := st.GetCredential(ctx, "AK1"); err != nil {
		t.Fatal(err)
	}
	if d, err := st.GetDomain(ctx, "d1"); err != nil || d.State != store.StateActive {
		t.Fatal(d, err)
	}
	if err := st.DeleteCredential(ctx, "AK1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetCredential(ctx, "AK1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted credential still served: %v", err)
	}
	if err := st.SetDomainState(ctx, "d1", store.StateFrozen); err != nil {
		t.Fatal(err)
	}
	if d, _ := st.GetDomain(ctx, "d1"); d.State != store.StateFrozen {
		t.Fatalf("frozen account served as %s", d.State)
	}
	// A key created after an unknown-AK lookup is found at once.
	if _, err := st.GetCredential(ctx, "AK2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	if err := st.CreateCredential(ctx, store.Credential{AK: "AK2", UserID: "u1", DomainID: "d1", SealedSK: []byte("x"), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetCredential(ctx, "AK2"); err != nil {
		t.Fatalf("new credential not seen: %v", err)
	}
}

// TestOtherWritersSeenWithinTTL: a write by another process (straight to
// the backing store) is served after at most the TTL.
func TestOtherWritersSeenWithinTTL(t *testing.T) {
	ctx := context.Background()
	back := memory.New()
	st := New(back, time.Minute)
	clock := time.Now()
	st.now = func() time.Time { return clock }
	seed(t, st)
	if _, err := st.GetCredential(ctx, "AK1"); err != nil {
		t.Fatal(err)
	}
	if err := back.DeleteCredential(ctx, "AK1"); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Minute)
	if _, err := st.GetCredential(ctx, "AK1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another process's delete not seen after the TTL: %v", err)
	}
}
