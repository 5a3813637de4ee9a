package ocr_test

import (
	"encoding/base64"
	"image"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/platform/imagecheck/imagechecktest"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/services/ocr/pipeline/groundtruth"
)

func page(t *testing.T, fontName string, size float64, lines ...string) image.Image {
	t.Helper()
	img, err := groundtruth.Page(fontName, size, lines...)
	if err != nil {
		t.Skip(err)
	}
	return img
}

func b64(img image.Image) *string {
	s := base64.StdEncoding.EncodeToString(imagechecktest.PNG(img, 1))
	return &s
}

func ptr[T any](v T) *T { return &v }

func words(r *model.GeneralTextResult) []string {
	var out []string
	for _, b := range r.WordsBlockList {
		out = append(out, b.Words)
	}
	return out
}

func squash(s string) []rune {
	var out []rune
	for _, r := range s {
		if !unicode.IsSpace(r) {
			out = append(out, r)
		}
	}
	return out
}

// TestDirectionWithoutDetection: without detect_direction the answer
// carries "direction": -1, as the SDK's field documents (absent would
// decode as 0, "upright").
func TestDirectionWithoutDetection(t *testing.T) {
	cli := client(t)
	img := page(t, "dejavu-sans", 30, "Invoice No. 2024-0815")
	for _, dd := range []*bool{nil, ptr(false)} {
		resp, err := cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: b64(img), DetectDirection: dd}})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Result.Direction != -1 {
			t.Errorf("detect_direction %v: direction %v, want -1", dd, resp.Result.Direction)
		}
	}
	resp, err := cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: b64(img), DetectDirection: ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Result.Direction != 0 {
		t.Errorf("upright page with detect_direction: direction %v, want 0", resp.Result.Direction)
	}
}

// TestTurnedPage: a page turned a quarter, a half or three quarters
// counter-clockwise answers that turn as direction, and its lines come
// back in the upright page's reading order with its text.
func TestTurnedPage(t *testing.T) {
	cli := client(t)
	lines := []string{"Meeting moved to Room 4B", "Batch 7781 passed control", "Visit our store today"}
	up := page(t, "dejavu-sans", 28, lines...)
	for _, turn := range []int{90, 180, 270} {
		t.Run(strings.Repeat("q", turn/90), func(t *testing.T) {
			img := groundtruth.Turn(up, turn)
			for _, dd := range []bool{true, false} {
				resp, err := cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: b64(img), DetectDirection: ptr(dd)}})
				if err != nil {
					t.Fatal(err)
				}
				want := float32(turn)
				if !dd {
					want = -1
				}
				if resp.Result.Direction != want {
					t.Errorf("detect_direction %v: direction %v, want %v", dd, resp.Result.Direction, want)
				}
				got := words(resp.Result)
				if e := pipeline.CER(squash(strings.Join(got, "\n")), squash(strings.Join(lines, "\n"))); e > 0.05 {
					t.Errorf("detect_direction %v: reads %q (CER %.3f), want %q in this order", dd, got, e, lines)
				}
				// Boxes stay in the turned image's frame.
				b := img.Bounds()
				for _, blk := range resp.Result.WordsBlockList {
					for _, p := range blk.Location {
						if p[0] < 0 || p[1] < 0 || int(p[0]) > b.Dx() || int(p[1]) > b.Dy() {
							t.Errorf("%q: point %v outside the %dx%d image", blk.Words, p, b.Dx(), b.Dy())
						}
					}
				}
			}
		})
	}
}

// TestSpaceBetweenWords: the space between two English words is read, not
// dropped ("PAGE TWO", not "PAGETWO"), and no space is invented inside
// Chinese text.
func TestSpaceBetweenWords(t *testing.T) {
	cli := client(t)
	for _, c := range []struct {
		font, text string
	}{
		{"dejavu-sans", "PAGE TWO OF THE REPORT"},
		{"dejavu-serif", "Call us at 800 555 0199 today"},
		{"dejavu-mono", "ERROR AIS.0104 image quality"},
		{"noto-sans-sc", "今天天气很好，适合出门散步。"},
	} {
		resp, err := cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: b64(page(t, c.font, 30, c.text))}})
		if err != nil {
			t.Fatal(err)
		}
		// The words and the spaces between them; a monospaced O may read
		// as 0, which is the recogniser's and not this test's business.
		got := strings.Join(words(resp.Result), " ")
		gw, ww := strings.Split(got, " "), strings.Split(c.text, " ")
		same := len(gw) == len(ww)
		for i := 0; same && i < len(gw); i++ {
			same = len([]rune(gw[i])) == len([]rune(ww[i]))
		}
		if !same || pipeline.CER([]rune(got), []rune(c.text)) > 0.1 {
			t.Errorf("%s: reads %q, want %q", c.font, got, c.text)
		}
	}
}

