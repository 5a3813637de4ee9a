package template

import (
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/platform/imagecheck"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
	"github.com/aisd/aisd/internal/store"
)

// Reader reads the text of an image: the OCR pipeline with character
// boxes. nil when the OCR engine is not started.
type Reader func(ctx context.Context, img image.Image) ([]pipeline.Line, error)

// Manager keeps templates and classifiers in the store.
type Manager struct {
	st       Resources
	projects func(ctx context.Context, id string) error
	in       *input.Resolver
	ocr      func() Reader
	now      func() time.Time
}

// Options configure a Manager.
type Options struct {
	// Projects reports store.ErrNotFound for a project that does not exist.
	Projects func(ctx context.Context, id string) error
	// Input reads reference images given by url (obs:// or http).
	Input *input.Resolver
	// OCR returns the reader used to find anchors given without a box on
	// the reference image; it may return nil.
	OCR func() Reader
}

// New returns a Manager over st.
func New(st Resources, o Options) *Manager {
	if o.OCR == nil {
		o.OCR = func() Reader { return nil }
	}
	return &Manager{st: st, projects: o.Projects, in: o.Input, ocr: o.OCR, now: time.Now}
}

// Service is the subscription unit reference images are read for (its
// agency opens the project's object store to templates).
const Service = "ocr.custom-template"

// Stored is a template or classifier with its resource metadata.
type Stored[T any] struct {
	ID, Name, Project    string
	CreatedAt, UpdatedAt time.Time
	Body                 T
}

func newID() (string, error) {
	var b [16]byte
	if _, err := crand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

func (m *Manager) checkProject(ctx context.Context, project string) error {
	if m.projects == nil {
		return nil
	}
	err := m.projects(ctx, project)
	if errors.Is(err, store.ErrNotFound) {
		return catalog.New(catalog.AIP0016, "project "+project+" does not exist")
	}
	if err != nil {
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	return nil
}

// aipImage restates an image or input error (an OCR-family kind) in the
// admin dialect, keeping the OCR answer's code and wording as the reason.
func aipImage(err error) error {
	if e, ok := catalog.From(err); ok && !catalog.IsKind(err, catalog.KindInternal) {
		r := e.In(catalog.FamilyOCR)
		return catalog.New(catalog.AIP0016, "reference image: "+r.Code+" "+r.Msg).Wrap(err)
	}
	return catalog.E(catalog.KindInternal).Wrap(err)
}

// CreateTemplate validates req, reads its reference image, finds the
// anchors given without a box, and stores the template.
func (m *Manager) CreateTemplate(ctx context.Context, project string, req CreateTemplate) (Stored[Template], error) {
	var out Stored[Template]
	if err := m.checkProject(ctx, project); err != nil {
		return out, err
	}
	var data []byte
	var err error
	if m.in == nil {
		if req.URL != "" {
			return out, catalog.New(catalog.AIP0016, "reference images by url are not available")
		}
		data, err = base64.StdEncoding.DecodeString(req.Image)
		if err != nil {
			return out, catalog.New(catalog.AIP0007, "image")
		}
	} else if data, err = m.in.Resolve(ctx, project, Service, req.Image, req.URL); err != nil {
		return out, aipImage(err)
	}
	if len(data) > MaxReferenceBytes && !strings.HasPrefix(req.URL, "obs://") {
		return out, catalog.New(catalog.AIP0016, fmt.Sprintf("the reference image has %d bytes; inline reference images may have %d (store larger ones in the object store and pass an obs:// url)", len(data), MaxReferenceBytes))
	}
	img, err := imagecheck.Check(data, imagecheck.OCRGeneralText, append(pipeline.Decoders(), imagecheck.InRequest(ctx))...)
	if err != nil {
		return out, aipImage(err)
	}
	t := Template{Width: img.Width, Height: img.Height, Anchors: req.Anchors, Areas: req.Areas}
	if t.Areas == nil {
		t.Areas = []Area{}
	}
	if strings.HasPrefix(req.URL, "obs://") {
		t.ImageURL = req.URL
	} else {
		t.Image = base64.StdEncoding.EncodeToString(data)
	}
	if err := m.deriveAnchors(ctx, &t, img.Image); err != nil {
		return out, err
	}
	if err := t.Validate(); err != nil {
		return out, err
	}
	id, err := newID()
	if err != nil {
		return out, catalog.E(catalog.KindInternal).Wrap(err)
	}
	body, err := json.Marshal(t)
	if err != nil {
		return out, catalog.E(catalog.KindInternal).Wrap(err)
	}
	now := m.now().UTC()
	r := Resource{Kind: KindTemplate, Owner: project, ID: id, Name: req.Name, Body: body, CreatedAt: now, UpdatedAt: now}
	if err := m.st.CreateResource(ctx, r); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return out, catalog.New(catalog.AIP0014, "template "+req.Name)
		}
		return out, catalog.E(catalog.KindInternal).Wrap(err)
	}
	return Stored[Template]{ID: id, Name: req.Name, Project: project, CreatedAt: now, UpdatedAt: now, Body: t}, nil
}

