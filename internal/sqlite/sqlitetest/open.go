package sqlitetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/tasks"
)

// Scale opens a store holding n (or, reused, a few more) synthetic experiments of task "scale"
// (shakespeare's baseline as the script). The store lives at
// $AUTORESEARCH_BENCH_DB when set, so that it is built once and reused
// across runs (it is about 15 KB an experiment), else in a temp dir.
func Scale(tb testing.TB, n int) (*sqlite.DB, string) {
	tb.Helper()
	ctx := context.Background()
	path := os.Getenv("AUTORESEARCH_BENCH_DB")
	if path == "" {
		path = filepath.Join(tb.TempDir(), "scale.db")
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	st, err := db.Stats(ctx, "scale")
	switch {
	case err != nil:
		tb.Fatal(err)
	case st.Experiments >= n: // benchmarks that write add a few
		return db, path
	case st.Experiments != 0:
		tb.Fatalf("%s holds %d experiments of task scale, not %d: remove it", path, st.Experiments, n)
	}
	code, err := tasks.FS.ReadFile("shakespeare/baseline.py")
	if err != nil {
		tb.Fatal(err)
	}
	if err := Fill(ctx, db, "scale", string(code), n); err != nil {
		tb.Fatal(err)
	}
	return db, path
}
