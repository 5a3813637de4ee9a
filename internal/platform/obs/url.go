package obs

import (
	"fmt"
	"net/url"
	"strings"
)

// IsURL reports whether raw is addressed to object storage rather than to
// the open Internet: the obs:// scheme, or an http(s) URL whose host has an
// "obs" label followed by a region and a domain — virtual-hosted
// (BUCKET.obs.REGION.DOMAIN) or path-style (obs.REGION.DOMAIN/BUCKET/KEY).
// Such URLs go to ParseURL; everything else goes to the HTTP fetcher.
func IsURL(raw string) bool {
	s := strings.TrimSpace(raw)
	if len(s) >= 6 && strings.EqualFold(s[:6], "obs://") {
		return true
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	_, ok := obsLabel(u.Hostname())
	return ok
}

// obsLabel returns the index of the "obs" label in host when it is followed
// by at least a region and a domain label.
func obsLabel(host string) (int, bool) {
	labels := strings.Split(strings.ToLower(host), ".")
	for i, l := range labels {
		if l == "obs" && len(labels)-i-1 >= 2 {
			return i, true
		}
	}
	return 0, false
}

// ParseURL extracts the bucket and key of an OBS URL. Every failure wraps
// ErrBadURL.
func ParseURL(raw string) (bucket, key string, err error) {
	s := strings.TrimSpace(raw)
	bad := func(why string) (string, string, error) {
		return "", "", fmt.Errorf("%w: %s", ErrBadURL, why)
	}
	if len(s) >= 6 && strings.EqualFold(s[:6], "obs://") {
		rest := s[6:]
		if i := strings.IndexAny(rest, "?#"); i >= 0 {
			rest = rest[:i]
		}
		b, k, ok := strings.Cut(rest, "/")
		if !ok {
			return bad("no object key")
		}
		if k, err = url.PathUnescape(k); err != nil {
			return bad("bad escape in key")
		}
		bucket, key = b, k
	} else {
		u, perr := url.Parse(s)
		if perr != nil {
			return bad("unparsable")
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return bad("scheme " + u.Scheme)
		}
		if u.User != nil {
			return bad("userinfo")
		}
		i, ok := obsLabel(u.Hostname())
		if !ok {
			return bad("host is not an OBS endpoint")
		}
		path := strings.TrimPrefix(u.Path, "/")
		if i == 0 { // path-style: obs.REGION.DOMAIN/BUCKET/KEY
			b, k, ok := strings.Cut(path, "/")
			if !ok {
				return bad("no object key")
			}
			bucket, key = b, k
		} else {
			labels := strings.Split(strings.ToLower(u.Hostname()), ".")
			bucket, key = strings.Join(labels[:i], "."), path
		}
	}
	if !ValidBucketName(bucket) {
		return bad(fmt.Sprintf("bucket name %q", bucket))
	}
	if !ValidKey(key) {
		return bad("object key")
	}
	return bucket, key, nil
}
