// Package gallery keeps the celebrity galleries a project enrols for
// celebrity recognition: named sets of people, each with the face
// descriptors of one or more photos. Galleries are store resources of kind
// "celebrity-gallery" owned by the project; the body holds the
// descriptors. The photos themselves are not kept: a descriptor is all
// matching needs, and a face photo is personal data the operator should
// not hold longer than the enrolment takes. A gallery records the
// descriptor model it was built with, so a model change is detected
// instead of silently comparing incompatible vectors.
package gallery

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aisd/aisd/internal/store"
)

// Kind is the store resource kind of a gallery.
const Kind = "celebrity-gallery"

// Limits of what one gallery holds; they bound a resource body, which
// every recognition call reads, to about 14 MB (a descriptor is 1024
// float32 values, 5.5 kB in base64).
const (
	MaxPeople        = 500
	MaxFacesPerLabel = 5
	MaxNameLen       = 64
	MaxLabelLen      = 128
	MaxDescLen       = 256
)

// Face is one enrolled photo's descriptor.
type Face struct {
	ID         string    `json:"id"`
	Descriptor Vector    `json:"descriptor"`
	AddedAt    time.Time `json:"added_at"`
}

// Person is one identity: the label recognition answers, and its faces.
type Person struct {
	Label string `json:"label"`
	Faces []Face `json:"faces"`
}

// Gallery is one gallery as stored.
type Gallery struct {
	ID          string    `json:"-"`
	Name        string    `json:"-"`
	Description string    `json:"description"`
	Model       string    `json:"model"` // descriptor model name
	People      []Person  `json:"people"`
	CreatedAt   time.Time `json:"-"`
	UpdatedAt   time.Time `json:"-"`
}

// Vector is a descriptor; JSON carries it as base64 of little-endian
// float32 values (a third of the size of a JSON number array).
type Vector []float32

// MarshalJSON encodes the vector as base64.
func (v Vector) MarshalJSON() ([]byte, error) {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return json.Marshal(base64.StdEncoding.EncodeToString(b))
}

// UnmarshalJSON decodes base64 float32 values.
func (v *Vector) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	if len(b)%4 != 0 {
		return fmt.Errorf("gallery: descriptor of %d bytes", len(b))
	}
	out := make(Vector, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	*v = out
	return nil
}

// Errors the management API answers with its own codes.
var (
	ErrNotFound = errors.New("gallery: not found")
	ErrConflict = errors.New("gallery: already exists")
	ErrFull     = errors.New("gallery: limit reached")
	ErrInvalid  = errors.New("gallery: invalid")
)

// Store keeps galleries in the platform store.
type Store struct {
	st  store.Store
	now func() time.Time
	// mu serialises this process's read-modify-write of gallery bodies
	// (two enrolments at once would otherwise lose one).
	mu sync.Mutex
}

