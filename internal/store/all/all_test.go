package all_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aisd/aisd/internal/store"
	_ "github.com/aisd/aisd/internal/store/all"
)

func TestSchemes(t *testing.T) {
	got := store.Schemes()
	want := []string{"memory", "postgres", "postgresql", "sqlite"}
	if !slices.Equal(got, want) {
		t.Fatalf("Schemes() = %v, want %v", got, want)
	}
}

// The memory backend opens without any server or file.
func TestOpenMemory(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, "memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SetMeta(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.GetMeta(ctx, "k"); err != nil || v != "v" {
		t.Fatalf("GetMeta = %q, %v", v, err)
	}
}
