package template

import (
	"context"
	"encoding/base64"
	"image"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/services/ocr/template/templatetest"
)

var (
	loadOnce sync.Once
	shared   *pipeline.Pipeline
	loadErr  error
)

// need skips without the models or the font unless AISD_REQUIRE_MODELS=1.
func need(t testing.TB, err error, what string) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
		t.Fatalf("%s: %v", what, err)
	}
	t.Skipf("%s: %v", what, err)
}

func testPipeline(t testing.TB) *pipeline.Pipeline {
	t.Helper()
	root, err := engine.ModelsRoot()
	need(t, err, "models")
	for _, f := range []string{engine.LibPath(root), filepath.Join(root, pipeline.ModelDir, pipeline.RecFile)} {
		_, err := os.Stat(f)
		need(t, err, "OCR models (aisd models install onnxruntime ppocr-v4)")
	}
	loadOnce.Do(func() {
		shared, loadErr = pipeline.Load(root, pipeline.DefaultConfig(), pipeline.LoadOptions{Options: engine.Options{IntraOpThreads: 2, PoolSize: 1}})
	})
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return shared
}

func reader(p *pipeline.Pipeline) Reader {
	return func(ctx context.Context, img image.Image) ([]pipeline.Line, error) {
		res, err := p.Run(ctx, img, pipeline.RunOptions{CharBoxes: true})
		return res.Lines, err
	}
}

// staffValues are the values of one filled-in form.
type staffValues map[string]string

var staffSets = []staffValues{
	{"name": "王小明", "department": "财务部", "start_date": "2021-03-15", "staff_no": "A20488", "phone": "13812345678"},
	{"name": "李娜", "department": "研发中心", "start_date": "2019-11-02", "staff_no": "B10377", "phone": "13987654321"},
	{"name": "陈志强", "department": "市场部", "start_date": "2023-07-30", "staff_no": "C55012", "phone": "15011112222"},
}

// staffTemplate creates the staff-form template from a clean, empty
// rendering, its anchors found by OCR.
func staffTemplate(t *testing.T, m *Manager, project string) Stored[Template] {
	t.Helper()
	return staffTemplateIn(t, m, project)
}

func staffTemplateB(b *testing.B, m *Manager) Stored[Template] {
	return staffTemplateIn(b, m, "0123456789abcdef0123456789abcdef")
}

