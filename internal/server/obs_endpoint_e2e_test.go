package server_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	ocrmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/aisd/aisd/internal/admin"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/platform/obs"
	"github.com/aisd/aisd/internal/sdktest"
)

// The operator credential of the external store: the root key of the
// second aisd that plays it.
const (
	backAK = "AISDTESTBACKAK000001"
	backSK = "aisdTestBackSecretKey0000000000000000001"
)

// TestExternalObjectStore runs aisd with obs_endpoint set. The external
// store is another aisd's S3 API over TLS on loopback (its local store
// underneath), trusted through obs_ca_file. Objects uploaded through the
// first aisd's S3 API and with `aisd obs put` land there, prefixed and
// with their owner record, and OCR reads them back by obs:// and OBS
// https:// URLs; another project's, or nobody's, buckets stay unreadable.
func TestExternalObjectStore(t *testing.T) {
	ctx := context.Background()
	back := newEnv(t, func(c *aisdcfg.Config) { c.RootAK, c.RootSK, c.DSN = backAK, backSK, "memory:" })
	backS3 := httptest.NewTLSServer(back.s.S3Handler())
	t.Cleanup(backS3.Close)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: backS3.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	obsSettings := func(c *aisdcfg.Config) {
		c.OBSEndpoint, c.OBSAccessKey, c.OBSSecretKey = backS3.URL, backAK, backSK
		c.OBSRegion, c.OBSBucketPrefix, c.OBSCAFile = "cn-north-4", "tenant-a-", caFile
	}
	e := newEnv(t, obsSettings, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"} })
	requireModels(t, e)
	pid := e.s.Root.Project.ID
	if _, ok := e.s.OBS.(*obs.S3); !ok {
		t.Fatalf("object store is %T, want the S3 endpoint", e.s.OBS)
	}

	// 1. An ordinary S3 client uploads through aisd's S3 API.
	front := httptest.NewServer(e.s.S3Handler())
	t.Cleanup(front.Close)
	u, _ := url.Parse(front.URL)
	mc, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(rootAK, rootSK, ""), Region: "cn-north-4"})
	if err != nil {
		t.Fatal(err)
	}
	if err := mc.MakeBucket(ctx, "scans", minio.MakeBucketOptions{Region: "cn-north-4"}); err != nil {
		t.Fatal(err)
	}
	const fixture = "../services/ocr/testdata/zh_bold_plain.png"
	img, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mc.PutObject(ctx, "scans", "2026/zh_bold_plain.png", bytes.NewReader(img), int64(len(img)), minio.PutObjectOptions{ContentType: "image/png"}); err != nil {
		t.Fatal(err)
	}
	// It is in the external store, under the prefix, with the owner record.
	if st, err := back.s.OBS.Stat(ctx, "tenant-a-scans", "2026/zh_bold_plain.png"); err != nil || st.Size != int64(len(img)) || st.ContentType != "image/png" {
		t.Fatalf("external store: %+v, %v", st, err)
	}
	if got := readObject(t, back.s.OBS, "tenant-a-scans", ".aisd/owner"); got != pid {
		t.Fatalf("owner record %q, want %s", got, pid)
	}
	if _, err := os.Stat(filepath.Join(e.s.Config.DataDir, "obs")); !os.IsNotExist(err) {
		t.Fatalf("data_dir/obs exists (%v): the local store was opened too", err)
	}

	// 2. `aisd obs put`, with the same settings in a config file.
	cfgFile := filepath.Join(dir, "aisd.yaml")
	yaml := "obs_endpoint: " + backS3.URL + "\nobs_access_key: " + backAK + "\nobs_secret_key: " + backSK +
		"\nobs_region: cn-north-4\nobs_bucket_prefix: tenant-a-\nobs_ca_file: " + caFile + "\n"
	if err := os.WriteFile(cfgFile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := runOBS(t, "--config", cfgFile, "put", "--project", pid, "cli-scans/page.png", fixture); err != nil {
		t.Fatalf("aisd obs put: %v %s", err, out)
	}
	if _, err := back.s.OBS.Stat(ctx, "tenant-a-cli-scans", "page.png"); err != nil {
		t.Fatalf("aisd obs put did not reach the external store: %v", err)
	}
	out, err := runOBS(t, "--config", cfgFile, "ls")
	if err != nil || !regexp.MustCompile(`(?m)^cli-scans\s+`+pid+`\s.*\n^scans\s+`+pid+`\s`).MatchString(out) {
		t.Fatalf("aisd obs ls = %q, %v", out, err)
	}

	// 3. OCR reads both, by either URL form.
	want := "欢迎使用文字识别服务|今天天气很好，适合出门散步。"
	cli := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, pid)
	for _, ref := range []string{
		"obs://scans/2026/zh_bold_plain.png",
		"https://scans.obs.cn-north-4.myhuaweicloud.com/2026/zh_bold_plain.png",
		"obs://cli-scans/page.png",
	} {
		resp, err := cli.RecognizeGeneralText(&ocrmodel.RecognizeGeneralTextRequest{Body: &ocrmodel.GeneralTextRequestBody{Url: &ref}})
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		var got []string
		for _, w := range resp.Result.WordsBlockList {
			got = append(got, w.Words)
		}
		if strings.Join(got, "|") != want {
			t.Fatalf("%s: read %q", ref, got)
		}
	}

	// 4. What may not be read is not: a missing key, a bucket of the
	// external store that aisd did not create (no owner record), and —
	// for another account's project, subscribed and with the agency —
	// the root project's bucket.
	if err := back.s.OBS.CreateBucket(ctx, back.s.Root.Project.ID, "tenant-a-foreign"); err != nil {
		t.Fatal(err)
	}
	if _, err := back.s.OBS.Put(ctx, "tenant-a-foreign", "page.png", bytes.NewReader(img), int64(len(img)), "image/png"); err != nil {
		t.Fatal(err)
	}
	acct := tenant(t, e)
	adm := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	if err := adm.Do(ctx, "PUT", "/v1/admin/projects/"+acct.projectID+"/subscriptions/ocr.general-text", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := adm.Do(ctx, "PUT", "/v1/admin/projects/"+acct.projectID+"/agencies/ocr.general-text", nil, map[string]any{"granted": true}, nil); err != nil {
		t.Fatal(err)
	}
	other := sdktest.OCR(t, e.srv.URL, acct.ak, acct.sk, acct.projectID)
	for _, c := range []struct {
		name, ref, code string
		cli             interface {
			RecognizeGeneralText(*ocrmodel.RecognizeGeneralTextRequest) (*ocrmodel.RecognizeGeneralTextResponse, error)
		}
	}{
		{"missing key", "obs://scans/2026/nope.png", "ModelArts.4706", cli},
		{"missing bucket", "obs://nothing-here/a.png", "ModelArts.4706", cli},
		{"nobody's bucket", "obs://foreign/page.png", "ModelArts.4704", cli},
		{"another project's bucket", "obs://scans/2026/zh_bold_plain.png", "ModelArts.4704", other},
	} {
		ref := c.ref
		_, err := c.cli.RecognizeGeneralText(&ocrmodel.RecognizeGeneralTextRequest{Body: &ocrmodel.GeneralTextRequestBody{Url: &ref}})
		if se := sdktest.ErrOf(t, err); se.StatusCode != 400 || se.ErrorCode != c.code {
			t.Errorf("%s: %d %s %q, want 400 %s", c.name, se.StatusCode, se.ErrorCode, se.ErrorMessage, c.code)
		}
	}
	// Nor written: the other account's S3 client is refused the bucket.
	oc, _ := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(acct.ak, acct.sk, ""), Region: "cn-north-4"})
	_, err = oc.PutObject(ctx, "scans", "x.png", bytes.NewReader(img), int64(len(img)), minio.PutObjectOptions{})
	if code := minio.ToErrorResponse(err).Code; code != "AccessDenied" {
		t.Errorf("other account's upload into scans: %v", err)
	}
	if bs, err := oc.ListBuckets(ctx); err != nil || len(bs) != 0 {
		t.Errorf("other account lists %+v, %v", bs, err)
	}
}

func runOBS(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := obs.Command()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func readObject(t *testing.T, s obs.Store, bucket, key string) string {
	t.Helper()
	rc, _, err := s.Get(context.Background(), bucket, key)
	if err != nil {
		t.Fatalf("%s/%s: %v", bucket, key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
