package obs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// runStoreTests is the conformance suite every backend passes.
func runStoreTests(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := context.Background()
	get := func(t *testing.T, s Store, bucket, key string) string {
		t.Helper()
		rc, size, err := s.Get(ctx, bucket, key)
		if err != nil {
			t.Fatalf("Get %s/%s: %v", bucket, key, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil || int64(len(b)) != size {
			t.Fatalf("Get %s/%s read %d bytes of %d: %v", bucket, key, len(b), size, err)
		}
		return string(b)
	}
	put := func(t *testing.T, s Store, bucket, key, body string) Object {
		t.Helper()
		o, err := s.Put(ctx, bucket, key, strings.NewReader(body), int64(len(body)), "image/png")
		if err != nil {
			t.Fatalf("Put %s/%s: %v", bucket, key, err)
		}
		return o
	}

	t.Run("buckets", func(t *testing.T) {
		s := newStore(t)
		for _, b := range []string{"zeta", "alpha"} {
			if err := s.CreateBucket(ctx, "p1", b); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateBucket(ctx, "p2", "beta"); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateBucket(ctx, "p2", "alpha"); !errors.Is(err, ErrBucketExists) {
			t.Fatalf("second create: %v", err)
		}
		if err := s.CreateBucket(ctx, "p1", "Bad_Name"); !errors.Is(err, ErrBadBucketName) {
			t.Fatalf("bad name: %v", err)
		}
		bs, err := s.ListBuckets(ctx, "p1")
		if err != nil || len(bs) != 2 || bs[0].Name != "alpha" || bs[1].Name != "zeta" || bs[0].Owner != "p1" {
			t.Fatalf("ListBuckets p1 = %+v, %v", bs, err)
		}
		if bs, _ := s.ListBuckets(ctx, ""); len(bs) != 3 {
			t.Fatalf("ListBuckets all = %+v", bs)
		}
		if o, err := s.BucketOwner(ctx, "beta"); err != nil || o != "p2" {
			t.Fatalf("BucketOwner = %q, %v", o, err)
		}
		if _, err := s.BucketOwner(ctx, "nope"); !errors.Is(err, ErrNoSuchBucket) {
			t.Fatalf("BucketOwner missing: %v", err)
		}
		put(t, s, "zeta", "x", "1")
		if err := s.DeleteBucket(ctx, "zeta"); !errors.Is(err, ErrBucketNotEmpty) {
			t.Fatalf("DeleteBucket non-empty: %v", err)
		}
		if err := s.Delete(ctx, "zeta", "x"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteBucket(ctx, "zeta"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.BucketOwner(ctx, "zeta"); !errors.Is(err, ErrNoSuchBucket) {
			t.Fatalf("deleted bucket: %v", err)
		}
	})

	t.Run("objects", func(t *testing.T) {
		s := newStore(t)
		if err := s.CreateBucket(ctx, "p1", "photos"); err != nil {
			t.Fatal(err)
		}
		o := put(t, s, "photos", "a/b.png", "hello")
		if o.Size != 5 || o.ETag != "5d41402abc4b2a76b9719d911017c592" {
			t.Fatalf("Put = %+v", o)
		}
		put(t, s, "photos", "a", "file a")          // a key that is a prefix of another
		put(t, s, "photos", "a/", "dir marker")     // console-style folder marker
		put(t, s, "photos", "a//c", "double slash") // empty path element
		put(t, s, "photos", "b.png", "bee")
		for k, want := range map[string]string{"a/b.png": "hello", "a": "file a", "a/": "dir marker", "a//c": "double slash"} {
			if got := get(t, s, "photos", k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		st, err := s.Stat(ctx, "photos", "a/b.png")
		if err != nil || st.Size != 5 || st.ETag != o.ETag || st.ContentType != "image/png" || st.LastModified.IsZero() {
			t.Fatalf("Stat = %+v, %v", st, err)
		}
		keys := func(prefix string) []string {
			objs, err := s.List(ctx, "photos", prefix)
			if err != nil {
				t.Fatal(err)
			}
			var ks []string
			for _, o := range objs {
				ks = append(ks, o.Key)
			}
			return ks
		}
		if got, want := keys(""), []string{"a", "a/", "a//c", "a/b.png", "b.png"}; !reflect.DeepEqual(got, want) {
			t.Errorf("List = %q, want %q", got, want)
		}
		if got, want := keys("a/"), []string{"a/", "a//c", "a/b.png"}; !reflect.DeepEqual(got, want) {
			t.Errorf("List a/ = %q, want %q", got, want)
		}
		if got := keys("zzz"); len(got) != 0 {
			t.Errorf("List zzz = %q", got)
		}
		put(t, s, "photos", "a/b.png", "replaced")
		if got := get(t, s, "photos", "a/b.png"); got != "replaced" {
			t.Errorf("after overwrite: %q", got)
		}
		// A failing upload leaves the previous content untouched.
		_, err = s.Put(ctx, "photos", "a/b.png", io.MultiReader(strings.NewReader("part"), failing{}), 100, "")
		if err == nil {
			t.Fatal("Put from a failing reader succeeded")
		}
		if got := get(t, s, "photos", "a/b.png"); got != "replaced" {
			t.Errorf("after failed overwrite: %q", got)
		}
		if err := s.Delete(ctx, "photos", "a/b.png"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Get(ctx, "photos", "a/b.png"); !errors.Is(err, ErrNoSuchKey) {
			t.Fatalf("Get deleted: %v", err)
		}
		if _, err := s.Stat(ctx, "photos", "a/b.png"); !errors.Is(err, ErrNoSuchKey) {
			t.Fatalf("Stat deleted: %v", err)
		}
		if err := s.Delete(ctx, "photos", "never/was"); err != nil {
			t.Fatalf("Delete missing: %v", err)
		}
		if _, err := s.Stat(ctx, "nobucket", "x"); !errors.Is(err, ErrNoSuchBucket) {
			t.Fatalf("Stat in missing bucket: %v", err)
		}
		if _, err := s.List(ctx, "nobucket", ""); !errors.Is(err, ErrNoSuchBucket) {
			t.Fatalf("List in missing bucket: %v", err)
		}
		if _, _, err := s.Get(ctx, "nobucket", "x"); !errors.Is(err, ErrNoSuchBucket) {
			t.Fatalf("Get in missing bucket: %v", err)
		}
		if _, err := s.Put(ctx, "nobucket", "x", strings.NewReader("x"), 1, ""); !errors.Is(err, ErrNoSuchBucket) {
			t.Fatalf("Put in missing bucket: %v", err)
		}
		if _, err := s.Put(ctx, "photos", "", strings.NewReader("x"), 1, ""); !errors.Is(err, ErrBadKey) {
			t.Fatalf("Put empty key: %v", err)
		}
		// Length unknown (a pipe): stored whole all the same.
		if o, err := s.Put(ctx, "photos", "piped", io.MultiReader(strings.NewReader("from "), strings.NewReader("a pipe")), -1, ""); err != nil || o.Size != 11 {
			t.Fatalf("Put of unknown size = %+v, %v", o, err)
		}
		// What Get opens seeks, so ranges of it can be served.
		rc, size, err := s.Get(ctx, "photos", "piped")
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		rs, ok := rc.(io.ReadSeeker)
		if !ok || size != 11 {
			t.Fatalf("Get = %T of %d bytes, want a ReadSeeker of 11", rc, size)
		}
		if end, err := rs.Seek(0, io.SeekEnd); err != nil || end != 11 {
			t.Fatalf("Seek to end = %d, %v", end, err)
		}
		if _, err := rs.Seek(7, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(rs); err != nil || string(b) != "pipe" {
			t.Fatalf("read from 7 = %q, %v", b, err)
		}
	})
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestLocalConformance(t *testing.T) {
	runStoreTests(t, func(t *testing.T) Store {
		s, err := NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestLocalKeysStayInBucket writes hostile keys and checks that every file
// created lies under the bucket's object directory.
func TestLocalKeysStayInBucket(t *testing.T) {
	root := t.TempDir()
	s, err := NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s.CreateBucket(ctx, "p1", "box")
	s.CreateBucket(ctx, "p2", "other")
	s.Put(ctx, "other", "secret", strings.NewReader("SECRET"), 6, "")
	hostile := []string{
		"..", "../other/secret", "../../../../etc/passwd", "/etc/passwd", "./x", "a/../../b",
		`..\..\windows`, "a/./b", strings.Repeat("../", 50) + "x",
	}
	for _, k := range hostile {
		if _, err := s.Put(ctx, "box", k, strings.NewReader("evil"), 4, ""); err != nil {
			t.Fatalf("Put %q: %v", k, err)
		}
		rc, _, err := s.Get(ctx, "box", k)
		if err != nil {
			t.Fatalf("Get %q: %v", k, err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != "evil" {
			t.Fatalf("Get %q = %q", k, b)
		}
	}
	objs, _ := s.List(ctx, "box", "")
	if len(objs) != len(hostile) {
		t.Errorf("List has %d objects, want %d", len(objs), len(hostile))
	}
	// Nothing outside box/objects changed.
	if got := readAll(t, s, "other", "secret"); got != "SECRET" {
		t.Errorf("other/secret = %q", got)
	}
	boxObjects := filepath.Join(root, "buckets", "box", "objects") + string(filepath.Separator)
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if d.Type().IsRegular() && !strings.HasPrefix(p, boxObjects) &&
			!strings.HasSuffix(p, "bucket.json") && !strings.Contains(p, "/other/objects/") {
			t.Errorf("file outside the bucket: %s", p)
		}
		return nil
	})
	// Long path elements are refused, not truncated.
	if _, err := s.Put(ctx, "box", strings.Repeat("x", 300), strings.NewReader("x"), 1, ""); !errors.Is(err, ErrBadKey) {
		t.Errorf("300-byte element: %v", err)
	}
	// Deleting prunes the directories the key created.
	s.Put(ctx, "box", "deep/er/est", strings.NewReader("x"), 1, "")
	s.Delete(ctx, "box", "deep/er/est")
	if _, err := os.Stat(filepath.Join(boxObjects, "d_deep")); !os.IsNotExist(err) {
		t.Errorf("empty directories left behind: %v", err)
	}
}

func readAll(t *testing.T, s Store, bucket, key string) string {
	rc, _, err := s.Get(context.Background(), bucket, key)
	if err != nil {
		t.Fatalf("Get %s/%s: %v", bucket, key, err)
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return string(b)
}

// TestLocalReadersSeeWholeObjects overwrites an object while readers read
// it: each read must return one complete version.
func TestLocalReadersSeeWholeObjects(t *testing.T) {
	s, _ := NewLocal(t.TempDir())
	ctx := context.Background()
	s.CreateBucket(ctx, "p1", "box")
	a, b := bytes.Repeat([]byte("A"), 256<<10), bytes.Repeat([]byte("B"), 256<<10)
	s.Put(ctx, "box", "k", bytes.NewReader(a), int64(len(a)), "")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 30; i++ {
			v := a
			if i%2 == 0 {
				v = b
			}
			s.Put(ctx, "box", "k", bytes.NewReader(v), int64(len(v)), "")
		}
		close(stop)
	}()
	for done := false; !done; {
		select {
		case <-stop:
			done = true
		default:
		}
		got := []byte(readAll(t, s, "box", "k"))
		if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
			t.Fatalf("read a mixed or partial object of %d bytes", len(got))
		}
	}
	wg.Wait()
}

func TestValidBucketName(t *testing.T) {
	for name, want := range map[string]bool{
		"photos": true, "my-bucket.v2": true, "abc": true, strings.Repeat("a", 63): true,
		"ab": false, strings.Repeat("a", 64): false, "Photos": false, "-abc": false, "abc-": false,
		"a..b": false, "a.-b": false, "a_b": false, "192.168.1.1": false, "..": false, "a/b": false,
	} {
		if got := ValidBucketName(name); got != want {
			t.Errorf("ValidBucketName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url, bucket, key string
		isOBS            bool
	}{
		{"obs://photos/a/b.png", "photos", "a/b.png", true},
		{"OBS://photos/b%20c.png", "photos", "b c.png", true},
		{"obs://photos/a.png?versionId=1", "photos", "a.png", true},
		{"https://photos.obs.cn-north-4.myhuaweicloud.com/a/b.png", "photos", "a/b.png", true},
		{"https://my.dotted.bucket.obs.cn-north-4.myhuaweicloud.com/k", "my.dotted.bucket", "k", true},
		{"http://photos.obs.r1.example.com:9000/k?AccessKeyId=x&Signature=y", "photos", "k", true},
		{"https://obs.cn-north-4.myhuaweicloud.com/photos/a/b.png", "photos", "a/b.png", true},
		{"https://PHOTOS.OBS.R1.EXAMPLE.COM/Key.PNG", "photos", "Key.PNG", true},
	} {
		if !IsURL(tc.url) {
			t.Errorf("IsURL(%q) = false", tc.url)
		}
		b, k, err := ParseURL(tc.url)
		if err != nil || b != tc.bucket || k != tc.key {
			t.Errorf("ParseURL(%q) = %q, %q, %v", tc.url, b, k, err)
		}
	}
	for _, u := range []string{
		"obs://", "obs:///key", "obs://photos", "obs://photos/", "obs://Bad_Bucket/k",
		"obs://ab/k", "obs://photos/%zz",
		"https://photos.obs.r1.example.com/", "https://photos.obs.r1.example.com",
		"https://obs.r1.example.com/photos", "https://obs.r1.example.com/", "https://u:p@photos.obs.r1.example.com/k",
		"https://bad_bucket.obs.r1.example.com/k",
	} {
		if !IsURL(u) {
			t.Errorf("IsURL(%q) = false: a malformed OBS URL would go to the fetcher", u)
		}
		if _, _, err := ParseURL(u); !errors.Is(err, ErrBadURL) {
			t.Errorf("ParseURL(%q) = %v, want ErrBadURL", u, err)
		}
	}
	for _, u := range []string{
		"https://example.com/a.png", "http://127.0.0.1/x", "https://obs.example/x", "ftp://photos.obs.r1.example.com/k",
		"https://myobs.r1.example.com/k", "https://photos.obs.com/k",
	} {
		if IsURL(u) {
			t.Errorf("IsURL(%q) = true", u)
		}
	}
}

func TestLocalSweepsOldStagingFiles(t *testing.T) {
	root := t.TempDir()
	if _, err := NewLocal(root); err != nil {
		t.Fatal(err)
	}
	old, young := filepath.Join(root, "tmp", "put-old"), filepath.Join(root, "tmp", "put-young")
	os.WriteFile(old, []byte("x"), 0o600)
	os.WriteFile(young, []byte("x"), 0o600)
	past := time.Now().Add(-48 * time.Hour)
	os.Chtimes(old, past, past)
	if _, err := NewLocal(root); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("old staging file kept: %v", err)
	}
	if _, err := os.Stat(young); err != nil {
		t.Errorf("young staging file removed: %v", err)
	}
}
