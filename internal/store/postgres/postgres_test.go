package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/conformance"
	"github.com/aisd/aisd/internal/store/postgres"
	"github.com/jackc/pgx/v5"
)

const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func baseDSN() string {
	if v := os.Getenv("AISD_TEST_POSTGRES_DSN"); v != "" {
		return v
	}
	return defaultDSN
}

// schemaDSN creates a fresh schema, dropped when the test ends, and returns
// a DSN whose sessions use it.
func schemaDSN(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	base := baseDSN()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Skipf("PostgreSQL not reachable at %s: %v", base, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "aisd_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

func open(t *testing.T, dsn string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	schemaDSN(t) // skip the whole suite early when the server is down
	conformance.Run(t, func(t *testing.T) store.Store { return open(t, schemaDSN(t)) })
}

// The postgresql:// spelling reaches the same backend.
func TestSchemeAlias(t *testing.T) {
	dsn := schemaDSN(t)
	s := open(t, "postgresql"+strings.TrimPrefix(dsn, "postgres"))
	if err := s.SetMeta(context.Background(), "k", "v"); err != nil {
		t.Fatal(err)
	}
}

// Processes starting together migrate once; later opens find the schema
// current and keep the data.
func TestConcurrentMigrate(t *testing.T) {
	dsn := schemaDSN(t)
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
	s := open(t, dsn)
	if err := s.SetMeta(context.Background(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	s2 := open(t, dsn)
	if v, err := s2.GetMeta(context.Background(), "k"); err != nil || v != "v" {
		t.Fatalf("GetMeta = %q, %v", v, err)
	}
}
