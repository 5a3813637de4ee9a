// Package input obtains the bytes a service call works on, from exactly one
// of the request's `image` (base64) or `url` fields. URLs are either
// object-storage URLs, read from the embedded object store on behalf of the
// calling project, or ordinary HTTP(S) URLs, downloaded by an SSRF-safe
// Fetcher. Resolver.Open is the one policy for both, streaming: images read
// it whole (Resolve), video jobs copy it to a file. Every failure is a
// catalog error in the caller's family.
package input

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

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

// Fetcher is the resolver's download policy, for the other user-supplied
// URLs a service must vet the same way (job callbacks).
func (r *Resolver) Fetcher() *Fetcher { return r.opts.Fetcher }

// Resolve returns the input bytes of a call: the base64-decoded imageB64, or
// the object or download that url names (Open, read whole). Exactly one of
// them must be given.
func (r *Resolver) Resolve(ctx context.Context, projectID, service, imageB64, url string) ([]byte, error) {
	imageB64, url = strings.TrimSpace(imageB64), strings.TrimSpace(url)
	switch {
	case imageB64 != "" && url != "":
		return nil, catalog.E(catalog.KindBadParam).Wrap(errors.New("both image and url given"))
	case imageB64 == "" && url == "":
		return nil, catalog.E(catalog.KindMissingParam).Wrap(errors.New("neither image nor url given"))
	case imageB64 != "":
		return r.decode(imageB64)
	}
	src, err := r.Open(ctx, projectID, service, url, Limits{})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	b, err := src.readAll()
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, catalog.E(catalog.KindImageEmpty).Wrap(errors.New("the input has no bytes"))
	}
	return b, nil
}

// Limits bound one Open.
type Limits struct {
	// MaxBytes caps the input's size (0: the Resolver's MaxBytes).
	MaxBytes int64
	// Timeout bounds a download from request to last byte (0: the
	// Fetcher's Timeout). Objects of the store are local and have none.
	Timeout time.Duration
}

// Open opens the input url names for projectID's call of service, under
// the one input policy:
//
//   - an object-storage URL must parse, the project must have granted
//     service an agency, and the bucket must be the project's own (another
//     project's bucket is answered as an object the service may not read);
//   - any other URL is downloaded by the SSRF-safe Fetcher (the URL, every
//     redirect and every address dialled are checked).
//
// A declared size over the limit fails here; reading the Source fails past
// it, so nothing bigger is ever read. The caller closes the Source.
func (r *Resolver) Open(ctx context.Context, projectID, service, url string, lim Limits) (*Source, error) {
	url = strings.TrimSpace(url)
	max := lim.MaxBytes
	if max <= 0 {
		max = r.opts.MaxBytes
	}
	if obs.IsURL(url) {
		return r.object(ctx, projectID, service, url, max)
	}
	d, err := r.opts.Fetcher.open(ctx, url, max, lim.Timeout)
	switch {
	case errors.Is(err, ErrURLForbidden):
		return nil, catalog.E(catalog.KindURLForbidden).Wrap(err)
	case errors.Is(err, ErrURLTooLarge):
		return nil, catalog.E(catalog.KindURLTooLarge).Wrap(err)
	case err != nil:
		return nil, catalog.E(catalog.KindURLFetch).Wrap(err)
	}
	return &Source{body: d, Size: d.size, EndKnown: d.endKnown, max: max}, nil
}

// Check vets url as Open would, without reading anything: an object-storage
// URL must parse and the project must have granted service an agency; any
// other URL must pass the URL part of the fetch policy. Jobs check their
// input this way when they are created.
func (r *Resolver) Check(ctx context.Context, projectID, service, url string) error {
	url = strings.TrimSpace(url)
	if obs.IsURL(url) {
		if _, _, err := obs.ParseURL(url); err != nil {
			return catalog.E(catalog.KindOBSBadURL).Wrap(err)
		}
		return r.agency(ctx, projectID, service)
	}
	if _, err := r.opts.Fetcher.Parse(url); err != nil {
		return catalog.E(catalog.KindURLForbidden).Wrap(err)
	}
	return nil
}

