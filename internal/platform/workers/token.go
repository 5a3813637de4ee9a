package workers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// A replica proves it holds the shared key by signing a token request
// (HMAC-SHA256 of the body); the worker answers a token it minted with
// the same key, which every later call carries. The key itself never
// crosses the wire, and a token copied off the wire stops working when it
// expires.

// ParseKey decodes a worker_key: hex, at least 16 bytes.
func ParseKey(s string) ([]byte, error) {
	k, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("worker_key: not hex: %w", err)
	}
	if len(k) < 16 {
		return nil, fmt.Errorf("worker_key: %d bytes, want at least 16", len(k))
	}
	return k, nil
}

// tokenRequest is the signed body of a token request.
type tokenRequest struct {
	Time  int64  `json:"time"` // Unix ms; the worker refuses one outside maxSkew
	Nonce string `json:"nonce"`
}

type tokenReply struct {
	Token     string `json:"token"`
	ExpiresAt int64  `json:"expires_at"` // Unix ms
}

// maxSkew bounds the age of a token request (and the clocks' drift).
const maxSkew = 5 * time.Minute

func sign(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func checkSignature(key, body []byte, sig string) bool {
	want, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return hmac.Equal(m.Sum(nil), want)
}

const tokenLabel = "aisd worker token\x00"

// mint returns a token valid until exp.
func mint(key []byte, exp time.Time) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(exp.UnixMilli()))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(tokenLabel))
	m.Write(b[:])
	return base64.RawURLEncoding.EncodeToString(append(b[:], m.Sum(nil)...))
}

var (
	errTokenBad     = errors.New("worker token does not verify")
	errTokenExpired = errors.New("worker token expired")
)

// verify checks a token minted with key.
func verify(key []byte, tok string, now time.Time) error {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 8+sha256.Size {
		return errTokenBad
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(tokenLabel))
	m.Write(raw[:8])
	if !hmac.Equal(m.Sum(nil), raw[8:]) {
		return errTokenBad
	}
	if !now.Before(time.UnixMilli(int64(binary.BigEndian.Uint64(raw[:8])))) {
		return errTokenExpired
	}
	return nil
}
