package signer_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/gateway/signer"
)

func BenchmarkVerify(b *testing.B) {
	for _, size := range []int{1 << 10, 1 << 20} {
		body := bytes.Repeat([]byte("a"), size)
		now := time.Now()
		r := jsonCall(b, body, now)
		a, err := signer.Parse(r)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(byteSize(size), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := signer.Verify(r, body, a, testSK, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseVerify is the gateway's whole signature check of a short
// SDK-signed JSON call: parse the Authorization header, verify, release.
func BenchmarkParseVerify(b *testing.B) {
	body := []byte(`{"url":"https://example.com/a.png"}`)
	now := time.Now()
	r := jsonCall(b, body, now)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		a, err := signer.Parse(r)
		if err != nil {
			b.Fatal(err)
		}
		if err := signer.Verify(r, body, a, testSK, now); err != nil {
			b.Fatal(err)
		}
		a.Release()
	}
}

func byteSize(n int) string {
	if n >= 1<<20 {
		return "1MiB"
	}
	return "1KiB"
}
