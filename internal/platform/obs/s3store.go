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
	// BucketPrefix is put before every bucket name on the endpoint: aisd's
	// bucket "scans" is the endpoint's PREFIXscans, and buckets without the
	// prefix are not aisd's. Empty: names are the endpoint's own.
	BucketPrefix string
	// Transport overrides the HTTP transport (tests, custom CAs).
	Transport http.RoundTripper
}

// S3 is a Store on an S3-compatible endpoint, accessed with one operator
// credential. Its buckets are the endpoint's buckets whose name starts
// with the prefix, named without it.
//
// Ownership: the project a bucket belongs to is the content of the object
// ".aisd/owner" in it, written when aisd creates the bucket (as Local keeps
// it in bucket.json beside the objects). Keys under ".aisd/" are refused
// to users and hidden from listings. A bucket without the record — made by
// other tools — belongs to no project: no project can read it or write to
// it through aisd, and `aisd obs put` refuses it. Whoever holds the
// operator credential can change the record: the endpoint's own access
// control, not aisd, protects it from everyone else.
type S3 struct {
	c      *minio.Client
	prefix string
	where  string // endpoint, for errors
}

var _ Store = (*S3)(nil)

const ownerKey = reservedPrefix + "owner"

// NewS3 connects to an S3-compatible endpoint (no request is made yet).
func NewS3(o S3Options) (*S3, error) {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.BucketPrefix != "" && !ValidBucketName(o.BucketPrefix+"abc") {
		return nil, fmt.Errorf("obs: bucket prefix %q cannot start a valid bucket name", o.BucketPrefix)
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
	scheme := "http"
	if o.Secure {
		scheme = "https"
	}
	return &S3{c: c, prefix: o.BucketPrefix, where: scheme + "://" + o.Endpoint}, nil
}

// Check makes one request (ListBuckets) to prove the endpoint answers and
// accepts the credential.
func (s *S3) Check(ctx context.Context) error {
	if _, err := s.c.ListBuckets(ctx); err != nil {
		if code := minio.ToErrorResponse(err).Code; code != "" {
			return fmt.Errorf("obs: object store %s: %s: %w", s.where, code, err)
		}
		return fmt.Errorf("obs: object store %s: %w", s.where, err)
	}
	return nil
}

// ext is the endpoint's name of an aisd bucket, and whether it is valid
// there (the prefix makes names longer).
func (s *S3) ext(bucket string) (string, bool) {
	e := s.prefix + bucket
	return e, ValidBucketName(bucket) && ValidBucketName(e)
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

// CreateBucket implements Store. Creating the bucket claims the name on
// the endpoint; the owner record is then written only where none exists
// (If-None-Match where the endpoint honours it, and a look first where it
// does not), so a bucket the credential already owned — some endpoints
// answer a repeated create with success — is not handed to a second
// project.
func (s *S3) CreateBucket(ctx context.Context, project, bucket string) error {
	ext, ok := s.ext(bucket)
	if !ok {
		return ErrBadBucketName
	}
	if err := s.c.MakeBucket(ctx, ext, minio.MakeBucketOptions{}); err != nil {
		return mapErr(err)
	}
	if _, err := s.c.StatObject(ctx, ext, ownerKey, minio.StatObjectOptions{}); err == nil {
		return ErrBucketExists
	} else if !errors.Is(mapErr(err), ErrNoSuchKey) {
		return mapErr(err)
	}
	return s.writeOwner(ctx, ext, project, true)
}

func (s *S3) writeOwner(ctx context.Context, ext, project string, exclusive bool) error {
	opts := minio.PutObjectOptions{ContentType: "text/plain"}
	if exclusive {
		opts.SetMatchETagExcept("*")
	}
	_, err := s.c.PutObject(ctx, ext, ownerKey, strings.NewReader(project), int64(len(project)), opts)
	if code := minio.ToErrorResponse(err).Code; code == "PreconditionFailed" || code == "ConditionalRequestConflict" {
		return ErrBucketExists
	}
	return mapErr(err)
}

// DeleteBucket implements Store. The owner record goes first (a bucket
// must be empty to be removed); should the removal then fail — an object
// arrived meanwhile — the record is put back.
func (s *S3) DeleteBucket(ctx context.Context, bucket string) error {
	owner, err := s.BucketOwner(ctx, bucket)
	if err != nil {
		return err
	}
	objs, err := s.List(ctx, bucket, "")
	if err != nil {
		return err
	}
	if len(objs) > 0 {
		return ErrBucketNotEmpty
	}
	ext, _ := s.ext(bucket)
	if err := s.c.RemoveObject(ctx, ext, ownerKey, minio.RemoveObjectOptions{}); err != nil {
		return mapErr(err)
	}
	if err := s.c.RemoveBucket(ctx, ext); err != nil {
		if owner != "" {
			if rerr := s.writeOwner(context.WithoutCancel(ctx), ext, owner, false); rerr != nil {
				return fmt.Errorf("%w; restoring its owner record: %v", mapErr(err), rerr)
			}
		}
		return mapErr(err)
	}
	return nil
}

// ListBuckets implements Store: the endpoint's buckets under the prefix.
func (s *S3) ListBuckets(ctx context.Context, project string) ([]Bucket, error) {
	bs, err := s.c.ListBuckets(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	var out []Bucket
	for _, b := range bs {
		name, ok := strings.CutPrefix(b.Name, s.prefix)
		if !ok || !ValidBucketName(name) {
			continue
		}
		o, err := s.BucketOwner(ctx, name)
		if err != nil {
			continue // removed meanwhile, or unreadable
		}
		if project == "" || o == project {
			out = append(out, Bucket{Name: name, Owner: o, Created: b.CreationDate})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// BucketOwner implements Store; "" for a bucket without an owner record.
func (s *S3) BucketOwner(ctx context.Context, bucket string) (string, error) {
	ext, ok := s.ext(bucket)
	if !ok {
		return "", ErrNoSuchBucket
	}
	rc, _, _, err := minio.Core{Client: s.c}.GetObject(ctx, ext, ownerKey, minio.GetObjectOptions{})
	if err != nil {
		err = mapErr(err)
		if errors.Is(err, ErrNoSuchKey) {
			return "", nil // a bucket aisd did not create
		}
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 256))
	if err != nil {
		return "", mapErr(err)
	}
	return strings.TrimSpace(string(b)), nil
}

// unknownSizePart is the part size of uploads of unknown length: the
// client buffers one part, and 10,000 of them still make 160 GiB.
const unknownSizePart = 16 << 20

// Put implements Store. S3 replaces objects atomically.
func (s *S3) Put(ctx context.Context, bucket, key string, r io.Reader, size int64, contentType string) (Object, error) {
	if err := userKey(key); err != nil {
		return Object{}, err
	}
	ext, ok := s.ext(bucket)
	if !ok {
		return Object{}, ErrNoSuchBucket
	}
	opts := minio.PutObjectOptions{ContentType: contentType}
	if size < 0 {
		opts.PartSize = unknownSizePart
	}
	info, err := s.c.PutObject(ctx, ext, key, r, size, opts)
	if err != nil {
		return Object{}, mapErr(err)
	}
	return Object{Key: key, Size: info.Size, ETag: strings.Trim(info.ETag, `"`), ContentType: contentType,
		LastModified: info.LastModified}, nil
}

// Get implements Store. The reader also seeks (each seek past what was
// read is a ranged GET), so the S3 API serves ranges of these objects.
func (s *S3) Get(ctx context.Context, bucket, key string) (io.ReadCloser, int64, error) {
	if err := userKey(key); err != nil {
		return nil, 0, ErrNoSuchKey
	}
	ext, ok := s.ext(bucket)
	if !ok {
		return nil, 0, ErrNoSuchBucket
	}
	obj, err := s.c.GetObject(ctx, ext, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, mapErr(err)
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, 0, s.missing(ctx, ext, mapErr(err))
	}
	return obj, info.Size, nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, bucket, key string) (Object, error) {
	if err := userKey(key); err != nil {
		return Object{}, ErrNoSuchKey
	}
	ext, ok := s.ext(bucket)
	if !ok {
		return Object{}, ErrNoSuchBucket
	}
	st, err := s.c.StatObject(ctx, ext, key, minio.StatObjectOptions{})
	if err != nil {
		return Object{}, s.missing(ctx, ext, mapErr(err))
	}
	return Object{Key: key, Size: st.Size, ETag: strings.Trim(st.ETag, `"`), ContentType: st.ContentType,
		LastModified: st.LastModified}, nil
}

// missing tells a missing bucket from a missing key after a HEAD, whose
// answer has no body: both read as ErrNoSuchKey.
func (s *S3) missing(ctx context.Context, ext string, err error) error {
	if errors.Is(err, ErrNoSuchKey) {
		if ok, berr := s.c.BucketExists(ctx, ext); berr == nil && !ok {
			return ErrNoSuchBucket
		}
	}
	return err
}

// List implements Store.
func (s *S3) List(ctx context.Context, bucket, prefix string) ([]Object, error) {
	ext, ok := s.ext(bucket)
	if !ok {
		return nil, ErrNoSuchBucket
	}
	var out []Object
	for o := range s.c.ListObjects(ctx, ext, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
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
	ext, ok := s.ext(bucket)
	if !ok {
		return ErrNoSuchBucket
	}
	return mapErr(s.c.RemoveObject(ctx, ext, key, minio.RemoveObjectOptions{}))
}