// TestQuickModeSingleLine: quick_mode reads a one-line image whole (one
// block spanning the text), and an image of several lines as the full
// pipeline does.
func TestQuickModeSingleLine(t *testing.T) {
	cli := client(t)
	one := page(t, "noto-sans-sc", 32, "北京市海淀区中关村大街27号")
	resp, err := cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: b64(one), QuickMode: ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := words(resp.Result); len(got) != 1 || got[0] != "北京市海淀区中关村大街27号" {
		t.Errorf("quick_mode on one line reads %q", got)
	}
	if resp.Result.Direction != -1 {
		t.Errorf("quick_mode without detect_direction: direction %v", resp.Result.Direction)
	}
	multi := page(t, "noto-sans-sc", 32, "欢迎使用文字识别服务", "人工智能让生活更美好")
	full, err := cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: b64(multi)}})
	if err != nil {
		t.Fatal(err)
	}
	quick, err := cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: b64(multi), QuickMode: ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if toJSON(quick.Result) != toJSON(full.Result) || len(full.Result.WordsBlockList) != 2 {
		t.Errorf("quick_mode on two lines:\n got %s\nwant %s", toJSON(quick.Result), toJSON(full.Result))
	}
	// Upside down, quick_mode with detect_direction runs the classifier.
	turned := groundtruth.Turn(one, 180)
	resp, err = cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: b64(turned), QuickMode: ptr(true), DetectDirection: ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := words(resp.Result); len(got) != 1 || got[0] != "北京市海淀区中关村大街27号" || resp.Result.Direction != 180 {
		t.Errorf("quick_mode upside down reads %q, direction %v", got, resp.Result.Direction)
	}
}

// TestCharacterMode: character_mode lists each character of a block with
// a box inside the block's; without it there is no char_list.
func TestCharacterMode(t *testing.T) {
	cli := client(t)
	img := page(t, "noto-sans-sc", 32, "价格：99元")
	for _, on := range []bool{true, false} {
		resp, err := cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: b64(img), CharacterMode: ptr(on)}})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Result.WordsBlockList) != 1 {
			t.Fatalf("blocks %q", words(resp.Result))
		}
		blk := resp.Result.WordsBlockList[0]
		if !on {
			if blk.CharList != nil {
				t.Errorf("char_list without character_mode: %s", toJSON(blk.CharList))
			}
			continue
		}
		var chars []string
		lastX := int32(-1)
		for _, c := range blk.CharList {
			chars = append(chars, *c.Char)
			loc := *c.CharLocation
			if len(loc) != 4 || loc[0][0] < blk.Location[0][0]-2 || loc[1][0] > blk.Location[1][0]+2 || loc[0][0] < lastX {
				t.Errorf("char %q at %v in block %v", *c.Char, loc, blk.Location)
			}
			lastX = loc[0][0]
			if *c.CharConfidence <= 0 || *c.CharConfidence > 1 {
				t.Errorf("char %q confidence %v", *c.Char, *c.CharConfidence)
			}
		}
		if strings.Join(chars, "") != blk.Words {
			t.Errorf("chars %q, words %q", chars, blk.Words)
		}
	}
}

// TestSingleOrientationMode: with single_orientation_mode every line of an
// upside-down page is read upside down, so the text reads right.
func TestSingleOrientationMode(t *testing.T) {
	cli := client(t)
	lines := []string{"欢迎使用文字识别服务", "PAGE TWO OF THE REPORT", "第12页"}
	img := groundtruth.Turn(page(t, "noto-sans-sc", 30, lines...), 180)
	resp, err := cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: b64(img), SingleOrientationMode: ptr(true), DetectDirection: ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := words(resp.Result); strings.Join(got, "\n") != strings.Join(lines, "\n") || resp.Result.Direction != 180 {
		t.Errorf("reads %q, direction %v; want %q, 180", got, resp.Result.Direction, lines)
	}
}

