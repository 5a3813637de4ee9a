package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Column kinds of the dump: every column of the schema is one of these on
// both backends, so a dump taken from one restores into the other.
const (
	KindText  = "text"
	KindInt   = "int"
	KindBool  = "bool"
	KindBytes = "bytes"
)

// Column is one dumped column.
type Column struct{ Name, Kind string }

// Table is one dumped table; Order keeps rows in a stable order.
type Table struct {
	Name    string
	Columns []Column
	Order   string
}

func cols(spec string) []Column {
	var out []Column
	for _, f := range strings.Fields(spec) {
		name, kind, _ := strings.Cut(f, ":")
		out = append(out, Column{name, kind})
	}
	return out
}

// Tables lists every table of the schema in an order that satisfies the
// foreign keys (parents first). usage_records' surrogate id is left out:
// restored rows get new ids in the same order. A migration that adds a
// table or column must add it here; the state package's test compares this
// list with the migrated schema.
var Tables = []Table{
	{"domains", cols("id:text name:text state:text paid:bool created_at:int"), "id"},
	{"projects", cols("id:text name:text domain_id:text created_at:int"), "id"},
	{"users", cols("id:text domain_id:text name:text password_hash:text admin:bool created_at:int"), "id"},
	{"credentials", cols("ak:text user_id:text domain_id:text sealed_sk:bytes description:text created_at:int"), "ak"},
	{"subscriptions", cols("project_id:text service:text created_at:int"), "project_id, service"},
	{"agencies", cols("project_id:text service:text"), "project_id, service"},
	{"usage_records", cols("project_id:text user_id:text service:text api:text at:int status:int code:text request_id:text calls:int"), "id"},
	{"settings", cols("project_id:text key:text value:text"), "project_id, key"},
	{"jobs", cols("id:text project_id:text user_id:text kind:text state:text request:bytes result:bytes error_code:text error_msg:text " +
		"request_id:text callback_url:text seed:text attempts:int callback_state:text callback_attempts:int callback_at:int " +
		"created_at:int updated_at:int expires_at:int"), "id"},
	{"faults", cols("id:text project_id:text api:text code:text mode:text remaining:int percent:int latency_ms:int created_at:int"), "id"},
	{"meta", cols("key:text value:text"), "key"},
	{"resources", cols("id:text kind:text owner:text name:text body:bytes created_at:int updated_at:int"), "id"},
}

// ErrNotEmpty is Restore's answer for a store that already holds an
// account when replace was not asked for.
var ErrNotEmpty = errors.New("store already holds data")

func scanDest(kind string) any {
	switch kind {
	case KindInt:
		return new(int64)
	case KindBool:
		return new(bool)
	case KindBytes:
		return new([]byte)
	}
	return new(string)
}

func deref(p any) any {
	switch v := p.(type) {
	case *int64:
		return *v
	case *bool:
		return *v
	case *[]byte:
		return *v
	case *string:
		return *v
	}
	return nil
}

// Dump calls fn with every row of every table (values in Columns order:
// string, int64, bool or []byte, nil for a NULL blob), inside one
// transaction so the rows are one consistent snapshot.
func (s *Store) Dump(ctx context.Context, fn func(t Table, row []any) error) error {
	return s.db.Tx(ctx, func(q Querier) error {
		if s.d.Name == "postgres" {
			// The first statement of the transaction: every read below
			// then sees the same snapshot.
			if _, err := q.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"); err != nil {
				return err
			}
		}
		for _, t := range Tables {
			names := make([]string, len(t.Columns))
			for i, c := range t.Columns {
				names[i] = c.Name
			}
			rs, err := q.Query(ctx, "SELECT "+strings.Join(names, ", ")+" FROM "+t.Name+" ORDER BY "+t.Order)
			if err != nil {
				return fmt.Errorf("dump %s: %w", t.Name, err)
			}
			for rs.Next() {
				dest := make([]any, len(t.Columns))
				for i, c := range t.Columns {
					dest[i] = scanDest(c.Kind)
				}
				if err := rs.Scan(dest...); err != nil {
					rs.Close()
					return fmt.Errorf("dump %s: %w", t.Name, err)
				}
				row := make([]any, len(dest))
				for i, d := range dest {
					row[i] = deref(d)
				}
				if err := fn(t, row); err != nil {
					rs.Close()
					return err
				}
			}
			err = rs.Err()
			rs.Close()
			if err != nil {
				return fmt.Errorf("dump %s: %w", t.Name, err)
			}
		}
		return nil
	})
}

// Restore writes the rows next yields (table name and values in that
// table's Columns order) in one transaction: all or nothing. The store must
// hold no domain unless replace is set, which first deletes every row of
// every table. next returns io.EOF-like done=true when there are no more.
func (s *Store) Restore(ctx context.Context, replace bool, next func() (table string, row []any, done bool, err error)) error {
	byName := map[string]Table{}
	for _, t := range Tables {
		byName[t.Name] = t
	}
	return s.db.Tx(ctx, func(q Querier) error {
		if replace {
			for i := len(Tables) - 1; i >= 0; i-- {
				if _, err := q.Exec(ctx, "DELETE FROM "+Tables[i].Name); err != nil {
					return err
				}
			}
		} else {
			var n int64
			if err := q.QueryRow(ctx, "SELECT COUNT(*) FROM domains").Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return ErrNotEmpty
			}
			// A fresh store holds only what opening it wrote (meta
			// markers): the snapshot's win.
			if _, err := q.Exec(ctx, "DELETE FROM meta"); err != nil {
				return err
			}
		}
		stmts := map[string]string{}
		for {
			name, row, done, err := next()
			if err != nil {
				return err
			}
			if done {
				return nil
			}
			t, ok := byName[name]
			if !ok {
				return fmt.Errorf("restore: unknown table %q", name)
			}
			// A shorter row is from an archive of an earlier aisd: the
			// columns added since (at the end, with defaults) take their
			// defaults.
			if len(row) == 0 || len(row) > len(t.Columns) {
				return fmt.Errorf("restore %s: %d values for %d columns", name, len(row), len(t.Columns))
			}
			key := fmt.Sprint(name, "/", len(row))
			stmt, ok := stmts[key]
			if !ok {
				names := make([]string, len(row))
				for i, c := range t.Columns[:len(row)] {
					names[i] = c.Name
				}
				stmt = "INSERT INTO " + name + " (" + strings.Join(names, ", ") + ") VALUES (" +
					strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ") + ")"
				stmts[key] = stmt
			}
			if _, err := q.Exec(ctx, stmt, row...); err != nil {
				return fmt.Errorf("restore %s: %w", name, s.write(err))
			}
		}
	})
}

// SchemaTables lists the tables the migrated schema has (besides the
// migrations' own bookkeeping), for checking Tables against it.
func (s *Store) SchemaTables(ctx context.Context) ([]string, error) {
	q := "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	if s.d.Name == "sqlite" {
		q = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	}
	rs, err := s.db.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var n string
		if err := rs.Scan(&n); err != nil {
			return nil, err
		}
		if n != "schema_migrations" {
			out = append(out, n)
		}
	}
	return out, rs.Err()
}

// SchemaColumns lists a table's columns, for the same check.
func (s *Store) SchemaColumns(ctx context.Context, table string) ([]string, error) {
	q := "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"
	args := []any{table}
	if s.d.Name == "sqlite" {
		q, args = "SELECT name FROM pragma_table_info(?)", []any{table}
	}
	rs, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var n string
		if err := rs.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rs.Err()
}
