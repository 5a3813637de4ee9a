package template

import (
	"context"
	"time"
)

// Resource mirrors the store's generic project-owned object until it lands.
type Resource struct {
	Kind, Owner, ID, Name string
	Body                  []byte
	CreatedAt, UpdatedAt  time.Time
}

// Resources is the part of the store templates and classifiers live in.
type Resources interface {
	CreateResource(ctx context.Context, r Resource) error
	GetResource(ctx context.Context, kind, owner, id string) (Resource, error)
	ListResources(ctx context.Context, kind, owner string) ([]Resource, error)
	DeleteResource(ctx context.Context, kind, owner, id string) error
}
