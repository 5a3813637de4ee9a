package template

import (
	"testing"

	"github.com/aisd/aisd/internal/store/storetest"
)

// newMemResources is the store's in-memory backend.
func newMemResources(t testing.TB) Resources { return storetest.Memory(t) }
