package gallery

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
)

// Enroller turns an enrolment photo into the descriptor of its one face.
// Its errors are catalog errors naming what is wrong with the photo.
type Enroller interface {
	Enroll(ctx context.Context, image []byte) (Vector, error)
	// DescriptorModel names the descriptor model Enroll uses.
	DescriptorModel() string
}

// maxEnrolBody bounds one enrolment request: up to MaxFacesPerLabel
// photos, each at most the services' 10 MB.
const maxEnrolBody = 64 << 20

// maxMetaBody bounds a gallery creation body.
const maxMetaBody = 16 << 10

// PersonView is a person as the API shows it (descriptors stay inside).
type PersonView struct {
	Label string `json:"label"`
	Faces int    `json:"faces"`
}

// View is a gallery as the API shows it.
type View struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Model       string       `json:"model"`
	People      []PersonView `json:"people"`
	CreatedAt   string       `json:"created_at"`
	UpdatedAt   string       `json:"updated_at"`
}

// ListView is the answer of the list endpoint.
type ListView struct {
	Count     int    `json:"count"`
	Galleries []View `json:"galleries"`
}

func viewOf(g Gallery) View {
	v := View{ID: g.ID, Name: g.Name, Description: g.Description, Model: g.Model, People: []PersonView{},
		CreatedAt: g.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: g.UpdatedAt.UTC().Format(time.RFC3339)}
	for _, p := range g.People {
		v.People = append(v.People, PersonView{Label: p.Label, Faces: len(p.Faces)})
	}
	return v
}

// CreateRequest is the body of gallery creation.
type CreateRequest struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// EnrolRequest is the body of adding a person's photos: base64 images.
type EnrolRequest struct {
	Label  string   `json:"label"`
	Images []string `json:"images"`
}

// Handler serves the gallery management API (admin authentication is the
// server's; errors are AIP.* bodies):
//
//	POST   /v1/admin/projects/{project_id}/celebrity-galleries                  {"name","description"}
//	GET    /v1/admin/projects/{project_id}/celebrity-galleries
//	GET    /v1/admin/projects/{project_id}/celebrity-galleries/{gallery}
//	DELETE /v1/admin/projects/{project_id}/celebrity-galleries/{gallery}
//	POST   /v1/admin/projects/{project_id}/celebrity-galleries/{gallery}/people {"label","images":[base64]}
//	DELETE /v1/admin/projects/{project_id}/celebrity-galleries/{gallery}/people/{label}
//
// {gallery} is the gallery's ID or name. allow decides whether the caller
// may reach the project; enrol may be nil when the image engine did not
// start, and adding people then answers AIP.0004.
func (s *Store) Handler(allow func(ctx context.Context, projectID string) error, enrol Enroller) http.Handler {
	if allow == nil {
		allow = func(context.Context, string) error { return catalog.New(catalog.AIP0003) }
	}
	return api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		project := r.PathValue("project_id")
		if err := allow(r.Context(), project); err != nil {
			return err
		}
		ref, label := r.PathValue("gallery"), r.PathValue("label")
		people := hasPeopleSuffix(r)
		switch {
		case ref == "":
			switch r.Method {
			case http.MethodGet:
				return s.serveList(w, r, project)
			case http.MethodPost:
				return s.serveCreate(w, r, project, enrol)
			}
			return methodNotAllowed(r.Method, "GET,POST")
		case label != "":
			if r.Method != http.MethodDelete {
				return methodNotAllowed(r.Method, "DELETE")
			}
			if err := s.RemovePerson(r.Context(), project, ref, label); err != nil {
				return mapErr(err, "person "+label)
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		case people:
			if r.Method != http.MethodPost {
				return methodNotAllowed(r.Method, "POST")
			}
			return s.serveEnrol(w, r, project, ref, enrol)
		}
		switch r.Method {
		case http.MethodGet:
			g, err := s.Get(r.Context(), project, ref)
			if err != nil {
				return mapErr(err, "gallery "+ref)
			}
			api.WriteJSON(w, http.StatusOK, viewOf(g))
			return nil
		case http.MethodDelete:
			if err := s.Delete(r.Context(), project, ref); err != nil {
				return mapErr(err, "gallery "+ref)
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		return methodNotAllowed(r.Method, "GET,DELETE")
	})
}

// hasPeopleSuffix tells the …/{gallery}/people route from …/{gallery}.
func hasPeopleSuffix(r *http.Request) bool {
	p := r.URL.Path
	for len(p) > 0 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	return len(p) >= len("/people") && p[len(p)-len("/people"):] == "/people"
}

func (s *Store) serveList(w http.ResponseWriter, r *http.Request, project string) error {
	gs, err := s.List(r.Context(), project)
	if err != nil {
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	out := ListView{Count: len(gs), Galleries: make([]View, 0, len(gs))}
	for _, g := range gs {
		out.Galleries = append(out.Galleries, viewOf(g))
	}
	api.WriteJSON(w, http.StatusOK, out)
	return nil
}

func readJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return catalog.New(catalog.AIP0016, "the body exceeds "+strconv.FormatInt(limit, 10)+" bytes")
		}
		return catalog.E(catalog.KindInternal).Wrap(err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return catalog.New(catalog.AIP0007, ute.Field)
		}
		return catalog.New(catalog.AIP0009).Wrap(err)
	}
	return nil
}

