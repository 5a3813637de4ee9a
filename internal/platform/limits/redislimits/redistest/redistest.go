// Package redistest gives tests a database of the local Redis
// (127.0.0.1:6379), flushed, or skips them with a one-line reason when none
// answers.
package redistest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Addr is the local Redis the tests use.
const Addr = "127.0.0.1:6379"

// URL returns the redis:// URL of database db of the local Redis.
func URL(db int) string { return fmt.Sprintf("redis://%s/%d", Addr, db) }

// Client returns a client of database db of the local Redis, flushed
// first. Each test package picks its own db so that packages tested in
// parallel do not flush each other's keys.
func Client(t testing.TB, db int) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: Addr, DB: db})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		t.Skipf("no Redis answers at %s (%v); .ci/run starts one where redis-server is installed", Addr, err)
	}
	if err := c.FlushDB(ctx).Err(); err != nil {
		c.Close()
		t.Fatalf("flush redis db %d: %v", db, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Available skips the test with a one-line reason when no Redis answers;
// unlike Client it flushes nothing, for tests whose keys carry a prefix
// of their own.
func Available(t testing.TB) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: Addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Skipf("no Redis answers at %s (%v); .ci/run starts one where redis-server is installed", Addr, err)
	}
}
