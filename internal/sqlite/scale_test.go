package sqlite_test

import (
	"context"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite/sqlitetest"
)

// BenchmarkReads100k times the dashboard's and status's queries over a
// store of 100,000 synthetic experiments (built once per run into the
// cache dir named by $AUTORESEARCH_BENCH_DB, or a temp dir).
func BenchmarkReads100k(b *testing.B) {
	ctx := context.Background()
	db, _ := sqlitetest.Scale(b, 100_000)
	b.Run("stats", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.Stats(ctx, "scale"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("standing", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.Standing(ctx, "scale"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("page-seq", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.Page(ctx, "scale", research.Page{Sort: "seq", Desc: true, Limit: 100}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("page-mean", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.Page(ctx, "scale", research.Page{Sort: "mean", Limit: 100}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("page-description", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.Page(ctx, "scale", research.Page{Sort: "description", Limit: 100}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("points-all", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := db.Points(ctx, "scale", 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("points-new", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := db.Points(ctx, "scale", 99_990); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("list-light", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.List(ctx, "scale", false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get", func(b *testing.B) {
		for b.Loop() {
			if e, err := db.Get(ctx, "scale", 54_321); err != nil || e == nil {
				b.Fatal(err)
			}
		}
	})
}