func (s *Store) serveCreate(w http.ResponseWriter, r *http.Request, project string, enrol Enroller) error {
	var req CreateRequest
	if err := readJSON(w, r, maxMetaBody, &req); err != nil {
		return err
	}
	if req.Name == "" {
		return catalog.New(catalog.AIP0006, "name")
	}
	if !ValidName(req.Name) {
		return catalog.New(catalog.AIP0007, "name")
	}
	if enrol == nil {
		return catalog.New(catalog.AIP0004).Wrap(errors.New("the image engine is not started"))
	}
	g, err := s.Create(r.Context(), project, req.Name, req.Description, enrol.DescriptorModel())
	if err != nil {
		return mapErr(err, "gallery "+req.Name)
	}
	api.WriteJSON(w, http.StatusCreated, viewOf(g))
	return nil
}

func (s *Store) serveEnrol(w http.ResponseWriter, r *http.Request, project, ref string, enrol Enroller) error {
	var req EnrolRequest
	if err := readJSON(w, r, maxEnrolBody, &req); err != nil {
		return err
	}
	if req.Label == "" {
		return catalog.New(catalog.AIP0006, "label")
	}
	if !ValidLabel(req.Label) {
		return catalog.New(catalog.AIP0007, "label")
	}
	if len(req.Images) == 0 {
		return catalog.New(catalog.AIP0006, "images")
	}
	if len(req.Images) > MaxFacesPerLabel {
		return catalog.New(catalog.AIP0010, "images", len(req.Images), 1, MaxFacesPerLabel)
	}
	if enrol == nil {
		return catalog.New(catalog.AIP0004).Wrap(errors.New("the image engine is not started"))
	}
	// The gallery must exist before photos are worked on.
	if _, err := s.Get(r.Context(), project, ref); err != nil {
		return mapErr(err, "gallery "+ref)
	}
	descs := make([]Vector, 0, len(req.Images))
	for i, b64 := range req.Images {
		data, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return catalog.New(catalog.AIP0016, fmt.Sprintf("images[%d] is not base64", i))
		}
		d, err := enrol.Enroll(r.Context(), data)
		var bad *PhotoError
		switch {
		case errors.As(err, &bad):
			return catalog.New(catalog.AIP0016, fmt.Sprintf("images[%d] %s", i, bad.Reason)).Wrap(err)
		case err != nil:
			if e, ok := catalog.From(err); ok && isImageKind(e.Kind()) {
				return catalog.New(catalog.AIP0016, fmt.Sprintf("images[%d] is not an image the service accepts (JPEG, PNG or BMP, 15-4096 px)", i)).Wrap(err)
			}
			return err
		}
		descs = append(descs, d)
	}
	p, err := s.AddFaces(r.Context(), project, ref, req.Label, enrol.DescriptorModel(), descs)
	if err != nil {
		return mapErr(err, "gallery "+ref)
	}
	api.WriteJSON(w, http.StatusCreated, PersonView{Label: p.Label, Faces: len(p.Faces)})
	return nil
}

// PhotoError says why an enrolment photo cannot give a descriptor.
type PhotoError struct{ Reason string }

func (e *PhotoError) Error() string { return "gallery: photo " + e.Reason }

func isImageKind(k catalog.Kind) bool {
	switch k {
	case catalog.KindImageFormat, catalog.KindImageSize, catalog.KindImageQuality, catalog.KindImageEmpty, catalog.KindColorDepth, catalog.KindFileType:
		return true
	}
	return false
}

// mapErr gives gallery conditions their AIP codes.
func mapErr(err error, what string) error {
	switch {
	case errors.Is(err, ErrNotFound):
		return catalog.New(catalog.AIP0016, what+" does not exist").Wrap(err)
	case errors.Is(err, ErrConflict):
		return catalog.New(catalog.AIP0014, what).Wrap(err)
	case errors.Is(err, ErrFull), errors.Is(err, ErrInvalid):
		return catalog.New(catalog.AIP0016, err.Error()).Wrap(err)
	}
	return catalog.E(catalog.KindInternal).Wrap(err)
}

func methodNotAllowed(method, allow string) error {
	return catalog.New(catalog.AIP0008, method, allow).WithHeader("Allow", allow)
}
