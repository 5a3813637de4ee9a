package signer_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/gateway/signer"
)

func TestParse(t *testing.T) {
	const sig = "9e4b1d5e0f6c7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b"
	for _, c := range []struct {
		name, header string
		want         error
		ak           string
		signed       []string
	}{
		{"sdk form", "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=user-agent;x-project-id;x-sdk-date, Signature=" + sig,
			nil, "AK1", []string{"user-agent", "x-project-id", "x-sdk-date"}},
		{"no spaces after commas", "SDK-HMAC-SHA256 Access=AK1,SignedHeaders=x-sdk-date,Signature=" + sig,
			nil, "AK1", []string{"x-sdk-date"}},
		{"absent", "", signer.ErrMissing, "", nil},
		{"blank", "   ", signer.ErrMissing, "", nil},
		{"bearer", "Bearer abc", signer.ErrUnsupportedAlgorithm, "", nil},
		{"sm3", "SDK-HMAC-SM3 Access=AK1, SignedHeaders=x-sdk-date, Signature=" + sig, nil, "AK1", []string{"x-sdk-date"}},
		{"ecdsa", "SDK-ECDSA-P256-SHA256 Access=AK1, SignedHeaders=x-sdk-date, Signature=" + sig, signer.ErrUnsupportedAlgorithm, "", nil},
		{"sm2", "SDK-SM2-SM3 Access=AK1, SignedHeaders=x-sdk-date, Signature=" + sig, signer.ErrUnsupportedAlgorithm, "", nil},
		{"derived", "V11-HMAC-SHA256 Credential=AK1/20260101/cn-north-4/ocr, SignedHeaders=x-sdk-date, Signature=" + sig,
			signer.ErrUnsupportedAlgorithm, "", nil},
		{"lower-case algorithm", "sdk-hmac-sha256 Access=AK1, SignedHeaders=x-sdk-date, Signature=" + sig, signer.ErrUnsupportedAlgorithm, "", nil},
		{"algorithm only", "SDK-HMAC-SHA256", signer.ErrMalformed, "", nil},
		{"no access", "SDK-HMAC-SHA256 SignedHeaders=x-sdk-date, Signature=" + sig, signer.ErrMalformed, "", nil},
		{"empty access", "SDK-HMAC-SHA256 Access=, SignedHeaders=x-sdk-date, Signature=" + sig, signer.ErrMalformed, "", nil},
		{"no signed headers", "SDK-HMAC-SHA256 Access=AK1, Signature=" + sig, signer.ErrMalformed, "", nil},
		{"empty signed header name", "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=a;;x-sdk-date, Signature=" + sig, signer.ErrMalformed, "", nil},
		{"no signature", "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=x-sdk-date", signer.ErrMalformed, "", nil},
		{"repeated access", "SDK-HMAC-SHA256 Access=AK1, Access=AK2, SignedHeaders=x-sdk-date, Signature=" + sig, signer.ErrMalformed, "", nil},
		{"unknown parameter", "SDK-HMAC-SHA256 Access=AK1, Region=x, SignedHeaders=x-sdk-date, Signature=" + sig, signer.ErrMalformed, "", nil},
		{"parameter without value", "SDK-HMAC-SHA256 Access=AK1, SignedHeaders, Signature=" + sig, signer.ErrMalformed, "", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
			if c.header != "" {
				r.Header.Set("Authorization", c.header)
			}
			a, err := signer.Parse(r)
			if c.want != nil {
				if !errors.Is(err, c.want) {
					t.Fatalf("Parse = %v, want %v", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if a.AK != c.ak || !reflect.DeepEqual(a.SignedHeaders, c.signed) || a.Signature != sig {
				t.Fatalf("Parse = %+v", a)
			}
		})
	}
}

func TestVerifyRejectsBadSignatureEncoding(t *testing.T) {
	now := time.Now()
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
	r.Header.Set(signer.HeaderDate, now.UTC().Format(signer.DateFormat))
	for _, s := range []string{"xyz", "abcd", "9e4b1d5e0f6c7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b00"} {
		a := &signer.Auth{Algorithm: signer.Algorithm, AK: "AK1", SignedHeaders: []string{"x-sdk-date"}, Signature: s}
		if err := signer.Verify(r, nil, a, "sk", now); !errors.Is(err, signer.ErrMalformed) {
			t.Errorf("signature %q: Verify = %v, want ErrMalformed", s, err)
		}
	}
	if err := signer.Verify(r, nil, nil, "sk", now); !errors.Is(err, signer.ErrMissing) {
		t.Errorf("nil Auth: Verify = %v, want ErrMissing", err)
	}
}

func TestContentSha256Header(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	date := now.UTC().Format(signer.DateFormat)
	body := []byte(`{"a":1}`)
	for _, c := range []struct {
		name, value string
		want        error
	}{
		{"unsigned payload", signer.UnsignedPayload, nil},
		{"real hash", "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862", nil},
		{"real hash upper-case", "015ABD7F5CC57A2DD94B7590F04AD8084273905EE33EC5CEBEAE62276A97F862", nil},
		{"hash of another body", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", signer.ErrSignature},
		{"garbage", "streaming", signer.ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/v3/p/moderation/text", nil)
			r.Header.Set(signer.HeaderDate, date)
			r.Header.Set(signer.HeaderContentSha256, c.value)
			if c.want == nil {
				hmacSign(t, r, body, date, []string{"x-sdk-content-sha256", "x-sdk-date"})
			} else {
				// No canonical request exists for these; any signature will do.
				r.Header.Set("Authorization", "SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-content-sha256;x-sdk-date, Signature="+
					"9e4b1d5e0f6c7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b")
			}
			a, err := signer.Parse(r)
			if err != nil {
				t.Fatal(err)
			}
			err = signer.Verify(r, body, a, testSK, now)
			if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}
