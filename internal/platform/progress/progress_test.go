package progress

import (
	"bytes"
	"strings"
	"testing"
)

func TestBar(t *testing.T) {
	var out bytes.Buffer
	b := New(&out)
	if b.On {
		t.Fatal("a buffer is not a terminal")
	}
	b.Start("upload", 4096)
	b.Add(1024)
	b.Done()
	if out.Len() != 0 {
		t.Fatalf("drew into a non-terminal: %q", out.String())
	}
	// Where it draws: the share done, as bars and percent, in the unit's words.
	b.On, b.Count = true, func(_ string, n int64) string { return Size(n) }
	b.Start("upload", 4096)
	b.Add(1024)
	b.Done()
	last := out.String()[strings.LastIndex(out.String(), "\r")+1:]
	if want := "upload   [=======                       ]  25%  1.0 KiB / 4.0 KiB\n"; last != want {
		t.Fatalf("bar %q, want %q", last, want)
	}
	b.Start("rows", 0)
	b.Add(7)
	if l := b.Line(); !strings.HasPrefix(l, "rows     7 B  ") {
		t.Fatalf("unknown total: %q", l)
	}
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
