package obs

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/minio/minio-go/v7"
)

// A large upload of unknown length goes through multipart, as minio-go
// (and the AWS CLI) send it, and reads back byte for byte.
func TestMultipartUploadWithMinioClient(t *testing.T) {
	ctx := context.Background()
	srv, st := s3Server(t, WithMultipartDir(t.TempDir()))
	alice := client(t, srv, "AKALICE", "alice-secret", nil)
	if err := alice.MakeBucket(ctx, "videos", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, 21<<20)
	rand.Read(body)
	info, err := alice.PutObject(ctx, "videos", "clip.mp4", bytes.NewReader(body), -1,
		minio.PutObjectOptions{ContentType: "video/mp4", PartSize: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(body)) {
		t.Fatalf("uploaded %d bytes, want %d", info.Size, len(body))
	}
	obj, err := st.Stat(ctx, "videos", "clip.mp4")
	if err != nil || obj.Size != int64(len(body)) || obj.ContentType != "video/mp4" {
		t.Fatalf("stored %+v, %v", obj, err)
	}
	rc, err := alice.GetObject(ctx, "videos", "clip.mp4", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("read back %d bytes (%v), differ from the upload", len(got), err)
	}
}

// The multipart operations one by one, and what S3 refuses.
func TestMultipartOperations(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, st := s3Server(t, WithMultipartDir(dir))
	st.CreateBucket(ctx, "p-alice", "box")
	st.CreateBucket(ctx, "p-bob", "bobs")
	alice := minio.Core{Client: client(t, srv, "AKALICE", "alice-secret", nil)}
	bob := minio.Core{Client: client(t, srv, "AKBOB", "bob-secret", nil)}
	code := func(err error) string { return minio.ToErrorResponse(err).Code }

	big := bytes.Repeat([]byte("a"), 5<<20)
	tail := []byte("and the rest")
	id, err := alice.NewMultipartUpload(ctx, "box", "doc.bin", minio.PutObjectOptions{ContentType: "application/x-test"})
	if err != nil {
		t.Fatal(err)
	}
	put := func(c minio.Core, bucket string, n int, b []byte) (minio.ObjectPart, error) {
		return c.PutObjectPart(ctx, bucket, "doc.bin", id, n, bytes.NewReader(b), int64(len(b)), minio.PutObjectPartOptions{})
	}
	p2, err := put(alice, "box", 2, tail)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := put(alice, "box", 1, big)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := alice.ListObjectParts(ctx, "box", "doc.bin", id, 0, 100)
	if err != nil || len(parts.ObjectParts) != 2 || parts.ObjectParts[0].PartNumber != 1 || parts.ObjectParts[1].Size != int64(len(tail)) {
		t.Fatalf("ListParts = %+v, %v", parts.ObjectParts, err)
	}
	// Another project cannot touch the upload, even through its own bucket.
	if _, err := put(bob, "bobs", 3, tail); code(err) != "NoSuchUpload" {
		t.Errorf("bob's part into alice's upload: %v", err)
	}
	complete := func(ps ...minio.CompletePart) error {
		_, err := alice.CompleteMultipartUpload(ctx, "box", "doc.bin", id, ps, minio.PutObjectOptions{})
		return err
	}
	cp1 := minio.CompletePart{PartNumber: 1, ETag: p1.ETag}
	cp2 := minio.CompletePart{PartNumber: 2, ETag: p2.ETag}
	if err := complete(cp2, cp1); code(err) != "InvalidPartOrder" {
		t.Errorf("parts out of order: %v", err)
	}
	if err := complete(cp1, minio.CompletePart{PartNumber: 2, ETag: p1.ETag}); code(err) != "InvalidPart" {
		t.Errorf("wrong ETag: %v", err)
	}
	if err := complete(cp2, minio.CompletePart{PartNumber: 3, ETag: p2.ETag}); code(err) != "InvalidPart" {
		t.Errorf("missing part: %v", err)
	}
	small, err := put(alice, "box", 3, tail)
	if err != nil {
		t.Fatal(err)
	}
	if err := complete(cp2, minio.CompletePart{PartNumber: 3, ETag: small.ETag}); code(err) != "EntityTooSmall" {
		t.Errorf("small part before the last: %v", err)
	}
	if err := complete(cp1, cp2); err != nil {
		t.Fatal(err)
	}
	rc, _, err := st.Get(ctx, "box", "doc.bin")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, append(append([]byte(nil), big...), tail...)) {
		t.Fatalf("completed object has %d bytes, want %d", len(got), len(big)+len(tail))
	}
	if obj, _ := st.Stat(ctx, "box", "doc.bin"); obj.ContentType != "application/x-test" {
		t.Errorf("content type %q", obj.ContentType)
	}
	// Completed uploads are gone, staging included.
	if err := complete(cp1, cp2); code(err) != "NoSuchUpload" {
		t.Errorf("second complete: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("staging left behind: %d entries", len(ents))
	}

	// Abort drops the parts; the object is not written.
	id, err = alice.NewMultipartUpload(ctx, "box", "doc.bin", minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := put(alice, "box", 1, tail); err != nil {
		t.Fatal(err)
	}
	if err := alice.AbortMultipartUpload(ctx, "box", "doc.bin", id); err != nil {
		t.Fatal(err)
	}
	if _, err := put(alice, "box", 2, tail); code(err) != "NoSuchUpload" {
		t.Errorf("part after abort: %v", err)
	}
	if _, err := put(alice, "box", 0, tail); code(err) != "InvalidArgument" && code(err) != "NoSuchUpload" {
		t.Errorf("part number 0: %v", err)
	}
	if _, err := st.Stat(ctx, "box", "doc.bin"); err != nil && !errors.Is(err, ErrNoSuchKey) {
		t.Fatal(err)
	}
}
