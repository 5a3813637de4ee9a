package input

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Errors of the fetcher. Resolve maps them to the family's catalog codes;
// other users (job callbacks) test them with errors.Is.
var (
	// ErrURLForbidden: the URL, a redirect, or an address it resolved to is
	// refused by the SSRF policy.
	ErrURLForbidden = errors.New("input: url forbidden")
	// ErrURLFetch: the download failed (network, time-out, non-2xx status).
	ErrURLFetch = errors.New("input: url fetch failed")
	// ErrURLTooLarge: the object exceeds the size limit.
	ErrURLTooLarge = errors.New("input: url object too large")
)

// HostResolver looks up the addresses of a name; *net.Resolver satisfies it.
type HostResolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// FetcherOptions configures a Fetcher. Zero values take the defaults.
type FetcherOptions struct {
	// AllowCIDRs are addresses the operator trusts although the policy would
	// refuse them (say, 127.0.0.1/32 for a local test server).
	AllowCIDRs []netip.Prefix
	// AllowHosts are names ("files.internal") or "name:port" pairs that may
	// be fetched whatever they resolve to. Redirects away from them are
	// checked again.
	AllowHosts []string
	// Resolver resolves names; net.DefaultResolver by default.
	Resolver HostResolver
	// ConnectTimeout bounds each TCP connect (default 5 s).
	ConnectTimeout time.Duration
	// Timeout bounds a whole fetch, body included (default 30 s).
	Timeout time.Duration
	// MaxRedirects bounds the redirect hops followed (default 3; negative: none).
	MaxRedirects int
	// MaxBytes is the default size cap of Fetch (default 10 MB).
	MaxBytes int64
	// UserAgent is sent with every request (default "aisd-fetcher").
	UserAgent string
}

// Fetcher downloads user-supplied URLs without letting them reach the
// operator's network. The policy is applied twice: to the URL (scheme,
// userinfo, numeric host spellings) before each hop, and to the address
// actually connected to, in the dialer, so DNS answers — including ones that
// change between a check and the connect (rebinding) — cannot bypass it.
type Fetcher struct {
	opts   FetcherOptions
	client *http.Client
	// stream is client without the whole-request timeout: Open bounds each
	// download with its own deadline instead.
	stream *http.Client
}

// DefaultMaxBytes is the input size limit of the services (10 MB).
const DefaultMaxBytes = 10 << 20

// NewFetcher builds a Fetcher.
func NewFetcher(o FetcherOptions) *Fetcher {
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MaxRedirects == 0 {
		o.MaxRedirects = 3
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.UserAgent == "" {
		o.UserAgent = "aisd-fetcher"
	}
	f := &Fetcher{opts: o}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would connect on our behalf, out of the dialer's sight
		DialContext:           f.dial,
		TLSHandshakeTimeout:   o.ConnectTimeout,
		ResponseHeaderTimeout: o.Timeout,
		MaxIdleConns:          16,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	f.client = &http.Client{
		Transport:     tr,
		Timeout:       o.Timeout,
		CheckRedirect: f.checkRedirect,
	}
	f.stream = &http.Client{Transport: tr, CheckRedirect: f.checkRedirect}
	return f
}

// Client returns the policy-enforcing client, for other outbound requests
// to user-supplied URLs (job completion callbacks). Its redirects and dials
// are checked like Fetch's; it does not cap body sizes.
func (f *Fetcher) Client() *http.Client { return f.client }

// Parse parses a user-supplied URL (surrounding space trimmed, scheme
// case-insensitive) and applies the URL part of the policy to it, without
// connecting.
func (f *Fetcher) Parse(rawURL string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrURLForbidden, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if err := f.CheckURL(u); err != nil {
		return nil, err
	}
	return u, nil
}

// CheckURL applies the URL part of the policy without connecting.
func (f *Fetcher) CheckURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: scheme %q", ErrURLForbidden, u.Scheme)
	}
	if u.User != nil {
		return fmt.Errorf("%w: userinfo in URL", ErrURLForbidden)
	}
	if u.Opaque != "" {
		return fmt.Errorf("%w: opaque URL", ErrURLForbidden)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%w: no host", ErrURLForbidden)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%w: port %q", ErrURLForbidden, p)
		}
	}
	if f.hostAllowed(u.Host) {
		return nil
	}
	if nonCanonicalIPv4(host) {
		return fmt.Errorf("%w: numeric host %q is not a dotted-quad IPv4 address", ErrURLForbidden, host)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if why := f.refused(a); why != "" {
			return fmt.Errorf("%w: %s", ErrURLForbidden, why)
		}
	}
	return nil
}

