//go:build !unix

package models

// lockRoot is a no-op where flock is unavailable; concurrent installs into
// one root are then the caller's concern.
func lockRoot(string, func()) (func(), error) { return func() {}, nil }
