package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/platform/asynclog"
	"github.com/aisd/aisd/internal/platform/limits/redislimits"
	"github.com/aisd/aisd/internal/platform/seed"
	"github.com/aisd/aisd/internal/server"
)

func serveCmd() *cobra.Command {
	var (
		file, initFile string
		flags          config.Config
		workers        []string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server (defaults: 127.0.0.1:8080, SQLite under ./data)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(file, os.LookupEnv)
			if err != nil {
				return err
			}
			// Flags win over file and environment, but only when given.
			f := cmd.Flags()
			for _, fl := range []struct {
				name     string
				dst, src *string
			}{
				{"addr", &cfg.Addr, &flags.Addr}, {"data-dir", &cfg.DataDir, &flags.DataDir},
				{"dsn", &cfg.DSN, &flags.DSN}, {"region", &cfg.Region, &flags.Region},
				{"models-dir", &cfg.ModelsDir, &flags.ModelsDir}, {"log-level", &cfg.LogLevel, &flags.LogLevel},
				{"obs-dir", &cfg.OBSDir, &flags.OBSDir}, {"obs-endpoint", &cfg.OBSEndpoint, &flags.OBSEndpoint},
				{"obs-region", &cfg.OBSRegion, &flags.OBSRegion}, {"obs-bucket-prefix", &cfg.OBSBucketPrefix, &flags.OBSBucketPrefix},
				{"obs-ca-file", &cfg.OBSCAFile, &flags.OBSCAFile},
			} {
				if f.Changed(fl.name) {
					*fl.dst = *fl.src
				}
			}
			if f.Changed("workers") {
				cfg.Workers = workers
			}
			if !f.Changed("init") {
				initFile = os.Getenv("AISD_INIT")
			}
			// A seed file that does not parse stops the start before
			// anything is opened.
			var spec *seed.Spec
			if initFile != "" {
				sp, err := seed.Load(initFile)
				if err != nil {
					return fmt.Errorf("--init: %w", err)
				}
				spec = &sp
			}
			// The log (an access-log line per request at info) is
			// written by a goroutine of its own: no request waits for
			// stderr, and a line that finds the buffer full is dropped
			// and counted (aisd_log_lines_dropped_total).
			alog := asynclog.New(os.Stderr, 0)
			defer alog.Close()
			log := newLoggerTo(cfg, alog)
			slog.SetDefault(log)
			s, err := server.New(cmd.Context(), cfg, log)
			if err != nil {
				return err
			}
			defer s.Close()
			s.Gateway.Registry().MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "aisd_log_lines_dropped_total", Help: "Log lines dropped because the log's buffer was full (stderr not keeping up).",
			}, func() float64 { return float64(alog.Dropped()) }))
			out := cmd.OutOrStdout()
			if spec != nil {
				// Applied before the server listens: once /readyz
				// answers, the seed is in place.
				if err := applySeed(cmd.Context(), initFile, *spec, s, out); err != nil {
					return err
				}
			}
			return s.Serve(cmd.Context(), func(addr, s3addr string) {
				log.Info("listening", "addr", addr, "s3_addr", s3addr, "region", cfg.Region, "project_id", s.Root.Project.ID, "store", redactDSN(cfg.ResolvedDSN()), "objects", objectsAt(cfg), "redis", redislimits.Redact(cfg.Redis), "workers", cfg.Workers)
				printBanner(out, addr, s3addr, s)
				if p := s.Workers(); p != nil {
					for _, w := range p.Statuses() {
						state := "up, engines " + strings.Join(w.Engines, ",")
						if !w.Healthy {
							state = "down: " + w.Err
						}
						fmt.Fprintf(out, "  worker %s: %s\n", w.URL, state)
					}
				}
			})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&file, "config", "c", "", "YAML config file")
	f.StringVar(&initFile, "init", "", "seed file applied at start, idempotently: domains, projects, users, keys, subscriptions… (default $AISD_INIT)")
	f.StringVar(&flags.Addr, "addr", "", "listen address (default 127.0.0.1:8080)")
	f.StringVar(&flags.DataDir, "data-dir", "", "data directory (default ./data)")
	f.StringVar(&flags.DSN, "dsn", "", "store DSN: sqlite:PATH or postgres://… (default SQLite in the data directory)")
	f.StringVar(&flags.Region, "region", "", "region name of the default project (default cn-north-4)")
	f.StringVar(&flags.ModelsDir, "models-dir", "", "models directory (default ./models)")
	f.StringVar(&flags.LogLevel, "log-level", "", "debug, info, warn or error")
	f.StringVar(&flags.OBSDir, "obs-dir", "", "directory of the local object store (default DATA_DIR/obs)")
	// The endpoint's keys are settings only (obs_access_key, obs_secret_key
	// or AISD_OBS_*): a command line is visible to every user of the machine.
	f.StringVar(&flags.OBSEndpoint, "obs-endpoint", "", "S3-compatible object store, https://host[:port], instead of the local one")
	f.StringVar(&flags.OBSRegion, "obs-region", "", "signing region of --obs-endpoint (default us-east-1)")
	f.StringVar(&flags.OBSBucketPrefix, "obs-bucket-prefix", "", "prefix of aisd's bucket names at --obs-endpoint")
	f.StringSliceVar(&workers, "workers", nil, "inference workers (aisd worker) to forward model calls to, http://host:port,…, or discover (those registered in the store); default: run the models here")
	f.StringVar(&flags.OBSCAFile, "obs-ca-file", "", "PEM file of CAs to trust for --obs-endpoint, beside the system's")
	return cmd
}

