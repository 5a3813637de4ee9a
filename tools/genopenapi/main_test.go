package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The committed table is what the generator writes for the SDK in go.mod
// (go generate ./internal/gateway/openapi after an SDK or route change).
func TestCommittedTableIsCurrent(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sdk_gen.go")
	if err := run(out); err != nil {
		t.Skipf("generator cannot run here: %v", err)
	}
	got, _ := os.ReadFile(out)
	want, err := os.ReadFile(filepath.Join("..", "..", "internal", "gateway", "openapi", "sdk_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("internal/gateway/openapi/sdk_gen.go is stale: run go generate ./internal/gateway/openapi")
	}
}
