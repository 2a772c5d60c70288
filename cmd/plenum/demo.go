package main

import (
	"context"
	"log/slog"

	"github.com/urfave/cli/v3"

	"github.com/plenum-dcim/plenum/internal/store"
)

func seedDemo(ctx context.Context, st *store.Store, log *slog.Logger) error {
	return nil // TODO(demo): wired when internal/demo lands
}

func demoCommand() *cli.Command {
	return &cli.Command{Name: "demo", Usage: "demo facility and synthetic campus generator"}
}
