package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"go/build"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	modmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/aisd/aisd/internal/admin"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/services/ocr/template/templatetest"
)

// textPicture renders lines in Noto Sans CJK (Debian's fonts-noto-cjk),
// dark on a light background, one line per 70 pixels.
func textPicture(t *testing.T, lines ...string) *image.RGBA {
	t.Helper()
	f, err := templatetest.Font()
	if errors.Is(err, templatetest.ErrNoFont) {
		t.Skip("Noto Sans CJK not installed (fonts-noto-cjk): the text is drawn with it")
	}
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 40, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	img := image.NewRGBA(image.Rect(0, 0, 720, 60+70*len(lines)))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{248, 246, 240, 255}), image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.RGBA{25, 25, 35, 255}), Face: face}
	for i, l := range lines {
		d.Dot = fixed.P(40, 75+70*i)
		d.DrawString(l)
	}
	return img
}

// withQR draws a QR code of content (gozxing's encoder) at (x, y), size
// pixels wide, on a white margin, and returns the code's box.
func withQR(t *testing.T, img *image.RGBA, content string, x, y, size int) image.Rectangle {
	t.Helper()
	m, err := qrcode.NewQRCodeWriter().Encode(content, gozxing.BarcodeFormat_QR_CODE, size, size, nil)
	if err != nil {
		t.Fatal(err)
	}
	ink := image.Rectangle{Min: image.Pt(size, size)}
	for j := 0; j < m.GetHeight(); j++ {
		for i := 0; i < m.GetWidth(); i++ {
			c := color.RGBA{255, 255, 255, 255}
			if m.Get(i, j) {
				c = color.RGBA{0, 0, 0, 255}
				ink.Min.X, ink.Min.Y = min(ink.Min.X, i), min(ink.Min.Y, j)
				ink.Max.X, ink.Max.Y = max(ink.Max.X, i+1), max(ink.Max.Y, j+1)
			}
			img.Set(x+i, y+j, c)
		}
	}
	return ink.Add(image.Pt(x, y))
}

func blank(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{235, 240, 245, 255}), image.Point{}, draw.Src)
	return img
}

