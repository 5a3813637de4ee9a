package obs

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// S3Auth returns the secret key of an access key and the project it acts
// for; any error means the key is unknown.
type S3Auth func(ak string) (sk string, projectID string, err error)

// S3Option configures S3Handler.
type S3Option func(*s3Handler)

// WithMaxObjectSize caps uploads (default 5 GiB, S3's single-PUT limit).
func WithMaxObjectSize(n int64) S3Option { return func(h *s3Handler) { h.maxObject = n } }

// WithClock replaces time.Now for signature time checks.
func WithClock(now func() time.Time) S3Option { return func(h *s3Handler) { h.now = now } }

// WithLogger sets the logger of internal errors (default slog.Default()).
func WithLogger(l *slog.Logger) S3Option { return func(h *s3Handler) { h.log = l } }

// S3Handler serves store through the S3 REST protocol, path-style
// (/BUCKET/KEY): ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
// GetBucketLocation, ListObjects (v1 and v2), PutObject, GetObject (with
// ranges), HeadObject and DeleteObject. Every request must carry a valid
// AWS SigV4 signature (header or presigned query) by an access key auth
// knows; the key's project owns the buckets it creates and may touch no
// others. Multipart uploads (create, upload part, list parts, complete,
// abort) are staged on disk and stored whole on completion; copies and
// listing a bucket's uploads answer NotImplemented.
func S3Handler(store Store, auth S3Auth, opts ...S3Option) http.Handler {
	h := &s3Handler{store: store, auth: auth, maxObject: 5 << 30, now: time.Now, log: slog.Default(),
		mpDir: filepath.Join(os.TempDir(), "aisd-s3-multipart")}
	for _, o := range opts {
		o(h)
	}
	return h
}

type s3Handler struct {
	store     Store
	auth      S3Auth
	maxObject int64
	now       func() time.Time
	log       *slog.Logger
	mpDir     string     // in-progress multipart uploads (multipart.go)
	mpMu      sync.Mutex // pairs a staged part with its ETag
}

const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

func (h *s3Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("X-Amz-Request-Id", reqID)
	w.Header().Set("Server", "aisd")
	if cors(w, r) {
		return
	}
	if err := h.serve(w, r); err != nil {
		h.writeError(w, r, reqID, err)
	}
}

// cors lets pages of any origin (the console, on aisd's main port) call the
// API: every request is authorised by its signature alone, never by
// cookies or other ambient credentials, so a foreign page gains nothing a
// plain HTTP client does not have. It answers a preflight itself (true).
func cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", origin)
	hd.Add("Vary", "Origin")
	hd.Set("Access-Control-Expose-Headers", "ETag, X-Amz-Request-Id, Content-Length, Last-Modified")
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	hd.Set("Access-Control-Allow-Methods", "GET, HEAD, PUT, POST, DELETE")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		hd.Set("Access-Control-Allow-Headers", req)
	}
	hd.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return true
}

