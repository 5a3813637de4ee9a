//go:build unix

package models

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An install waits for another process's install into the same root and
// says so, instead of racing it.
func TestInstallWaitsForLock(t *testing.T) {
	newFakeNPM(t).publish(t, "@acme/demo-models@1.2.3", demoTarball(t))
	mgr := newManager(t, demoManifest())
	f, err := os.OpenFile(filepath.Join(mgr.Root(), ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	must(t, err)
	defer f.Close()
	// flock locks belong to the open file description, so a second open in
	// this process contends like another process would.
	must(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX))

	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- mgr.Install(context.Background(), nil, &out) }()
	select {
	case err := <-done:
		t.Fatalf("install finished while the root was locked: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	must(t, syscall.Flock(int(f.Fd()), syscall.LOCK_UN))
	must(t, <-done)
	if !strings.HasPrefix(out.String(), "waiting for another install into "+mgr.Root()) {
		t.Errorf("output:\n%s", out.String())
	}
}
