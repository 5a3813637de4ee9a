// Package infer holds ModelArts-style real-time inference services, served
// by the gateway at /v1/infers/{service_id}/…: either one of the installed
// engines (its APIs under the service's URL) or an ONNX model an operator
// registered with its input and output specification ("bring your own
// model"), run through internal/engine.
//
// A service is a store Resource of kind "infer_service" (the platform's,
// owner "*": the URL names the service, not its project) whose body holds
// the project it belongs to; a registered model's file is kept under the
// manager's directory, named by the service ID.
package infer

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/store"
)

// KindService is the Resource kind of an inference service.
const KindService = "infer_service"

// owner is the Resource owner of every service (see the package comment).
const owner = "*"

// The states of a service.
const (
	StateRunning = "running"
	StateStopped = "stopped"
)

// Engines are the installed engines a service may serve, by the family
// whose APIs they answer.
var Engines = map[string]catalog.Family{"ocr": catalog.FamilyOCR, "image": catalog.FamilyImage, "moderation": catalog.FamilyModeration}

// Service is an inference service as the admin API shows it.
type Service struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	ProjectID   string     `json:"project_id"`
	Description string     `json:"description,omitempty"`
	State       string     `json:"state"`
	Engine      string     `json:"engine,omitempty"` // an installed engine's APIs
	Model       *ModelSpec `json:"model,omitempty"`  // or a registered ONNX model
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// ModelSpec is a registered model: its file's digest and the inputs and
// outputs it is called with.
type ModelSpec struct {
	SHA256  string       `json:"sha256"`
	Size    int64        `json:"size"`
	Inputs  []TensorSpec `json:"inputs"`
	Outputs []TensorSpec `json:"outputs"`
}

// TensorSpec describes one input or output: its name in the graph, its
// element type (float32, the type every input is sent as) and shape (-1
// for a dimension the caller chooses). An output may carry class labels:
// its last dimension then indexes them, and the answer lists the labels
// by score.
type TensorSpec struct {
	Name   string   `json:"name"`
	DType  string   `json:"dtype"`
	Shape  []int64  `json:"shape"`
	Labels []string `json:"labels,omitempty"`
}

// Errors of the admin API.
var (
	// ErrSpec: a registration whose specification is wrong or does not
	// fit its model.
	ErrSpec = errors.New("infer: invalid service")
	// ErrNotLoaded: the model of a service cannot be loaded (its file is
	// gone or ONNX Runtime is not installed): the service is not started.
	ErrNotLoaded = errors.New("infer: model not loaded")
	// ErrForwarding: a model service registered on a replica that
	// forwards its engines to inference workers (see Options.Forwarding).
	ErrForwarding = errors.New("infer: model services do not run on a forwarding replica")
)

func specErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrSpec, fmt.Sprintf(format, args...))
}

// Options configure a Manager.
type Options struct {
	// Dir keeps the registered models' files.
	Dir string
	// Runtime is the ONNX Runtime library, initialised when a model is
	// first opened (engine.Init is idempotent for one path).
	Runtime string
	Engine  engine.Options
	// MaxModelBytes bounds a registered model (default 256 MiB).
	MaxModelBytes int64
	// Forwarding refuses new model services: the replica forwards its
	// engines to inference workers, so it is one of several that share
	// the store, and a model's file kept on its disk would run here only
	// while the others answered ModelArts.4508 for it. Engine services
	// are unaffected (their calls go to the workers like any other).
	Forwarding bool
	Now        func() time.Time
}

// Manager registers, lists and runs the services.
type Manager struct {
	st store.Store
	o  Options

	mu     sync.Mutex
	models map[string]*loaded // by service ID
}

type loaded struct {
	m    *engine.Model
	hash string
}

