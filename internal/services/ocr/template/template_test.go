package template

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aisd/aisd/internal/catalog"
)

const okAnchor = `{"text":"姓名","location":[[10,10],[60,10],[60,40],[10,40]]}`

func TestParseCreateTemplate(t *testing.T) {
	long := strings.Repeat("名", MaxNameLen+1)
	many := strings.TrimSuffix(strings.Repeat(`{"text":"a"},`, MaxAnchors+1), ",")
	cases := []struct {
		name, body string
		code       catalog.Code
	}{
		{"empty", ``, catalog.AIP0006},
		{"not json", `{"name":`, catalog.AIP0009},
		{"trailing data", `{"name":"a","image":"x","anchors":[{"text":"a"}]} {}`, catalog.AIP0009},
		{"not utf-8", "{\"name\":\"\xff\"}", catalog.AIP0009},
		{"unknown field", `{"name":"a","colour":"red"}`, catalog.AIP0007},
		{"wrong type", `{"name":7}`, catalog.AIP0007},
		{"no name", `{"image":"x","anchors":[` + okAnchor + `]}`, catalog.AIP0006},
		{"long name", `{"name":"` + long + `","image":"x","anchors":[` + okAnchor + `]}`, catalog.AIP0010},
		{"control in name", `{"name":"a\u0007","image":"x","anchors":[` + okAnchor + `]}`, catalog.AIP0007},
		{"no image", `{"name":"a","anchors":[` + okAnchor + `]}`, catalog.AIP0006},
		{"image and url", `{"name":"a","image":"x","url":"obs://b/k","anchors":[` + okAnchor + `]}`, catalog.AIP0016},
		{"no anchors", `{"name":"a","image":"x"}`, catalog.AIP0006},
		{"too many anchors", `{"name":"a","image":"x","anchors":[` + many + `]}`, catalog.AIP0010},
		{"blank anchor", `{"name":"a","image":"x","anchors":[{"text":"  "}]}`, catalog.AIP0006},
		{"punctuation anchor", `{"name":"a","image":"x","anchors":[{"text":"：—"}]}`, catalog.AIP0016},
		{"three corners", `{"name":"a","image":"x","anchors":[{"text":"a","location":[[0,0],[9,0],[9,9]]}]}`, catalog.AIP0007},
		{"point of three", `{"name":"a","image":"x","anchors":[{"text":"a","location":[[0,0,1],[9,9]]}]}`, catalog.AIP0007},
		{"counter-clockwise", `{"name":"a","image":"x","anchors":[{"text":"a","location":[[0,0],[0,9],[9,9],[9,0]]}]}`, catalog.AIP0016},
		{"flat box", `{"name":"a","image":"x","anchors":[{"text":"a","location":[[0,0],[9,1]]}]}`, catalog.AIP0016},
		{"area without box", `{"name":"a","image":"x","anchors":[` + okAnchor + `],"areas":[{"name":"n"}]}`, catalog.AIP0007},
		{"two areas one name", `{"name":"a","image":"x","anchors":[` + okAnchor + `],"areas":[{"name":"n","location":[[0,0],[9,9]]},{"name":"n","location":[[0,0],[9,9]]}]}`, catalog.AIP0016},
	}
	for _, c := range cases {
		_, err := ParseCreateTemplate([]byte(c.body))
		if !catalog.IsCode(err, c.code) {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	req, err := ParseCreateTemplate([]byte(`{"name":" staff ","image":"x","anchors":[{"text":"姓名"},` + okAnchor + `],"areas":[{"name":"n","location":[[100,5],[20,40]]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if req.Name != "staff" || req.Anchors[0].Location != nil || len(req.Areas[0].Location) != 4 || req.Areas[0].Location[0][0] != 20 {
		t.Fatalf("parsed %+v", req)
	}
}

// The AIP answers name the parameter, as the admin dialect prints it.
func TestParseNamesTheParameter(t *testing.T) {
	_, err := ParseCreateTemplate([]byte(`{"name":"a","image":"x","anchors":[{"text":""}]}`))
	e, ok := catalog.From(err)
	if !ok {
		t.Fatalf("%v", err)
	}
	if r := e.In(catalog.FamilyAIP); r.Status != 400 || r.Code != "AIP.0006" || r.Msg != "Lack the request parameter, or the request parameter anchors[0].text is empty." {
		t.Fatalf("%+v", r)
	}
}

func TestValidateAgainstImage(t *testing.T) {
	tpl := Template{Width: 1000, Height: 700, Anchors: []Anchor{{Text: "a", Location: loc(10, 10, 60, 40)}}, Areas: []Area{{Name: "n", Location: loc(900, 600, 1001, 650)}}}
	if err := tpl.Validate(); !catalog.IsCode(err, catalog.AIP0016) || !strings.Contains(err.Error(), "outside") {
		t.Fatalf("area off the page: %v", err)
	}
	tpl.Areas[0].Location = loc(900, 600, 1000, 650)
	if err := tpl.Validate(); err != nil {
		t.Fatal(err)
	}
	tpl.Width = 80
	if err := tpl.Validate(); !catalog.IsCode(err, catalog.AIP0016) {
		t.Fatalf("80 px reference: %v", err)
	}
}

func TestParseCreateClassifier(t *testing.T) {
	id := "0123456789abcdef0123456789abcdef"
	cases := []struct {
		body string
		code catalog.Code
	}{
		{`{"name":"k"}`, catalog.AIP0006},
		{`{"name":"k","template_ids":["x"]}`, catalog.AIP0007},
		{`{"name":"k","template_ids":["` + id + `","` + id + `"]}`, catalog.AIP0016},
		{`{"name":"k","template_ids":"` + id + `"}`, catalog.AIP0007},
		{`{"template_ids":["` + id + `"]}`, catalog.AIP0006},
	}
	for _, c := range cases {
		if _, err := ParseCreateClassifier([]byte(c.body)); !catalog.IsCode(err, c.code) {
			t.Errorf("%s: %v, want %s", c.body, err, c.code)
		}
	}
	if req, err := ParseCreateClassifier([]byte(`{"name":"k","template_ids":["` + id + `"]}`)); err != nil || req.TemplateIDs[0] != id {
		t.Fatalf("%+v %v", req, err)
	}
}

// FuzzParseCreateTemplate: any body is answered with an AIP error or a
// request whose every box is a convex four-corner quad, and which parses
// back to itself.
func FuzzParseCreateTemplate(f *testing.F) {
	f.Add([]byte(`{"name":"staff","image":"eA==","anchors":[` + okAnchor + `,{"text":"部门"}],"areas":[{"name":"n","location":[[100,5],[20,40]]}]}`))
	f.Add([]byte(`{"name":"a","url":"obs://b/k","anchors":[{"text":"ＮＯ．"}]}`))
	f.Add([]byte(`{"name":"a","image":"x","anchors":[{"text":"a","location":[[0,0],[1e308,0],[1e308,1e308],[0,1e308]]}]}`))
	f.Add([]byte(`{"name":"a","image":"x","anchors":[{"text":"a","location":[[-1,-1],[9,9]]}],"areas":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseCreateTemplate(body)
		if err != nil {
			if e, ok := catalog.From(err); !ok || !strings.HasPrefix(e.In(catalog.FamilyAIP).Code, "AIP.") {
				t.Fatalf("error %v is not an AIP answer", err)
			}
			return
		}
		if req.Name == "" || utf8.RuneCountInString(req.Name) > MaxNameLen || len(req.Anchors) == 0 || len(req.Anchors) > MaxAnchors || len(req.Areas) > MaxAreas {
			t.Fatalf("accepted %+v", req)
		}
		check := func(l []Point) {
			q, err := parseQuad("x", l)
			if len(l) != 4 || err != nil || !convexCW(q) {
				t.Fatalf("accepted location %v: %v", l, err)
			}
		}
		for _, a := range req.Anchors {
			if a.Location != nil {
				check(a.Location)
			}
		}
		for _, a := range req.Areas {
			check(a.Location)
		}
		again, _ := json.Marshal(req)
		req2, err := ParseCreateTemplate(again)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", again, err)
		}
		if b, _ := json.Marshal(req2); string(b) != string(again) {
			t.Fatalf("re-parse changed %s into %s", again, b)
		}
	})
}

// FuzzParseCreateClassifier: an AIP error, or distinct valid ids.
func FuzzParseCreateClassifier(f *testing.F) {
	f.Add([]byte(`{"name":"k","template_ids":["0123456789abcdef0123456789abcdef"]}`))
	f.Add([]byte(`{"name":"k","template_ids":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseCreateClassifier(body)
		if err != nil {
			if e, ok := catalog.From(err); !ok || !strings.HasPrefix(e.In(catalog.FamilyAIP).Code, "AIP.") {
				t.Fatalf("error %v is not an AIP answer", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, id := range req.TemplateIDs {
			if !validID(id) || seen[id] {
				t.Fatalf("accepted %v", req.TemplateIDs)
			}
			seen[id] = true
		}
	})
}
