package obs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// FuzzCompleteMultipartBody: whatever XML a signed client posts to
// complete a multipart upload, the S3 handler answers 200 or a 4xx S3
// error document — never a 5xx, a panic or a body that is not XML.
func FuzzCompleteMultipartBody(f *testing.F) {
	f.Add([]byte(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>`))
	f.Add([]byte(`<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag></ETag></Part><Part><PartNumber>99999999999</PartNumber></Part></CompleteMultipartUpload>`))
	f.Add([]byte(`<CompleteMultipartUpload></CompleteMultipartUpload>`))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><CompleteMultipartUpload>&b;</CompleteMultipartUpload>`))
	f.Add([]byte("\x00\xff<"))

	ctx := context.Background()
	srv, st := s3Server(f, WithMultipartDir(f.TempDir()))
	st.CreateBucket(ctx, "p-alice", "box")
	core := minio.Core{Client: client(f, srv, "AKALICE", "alice-secret", nil)}
	part := []byte("the only part")
	var id, etag string
	start := func(t testing.TB) {
		var err error
		if id, err = core.NewMultipartUpload(ctx, "box", "doc.bin", minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		p, err := core.PutObjectPart(ctx, "box", "doc.bin", id, 1, bytes.NewReader(part), int64(len(part)), minio.PutObjectPartOptions{})
		if err != nil {
			t.Fatal(err)
		}
		etag = p.ETag
	}
	start(f)
	f.Add([]byte(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"` + etag + `"</ETag></Part></CompleteMultipartUpload>`))

	f.Fuzz(func(t *testing.T, body []byte) {
		sum := sha256.Sum256(body)
		req, err := http.NewRequest("POST", srv.URL+"/box/doc.bin?uploadId="+id, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
		req = signer.SignV4(*req, "AKALICE", "alice-secret", "", "us-east-1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == 200:
			start(t) // the upload is complete and gone: open the next one
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			var e struct {
				Code string `xml:"Code"`
			}
			if err := xml.Unmarshal(b, &e); err != nil || e.Code == "" {
				t.Fatalf("%d with no S3 error document: %q", resp.StatusCode, b)
			}
		default:
			t.Fatalf("status %d for body %q: %s", resp.StatusCode, body, b)
		}
	})
}
