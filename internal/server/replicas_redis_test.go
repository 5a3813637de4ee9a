package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/platform/limits/redislimits/redistest"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/server"
	"github.com/aisd/aisd/internal/store/storetest"
)

// replicaDB is the server tests' database of the local Redis.
const replicaDB = 10

// backends are the databases replicas share: one SQLite file (replicas on
// one machine) and a PostgreSQL schema of the test's own.
var backends = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return storetest.SQLiteDSN(t) }},
	{"postgres", func(t *testing.T) string { return storetest.PostgresDSN(t) }},
}

// onBackends runs f once per backend.
func onBackends(t *testing.T, f func(t *testing.T, dsn string)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b.dsn(t)) })
	}
}

// replicas starts n servers sharing the database dsn, one server key and
// one freshly flushed Redis database, each with its own data directory:
// n replicas of one service behind a load balancer.
func replicas(t *testing.T, n int, dsn string, mutate func(*aisdcfg.Config)) []*env {
	t.Helper()
	redistest.Available(t) // skips without Redis
	// Keys of this test alone: runs of the suite elsewhere on the machine
	// may share the database.
	prefix := fmt.Sprintf("aisd-test-%d-%d:", os.Getpid(), time.Now().UnixNano())
	var out []*env
	for i := 0; i < n; i++ {
		cfg := aisdcfg.Default()
		cfg.DataDir = t.TempDir()
		cfg.DSN = dsn
		cfg.ServerKey = strings.Repeat("5a", 32)
		cfg.RootAK, cfg.RootSK = rootAK, rootSK
		cfg.Engines = nil
		cfg.Redis = redistest.URL(replicaDB)
		cfg.RedisPrefix = prefix
		if mutate != nil {
			mutate(&cfg)
		}
		s, err := server.New(context.Background(), cfg, nil)
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		out = append(out, &env{s: s, srv: httptestServer(t, s)})
	}
	return out
}

// A rate limit of N per minute holds across replicas: of 3N calls sent to
// two replicas in turn, N are let through.
func TestReplicasShareRateLimit(t *testing.T) {
	onBackends(t, func(t *testing.T, dsn string) {
		const n = 4
		rs := replicas(t, 2, dsn, func(c *aisdcfg.Config) { c.RateLimit = n })
		for _, e := range rs {
			e.s.Handle("RunImageTagging", echoTagging)
		}
		accepted, refused := 0, 0
		for i := 0; i < 3*n; i++ {
			e := rs[i%2]
			_, err := sdktest.Image(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID).RunImageTagging(tagReq())
			switch {
			case err == nil:
				accepted++
			case sdktest.ErrOf(t, err).ErrorCode == "APIG.0308":
				refused++
			default:
				t.Fatalf("call %d: %v", i, err)
			}
		}
		if accepted != n || refused != 2*n {
			t.Fatalf("%d accepted, %d refused of %d sent to 2 replicas; limit %d/min", accepted, refused, 3*n, n)
		}
	})
}

// Bad signatures spread over two replicas lock the AK on both: the sixth
// attempt, on either, is refused as locked, and so is the right secret on
// each.
func TestReplicasShareAKLockout(t *testing.T) {
	onBackends(t, func(t *testing.T, dsn string) {
		rs := replicas(t, 2, dsn, func(c *aisdcfg.Config) { c.LockFailures = 5 })
		bad := strings.Repeat("x", 40)
		for i := 1; i <= 6; i++ {
			e := rs[i%2]
			_, err := sdktest.OCR(t, e.srv.URL, rootAK, bad, e.s.Root.Project.ID).RecognizeGeneralText(generalText())
			se := sdktest.ErrOf(t, err)
			want := "verify aksk signature fail"
			if i == 6 {
				want = "AK access failed to reach the limit,forbidden"
			}
			if se.StatusCode != 401 || se.ErrorCode != "APIG.0301" || !strings.Contains(se.ErrorMessage, want) {
				t.Fatalf("attempt %d on replica %d: %+v, want %q", i, i%2, se, want)
			}
		}
		for i, e := range rs {
			_, err := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID).RecognizeGeneralText(generalText())
			if se := sdktest.ErrOf(t, err); !strings.Contains(se.ErrorMessage, "reach the limit") {
				t.Fatalf("replica %d let the locked AK in: %+v", i, se)
			}
		}
	})
}

// Wrong passwords spread over two replicas lock the login on both.
func TestReplicasSharePasswordLockout(t *testing.T) {
	onBackends(t, func(t *testing.T, dsn string) {
		rs := replicas(t, 2, dsn, func(c *aisdcfg.Config) { c.LockFailures = 5 })
		root := map[string]any{"name": "root"}
		for i := 1; i <= 5; i++ {
			if st, b := login(t, rs[i%2], root, "root", "wrong password"); st != 401 || b.Msg != msgBadPassword {
				t.Fatalf("failure %d: %d %+v", i, st, b)
			}
		}
		for i, e := range rs {
			if st, b := login(t, e, root, "root", rootSK); st != 401 || b.Msg != msgLocked {
				t.Fatalf("replica %d: right password after 5 failures spread over both: %d %+v", i, st, b)
			}
		}
	})
}

