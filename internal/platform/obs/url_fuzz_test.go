package obs

import (
	"net/url"
	"testing"
)

// FuzzParseURL: a URL that parses names a non-empty bucket and key, and the
// obs:// form rebuilt from them parses back to the same object.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"obs://bucket/key.jpg", "obs://b/a%2Fb", "https://bucket.obs.cn-north-4.myhuaweicloud.com/k",
		"https://obs.cn-north-4.myhuaweicloud.com/bucket/dir/k.png", "obs://bucket", "obs:///k", "obs://b/k?x#y", "http://u@obs.x.com/b/k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, k, err := ParseURL(s)
		if err != nil {
			return
		}
		if b == "" || k == "" {
			t.Fatalf("%q parsed to bucket %q key %q", s, b, k)
		}
		b2, k2, err := ParseURL("obs://" + b + "/" + url.PathEscape(k))
		if err != nil || b2 != b || k2 != k {
			t.Fatalf("%q: rebuilt obs://%s/%s parses to %q %q %v", s, b, k, b2, k2, err)
		}
	})
}
