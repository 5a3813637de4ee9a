// Package obs is aisd's embedded object storage: the buckets that OBS-style
// input URLs (https://BUCKET.obs.REGION.DOMAIN/KEY, obs://BUCKET/KEY) resolve
// against. Buckets belong to a project. Two backends implement Store: a local
// directory (the default) and any S3-compatible endpoint. S3Handler exposes a
// Store through the S3 protocol so ordinary S3 clients can upload.
//
// The package reports plain sentinel errors; callers that answer API clients
// translate them into their family's catalog codes.
package obs

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"
)

// Errors every backend returns for the same conditions (possibly wrapped).
var (
	ErrNoSuchBucket   = errors.New("obs: no such bucket")
	ErrNoSuchKey      = errors.New("obs: no such key")
	ErrBucketExists   = errors.New("obs: bucket already exists")
	ErrBucketNotEmpty = errors.New("obs: bucket not empty")
	ErrBadBucketName  = errors.New("obs: invalid bucket name")
	ErrBadKey         = errors.New("obs: invalid object key")
	ErrBadURL         = errors.New("obs: malformed OBS URL")
)

// MaxKeyLen is the longest object key accepted, in bytes (the S3 limit).
const MaxKeyLen = 1024

// reservedPrefix holds the S3 backend's bookkeeping (the bucket's owner
// record): its users may not write there and its listings hide it.
const reservedPrefix = ".aisd/"

// Bucket describes a bucket.
type Bucket struct {
	Name    string
	Owner   string // project ID
	Created time.Time
}

// Object describes a stored object.
type Object struct {
	Key          string
	Size         int64
	ETag         string // hex MD5 of the content, unquoted
	ContentType  string
	LastModified time.Time
}

// Store is an object store whose buckets are owned by projects. Ownership is
// recorded by CreateBucket and enforced by callers through BucketOwner: the
// store itself serves any bucket to whoever holds the Store.
type Store interface {
	// CreateBucket creates a bucket owned by project; ErrBucketExists if
	// the name is taken (by anyone: names are global, as in S3).
	CreateBucket(ctx context.Context, project, bucket string) error
	// DeleteBucket removes an empty bucket.
	DeleteBucket(ctx context.Context, bucket string) error
	// ListBuckets lists the buckets of a project, or every bucket when
	// project is empty, sorted by name.
	ListBuckets(ctx context.Context, project string) ([]Bucket, error)
	// BucketOwner returns the project that owns bucket.
	BucketOwner(ctx context.Context, bucket string) (string, error)
	// Put stores r under key, replacing any previous object atomically:
	// readers see either the old or the new content, never a mix. When r
	// fails, nothing is stored. size may be -1 when unknown.
	Put(ctx context.Context, bucket, key string, r io.Reader, size int64, contentType string) (Object, error)
	// Get opens an object; the caller closes it. size is the object's length.
	Get(ctx context.Context, bucket, key string) (rc io.ReadCloser, size int64, err error)
	// Stat describes an object without opening it.
	Stat(ctx context.Context, bucket, key string) (Object, error)
	// List returns the objects whose key starts with prefix, sorted by key.
	List(ctx context.Context, bucket, prefix string) ([]Object, error)
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, bucket, key string) error
}

// ValidBucketName reports whether name follows the S3/OBS bucket naming
// rules: 3–63 characters of lower-case letters, digits, '-' and '.',
// starting and ending with a letter or digit, no "..", not an IPv4 address.
// These rules also make a name safe as a single path element.
func ValidBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	if !alnum(name[0]) || !alnum(name[len(name)-1]) || strings.Contains(name, "..") ||
		strings.Contains(name, ".-") || strings.Contains(name, "-.") {
		return false
	}
	digitsAndDots := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !alnum(c) && c != '-' && c != '.' {
			return false
		}
		if c != '.' && (c < '0' || c > '9') {
			digitsAndDots = false
		}
	}
	return !(digitsAndDots && strings.Count(name, ".") == 3)
}

// ValidKey reports whether key is acceptable as an object key: non-empty,
// at most MaxKeyLen bytes, no NUL.
func ValidKey(key string) bool {
	return key != "" && len(key) <= MaxKeyLen && !strings.ContainsRune(key, 0)
}
