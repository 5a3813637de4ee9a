package obs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Options locates an S3-compatible endpoint.
type S3Options struct {
	Endpoint  string // host[:port], no scheme
	AccessKey string
	SecretKey string
	Secure    bool   // HTTPS
	Region    string // default us-east-1; set so no location lookup is needed
	// Transport overrides the HTTP transport (tests, custom CAs).
	Transport http.RoundTripper
}

// S3 is a Store on an S3-compatible endpoint, accessed with one operator
// credential. A bucket's owning project is recorded in the object
// ".aisd/owner" inside it; buckets without that record belong to no project.
type S3 struct {
	c *minio.Client
}

var _ Store = (*S3)(nil)

const ownerKey = reservedPrefix + "owner"

// NewS3 connects to an S3-compatible endpoint (no request is made yet).
func NewS3(o S3Options) (*S3, error) {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	c, err := minio.New(o.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(o.AccessKey, o.SecretKey, ""),
		Secure:       o.Secure,
		Region:       o.Region,
		Transport:    o.Transport,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, fmt.Errorf("obs: %w", err)
	}
	return &S3{c: c}, nil
}

// mapErr turns S3 error codes into the package's sentinels.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	switch minio.ToErrorResponse(err).Code {
	case "NoSuchBucket":
		return fmt.Errorf("%w: %v", ErrNoSuchBucket, err)
	case "NoSuchKey":
		return fmt.Errorf("%w: %v", ErrNoSuchKey, err)
	case "BucketAlreadyExists", "BucketAlreadyOwnedByYou":
		return fmt.Errorf("%w: %v", ErrBucketExists, err)
	case "BucketNotEmpty":
		return fmt.Errorf("%w: %v", ErrBucketNotEmpty, err)
	case "InvalidBucketName":
		return fmt.Errorf("%w: %v", ErrBadBucketName, err)
	}
	return fmt.Errorf("obs: %w", err)
}

func userKey(key string) error {
	if !ValidKey(key) || strings.HasPrefix(key, reservedPrefix) {
		return ErrBadKey
	}
	return nil
}

// CreateBucket implements Store.
func (s *S3) CreateBucket(ctx context.Context, project, bucket string) error {
	if !ValidBucketName(bucket) {
		return ErrBadBucketName
	}
	if err := s.c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		return mapErr(err)
	}
	_, err := s.c.PutObject(ctx, bucket, ownerKey, strings.NewReader(project), int64(len(project)),
		minio.PutObjectOptions{ContentType: "text/plain"})
	return mapErr(err)
}

// DeleteBucket implements Store.
func (s *S3) DeleteBucket(ctx context.Context, bucket string) error {
	objs, err := s.List(ctx, bucket, "")
	if err != nil {
		return err
	}
	if len(objs) > 0 {
		return ErrBucketNotEmpty
	}
	if err := s.c.RemoveObject(ctx, bucket, ownerKey, minio.RemoveObjectOptions{}); err != nil {
		return mapErr(err)
	}
	return mapErr(s.c.RemoveBucket(ctx, bucket))
}

// ListBuckets implements Store.
func (s *S3) ListBuckets(ctx context.Context, project string) ([]Bucket, error) {
	bs, err := s.c.ListBuckets(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	var out []Bucket
	for _, b := range bs {
		o, err := s.BucketOwner(ctx, b.Name)
		if err != nil {
			continue // removed meanwhile, or unreadable
		}
		if project == "" || o == project {
			out = append(out, Bucket{Name: b.Name, Owner: o, Created: b.CreationDate})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// BucketOwner implements Store.
func (s *S3) BucketOwner(ctx context.Context, bucket string) (string, error) {
	if !ValidBucketName(bucket) {
		return "", ErrNoSuchBucket
	}
	obj, err := s.c.GetObject(ctx, bucket, ownerKey, minio.GetObjectOptions{})
	if err != nil {
		return "", mapErr(err)
	}
	defer obj.Close()
	b, err := io.ReadAll(io.LimitReader(obj, 256))
	if err != nil {
		err = mapErr(err)
		if errors.Is(err, ErrNoSuchKey) {
			return "", nil // a bucket aisd did not create
		}
		return "", err
	}
	return string(b), nil
}

// Put implements Store. S3 replaces objects atomically.
func (s *S3) Put(ctx context.Context, bucket, key string, r io.Reader, size int64, contentType string) (Object, error) {
	if err := userKey(key); err != nil {
		return Object{}, err
	}
	info, err := s.c.PutObject(ctx, bucket, key, r, size, minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return Object{}, mapErr(err)
	}
	return Object{Key: key, Size: info.Size, ETag: strings.Trim(info.ETag, `"`), ContentType: contentType,
		LastModified: info.LastModified}, nil
}

// Get implements Store.
func (s *S3) Get(ctx context.Context, bucket, key string) (io.ReadCloser, int64, error) {
	if err := userKey(key); err != nil {
		return nil, 0, ErrNoSuchKey
	}
	// One GET, whose error body names the missing bucket or key (a HEAD
	// first would only say 404).
	rc, info, _, err := minio.Core{Client: s.c}.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, mapErr(err)
	}
	return rc, info.Size, nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, bucket, key string) (Object, error) {
	if err := userKey(key); err != nil {
		return Object{}, ErrNoSuchKey
	}
	st, err := s.c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil {
		err = mapErr(err)
		// A HEAD answer has no body, so a missing bucket also reads as a
		// missing key: tell them apart.
		if errors.Is(err, ErrNoSuchKey) {
			if ok, berr := s.c.BucketExists(ctx, bucket); berr == nil && !ok {
				return Object{}, ErrNoSuchBucket
			}
		}
		return Object{}, err
	}
	return Object{Key: key, Size: st.Size, ETag: strings.Trim(st.ETag, `"`), ContentType: st.ContentType,
		LastModified: st.LastModified}, nil
}

// List implements Store.
func (s *S3) List(ctx context.Context, bucket, prefix string) ([]Object, error) {
	var out []Object
	for o := range s.c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, mapErr(o.Err)
		}
		if strings.HasPrefix(o.Key, reservedPrefix) {
			continue
		}
		out = append(out, Object{Key: o.Key, Size: o.Size, ETag: strings.Trim(o.ETag, `"`),
			ContentType: o.ContentType, LastModified: o.LastModified})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, bucket, key string) error {
	if err := userKey(key); err != nil {
		return nil
	}
	return mapErr(s.c.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{}))
}
