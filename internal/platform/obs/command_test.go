package obs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := Command()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cat.png")
	os.WriteFile(file, []byte("PNGDATA"), 0o644)
	store := filepath.Join(dir, "store")

	if _, err := run(t, "", "--dir", store, "put", "photos/a/cat.png", file); err == nil ||
		!strings.Contains(err.Error(), "--project") {
		t.Fatalf("put into a missing bucket without --project: %v", err)
	}
	out, err := run(t, "", "--dir", store, "put", "--project", "p1", "photos/a/cat.png", file)
	if err != nil || !strings.Contains(out, "obs://photos/a/cat.png\t7 bytes") {
		t.Fatalf("put = %q, %v", out, err)
	}
	if _, err := run(t, "from stdin", "--dir", store, "put", "obs://photos/b.txt", "-"); err != nil {
		t.Fatalf("put from stdin: %v", err)
	}
	out, err = run(t, "", "--dir", store, "ls")
	if err != nil || !regexp.MustCompile(`(?m)^photos\s+p1\s+\d{4}-`).MatchString(out) {
		t.Fatalf("ls = %q, %v", out, err)
	}
	out, err = run(t, "", "--dir", store, "ls", "photos")
	if err != nil || !regexp.MustCompile(`(?m)^7\s+\S+ \S+\s+a/cat.png\n10\s+\S+ \S+\s+b.txt\n$`).MatchString(out) {
		t.Fatalf("ls photos = %q, %v", out, err)
	}
	out, _ = run(t, "", "--dir", store, "ls", "photos/a/")
	if strings.Contains(out, "b.txt") || !strings.Contains(out, "a/cat.png") {
		t.Fatalf("ls photos/a/ = %q", out)
	}
	// What the CLI wrote is what the store serves, content type included.
	s, _ := NewLocal(store)
	if o, err := s.Stat(context.Background(), "photos", "a/cat.png"); err != nil || o.ContentType != "image/png" {
		t.Fatalf("Stat = %+v, %v", o, err)
	}
	if _, err := run(t, "", "--dir", store, "rm", "photos/a/cat.png"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "", "--dir", store, "rm", "photos/a/cat.png"); err == nil {
		t.Fatal("removing a missing object succeeded silently")
	}
	out, _ = run(t, "", "--dir", store, "ls", "photos")
	if strings.Contains(out, "cat.png") {
		t.Fatalf("after rm: %q", out)
	}
	if _, err := run(t, "", "--dir", store, "put", "Bad_Bucket/x", file); err == nil {
		t.Fatal("invalid bucket accepted")
	}
}
