package moderation_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	modsdk "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/moderation/v3"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/jobs"
	"github.com/aisd/aisd/internal/models"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/server"
	"github.com/aisd/aisd/internal/services/moderation"
	"github.com/aisd/aisd/internal/store"
)

const (
	rootAK = "AISDMODTESTROOTAK001"
	rootSK = "aisdModTestRootSecretKey000000000000001"
)

type env struct {
	s      *server.Server
	srv    *httptest.Server
	svc    *moderation.Service
	runner *jobs.Runner
	cli    *modsdk.ModerationClient
}

type envOpts struct {
	model bool // load the NSFW model (skips when absent)
	mod   func(*moderation.Options)
	in    func(*input.Options) // the resolver images and videos are read through
	jobs  func(*jobs.Options)
}

// newEnv assembles a real server (gateway, IAM, store) with the moderation
// handlers and a job runner over the server's store, and an SDK client
// signed with the root credentials.
func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	var mgr *models.Manager
	if o.model {
		mgr = requireModel(t)
	}
	cfg := aisdcfg.Default()
	dir := t.TempDir()
	cfg.DataDir = dir
	cfg.DSN = "sqlite:" + filepath.Join(dir, "aisd.db")
	cfg.RootAK, cfg.RootSK = rootAK, rootSK
	cfg.Engines = nil
	cfg.S3Addr = ""
	s, err := server.New(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	loop := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	fetch := input.NewFetcher(input.FetcherOptions{AllowCIDRs: loop})
	inOpts := input.Options{Fetcher: fetch}
	if o.in != nil {
		o.in(&inOpts)
	}
	in := input.New(inOpts)
	// The jobs live in a store of their own: the server already runs a
	// runner (without the moderation kinds) over its store, and it would
	// deliver these jobs' callbacks too.
	js, err := store.Open(context.Background(), "sqlite:"+filepath.Join(dir, "jobs.db"))
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	jo := jobs.Options{
		PollInterval: 20 * time.Millisecond, CallbackBackoff: 50 * time.Millisecond,
		CallbackClient: fetch.Client(), CallbackBody: moderation.CallbackBody, Logger: quiet,
	}
	if o.jobs != nil {
		o.jobs(&jo)
	}
	runner := jobs.New(js, jo)
	opts := moderation.Options{TempDir: t.TempDir(), Engine: engine.Options{IntraOpThreads: 2}, Logger: quiet}
	if o.mod != nil {
		o.mod(&opts)
	}
	var svc *moderation.Service
	if mgr != nil {
		svc, err = moderation.Load(mgr, in, runner, opts)
	} else {
		svc, err = moderation.New(nil, in, nil, opts)
	}
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	for op, h := range svc.Handlers() {
		s.Handle(op, h)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		srv.Close()
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		runner.Stop(sctx)
		c()
		cancel()
		svc.Close()
		js.Close()
		s.Close()
	})
	return &env{s: s, srv: srv, svc: svc, runner: runner, cli: sdktest.Moderation(t, srv.URL, rootAK, rootSK, s.Root.Project.ID)}
}

// requireModel skips unless the NSFW model and ONNX Runtime are installed
// (or fails when AISD_REQUIRE_MODELS=1).
func requireModel(t *testing.T) *models.Manager {
	t.Helper()
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	mgr := models.Open(root)
	for _, f := range [][2]string{{"onnxruntime", "libonnxruntime.so.1"}, {moderation.NSFWModel, moderation.NSFWFile}} {
		if _, err := mgr.Path(f[0], f[1]); err != nil {
			if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
				t.Fatalf("model missing: %v", err)
			}
			t.Skipf("NSFW model not installed (aisd models install onnxruntime %s)", moderation.NSFWModel)
		}
	}
	return mgr
}

func ptr[T any](v T) *T { return &v }

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
