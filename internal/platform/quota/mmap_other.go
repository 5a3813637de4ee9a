//go:build !unix

package quota

import (
	"errors"
	"os"
)

// Without mmap the journal writes each record with one write.
func mapSegment(*os.File, int) ([]byte, error) { return nil, errors.New("no mmap") }

func unmapSegment([]byte) error { return nil }
