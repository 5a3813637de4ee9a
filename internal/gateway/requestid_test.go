package gateway

import (
	"regexp"
	"testing"
)

// Request ids are 32 lower-case hex digits, unique, and strictly
// increasing in issue order (what keeps the usage index's inserts
// sequential), even when many are issued within one clock tick.
func TestRequestIDsIncrease(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{32}$`)
	prev := ""
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		id := newRequestID()
		if !re.MatchString(id) {
			t.Fatalf("request id %q is not 32 hex digits", id)
		}
		if id <= prev {
			t.Fatalf("request id %q after %q: not increasing", id, prev)
		}
		if seen[id] {
			t.Fatalf("request id %q issued twice", id)
		}
		seen[id] = true
		prev = id
	}
	// The random half differs between ids issued back to back.
	a, b := newRequestID(), newRequestID()
	if a[16:] == b[16:] {
		t.Fatalf("ids %q and %q share their random half", a, b)
	}
}
