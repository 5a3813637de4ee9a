package imagerec_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2/model"

	"github.com/aisd/aisd/internal/platform/imagecheck/imagechecktest"
)

// TestEXIFOrientation: darknet's dog photo stored turned, with the EXIF
// orientation that says so, is tagged as the upright photo is — in PNG
// (eXIf) and WebP (EXIF chunk), which decode to exactly the upright
// pixels, so the whole answer, boxes included, is the upright one's. TIFF
// carries its orientation too, but the image APIs do not take TIFF (their
// published formats are JPEG, PNG, BMP, WEBP): it is refused as a format.
func TestEXIFOrientation(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(darknetData, "dog.jpg"))
	if err != nil {
		t.Skipf("darknet sample images not installed (apt-get install darknet): %v", err)
	}
	up, err := jpeg.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	cli := serve(t, real(t))
	tag := func(t *testing.T, data []byte) *model.RunImageTaggingResponse {
		t.Helper()
		b64 := base64.StdEncoding.EncodeToString(data)
		resp, err := cli.RunImageTagging(&model.RunImageTaggingRequest{Body: &model.ImageTaggingReq{
			Image: &b64, Language: ptr("en"), Threshold: ptr(float32(30))}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	want := toJSON(tag(t, imagechecktest.PNG(up, 1)).Result)
	if toJSON(tag(t, imagechecktest.PNG(imagechecktest.Stored(up, 6), 1)).Result) == want {
		t.Fatal("the turned pixels, read unturned, tag as the upright ones: this test could not tell")
	}
	for _, c := range []struct {
		name   string
		encode func(image.Image, uint16) []byte
		o      int
	}{
		{"png/6", imagechecktest.PNG, 6},
		{"png/3", imagechecktest.PNG, 3},
		{"webp/8", imagechecktest.WebP, 8},
		{"webp/5", imagechecktest.WebP, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := tag(t, c.encode(imagechecktest.Stored(up, c.o), uint16(c.o)))
			if got := toJSON(resp.Result); got != want {
				t.Fatalf("orientation %d:\n got %s\nwant %s", c.o, got, want)
			}
			dog, ok := tagNames(*resp.Result.Tags)["Dog"]
			if !ok || len(*dog.Instances) == 0 {
				t.Fatalf("no dog box: %s", toJSON(resp.Result))
			}
			// In the upright 768×576 frame the dog sits lower left.
			bb := (*dog.Instances)[0].BoundingBox
			if cx, cy := *bb.TopLeftX+*bb.Width/2, *bb.TopLeftY+*bb.Height/2; cx > 384 || cy < 288 {
				t.Errorf("dog box centre (%.0f,%.0f) not lower left", cx, cy)
			}
		})
	}
	t.Run("tiff refused", func(t *testing.T) {
		b64 := base64.StdEncoding.EncodeToString(imagechecktest.TIFF(imagechecktest.Stored(up, 6), 6))
		_, err := cli.RunImageTagging(&model.RunImageTaggingRequest{Body: &model.ImageTaggingReq{Image: &b64}})
		var se *sdkerr.ServiceResponseError
		if !errors.As(err, &se) || se.StatusCode != 400 || se.ErrorCode != "AIS.0502" {
			t.Fatalf("tiff: got %v, want 400 AIS.0502", err)
		}
	})
}
