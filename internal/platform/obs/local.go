package obs

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Local is a Store in a directory:
//
//	ROOT/buckets/BUCKET/bucket.json        owner and creation time
//	ROOT/buckets/BUCKET/objects/d_A/f_B    content of key "A/B"
//	ROOT/buckets/BUCKET/objects/d_A/m_B    its metadata (ETag, content type)
//	ROOT/tmp/                              staging area for atomic writes
//
// Every path element of a key gets a prefix ("d_" for directories, "f_"/"m_"
// for the object files), so no key — "..", ".", "", "/etc/passwd" included —
// can name anything outside its bucket, and keys "a" and "a/b" can coexist.
type Local struct {
	root string
}

var _ Store = (*Local)(nil)

// maxSegment is the longest path element of a key: file names are limited to
// 255 bytes and we add a two-byte prefix.
const maxSegment = 253

// NewLocal opens (creating if needed) a local directory store.
func NewLocal(dir string) (*Local, error) {
	for _, d := range []string{filepath.Join(dir, "buckets"), filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, fmt.Errorf("obs: %w", err)
		}
	}
	l := &Local{root: dir}
	l.sweepTmp(24 * time.Hour)
	return l, nil
}

// sweepTmp removes staging files a crash left behind. Only old ones: the
// CLI and the server may share the directory, and a young file may be an
// upload in progress.
func (l *Local) sweepTmp(age time.Duration) {
	tmp := filepath.Join(l.root, "tmp")
	ents, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range ents {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > age {
			os.RemoveAll(filepath.Join(tmp, e.Name()))
		}
	}
}

type bucketMeta struct {
	Owner   string    `json:"owner"`
	Created time.Time `json:"created"`
}

type objectMeta struct {
	ETag        string `json:"etag"`
	ContentType string `json:"content_type,omitempty"`
	Size        int64  `json:"size"`
}

func (l *Local) bucketDir(bucket string) string { return filepath.Join(l.root, "buckets", bucket) }

// objectPaths maps a key to its content and metadata files.
func (l *Local) objectPaths(bucket, key string) (data, meta string, err error) {
	if !ValidKey(key) {
		return "", "", ErrBadKey
	}
	segs := strings.Split(key, "/")
	parts := make([]string, 0, len(segs)+3)
	parts = append(parts, l.bucketDir(bucket), "objects")
	for i, s := range segs {
		if len(s) > maxSegment {
			return "", "", fmt.Errorf("%w: path element longer than %d bytes", ErrBadKey, maxSegment)
		}
		if i < len(segs)-1 {
			parts = append(parts, "d_"+s)
		}
	}
	last := segs[len(segs)-1]
	dir := filepath.Join(parts...)
	return filepath.Join(dir, "f_"+last), filepath.Join(dir, "m_"+last), nil
}

func (l *Local) checkBucket(bucket string) error {
	if !ValidBucketName(bucket) {
		return ErrNoSuchBucket
	}
	if _, err := os.Stat(filepath.Join(l.bucketDir(bucket), "bucket.json")); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return ErrNoSuchBucket
		}
		return fmt.Errorf("obs: %w", err)
	}
	return nil
}

// CreateBucket implements Store.
func (l *Local) CreateBucket(ctx context.Context, project, bucket string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !ValidBucketName(bucket) {
		return ErrBadBucketName
	}
	dir := l.bucketDir(bucket)
	// Mkdir is the atomic claim on the name.
	if err := os.Mkdir(dir, 0o750); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return ErrBucketExists
		}
		return fmt.Errorf("obs: %w", err)
	}
	if err := os.Mkdir(filepath.Join(dir, "objects"), 0o750); err != nil {
		return fmt.Errorf("obs: %w", err)
	}
	b, _ := json.Marshal(bucketMeta{Owner: project, Created: time.Now().UTC()})
	return l.writeAtomic(filepath.Join(dir, "bucket.json"), b)
}

// DeleteBucket implements Store.
func (l *Local) DeleteBucket(ctx context.Context, bucket string) error {
	if err := l.checkBucket(bucket); err != nil {
		return err
	}
	objs, err := l.List(ctx, bucket, "")
	if err != nil {
		return err
	}
	if len(objs) > 0 {
		return ErrBucketNotEmpty
	}
	// Move aside first so the name disappears in one step.
	tmp := filepath.Join(l.root, "tmp", "bucket-"+randomName())
	if err := os.Rename(l.bucketDir(bucket), tmp); err != nil {
		return fmt.Errorf("obs: %w", err)
	}
	return os.RemoveAll(tmp)
}

