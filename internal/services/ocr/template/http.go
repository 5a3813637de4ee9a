package template

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
)

// TemplateView is the wire form of a template.
type TemplateView struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	ProjectID  string   `json:"project_id"`
	Width      int      `json:"width"`
	Height     int      `json:"height"`
	Anchors    []Anchor `json:"anchors"`
	Areas      []Area   `json:"areas"`
	ImageURL   string   `json:"image_url,omitempty"`
	Image      string   `json:"image,omitempty"` // GET of one template only
	CreateTime string   `json:"create_time"`
	UpdateTime string   `json:"update_time"`
}

// TemplateList is the wire form of a template listing.
type TemplateList struct {
	Count     int            `json:"count"`
	Templates []TemplateView `json:"templates"`
}

// ClassifierView is the wire form of a classifier.
type ClassifierView struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	ProjectID   string   `json:"project_id"`
	TemplateIDs []string `json:"template_ids"`
	CreateTime  string   `json:"create_time"`
	UpdateTime  string   `json:"update_time"`
}

// ClassifierList is the wire form of a classifier listing.
type ClassifierList struct {
	Count       int              `json:"count"`
	Classifiers []ClassifierView `json:"classifiers"`
}

func templateView(t Stored[Template], withImage bool) TemplateView {
	v := TemplateView{ID: t.ID, Name: t.Name, ProjectID: t.Project, Width: t.Body.Width, Height: t.Body.Height,
		Anchors: t.Body.Anchors, Areas: t.Body.Areas, ImageURL: t.Body.ImageURL,
		CreateTime: t.CreatedAt.UTC().Format(time.RFC3339), UpdateTime: t.UpdatedAt.UTC().Format(time.RFC3339)}
	if withImage {
		v.Image = t.Body.Image
	}
	return v
}

func classifierView(c Stored[Classifier]) ClassifierView {
	return ClassifierView{ID: c.ID, Name: c.Name, ProjectID: c.Project, TemplateIDs: c.Body.TemplateIDs,
		CreateTime: c.CreatedAt.UTC().Format(time.RFC3339), UpdateTime: c.UpdatedAt.UTC().Format(time.RFC3339)}
}

// Handler serves the template and classifier management API (admin
// authentication is the server's):
//
//	POST   /v1/admin/projects/{project_id}/ocr-templates     {"name","image"|"url","anchors":[{"text","location"?}],"areas":[{"name","location"}]}
//	GET    /v1/admin/projects/{project_id}/ocr-templates
//	GET    /v1/admin/projects/{project_id}/ocr-templates/{id}
//	DELETE /v1/admin/projects/{project_id}/ocr-templates/{id}
//	POST   /v1/admin/projects/{project_id}/ocr-classifiers   {"name","template_ids":[...]}
//	GET    /v1/admin/projects/{project_id}/ocr-classifiers[/{id}]
//	DELETE /v1/admin/projects/{project_id}/ocr-classifiers/{id}
//
// allow decides whether the caller may reach the project (the admin API's
// scope check); a nil allow refuses everything. Errors are AIP.* bodies.
func (m *Manager) Handler(allow func(ctx context.Context, projectID string) error) http.Handler {
	if allow == nil {
		allow = func(context.Context, string) error { return catalog.New(catalog.AIP0003) }
	}
	return api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error { return m.serve(w, r, allow) })
}

func (m *Manager) serve(w http.ResponseWriter, r *http.Request, allow func(context.Context, string) error) error {
	project := r.PathValue("project_id")
	if !validProject(project) {
		return catalog.New(catalog.AIP0013, "project_id")
	}
	if err := allow(r.Context(), project); err != nil {
		return err
	}
	id := r.PathValue("id")
	ctx := r.Context()
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case id != "" && strings.HasSuffix(path, "/ocr-templates/"+id):
		switch r.Method {
		case http.MethodGet:
			t, err := m.Template(ctx, project, id)
			if err != nil {
				return notFound("template", id, err)
			}
			api.WriteJSON(w, http.StatusOK, templateView(t, true))
			return nil
		case http.MethodDelete:
			if err := m.DeleteTemplate(ctx, project, id); err != nil {
				return notFound("template", id, err)
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		return methodNotAllowed(r.Method, "GET,DELETE")
	case id != "" && strings.HasSuffix(path, "/ocr-classifiers/"+id):
		switch r.Method {
		case http.MethodGet:
			c, err := m.Classifier(ctx, project, id)
			if err != nil {
				return notFound("classifier", id, err)
			}
			api.WriteJSON(w, http.StatusOK, classifierView(c))
			return nil
		case http.MethodDelete:
			if err := m.DeleteClassifier(ctx, project, id); err != nil {
				return notFound("classifier", id, err)
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		return methodNotAllowed(r.Method, "GET,DELETE")
	case id == "" && strings.HasSuffix(path, "/ocr-templates"):
		switch r.Method {
		case http.MethodGet:
			ts, err := m.Templates(ctx, project)
			if err != nil {
				return catalog.E(catalog.KindInternal).Wrap(err)
			}
			out := TemplateList{Count: len(ts), Templates: make([]TemplateView, 0, len(ts))}
			for _, t := range ts {
				out.Templates = append(out.Templates, templateView(t, false))
			}
			api.WriteJSON(w, http.StatusOK, out)
			return nil
		case http.MethodPost:
			body, err := readBody(w, r, maxCreateBody)
			if err != nil {
				return err
			}
			req, err := ParseCreateTemplate(body)
			if err != nil {
				return err
			}
			t, err := m.CreateTemplate(ctx, project, req)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusCreated, templateView(t, false))
			return nil
		}
		return methodNotAllowed(r.Method, "GET,POST")
	case id == "" && strings.HasSuffix(path, "/ocr-classifiers"):
		switch r.Method {
		case http.MethodGet:
			cs, err := m.Classifiers(ctx, project)
			if err != nil {
				return catalog.E(catalog.KindInternal).Wrap(err)
			}
			out := ClassifierList{Count: len(cs), Classifiers: make([]ClassifierView, 0, len(cs))}
			for _, c := range cs {
				out.Classifiers = append(out.Classifiers, classifierView(c))
			}
			api.WriteJSON(w, http.StatusOK, out)
			return nil
		case http.MethodPost:
			body, err := readBody(w, r, maxClassifierBody)
			if err != nil {
				return err
			}
			req, err := ParseCreateClassifier(body)
			if err != nil {
				return err
			}
			c, err := m.CreateClassifier(ctx, project, req)
			if err != nil {
				return err
			}
			api.WriteJSON(w, http.StatusCreated, classifierView(c))
			return nil
		}
		return methodNotAllowed(r.Method, "GET,POST")
	}
	return catalog.New(catalog.AIP0004)
}

func notFound(what, id string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return catalog.New(catalog.AIP0016, what+" "+id+" does not exist")
	}
	if _, ok := catalog.From(err); ok {
		return err
	}
	return catalog.E(catalog.KindInternal).Wrap(err)
}

func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, catalog.New(catalog.AIP0016, "the body exceeds "+strconv.FormatInt(limit, 10)+" bytes")
		}
		return nil, catalog.E(catalog.KindInternal).Wrap(err)
	}
	return body, nil
}

// validProject accepts the 32 lower-case hex digits project ids are made of.
func validProject(id string) bool { return validID(id) }

func methodNotAllowed(method, allow string) error {
	return catalog.New(catalog.AIP0008, method, allow).WithHeader("Allow", allow)
}
