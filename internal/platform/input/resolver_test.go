package input

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/catalog/catalogtest"
	"github.com/aisd/aisd/internal/platform/obs"
)

// failingStore serves bodies that break after a few bytes.
type failingStore struct{ *obs.Local }

func (f failingStore) Get(ctx context.Context, bucket, key string) (io.ReadCloser, int64, error) {
	return io.NopCloser(io.MultiReader(strings.NewReader("abc"), errReader{})), 100, nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func newTestResolver(t *testing.T) (*Resolver, *httptest.Server, obs.Store) {
	t.Helper()
	front, _, _ := servers(t)
	st, err := obs.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	put := func(project, bucket, key string, b []byte) {
		if err := st.CreateBucket(ctx, project, bucket); err != nil && !errors.Is(err, obs.ErrBucketExists) {
			t.Fatal(err)
		}
		if _, err := st.Put(ctx, bucket, key, bytes.NewReader(b), int64(len(b)), ""); err != nil {
			t.Fatal(err)
		}
	}
	put("p1", "photos", "a/cat.png", []byte("CAT"))
	put("p1", "photos", "big.bin", make([]byte, 2000))
	put("p1", "photos", "empty.png", nil)
	put("p2", "theirs", "dog.png", []byte("DOG"))
	r := New(Options{
		Fetcher: NewFetcher(FetcherOptions{Resolver: testDNS, AllowHosts: []string{"allowed.test"}, MaxBytes: 1000}),
		OBS:     st,
		Agencies: func(_ context.Context, project, service string) (bool, error) {
			if project == "broken" {
				return false, errors.New("agency table unavailable")
			}
			return project != "p-noagency", nil
		},
		MaxBytes: 1000,
	})
	return r, front, st
}

func TestResolveSuccess(t *testing.T) {
	r, front, _ := newTestResolver(t)
	b64 := base64.StdEncoding.EncodeToString([]byte("hello image"))
	for name, tc := range map[string]struct{ image, url, want string }{
		"base64":          {image: b64, want: "hello image"},
		"data uri":        {image: "data:image/png;base64," + b64, want: "hello image"},
		"wrapped lines":   {image: b64[:4] + "\r\n" + b64[4:8] + "\n " + b64[8:], want: "hello image"},
		"surrounding ws":  {image: "  " + b64 + "\n", want: "hello image"},
		"url":             {url: "http://allowed.test:" + port(front) + "/ok", want: "IMAGE-BYTES"},
		"obs scheme":      {url: "obs://photos/a/cat.png", want: "CAT"},
		"obs virtualhost": {url: "https://photos.obs.cn-north-4.myhuaweicloud.com/a/cat.png", want: "CAT"},
		"obs path style":  {url: "https://obs.cn-north-4.example.com/photos/a/cat.png", want: "CAT"},
		"obs escaped key": {url: "https://photos.obs.r1.example.com/a%2Fcat.png", want: "CAT"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := r.Resolve(context.Background(), "p1", "ocr.general-text", tc.image, tc.url)
			if err != nil || string(got) != tc.want {
				t.Fatalf("Resolve = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	r, front, _ := newTestResolver(t)
	fp := port(front)
	failing := New(Options{OBS: failingStore{r.opts.OBS.(*obs.Local)}, MaxBytes: 1000,
		Agencies: func(context.Context, string, string) (bool, error) { return true, nil }})
	cases := []struct {
		name       string
		r          *Resolver
		project    string
		image, url string
		kind       catalog.Kind
	}{
		{"both", nil, "p1", "aGVsbG8=", "obs://photos/a/cat.png", catalog.KindBadParam},
		{"neither", nil, "p1", "", "", catalog.KindMissingParam},
		{"blank", nil, "p1", "  \n", " ", catalog.KindMissingParam},
		{"bad base64 chars", nil, "p1", "aGVs*G8=", "", catalog.KindBadBase64},
		{"url-safe alphabet", nil, "p1", "-_-_", "", catalog.KindBadBase64},
		{"missing padding", nil, "p1", "aGVsbG8", "", catalog.KindBadBase64},
		{"non-zero pad bits", nil, "p1", "aGVsbG9=", "", catalog.KindBadBase64},
		{"data uri not base64", nil, "p1", "data:image/png,abcd", "", catalog.KindBadBase64},
		{"decodes to nothing", nil, "p1", "data:image/png;base64,", "", catalog.KindImageEmpty},
		{"too large base64", nil, "p1", base64.StdEncoding.EncodeToString(make([]byte, 1001)), "", catalog.KindBodyTooLarge},
		{"loopback url", nil, "p1", "", "http://127.0.0.1:" + fp + "/ok", catalog.KindURLForbidden},
		{"decimal url", nil, "p1", "", "http://2130706433/", catalog.KindURLForbidden},
		{"dns to loopback", nil, "p1", "", "http://evil.test:" + fp + "/ok", catalog.KindURLForbidden},
		{"redirect to loopback", nil, "p1", "", "http://allowed.test:" + fp + "/to-loopback", catalog.KindURLForbidden},
		{"not a url", nil, "p1", "", "just words", catalog.KindURLForbidden},
		{"404", nil, "p1", "", "http://allowed.test:" + fp + "/missing", catalog.KindURLFetch},
		{"url too large", nil, "p1", "", "http://allowed.test:" + fp + "/big", catalog.KindURLTooLarge},
		{"url empty body", nil, "p1", "", "http://allowed.test:" + fp + "/empty", catalog.KindImageEmpty},
		{"obs no agency", nil, "p-noagency", "", "obs://photos/a/cat.png", catalog.KindOBSNoAgency},
		{"obs agency lookup fails", nil, "broken", "", "obs://photos/a/cat.png", catalog.KindOBSNoAgency},
		{"obs no key", nil, "p1", "", "obs://photos", catalog.KindOBSBadURL},
		{"obs bad bucket", nil, "p1", "", "obs://Bad_Bucket/x.png", catalog.KindOBSBadURL},
		{"obs empty key", nil, "p1", "", "https://photos.obs.r1.example.com/", catalog.KindOBSBadURL},
		{"obs userinfo", nil, "p1", "", "https://u:p@photos.obs.r1.example.com/a.png", catalog.KindOBSBadURL},
		{"obs other project", nil, "p1", "", "obs://theirs/dog.png", catalog.KindOBSRead},
		{"obs missing bucket", nil, "p1", "", "obs://nobucket/x.png", catalog.KindOBSNotFound},
		{"obs missing key", nil, "p1", "", "obs://photos/nothing.png", catalog.KindOBSNotFound},
		{"obs traversal key", nil, "p1", "", "obs://photos/../theirs/dog.png", catalog.KindOBSNotFound},
		{"obs too large", nil, "p1", "", "obs://photos/big.bin", catalog.KindOBSTooLarge},
		{"obs empty", nil, "p1", "", "obs://photos/empty.png", catalog.KindImageEmpty},
		{"obs read failure", failing, "p1", "", "obs://photos/a/cat.png", catalog.KindOBSRead},
		{"obs without store", New(Options{Agencies: func(context.Context, string, string) (bool, error) { return true, nil }}), "p1", "", "obs://photos/a/cat.png", catalog.KindOBSRead},
	}
	for _, tc := range cases {
		for _, fam := range catalog.Families {
			t.Run(tc.name+"/"+string(fam), func(t *testing.T) {
				rr := tc.r
				if rr == nil {
					rr = r
				}
				got, err := rr.Resolve(context.Background(), tc.project, "svc", tc.image, tc.url)
				if err == nil {
					t.Fatalf("Resolve = %q, want an error", got)
				}
				catalogtest.WantKind(t, err, tc.kind)
			})
		}
	}
}
