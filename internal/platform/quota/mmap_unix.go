//go:build unix

package quota

import (
	"os"
	"syscall"
)

func mapSegment(f *os.File, n int) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
}

func unmapSegment(m []byte) error { return syscall.Munmap(m) }
