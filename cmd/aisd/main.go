// Command aisd is a self-hosted AI-services platform (OCR, image
// recognition, content moderation) compatible with the cloud's official SDKs.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "aisd:", err)
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "aisd",
		Short:         "Self-hosted OCR, image recognition and content moderation, wire-compatible with the cloud SDKs",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCmd(), workerCmd(), adminCmd(), versionCmd(), configCmd(), waitCmd(), stateCmd())
	for _, c := range extraCommands() {
		root.AddCommand(c)
	}
	return root
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "aisd", version)
		},
	}
}