// applySeed applies a seed file through the server's own admin API, as
// the root administrator, and prints what it did.
func applySeed(ctx context.Context, path string, spec seed.Spec, s *server.Server, out io.Writer) error {
	c := &admin.Client{Endpoint: "http://" + s.Config.Addr, AK: s.Root.AK, SK: s.Root.SK, HTTP: seed.InProcess(s.Handler())}
	rep, err := seed.Apply(ctx, spec, seed.Target{Client: c, Objects: s.OBS})
	for _, ch := range rep {
		if ch.Action != "exists" {
			fmt.Fprintf(out, "init: %s\n", ch)
		}
	}
	if err != nil {
		return fmt.Errorf("--init %s: %w", path, err)
	}
	fmt.Fprintf(out, "init: %s applied, %d change(s)\n", path, rep.Changed())
	return nil
}

func newLogger(cfg config.Config) *slog.Logger { return newLoggerTo(cfg, os.Stderr) }

func newLoggerTo(cfg config.Config, out io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(out, opts))
	}
	return slog.New(slog.NewJSONHandler(out, opts))
}

// objectsAt says where the object store is, for the start-up log.
func objectsAt(cfg config.Config) string {
	switch {
	case cfg.OBSEndpoint != "":
		return cfg.OBSEndpoint + " (buckets " + cfg.OBSBucketPrefix + "*)"
	case cfg.OBSDir != "":
		return cfg.OBSDir
	}
	return filepath.Join(cfg.DataDir, "obs")
}

func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "@"); i > 0 && strings.Contains(dsn[:i], "://") {
		j := strings.Index(dsn, "://") + 3
		return dsn[:j] + "***" + dsn[i:]
	}
	return dsn
}

func printBanner(w interface{ Write([]byte) (int, error) }, addr, s3addr string, s *server.Server) {
	fmt.Fprintf(w, "\naisd is listening on http://%s\n", addr)
	fmt.Fprintf(w, "  region %s, project id %s\n", s.Config.Region, s.Root.Project.ID)
	if s.Root.Generated {
		fmt.Fprintf(w, "  root credentials were generated now and are shown only this once:\n")
		fmt.Fprintf(w, "    export AISD_ROOT_AK=%s\n    export AISD_ROOT_SK=%s\n", s.Root.AK, s.Root.SK)
	} else {
		fmt.Fprintf(w, "  root access key: %s (secret key as configured or shown at first start)\n", s.Root.AK)
	}
	fmt.Fprintf(w, "  SDK endpoint: region.NewRegion(%q, \"http://%s\") with WithIamEndpointOverride(\"http://%s\")\n", s.Config.Region, addr, addr)
	if s3addr != "" {
		fmt.Fprintf(w, "  S3-compatible upload API: http://%s (same AK/SK; read back as obs://BUCKET/KEY)\n", s3addr)
	}
	fmt.Fprintf(w, "  console: http://%s/console/ (sign in with a user's password or an AK/SK)\n", addr)
	fmt.Fprintf(w, "  try: curl http://%s/v1/error-codes?service=ocr\n\n", addr)
}
