// Package storetest opens fresh, isolated stores for tests: a sqlite file in
// the test's temp dir, a throw-away schema in the test PostgreSQL server, or
// an in-memory store. Projects creates the rows a test's projects need, and
// Hook wraps a store to count a unit's calls or make them fail.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/postgres"
	"github.com/aisd/aisd/internal/store/sqlite"
	"github.com/jackc/pgx/v5"
)

// DefaultPostgresDSN is the test server; AISD_TEST_POSTGRES_DSN overrides it.
const DefaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresBase is the DSN of the test PostgreSQL server.
func PostgresBase() string {
	if v := os.Getenv("AISD_TEST_POSTGRES_DSN"); v != "" {
		return v
	}
	return DefaultPostgresDSN
}

// SQLiteDSN names a new database file in the test's temp dir.
func SQLiteDSN(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "aisd.db")
}

// PostgresDSN creates a schema of its own for the test, dropped when the
// test ends, and returns a DSN whose sessions use it. It skips the test
// when the server cannot be reached.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	base := PostgresBase()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Skipf("PostgreSQL not reachable (%v); set AISD_TEST_POSTGRES_DSN", err)
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

// Open opens dsn and closes the store when the test ends.
func Open(t testing.TB, dsn string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// SQLite opens a fresh sqlite store.
func SQLite(t testing.TB) store.Store { return Open(t, SQLiteDSN(t)) }

// Postgres opens a fresh PostgreSQL store, or skips the test.
func Postgres(t testing.TB) store.Store { return Open(t, PostgresDSN(t)) }

// The backends register themselves with store.Open.
var (
	_ = sqlite.Open
	_ = postgres.Open
)
