// Package input obtains the bytes a service call works on, from exactly one
// of the request's `image` (base64) or `url` fields. URLs are either
// object-storage URLs, read from the embedded object store on behalf of the
// calling project, or ordinary HTTP(S) URLs, downloaded by an SSRF-safe
// Fetcher. Every failure is a catalog error in the caller's family.
package input

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/obs"
)

// Options configures a Resolver.
type Options struct {
	// Fetcher downloads HTTP(S) URLs; a default-policy Fetcher when nil.
	Fetcher *Fetcher
	// OBS is the object store behind OBS-style URLs; when nil such URLs
	// fail with the family's object-read error.
	OBS obs.Store
	// Agencies reports whether projectID granted service access to its
	// buckets. When nil no project has, and OBS URLs are refused.
	Agencies func(ctx context.Context, projectID, service string) (bool, error)
	// MaxBytes caps the input size, decoded or downloaded (default 10 MB).
	MaxBytes int64
}

// Resolver turns a request's image/url pair into bytes.
type Resolver struct {
	opts Options
}

// New builds a Resolver.
func New(o Options) *Resolver {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Fetcher == nil {
		o.Fetcher = NewFetcher(FetcherOptions{MaxBytes: o.MaxBytes})
	}
	return &Resolver{opts: o}
}

// Resolve returns the input bytes of a call: the base64-decoded imageB64, or
// the object or download that url names. Exactly one of them must be given.
func (r *Resolver) Resolve(ctx context.Context, projectID, service, imageB64, url string) ([]byte, error) {
	imageB64, url = strings.TrimSpace(imageB64), strings.TrimSpace(url)
	switch {
	case imageB64 != "" && url != "":
		return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("both image and url given"))
	case imageB64 == "" && url == "":
		return nil, catalog.E(catalog.KindMissingParam).Wrap(errors.New("neither image nor url given"))
	case imageB64 != "":
		return r.decode(imageB64)
	case obs.IsURL(url):
		return r.object(ctx, projectID, service, url)
	default:
		b, err := r.opts.Fetcher.Fetch(ctx, url, r.opts.MaxBytes)
		switch {
		case errors.Is(err, ErrURLForbidden):
			return nil, catalog.E(catalog.KindURLForbidden).Wrap(err)
		case errors.Is(err, ErrURLTooLarge):
			return nil, catalog.E(catalog.KindURLTooLarge).Wrap(err)
		case err != nil:
			return nil, catalog.E(catalog.KindURLFetch).Wrap(err)
		case len(b) == 0:
			return nil, catalog.E(catalog.KindImageEmpty).Wrap(errors.New("url returned no bytes"))
		}
		return b, nil
	}
}

// DecodeBase64 decodes a standard-alphabet, padded base64 string, tolerating
// a data-URI prefix ("data:image/png;base64,") and whitespace such as the
// line breaks MIME encoders insert. Anything else is refused: a payload that
// only decodes after guessing would hand the model some other image.
func DecodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) > 5 && strings.EqualFold(s[:5], "data:") {
		i := strings.IndexByte(s, ',')
		if i < 0 || !strings.HasSuffix(strings.ToLower(s[:i]), ";base64") {
			return nil, errors.New("data URI without ;base64,")
		}
		s = s[i+1:]
	}
	if strings.ContainsAny(s, " \t\r\n\f\v") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case ' ', '\t', '\r', '\n', '\f', '\v':
				return -1
			}
			return r
		}, s)
	}
	return base64.StdEncoding.Strict().DecodeString(s)
}

func (r *Resolver) decode(s string) ([]byte, error) {
	// The encoded form is 4/3 of the decoded one: refuse before allocating.
	if int64(len(s)) > r.opts.MaxBytes*4/3+4+256 {
		return nil, catalog.E(catalog.KindBodyTooLarge).Wrap(fmt.Errorf("image field is %d bytes", len(s)))
	}
	b, err := DecodeBase64(s)
	if err != nil {
		return nil, catalog.E(catalog.KindBadBase64).Wrap(err)
	}
	if len(b) == 0 {
		return nil, catalog.E(catalog.KindImageEmpty).Wrap(errors.New("image decodes to no bytes"))
	}
	if int64(len(b)) > r.opts.MaxBytes {
		return nil, catalog.E(catalog.KindBodyTooLarge).Wrap(fmt.Errorf("image is %d bytes", len(b)))
	}
	return b, nil
}

// object reads an OBS URL for projectID. A bucket of another project is
// answered like an object the service was not allowed to read (the family's
// object-read error, ModelArts.4704 / AIS.0024): that is what the service
// meets on the real platform, where the agency only opens the project's own
// buckets and the store answers AccessDenied for the rest. It is neither
// "not found" (the bucket exists) nor "no agency" (the agency exists).
func (r *Resolver) object(ctx context.Context, projectID, service, url string) ([]byte, error) {
	bucket, key, err := obs.ParseURL(url)
	if err != nil {
		return nil, catalog.E(catalog.KindOBSBadURL).Wrap(err)
	}
	if r.opts.Agencies == nil {
		return nil, catalog.E(catalog.KindOBSNoAgency).Wrap(errors.New("no agency source configured"))
	}
	ok, err := r.opts.Agencies(ctx, projectID, service)
	if err != nil {
		return nil, catalog.E(catalog.KindOBSNoAgency).Wrap(err)
	}
	if !ok {
		return nil, catalog.E(catalog.KindOBSNoAgency).Wrap(fmt.Errorf("project %s granted %s no agency", projectID, service))
	}
	if r.opts.OBS == nil {
		return nil, catalog.E(catalog.KindOBSRead).Wrap(errors.New("no object store configured"))
	}
	owner, err := r.opts.OBS.BucketOwner(ctx, bucket)
	switch {
	case errors.Is(err, obs.ErrNoSuchBucket):
		return nil, catalog.E(catalog.KindOBSNotFound).Wrap(err)
	case err != nil:
		return nil, catalog.E(catalog.KindOBSRead).Wrap(err)
	case owner != projectID:
		return nil, catalog.E(catalog.KindOBSRead).Wrap(fmt.Errorf("bucket %s belongs to another project", bucket))
	}
	rc, size, err := r.opts.OBS.Get(ctx, bucket, key)
	switch {
	case errors.Is(err, obs.ErrNoSuchKey) || errors.Is(err, obs.ErrNoSuchBucket):
		return nil, catalog.E(catalog.KindOBSNotFound).Wrap(err)
	case err != nil:
		return nil, catalog.E(catalog.KindOBSRead).Wrap(err)
	}
	defer rc.Close()
	if size > r.opts.MaxBytes {
		return nil, catalog.E(catalog.KindOBSTooLarge).Wrap(fmt.Errorf("object is %d bytes", size))
	}
	if size == 0 {
		return nil, catalog.E(catalog.KindImageEmpty).Wrap(errors.New("object is empty"))
	}
	b, err := readCapped(rc, r.opts.MaxBytes, size)
	switch {
	case errors.Is(err, ErrURLTooLarge): // grew since it was opened
		return nil, catalog.E(catalog.KindOBSTooLarge).Wrap(err)
	case err != nil:
		return nil, catalog.E(catalog.KindOBSRead).Wrap(err)
	case len(b) == 0:
		return nil, catalog.E(catalog.KindImageEmpty).Wrap(errors.New("object is empty"))
	}
	return b, nil
}
