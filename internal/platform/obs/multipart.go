package obs

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Multipart uploads, as S3 clients use them for anything large or of
// unknown length (minio-go above 16 MiB, the AWS CLI above 8 MiB). Parts
// are staged as files under the handler's multipart directory and streamed
// into the store in order when the upload completes, so both store
// backends get them without knowing about parts.

// WithMultipartDir keeps in-progress multipart uploads under dir (default:
// a directory in os.TempDir()).
func WithMultipartDir(dir string) S3Option { return func(h *s3Handler) { h.mpDir = dir } }

const (
	minPartSize = 5 << 20 // every part but the last, as S3 requires
	maxPartSize = 5 << 30
	maxParts    = 10000
	// Uploads neither completed nor aborted are dropped after a week.
	uploadTTL = 7 * 24 * time.Hour
)

type mpMeta struct {
	Bucket, Key, ContentType, Project string
	Created                           time.Time
}

func (h *s3Handler) uploadDir(id string) (string, error) {
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		return "", errS3("NoSuchUpload", 404, "upload %s does not exist", id)
	}
	return filepath.Join(h.mpDir, id), nil
}

// upload loads an upload and checks it is the caller's, for this object.
func (h *s3Handler) upload(id string, sig *sigRequest, bucket, key string) (string, mpMeta, error) {
	var m mpMeta
	dir, err := h.uploadDir(id)
	if err != nil {
		return "", m, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "upload.json"))
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil || m.Bucket != bucket || m.Key != key || m.Project != sig.Project {
		return "", m, errS3("NoSuchUpload", 404, "upload %s does not exist", id)
	}
	return dir, m, nil
}

// multipartOp serves the multipart operations on an object; ok is false
// when the request is not one of them.
func (h *s3Handler) multipartOp(w http.ResponseWriter, r *http.Request, sig *sigRequest, bucket, key string) (ok bool, err error) {
	q := r.URL.Query()
	id := q.Get("uploadId")
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		return true, h.createUpload(w, r, sig, bucket, key)
	case r.Method == http.MethodPut && q.Has("uploadId") && q.Has("partNumber"):
		return true, h.uploadPart(w, r, sig, bucket, key, id, q.Get("partNumber"))
	case r.Method == http.MethodPost && q.Has("uploadId"):
		return true, h.completeUpload(w, r, sig, bucket, key, id)
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		dir, _, err := h.upload(id, sig, bucket, key)
		if err != nil {
			return true, err
		}
		if err := os.RemoveAll(dir); err != nil {
			return true, err
		}
		w.WriteHeader(http.StatusNoContent)
		return true, nil
	case r.Method == http.MethodGet && q.Has("uploadId"):
		return true, h.listParts(w, sig, bucket, key, id)
	case q.Has("uploads") || q.Has("uploadId"):
		return true, errS3("MethodNotAllowed", 405, "method not allowed on a multipart upload")
	}
	return false, nil
}