func (h *s3Handler) serve(w http.ResponseWriter, r *http.Request) error {
	sig, err := verifySignature(r, h.auth, h.now())
	if err != nil {
		return err
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	ctx := r.Context()
	if bucket == "" {
		if r.Method != http.MethodGet {
			return errS3("MethodNotAllowed", 405, "method not allowed on the service")
		}
		bs, err := h.store.ListBuckets(ctx, sig.Project)
		if err != nil {
			return err
		}
		out := listAllMyBucketsResult{XMLNS: s3NS, Owner: owner{ID: sig.Project, DisplayName: sig.Project}}
		for _, b := range bs {
			out.Buckets = append(out.Buckets, xmlBucket{Name: b.Name, CreationDate: b.Created.UTC().Format(isoMillis)})
		}
		return writeXML(w, http.StatusOK, out)
	}
	if r.Header.Get("X-Amz-Copy-Source") != "" || key == "" && (q.Has("uploads") || q.Has("uploadId")) {
		return errS3("NotImplemented", 501, "copies and listing multipart uploads are not implemented")
	}
	if key == "" && r.Method == http.MethodPut {
		if _, err := sig.readSmallBody(r, 64<<10); err != nil { // location constraint: accepted, ignored
			return err
		}
		err := h.store.CreateBucket(ctx, sig.Project, bucket)
		if errors.Is(err, ErrBucketExists) {
			if o, _ := h.store.BucketOwner(ctx, bucket); o == sig.Project {
				return errS3("BucketAlreadyOwnedByYou", 409, "you already own bucket %s", bucket)
			}
			return errS3("BucketAlreadyExists", 409, "bucket %s is taken", bucket)
		}
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/"+bucket)
		w.WriteHeader(http.StatusOK)
		return nil
	}
	// Every other operation needs a bucket of the caller's project.
	o, err := h.store.BucketOwner(ctx, bucket)
	if err != nil {
		return err
	}
	if o != sig.Project {
		return errS3("AccessDenied", 403, "bucket %s belongs to another project", bucket)
	}
	if key == "" {
		return h.bucketOp(w, r, sig, bucket)
	}
	if ok, err := h.multipartOp(w, r, sig, bucket, key); ok {
		return err
	}
	return h.objectOp(w, r, sig, bucket, key)
}

func (h *s3Handler) bucketOp(w http.ResponseWriter, r *http.Request, sig *sigRequest, bucket string) error {
	q := r.URL.Query()
	switch r.Method {
	case http.MethodHead:
		w.WriteHeader(http.StatusOK)
		return nil
	case http.MethodDelete:
		if err := h.store.DeleteBucket(r.Context(), bucket); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	case http.MethodGet:
		if q.Has("location") {
			return writeXML(w, http.StatusOK, locationConstraint{XMLNS: s3NS})
		}
		for _, sub := range []string{"acl", "policy", "tagging", "versioning", "lifecycle", "cors", "encryption", "object-lock", "versions", "notification", "replication", "website", "logging"} {
			if q.Has(sub) {
				return errS3("NotImplemented", 501, "bucket %s is not implemented", sub)
			}
		}
		return h.list(w, r, bucket)
	}
	return errS3("MethodNotAllowed", 405, "method not allowed on a bucket")
}

const isoMillis = "2006-01-02T15:04:05.000Z"

func (h *s3Handler) list(w http.ResponseWriter, r *http.Request, bucket string) error {
	q := r.URL.Query()
	v2 := q.Get("list-type") == "2"
	prefix, delim := q.Get("prefix"), q.Get("delimiter")
	maxKeys := 1000
	if s := q.Get("max-keys"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return errS3("InvalidArgument", 400, "max-keys must be a non-negative integer")
		}
		maxKeys = min(n, 1000)
	}
	encode := q.Get("encoding-type") == "url"
	if e := q.Get("encoding-type"); e != "" && e != "url" {
		return errS3("InvalidArgument", 400, "invalid encoding-type")
	}
	// Listing resumes strictly after this key (or common prefix).
	after := q.Get("marker")
	if v2 {
		after = q.Get("start-after")
		if tok := q.Get("continuation-token"); tok != "" {
			b, err := base64.RawURLEncoding.DecodeString(tok)
			if err != nil {
				return errS3("InvalidArgument", 400, "invalid continuation-token")
			}
			after = string(b)
		}
	}
	objs, err := h.store.List(r.Context(), bucket, prefix)
	if err != nil {
		return err
	}
	enc := func(s string) string {
		if encode {
			return awsEncode(s, true)
		}
		return s
	}
	res := listBucketResult{XMLNS: s3NS, Name: bucket, Prefix: enc(prefix), Delimiter: enc(delim), MaxKeys: maxKeys}
	if encode {
		res.EncodingType = "url"
	}
	var last string
	seen := map[string]bool{}
	for _, o := range objs {
		if o.Key <= after {
			continue
		}
		cp := ""
		if delim != "" {
			if i := strings.Index(o.Key[len(prefix):], delim); i >= 0 {
				cp = o.Key[:len(prefix)+i+len(delim)]
			}
		}
		if cp != "" && (seen[cp] || cp <= after) {
			continue
		}
		if res.KeyCount == maxKeys {
			res.IsTruncated = true
			break
		}
		res.KeyCount++
		if cp != "" {
			seen[cp] = true
			res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{Prefix: enc(cp)})
			last = cp
			continue
		}
		res.Contents = append(res.Contents, xmlObject{Key: enc(o.Key), LastModified: o.LastModified.UTC().Format(isoMillis),
			ETag: `"` + o.ETag + `"`, Size: o.Size, StorageClass: "STANDARD"})
		last = o.Key
	}
	if v2 {
		res.ContinuationToken = q.Get("continuation-token")
		res.StartAfter = enc(q.Get("start-after"))
		if res.IsTruncated {
			res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(last))
		}
		kc := res.KeyCount
		res.KeyCountV2 = &kc
	} else {
		res.Marker = enc(q.Get("marker"))
		if res.IsTruncated {
			res.NextMarker = enc(last)
		}
	}
	return writeXML(w, http.StatusOK, res)
}

