package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/conformance"
	"github.com/aisd/aisd/internal/store/postgres"
	"github.com/aisd/aisd/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.PostgresDSN(t) // skip the whole suite early when the server is down
	conformance.Run(t, func(t *testing.T) store.Store { return storetest.Postgres(t) })
}

// The postgresql:// spelling reaches the same backend.
func TestSchemeAlias(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	s := storetest.Open(t, "postgresql"+strings.TrimPrefix(dsn, "postgres"))
	if err := s.SetMeta(context.Background(), "k", "v"); err != nil {
		t.Fatal(err)
	}
}

// Processes starting together migrate once; later opens find the schema
// current and keep the data.
func TestConcurrentMigrate(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(context.Background(), dsn)
			if err != nil {
				errs <- err
				return
			}
			s.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	s := storetest.Open(t, dsn)
	if err := s.SetMeta(context.Background(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	s2 := storetest.Open(t, dsn)
	if v, err := s2.GetMeta(context.Background(), "k"); err != nil || v != "v" {
		t.Fatalf("GetMeta = %q, %v", v, err)
	}
}