func (h *s3Handler) createUpload(w http.ResponseWriter, r *http.Request, sig *sigRequest, bucket, key string) error {
	if !ValidKey(key) {
		return ErrBadKey
	}
	if _, err := sig.readSmallBody(r, 0); err != nil {
		return err
	}
	h.dropStaleUploads()
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	id := hex.EncodeToString(raw[:])
	dir := filepath.Join(h.mpDir, id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, _ := json.Marshal(mpMeta{Bucket: bucket, Key: key, ContentType: r.Header.Get("Content-Type"), Project: sig.Project, Created: h.now()})
	if err := os.WriteFile(filepath.Join(dir, "upload.json"), b, 0o600); err != nil {
		os.RemoveAll(dir)
		return err
	}
	return writeXML(w, http.StatusOK, initiateResult{XMLNS: s3NS, Bucket: bucket, Key: key, UploadID: id})
}

func (h *s3Handler) dropStaleUploads() {
	ents, _ := os.ReadDir(h.mpDir)
	for _, e := range ents {
		if info, err := e.Info(); err == nil && e.IsDir() && h.now().Sub(info.ModTime()) > uploadTTL {
			os.RemoveAll(filepath.Join(h.mpDir, e.Name()))
		}
	}
}

func partFile(dir string, n int) string { return filepath.Join(dir, fmt.Sprintf("part-%05d", n)) }

func (h *s3Handler) uploadPart(w http.ResponseWriter, r *http.Request, sig *sigRequest, bucket, key, id, num string) error {
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || n > maxParts {
		return errS3("InvalidArgument", 400, "part number must be an integer from 1 to %d", maxParts)
	}
	dir, _, err := h.upload(id, sig, bucket, key)
	if err != nil {
		return err
	}
	body, size, err := sig.bodyReader(r)
	if err != nil {
		return err
	}
	if size < 0 {
		return errS3("MissingContentLength", 411, "Content-Length is required")
	}
	if size > maxPartSize {
		return errS3("EntityTooLarge", 400, "part over %d bytes", int64(maxPartSize))
	}
	// Written aside and renamed, so a failed upload never leaves a short
	// part that a later Complete would accept.
	tmp, err := os.CreateTemp(dir, "incoming-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	sum := md5.New()
	got, err := io.Copy(io.MultiWriter(tmp, sum), io.LimitReader(body, size+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if got != size {
		return errS3("IncompleteBody", 400, "got %d of %d bytes", got, size)
	}
	etag := hex.EncodeToString(sum.Sum(nil))
	if m := r.Header.Get("Content-Md5"); m != "" {
		if want, err := hexOfBase64(m); err != nil || want != etag {
			return errS3("BadDigest", 400, "the Content-MD5 you specified did not match what we received")
		}
	}
	// A part and its ETag change together, also when a client sends the
	// same part number twice at once.
	h.mpMu.Lock()
	err = os.Rename(tmp.Name(), partFile(dir, n))
	if err == nil {
		err = os.WriteFile(partFile(dir, n)+".etag", []byte(etag), 0o600)
	}
	h.mpMu.Unlock()
	if err != nil {
		return err
	}
	w.Header().Set("ETag", `"`+etag+`"`)
	w.WriteHeader(http.StatusOK)
	return nil
}

type partInfo struct {
	n    int
	etag string
	size int64
	mod  time.Time
}

func readPart(dir string, n int) (partInfo, bool) {
	st, err := os.Stat(partFile(dir, n))
	if err != nil {
		return partInfo{}, false
	}
	etag, err := os.ReadFile(partFile(dir, n) + ".etag")
	if err != nil {
		return partInfo{}, false
	}
	return partInfo{n: n, etag: string(etag), size: st.Size(), mod: st.ModTime()}, true
}

func (h *s3Handler) completeUpload(w http.ResponseWriter, r *http.Request, sig *sigRequest, bucket, key, id string) error {
	dir, meta, err := h.upload(id, sig, bucket, key)
	if err != nil {
		return err
	}
	b, err := sig.readSmallBody(r, 1<<20)
	if err != nil {
		return err
	}
	var req completeRequest
	if err := xml.Unmarshal(b, &req); err != nil || len(req.Parts) == 0 {
		return errS3("MalformedXML", 400, "the XML you provided was not well-formed or did not list any parts")
	}
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	// Checked as S3 does: the order of the list, then each part's
	// presence and ETag, then the sizes.
	for i := 1; i < len(req.Parts); i++ {
		if req.Parts[i].PartNumber <= req.Parts[i-1].PartNumber {
			return errS3("InvalidPartOrder", 400, "parts must be listed in ascending order")
		}
	}
	readers, total, err := h.openParts(dir, req, &files)
	if err != nil {
		return err
	}
	obj, err := h.store.Put(r.Context(), bucket, key, io.MultiReader(readers...), total, meta.ContentType)
	if err != nil {
		return err
	}
	for _, f := range files {
		f.Close()
	}
	files = nil
	if err := os.RemoveAll(dir); err != nil {
		h.log.Warn("s3: multipart staging left behind", "upload", id, "err", err)
	}
	return writeXML(w, http.StatusOK, completeResult{XMLNS: s3NS, Location: "/" + bucket + "/" + key, Bucket: bucket, Key: key, ETag: `"` + obj.ETag + `"`})
}

// openParts checks the listed parts and opens them in order. It holds
// mpMu so no part is replaced while it is checked; the open files keep
// their content for the store's Put after that.
func (h *s3Handler) openParts(dir string, req completeRequest, files *[]*os.File) ([]io.Reader, int64, error) {
	h.mpMu.Lock()
	defer h.mpMu.Unlock()
	var total int64
	infos := make([]partInfo, len(req.Parts))
	for i, p := range req.Parts {
		info, ok := readPart(dir, p.PartNumber)
		if !ok || info.etag != strings.ToLower(strings.Trim(p.ETag, `"`)) {
			return nil, 0, errS3("InvalidPart", 400, "part %d was not uploaded or its ETag does not match", p.PartNumber)
		}
		infos[i] = info
	}
	readers := make([]io.Reader, 0, len(req.Parts))
	for i, info := range infos {
		if info.size < minPartSize && i < len(infos)-1 {
			return nil, 0, errS3("EntityTooSmall", 400, "part %d is %d bytes; all parts but the last must be at least %d", info.n, info.size, minPartSize)
		}
		f, err := os.Open(partFile(dir, info.n))
		if err != nil {
			return nil, 0, err
		}
		*files = append(*files, f)
		readers = append(readers, f)
		total += info.size
	}
	return readers, total, nil
}

func (h *s3Handler) listParts(w http.ResponseWriter, sig *sigRequest, bucket, key, id string) error {
	dir, _, err := h.upload(id, sig, bucket, key)
	if err != nil {
		return err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	out := listPartsResult{XMLNS: s3NS, Bucket: bucket, Key: key, UploadID: id, MaxParts: maxParts}
	var parts []partInfo
	for _, e := range ents {
		var n int
		if _, err := fmt.Sscanf(e.Name(), "part-%05d", &n); err != nil || strings.HasSuffix(e.Name(), ".etag") {
			continue
		}
		if p, ok := readPart(dir, n); ok {
			parts = append(parts, p)
		}
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].n < parts[j].n })
	for _, p := range parts {
		out.Parts = append(out.Parts, xmlPart{PartNumber: p.n, ETag: `"` + p.etag + `"`, Size: p.size, LastModified: p.mod.UTC().Format(isoMillis)})
	}
	return writeXML(w, http.StatusOK, out)
}

func hexOfBase64(s string) (string, error) {
	b, err := decodeBase64MD5(s)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

var errBadMD5 = errors.New("not a base64 MD5")

// decodeBase64MD5 reads a Content-MD5 header.
func decodeBase64MD5(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != md5.Size {
		return nil, errBadMD5
	}
	return b, nil
}

type initiateResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	XMLNS    string   `xml:"xmlns,attr"`
	Bucket   string
	Key      string
	UploadID string `xml:"UploadId"`
}

type completeRequest struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int
		ETag       string
	} `xml:"Part"`
}

type completeResult struct {
	XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
	XMLNS    string   `xml:"xmlns,attr"`
	Location string
	Bucket   string
	Key      string
	ETag     string
}

type xmlPart struct {
	PartNumber   int
	LastModified string
	ETag         string
	Size         int64
}

type listPartsResult struct {
	XMLName  xml.Name `xml:"ListPartsResult"`
	XMLNS    string   `xml:"xmlns,attr"`
	Bucket   string
	Key      string
	UploadID string `xml:"UploadId"`
	MaxParts int
	Parts    []xmlPart `xml:"Part"`
}