// Source is an opened input. Reading it fails, with the input's catalog
// error, past the size limit (KindURLTooLarge, KindOBSTooLarge), when the
// transfer breaks (KindURLFetch, KindOBSRead), and when it ends before or
// after its declared size (the same read kinds).
type Source struct {
	body io.ReadCloser
	// Size is the declared length in bytes, -1 when none was declared (a
	// chunked or gzip-encoded download: its size is what reading yields,
	// up to the limit).
	Size int64
	// EndKnown reports whether the transfer marks the body's end (a
	// length, chunked framing, gzip's trailer, HTTP/2), so a download cut
	// short fails reading instead of passing for a shorter input. It is
	// false only for a body that ends when the server closes the
	// connection; objects of the store always know their end.
	EndKnown bool
	// Object reports whether the input is an object of the store (else a
	// download).
	Object bool
	max, n int64
}

func (s *Source) Read(p []byte) (int, error) {
	if room := s.max + 1 - s.n; int64(len(p)) > room {
		p = p[:room] // one byte past the limit is enough to know
	}
	n, err := s.body.Read(p)
	s.n += int64(n)
	switch {
	case s.n > s.max:
		return n, s.tooLarge(fmt.Errorf("%w: over %d bytes", ErrURLTooLarge, s.max))
	case err == io.EOF:
		if s.Size >= 0 && s.n != s.Size {
			return n, s.readFailed(fmt.Errorf("got %d of %d bytes", s.n, s.Size))
		}
		return n, io.EOF
	case err != nil:
		return n, s.readFailed(err)
	}
	return n, nil
}

// Close releases the input (and a download's deadline).
func (s *Source) Close() error { return s.body.Close() }

func (s *Source) tooLarge(err error) error {
	if s.Object {
		return catalog.E(catalog.KindOBSTooLarge).Wrap(err)
	}
	return catalog.E(catalog.KindURLTooLarge).Wrap(err)
}

func (s *Source) readFailed(err error) error {
	if s.Object {
		return catalog.E(catalog.KindOBSRead).Wrap(err)
	}
	return catalog.E(catalog.KindURLFetch).Wrap(fmt.Errorf("%w: reading body: %w", ErrURLFetch, err))
}

// readAll reads the input to its end. The buffer never grows beyond the
// limit plus one byte (Read refuses the byte past it); the declared size,
// possibly a lie, only sizes the first allocation.
func (s *Source) readAll() ([]byte, error) {
	size := int64(64 << 10)
	if s.Size >= 0 {
		size = s.Size + 1 // +1 sees the end without growing
	}
	buf := make([]byte, 0, min(size, s.max+1))
	for {
		if len(buf) == cap(buf) {
			next := make([]byte, len(buf), min(2*int64(cap(buf))+512, s.max+1))
			copy(next, buf)
			buf = next
		}
		n, err := s.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
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

// agency checks that projectID granted service access to its buckets.
func (r *Resolver) agency(ctx context.Context, projectID, service string) error {
	if r.opts.Agencies == nil {
		return catalog.E(catalog.KindOBSNoAgency).Wrap(errors.New("no agency source configured"))
	}
	ok, err := r.opts.Agencies(ctx, projectID, service)
	if err != nil {
		return catalog.E(catalog.KindOBSNoAgency).Wrap(err)
	}
	if !ok {
		return catalog.E(catalog.KindOBSNoAgency).Wrap(fmt.Errorf("project %s granted %s no agency", projectID, service))
	}
	return nil
}

// object opens an OBS URL for projectID. A bucket of another project is
// answered like an object the service was not allowed to read (the family's
// object-read error, ModelArts.4704 / AIS.0024): that is what the service
// meets on the real platform, where the agency only opens the project's own
// buckets and the store answers AccessDenied for the rest. It is neither
// "not found" (the bucket exists) nor "no agency" (the agency exists).
func (r *Resolver) object(ctx context.Context, projectID, service, url string, max int64) (*Source, error) {
	bucket, key, err := obs.ParseURL(url)
	if err != nil {
		return nil, catalog.E(catalog.KindOBSBadURL).Wrap(err)
	}
	if err := r.agency(ctx, projectID, service); err != nil {
		return nil, err
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
	if size > max {
		rc.Close()
		return nil, catalog.E(catalog.KindOBSTooLarge).Wrap(fmt.Errorf("object is %d bytes", size))
	}
	return &Source{body: rc, Size: size, Object: true, EndKnown: true, max: max}, nil
}
