// Package state writes and reads the whole state of an aisd instance — every
// row of the store, the server key that seals its secret keys, and every
// bucket and object of the object store — as one tar.gz archive, so a test
// suite can start from a snapshot (`aisd state export|import`).
//
// The store part is a list of rows in backend-neutral form (sqlstore.Tables),
// so a snapshot of a SQLite store restores into PostgreSQL and back. The
// memory backend keeps nothing outside its process and cannot be exported.
package state

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/platform/obs"
	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/sqlstore"
)

// Format is the archive layout version written in the manifest.
const Format = 1

// Archive entry names.
const (
	manifestName = "aisd-state.json"
	storeName    = "store.jsonl"
	keyName      = "server.key"
	bucketsName  = "objects/buckets.json"
	objectsDir   = "objects/data/"
)

// Dumper is a store whose rows can be read and written whole (the SQL
// backends).
type Dumper interface {
	Dump(ctx context.Context, fn func(t sqlstore.Table, row []any) error) error
	Restore(ctx context.Context, replace bool, next func() (string, []any, bool, error)) error
}

// Progress follows a long export or import; nil shows nothing.
type Progress interface {
	// Start begins a phase of total units (bytes, rows; 0: unknown).
	Start(label string, total int64)
	Add(n int64)
	Done()
}

// Instance is what an archive is taken from or restored into.
type Instance struct {
	Store   store.Store
	Objects obs.Store // nil: no objects
	// KeyFile is the server key file (data_dir/server.key). Empty when the
	// key is configured (server_key): the archive then holds no key and the
	// importing instance must be configured with the same one.
	KeyFile string
}

// Manifest describes an archive.
type Manifest struct {
	Format    int              `json:"format"`
	CreatedAt time.Time        `json:"created_at"`
	Version   string           `json:"aisd_version,omitempty"`
	Tables    map[string]int64 `json:"tables"`
	Buckets   int              `json:"buckets"`
	Objects   int              `json:"objects"`
	Bytes     int64            `json:"object_bytes"`
	// ServerKey is "included" or "configured" (not in the archive).
	ServerKey string `json:"server_key"`
}

type bucketEntry struct {
	Name    string        `json:"name"`
	Owner   string        `json:"owner"`
	Objects []objectEntry `json:"objects"`
}

type objectEntry struct {
	Key         string `json:"key"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type,omitempty"`
	ETag        string `json:"etag"`
}

// row is one line of store.jsonl; bytes values travel as base64 strings,
// the column kinds say how to read each value back.
type row struct {
	Table  string            `json:"table"`
	Values []json.RawMessage `json:"values"`
}

func dumper(st store.Store) (Dumper, error) {
	if d, ok := st.(Dumper); ok {
		return d, nil
	}
	return nil, errors.New("this store backend keeps no state outside its process (memory:): use sqlite or postgres to export or import")
}

type nopProgress struct{}

func (nopProgress) Start(string, int64) {}
func (nopProgress) Add(int64)           {}
func (nopProgress) Done()               {}

