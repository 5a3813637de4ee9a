package limits

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// Failures under ever new names (unknown user names are counted too) keep
// the table bounded, and a running lock outlives the spray.
func TestLockoutBoundedUnderASpray(t *testing.T) {
	ctx := context.Background()
	l := NewMemoryLockout(5, 5*time.Minute)
	l.MaxKeys = 1000
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		l.Fail(ctx, "victim", now)
	}
	for i := 0; i < 20000; i++ {
		l.Fail(ctx, "name-"+strconv.Itoa(i), now)
		if n := l.Len(); n > l.MaxKeys {
			t.Fatalf("%d entries after %d names, bound %d", n, i+1, l.MaxKeys)
		}
	}
	if ok, _ := l.Locked(ctx, "victim", now.Add(time.Minute)); !ok {
		t.Fatal("the spray lifted a running lock")
	}
}
