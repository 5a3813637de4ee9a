package gateway

import (
	"strconv"
	"testing"
	"time"
)

// Failures under ever new names (unknown user names are counted too) keep
// the table bounded, and a running lock outlives the spray.
func TestLockoutBoundedUnderASpray(t *testing.T) {
	l := newLockout(5, 5*time.Minute)
	l.maxKeys = 1000
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		l.fail("victim", now)
	}
	for i := 0; i < 20000; i++ {
		l.fail("name-"+strconv.Itoa(i), now)
		if len(l.m) > l.maxKeys {
			t.Fatalf("%d entries after %d names, bound %d", len(l.m), i+1, l.maxKeys)
		}
	}
	if !l.locked("victim", now.Add(time.Minute)) {
		t.Fatal("the spray lifted a running lock")
	}
}