// New returns a manager over st.
func New(st store.Store, o Options) *Manager {
	if o.MaxModelBytes <= 0 {
		o.MaxModelBytes = 256 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Manager{st: st, o: o, models: map[string]*loaded{}}
}

// validID is the form of a service ID: 32 hexadecimal digits, or a UUID
// with its dashes as ModelArts prints them.
var validID = regexp.MustCompile(`^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$`)

// ValidID reports whether s has the form of a service ID.
func ValidID(s string) bool { return validID.MatchString(s) }

// canonical folds the two forms of an ID to the stored one.
func canonical(id string) string { return strings.ToLower(strings.ReplaceAll(id, "-", "")) }

var validName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// Create registers a service of a project: an installed engine (engine
// set) or an ONNX model (model's bytes with its spec).
func (m *Manager) Create(ctx context.Context, s Service, model []byte) (Service, error) {
	if !validName.MatchString(s.Name) {
		return Service{}, specErr("name %q: a letter, then up to 63 letters, digits, - or _", s.Name)
	}
	switch {
	case s.Engine != "" && (s.Model != nil || model != nil):
		return Service{}, specErr("a service serves an engine or a model, not both")
	case s.Engine != "":
		if _, ok := Engines[s.Engine]; !ok {
			return Service{}, specErr("engine %q: one of ocr, image, moderation", s.Engine)
		}
	case s.Model == nil || len(model) == 0:
		return Service{}, specErr("give an engine, or a model with its inputs and outputs")
	case m.o.Forwarding:
		return Service{}, ErrForwarding
	}
	now := m.o.Now().UTC().Truncate(time.Millisecond)
	s.ID = newID()
	s.State, s.CreatedAt, s.UpdatedAt = StateRunning, now, now
	if s.Model != nil {
		if int64(len(model)) > m.o.MaxModelBytes {
			return Service{}, specErr("model of %d bytes, the limit is %d", len(model), m.o.MaxModelBytes)
		}
		if err := m.checkModel(s.Model, model); err != nil {
			return Service{}, err
		}
		sum := sha256.Sum256(model)
		s.Model.SHA256, s.Model.Size = hex.EncodeToString(sum[:]), int64(len(model))
		if err := os.MkdirAll(m.o.Dir, 0o700); err != nil {
			return Service{}, err
		}
		if err := writeFile(m.path(s.ID), model); err != nil {
			return Service{}, err
		}
	}
	body, err := json.Marshal(s)
	if err != nil {
		return Service{}, err
	}
	if err := m.st.CreateResource(ctx, store.Resource{Kind: KindService, Owner: owner, ID: s.ID, Name: s.ProjectID + "/" + s.Name,
		Body: body, CreatedAt: now, UpdatedAt: now}); err != nil {
		if s.Model != nil {
			os.Remove(m.path(s.ID))
		}
		return Service{}, err
	}
	return s, nil
}

func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

func (m *Manager) path(id string) string { return filepath.Join(m.o.Dir, id+".onnx") }

// checkModel opens the model and holds the spec against the graph: the
// same input and output names, float32 inputs, equal ranks, and fixed
// dimensions where the graph fixes them.
func (m *Manager) checkModel(spec *ModelSpec, model []byte) error {
	if len(spec.Inputs) == 0 || len(spec.Outputs) == 0 {
		return specErr("a model has inputs and outputs")
	}
	if err := m.init(); err != nil {
		return err
	}
	em, err := engine.OpenData("registered model", model, engine.Options{PoolSize: 1, IntraOpThreads: 1})
	if err != nil {
		return specErr("not an ONNX model ONNX Runtime can load: %v", err)
	}
	defer em.Close()
	match := func(what string, specs []TensorSpec, infos []engine.IOInfo, input bool) error {
		if len(specs) != len(infos) {
			return specErr("the model has %d %ss, the spec %d", len(infos), what, len(specs))
		}
		for i := range specs {
			sp := &specs[i]
			j := slices.IndexFunc(infos, func(in engine.IOInfo) bool { return in.Name == sp.Name })
			if j < 0 {
				return specErr("the model has no %s %q", what, sp.Name)
			}
			info := infos[j]
			if sp.DType == "" {
				sp.DType = info.Type
			}
			if sp.DType != info.Type {
				return specErr("%s %q is %s in the model, %s in the spec", what, sp.Name, info.Type, sp.DType)
			}
			if input && sp.DType != string(engine.Float32) {
				return specErr("input %q is %s: inputs are float32", sp.Name, sp.DType)
			}
			if len(sp.Shape) == 0 {
				sp.Shape = append([]int64(nil), info.Shape...)
			}
			if len(sp.Shape) != len(info.Shape) {
				return specErr("%s %q has rank %d in the model, %d in the spec", what, sp.Name, len(info.Shape), len(sp.Shape))
			}
			for k, d := range sp.Shape {
				if d == 0 || d < -1 || (info.Shape[k] > 0 && d != -1 && d != info.Shape[k]) {
					return specErr("%s %q: dimension %d is %d in the model, %d in the spec", what, sp.Name, k, info.Shape[k], d)
				}
			}
			if n := len(sp.Labels); n > 0 {
				if input {
					return specErr("input %q: labels belong to outputs", sp.Name)
				}
				if last := sp.Shape[len(sp.Shape)-1]; last > 0 && last != int64(n) {
					return specErr("output %q has %d classes, %d labels", sp.Name, last, n)
				}
			}
		}
		return nil
	}
	if err := match("input", spec.Inputs, em.Inputs(), true); err != nil {
		return err
	}
	return match("output", spec.Outputs, em.Outputs(), false)
}

func (m *Manager) init() error {
	if engine.Initialized() {
		return nil
	}
	if m.o.Runtime == "" {
		return fmt.Errorf("%w: ONNX Runtime is not installed", ErrNotLoaded)
	}
	if _, err := os.Stat(m.o.Runtime); err != nil {
		return fmt.Errorf("%w: ONNX Runtime is not installed (%v)", ErrNotLoaded, err)
	}
	if err := engine.Init(m.o.Runtime); err != nil {
		return fmt.Errorf("%w: %v", ErrNotLoaded, err)
	}
	return nil
}

// Get returns a service by ID (either form); store.ErrNotFound.
func (m *Manager) Get(ctx context.Context, id string) (Service, error) {
	r, err := m.st.GetResource(ctx, KindService, owner, canonical(id))
	if err != nil {
		return Service{}, err
	}
	var s Service
	if err := json.Unmarshal(r.Body, &s); err != nil {
		return Service{}, fmt.Errorf("inference service %s: %w", r.ID, err)
	}
	return s, nil
}

// List returns a project's services.
func (m *Manager) List(ctx context.Context, projectID string) ([]Service, error) {
	rs, err := m.st.ListResources(ctx, KindService, owner)
	if err != nil {
		return nil, err
	}
	out := []Service{}
	for _, r := range rs {
		var s Service
		if err := json.Unmarshal(r.Body, &s); err != nil {
			return nil, fmt.Errorf("inference service %s: %w", r.ID, err)
		}
		if s.ProjectID == projectID {
			out = append(out, s)
		}
	}
	return out, nil
}

// SetState starts or stops a service; a stopped model is unloaded.
func (m *Manager) SetState(ctx context.Context, id, state string) (Service, error) {
	if state != StateRunning && state != StateStopped {
		return Service{}, specErr("state %q: running or stopped", state)
	}
	s, err := m.Get(ctx, id)
	if err != nil {
		return Service{}, err
	}
	s.State, s.UpdatedAt = state, m.o.Now().UTC().Truncate(time.Millisecond)
	body, err := json.Marshal(s)
	if err != nil {
		return Service{}, err
	}
	if err := m.st.UpdateResource(ctx, store.Resource{Kind: KindService, Owner: owner, ID: s.ID, Name: s.ProjectID + "/" + s.Name,
		Body: body, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}); err != nil {
		return Service{}, err
	}
	if state == StateStopped {
		m.unload(s.ID)
	}
	return s, nil
}

// Delete removes a service and its model file.
func (m *Manager) Delete(ctx context.Context, id string) error {
	s, err := m.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := m.st.DeleteResource(ctx, KindService, owner, s.ID); err != nil {
		return err
	}
	m.unload(s.ID)
	if s.Model != nil {
		os.Remove(m.path(s.ID))
	}
	return nil
}

func (m *Manager) unload(id string) {
	m.mu.Lock()
	l := m.models[id]
	delete(m.models, id)
	m.mu.Unlock()
	if l != nil {
		l.m.Close()
	}
}

// Close unloads every model.
func (m *Manager) Close() error {
	m.mu.Lock()
	ls := m.models
	m.models = map[string]*loaded{}
	m.mu.Unlock()
	for _, l := range ls {
		l.m.Close()
	}
	return nil
}

// model returns a service's opened model, loading it on first use; a file
// that is missing or no longer the registered one is ErrNotLoaded.
func (m *Manager) model(s Service) (*engine.Model, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.models[s.ID]; ok && l.hash == s.Model.SHA256 {
		return l.m, nil
	}
	if err := m.init(); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(m.path(s.ID))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotLoaded, err)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != s.Model.SHA256 {
		return nil, fmt.Errorf("%w: %s is not the registered model", ErrNotLoaded, m.path(s.ID))
	}
	em, err := engine.OpenData(m.path(s.ID), b, m.o.Engine)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotLoaded, err)
	}
	m.models[s.ID] = &loaded{m: em, hash: s.Model.SHA256}
	return em, nil
}

