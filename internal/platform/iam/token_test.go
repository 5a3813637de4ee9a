package iam

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// Exactly one string is accepted per token: changing the unused low bits
// of the last base64 character gives the same bytes, and is refused.
func TestTokenParsedCanonically(t *testing.T) {
	s, err := NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	tails := 0
	// Sealed lengths that are not a multiple of 3 leave 2 or 4 unused bits
	// in the last character; user ids of a few lengths cover both.
	for n := 1; n <= 6; n++ {
		c := Claims{UserID: strings.Repeat("u", n), DomainID: "d", Methods: []string{"password"}, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
		tok, err := s.IssueToken(c)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.ParseToken(tok, now); err != nil || got.UserID != c.UserID {
			t.Fatalf("issued token: %+v %v", got, err)
		}
		sealed := len(tok) - len(tokenPrefix)
		if sealed%4 == 0 {
			continue // no unused bits
		}
		tails++
		last := strings.IndexByte(b64url, tok[len(tok)-1])
		for bit := 0; bit < 2*(4-sealed%4); bit++ {
			if last&(1<<bit) != 0 {
				t.Fatalf("issued token has a non-zero unused bit: %q", tok)
			}
			alt := tok[:len(tok)-1] + string(b64url[last|1<<bit])
			if _, err := s.ParseToken(alt, now); !errors.Is(err, ErrTokenDecrypt) {
				t.Errorf("token with unused bit %d set accepted: err %v", bit, err)
			}
		}
	}
	if tails == 0 {
		t.Fatal("no token length left unused bits; the test proved nothing")
	}
}