// Export writes the archive of in to w.
func Export(ctx context.Context, w io.Writer, in Instance, version string, p Progress) (Manifest, error) {
	if p == nil {
		p = nopProgress{}
	}
	m := Manifest{Format: Format, CreatedAt: time.Now().UTC().Truncate(time.Second), Version: version, Tables: map[string]int64{}, ServerKey: "configured"}
	d, err := dumper(in.Store)
	if err != nil {
		return m, err
	}
	// The store's rows go to a temporary file first: the manifest, which
	// counts them, comes first in the archive.
	tmp, err := os.CreateTemp("", "aisd-state-*.jsonl")
	if err != nil {
		return m, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	enc := json.NewEncoder(tmp)
	p.Start("store", 0)
	err = d.Dump(ctx, func(t sqlstore.Table, vals []any) error {
		r := row{Table: t.Name, Values: make([]json.RawMessage, len(vals))}
		for i, v := range vals {
			if b, ok := v.([]byte); ok && b == nil {
				v = nil // NULL
			}
			raw, err := json.Marshal(v)
			if err != nil {
				return err
			}
			r.Values[i] = raw
		}
		m.Tables[t.Name]++
		p.Add(1)
		return enc.Encode(r)
	})
	p.Done()
	if err != nil {
		return m, err
	}
	var key []byte
	if in.KeyFile != "" {
		if key, err = os.ReadFile(in.KeyFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			return m, err
		}
		if len(key) > 0 {
			m.ServerKey = "included"
		}
	}
	var buckets []bucketEntry
	if in.Objects != nil {
		bs, err := in.Objects.ListBuckets(ctx, "")
		if err != nil {
			return m, fmt.Errorf("list buckets: %w", err)
		}
		for _, b := range bs {
			objs, err := in.Objects.List(ctx, b.Name, "")
			if err != nil {
				return m, fmt.Errorf("list %s: %w", b.Name, err)
			}
			e := bucketEntry{Name: b.Name, Owner: b.Owner, Objects: []objectEntry{}}
			for _, o := range objs {
				e.Objects = append(e.Objects, objectEntry{Key: o.Key, Size: o.Size, ContentType: o.ContentType, ETag: o.ETag})
				m.Objects++
				m.Bytes += o.Size
			}
			buckets = append(buckets, e)
		}
		m.Buckets = len(buckets)
	}

	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	now := m.CreatedAt
	put := func(name string, b []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(b)
		return err
	}
	mj, _ := json.MarshalIndent(m, "", "  ")
	if err := put(manifestName, append(mj, '\n')); err != nil {
		return m, err
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return m, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return m, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: storeName, Mode: 0o600, Size: size, ModTime: now, Typeflag: tar.TypeReg}); err != nil {
		return m, err
	}
	if _, err := io.Copy(tw, tmp); err != nil {
		return m, err
	}
	if len(key) > 0 {
		if err := put(keyName, key); err != nil {
			return m, err
		}
	}
	if in.Objects != nil {
		bj, _ := json.MarshalIndent(buckets, "", "  ")
		if err := put(bucketsName, bj); err != nil {
			return m, err
		}
		p.Start("objects", m.Bytes)
		for _, b := range buckets {
			for _, o := range b.Objects {
				if err := copyObject(ctx, tw, in.Objects, b.Name, o, now, p); err != nil {
					p.Done()
					return m, err
				}
			}
		}
		p.Done()
	}
	if err := tw.Close(); err != nil {
		return m, err
	}
	return m, zw.Close()
}

func copyObject(ctx context.Context, tw *tar.Writer, objs obs.Store, bucket string, o objectEntry, now time.Time, p Progress) error {
	rc, size, err := objs.Get(ctx, bucket, o.Key)
	if err != nil {
		return fmt.Errorf("read %s/%s: %w", bucket, o.Key, err)
	}
	defer rc.Close()
	// The key is base64url in the entry name: keys may hold "..", a
	// leading "/" or anything else no archive tool should be asked to
	// write as a path.
	name := objectsDir + bucket + "/" + base64.RawURLEncoding.EncodeToString([]byte(o.Key))
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: now, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	n, err := io.Copy(tw, io.TeeReader(rc, progressWriter{p}))
	if err == nil && n != size {
		err = fmt.Errorf("read %s/%s: %d bytes, want %d", bucket, o.Key, n, size)
	}
	return err
}

type progressWriter struct{ p Progress }

func (w progressWriter) Write(b []byte) (int, error) { w.p.Add(int64(len(b))); return len(b), nil }

// ImportOptions adjust Import.
type ImportOptions struct {
	// Replace empties the store and the object store first; without it the
	// target must hold no account and no bucket.
	Replace  bool
	Progress Progress
}

