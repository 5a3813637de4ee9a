package signer_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/gateway/signer"
)

func BenchmarkVerify(b *testing.B) {
	for _, size := range []int{1 << 10, 1 << 20} {
		body := bytes.Repeat([]byte("a"), size)
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/v2/"+testProject+"/ocr/general-text?x=1", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json;charset=UTF-8")
		r.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0")
		r.Header.Set("X-Project-Id", testProject)
		now := time.Now()
		if err := signer.Sign(r, body, testAK, testSK, now); err != nil {
			b.Fatal(err)
		}
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

func byteSize(n int) string {
	if n >= 1<<20 {
		return "1MiB"
	}
	return "1KiB"
}
