package template

import (
	"context"

	"github.com/aisd/aisd/internal/store"
)

// Resource is the store's project-owned configuration object.
type Resource = store.Resource

// Resources is the part of the store templates and classifiers live in.
type Resources interface {
	CreateResource(ctx context.Context, r Resource) error
	GetResource(ctx context.Context, kind, owner, id string) (Resource, error)
	ListResources(ctx context.Context, kind, owner string) ([]Resource, error)
	DeleteResource(ctx context.Context, kind, owner, id string) error
}