// deriveAnchors gives each anchor without a box the box of its text on
// the reference image, read by OCR.
func (m *Manager) deriveAnchors(ctx context.Context, t *Template, img image.Image) error {
	var lines []pipeline.Line
	read := false
	for i := range t.Anchors {
		a := &t.Anchors[i]
		if a.Location != nil {
			continue
		}
		if !read {
			ocr := m.ocr()
			if ocr == nil {
				return catalog.New(catalog.AIP0016, fmt.Sprintf("anchors[%d].location is needed: the OCR engine that finds anchors on the reference image is not started", i))
			}
			var err error
			if lines, err = ocr(ctx, img); err != nil {
				if e, ok := catalog.From(err); ok && !catalog.IsKind(err, catalog.KindInternal) {
					r := e.In(catalog.FamilyOCR)
					return catalog.New(catalog.AIP0016, "reading the reference image: "+r.Code+" "+r.Msg).Wrap(err)
				}
				return catalog.E(catalog.KindInternal).Wrap(err)
			}
			read = true
		}
		cs := findText(a.Text, sequences(lines), 2)
		if len(cs) == 0 {
			return catalog.New(catalog.AIP0016, fmt.Sprintf("anchors[%d] %q was not found on the reference image", i, a.Text))
		}
		// The same text twice on the form cannot anchor it: which one the
		// input shows would be a guess.
		if len(cs) > 1 && cs[1].score >= cs[0].score {
			return catalog.New(catalog.AIP0016, fmt.Sprintf("anchors[%d] %q occurs more than once on the reference image; give its location", i, a.Text))
		}
		a.Location = pointsOf(cs[0].in)
	}
	return nil
}

func decodeBody[T any](r Resource) (Stored[T], error) {
	var t T
	if err := json.Unmarshal(r.Body, &t); err != nil {
		return Stored[T]{}, fmt.Errorf("%s %s: stored body: %w", r.Kind, r.ID, err)
	}
	return Stored[T]{ID: r.ID, Name: r.Name, Project: r.Owner, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Body: t}, nil
}

// Template returns a project's template; store.ErrNotFound when there is
// none with that id.
func (m *Manager) Template(ctx context.Context, project, id string) (Stored[Template], error) {
	if !validID(id) {
		return Stored[Template]{}, store.ErrNotFound
	}
	r, err := m.st.GetResource(ctx, KindTemplate, project, id)
	if err != nil {
		return Stored[Template]{}, err
	}
	return decodeBody[Template](r)
}

// geometry is a template without its reference image: all a recognition
// needs (decoding skips the inline image rather than copying it).
type geometry struct {
	Width   int      `json:"width"`
	Height  int      `json:"height"`
	Anchors []Anchor `json:"anchors"`
	Areas   []Area   `json:"areas"`
	// ImageURL is kept: it is small, and listings show it.
	ImageURL string `json:"image_url,omitempty"`
}

// templateGeometry is Template without the reference image.
func (m *Manager) templateGeometry(ctx context.Context, project, id string) (Stored[Template], error) {
	if !validID(id) {
		return Stored[Template]{}, store.ErrNotFound
	}
	r, err := m.st.GetResource(ctx, KindTemplate, project, id)
	if err != nil {
		return Stored[Template]{}, err
	}
	return decodeGeometry(r)
}

