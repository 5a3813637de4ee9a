package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/memory"
)

// Memory returns a new, empty in-memory store, closed when the test ends.
func Memory(t testing.TB) *memory.Store {
	s := memory.New()
	t.Cleanup(func() { s.Close() })
	return s
}

// Projects creates an active domain and, in it, a project for each id: the
// parent rows a store insists on, and that units look up (a fault names a
// project that must exist). The first project is named cn-north-4, the
// others cn-north-4_1, cn-north-4_2 and so on. It returns the domain.
func Projects(t testing.TB, st store.Store, ids ...string) store.Domain {
	t.Helper()
	ctx := context.Background()
	b := make([]byte, 16)
	rand.Read(b)
	d := store.Domain{ID: hex.EncodeToString(b), State: store.StateActive}
	d.Name = "test-" + d.ID[:12]
	if err := st.CreateDomain(ctx, d); err != nil {
		t.Fatalf("create domain: %v", err)
	}
	for i, id := range ids {
		name := "cn-north-4"
		if i > 0 {
			name = fmt.Sprintf("cn-north-4_%d", i)
		}
		if err := st.CreateProject(ctx, store.Project{ID: id, Name: name, DomainID: d.ID}); err != nil {
			t.Fatalf("create project %s: %v", id, err)
		}
	}
	return d
}