// Request is the body of a call to a model service: each input by name,
// its shape and its values in row-major order.
type Request struct {
	Inputs map[string]struct {
		Shape []int64   `json:"shape"`
		Data  []float64 `json:"data"`
	} `json:"inputs"`
}

// Response is the answer of a model service: every output, and for those
// with labels the classes of each row, best first.
type Response struct {
	Outputs     map[string]Output         `json:"outputs"`
	Predictions map[string][][]Prediction `json:"predictions,omitempty"`
}

// Output is an output tensor.
type Output struct {
	Shape []int64   `json:"shape"`
	Data  []float64 `json:"data"`
}

// Prediction is one class of a labelled output.
type Prediction struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// maxElements bounds an input tensor (a float64 slice of this size is
// 128 MiB; the gateway's body limit keeps real requests far below).
const maxElements = 1 << 24

// Infer runs a model service on a request body. A body that is no JSON is
// bad_json, inputs that do not fit the spec bad_param, a model the engine
// cannot run on them recognition_failed, a model that cannot be loaded
// ErrNotLoaded.
func (m *Manager) Infer(ctx context.Context, s Service, body []byte) (Response, error) {
	ins, err := s.tensors(body)
	if err != nil {
		return Response{}, err
	}
	em, err := m.model(s)
	if err != nil {
		return Response{}, err
	}
	outs, err := em.Run(ctx, ins)
	if err != nil {
		if ctx.Err() != nil {
			return Response{}, ctx.Err()
		}
		// The inputs fit the spec, yet the engine refused them (a shape
		// the graph cannot take) or failed: the model's failure.
		return Response{}, catalog.E(catalog.KindRecognition).Wrap(err)
	}
	resp := Response{Outputs: map[string]Output{}}
	for _, o := range outs {
		i := slices.IndexFunc(s.Model.Outputs, func(sp TensorSpec) bool { return sp.Name == o.Name })
		if i < 0 {
			continue
		}
		out := Output{Shape: o.Shape}
		switch o.DType() {
		case engine.Int32:
			for _, v := range o.Int32 {
				out.Data = append(out.Data, float64(v))
			}
		case engine.Int64:
			for _, v := range o.Int64 {
				out.Data = append(out.Data, float64(v))
			}
		default:
			for _, v := range o.Data {
				out.Data = append(out.Data, float64(v))
			}
		}
		resp.Outputs[o.Name] = out
		if labels := s.Model.Outputs[i].Labels; len(labels) > 0 && len(o.Shape) > 0 && o.Shape[len(o.Shape)-1] == int64(len(labels)) {
			if resp.Predictions == nil {
				resp.Predictions = map[string][][]Prediction{}
			}
			resp.Predictions[o.Name] = predictions(out.Data, labels)
		}
	}
	return resp, nil
}