// Import restores an archive into in: the store rows in one transaction,
// the server key into KeyFile (which must not hold another key), then the
// buckets and objects.
func Import(ctx context.Context, r io.Reader, in Instance, o ImportOptions) (Manifest, error) {
	var m Manifest
	p := o.Progress
	if p == nil {
		p = nopProgress{}
	}
	d, err := dumper(in.Store)
	if err != nil {
		return m, err
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return m, fmt.Errorf("not an aisd state archive: %w", err)
	}
	tr := tar.NewReader(zr)
	next := func(want string) (*tar.Header, error) {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("archive ends before %s", want)
		}
		if err != nil {
			return nil, err
		}
		return h, nil
	}
	h, err := next(manifestName)
	if err != nil {
		return m, err
	}
	if h.Name != manifestName {
		return m, fmt.Errorf("not an aisd state archive: first entry is %q, want %s", h.Name, manifestName)
	}
	if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&m); err != nil {
		return m, fmt.Errorf("%s: %w", manifestName, err)
	}
	if m.Format != Format {
		return m, fmt.Errorf("archive format %d; this aisd reads format %d", m.Format, Format)
	}
	if in.Objects != nil && !o.Replace {
		bs, err := in.Objects.ListBuckets(ctx, "")
		if err != nil {
			return m, err
		}
		if len(bs) > 0 {
			return m, fmt.Errorf("the object store already holds %d bucket(s) (%s…): import into a fresh instance or pass --replace", len(bs), bs[0].Name)
		}
	}
	if h, err = next(storeName); err != nil {
		return m, err
	}
	if h.Name != storeName {
		return m, fmt.Errorf("entry %q where %s was expected", h.Name, storeName)
	}
	if err := restoreStore(ctx, d, tr, o.Replace, m, p); err != nil {
		return m, err
	}

	h, err = tr.Next()
	if err == nil && h.Name == keyName {
		key, err := io.ReadAll(io.LimitReader(tr, 4096))
		if err != nil {
			return m, err
		}
		if err := writeKey(in.KeyFile, key, o.Replace); err != nil {
			return m, err
		}
		h, err = tr.Next()
		if err != nil && err != io.EOF {
			return m, err
		}
	} else if err != nil && err != io.EOF {
		return m, err
	}
	if h == nil || err == io.EOF {
		return m, nil
	}
	if h.Name != bucketsName {
		return m, fmt.Errorf("unexpected entry %q", h.Name)
	}
	var buckets []bucketEntry
	if err := json.NewDecoder(tr).Decode(&buckets); err != nil {
		return m, fmt.Errorf("%s: %w", bucketsName, err)
	}
	if in.Objects == nil {
		return m, errors.New("the archive holds objects but no object store was given")
	}
	if o.Replace {
		if err := emptyObjects(ctx, in.Objects); err != nil {
			return m, err
		}
	}
	types := map[string]objectEntry{}
	for _, b := range buckets {
		if err := in.Objects.CreateBucket(ctx, b.Owner, b.Name); err != nil {
			return m, fmt.Errorf("create bucket %s: %w", b.Name, err)
		}
		for _, ob := range b.Objects {
			types[b.Name+"/"+ob.Key] = ob
		}
	}
	p.Start("objects", m.Bytes)
	defer p.Done()
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return m, nil
		}
		if err != nil {
			return m, err
		}
		rest, ok := strings.CutPrefix(h.Name, objectsDir)
		bucket, enc, ok2 := strings.Cut(rest, "/")
		if !ok || !ok2 || path.Clean(rest) != rest {
			return m, fmt.Errorf("unexpected entry %q", h.Name)
		}
		k, err := base64.RawURLEncoding.DecodeString(enc)
		if err != nil {
			return m, fmt.Errorf("entry %q: %w", h.Name, err)
		}
		meta, ok := types[bucket+"/"+string(k)]
		if !ok {
			return m, fmt.Errorf("entry %q is not in %s", h.Name, bucketsName)
		}
		if _, err := in.Objects.Put(ctx, bucket, string(k), io.TeeReader(tr, progressWriter{p}), h.Size, meta.ContentType); err != nil {
			return m, fmt.Errorf("write %s/%s: %w", bucket, k, err)
		}
	}
}

