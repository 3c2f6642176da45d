// Command autoresearch runs an autonomous ML-research loop: see README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/autoresearch/autoresearch/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.StdStreams())
	stop()
	os.Exit(code)
}
