// Package postgres is the PostgreSQL store backend (pgx connection pool). It
// registers the "postgres" and "postgresql" DSN schemes with store.Open.
// DSN parameters pgx does not know (search_path, for one) are sent to the
// server as session settings.
package postgres

import (
	"context"
	"embed"
	"errors"
	"strconv"
	"strings"

	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

func init() {
	open := func(ctx context.Context, dsn string) (store.Store, error) { return Open(ctx, dsn) }
	store.Register("postgres", open)
	store.Register("postgresql", open)
}

// Dialect is PostgreSQL's SQL dialect.
var Dialect = sqlstore.Dialect{
	Name:     "postgres",
	DayExpr:  `to_char(to_timestamp(%s / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
	LockSkip: " FOR UPDATE SKIP LOCKED",
	// Arbitrary constant shared by every aisd process migrating this
	// database.
	MigrationLock: `SELECT pg_advisory_xact_lock(7364170001)`,
	IsConflict:    func(err error) bool { return pgCode(err) == "23505" },
	IsMissingRef:  func(err error) bool { return pgCode(err) == "23503" },
}

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Open connects to the database a DSN names and migrates it.
func Open(ctx context.Context, dsn string) (*sqlstore.Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	db := &database{pool: pool}
	ms, err := sqlstore.LoadMigrations(migrations, "migrations")
	if err == nil {
		err = sqlstore.Migrate(ctx, db, Dialect, ms)
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	return sqlstore.New(db, Dialect), nil
}

// rebind turns sqlstore's "?" placeholders into $1, $2, ... The queries
// contain no "?" inside literals.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// conn is what a pool and a transaction have in common.
type conn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type querier struct{ c conn }

func (q querier) Exec(ctx context.Context, s string, args ...any) (int64, error) {
	tag, err := q.c.Exec(ctx, rebind(s), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (q querier) WriteRow(ctx context.Context, s string, args ...any) sqlstore.Row {
	return row{q.c.QueryRow(ctx, rebind(s), args...)}
}

func (q querier) QueryRow(ctx context.Context, s string, args ...any) sqlstore.Row {
	return row{q.c.QueryRow(ctx, rebind(s), args...)}
}

func (q querier) Query(ctx context.Context, s string, args ...any) (sqlstore.Rows, error) {
	return q.c.Query(ctx, rebind(s), args...)
}

type database struct {
	pool *pgxpool.Pool
}

func (d *database) Exec(ctx context.Context, s string, args ...any) (int64, error) {
	return querier{d.pool}.Exec(ctx, s, args...)
}

func (d *database) WriteRow(ctx context.Context, s string, args ...any) sqlstore.Row {
	return querier{d.pool}.WriteRow(ctx, s, args...)
}

func (d *database) QueryRow(ctx context.Context, s string, args ...any) sqlstore.Row {
	return querier{d.pool}.QueryRow(ctx, s, args...)
}

func (d *database) Query(ctx context.Context, s string, args ...any) (sqlstore.Rows, error) {
	return querier{d.pool}.Query(ctx, s, args...)
}

func (d *database) Tx(ctx context.Context, fn func(sqlstore.Querier) error) error {
	return pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error { return fn(querier{tx}) })
}

func (d *database) Close() error {
	d.pool.Close()
	return nil
}

type row struct{ r pgx.Row }

func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}
