package infer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
)

// createBody is the admin API's registration: a name and either an engine
// or a model (its ONNX file in base64 with the inputs and outputs it is
// called with).
type createBody struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Engine      string `json:"engine"`
	Model       *struct {
		ONNX    string       `json:"onnx"`
		Inputs  []TensorSpec `json:"inputs"`
		Outputs []TensorSpec `json:"outputs"`
	} `json:"model"`
}

// Handler serves the admin API of a project's services, mounted by the
// server behind the administrator check:
//
//	GET    /v1/admin/projects/{project_id}/infer-services
//	POST   /v1/admin/projects/{project_id}/infer-services
//	GET    /v1/admin/projects/{project_id}/infer-services/{service_id}
//	PATCH  /v1/admin/projects/{project_id}/infer-services/{service_id}  {"state":"stopped"|"running"}
//	DELETE /v1/admin/projects/{project_id}/infer-services/{service_id}
//
// allow checks the caller may act on the project. Errors speak the AIP
// dialect; a service of another project is "not found".
func (m *Manager) Handler(allow func(ctx context.Context, projectID string) error) http.Handler {
	return api.InFamily(catalog.FamilyAIP, api.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		project := r.PathValue("project_id")
		if err := allow(r.Context(), project); err != nil {
			return err
		}
		id := r.PathValue("service_id")
		var err error
		switch {
		case id == "" && r.Method == http.MethodGet:
			var ss []Service
			if ss, err = m.List(r.Context(), project); err == nil {
				api.WriteJSON(w, http.StatusOK, map[string]any{"services": ss})
			}
		case id == "" && r.Method == http.MethodPost:
			err = m.serveCreate(w, r, project)
		case id == "":
			return catalog.New(catalog.AIP0008, r.Method, "GET,POST")
		default:
			var s Service
			s, err = m.Get(r.Context(), id)
			if err == nil && s.ProjectID != project {
				err = store.ErrNotFound
			}
			if err != nil {
				break
			}
			switch r.Method {
			case http.MethodGet:
				api.WriteJSON(w, http.StatusOK, map[string]any{"service": s})
			case http.MethodPatch:
				var in struct {
					State string `json:"state"`
				}
				if err = json.NewDecoder(r.Body).Decode(&in); err != nil {
					return catalog.New(catalog.AIP0009).Wrap(err)
				}
				if s, err = m.SetState(r.Context(), s.ID, in.State); err == nil {
					api.WriteJSON(w, http.StatusOK, map[string]any{"service": s})
				}
			case http.MethodDelete:
				if err = m.Delete(r.Context(), s.ID); err == nil {
					w.WriteHeader(http.StatusNoContent)
				}
			default:
				return catalog.New(catalog.AIP0008, r.Method, "GET,PATCH,DELETE")
			}
		}
		return adminErr(err)
	}))
}

// ForwardingMsg is AIP.0016's reason for a model service refused on a
// forwarding replica.
const ForwardingMsg = "model services are not available when the server forwards its engines to inference workers (workers is set): a model's file would stay on the replica that registered it, and the other replicas could not run it; serve an engine (engine services are shared), or register models on a server without workers"

func adminErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrSpec):
		return catalog.New(catalog.AIP0016, err.Error()).Wrap(err)
	case errors.Is(err, ErrForwarding):
		return catalog.New(catalog.AIP0016, ForwardingMsg).Wrap(err)
	case errors.Is(err, ErrNotLoaded):
		return catalog.New(catalog.AIP0016, "the model cannot be loaded: ONNX Runtime is not installed on the server").Wrap(err)
	case errors.Is(err, store.ErrNotFound):
		return catalog.New(catalog.AIP0016, "no such inference service in the project").Wrap(err)
	case errors.Is(err, store.ErrConflict):
		return catalog.New(catalog.AIP0014, "the service name").Wrap(err)
	}
	return err
}

func (m *Manager) serveCreate(w http.ResponseWriter, r *http.Request, project string) error {
	var in createBody
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, m.o.MaxModelBytes*4/3+1<<20)).Decode(&in); err != nil {
		return catalog.New(catalog.AIP0009).Wrap(err)
	}
	if in.Name == "" {
		return catalog.New(catalog.AIP0006, "name")
	}
	s := Service{Name: in.Name, ProjectID: project, Description: in.Description, Engine: in.Engine}
	var model []byte
	if in.Model != nil {
		var err error
		if model, err = base64.StdEncoding.DecodeString(in.Model.ONNX); err != nil || len(model) == 0 {
			return catalog.New(catalog.AIP0007, "model.onnx")
		}
		s.Model = &ModelSpec{Inputs: in.Model.Inputs, Outputs: in.Model.Outputs}
	}
	out, err := m.Create(r.Context(), s, model)
	if err != nil {
		return adminErr(err)
	}
	api.WriteJSON(w, http.StatusCreated, map[string]any{"service": out})
	return nil
}
