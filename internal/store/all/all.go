// Package all links every store backend, so store.Open accepts each DSN
// scheme: import it for its side effect.
package all

import (
	_ "github.com/aisd/aisd/internal/store/memory"   // memory:
	_ "github.com/aisd/aisd/internal/store/postgres" // postgres://, postgresql://
	_ "github.com/aisd/aisd/internal/store/sqlite"   // sqlite:
)
