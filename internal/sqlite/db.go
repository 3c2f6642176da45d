// Package sqlite is the store: experiments and their seed runs in one
// SQLite file shared by every task, through a pure-Go driver. It owns the
// connection settings (WAL, foreign keys, busy timeout, immediate write
// transactions) and the numbered migrations embedded in the binary.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrOpen is returned when the database file cannot be opened, read or
// written.
var ErrOpen = errors.New("cannot use database")

// DB is the store.
type DB struct {
	db   *sql.DB
	Path string
	// Now is the clock that stamps new experiments (tests fix it).
	Now func() time.Time
}

// Open opens (creating if needed) the database at path and migrates it.
func Open(ctx context.Context, path string) (*DB, error) {
	fail := func(err error) (*DB, error) {
		return nil, fmt.Errorf("%w %s: %w; pass --db (or AUTORESEARCH_DB) with a writable file", ErrOpen, path, err)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fail(errors.New("is a directory"))
	}
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		return fail(err)
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "foreign_keys(1)", "journal_mode(WAL)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	var err error
	for attempt := range openAttempts {
		var d *DB
		start := time.Now()
		if d, err = open(ctx, dsn, path); err == nil {
			return d, nil
		}
		if !isBusy(err) || ctx.Err() != nil {
			return fail(err)
		}
		if time.Since(start) > time.Second { // waited the busy timeout: a writer holds it
			break
		}
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
	}
	return fail(fmt.Errorf("%w (another process has been writing to it for 10 s: wait for it to finish, or stop it)", err))
}

// openAttempts bounds the retries of an open that another process holds
// up: switching a new file to WAL takes a lock that the busy timeout does
// not wait for (those fail at once; a lock the busy timeout waited for is
// not retried).
const openAttempts = 8

func open(ctx context.Context, dsn, path string) (*DB, error) {
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	d := &DB{db: sqldb, Path: path, Now: time.Now}
	if err := d.migrate(ctx); err != nil {
		return nil, errors.Join(err, sqldb.Close())
	}
	return d, nil
}

func isBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := d.apply(ctx, name); err != nil {
			return fmt.Errorf("migration %s: %w", filepath.Base(name), err)
		}
	}
	return nil
}

func (d *DB) apply(ctx context.Context, name string) error {
	version, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
	if err != nil {
		return fmt.Errorf("name must start with a number: %w", err)
	}
	return d.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil || n > 0 {
			return err
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, version)
		return err
	})
}

// tx runs fn in an immediate write transaction.
func (d *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return explain(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return explain(err)
	}
	return explain(tx.Commit())
}

// explain adds what to do to a write that failed for lack of space.
func explain(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if strings.Contains(msg, "disk is full") || strings.Contains(msg, "too large") || strings.Contains(msg, "I/O error") {
		return fmt.Errorf("%w (no room to write the database: free disk space or move it with --db, then run again; what was recorded before is kept)", err)
	}
	return err
}

// Check runs SQLite's integrity check and a write that is rolled back.
func (d *DB) Check(ctx context.Context) error {
	var res string
	if err := d.db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (-1)`)
	return errors.Join(err, tx.Rollback())
}
