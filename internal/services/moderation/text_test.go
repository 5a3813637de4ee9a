package moderation_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/sdktest"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"
)

func textReq(text string, cats ...string) *model.RunTextModerationRequest {
	b := &model.TextDetectionReq{EventType: ptr("comment"), Data: &model.TextDetectionDataReq{Text: text}}
	if len(cats) > 0 {
		b.Categories = &cats
	}
	return &model.RunTextModerationRequest{Body: b}
}

func TestSDKTextModeration(t *testing.T) {
	e := newEnv(t, envOpts{})
	t.Run("planted terms are found and located", func(t *testing.T) {
		resp, err := e.cli.RunTextModeration(textReq("大家好，这里出售冰毒，另有黄片，加微信 abc_12345"))
		if err != nil {
			t.Fatal(err)
		}
		if resp.RequestId == nil || *resp.RequestId == "" {
			t.Fatal("no request_id")
		}
		r := resp.Result
		if *r.Suggestion != "block" || r.Details == nil || len(*r.Details) != 3 {
			t.Fatalf("%s %+v", *r.Suggestion, r.Details)
		}
		got := map[string][2]int32{}
		for _, d := range *r.Details {
			if *d.Suggestion != "block" || *d.Confidence <= 0 || *d.Confidence > 1 || len(*d.Segments) != 1 {
				t.Fatalf("detail %s: %s %v %+v", *d.Label, *d.Suggestion, *d.Confidence, d.Segments)
			}
			sg := (*d.Segments)[0]
			p := *sg.Position
			got[*d.Label+":"+*sg.Segment] = [2]int32{p[0], p[1]}
		}
		want := map[string][2]int32{"ban:出售冰毒": {6, 10}, "porn:黄片": {13, 15}, "ad:微信 abc_12345": {17, 29}}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("segments %v, want %v", got, want)
			}
		}
	})
	t.Run("clean text passes", func(t *testing.T) {
		resp, err := e.cli.RunTextModeration(textReq("周末一起去图书馆看书吧，下午三点见。"))
		if err != nil {
			t.Fatal(err)
		}
		r := resp.Result
		if *r.Suggestion != "pass" || *r.Label != "normal" || len(*r.Details) != 0 {
			t.Fatalf("%s %s %+v", *r.Suggestion, *r.Label, *r.Details)
		}
	})
	t.Run("only the requested categories", func(t *testing.T) {
		resp, err := e.cli.RunTextModeration(textReq("出售冰毒 idiot", "abuse"))
		if err != nil {
			t.Fatal(err)
		}
		r := resp.Result
		if *r.Suggestion != "review" || *r.Label != "abuse" || len(*r.Details) != 1 {
			t.Fatalf("%s %s %+v", *r.Suggestion, *r.Label, *r.Details)
		}
	})
	t.Run("politics is checked", func(t *testing.T) {
		resp, err := e.cli.RunTextModeration(textReq("他们号召推翻共产党", "politics"))
		if err != nil {
			t.Fatal(err)
		}
		if r := resp.Result; *r.Suggestion != "block" || *r.Label != "politics" {
			t.Fatalf("%+v", r)
		}
	})
	zh := model.GetTextDetectionDataReqLanguageEnum().ZH
	var en model.TextDetectionDataReqLanguage
	if err := en.UnmarshalJSON([]byte(`"en"`)); err != nil {
		t.Fatal(err)
	}
	errs := []struct {
		name   string
		req    *model.RunTextModerationRequest
		status int
		code   string
	}{
		{"unknown category", textReq("你好", "weather"), 400, "AIS.0005"},
		{"empty text", textReq("  "), 400, "AIS.0011"},
		{"no event type", &model.RunTextModerationRequest{Body: &model.TextDetectionReq{Data: &model.TextDetectionDataReq{Text: "hi", Language: &zh}}}, 400, "AIS.0011"},
		{"bad event type", &model.RunTextModerationRequest{Body: &model.TextDetectionReq{EventType: ptr("tweet"), Data: &model.TextDetectionDataReq{Text: "hi"}}}, 400, "AIS.0401"},
		{"language", &model.RunTextModerationRequest{Body: &model.TextDetectionReq{EventType: ptr("comment"), Data: &model.TextDetectionDataReq{Text: "hi", Language: &en}}}, 400, "AIS.0041"},
		{"custom glossary", &model.RunTextModerationRequest{Body: &model.TextDetectionReq{EventType: ptr("comment"), GlossaryNames: &[]string{"mine"}, Data: &model.TextDetectionDataReq{Text: "hi"}}}, 400, "AIS.0401"},
		{"biz type", &model.RunTextModerationRequest{Body: &model.TextDetectionReq{BizType: ptr("policy1"), Data: &model.TextDetectionDataReq{Text: "hi"}}}, 400, "AIS.0401"},
	}
	for _, c := range errs {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.cli.RunTextModeration(c.req)
			sdktest.WantCode(t, err, c.status, c.code)
		})
	}
}

// postSigned sends body as is, signed with the SDK's own signer: the SDK's
// JSON encoder would have replaced invalid UTF-8 before sending.
func postSigned(t *testing.T, e *env, path string, body []byte) (int, map[string]any) {
	t.Helper()
	hr := sdktest.SignedAs(t, http.MethodPost, e.srv.URL+path, "application/json;charset=UTF-8", body, rootAK, rootSK, time.Now(),
		map[string]string{"X-Project-Id": e.s.Root.Project.ID})
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// Text that is not well-formed Unicode as sent (invalid UTF-8 bytes, or a
// \u escape of an unpaired surrogate, both of which encoding/json would
// turn into U+FFFD) is a parameter error, not moderated as replacement
// characters; well-formed text, replacement characters included, is
// moderated.
func TestTextInvalidUTF8(t *testing.T) {
	e := newEnv(t, envOpts{})
	path := "/v3/" + e.s.Root.Project.ID + "/moderation/text"
	body := func(text string) []byte {
		return []byte(`{"event_type":"comment","data":{"text":"` + text + `"}}`)
	}
	for _, c := range []struct{ name, text string }{
		{"invalid byte", "hello \xff world"},
		{"truncated sequence", "你好\xe5\x86"},
		{"overlong encoding", "a\xc0\xafb"},
		{"encoded surrogate", "a\xed\xa0\x80b"},
		{"unpaired high surrogate escape", `hi \ud800 there`},
		{"unpaired low surrogate escape", `hi \uDC00`},
		{"high surrogate then a non-surrogate escape", `\ud83d\u0041`},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, out := postSigned(t, e, path, body(c.text))
			if st != 400 || out["error_code"] != "AIS.0401" || out["error_msg"] != "The input parameter is incorrect." {
				t.Fatalf("%d %v", st, out)
			}
		})
	}
	for _, c := range []struct{ name, text string }{
		{"surrogate pair escape", `\ud83d\ude00 周末见`},
		{"replacement characters sent", "\uFFFD and \\ufffd"},
		{"escaped backslash before u", `C:\\ud800`},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, out := postSigned(t, e, path, body(c.text))
			res, _ := out["result"].(map[string]any)
			if st != 200 || res["suggestion"] != "pass" {
				t.Fatalf("%d %v", st, out)
			}
		})
	}
}
