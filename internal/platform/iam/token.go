package iam

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// tokenPrefix marks aisd tokens; like the cloud's PKI tokens they are opaque
// to clients. The payload is sealed with the server key, so a token cannot be
// forged or altered, and verification needs no database round trip.
const tokenPrefix = "MIIS"

// Claims is what a token asserts.
type Claims struct {
	UserID    string    `json:"u"`
	DomainID  string    `json:"d"`
	ProjectID string    `json:"p,omitempty"` // empty for a domain-scoped token
	Methods   []string  `json:"m"`
	IssuedAt  time.Time `json:"i"`
	ExpiresAt time.Time `json:"e"`
}

// Token verification failures, in the order they are detected.
var (
	ErrTokenMalformed = errors.New("token header malformed") // not an aisd token shape
	ErrTokenDecrypt   = errors.New("decrypt token fail")     // not sealed by this server
	ErrTokenParse     = errors.New("parse token error")      // sealed, but payload unreadable
	ErrTokenExpired   = errors.New("token expires")
)

var tokenAD = []byte("aisd-token-v1")

// tokenEncoding is how the sealed payload is written: unpadded base64url,
// parsed canonically.
var tokenEncoding = base64.RawURLEncoding.Strict()

// IssueToken seals claims into a token string.
func (s *Sealer) IssueToken(c Claims) (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	return tokenPrefix + tokenEncoding.EncodeToString(s.Seal(b, tokenAD)), nil
}

// ParseToken verifies a token and returns its claims. Expired tokens return
// the claims together with ErrTokenExpired so the caller can report expiry.
func (s *Sealer) ParseToken(tok string, now time.Time) (Claims, error) {
	var c Claims
	if !strings.HasPrefix(tok, tokenPrefix) || len(tok) < len(tokenPrefix)+16 || strings.ContainsAny(tok, " \t\r\n") {
		return c, ErrTokenMalformed
	}
	// Strict: the unused low bits of the last character must be zero, so
	// exactly one string encodes a token (with whitespace refused above,
	// the decoder has no other slack).
	raw, err := tokenEncoding.DecodeString(tok[len(tokenPrefix):])
	if err != nil {
		return c, ErrTokenDecrypt
	}
	plain, err := s.Open(raw, tokenAD)
	if err != nil {
		return c, ErrTokenDecrypt
	}
	if err := json.Unmarshal(plain, &c); err != nil || c.UserID == "" || c.DomainID == "" {
		return Claims{}, ErrTokenParse
	}
	if !now.Before(c.ExpiresAt) {
		return c, ErrTokenExpired
	}
	return c, nil
}
