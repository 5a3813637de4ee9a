package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/store"
)

// A replica starting beside a running one leaves that one's running jobs
// alone (they are heartbeated); only a job silent for the lease is taken
// over. Without the lease, every start requeued every running job and two
// replicas ran each job twice.
func TestReplicaStartKeepsOthersJobs(t *testing.T) {
	onBackends(t, func(t *testing.T, dsn string) {
		a := replicas(t, 1, dsn, nil)[0]
		now := time.Now().UTC()
		live := store.Job{ID: "live", ProjectID: a.s.Root.Project.ID, UserID: a.s.Root.User.ID, Kind: "moderation.video",
			State: store.JobRunning, Attempts: 1, Request: []byte(`{}`), CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}
		stale := live
		stale.ID, stale.UpdatedAt = "stale", now.Add(-time.Hour)
		for _, j := range []store.Job{live, stale} {
			if err := a.s.Store.CreateJob(context.Background(), j); err != nil {
				t.Fatal(err)
			}
		}
		b := replicas(t, 1, dsn, nil)[0]
		for id, want := range map[string]string{"live": store.JobRunning, "stale": store.JobQueued} {
			j, err := b.s.Store.GetJob(context.Background(), id)
			if err != nil || j.State != want {
				t.Fatalf("job %s after a second replica started: %s %v, want %s", id, j.State, err, want)
			}
		}
	})
}
