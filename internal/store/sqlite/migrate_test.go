package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/aisd/aisd/internal/store/sqlstore"
)

func applied(t *testing.T, db *database) []string {
	t.Helper()
	rs, err := db.Query(context.Background(), `SELECT name FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var n string
		if err := rs.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func migrate(t *testing.T, db *database, files fstest.MapFS) error {
	t.Helper()
	ms, err := sqlstore.LoadMigrations(files, "m")
	if err != nil {
		t.Fatal(err)
	}
	return sqlstore.Migrate(context.Background(), db, Dialect, ms)
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	db, err := openDB(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files := fstest.MapFS{
		// Listed out of order on purpose: versions decide.
		"m/0002_b.sql": {Data: []byte(`ALTER TABLE a ADD COLUMN y INTEGER NOT NULL DEFAULT 7;`)},
		"m/0001_a.sql": {Data: []byte(`CREATE TABLE a (x INTEGER); INSERT INTO a (x) VALUES (1);`)},
	}
	for i := 0; i < 2; i++ { // the second run must be a no-op
		if err := migrate(t, db, files); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	if got := strings.Join(applied(t, db), ","); got != "0001_a.sql,0002_b.sql" {
		t.Fatalf("applied = %s", got)
	}
	var n, y int
	if err := db.QueryRow(ctx, `SELECT COUNT(*), MAX(y) FROM a`).Scan(&n, &y); err != nil || n != 1 || y != 7 {
		t.Fatalf("rows %d y %d err %v: a migration ran twice or not at all", n, y, err)
	}

	// A failing migration leaves neither its changes nor its record.
	files["m/0003_bad.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE c (z INTEGER); SELECT * FROM no_such_table;`)}
	if err := migrate(t, db, files); err == nil || !strings.Contains(err.Error(), "0003_bad.sql") {
		t.Fatalf("bad migration: %v", err)
	}
	if got := len(applied(t, db)); got != 2 {
		t.Fatalf("%d migrations recorded after a failure", got)
	}
	var c int
	db.QueryRow(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'c'`).Scan(&c)
	if c != 0 {
		t.Fatal("failed migration's table was kept")
	}
}

func TestLoadMigrationsRejects(t *testing.T) {
	for name, files := range map[string]fstest.MapFS{
		"no version":   {"m/init.sql": {Data: []byte(`SELECT 1`)}},
		"zero version": {"m/0000_x.sql": {Data: []byte(`SELECT 1`)}},
		"duplicate":    {"m/0001_a.sql": {Data: []byte(`SELECT 1`)}, "m/001_b.sql": {Data: []byte(`SELECT 1`)}},
	} {
		if _, err := sqlstore.LoadMigrations(files, "m"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