func pngB64(t *testing.T, img image.Image) string {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

// xImagePhoto reads a photograph from golang.org/x/image's testdata in
// the module cache (the module is a dependency, so it is there wherever
// the tests build).
func xImagePhoto(t *testing.T, name string) string {
	t.Helper()
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		cache = filepath.Join(build.Default.GOPATH, "pkg", "mod")
	}
	dirs, _ := filepath.Glob(filepath.Join(cache, "golang.org", "x", "image@*"))
	if len(dirs) == 0 {
		t.Skip("golang.org/x/image not in the module cache: its testdata photographs are read from there")
	}
	raw, err := os.ReadFile(filepath.Join(dirs[len(dirs)-1], "testdata", name))
	if err != nil {
		t.Skipf("golang.org/x/image testdata: %v", err)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

func imageTextReq(b64 string, cats []string, black, white []string) *modmodel.CheckImageModerationRequest {
	ev := "album"
	body := &modmodel.ImageDetectionReq{EventType: &ev, Categories: &cats, Image: &b64}
	if black != nil || white != nil {
		body.ImageTextConfig = &modmodel.ImgTextConfig{}
		if black != nil {
			body.ImageTextConfig.BlackGlossaryNames = &black
		}
		if white != nil {
			body.ImageTextConfig.WhiteGlossaryNames = &white
		}
	}
	return &modmodel.CheckImageModerationRequest{Body: body}
}

// detail returns the first detail with label, or fails.
func detailWith(t *testing.T, r *modmodel.ImageDetectionResult, label string) modmodel.ImageDetectionResultDetail {
	t.Helper()
	for _, d := range *r.Details {
		if d.Label != nil && *d.Label == label {
			return d
		}
	}
	t.Fatalf("no %s detail in %s", label, describe(r))
	return modmodel.ImageDetectionResultDetail{}
}

func describe(r *modmodel.ImageDetectionResult) string {
	var b strings.Builder
	b.WriteString("suggestion " + *r.Suggestion)
	if r.OcrText != nil {
		b.WriteString(" ocr_text " + *r.OcrText)
	}
	for _, d := range *r.Details {
		b.WriteString(" [" + d.Category + " " + d.Suggestion)
		if d.Label != nil {
			b.WriteString(" " + *d.Label)
		}
		if d.QrContent != nil {
			b.WriteString(" qr " + *d.QrContent)
		}
		if d.Segments != nil {
			for _, s := range *d.Segments {
				b.WriteString(" «" + *s.Segment + "»")
			}
		}
		b.WriteString("]")
	}
	return b.String()
}

func segmentTexts(d modmodel.ImageDetectionResultDetail) []string {
	var out []string
	if d.Segments != nil {
		for _, s := range *d.Segments {
			out = append(out, *s.Segment)
		}
	}
	return out
}

// TestSDKImageText: image_text reads rendered text with the OCR engine and
// QR codes with gozxing and moderates both as text, with the project's
// glossaries; photographs pass.
func TestSDKImageText(t *testing.T) {
	srvImg := map[string][]byte{}
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := srvImg[r.URL.Path]; ok {
			w.Write(b)
			return
		}
		http.NotFound(w, r)
	}))
	defer files.Close()
	e := newEnv(t, func(c *aisdcfg.Config) {
		c.Engines = []string{"ocr", "moderation"}
		c.FetchAllowCIDRs = []string{"127.0.0.0/8"}
	})
	requireModels(t, e)
	pid := e.s.Root.Project.ID
	cli := sdktest.Moderation(t, e.srv.URL, rootAK, rootSK, pid)
	ctx := context.Background()
	adm := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	base := "/v1/admin/projects/" + pid + "/glossaries"
	if err := adm.Do(ctx, "POST", base, nil, map[string]any{"name": "rivals", "suggestion": "review", "words": []string{"星河优选"}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := adm.Do(ctx, "POST", base, nil, map[string]any{"name": "brands", "type": "white", "words": []string{"麻古茶饮"}}, nil); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, req *modmodel.CheckImageModerationRequest) *modmodel.ImageDetectionResult {
		t.Helper()
		resp, err := cli.CheckImageModeration(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.RequestId == nil || *resp.RequestId == "" || resp.Result == nil || resp.Result.Suggestion == nil || resp.Result.Details == nil {
			t.Fatalf("%+v", resp)
		}
		return resp.Result
	}
	textOnly := []string{"image_text"}

	t.Run("violating text is caught with its segments", func(t *testing.T) {
		r := check(t, imageTextReq(pngB64(t, textPicture(t, "本店出售冰毒，货到付款", "联系我们")), textOnly, nil, nil))
		if *r.Suggestion != "block" || r.Category == nil || *r.Category != "image_text" || r.OcrText == nil || !strings.Contains(*r.OcrText, "冰毒") {
			t.Fatalf("%s", describe(r))
		}
		d := detailWith(t, r, "ban")
		if d.Category != "image_text" || d.Suggestion != "block" || d.Confidence <= 0 || d.Confidence > 1 || d.QrContent != nil || d.QrLocation != nil {
			t.Fatalf("%s", describe(r))
		}
		if segs := segmentTexts(d); len(segs) == 0 || !strings.Contains(strings.Join(segs, "|"), "冰毒") {
			t.Fatalf("segments %q", segs)
		}
	})
	t.Run("innocent text passes with its ocr_text", func(t *testing.T) {
		r := check(t, imageTextReq(pngB64(t, textPicture(t, "今天天气很好", "我们去公园散步")), textOnly, nil, nil))
		if *r.Suggestion != "pass" || r.Category != nil || len(*r.Details) != 0 || r.OcrText == nil || !strings.Contains(*r.OcrText, "公园") {
			t.Fatalf("%s", describe(r))
		}
	})
	t.Run("a link in a QR code is an ad", func(t *testing.T) {
		img := blank(640, 480)
		box := withQR(t, img, "https://cheap-deals.example.com/buy?id=42", 200, 120, 240)
		r := check(t, imageTextReq(pngB64(t, img), textOnly, nil, nil))
		if *r.Suggestion == "pass" || *r.Category != "image_text" {
			t.Fatalf("%s", describe(r))
		}
		d := detailWith(t, r, "ad")
		if d.QrContent == nil || *d.QrContent != "https://cheap-deals.example.com/buy?id=42" || d.QrLocation == nil {
			t.Fatalf("%s", describe(r))
		}
		l := d.QrLocation
		const tol = 12 // pixels: the box comes from the finder patterns' centres and module size
		for _, c := range [][2]int{{int(*l.TopLeftX), box.Min.X}, {int(*l.TopLeftY), box.Min.Y}, {int(*l.BottomRightX), box.Max.X}, {int(*l.BottomRightY), box.Max.Y}} {
			if c[0] < c[1]-tol || c[0] > c[1]+tol {
				t.Fatalf("qr_location %d,%d-%d,%d, code drawn at %v", *l.TopLeftX, *l.TopLeftY, *l.BottomRightX, *l.BottomRightY, box)
			}
		}
		if segs := segmentTexts(d); len(segs) != 1 || !strings.Contains(segs[0], "cheap-deals.example.com") {
			t.Fatalf("segments %q", segs)
		}
	})
	t.Run("a contact in a QR code is blocked, beside text", func(t *testing.T) {
		img := textPicture(t, "扫码领取优惠", "", "", "", "")
		withQR(t, img, "加微信 dealsvip888 领券", 420, 120, 220)
		r := check(t, imageTextReq(pngB64(t, img), textOnly, nil, nil))
		if *r.Suggestion != "block" || r.OcrText == nil || !strings.Contains(*r.OcrText, "优惠") {
			t.Fatalf("%s", describe(r))
		}
		if d := detailWith(t, r, "ad"); d.Suggestion != "block" || d.QrContent == nil || *d.QrContent != "加微信 dealsvip888 领券" {
			t.Fatalf("%s", describe(r))
		}
	})
	t.Run("a QR code of harmless text passes", func(t *testing.T) {
		img := blank(400, 400)
		withQR(t, img, "欢迎光临本店", 80, 80, 240)
		if r := check(t, imageTextReq(pngB64(t, img), textOnly, nil, nil)); *r.Suggestion != "pass" || len(*r.Details) != 0 {
			t.Fatalf("%s", describe(r))
		}
	})
	t.Run("black and white glossaries of image_text_config", func(t *testing.T) {
		pic := pngB64(t, textPicture(t, "星河优选限时抢购", "麻古茶饮新品上市"))
		r := check(t, imageTextReq(pic, textOnly, []string{"rivals"}, nil))
		d := detailWith(t, r, "customized")
		if d.Suggestion != "review" || d.Segments == nil || len(*d.Segments) != 1 || *(*d.Segments)[0].Segment != "星河优选" ||
			(*d.Segments)[0].GlossaryName == nil || *(*d.Segments)[0].GlossaryName != "rivals" {
			t.Fatalf("%s", describe(r))
		}
		detailWith(t, r, "ban") // the lexicon's 麻古 inside the brand name
		r = check(t, imageTextReq(pic, textOnly, []string{"rivals"}, []string{"brands"}))
		if *r.Suggestion != "review" || len(*r.Details) != 1 || *(*r.Details)[0].Label != "customized" {
			t.Fatalf("with the white glossary: %s", describe(r))
		}
		for _, req := range []*modmodel.CheckImageModerationRequest{
			imageTextReq(pic, textOnly, []string{"nope"}, nil),
			imageTextReq(pic, textOnly, nil, []string{"rivals"}), // a black glossary named as white
		} {
			_, err := cli.CheckImageModeration(req)
			sdktest.WantCode(t, err, 400, "AIS.0401")
		}
	})
	t.Run("photographs pass", func(t *testing.T) {
		for _, name := range []string{"yellow_rose.png", "video-001.png"} {
			r := check(t, imageTextReq(xImagePhoto(t, name), []string{"porn", "image_text"}, nil, nil))
			if *r.Suggestion != "pass" || len(*r.Details) != 0 {
				t.Fatalf("%s: %s", name, describe(r))
			}
		}
	})
	t.Run("batch reports ocr_text and details per item", func(t *testing.T) {
		var b bytes.Buffer
		png.Encode(&b, textPicture(t, "本店出售冰毒，货到付款"))
		srvImg["/bad.png"] = b.Bytes()
		ev := "album"
		resp, err := cli.BatchCheckImageSync(&modmodel.BatchCheckImageSyncRequest{Body: &modmodel.ImageBatchSyncReq{
			EventType: &ev, Categories: &textOnly,
			Urls: []modmodel.ImageBatchSyncReqUrls{{Url: files.URL + "/bad.png", DataId: "bad"}, {Url: files.URL + "/gone.png", DataId: "gone"}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		rs := *resp.Results
		if len(rs) != 2 || *rs[0].Suggestion != "block" || *rs[0].Category != "image_text" || rs[0].OcrText == nil || !strings.Contains(*rs[0].OcrText, "冰毒") {
			t.Fatalf("%+v", rs)
		}
		if rs[1].ErrorCode == nil || *rs[1].ErrorCode != "AIS.0029" || rs[1].OcrText != nil {
			t.Fatalf("%+v", rs[1])
		}
	})
}
