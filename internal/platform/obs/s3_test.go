package obs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

var testKeys = map[string][2]string{ // AK → SK, project
	"AKOPERATOR": {"operator-secret", "p-operator"},
	"AKALICE":    {"alice-secret", "p-alice"},
	"AKBOB":      {"bob-secret", "p-bob"},
}

func testAuth(ak string) (string, string, error) {
	k, ok := testKeys[ak]
	if !ok {
		return "", "", errors.New("unknown")
	}
	return k[0], k[1], nil
}

// s3Server serves a fresh local store through S3Handler.
func s3Server(t testing.TB, opts ...S3Option) (*httptest.Server, *Local) {
	t.Helper()
	st, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(S3Handler(st, testAuth, opts...))
	t.Cleanup(srv.Close)
	return srv, st
}

func client(t testing.TB, srv *httptest.Server, ak, sk string, tr http.RoundTripper) *minio.Client {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(ak, sk, ""), Region: "us-east-1",
		Transport: tr, BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestS3Conformance runs the store suite on the S3 backend, talking to
// S3Handler over a local store: both halves of the S3 path at once.
func TestS3Conformance(t *testing.T) {
	runStoreTests(t, func(t *testing.T) Store {
		srv, _ := s3Server(t)
		u, _ := url.Parse(srv.URL)
		s, err := NewS3(S3Options{Endpoint: u.Host, AccessKey: "AKOPERATOR", SecretKey: "operator-secret"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestS3HandlerWithMinioClient(t *testing.T) {
	srv, st := s3Server(t)
	ctx := context.Background()
	alice := client(t, srv, "AKALICE", "alice-secret", nil)
	bob := client(t, srv, "AKBOB", "bob-secret", nil)

	if err := alice.MakeBucket(ctx, "alice-photos", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if o, _ := st.BucketOwner(ctx, "alice-photos"); o != "p-alice" {
		t.Fatalf("owner = %q", o)
	}
	err := bob.MakeBucket(ctx, "alice-photos", minio.MakeBucketOptions{})
	if code := minio.ToErrorResponse(err).Code; code != "BucketAlreadyExists" {
		t.Fatalf("bob re-creating: %v", err)
	}
	err = alice.MakeBucket(ctx, "alice-photos", minio.MakeBucketOptions{})
	if code := minio.ToErrorResponse(err).Code; code != "BucketAlreadyOwnedByYou" {
		t.Fatalf("alice re-creating: %v", err)
	}

	// Streaming-signed upload (the client's default over plain HTTP).
	body := bytes.Repeat([]byte("0123456789"), 20000) // 200 kB: several chunks
	info, err := alice.PutObject(ctx, "alice-photos", "2026/cat.jpg", bytes.NewReader(body), int64(len(body)),
		minio.PutObjectOptions{ContentType: "image/jpeg"})
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(body)) {
		t.Fatalf("PutObject = %+v", info)
	}
	// Unsigned-payload upload.
	if _, err := alice.PutObject(ctx, "alice-photos", "2026/dog.jpg", strings.NewReader("DOG"), 3,
		minio.PutObjectOptions{DisableContentSha256: true}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		alice.PutObject(ctx, "alice-photos", "misc/"+string(rune('a'+i)), strings.NewReader("x"), 1, minio.PutObjectOptions{})
	}

	obj, err := alice.GetObject(ctx, "alice-photos", "2026/cat.jpg", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("GetObject: %d bytes, %v", len(got), err)
	}
	sti, err := alice.StatObject(ctx, "alice-photos", "2026/cat.jpg", minio.StatObjectOptions{})
	if err != nil || sti.Size != int64(len(body)) || sti.ContentType != "image/jpeg" || sti.ETag != info.ETag {
		t.Fatalf("StatObject = %+v, %v", sti, err)
	}
	ro := minio.GetObjectOptions{}
	ro.SetRange(10, 19)
	obj, _ = alice.GetObject(ctx, "alice-photos", "2026/cat.jpg", ro)
	if got, err := io.ReadAll(obj); err != nil || string(got) != "0123456789" {
		t.Fatalf("range read = %q, %v", got, err)
	}

	list := func(c *minio.Client, o minio.ListObjectsOptions) ([]string, error) {
		var keys []string
		for oi := range c.ListObjects(ctx, "alice-photos", o) {
			if oi.Err != nil {
				return keys, oi.Err
			}
			keys = append(keys, oi.Key)
		}
		return keys, nil
	}
	keys, err := list(alice, minio.ListObjectsOptions{Recursive: true, MaxKeys: 2}) // pages of 2
	if err != nil || strings.Join(keys, ",") != "2026/cat.jpg,2026/dog.jpg,misc/a,misc/b,misc/c,misc/d,misc/e" {
		t.Fatalf("recursive list = %q, %v", keys, err)
	}
	keys, err = list(alice, minio.ListObjectsOptions{})
	if err != nil || strings.Join(keys, ",") != "2026/,misc/" {
		t.Fatalf("delimited list = %q, %v", keys, err)
	}
	keys, err = list(alice, minio.ListObjectsOptions{Prefix: "misc/", StartAfter: "misc/b", Recursive: true})
	if err != nil || strings.Join(keys, ",") != "misc/c,misc/d,misc/e" {
		t.Fatalf("start-after list = %q, %v", keys, err)
	}
	keys, err = list(alice, minio.ListObjectsOptions{Recursive: true, UseV1: true, MaxKeys: 3})
	if err != nil || len(keys) != 7 {
		t.Fatalf("v1 list = %q, %v", keys, err)
	}
	bs, err := alice.ListBuckets(ctx)
	if err != nil || len(bs) != 1 || bs[0].Name != "alice-photos" {
		t.Fatalf("ListBuckets = %+v, %v", bs, err)
	}
	if bs, _ := bob.ListBuckets(ctx); len(bs) != 0 {
		t.Fatalf("bob sees %+v", bs)
	}

	// Presigned GET works with a plain HTTP client, and only until expiry.
	pu, err := alice.PresignedGetObject(ctx, "alice-photos", "2026/dog.jpg", time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(pu.String())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "DOG" {
		t.Fatalf("presigned GET = %d %q", resp.StatusCode, b)
	}
	tampered := strings.Replace(pu.String(), "dog.jpg", "cat.jpg", 1)
	if resp, _ := http.Get(tampered); resp.StatusCode != 403 {
		t.Fatalf("presigned URL reused for another key: %d", resp.StatusCode)
	}

	// Another project's bucket is off limits, whatever the operation.
	if _, err := bob.StatObject(ctx, "alice-photos", "2026/dog.jpg", minio.StatObjectOptions{}); minio.ToErrorResponse(err).StatusCode != 403 {
		t.Fatalf("bob stat: %v", err)
	}
	obj, _ = bob.GetObject(ctx, "alice-photos", "2026/dog.jpg", minio.GetObjectOptions{})
	if _, err := io.ReadAll(obj); minio.ToErrorResponse(err).Code != "AccessDenied" {
		t.Fatalf("bob get: %v", err)
	}
	if _, err := bob.PutObject(ctx, "alice-photos", "x", strings.NewReader("x"), 1, minio.PutObjectOptions{}); minio.ToErrorResponse(err).Code != "AccessDenied" {
		t.Fatalf("bob put: %v", err)
	}
	if err := bob.RemoveObject(ctx, "alice-photos", "2026/dog.jpg", minio.RemoveObjectOptions{}); minio.ToErrorResponse(err).Code != "AccessDenied" {
		t.Fatalf("bob delete: %v", err)
	}
	if _, err := list(bob, minio.ListObjectsOptions{}); minio.ToErrorResponse(err).Code != "AccessDenied" {
		t.Fatalf("bob list: %v", err)
	}

	if err := alice.RemoveObject(ctx, "alice-photos", "2026/dog.jpg", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.StatObject(ctx, "alice-photos", "2026/dog.jpg", minio.StatObjectOptions{}); minio.ToErrorResponse(err).StatusCode != 404 {
		t.Fatalf("stat after delete: %v", err)
	}
	obj, _ = alice.GetObject(ctx, "alice-photos", "nothing", minio.GetObjectOptions{})
	if _, err := io.ReadAll(obj); minio.ToErrorResponse(err).Code != "NoSuchKey" {
		t.Fatalf("get missing: %v", err)
	}
	if err := alice.RemoveBucket(ctx, "alice-photos"); minio.ToErrorResponse(err).Code != "BucketNotEmpty" {
		t.Fatalf("remove non-empty bucket: %v", err)
	}
}

// flipper corrupts one byte of every request body on its way out.
type flipper struct{ at int }

func (f flipper) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.ContentLength > int64(f.at) {
		b, _ := io.ReadAll(r.Body)
		b[f.at] ^= 1
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestS3HandlerRefusesBadRequests(t *testing.T) {
	ctx := context.Background()
	srv, st := s3Server(t)
	st.CreateBucket(ctx, "p-alice", "box")
	st.Put(ctx, "box", "k", strings.NewReader("v"), 1, "")

	code := func(err error) string { return minio.ToErrorResponse(err).Code }
	stat := func(c *minio.Client) error {
		_, err := c.StatObject(ctx, "box", "k", minio.StatObjectOptions{})
		return err
	}
	// HEAD answers carry no body: check statuses there, codes on GETs.
	getErr := func(c *minio.Client) error {
		_, err := c.ListBuckets(ctx)
		return err
	}
	if err := stat(client(t, srv, "AKALICE", "alice-secret", nil)); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
	if c := code(getErr(client(t, srv, "AKALICE", "wrong", nil))); c != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret: %s", c)
	}
	if c := code(getErr(client(t, srv, "AKNOBODY", "x", nil))); c != "InvalidAccessKeyId" {
		t.Errorf("unknown key: %s", c)
	}
	skewed, _ := s3Server(t, WithClock(func() time.Time { return time.Now().Add(time.Hour) }))
	if c := code(getErr(client(t, skewed, "AKALICE", "alice-secret", nil))); c != "RequestTimeTooSkewed" {
		t.Errorf("clock skew: %s", c)
	}
	resp, err := http.Get(srv.URL + "/box/k")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !bytes.Contains(b, []byte("<Code>AccessDenied</Code>")) {
		t.Errorf("anonymous GET = %d %s", resp.StatusCode, b)
	}

	// A body altered in transit fails its chunk signature and is not stored.
	alice := client(t, srv, "AKALICE", "alice-secret", flipper{at: 200})
	_, err = alice.PutObject(ctx, "box", "tampered", bytes.NewReader(make([]byte, 1000)), 1000, minio.PutObjectOptions{})
	if c := code(err); c != "SignatureDoesNotMatch" {
		t.Errorf("tampered chunk: %v", err)
	}
	if _, err := st.Stat(ctx, "box", "tampered"); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("tampered object was stored: %v", err)
	}
	// Size cap.
	small, sst := s3Server(t, WithMaxObjectSize(10))
	sst.CreateBucket(ctx, "p-alice", "box")
	_, err = client(t, small, "AKALICE", "alice-secret", nil).PutObject(ctx, "box", "big", bytes.NewReader(make([]byte, 11)), 11, minio.PutObjectOptions{})
	if c := code(err); c != "EntityTooLarge" {
		t.Errorf("over the size cap: %v", err)
	}
	// Multipart operations are signed requests like any other.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/box/k?uploads", nil)
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 403 {
		t.Errorf("unsigned multipart initiation = %d, want 403 before anything else", resp.StatusCode)
	}
}

func TestChunkedReader(t *testing.T) {
	sig := &sigRequest{Date: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Scope: "20260102/us-east-1/s3/aws4_request",
		SigningKey: signingKey("sk", "20260102", "us-east-1", "s3"), Signature: strings.Repeat("0", 64)}
	for name, tc := range map[string]struct {
		body    string
		size    int64
		want    string
		wantErr bool
	}{
		"unsigned trailer": {"3\r\nabc\r\n2\r\nde\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", 5, "abcde", false},
		"short body":       {"3\r\nabc\r\n", 3, "", true},
		"size overrun":     {"5\r\nabcde\r\n0\r\n\r\n", 3, "", true},
		"bad size":         {"zz\r\nabc\r\n", 3, "", true},
		"missing crlf":     {"3\r\nabcXX0\r\n\r\n", 3, "", true},
		"declared larger":  {"3\r\nabc\r\n0\r\n\r\n", 4, "", true},
	} {
		t.Run(name, func(t *testing.T) {
			cr := &chunkedReader{br: newBufReader(tc.body), sig: sig, prev: sig.Signature, remaining: tc.size}
			got, err := io.ReadAll(cr)
			if (err != nil) != tc.wantErr || (!tc.wantErr && string(got) != tc.want) {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}

func newBufReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }
