package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	modmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3/model"

	"github.com/aisd/aisd/internal/admin"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
)

func modText(text string, black, white []string) *modmodel.RunTextModerationRequest {
	ev := "comment"
	b := &modmodel.TextDetectionReq{EventType: &ev, Data: &modmodel.TextDetectionDataReq{Text: text}}
	if black != nil {
		b.GlossaryNames = &black
	}
	if white != nil {
		b.WhiteGlossaryNames = &white
	}
	return &modmodel.RunTextModerationRequest{Body: b}
}

func wantAdminCode(t *testing.T, err error, code string) {
	t.Helper()
	var apiErr *admin.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

// TestGlossariesEndToEnd: glossaries made with the admin API are used by
// the SDK's text moderation call (black hits labelled customized with
// their glossary's name and suggestion, white terms clearing the lexicon's
// hits inside them), follow updates and deletion, and keep the console's
// limits.
func TestGlossariesEndToEnd(t *testing.T) {
	e := newEnvClock(t, nil, func(c *aisdcfg.Config) { c.Engines = []string{"moderation"} })
	ctx := context.Background()
	adm := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	pid := e.s.Root.Project.ID
	base := "/v1/admin/projects/" + pid + "/glossaries"
	if err := adm.Do(ctx, "POST", base, nil, map[string]any{"name": "brand_x", "suggestion": "review", "words": []string{"竞品A", "cheapcorp", "竞品A"}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := adm.Do(ctx, "POST", base, nil, map[string]any{"name": "reuse", "type": "white", "words": []string{"麻古茶饮"}}, nil); err != nil {
		t.Fatal(err)
	}
	cli := sdktest.Moderation(t, e.srv.URL, rootAK, rootSK, pid)

	resp, err := cli.RunTextModeration(modText("快来买 竞品Ａ 吧, CheapCorp rocks", []string{"brand_x"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Result
	if *r.Suggestion != "review" || *r.Label != "customized" || len(*r.Details) != 1 {
		t.Fatalf("black glossary: %+v", r)
	}
	d := (*r.Details)[0]
	if *d.Label != "customized" || *d.Suggestion != "review" || len(*d.Segments) != 2 {
		t.Fatalf("detail %+v", d)
	}
	for i, want := range []struct {
		seg string
		pos []int32
	}{{"竞品Ａ", []int32{4, 7}}, {"CheapCorp", []int32{11, 20}}} {
		s := (*d.Segments)[i]
		if *s.Segment != want.seg || *s.GlossaryName != "brand_x" || fmt.Sprint(*s.Position) != fmt.Sprint(want.pos) {
			t.Fatalf("segment %d: %s %s %v", i, *s.Segment, *s.GlossaryName, *s.Position)
		}
	}

	// The white glossary clears the lexicon's "麻古" inside the brand "麻古茶饮".
	resp, err = cli.RunTextModeration(modText("麻古茶饮新品上市", nil, nil))
	if err != nil || *resp.Result.Suggestion == "pass" {
		t.Fatalf("without the white glossary: %+v %v", resp, err)
	}
	resp, err = cli.RunTextModeration(modText("麻古茶饮新品上市", nil, []string{"reuse"}))
	if err != nil || *resp.Result.Suggestion != "pass" || *resp.Result.Label != "normal" {
		t.Fatalf("with the white glossary: %+v %v", resp, err)
	}

	// Unknown names, and a glossary of the other type, are the parameter error.
	for _, req := range []*modmodel.RunTextModerationRequest{
		modText("hello", []string{"nope"}, nil),
		modText("hello", nil, []string{"brand_x"}),
	} {
		_, err := cli.RunTextModeration(req)
		sdktest.WantCode(t, err, 400, "AIS.0401")
	}

	// Updates are seen by the next call; deletion makes the name unknown.
	if err := adm.Do(ctx, "PUT", base+"/brand_x", nil, map[string]any{"suggestion": "block", "words": []string{"新竞品"}}, nil); err != nil {
		t.Fatal(err)
	}
	resp, err = cli.RunTextModeration(modText("竞品A 和 新竞品", []string{"brand_x"}, nil))
	if err != nil || *resp.Result.Suggestion != "block" || *(*(*resp.Result.Details)[0].Segments)[0].Segment != "新竞品" {
		t.Fatalf("after update: %+v %v", resp, err)
	}
	var list struct {
		Count int `json:"count"`
	}
	if err := adm.Do(ctx, "GET", base, nil, nil, &list); err != nil || list.Count != 2 {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := adm.Do(ctx, "DELETE", base+"/brand_x", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	_, err = cli.RunTextModeration(modText("hello", []string{"brand_x"}, nil))
	sdktest.WantCode(t, err, 400, "AIS.0401")
	wantAdminCode(t, adm.Do(ctx, "GET", base+"/brand_x", nil, nil, nil), "AIP.0016")

	// The console's limits.
	wantAdminCode(t, adm.Do(ctx, "POST", base, nil, map[string]any{"name": "bad name", "words": []string{"x"}}, nil), "AIP.0013")
	wantAdminCode(t, adm.Do(ctx, "POST", base, nil, map[string]any{"name": "reuse", "type": "white", "words": []string{"x"}}, nil), "AIP.0014")
	wantAdminCode(t, adm.Do(ctx, "POST", base, nil, map[string]any{"name": "long", "words": []string{strings.Repeat("长", 51)}}, nil), "AIP.0010")
	many := make([]string, 10001)
	for i := range many {
		many[i] = fmt.Sprintf("w%d", i)
	}
	wantAdminCode(t, adm.Do(ctx, "POST", base, nil, map[string]any{"name": "many", "words": many}, nil), "AIP.0010")
	wantAdminCode(t, adm.Do(ctx, "POST", base, nil, map[string]any{"name": "noword"}, nil), "AIP.0006")
	for i := 1; i < 20; i++ {
		if err := adm.Do(ctx, "POST", base, nil, map[string]any{"name": fmt.Sprintf("g%02d", i), "words": []string{"词"}}, nil); err != nil {
			t.Fatal(i, err)
		}
	}
	wantAdminCode(t, adm.Do(ctx, "POST", base, nil, map[string]any{"name": "g21", "words": []string{"词"}}, nil), "AIP.0010")
}
