package server

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/platform/obs"
	"github.com/aisd/aisd/internal/store"
)

// readyKey is a setting no one writes: reading it proves the store
// answers without touching any record.
const readyKey = "aisd.readyz"

// readyBucket is a valid bucket name no one creates.
const readyBucket = "aisd-readyz-probe"

// readyz answers 200 when everything the replica depends on answers — the
// store, Redis and the object-store endpoint when configured, and a worker per forwarded engine — and 503 naming what is down
// otherwise, so that a load balancer sends it no calls it would fail.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{}
	var down []string
	check := func(name string, err error) {
		if err != nil {
			checks[name] = err.Error()
			down = append(down, name)
			return
		}
		checks[name] = "ok"
	}
	_, err := s.raw.GetSetting(ctx, "", readyKey)
	if errors.Is(err, store.ErrNotFound) {
		err = nil
	}
	check("store", err)
	if s.redis != nil {
		check("redis", s.redis.Ping(ctx).Err())
	}
	if s.Config.OBSEndpoint != "" && s.OBS != nil {
		// One GET of an ownership record that never exists: it proves the
		// endpoint answers and accepts the key, whatever it holds.
		_, err := s.OBS.BucketOwner(ctx, readyBucket)
		if errors.Is(err, obs.ErrNoSuchBucket) || errors.Is(err, obs.ErrNoSuchKey) {
			err = nil
		}
		check("objects", err)
	}
	s.workersReady(check)
	if len(down) > 0 {
		sort.Strings(down)
		api.WriteJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "down": down, "checks": checks})
		return nil
	}
	api.WriteJSON(w, http.StatusOK, map[string]any{"status": "ready", "checks": checks})
	return nil
}