// New returns the gallery store over st.
func New(st store.Store) *Store { return &Store{st: st, now: time.Now} }

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ValidName accepts gallery names of 1–64 letters, digits, '-', '_' and
// '.', so a name is also a path segment.
func ValidName(s string) bool {
	if s == "" || len(s) > MaxNameLen {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// ValidLabel accepts 1–128 characters of printable UTF-8 without leading
// or trailing space and without '/'.
func ValidLabel(s string) bool {
	if s == "" || !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxLabelLen || strings.TrimSpace(s) != s || strings.Contains(s, "/") {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func decode(r store.Resource) (Gallery, error) {
	var g Gallery
	if err := json.Unmarshal(r.Body, &g); err != nil {
		return g, fmt.Errorf("gallery %s: %w", r.ID, err)
	}
	g.ID, g.Name, g.CreatedAt, g.UpdatedAt = r.ID, r.Name, r.CreatedAt, r.UpdatedAt
	return g, nil
}

func encode(project string, g Gallery) (store.Resource, error) {
	if g.People == nil {
		g.People = []Person{}
	}
	body, err := json.Marshal(g)
	if err != nil {
		return store.Resource{}, err
	}
	return store.Resource{Kind: Kind, Owner: project, ID: g.ID, Name: g.Name, Body: body, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}, nil
}

// Create adds an empty gallery; ErrConflict when the name is taken.
func (s *Store) Create(ctx context.Context, project, name, description, model string) (Gallery, error) {
	if !ValidName(name) {
		return Gallery{}, fmt.Errorf("%w: name", ErrInvalid)
	}
	if utf8.RuneCountInString(description) > MaxDescLen {
		return Gallery{}, fmt.Errorf("%w: description", ErrInvalid)
	}
	now := s.now().UTC()
	g := Gallery{ID: newID(), Name: name, Description: description, Model: model, People: []Person{}, CreatedAt: now, UpdatedAt: now}
	r, err := encode(project, g)
	if err != nil {
		return Gallery{}, err
	}
	if err := s.st.CreateResource(ctx, r); errors.Is(err, store.ErrConflict) {
		return Gallery{}, ErrConflict
	} else if err != nil {
		return Gallery{}, err
	}
	return g, nil
}

// Get finds a gallery by ID or, failing that, by name.
func (s *Store) Get(ctx context.Context, project, ref string) (Gallery, error) {
	r, err := s.st.GetResource(ctx, Kind, project, ref)
	if errors.Is(err, store.ErrNotFound) {
		r, err = s.st.GetResourceByName(ctx, Kind, project, ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return Gallery{}, ErrNotFound
	}
	if err != nil {
		return Gallery{}, err
	}
	return decode(r)
}

// List returns a project's galleries by name.
func (s *Store) List(ctx context.Context, project string) ([]Gallery, error) {
	rs, err := s.st.ListResources(ctx, Kind, project)
	if err != nil {
		return nil, err
	}
	out := make([]Gallery, 0, len(rs))
	for _, r := range rs {
		g, err := decode(r)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// Delete removes a gallery by ID or name.
func (s *Store) Delete(ctx context.Context, project, ref string) error {
	g, err := s.Get(ctx, project, ref)
	if err != nil {
		return err
	}
	if err := s.st.DeleteResource(ctx, Kind, project, g.ID); errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	} else if err != nil {
		return err
	}
	return nil
}

func (s *Store) save(ctx context.Context, project string, g Gallery) error {
	g.UpdatedAt = s.now().UTC()
	r, err := encode(project, g)
	if err != nil {
		return err
	}
	if err := s.st.UpdateResource(ctx, r); errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	} else if err != nil {
		return err
	}
	return nil
}

// AddFaces enrols descriptors under label, creating the person when new.
// Every descriptor must come from the gallery's model.
func (s *Store) AddFaces(ctx context.Context, project, ref, label, model string, descs []Vector) (Person, error) {
	if !ValidLabel(label) {
		return Person{}, fmt.Errorf("%w: label", ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.Get(ctx, project, ref)
	if err != nil {
		return Person{}, err
	}
	if g.Model != model {
		return Person{}, fmt.Errorf("%w: the gallery holds %s descriptors, the engine makes %s ones", ErrInvalid, g.Model, model)
	}
	i := g.find(label)
	if i < 0 {
		if len(g.People) >= MaxPeople {
			return Person{}, fmt.Errorf("%w: %d people", ErrFull, MaxPeople)
		}
		g.People = append(g.People, Person{Label: label})
		i = len(g.People) - 1
	}
	p := &g.People[i]
	if len(p.Faces)+len(descs) > MaxFacesPerLabel {
		return Person{}, fmt.Errorf("%w: %d faces per person", ErrFull, MaxFacesPerLabel)
	}
	now := s.now().UTC()
	for _, d := range descs {
		p.Faces = append(p.Faces, Face{ID: newID(), Descriptor: d, AddedAt: now})
	}
	out := *p
	if err := s.save(ctx, project, g); err != nil {
		return Person{}, err
	}
	return out, nil
}

// RemovePerson drops label and its faces.
func (s *Store) RemovePerson(ctx context.Context, project, ref, label string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.Get(ctx, project, ref)
	if err != nil {
		return err
	}
	i := g.find(label)
	if i < 0 {
		return ErrNotFound
	}
	g.People = append(g.People[:i], g.People[i+1:]...)
	return s.save(ctx, project, g)
}

func (g Gallery) find(label string) int {
	for i, p := range g.People {
		if p.Label == label {
			return i
		}
	}
	return -1
}

// Match is the best enrolled face for a descriptor.
type Match struct {
	Label   string
	Gallery string
	Cosine  float32
}

// Best finds, over galleries built with model, the person whose closest
// face is nearest to d (cosine of unit vectors). ok is false when no
// gallery holds a face of that model.
func Best(galleries []Gallery, model string, d []float32) (m Match, ok bool) {
	m.Cosine = -2
	for _, g := range galleries {
		if g.Model != model {
			continue
		}
		for _, p := range g.People {
			for _, f := range p.Faces {
				if len(f.Descriptor) != len(d) {
					continue
				}
				var s float32
				for i := range d {
					s += d[i] * f.Descriptor[i]
				}
				ok = true
				if s > m.Cosine {
					m = Match{Label: p.Label, Gallery: g.Name, Cosine: s}
				}
			}
		}
	}
	return m, ok
}

// Enrolled reports whether any gallery holds a face of model.
func Enrolled(galleries []Gallery, model string) bool {
	for _, g := range galleries {
		if g.Model != model {
			continue
		}
		for _, p := range g.People {
			if len(p.Faces) > 0 {
				return true
			}
		}
	}
	return false
}
