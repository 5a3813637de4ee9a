package main

import (
	"fmt"
	"io"

	"github.com/aisd/aisd/internal/platform/progress"
)

// newBar is the bar of state export and import: objects are counted in
// bytes, store rows one by one.
func newBar(w io.Writer) *progress.Bar {
	b := progress.New(w)
	b.Count = func(label string, n int64) string {
		if label == "objects" {
			return progress.Size(n)
		}
		return fmt.Sprintf("%d rows", n)
	}
	return b
}

func size(n int64) string { return progress.Size(n) }