// ListBuckets implements Store.
func (l *Local) ListBuckets(ctx context.Context, project string) ([]Bucket, error) {
	ents, err := os.ReadDir(filepath.Join(l.root, "buckets"))
	if err != nil {
		return nil, fmt.Errorf("obs: %w", err)
	}
	var out []Bucket
	for _, e := range ents {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m, err := l.readBucketMeta(e.Name())
		if err != nil {
			continue // half-created or foreign directory
		}
		if project == "" || m.Owner == project {
			out = append(out, Bucket{Name: e.Name(), Owner: m.Owner, Created: m.Created})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (l *Local) readBucketMeta(bucket string) (bucketMeta, error) {
	var m bucketMeta
	if !ValidBucketName(bucket) {
		return m, ErrNoSuchBucket
	}
	b, err := os.ReadFile(filepath.Join(l.bucketDir(bucket), "bucket.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return m, ErrNoSuchBucket
	}
	if err != nil {
		return m, fmt.Errorf("obs: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("obs: bucket %s metadata: %w", bucket, err)
	}
	return m, nil
}

// BucketOwner implements Store.
func (l *Local) BucketOwner(ctx context.Context, bucket string) (string, error) {
	m, err := l.readBucketMeta(bucket)
	return m.Owner, err
}

// Put implements Store.
func (l *Local) Put(ctx context.Context, bucket, key string, r io.Reader, size int64, contentType string) (Object, error) {
	if err := l.checkBucket(bucket); err != nil {
		return Object{}, err
	}
	data, meta, err := l.objectPaths(bucket, key)
	if err != nil {
		return Object{}, err
	}
	f, err := os.CreateTemp(filepath.Join(l.root, "tmp"), "put-")
	if err != nil {
		return Object{}, fmt.Errorf("obs: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op once renamed
	h := md5.New()
	n, err := io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r})
	if err == nil && size >= 0 && n != size {
		err = fmt.Errorf("obs: body is %d bytes, announced %d", n, size)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Object{}, err
	}
	obj := Object{Key: key, Size: n, ETag: hex.EncodeToString(h.Sum(nil)), ContentType: contentType}
	mb, _ := json.Marshal(objectMeta{ETag: obj.ETag, ContentType: contentType, Size: n})
	// A concurrent Delete may prune the parent directory between MkdirAll
	// and the renames; try again then.
	for attempt := 0; ; attempt++ {
		err = os.MkdirAll(filepath.Dir(data), 0o750)
		if err == nil {
			err = l.writeAtomic(meta, mb)
		}
		if err == nil {
			err = os.Rename(tmp, data)
		}
		if err == nil {
			break
		}
		if attempt == 3 || !errors.Is(err, fs.ErrNotExist) {
			return Object{}, fmt.Errorf("obs: %w", err)
		}
	}
	if st, err := os.Stat(data); err == nil {
		obj.LastModified = st.ModTime().UTC()
	}
	return obj, nil
}

// Get implements Store.
func (l *Local) Get(ctx context.Context, bucket, key string) (io.ReadCloser, int64, error) {
	if err := l.checkBucket(bucket); err != nil {
		return nil, 0, err
	}
	data, _, err := l.objectPaths(bucket, key)
	if err != nil {
		return nil, 0, ErrNoSuchKey
	}
	f, err := os.Open(data)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, ErrNoSuchKey
	}
	if err != nil {
		return nil, 0, fmt.Errorf("obs: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("obs: %w", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, ErrNoSuchKey
	}
	return f, st.Size(), nil
}

// Stat implements Store.
func (l *Local) Stat(ctx context.Context, bucket, key string) (Object, error) {
	if err := l.checkBucket(bucket); err != nil {
		return Object{}, err
	}
	data, meta, err := l.objectPaths(bucket, key)
	if err != nil {
		return Object{}, ErrNoSuchKey
	}
	return l.stat(key, data, meta)
}

func (l *Local) stat(key, data, meta string) (Object, error) {
	st, err := os.Stat(data)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !st.Mode().IsRegular()) {
		return Object{}, ErrNoSuchKey
	}
	if err != nil {
		return Object{}, fmt.Errorf("obs: %w", err)
	}
	obj := Object{Key: key, Size: st.Size(), LastModified: st.ModTime().UTC()}
	var m objectMeta
	if b, err := os.ReadFile(meta); err == nil && json.Unmarshal(b, &m) == nil && m.Size == st.Size() {
		obj.ETag, obj.ContentType = m.ETag, m.ContentType
	}
	return obj, nil
}

// List implements Store.
func (l *Local) List(ctx context.Context, bucket, prefix string) ([]Object, error) {
	if err := l.checkBucket(bucket); err != nil {
		return nil, err
	}
	base := filepath.Join(l.bucketDir(bucket), "objects")
	var out []Object
	var walk func(dir, keyPrefix string) error
	walk = func(dir, keyPrefix string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed by a concurrent Delete
			}
			return fmt.Errorf("obs: %w", err)
		}
		for _, e := range ents {
			name := e.Name()
			switch {
			case e.IsDir() && strings.HasPrefix(name, "d_"):
				p := keyPrefix + name[2:] + "/"
				// Descend only where keys matching prefix can live.
				if strings.HasPrefix(p, prefix) || strings.HasPrefix(prefix, p) {
					if err := walk(filepath.Join(dir, name), p); err != nil {
						return err
					}
				}
			case e.Type().IsRegular() && strings.HasPrefix(name, "f_"):
				key := keyPrefix + name[2:]
				if !strings.HasPrefix(key, prefix) {
					continue
				}
				obj, err := l.stat(key, filepath.Join(dir, name), filepath.Join(dir, "m_"+name[2:]))
				if errors.Is(err, ErrNoSuchKey) {
					continue
				}
				if err != nil {
					return err
				}
				out = append(out, obj)
			}
		}
		return nil
	}
	if err := walk(base, ""); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Delete implements Store.
func (l *Local) Delete(ctx context.Context, bucket, key string) error {
	if err := l.checkBucket(bucket); err != nil {
		return err
	}
	data, meta, err := l.objectPaths(bucket, key)
	if err != nil {
		return nil // an invalid key names no object
	}
	if err := os.Remove(data); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("obs: %w", err)
	}
	os.Remove(meta)
	// Prune directories left empty, stopping at the bucket's object root.
	base := filepath.Join(l.bucketDir(bucket), "objects")
	for dir := filepath.Dir(data); dir != base && strings.HasPrefix(dir, base); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break // not empty (or gone): stop
		}
	}
	return nil
}

// writeAtomic replaces path with b through a synced temporary file.
func (l *Local) writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Join(l.root, "tmp"), "meta-")
	if err != nil {
		return fmt.Errorf("obs: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("obs: %w", err)
	}
	return nil
}

func randomName() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ctxReader stops a copy when the context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