// CheckResolved applies the whole policy to u without connecting: the URL
// part, and for a name its resolved addresses, so a URL that every later
// connection would be refused for (a name of a private address) is refused
// now — job callbacks are checked this way at creation. One refused
// address refuses the name, as dial does; a name that does not resolve is
// refused too.
func (f *Fetcher) CheckResolved(ctx context.Context, u *url.URL) error {
	if err := f.CheckURL(u); err != nil {
		return err
	}
	host := u.Hostname()
	if f.hostAllowed(u.Host) {
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil // CheckURL judged the literal
	}
	ips, err := f.opts.Resolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return fmt.Errorf("%w: %s does not resolve: %v", ErrURLForbidden, host, err)
	}
	for _, a := range ips {
		if why := f.refused(a); why != "" {
			return fmt.Errorf("%w: %s resolves to a refused address: %s", ErrURLForbidden, host, why)
		}
	}
	return nil
}

// hostAllowed reports whether the operator allow-listed hostport's name, or
// the exact name:port.
func (f *Fetcher) hostAllowed(hostport string) bool {
	if len(f.opts.AllowHosts) == 0 {
		return false
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = strings.Trim(hostport, "[]"), ""
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, a := range f.opts.AllowHosts {
		a = strings.ToLower(a)
		if a == host || (port != "" && a == net.JoinHostPort(host, port)) {
			return true
		}
	}
	return false
}

// refused applies the address policy and the operator's CIDR allow-list.
func (f *Fetcher) refused(a netip.Addr) string {
	a = a.WithZone("")
	for _, p := range f.opts.AllowCIDRs {
		if p.Contains(a) || p.Contains(a.Unmap()) {
			return ""
		}
	}
	return forbidden(a)
}

func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.opts.MaxRedirects {
		return fmt.Errorf("%w: more than %d redirects", ErrURLFetch, f.opts.MaxRedirects)
	}
	if err := f.CheckURL(req.URL); err != nil {
		return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), err)
	}
	return nil
}

// dial resolves addr itself and connects only to permitted addresses; the
// Control hook re-checks the socket's actual peer just before connect(2).
func (f *Fetcher) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrURLForbidden, err)
	}
	trusted := f.hostAllowed(addr)
	var ips []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{a}
	} else {
		if !trusted && nonCanonicalIPv4(host) {
			return nil, fmt.Errorf("%w: numeric host %q", ErrURLForbidden, host)
		}
		ips, err = f.opts.Resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return nil, fmt.Errorf("%w: resolve %s: %v", ErrURLFetch, host, err)
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("%w: %s has no address", ErrURLFetch, host)
		}
	}
	if !trusted {
		// One refused answer refuses the name: a mixed answer is how
		// rebinding attacks look.
		for _, a := range ips {
			if why := f.refused(a); why != "" {
				return nil, fmt.Errorf("%w: %s resolves to a refused address: %s", ErrURLForbidden, host, why)
			}
		}
	}
	d := net.Dialer{Timeout: f.opts.ConnectTimeout}
	if !trusted {
		d.Control = f.control
	}
	var firstErr error
	for _, a := range ips {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		if errors.Is(err, ErrURLForbidden) {
			return nil, err
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("%w: %v", ErrURLFetch, firstErr)
}

// control vets the peer address of a socket about to connect. The addresses
// dial passes have been vetted already; this is the last line against any
// path that reaches connect(2) with another one.
func (f *Fetcher) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable peer %q", ErrURLForbidden, address)
	}
	if why := f.refused(ap.Addr()); why != "" {
		return fmt.Errorf("%w: %s", ErrURLForbidden, why)
	}
	return nil
}