// The in-flight cap counts the calls of every replica: while replica A
// runs the only slot's call, replica B answers ModelArts.4401; once it
// ends, B serves.
func TestReplicasShareInflight(t *testing.T) {
	onBackends(t, func(t *testing.T, dsn string) {
		rs := replicas(t, 2, dsn, func(c *aisdcfg.Config) { c.MaxInflight = 1 })
		release, started := make(chan struct{}), make(chan struct{}, 1)
		rs[0].s.Handle("RunImageTagging", func(ctx context.Context, c *api.Call) (any, error) {
			started <- struct{}{}
			<-release
			return echoTagging(ctx, c)
		})
		rs[1].s.Handle("RunImageTagging", echoTagging)
		a := sdktest.Image(t, rs[0].srv.URL, rootAK, rootSK, rs[0].s.Root.Project.ID)
		b := sdktest.Image(t, rs[1].srv.URL, rootAK, rootSK, rs[1].s.Root.Project.ID)
		done := make(chan error, 1)
		go func() { _, err := a.RunImageTagging(tagReq()); done <- err }()
		<-started
		_, err := b.RunImageTagging(tagReq())
		if se := sdktest.ErrOf(t, err); se.ErrorCode != "ModelArts.4401" {
			close(release)
			t.Fatalf("replica B ignored A's call: %+v", se)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if _, err := b.RunImageTagging(tagReq()); err != nil {
			t.Fatalf("after A's call ended: %v", err)
		}
	})
}

// The breaker is shared too: once replica A's failing back end opened it,
// replica B answers ModelArts.4403 without running its handler.
func TestReplicasShareBreaker(t *testing.T) {
	rs := replicas(t, 2, storetest.SQLiteDSN(t), nil)
	rs[0].s.Handle("RunImageTagging", func(context.Context, *api.Call) (any, error) {
		return nil, catalog.E(catalog.KindRecognition)
	})
	var ran atomic.Int32
	rs[1].s.Handle("RunImageTagging", func(ctx context.Context, c *api.Call) (any, error) {
		ran.Add(1)
		return echoTagging(ctx, c)
	})
	a := sdktest.Image(t, rs[0].srv.URL, rootAK, rootSK, rs[0].s.Root.Project.ID)
	var last string
	for i := 0; i < 40 && last != "ModelArts.4403"; i++ {
		_, err := a.RunImageTagging(tagReq())
		last = sdktest.ErrOf(t, err).ErrorCode
	}
	if last != "ModelArts.4403" {
		t.Fatalf("the breaker never opened on replica A; last %s", last)
	}
	_, err := sdktest.Image(t, rs[1].srv.URL, rootAK, rootSK, rs[1].s.Root.Project.ID).RunImageTagging(tagReq())
	if se := sdktest.ErrOf(t, err); se.ErrorCode != "ModelArts.4403" || se.ErrorMessage != "Backend service unavailable error." || ran.Load() != 0 {
		t.Fatalf("replica B: %+v, its handler ran %d times", se, ran.Load())
	}
}

// A replica configured with a Redis that does not answer refuses to start
// and says why; it never runs with limits of its own.
func TestReplicaRefusesToStartWithoutRedis(t *testing.T) {
	port := freePort(t)
	cfg := aisdcfg.Default()
	cfg.DataDir = t.TempDir()
	cfg.RootAK, cfg.RootSK = rootAK, rootSK
	cfg.Engines = nil
	cfg.Redis = "redis://127.0.0.1:" + strconv.Itoa(port) + "/0"
	s, err := server.New(context.Background(), cfg, nil)
	if err == nil {
		s.Close()
		t.Fatal("started with an unreachable Redis")
	}
	if msg := err.Error(); !strings.Contains(msg, "redis at redis://127.0.0.1:"+strconv.Itoa(port)+"/0 does not answer") || !strings.Contains(msg, "per-process limits") {
		t.Fatalf("unclear refusal: %v", err)
	}
}

// /readyz answers 200 while the store and Redis answer, and 503 naming
// Redis once it goes away (a Redis of the test's own, stopped mid-test);
// /healthz, the liveness probe, stays 200.
func TestReadyz(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed; .ci/run installs it")
	}
	port := strconv.Itoa(freePort(t))
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			c.Close()
			break
		}
		if i == 100 {
			t.Fatalf("redis-server on %s did not come up", port)
		}
		time.Sleep(50 * time.Millisecond)
	}
	e := newEnv(t, func(c *aisdcfg.Config) { c.Redis = "redis://127.0.0.1:" + port + "/0" })
	e.s.Handle("RunImageTagging", echoTagging)
	cli := sdktest.Image(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID)
	if _, err := cli.RunImageTagging(tagReq()); err != nil {
		t.Fatalf("with redis up: %v", err)
	}
	ready := func() (int, map[string]any) {
		t.Helper()
		resp, err := http.Get(e.srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}
	if st, b := ready(); st != 200 || b["status"] != "ready" || toJSON(b["checks"]) != `{"redis":"ok","store":"ok"}` {
		t.Fatalf("ready: %d %v", st, b)
	}
	cmd.Process.Kill()
	cmd.Wait()
	st, b := ready()
	if st != 503 || b["status"] != "not ready" || toJSON(b["down"]) != `["redis"]` {
		t.Fatalf("redis down: %d %v", st, b)
	}
	// Calls are refused with the family's internal error (Image
	// Recognition: AIS.0003), not let through uncounted.
	_, err = cli.RunImageTagging(tagReq())
	if se := sdktest.ErrOf(t, err); se.ErrorCode != "AIS.0003" || !strings.Contains(se.ErrorMessage, "internal service error") {
		t.Fatalf("call with redis down: %+v", se)
	}
	if resp, err := http.Get(e.srv.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
}

// Without redis, /readyz checks the store alone.
func TestReadyzStoreOnly(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Get(e.srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b map[string]any
	json.NewDecoder(resp.Body).Decode(&b)
	if resp.StatusCode != 200 || toJSON(b["checks"]) != `{"store":"ok"}` {
		t.Fatalf("%d %v", resp.StatusCode, b)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
