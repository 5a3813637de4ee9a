// Package sqlite is the embedded store backend (pure Go, no cgo). It
// registers the "sqlite" DSN scheme with store.Open.
//
// Writes go through a single connection, so writers queue in Go instead of
// contending for SQLite's lock; reads use a separate pool that WAL lets run
// alongside the writer. busy_timeout covers other processes on the same file.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/sqlstore"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

func init() {
	store.Register("sqlite", func(ctx context.Context, dsn string) (store.Store, error) {
		return Open(ctx, dsn)
	})
}

// Dialect is SQLite's SQL dialect.
var Dialect = sqlstore.Dialect{
	Name:     "sqlite",
	DayExpr:  `strftime('%%Y-%%m-%%d', %s / 1000, 'unixepoch')`,
	LockSkip: "",
	IsConflict: func(err error) bool {
		c := code(err)
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	},
	IsMissingRef: func(err error) bool { return code(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY },
}

func code(err error) int {
	var e *msqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// Path extracts the file path from a DSN: "sqlite:PATH", "sqlite:///abs",
// "sqlite://rel" or a bare path; ":memory:" names a private in-memory
// database.
func Path(dsn string) (string, error) {
	p := dsn
	if rest, ok := strings.CutPrefix(p, "sqlite:"); ok {
		p = rest
		if r, ok := strings.CutPrefix(p, "//"); ok {
			p = r
		}
	}
	if p == "" {
		return "", fmt.Errorf("sqlite: DSN %q has no path", dsn)
	}
	if strings.ContainsAny(p, "?#") {
		return "", fmt.Errorf("sqlite: DSN %q: options are not accepted in the path", dsn)
	}
	return p, nil
}

// Open opens (creating if needed) and migrates the database a DSN names.
func Open(ctx context.Context, dsn string) (*sqlstore.Store, error) {
	path, err := Path(dsn)
	if err != nil {
		return nil, err
	}
	db, err := openDB(ctx, path)
	if err != nil {
		return nil, err
	}
	ms, err := sqlstore.LoadMigrations(migrations, "migrations")
	if err == nil {
		err = sqlstore.Migrate(ctx, db, Dialect, ms)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return sqlstore.New(db, Dialect), nil
}

func openDB(ctx context.Context, path string) (*database, error) {
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	if path == ":memory:" {
		// Every connection to :memory: is a separate database, so one
		// connection serves reads and writes.
		w, err := sql.Open("sqlite", ":memory:?"+common)
		if err != nil {
			return nil, err
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		return &database{w: w, r: w}, nil
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	// The file holds password hashes and sealed secret keys: create it
	// private. SQLite gives its -wal and -shm files the same mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	f.Close()
	w, err := sql.Open("sqlite", path+"?"+common+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	// Set WAL (persistent in the file) before readers connect.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	return &database{w: w, r: r}, nil
}

// database adapts database/sql to sqlstore.DB.
type database struct {
	w, r *sql.DB
}

func (d *database) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return execOn(ctx, d.w, q, args...)
}

func (d *database) WriteRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return row{d.w.QueryRowContext(ctx, q, args...)}
}

func (d *database) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return row{d.r.QueryRowContext(ctx, q, args...)}
}

func (d *database) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	rs, err := d.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rows{rs}, nil
}

func (d *database) Tx(ctx context.Context, fn func(sqlstore.Querier) error) error {
	tx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(txq{tx}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (d *database) Close() error {
	err := d.w.Close()
	if d.r != d.w {
		err = errors.Join(err, d.r.Close())
	}
	return err
}

type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

func execOn(ctx context.Context, e execer, q string, args ...any) (int64, error) {
	res, err := e.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// txq runs every statement inside the transaction.
type txq struct{ tx *sql.Tx }

func (t txq) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return execOn(ctx, t.tx, q, args...)
}

func (t txq) WriteRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return row{t.tx.QueryRowContext(ctx, q, args...)}
}

func (t txq) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return row{t.tx.QueryRowContext(ctx, q, args...)}
}

func (t txq) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	rs, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rows{rs}, nil
}

type row struct{ r *sql.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

type rows struct{ *sql.Rows }

func (r rows) Close() { r.Rows.Close() }
