package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// waitCmd is `aisd wait`: poll /readyz until the server answers ready, for
// scripts and CI that start a server in the background.
func waitCmd() *cobra.Command {
	af := &adminFlags{}
	var (
		timeout, interval time.Duration
		quiet             bool
	)
	cmd := &cobra.Command{
		Use:   "wait",
		Short: "Wait until the server is ready (GET /readyz answers 200)",
		Long: "Wait until the server at --endpoint (or $AISD_ENDPOINT, or the profile's) answers\n" +
			"GET /readyz with 200: its store (and Redis, when configured) answers and any\n" +
			"--init seed has been applied. Exits non-zero when --timeout passes first.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ep, _, _, err := af.conn()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			url := strings.TrimRight(ep, "/") + "/readyz"
			last := "no answer yet"
			for {
				st, why, err := probe(ctx, url)
				switch {
				case err == nil && st == http.StatusOK:
					if !quiet {
						fmt.Fprintf(cmd.OutOrStdout(), "%s is ready\n", ep)
					}
					return nil
				case err != nil:
					last = err.Error()
				default:
					last = fmt.Sprintf("%d %s", st, why)
				}
				select {
				case <-ctx.Done():
					if errors.Is(ctx.Err(), context.DeadlineExceeded) {
						return fmt.Errorf("%s not ready after %s: %s", ep, timeout, last)
					}
					return ctx.Err()
				case <-time.After(interval):
				}
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&af.endpoint, "endpoint", "", "server URL (default $AISD_ENDPOINT, the profile's, or "+defaultEndpoint+")")
	f.StringVar(&af.profile, "profile", "", "saved profile whose endpoint to wait for")
	f.DurationVar(&timeout, "timeout", 60*time.Second, "give up after this long")
	f.DurationVar(&interval, "interval", 250*time.Millisecond, "time between attempts")
	f.BoolVarP(&quiet, "quiet", "q", false, "print nothing when ready")
	return cmd
}

// probe asks once; a 503's "down" list is the reason.
func probe(ctx context.Context, url string) (int, string, error) {
	actx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		Status string   `json:"status"`
		Down   []string `json:"down"`
	}
	_ = json.Unmarshal(b, &body)
	why := body.Status
	if len(body.Down) > 0 {
		why += " (down: " + strings.Join(body.Down, ", ") + ")"
	}
	return resp.StatusCode, why, nil
}