func (h *s3Handler) objectOp(w http.ResponseWriter, r *http.Request, sig *sigRequest, bucket, key string) error {
	ctx := r.Context()
	switch r.Method {
	case http.MethodPut:
		body, size, err := sig.bodyReader(r)
		if err != nil {
			return err
		}
		if size < 0 {
			return errS3("MissingContentLength", 411, "Content-Length is required")
		}
		if size > h.maxObject {
			return errS3("EntityTooLarge", 400, "object over %d bytes", h.maxObject)
		}
		if m := r.Header.Get("Content-Md5"); m != "" {
			want, err := decodeBase64MD5(m)
			if err != nil {
				return errS3("InvalidDigest", 400, "Content-MD5 is not a base64 MD5")
			}
			body = &md5Reader{r: body, h: md5.New(), want: want}
		}
		obj, err := h.store.Put(ctx, bucket, key, body, size, r.Header.Get("Content-Type"))
		if err != nil {
			return err
		}
		w.Header().Set("ETag", `"`+obj.ETag+`"`)
		w.WriteHeader(http.StatusOK)
		return nil
	case http.MethodGet, http.MethodHead:
		st, err := h.store.Stat(ctx, bucket, key)
		if err != nil {
			return err
		}
		hd := w.Header()
		if st.ETag != "" {
			hd.Set("ETag", `"`+st.ETag+`"`)
		}
		ct := st.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		hd.Set("Content-Type", ct)
		if r.Method == http.MethodHead {
			hd.Set("Content-Length", strconv.FormatInt(st.Size, 10))
			hd.Set("Last-Modified", st.LastModified.UTC().Format(http.TimeFormat))
			hd.Set("Accept-Ranges", "bytes")
			w.WriteHeader(http.StatusOK)
			return nil
		}
		rc, size, err := h.store.Get(ctx, bucket, key)
		if err != nil {
			return err
		}
		defer rc.Close()
		if rs, ok := rc.(io.ReadSeeker); ok {
			// Ranges and conditional requests, as S3 clients use them.
			http.ServeContent(w, r, "", st.LastModified, rs)
			return nil
		}
		hd.Set("Content-Length", strconv.FormatInt(size, 10))
		hd.Set("Last-Modified", st.LastModified.UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusOK)
		io.Copy(w, rc)
		return nil
	case http.MethodDelete:
		if err := h.store.Delete(ctx, bucket, key); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return errS3("MethodNotAllowed", 405, "method not allowed on an object")
}

type md5Reader struct {
	r    io.Reader
	h    hash.Hash
	want []byte
}

func (m *md5Reader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	m.h.Write(p[:n])
	if err == io.EOF && string(m.h.Sum(nil)) != string(m.want) {
		return n, errS3("BadDigest", 400, "the Content-MD5 you specified did not match what we received")
	}
	return n, err
}

// writeError maps store sentinels and protocol errors to S3 error bodies.
func (h *s3Handler) writeError(w http.ResponseWriter, r *http.Request, reqID string, err error) {
	var se *s3Error
	switch {
	case errors.As(err, &se):
	case errors.Is(err, ErrNoSuchBucket):
		se = errS3("NoSuchBucket", 404, "the specified bucket does not exist")
	case errors.Is(err, ErrNoSuchKey):
		se = errS3("NoSuchKey", 404, "the specified key does not exist")
	case errors.Is(err, ErrBucketNotEmpty):
		se = errS3("BucketNotEmpty", 409, "the bucket you tried to delete is not empty")
	case errors.Is(err, ErrBadBucketName):
		se = errS3("InvalidBucketName", 400, "the specified bucket is not valid")
	case errors.Is(err, ErrBadKey):
		se = errS3("KeyTooLongError", 400, "the object key is not valid (too long, NUL, or a path element over 253 bytes)")
	default:
		h.log.Error("s3: internal error", "method", r.Method, "path", r.URL.Path, "request_id", reqID, "err", err)
		se = errS3("InternalError", 500, "we encountered an internal error, please try again")
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(se.Status)
		return
	}
	writeXML(w, se.Status, xmlError{Code: se.Code, Message: se.Msg, Resource: r.URL.Path, RequestID: reqID})
}

func writeXML(w http.ResponseWriter, status int, v any) error {
	b, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(xml.Header)+len(b)))
	w.WriteHeader(status)
	io.WriteString(w, xml.Header)
	w.Write(b)
	return nil
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

type xmlError struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource"`
	RequestID string   `xml:"RequestId"`
}

type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

type xmlBucket struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
}

type listAllMyBucketsResult struct {
	XMLName xml.Name    `xml:"ListAllMyBucketsResult"`
	XMLNS   string      `xml:"xmlns,attr"`
	Owner   owner       `xml:"Owner"`
	Buckets []xmlBucket `xml:"Buckets>Bucket"`
}

type locationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	XMLNS   string   `xml:"xmlns,attr"`
}

type xmlObject struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

type listBucketResult struct {
	XMLName               xml.Name       `xml:"ListBucketResult"`
	XMLNS                 string         `xml:"xmlns,attr"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	Marker                string         `xml:"Marker,omitempty"`
	NextMarker            string         `xml:"NextMarker,omitempty"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	KeyCount              int            `xml:"-"`
	KeyCountV2            *int           `xml:"KeyCount,omitempty"`
	MaxKeys               int            `xml:"MaxKeys"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	IsTruncated           bool           `xml:"IsTruncated"`
	Contents              []xmlObject    `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}
