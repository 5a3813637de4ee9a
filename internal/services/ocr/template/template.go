// Package template is aisd's custom-template OCR: project-owned templates
// (a reference image, anchor fields - fixed printed text and its box - and
// named recognition areas) and classifiers (sets of templates), their
// management API, and the matcher that finds a template's anchors among
// the lines the OCR pipeline read, fits the homography from the reference
// image to the input, and reads each recognition area.
package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/aisd/aisd/internal/catalog"
)

// Resource kinds in the store; the owner is the project.
const (
	KindTemplate   = "ocr.template"
	KindClassifier = "ocr.classifier"
)

// Limits of a template and a classifier, published in the README and in
// the AIP.0010 answers.
const (
	MaxNameLen          = 64
	MaxAnchors          = 50
	MaxAreas            = 100
	MaxAnchorText       = 64
	MaxClassifierSize   = 50
	MaxReferenceBytes   = 2 << 20 // decoded reference image kept inline
	MinReferenceSide    = 100     // the cloud's custom-template limits
	MaxReferenceSide    = 8192
	maxCreateBody       = 4 << 20 // base64 of the largest reference, plus JSON
	maxClassifierBody   = 64 << 10
	minAreaSidePx       = 2
	defaultAnchorFactor = 0.7 // anchor similarity accepted by default
)

// Point is a pixel position on the wire: [x, y].
type Point = []float64

// Anchor is fixed printed text of the form and where it is on the
// reference image.
type Anchor struct {
	Text     string  `json:"text"`
	Location []Point `json:"location,omitempty"`
}

// Area is a named recognition area on the reference image.
type Area struct {
	Name     string  `json:"name"`
	Location []Point `json:"location"`
}

// Template is what the store keeps (the resource body).
type Template struct {
	Width   int      `json:"width"`
	Height  int      `json:"height"`
	Anchors []Anchor `json:"anchors"`
	Areas   []Area   `json:"areas"`
	// The reference image: inline (base64) when given in the request, or
	// the obs:// URL it was read from, which stays in the project's
	// object store.
	Image    string `json:"image,omitempty"`
	ImageURL string `json:"image_url,omitempty"`
}

// CreateTemplate is the body of POST .../ocr-templates.
type CreateTemplate struct {
	Name    string   `json:"name"`
	Image   string   `json:"image"`
	URL     string   `json:"url"`
	Anchors []Anchor `json:"anchors"`
	Areas   []Area   `json:"areas"`
}

// Classifier is what the store keeps for a classifier.
type Classifier struct {
	TemplateIDs []string `json:"template_ids"`
}

// CreateClassifier is the body of POST .../ocr-classifiers.
type CreateClassifier struct {
	Name        string   `json:"name"`
	TemplateIDs []string `json:"template_ids"`
}

// decodeStrict decodes one JSON object into v, refusing unknown fields and
// trailing data, and names the offending parameter in the AIP dialect.
func decodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return catalog.New(catalog.AIP0006, "name")
	}
	if !utf8.Valid(body) {
		return catalog.New(catalog.AIP0009)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return catalog.New(catalog.AIP0007, te.Field).Wrap(err)
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return catalog.New(catalog.AIP0007, strings.Trim(f, `"`)).Wrap(err)
		}
		return catalog.New(catalog.AIP0009).Wrap(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return catalog.New(catalog.AIP0009)
	}
	return nil
}

// ParseCreateTemplate validates a template creation body as far as it can
// without the reference image: names, counts, texts and the shape of each
// location. Boxes are checked against the image once it is decoded
// (Validate).
func ParseCreateTemplate(body []byte) (CreateTemplate, error) {
	var req CreateTemplate
	if err := decodeStrict(body, &req); err != nil {
		return req, err
	}
	req.Name = strings.TrimSpace(req.Name)
	if err := checkName("name", req.Name); err != nil {
		return req, err
	}
	switch {
	case req.Image == "" && req.URL == "":
		return req, catalog.New(catalog.AIP0006, "image")
	case req.Image != "" && req.URL != "":
		return req, catalog.New(catalog.AIP0016, "give image or url, not both")
	}
	if len(req.Anchors) > MaxAnchors {
		return req, catalog.New(catalog.AIP0010, "anchors", len(req.Anchors), 1, MaxAnchors)
	}
	if len(req.Anchors) == 0 {
		return req, catalog.New(catalog.AIP0006, "anchors")
	}
	if len(req.Areas) > MaxAreas {
		return req, catalog.New(catalog.AIP0010, "areas", len(req.Areas), 0, MaxAreas)
	}
	for i := range req.Anchors {
		a := &req.Anchors[i]
		a.Text = strings.TrimSpace(a.Text)
		field := fmt.Sprintf("anchors[%d].text", i)
		if a.Text == "" {
			return req, catalog.New(catalog.AIP0006, field)
		}
		if n := utf8.RuneCountInString(a.Text); n > MaxAnchorText {
			return req, catalog.New(catalog.AIP0010, field, n, 1, MaxAnchorText)
		}
		if len(normalise(a.Text)) == 0 {
			return req, catalog.New(catalog.AIP0016, field+" has no letter or digit to find")
		}
		if a.Location != nil {
			q, err := parseQuad(fmt.Sprintf("anchors[%d].location", i), a.Location)
			if err != nil {
				return req, err
			}
			a.Location = pointsOf(q) // two corners become four
		}
	}
	seen := map[string]bool{}
	for i := range req.Areas {
		a := &req.Areas[i]
		a.Name = strings.TrimSpace(a.Name)
		if err := checkName(fmt.Sprintf("areas[%d].name", i), a.Name); err != nil {
			return req, err
		}
		if seen[a.Name] {
			return req, catalog.New(catalog.AIP0016, "two areas are named "+a.Name)
		}
		seen[a.Name] = true
		q, err := parseQuad(fmt.Sprintf("areas[%d].location", i), a.Location)
		if err != nil {
			return req, err
		}
		a.Location = pointsOf(q)
	}
	return req, nil
}

