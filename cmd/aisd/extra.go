package main

import (
	"github.com/spf13/cobra"

	"github.com/aisd/aisd/internal/models"
)

// extraCommands are the top-level commands other packages provide.
func extraCommands() []*cobra.Command {
	return []*cobra.Command{models.Command()}
}

// extraAdminCommands are admin subcommands for platform controls.
func extraAdminCommands(call adminCall) []*cobra.Command { return nil }
