package main

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/server"
)

// workerCmd runs an inference worker: the engines' models behind the
// worker API that `aisd serve --workers` forwards to.
func workerCmd() *cobra.Command {
	var (
		file, addr, dsn, modelsDir, dataDir, advertise string
		engines                                        []string
	)
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run an inference worker for `aisd serve --workers` (models of --engines, API on --addr)",
		Long: `Run an inference worker: it loads the models of the engines named by --engines
and answers the model calls that serving replicas started with --workers forward
to it. Workers and replicas share worker_key (setting or AISD_WORKER_KEY, hex,
at least 16 bytes), the store (dsn) and the object store (obs_*).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(file, os.LookupEnv)
			if err != nil {
				return err
			}
			f := cmd.Flags()
			if f.Changed("engines") {
				cfg.Engines = engines
			}
			for _, fl := range []struct {
				name     string
				dst, src *string
			}{{"dsn", &cfg.DSN, &dsn}, {"models-dir", &cfg.ModelsDir, &modelsDir}, {"data-dir", &cfg.DataDir, &dataDir}, {"advertise-url", &cfg.AdvertiseURL, &advertise}} {
				if f.Changed(fl.name) {
					*fl.dst = *fl.src
				}
			}
			log := newLogger(cfg)
			slog.SetDefault(log)
			w, err := server.NewWorker(cmd.Context(), cfg, log)
			if err != nil {
				return err
			}
			defer w.Close()
			if len(w.Engines()) == 0 {
				return fmt.Errorf("no engine started (asked for %s); see the log", strings.Join(cfg.Engines, ","))
			}
			return w.Serve(cmd.Context(), addr, func(at string) {
				log.Info("worker listening", "addr", at, "engines", w.Engines(), "store", redactDSN(cfg.ResolvedDSN()), "objects", objectsAt(cfg))
				fmt.Fprintf(cmd.OutOrStdout(), "aisd worker on http://%s, engines %s\n", at, strings.Join(w.Engines(), ","))
			})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&file, "config", "c", "", "YAML config file (the replicas' settings: dsn, obs_*, worker_key)")
	f.StringVar(&addr, "addr", "127.0.0.1:8090", "listen address of the worker API")
	f.StringSliceVar(&engines, "engines", nil, "engines to run: ocr,image,moderation (default all)")
	f.StringVar(&dsn, "dsn", "", "store DSN shared with the serving replicas")
	f.StringVar(&modelsDir, "models-dir", "", "models directory (default ./models)")
	f.StringVar(&advertise, "advertise-url", "", "URL the serving replicas reach this worker at, registered in the store for `serve --workers discover` (default http:// and --addr unless that is a wildcard address)")
	f.StringVar(&dataDir, "data-dir", "", "data directory for temporary files (default ./data)")
	return cmd
}