// Validate checks the boxes of t against its reference image size.
func (t *Template) Validate() error {
	if t.Width < MinReferenceSide || t.Height < MinReferenceSide || t.Width > MaxReferenceSide || t.Height > MaxReferenceSide {
		return catalog.New(catalog.AIP0016, fmt.Sprintf("the reference image is %d×%d; each side must be %d to %d pixels", t.Width, t.Height, MinReferenceSide, MaxReferenceSide))
	}
	in := func(field string, loc []Point) error {
		q, err := parseQuad(field, loc)
		if err != nil {
			return err
		}
		for _, p := range q {
			if p.X < 0 || p.Y < 0 || p.X > float64(t.Width) || p.Y > float64(t.Height) {
				return catalog.New(catalog.AIP0016, fmt.Sprintf("%s lies outside the %d×%d reference image", field, t.Width, t.Height))
			}
		}
		return nil
	}
	for i, a := range t.Anchors {
		if err := in(fmt.Sprintf("anchors[%d].location", i), a.Location); err != nil {
			return err
		}
	}
	for i, a := range t.Areas {
		if err := in(fmt.Sprintf("areas[%d].location", i), a.Location); err != nil {
			return err
		}
	}
	return nil
}

// ParseCreateClassifier validates a classifier creation body.
func ParseCreateClassifier(body []byte) (CreateClassifier, error) {
	var req CreateClassifier
	if err := decodeStrict(body, &req); err != nil {
		return req, err
	}
	req.Name = strings.TrimSpace(req.Name)
	if err := checkName("name", req.Name); err != nil {
		return req, err
	}
	if len(req.TemplateIDs) == 0 {
		return req, catalog.New(catalog.AIP0006, "template_ids")
	}
	if len(req.TemplateIDs) > MaxClassifierSize {
		return req, catalog.New(catalog.AIP0010, "template_ids", len(req.TemplateIDs), 1, MaxClassifierSize)
	}
	seen := map[string]bool{}
	for i, id := range req.TemplateIDs {
		if !validID(id) {
			return req, catalog.New(catalog.AIP0007, fmt.Sprintf("template_ids[%d]", i))
		}
		if seen[id] {
			return req, catalog.New(catalog.AIP0016, "template "+id+" is listed twice")
		}
		seen[id] = true
	}
	return req, nil
}

func checkName(field, s string) error {
	if s == "" {
		return catalog.New(catalog.AIP0006, field)
	}
	if n := utf8.RuneCountInString(s); n > MaxNameLen {
		return catalog.New(catalog.AIP0010, field, n, 1, MaxNameLen)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return catalog.New(catalog.AIP0007, field)
		}
	}
	return nil
}

// parseQuad reads a location: four corners clockwise from the top-left
// (the SDK's own location shape), or two opposite corners of an upright
// rectangle.
func parseQuad(field string, loc []Point) (Quad, error) {
	var q Quad
	for _, p := range loc {
		if len(p) != 2 {
			return q, catalog.New(catalog.AIP0007, field)
		}
	}
	switch len(loc) {
	case 2:
		x0, y0 := min(loc[0][0], loc[1][0]), min(loc[0][1], loc[1][1])
		x1, y1 := max(loc[0][0], loc[1][0]), max(loc[0][1], loc[1][1])
		q = Quad{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
	case 4:
		for i, p := range loc {
			q[i] = P{p[0], p[1]}
		}
	default:
		return q, catalog.New(catalog.AIP0007, field)
	}
	for _, p := range q {
		if p.X != p.X || p.Y != p.Y || p.X < -1e6 || p.X > 1e6 || p.Y < -1e6 || p.Y > 1e6 {
			return q, catalog.New(catalog.AIP0007, field)
		}
	}
	if !convexCW(q) {
		return q, catalog.New(catalog.AIP0016, field+" must be a convex box, corners clockwise from the top-left")
	}
	if dist(q[0], q[1]) < minAreaSidePx || dist(q[1], q[2]) < minAreaSidePx {
		return q, catalog.New(catalog.AIP0016, field+" is too small")
	}
	return q, nil
}

// wireQuad renders a quad as the SDK's four integer points.
func wireQuad(q Quad) [][]int32 {
	out := make([][]int32, 4)
	for i, p := range q {
		out[i] = []int32{int32(math.Round(p.X)), int32(math.Round(p.Y))}
	}
	return out
}

func pointsOf(q Quad) []Point {
	out := make([]Point, 4)
	for i, p := range q {
		out[i] = Point{math.Round(p.X*10) / 10, math.Round(p.Y*10) / 10}
	}
	return out
}

// validID accepts the ids this package issues: 32 lower-case hex digits.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
