package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/conformance"
	"github.com/aisd/aisd/internal/store/sqlite"
)

func TestConformanceFile(t *testing.T) {
	conformance.Run(t, func(t *testing.T) store.Store {
		s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "aisd.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestConformanceMemory(t *testing.T) {
	conformance.Run(t, func(t *testing.T) store.Store {
		s, err := store.Open(context.Background(), "sqlite::memory:")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestPath(t *testing.T) {
	for _, tc := range []struct{ dsn, want string }{
		{"sqlite:data/aisd.db", "data/aisd.db"},
		{"sqlite:///var/lib/aisd/aisd.db", "/var/lib/aisd/aisd.db"},
		{"sqlite://rel.db", "rel.db"},
		{"sqlite::memory:", ":memory:"},
		{"/abs/x.db", "/abs/x.db"},
	} {
		got, err := sqlite.Path(tc.dsn)
		if err != nil || got != tc.want {
			t.Errorf("Path(%q) = %q, %v; want %q", tc.dsn, got, err, tc.want)
		}
	}
	for _, bad := range []string{"sqlite:", "sqlite:x.db?mode=ro"} {
		if _, err := sqlite.Path(bad); err == nil {
			t.Errorf("Path(%q) accepted", bad)
		}
	}
}

// Reopening runs no migration twice and keeps the data.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "sub", "aisd.db")
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetMeta(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		fi, err := os.Stat(strings.TrimPrefix(dsn, "sqlite:") + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("aisd.db%s has mode %v, want 0600", suffix, fi.Mode().Perm())
		}
	}
	s.Close()
	s, err = store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.GetMeta(ctx, "k"); err != nil || v != "v" {
		t.Fatalf("after reopen GetMeta = %q, %v", v, err)
	}
}

// A project in an unknown domain is refused as a missing reference.
func TestForeignKeys(t *testing.T) {
	s, err := store.Open(context.Background(), "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.CreateProject(context.Background(), store.Project{ID: "p", Name: "cn-north-4", DomainID: "ghost"})
	if err == nil {
		t.Fatal("project created in a domain that does not exist")
	}
}

func TestUnknownScheme(t *testing.T) {
	if _, err := store.Open(context.Background(), "mysql://x"); err == nil {
		t.Fatal("unknown scheme accepted")
	}
}

// TestRestoreEarlierArchive: a usage row of an archive made before the
// calls column existed (8 values) restores, counting as one call.
func TestRestoreEarlierArchive(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d, ok := s.(interface {
		Restore(ctx context.Context, replace bool, next func() (string, []any, bool, error)) error
	})
	if !ok {
		t.Fatalf("%T cannot restore", s)
	}
	at := int64(1780000000000)
	rows := [][]any{
		{"p", "u", "ocr.general-text", "RecognizeGeneralText", at, int64(429), "APIG.0308", "r1"},
		{"p", "u", "ocr.general-text", "RecognizeGeneralText", at, int64(429), "APIG.0308", "r2", int64(40)},
	}
	i := 0
	err = d.Restore(ctx, true, func() (string, []any, bool, error) {
		if i == len(rows) {
			return "", nil, true, nil
		}
		i++
		return "usage_records", rows[i-1], false, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := s.UsageErrors(ctx, store.UsageFilter{ProjectID: "p"})
	if err != nil || len(errs) != 1 || errs[0].Calls != 41 {
		t.Fatalf("usage errors %+v, %v; want 41 calls", errs, err)
	}
}
