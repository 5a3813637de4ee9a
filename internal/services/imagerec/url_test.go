package imagerec_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2/model"

	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/services/imagerec"
)

// TestURLInput feeds the image by url from a loopback file server the
// operator allowed, and checks that a url outside the allow-list is
// refused with the family's url code.
func TestURLInput(t *testing.T) {
	png, err := base64.StdEncoding.DecodeString(pngB64(t, 200, 100))
	if err != nil {
		t.Fatal(err)
	}
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/photo.png" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(png)
	}))
	defer files.Close()

	fetch := input.NewFetcher(input.FetcherOptions{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	svc := imagerec.New(fakeDetections(), cocoLabels(t), input.New(input.Options{Fetcher: fetch}))
	cli := serve(t, svc)

	resp, err := cli.RunImageTagging(&model.RunImageTaggingRequest{Body: &model.ImageTaggingReq{Url: ptr(files.URL + "/photo.png"), Language: ptr("en")}})
	if err != nil {
		t.Fatal(err)
	}
	if tags := *resp.Result.Tags; len(tags) != 2 || *tags[0].Tag != "Dog" {
		t.Fatalf("tags by url %s", toJSON(tags))
	}

	cases := []struct{ name, url, code string }{
		{"missing file", files.URL + "/gone.png", "AIS.0029"},
		{"not allowed", "http://10.0.0.1/photo.png", "AIS.0022"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := cli.RunImageTagging(&model.RunImageTaggingRequest{Body: &model.ImageTaggingReq{Url: &c.url}})
			if se := sdktest.ErrOf(t, err); se.ErrorCode != c.code {
				t.Fatalf("got %+v, want %s", se, c.code)
			}
		})
	}
}