func restoreStore(ctx context.Context, d Dumper, r io.Reader, replace bool, m Manifest, p Progress) error {
	kinds := map[string][]string{}
	for _, t := range sqlstore.Tables {
		for _, c := range t.Columns {
			kinds[t.Name] = append(kinds[t.Name], c.Kind)
		}
	}
	var total int64
	for _, n := range m.Tables {
		total += n
	}
	p.Start("store", total)
	defer p.Done()
	dec := json.NewDecoder(r)
	err := d.Restore(ctx, replace, func() (string, []any, bool, error) {
		var rw row
		if err := dec.Decode(&rw); err == io.EOF {
			return "", nil, true, nil
		} else if err != nil {
			return "", nil, false, fmt.Errorf("%s: %w", storeName, err)
		}
		ks, ok := kinds[rw.Table]
		if !ok {
			return "", nil, false, fmt.Errorf("%s: unknown table %q (an archive of a newer aisd?)", storeName, rw.Table)
		}
		// Fewer values: an archive of an earlier aisd, from before columns
		// were added (they take their defaults); more: of a newer one.
		if len(rw.Values) == 0 || len(rw.Values) > len(ks) {
			return "", nil, false, fmt.Errorf("%s: table %s has %d columns, the archive %d", storeName, rw.Table, len(ks), len(rw.Values))
		}
		vals := make([]any, len(rw.Values))
		for i, k := range ks[:len(rw.Values)] {
			v, err := decodeValue(k, rw.Values[i])
			if err != nil {
				return "", nil, false, fmt.Errorf("%s: %s: %w", storeName, rw.Table, err)
			}
			vals[i] = v
		}
		p.Add(1)
		return rw.Table, vals, false, nil
	})
	if errors.Is(err, sqlstore.ErrNotEmpty) {
		return errors.New("the store already holds accounts: import into a fresh instance or pass --replace")
	}
	return err
}

func decodeValue(kind string, raw json.RawMessage) (any, error) {
	switch kind {
	case sqlstore.KindInt:
		var v int64
		err := json.Unmarshal(raw, &v)
		return v, err
	case sqlstore.KindBool:
		var v bool
		err := json.Unmarshal(raw, &v)
		return v, err
	case sqlstore.KindBytes:
		if string(raw) == "null" {
			return []byte(nil), nil
		}
		var v []byte
		err := json.Unmarshal(raw, &v)
		return v, err
	}
	var v string
	err := json.Unmarshal(raw, &v)
	return v, err
}

// writeKey puts the archive's server key where the instance reads it. A
// different key already there would leave the restored secret keys
// unreadable: refused unless replacing.
func writeKey(file string, key []byte, replace bool) error {
	if file == "" {
		return errors.New("the archive holds a server key but this instance has server_key configured: unset it, or configure the key the archive was taken with")
	}
	if old, err := os.ReadFile(file); err == nil {
		if strings.TrimSpace(string(old)) == strings.TrimSpace(string(key)) {
			return nil
		}
		if !replace {
			return fmt.Errorf("%s holds another server key: import into a fresh data directory or pass --replace", file)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, key, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

func emptyObjects(ctx context.Context, objs obs.Store) error {
	bs, err := objs.ListBuckets(ctx, "")
	if err != nil {
		return err
	}
	for _, b := range bs {
		list, err := objs.List(ctx, b.Name, "")
		if err != nil {
			return err
		}
		for _, o := range list {
			if err := objs.Delete(ctx, b.Name, o.Key); err != nil {
				return err
			}
		}
		if err := objs.DeleteBucket(ctx, b.Name); err != nil {
			return err
		}
	}
	return nil
}