// Fetch downloads rawURL, reading at most max bytes (the Fetcher's MaxBytes
// when max <= 0). It never holds more than max+1 bytes of body in memory.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string, max int64) ([]byte, error) {
	if max <= 0 {
		max = f.opts.MaxBytes
	}
	body, size, err := f.Open(ctx, rawURL, max, 0)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return readCapped(body, max, size)
}

// Open starts downloading rawURL under the policy (the URL, every redirect
// and every address dialled) and returns the body with its declared length
// (-1 when the server declared none). A non-2xx status, or a declared
// length over max (the Fetcher's MaxBytes when max <= 0), fails before any
// body is read; the caller caps what it reads. timeout bounds the whole
// download, body included (the Fetcher's Timeout when <= 0); closing the
// body releases it.
func (f *Fetcher) Open(ctx context.Context, rawURL string, max int64, timeout time.Duration) (io.ReadCloser, int64, error) {
	d, err := f.open(ctx, rawURL, max, timeout)
	if err != nil {
		return nil, 0, err
	}
	return d, d.size, nil
}

func (f *Fetcher) open(ctx context.Context, rawURL string, max int64, timeout time.Duration) (*download, error) {
	if max <= 0 {
		max = f.opts.MaxBytes
	}
	if timeout <= 0 {
		timeout = f.opts.Timeout
	}
	u, err := f.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("%w: %v", ErrURLForbidden, err)
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	resp, err := f.stream.Do(req)
	if err != nil {
		cancel()
		if errors.Is(err, ErrURLForbidden) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrURLFetch, err)
	}
	fail := func(err error) (*download, error) {
		resp.Body.Close()
		cancel()
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fail(fmt.Errorf("%w: GET %s: status %d", ErrURLFetch, u.Redacted(), resp.StatusCode))
	}
	if resp.ContentLength > max {
		return fail(fmt.Errorf("%w: Content-Length %d over %d", ErrURLTooLarge, resp.ContentLength, max))
	}
	return &download{ReadCloser: resp.Body, cancel: cancel, size: resp.ContentLength, endKnown: endKnown(resp)}, nil
}

// endKnown reports whether the transfer itself marks where the body ends,
// so that a download cut short reads as an error rather than as a shorter
// body: a declared length, chunked framing (its last chunk), a gzip stream
// the transport decodes (its trailer holds the length and CRC; the
// transport drops Content-Length then), or HTTP/2's end of stream. Only a
// body delimited by the connection's close is not.
func endKnown(resp *http.Response) bool {
	switch {
	case resp.ContentLength >= 0, resp.Uncompressed, resp.ProtoMajor >= 2:
		return true
	}
	for _, te := range resp.TransferEncoding {
		if strings.EqualFold(te, "chunked") {
			return true
		}
	}
	return false
}

// download is a response body whose Close also ends its deadline.
type download struct {
	io.ReadCloser
	cancel   context.CancelFunc
	size     int64 // declared length, -1 when none
	endKnown bool
}

func (d *download) Close() error {
	err := d.ReadCloser.Close()
	d.cancel()
	return err
}

// readCapped reads r to the end, failing with ErrURLTooLarge once it passes
// max bytes. The buffer never grows beyond max+1 bytes; hint (a declared
// length, possibly a lie) only sizes the first allocation.
func readCapped(r io.Reader, max, hint int64) ([]byte, error) {
	size := int64(64 << 10)
	if hint > 0 {
		size = hint + 1 // +1 detects a body longer than declared
	}
	size = min(size, max+1)
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > max {
				return nil, fmt.Errorf("%w: body over %d bytes", ErrURLTooLarge, max)
			}
			next := make([]byte, len(buf), min(2*int64(cap(buf))+512, max+1))
			copy(next, buf)
			buf = next
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: reading body: %v", ErrURLFetch, err)
		}
	}
	if int64(len(buf)) > max {
		return nil, fmt.Errorf("%w: body over %d bytes", ErrURLTooLarge, max)
	}
	return buf, nil
}
