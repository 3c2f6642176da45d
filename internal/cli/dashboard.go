package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/web"
)

type dashboardOpts struct {
	Addr string
	Port int
}

func newDashboardCmd(s Streams, g *globalOpts) *cobra.Command {
	o := dashboardOpts{}
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Serve the live dashboard (http://127.0.0.1:8501 by default)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDashboard(cmd.Context(), s, g, o)
		},
	}
	cmd.Flags().StringVar(&o.Addr, "addr", "127.0.0.1", "address to listen on (anything but loopback exposes your experiments)")
	cmd.Flags().IntVar(&o.Port, "port", 8501, "port to listen on (0: any free port)")
	taskFlags(cmd, g)
	return cmd
}

var _ web.Store = (*sqlite.DB)(nil)

func runDashboard(ctx context.Context, s Streams, g *globalOpts, o dashboardOpts) (err error) {
	db, err := openDB(ctx, g)
	if err != nil {
		return err
	}
	defer closeDB(db, &err)
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", net.JoinHostPort(o.Addr, strconv.Itoa(o.Port)))
	if err != nil {
		return usageErr(fmt.Errorf("dashboard: %w (pick another --port)", err))
	}
	if ip := net.ParseIP(o.Addr); o.Addr != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fmt.Fprintf(s.Err, "warning: listening on %s: anyone who can reach it sees your experiments and code\n", o.Addr)
	}
	goals := newGoals(db, g, s.Err)
	srv := &http.Server{Handler: (&web.Server{Store: db, DefaultTask: taskName(g), Goal: goals.of, Landscape: landscapes(db, goals, pythonOnce(g))}).Handler(),
		ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(s.Out, "dashboard: http://%s (Ctrl-C to stop)\n", ln.Addr())
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return ctx.Err()
}