func decodeGeometry(r Resource) (Stored[Template], error) {
	g, err := decodeBody[geometry](r)
	if err != nil {
		return Stored[Template]{}, err
	}
	return Stored[Template]{ID: g.ID, Name: g.Name, Project: g.Project, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt,
		Body: Template{Width: g.Body.Width, Height: g.Body.Height, Anchors: g.Body.Anchors, Areas: g.Body.Areas, ImageURL: g.Body.ImageURL}}, nil
}

// Templates lists a project's templates, by name, without their
// reference images.
func (m *Manager) Templates(ctx context.Context, project string) ([]Stored[Template], error) {
	rs, err := m.st.ListResources(ctx, KindTemplate, project)
	if err != nil {
		return nil, err
	}
	out := make([]Stored[Template], 0, len(rs))
	for _, r := range rs {
		t, err := decodeGeometry(r)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// DeleteTemplate removes a template no classifier uses.
func (m *Manager) DeleteTemplate(ctx context.Context, project, id string) error {
	if _, err := m.Template(ctx, project, id); err != nil {
		return err
	}
	cs, err := m.Classifiers(ctx, project)
	if err != nil {
		return err
	}
	for _, c := range cs {
		for _, tid := range c.Body.TemplateIDs {
			if tid == id {
				return catalog.New(catalog.AIP0016, "template "+id+" is used by classifier "+c.ID+" ("+c.Name+"); delete the classifier first")
			}
		}
	}
	return m.st.DeleteResource(ctx, KindTemplate, project, id)
}

// CreateClassifier stores a classifier over existing templates.
func (m *Manager) CreateClassifier(ctx context.Context, project string, req CreateClassifier) (Stored[Classifier], error) {
	var out Stored[Classifier]
	if err := m.checkProject(ctx, project); err != nil {
		return out, err
	}
	for _, tid := range req.TemplateIDs {
		if _, err := m.Template(ctx, project, tid); errors.Is(err, store.ErrNotFound) {
			return out, catalog.New(catalog.AIP0016, "template "+tid+" does not exist in project "+project)
		} else if err != nil {
			return out, catalog.E(catalog.KindInternal).Wrap(err)
		}
	}
	id, err := newID()
	if err != nil {
		return out, catalog.E(catalog.KindInternal).Wrap(err)
	}
	c := Classifier{TemplateIDs: req.TemplateIDs}
	body, _ := json.Marshal(c)
	now := m.now().UTC()
	if err := m.st.CreateResource(ctx, Resource{Kind: KindClassifier, Owner: project, ID: id, Name: req.Name, Body: body, CreatedAt: now, UpdatedAt: now}); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return out, catalog.New(catalog.AIP0014, "classifier "+req.Name)
		}
		return out, catalog.E(catalog.KindInternal).Wrap(err)
	}
	return Stored[Classifier]{ID: id, Name: req.Name, Project: project, CreatedAt: now, UpdatedAt: now, Body: c}, nil
}

// Classifier returns a project's classifier; store.ErrNotFound when there
// is none with that id.
func (m *Manager) Classifier(ctx context.Context, project, id string) (Stored[Classifier], error) {
	if !validID(id) {
		return Stored[Classifier]{}, store.ErrNotFound
	}
	r, err := m.st.GetResource(ctx, KindClassifier, project, id)
	if err != nil {
		return Stored[Classifier]{}, err
	}
	return decodeBody[Classifier](r)
}

// Classifiers lists a project's classifiers, by name.
func (m *Manager) Classifiers(ctx context.Context, project string) ([]Stored[Classifier], error) {
	rs, err := m.st.ListResources(ctx, KindClassifier, project)
	if err != nil {
		return nil, err
	}
	out := make([]Stored[Classifier], 0, len(rs))
	for _, r := range rs {
		c, err := decodeBody[Classifier](r)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// DeleteClassifier removes a classifier (its templates stay).
func (m *Manager) DeleteClassifier(ctx context.Context, project, id string) error {
	if !validID(id) {
		return store.ErrNotFound
	}
	return m.st.DeleteResource(ctx, KindClassifier, project, id)
}