// predictions ranks each row of a labelled output.
func predictions(data []float64, labels []string) [][]Prediction {
	var rows [][]Prediction
	for off := 0; off+len(labels) <= len(data); off += len(labels) {
		row := make([]Prediction, len(labels))
		for j, l := range labels {
			row[j] = Prediction{Label: l, Score: data[off+j]}
		}
		slices.SortStableFunc(row, func(a, b Prediction) int {
			switch {
			case a.Score > b.Score:
				return -1
			case a.Score < b.Score:
				return 1
			}
			return 0
		})
		rows = append(rows, row)
	}
	return rows
}

// tensors decodes and checks a call's body against the service's inputs:
// every input present with its shape and exactly its values, no other.
func (s Service) tensors(body []byte) ([]engine.Tensor, error) {
	var req Request
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, catalog.E(catalog.KindBadJSON).Wrap(err)
	}
	if len(req.Inputs) == 0 {
		return nil, catalog.E(catalog.KindMissingParam, "inputs").Wrap(errors.New("no inputs"))
	}
	var ins []engine.Tensor
	for _, sp := range s.Model.Inputs {
		in, ok := req.Inputs[sp.Name]
		if !ok {
			return nil, catalog.E(catalog.KindMissingParam, "inputs."+sp.Name).Wrap(fmt.Errorf("input %q missing", sp.Name))
		}
		if len(in.Shape) != len(sp.Shape) {
			return nil, catalog.E(catalog.KindBadParam, "inputs."+sp.Name).Wrap(fmt.Errorf("input %q has rank %d, the service takes %d (%v)", sp.Name, len(in.Shape), len(sp.Shape), sp.Shape))
		}
		n := int64(1)
		for k, d := range in.Shape {
			if d <= 0 || (sp.Shape[k] > 0 && d != sp.Shape[k]) {
				return nil, catalog.E(catalog.KindBadParam, "inputs."+sp.Name).Wrap(fmt.Errorf("input %q shape %v, the service takes %v", sp.Name, in.Shape, sp.Shape))
			}
			// Checked before multiplying: a product past int64 wraps round.
			if d > maxElements/n {
				return nil, catalog.E(catalog.KindBadParam, "inputs."+sp.Name).Wrap(fmt.Errorf("input %q over %d elements", sp.Name, maxElements))
			}
			n *= d
		}
		if int64(len(in.Data)) != n {
			return nil, catalog.E(catalog.KindBadParam, "inputs."+sp.Name).Wrap(fmt.Errorf("input %q shape %v needs %d values, has %d", sp.Name, in.Shape, n, len(in.Data)))
		}
		data := make([]float32, n)
		for i, v := range in.Data {
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > math.MaxFloat32 {
				return nil, catalog.E(catalog.KindBadParam, "inputs."+sp.Name).Wrap(fmt.Errorf("input %q value %d is not a float32", sp.Name, i))
			}
			data[i] = float32(v)
		}
		ins = append(ins, engine.Tensor{Name: sp.Name, Shape: in.Shape, Data: data})
	}
	for name := range req.Inputs {
		if !slices.ContainsFunc(s.Model.Inputs, func(sp TensorSpec) bool { return sp.Name == name }) {
			return nil, catalog.E(catalog.KindBadParam, "inputs."+name).Wrap(fmt.Errorf("the service has no input %q", name))
		}
	}
	return ins, nil
}
