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

// A batch put uploads files by name and directories by their paths below
// them, under the target's prefix, and counts every byte in its bar.
func TestCommandBatchPut(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "scans")
	for name, body := range map[string]string{"a.png": "AAAA", "sub/b.jpg": "BBBBBB", "sub/deeper/c.pdf": "C"} {
		p := filepath.Join(src, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(body), 0o644)
	}
	one := filepath.Join(dir, "note.txt")
	os.WriteFile(one, []byte("hello"), 0o644)
	store := filepath.Join(dir, "store")

	out, err := run(t, "", "--dir", store, "put", "--project", "p1", "fixtures/2026/", src, one)
	if err != nil {
		t.Fatalf("batch put: %v\n%s", err, out)
	}
	// Not a terminal: no bar, a line per object and the summary.
	for _, want := range []string{"obs://fixtures/2026/a.png\t4 bytes", "obs://fixtures/2026/sub/b.jpg\t6 bytes",
		"obs://fixtures/2026/sub/deeper/c.pdf\t1 bytes", "obs://fixtures/2026/note.txt\t5 bytes",
		"uploaded 4 object(s), 16 B, to obs://fixtures/2026/\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("batch put output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\r") || strings.Contains(out, "[=") {
		t.Errorf("a bar drawn into a pipe:\n%q", out)
	}
	s, _ := NewLocal(store)
	objs, err := s.List(context.Background(), "fixtures", "")
	if err != nil || len(objs) != 4 {
		t.Fatalf("listed %+v, %v", objs, err)
	}
	if o, err := s.Stat(context.Background(), "fixtures", "2026/sub/deeper/c.pdf"); err != nil || o.ContentType != "application/pdf" || o.Size != 1 {
		t.Fatalf("Stat = %+v, %v", o, err)
	}
	// A bare bucket is a batch target too; one directory alone is a batch.
	if out, err := run(t, "", "--dir", store, "put", "fixtures", one); err != nil || !strings.Contains(out, "obs://fixtures/note.txt\t5 bytes") {
		t.Fatalf("put into a bare bucket: %v\n%s", err, out)
	}
	if out, err := run(t, "", "--dir", store, "put", "fixtures/copy", filepath.Join(src, "sub")); err != nil || !strings.Contains(out, "obs://fixtures/copy/deeper/c.pdf") {
		t.Fatalf("put of one directory: %v\n%s", err, out)
	}
	// Two sources that would be the same key are refused before anything is written.
	other := filepath.Join(dir, "x", "note.txt")
	os.MkdirAll(filepath.Dir(other), 0o755)
	os.WriteFile(other, []byte("other"), 0o644)
	if _, err := run(t, "", "--dir", store, "put", "fixtures/dup/", one, other); err == nil || !strings.Contains(err.Error(), "would both be dup/note.txt") {
		t.Fatalf("duplicate keys: %v", err)
	}
	if objs, _ := s.List(context.Background(), "fixtures", "dup/"); len(objs) != 0 {
		t.Fatalf("a refused batch wrote %+v", objs)
	}
	if _, err := run(t, "x", "--dir", store, "put", "fixtures/", "-"); err == nil || !strings.Contains(err.Error(), "standard input") {
		t.Fatalf("stdin in a batch: %v", err)
	}
}
