package template

import (
	"context"
	"sort"
	"sync"

	"github.com/aisd/aisd/internal/store"
)

// memResources is a map-backed Resources with the store's semantics
// (conflict on the same kind, owner and name or id; listing by name).
type memResources struct {
	mu sync.Mutex
	m  map[string]Resource
}

func newMemResources() *memResources { return &memResources{m: map[string]Resource{}} }

func (s *memResources) CreateResource(_ context.Context, r Resource) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.m {
		if o.Kind == r.Kind && o.Owner == r.Owner && (o.Name == r.Name || o.ID == r.ID) {
			return store.ErrConflict
		}
	}
	s.m[r.Kind+"/"+r.Owner+"/"+r.ID] = r
	return nil
}

func (s *memResources) GetResource(_ context.Context, kind, owner, id string) (Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[kind+"/"+owner+"/"+id]
	if !ok {
		return Resource{}, store.ErrNotFound
	}
	return r, nil
}

func (s *memResources) ListResources(_ context.Context, kind, owner string) ([]Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Resource
	for _, r := range s.m {
		if r.Kind == kind && r.Owner == owner {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *memResources) DeleteResource(_ context.Context, kind, owner, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := kind + "/" + owner + "/" + id
	if _, ok := s.m[k]; !ok {
		return store.ErrNotFound
	}
	delete(s.m, k)
	return nil
}