// TestMarkdownResult: return_markdown_result joins the blocks of a row
// with a tab and rows with a newline, as the SDK documents; without it
// the field is absent.
func TestMarkdownResult(t *testing.T) {
	cli := client(t)
	img := page(t, "dejavu-sans", 28, "Name\tAmount", "Total\t128.50")
	resp, err := cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: b64(img), ReturnMarkdownResult: ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if md := resp.Result.MarkdownResult; md == nil || *md != "Name\tAmount\nTotal\t128.50" {
		t.Errorf("markdown_result %s (blocks %q)", toJSON(md), words(resp.Result))
	}
	// The same page turned a quarter: its rows are still the text's rows.
	resp, err = cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: b64(groundtruth.Turn(img, 90)), ReturnMarkdownResult: ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if md := resp.Result.MarkdownResult; md == nil || *md != "Name\tAmount\nTotal\t128.50" {
		t.Errorf("turned page: markdown_result %s (blocks %q)", toJSON(md), words(resp.Result))
	}
	resp, err = cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: b64(img)}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Result.MarkdownResult != nil {
		t.Errorf("markdown_result without asking: %q", *resp.Result.MarkdownResult)
	}
}

// TestLanguages: zh, en and auto are read by the installed recogniser;
// any other documented language is refused as an invalid parameter, not
// answered with a Chinese/English reading.
func TestLanguages(t *testing.T) {
	cli := client(t)
	img := page(t, "dejavu-sans", 30, "Invoice No. 2024-0815")
	for _, lang := range []string{"zh", "en", "auto"} {
		if _, err := cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: b64(img), Language: ptr(lang)}}); err != nil {
			t.Errorf("language %s: %v", lang, err)
		}
	}
	for _, lang := range []string{"fr", "ja", "ru", "ar", "xx"} {
		_, err := cli.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{Body: &model.GeneralTextRequestBody{Image: b64(img), Language: ptr(lang)}})
		sdktest.WantCode(t, err, http.StatusBadRequest, "AIS.0101")
	}
}

// TestDetectFontRefused: web-image's detect_font has no font classifier
// behind it, so it is refused as an invalid parameter; without it the
// call reads the image.
func TestDetectFontRefused(t *testing.T) {
	cli := client(t)
	img := page(t, "dejavu-sans", 30, "Invoice No. 2024-0815")
	_, err := cli.RecognizeWebImage(&model.RecognizeWebImageRequest{Body: &model.WebImageRequestBody{Image: b64(img), DetectFont: ptr(true)}})
	sdktest.WantCode(t, err, http.StatusBadRequest, "AIS.0101")
	resp, err := cli.RecognizeWebImage(&model.RecognizeWebImageRequest{Body: &model.WebImageRequestBody{Image: b64(img), DetectFont: ptr(false)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Result.WordsBlockList) != 1 || *resp.Result.WordsBlockList[0].Words != "Invoice No. 2024-0815" {
		t.Errorf("reads %s", toJSON(resp.Result.WordsBlockList))
	}
	if resp.Result.WordsBlockList[0].FontList != nil {
		t.Errorf("font_list without detect_font")
	}
}

// TestHandwritingCharSet: char_set keeps only the characters of the set
// (digits here), typing all-digit blocks "number"; an unknown set is an
// invalid parameter.
func TestHandwritingCharSet(t *testing.T) {
	cli := client(t)
	img := page(t, "dejavu-sans", 30, "Room 4B at 3 pm", "Batch 7781")
	resp, err := cli.RecognizeHandwriting(&model.RecognizeHandwritingRequest{Body: &model.HandwritingRequestBody{Image: b64(img), CharSet: ptr("digit")}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range resp.Result.WordsBlockList {
		got = append(got, *b.Words)
		if *b.Type != "number" {
			t.Errorf("block %q typed %q", *b.Words, *b.Type)
		}
	}
	if strings.Join(got, "|") != "43|7781" {
		t.Errorf("digit char_set reads %q, want [43 7781]", got)
	}
	_, err = cli.RecognizeHandwriting(&model.RecognizeHandwritingRequest{Body: &model.HandwritingRequestBody{Image: b64(img), CharSet: ptr("kanji")}})
	sdktest.WantCode(t, err, http.StatusBadRequest, "AIS.0101")
}