func staffTemplateIn(t testing.TB, m *Manager, project string) Stored[Template] {
	t.Helper()
	clean, err := templatetest.Staff.Render(nil)
	need(t, err, "font")
	req := CreateTemplate{Name: "staff", Image: base64.StdEncoding.EncodeToString(templatetest.PNG(clean.Image))}
	req.Anchors = append(req.Anchors, Anchor{Text: templatetest.Staff.Title})
	for _, r := range templatetest.Staff.Rows {
		req.Anchors = append(req.Anchors, Anchor{Text: r.Label})
		req.Areas = append(req.Areas, Area{Name: r.Field, Location: toPoints(clean.Areas[r.Field].Location())})
	}
	st, err := m.CreateTemplate(context.Background(), project, req)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func toPoints(l [][]float64) []Point {
	out := make([]Point, len(l))
	for i, p := range l {
		out[i] = Point(p)
	}
	return out
}

// The template made from a clean form reads other fillings of it, as
// they are and photographed shifted, scaled, rotated and in perspective.
func TestRecognizeWarpedForms(t *testing.T) {
	p := testPipeline(t)
	st := newMemResources(t)
	m := New(st, Options{OCR: func() Reader { return reader(p) }})
	const project = "0123456789abcdef0123456789abcdef"
	tpl := staffTemplate(t, m, project)
	// Derived anchors sit on the printed labels.
	clean, _ := templatetest.Staff.Render(nil)
	for _, a := range tpl.Body.Anchors {
		q, _ := parseQuad("a", a.Location)
		ink := clean.Anchors[a.Text]
		c := q.centre()
		if c.X < ink.X0 || c.X > ink.X1 || c.Y < ink.Y0 || c.Y > ink.Y1 {
			t.Errorf("anchor %q derived at %v, printed at %v", a.Text, q, ink)
		}
	}
	W, H := float64(templatetest.Staff.W), float64(templatetest.Staff.H)
	warps := []struct {
		name  string
		h     templatetest.H
		w, h2 int
	}{
		{"identity", templatetest.Similarity(0, 1, 0, 0, 0, 0), 1000, 720},
		{"shifted", templatetest.Similarity(0, 1, 0, 0, 70, 45), 1150, 820},
		{"scaled", templatetest.Similarity(0, 0.75, 0, 0, 20, 30), 800, 600},
		{"rotated", templatetest.Similarity(7, 0.9, W/2, H/2, 60, 60), 1120, 840},
		{"perspective", templatetest.Perspective(W, H, [4][2]float64{{80, 40}, {960, 90}, {1010, 700}, {40, 760}}), 1080, 820},
		{"upside down", templatetest.Similarity(180, 0.9, W/2, H/2, 40, 40), 1080, 800},
		{"quarter turn", templatetest.Perspective(W, H, [4][2]float64{{760, 40}, {760, 1040}, {40, 1040}, {40, 40}}), 800, 1080},
	}
	for i, wp := range warps {
		vals := staffSets[i%len(staffSets)]
		t.Run(wp.name, func(t *testing.T) {
			form, err := templatetest.Staff.Render(vals)
			if err != nil {
				t.Fatal(err)
			}
			photo := templatetest.Warp(form.Image, wp.h, wp.w, wp.h2)
			lines, err := reader(p)(context.Background(), photo)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := m.Prepare(context.Background(), project, Request{TemplateID: tpl.ID})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := plan.Recognize(lines, wp.w, wp.h2)
			if err != nil {
				t.Fatal(err)
			}
			fields := resp.Result.(Fields)
			got := map[string]Field{}
			for _, f := range fields {
				got[f.Name] = f
			}
			for _, r := range templatetest.Staff.Rows {
				f := got[r.Field]
				if f.Words != vals[r.Field] {
					t.Errorf("%s = %q (%.3f), want %q", r.Field, f.Words, f.Confidence, vals[r.Field])
				}
				if f.Words != "" && (f.Confidence < 0.5 || f.Confidence > 1) {
					t.Errorf("%s confidence %v", r.Field, f.Confidence)
				}
				// The area's location is where the page's area lands, each
				// corner within 1.2 % of the photo's diagonal.
				want := form.Areas[r.Field].Location()
				tol := 0.012 * math.Hypot(float64(wp.w), float64(wp.h2))
				for k, pt := range f.Location {
					x, y := wp.h.Apply(want[k][0], want[k][1])
					if d := math.Hypot(float64(pt[0])-x, float64(pt[1])-y); d > tol {
						t.Errorf("%s corner %d at %v, want (%.0f,%.0f) ±%.0f", r.Field, k, pt, x, y, tol)
					}
				}
				if len(f.Location) != 4 {
					t.Errorf("%s location %v", r.Field, f.Location)
				}
			}
		})
	}
}

// A form of another layout does not match the staff template (AIS.0119),
// and a classifier over both layouts tells them apart.
func TestClassifyForms(t *testing.T) {
	p := testPipeline(t)
	m := New(newMemResources(t), Options{OCR: func() Reader { return reader(p) }})
	const project = "0123456789abcdef0123456789abcdef"
	staff := staffTemplate(t, m, project)
	vclean, err := templatetest.Visitor.Render(nil)
	need(t, err, "font")
	vreq := CreateTemplate{Name: "visitor", Image: base64.StdEncoding.EncodeToString(templatetest.PNG(vclean.Image)), Anchors: []Anchor{{Text: templatetest.Visitor.Title}}}
	for _, r := range templatetest.Visitor.Rows {
		vreq.Anchors = append(vreq.Anchors, Anchor{Text: r.Label})
		vreq.Areas = append(vreq.Areas, Area{Name: r.Field, Location: toPoints(vclean.Areas[r.Field].Location())})
	}
	visitor, err := m.CreateTemplate(context.Background(), project, vreq)
	if err != nil {
		t.Fatal(err)
	}
	cls, err := m.CreateClassifier(context.Background(), project, CreateClassifier{Name: "front desk", TemplateIDs: []string{staff.ID, visitor.ID}})
	if err != nil {
		t.Fatal(err)
	}
	vform, _ := templatetest.Visitor.Render(map[string]string{"company": "星河科技有限公司", "host": "赵敏", "valid_until": "2027-01-31"})
	photo := templatetest.Warp(vform.Image, templatetest.Similarity(-4, 0.85, 500, 360, 30, 20), 1000, 760)
	lines, err := reader(p)(context.Background(), photo)
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := m.Prepare(context.Background(), project, Request{TemplateID: staff.ID})
	if _, err := plan.Recognize(lines, 1000, 760); !catalog.IsKind(err, catalog.KindTemplateMatch) {
		t.Fatalf("visitor pass against the staff template: %v, want template_match", err)
	}
	plan, _ = m.Prepare(context.Background(), project, Request{ClassifierID: cls.ID, ClassifierMode: true})
	resp, err := plan.Recognize(lines, 1000, 760)
	if err != nil {
		t.Fatal(err)
	}
	if c := resp.Result.(Class); c.TemplateID != visitor.ID || c.TemplateName != "visitor" || c.Confidence < 0.8 {
		t.Fatalf("classified as %+v, want visitor %s", c, visitor.ID)
	}
	plan, _ = m.Prepare(context.Background(), project, Request{ClassifierID: cls.ID})
	resp, err = plan.Recognize(lines, 1000, 760)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range resp.Result.(Fields) {
		names = append(names, f.Name+"="+f.Words)
	}
	sort.Strings(names)
	want := []string{"company=星河科技有限公司", "host=赵敏", "valid_until=2027-01-31"}
	if len(names) != 3 || names[0] != want[0] || names[1] != want[1] || names[2] != want[2] {
		t.Fatalf("fields %v, want %v", names, want)
	}
}
