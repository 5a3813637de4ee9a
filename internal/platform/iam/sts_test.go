package iam

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/store/memory"
)

func testService(t *testing.T) (*Service, Bootstrap, *time.Time) {
	t.Helper()
	seal, err := NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	s := New(memory.New(), seal, "cn-north-4", 24*time.Hour)
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	b, err := s.EnsureRoot(context.Background(), "AISDTESTROOTAK000001", "aisdTestRootSecretKey0000000000000000001")
	if err != nil {
		t.Fatal(err)
	}
	return s, b, &now
}

func TestTemporaryLifecycle(t *testing.T) {
	s, b, now := testService(t)
	ctx := context.Background()
	id, err := s.IdentityForAK(ctx, b.AK)
	if err != nil {
		t.Fatal(err)
	}
	id.AK = b.AK
	session := Policy{Version: "1.1", Statement: []Statement{{Effect: "Allow", Action: []string{"ocr:*:*"}}}}
	c, err := s.IssueTemporary(ctx, id, time.Hour, &session)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := s.OpenSecurityToken(c.SecurityToken)
	if err != nil || claims.AK != c.AK || claims.SK != c.SK || claims.ParentAK != b.AK || len(claims.Session) != 1 {
		t.Fatalf("claims %+v %v", claims, err)
	}
	tid, err := s.VerifyTemporary(ctx, claims)
	if err != nil || !tid.Temporary || tid.User.ID != b.User.ID || tid.AK != c.AK {
		t.Fatalf("identity %+v %v", tid, err)
	}
	// A child obtained with the pair never outlives it and inherits its
	// session policy.
	child, err := s.IssueTemporary(ctx, tid, 24*time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	cc, _ := s.OpenSecurityToken(child.SecurityToken)
	if !cc.Expires.Equal(claims.Expires) || len(cc.Session) != 1 || len(cc.Via) != 1 || cc.Via[0] != c.AK {
		t.Fatalf("child claims %+v", cc)
	}
	if d, _ := s.Authorize(ctx, Identity{User: tid.User, Session: cc.Session}, b.Project.ID, "moderation:text:create"); d != DenyService {
		t.Fatalf("session policy ignored: %v", d)
	}
	list, err := s.ListTemporary(ctx, b.Domain.ID)
	if err != nil || len(list) != 2 {
		t.Fatalf("list %+v %v", list, err)
	}
	// Revoking the parent revokes the child.
	if err := s.RevokeTemporary(ctx, b.Domain.ID, c.AK); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VerifyTemporary(ctx, cc); !errors.Is(err, ErrTemp) {
		t.Fatalf("child of a revoked pair: %v", err)
	}
	// Expiry, and purging at the next issuance.
	*now = now.Add(2 * time.Hour)
	if _, err := s.VerifyTemporary(ctx, claims); !errors.Is(err, ErrTemp) {
		t.Fatalf("expired pair: %v", err)
	}
	if _, err := s.IssueTemporary(ctx, id, 15*time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	if rs, _ := s.st.ListResources(ctx, KindSTS, b.Domain.ID); len(rs) != 1 {
		t.Fatalf("%d records after purge, want 1", len(rs))
	}
}

func TestOpenSecurityTokenRefuses(t *testing.T) {
	s, b, _ := testService(t)
	ctx := context.Background()
	id, _ := s.IdentityForAK(ctx, b.AK)
	c, err := s.IssueTemporary(ctx, id, time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	foreign := New(memory.New(), other, "cn-north-4", time.Hour)
	for name, tok := range map[string]string{
		"empty":     "",
		"short":     "abc",
		"space":     c.SecurityToken[:20] + " " + c.SecurityToken[21:],
		"not b64":   "!!!!!!!!!!!!!!!!!!!!!!!!",
		"truncated": c.SecurityToken[:len(c.SecurityToken)-4],
	} {
		if _, err := s.OpenSecurityToken(tok); !errors.Is(err, ErrTemp) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := foreign.OpenSecurityToken(c.SecurityToken); !errors.Is(err, ErrTemp) {
		t.Errorf("another server's token: %v", err)
	}
	// A login token is not a security token (different associated data).
	tok, err := s.Sealer().IssueToken(Claims{UserID: "u", DomainID: "d", ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.OpenSecurityToken(tok[len(tokenPrefix):]); !errors.Is(err, ErrTemp) {
		t.Errorf("a login token's payload opened as a security token: %v", err)
	}
}

func FuzzOpenSecurityToken(f *testing.F) {
	seal, _ := NewSealer(make([]byte, 32))
	s := New(memory.New(), seal, "cn-north-4", time.Hour)
	good := tokenEncoding.EncodeToString(seal.Seal([]byte(`{"a":"AK","s":"SK","u":"u","d":"d"}`), stsAD))
	f.Add(good)
	f.Add("")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := s.OpenSecurityToken(tok)
		if err != nil {
			if !errors.Is(err, ErrTemp) {
				t.Fatalf("error outside ErrTemp: %v", err)
			}
			return
		}
		if c.AK == "" || c.SK == "" || c.UserID == "" || c.DomainID == "" {
			t.Fatalf("accepted incomplete claims %+v", c)
		}
	})
}
