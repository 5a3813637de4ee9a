// Package sqlstore implements store.Store once for every SQL backend. A
// backend supplies a DB (its connection handling and error mapping) and a
// Dialect (the few SQL fragments that differ); the queries are written with
// "?" placeholders, which a backend rewrites if its driver needs to.
package sqlstore

import "context"

// Row is a single-row result. Scan returns store.ErrNotFound when the query
// produced no row.
type Row interface {
	Scan(dest ...any) error
}

// Rows iterates a result set.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Querier runs statements.
type Querier interface {
	// Exec runs a statement that writes and reports the rows it affected.
	Exec(ctx context.Context, q string, args ...any) (int64, error)
	// WriteRow runs a writing statement with a RETURNING clause.
	WriteRow(ctx context.Context, q string, args ...any) Row
	// QueryRow and Query only read.
	QueryRow(ctx context.Context, q string, args ...any) Row
	Query(ctx context.Context, q string, args ...any) (Rows, error)
}

// DB is a backend's connection handling.
type DB interface {
	Querier
	// Tx runs fn in one transaction, committing when it returns nil.
	Tx(ctx context.Context, fn func(q Querier) error) error
	Close() error
}

// Dialect holds what differs between backends.
type Dialect struct {
	// Name is used in error messages ("sqlite", "postgres").
	Name string
	// DayExpr turns a column of Unix milliseconds into 'YYYY-MM-DD' (UTC);
	// %s is the column.
	DayExpr string
	// LockSkip is appended to the sub-select that picks a row to claim, so
	// concurrent claimers skip rows another transaction holds.
	LockSkip string
	// MigrationLock, when set, is run first in the migration transaction to
	// keep concurrent processes from migrating at once.
	MigrationLock string
	// IsConflict reports a unique or primary-key violation.
	IsConflict func(error) bool
	// IsMissingRef reports a foreign-key violation.
	IsMissingRef func(error) bool
}
