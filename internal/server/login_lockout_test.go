package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	aisdcfg "github.com/aisd/aisd/internal/config"
)

// login posts a password token request and returns the status and, for
// a refusal, the catalog body.
func login(t *testing.T, e *env, domain map[string]any, user, password string) (int, errBody) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"name": user, "password": password, "domain": domain}}},
	}})
	resp, err := http.Post(e.srv.URL+"/v3/auth/tokens", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var b errBody
	if resp.StatusCode != http.StatusCreated {
		if err := json.Unmarshal(raw, &b); err != nil || b.Code == "" || resp.Header.Get("X-Request-Id") == "" {
			t.Fatalf("refusal without catalog body or request id: %d %s", resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, b
}

const (
	msgBadPassword = "Incorrect IAM authentication information: user name or password is incorrect"
	msgLocked      = "Incorrect IAM authentication information: user access failed to reach the limit,forbidden"
)

// Password logins lock like AKs: lock_failures wrong passwords in a row
// lock the domain and user name for lock_duration, the right password
// included; a success resets the count; and names that do not exist lock
// the same way, so the lock tells nothing about who exists.
func TestPasswordLoginLockout(t *testing.T) {
	clk := &fakeClock{t: time.Now()}
	e := newEnvClock(t, clk, func(c *aisdcfg.Config) { c.LockFailures, c.LockDuration = 5, 5*time.Minute })
	root := map[string]any{"name": "root"}

	wrong := func(domain map[string]any, user string, n int) {
		t.Helper()
		for i := 1; i <= n; i++ {
			st, b := login(t, e, domain, user, "wrong password")
			if st != 401 || b.Code != "APIG.0301" || b.Msg != msgBadPassword {
				t.Fatalf("%s: wrong password %d: %d %+v", user, i, st, b)
			}
		}
	}
	locked := func(domain map[string]any, user, password string) {
		t.Helper()
		st, b := login(t, e, domain, user, password)
		if st != 401 || b.Code != "APIG.0301" || b.Msg != msgLocked {
			t.Fatalf("%s: want locked, got %d %+v", user, st, b)
		}
	}

	// A success resets the count: 4 + 4 failures never lock.
	wrong(root, "root", 4)
	if st, b := login(t, e, root, "root", rootSK); st != 201 {
		t.Fatalf("right password after 4 failures: %d %+v", st, b)
	}
	wrong(root, "root", 4)
	if st, b := login(t, e, root, "root", rootSK); st != 201 {
		t.Fatalf("right password after a reset and 4 failures: %d %+v", st, b)
	}

	// The fifth failure in a row locks: then even the right password is
	// refused, and so is the same user named through its domain id.
	wrong(root, "root", 5)
	locked(root, "root", rootSK)
	locked(map[string]any{"id": e.s.Root.Domain.ID}, "root", rootSK)
	// Another user name of the same domain is not locked.
	wrong(root, "someone-else", 1)

	// A user that does not exist answers exactly as one that does, and
	// locks the same way; so does an unknown domain.
	wrong(root, "nobody", 5)
	locked(root, "nobody", "anything")
	wrong(map[string]any{"name": "no-such-domain"}, "root", 5)
	locked(map[string]any{"name": "no-such-domain"}, "root", "anything")
	wrong(map[string]any{"id": "0123456789abcdef0123456789abcdef"}, "root", 5)
	locked(map[string]any{"id": "0123456789abcdef0123456789abcdef"}, "root", "anything")

	// The lock lasts lock_duration.
	clk.Add(5*time.Minute - time.Second)
	locked(root, "root", rootSK)
	clk.Add(time.Second)
	if st, b := login(t, e, root, "root", rootSK); st != 201 {
		t.Fatalf("right password after the lock expired: %d %+v", st, b)
	}
}
