package workers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/aisd/aisd/internal/store"
)

// The registry of workers is kept in the store the workers and replicas
// already share, as resources of one kind with no owner: one per worker
// URL, its UpdatedAt the worker's last heartbeat. Replicas started with
// `workers: [discover]` list the live ones instead of a fixed list.
const (
	// RegistryKind is the resource kind of a registered worker.
	RegistryKind = "inference-worker"
	// HeartbeatEvery is how often a worker renews its entry.
	HeartbeatEvery = 2 * time.Second
	// RegistryTTL is how long an entry counts as live after its last
	// heartbeat: a worker that died (kill -9, lost machine) leaves the
	// replicas' pools that long after.
	RegistryTTL = 10 * time.Second
	// registryForget is how old an entry is when a replica deletes it.
	registryForget = 10 * RegistryTTL
)

// Registration is the body of a worker's entry.
type Registration struct {
	URL     string   `json:"url"`
	Engines []string `json:"engines"`
}

// Registry reads and writes the worker entries of a store.
type Registry struct {
	st  store.Store
	now func() time.Time
	log *slog.Logger
}

// NewRegistry returns the registry kept in st (now: nil for time.Now).
func NewRegistry(st store.Store, now func() time.Time, log *slog.Logger) *Registry {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Registry{st: st, now: now, log: log}
}

func entryID(base string) string {
	h := sha256.Sum256([]byte(base))
	return "wk" + hex.EncodeToString(h[:12])
}

// Beat creates or renews the entry of the worker at url.
func (r *Registry) Beat(ctx context.Context, url string, engines []string) error {
	base, err := BaseURL(url)
	if err != nil {
		return err
	}
	body, err := json.Marshal(Registration{URL: base, Engines: engines})
	if err != nil {
		return err
	}
	now := r.now().UTC()
	res := store.Resource{Kind: RegistryKind, ID: entryID(base), Name: base, Body: body, CreatedAt: now, UpdatedAt: now}
	err = r.st.UpdateResource(ctx, res)
	if errors.Is(err, store.ErrNotFound) {
		err = r.st.CreateResource(ctx, res)
		if errors.Is(err, store.ErrConflict) { // another beat of ours won
			err = r.st.UpdateResource(ctx, res)
		}
	}
	return err
}

// Remove deletes the entry of the worker at url (a clean shutdown).
func (r *Registry) Remove(ctx context.Context, url string) error {
	base, err := BaseURL(url)
	if err != nil {
		return err
	}
	err = r.st.DeleteResource(ctx, RegistryKind, "", entryID(base))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// Live lists the URLs of the workers that beat within RegistryTTL, and
// deletes entries long dead.
func (r *Registry) Live(ctx context.Context) ([]string, error) {
	rs, err := r.st.ListResources(ctx, RegistryKind, "")
	if err != nil {
		return nil, err
	}
	now := r.now()
	var out []string
	for _, res := range rs {
		age := now.Sub(res.UpdatedAt)
		switch {
		case age <= RegistryTTL:
			var reg Registration
			if err := json.Unmarshal(res.Body, &reg); err != nil {
				r.log.Warn("unreadable worker entry", "id", res.ID, "err", err)
				continue
			}
			out = append(out, reg.URL)
		case age > registryForget:
			if err := r.st.DeleteResource(ctx, RegistryKind, "", res.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				r.log.Warn("stale worker entry not deleted", "id", res.ID, "err", err)
			}
		}
	}
	return out, nil
}

// Announce keeps the worker at url registered until ctx is done, then
// removes its entry. The first beat is made before it returns, so that
// replicas can find the worker as soon as it serves.
func (r *Registry) Announce(ctx context.Context, url string, engines []string) (stop func(), err error) {
	if err := r.Beat(ctx, url, engines); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				rctx, c := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				if err := r.Remove(rctx, url); err != nil {
					r.log.Warn("worker entry not removed; it expires", "err", err)
				}
				c()
				return
			case <-t.C:
				bctx, c := context.WithTimeout(ctx, HeartbeatEvery)
				if err := r.Beat(bctx, url, engines); err != nil && ctx.Err() == nil {
					r.log.Warn("worker heartbeat failed", "err", err)
				}
				c()
			}
		}
	}()
	return func() { cancel(); <-done }, nil
}
