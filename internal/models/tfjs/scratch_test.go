package tfjs

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestScratch(t *testing.T) {
	dir, file, out := os.Getenv("S_DIR"), os.Getenv("S_FILE"), os.Getenv("S_OUT")
	if dir == "" {
		t.Skip()
	}
	st := time.Now()
	if err := Convert(context.Background(), dir, file, out, Options{}); err != nil {
		t.Fatal(err)
	}
	t.Log(time.Since(st))
}
