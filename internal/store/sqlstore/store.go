package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aisd/aisd/internal/store"
)

// Store implements store.Store over a DB.
type Store struct {
	db DB
	d  Dialect
	// now stamps rows the store itself updates (claims, requeues).
	now func() time.Time
}

var _ store.Store = (*Store)(nil)

// New returns a Store over an already migrated db.
func New(db DB, d Dialect) *Store {
	return &Store{db: db, d: d, now: time.Now}
}

// Close closes the underlying DB.
func (s *Store) Close() error { return s.db.Close() }

// ms encodes a time as Unix milliseconds; the zero time is 0 so "unset"
// survives a round trip and never matches a time comparison by accident.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// write maps driver errors of a writing statement to the store's errors.
func (s *Store) write(err error) error {
	switch {
	case err == nil:
		return nil
	case s.d.IsConflict != nil && s.d.IsConflict(err):
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	case s.d.IsMissingRef != nil && s.d.IsMissingRef(err):
		return fmt.Errorf("%w: referenced row: %v", store.ErrNotFound, err)
	}
	return err
}

func needID(what, id string) error {
	if id == "" {
		return fmt.Errorf("store: %s id is empty", what)
	}
	return nil
}

// exactlyOne turns "no row affected" into ErrNotFound.
func exactlyOne(n int64, err error) error {
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// ---- IAM ----

const domainCols = `id, name, state, paid, created_at`

func scanDomain(r interface{ Scan(...any) error }) (store.Domain, error) {
	var d store.Domain
	var c int64
	err := r.Scan(&d.ID, &d.Name, &d.State, &d.Paid, &c)
	d.CreatedAt = fromMS(c)
	return d, err
}

func (s *Store) CreateDomain(ctx context.Context, d store.Domain) error {
	if err := needID("domain", d.ID); err != nil {
		return err
	}
	if d.State == "" {
		d.State = store.StateActive
	}
	_, err := s.db.Exec(ctx, `INSERT INTO domains (`+domainCols+`) VALUES (?, ?, ?, ?, ?)`,
		d.ID, d.Name, d.State, d.Paid, ms(d.CreatedAt))
	return s.write(err)
}

func (s *Store) GetDomain(ctx context.Context, id string) (store.Domain, error) {
	return scanDomain(s.db.QueryRow(ctx, `SELECT `+domainCols+` FROM domains WHERE id = ?`, id))
}

func (s *Store) GetDomainByName(ctx context.Context, name string) (store.Domain, error) {
	return scanDomain(s.db.QueryRow(ctx, `SELECT `+domainCols+` FROM domains WHERE name = ?`, name))
}

func (s *Store) ListDomains(ctx context.Context) ([]store.Domain, error) {
	return list(ctx, s.db, scanDomain, `SELECT `+domainCols+` FROM domains ORDER BY name`)
}

func (s *Store) SetDomainState(ctx context.Context, id, state string) error {
	return exactlyOne(s.db.Exec(ctx, `UPDATE domains SET state = ? WHERE id = ?`, state, id))
}

func (s *Store) SetDomainPaid(ctx context.Context, id string, paid bool) error {
	return exactlyOne(s.db.Exec(ctx, `UPDATE domains SET paid = ? WHERE id = ?`, paid, id))
}

const projectCols = `id, name, domain_id, created_at`

func scanProject(r interface{ Scan(...any) error }) (store.Project, error) {
	var p store.Project
	var c int64
	err := r.Scan(&p.ID, &p.Name, &p.DomainID, &c)
	p.CreatedAt = fromMS(c)
	return p, err
}

func (s *Store) CreateProject(ctx context.Context, p store.Project) error {
	if err := needID("project", p.ID); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `INSERT INTO projects (`+projectCols+`) VALUES (?, ?, ?, ?)`,
		p.ID, p.Name, p.DomainID, ms(p.CreatedAt))
	return s.write(err)
}

func (s *Store) GetProject(ctx context.Context, id string) (store.Project, error) {
	return scanProject(s.db.QueryRow(ctx, `SELECT `+projectCols+` FROM projects WHERE id = ?`, id))
}

func (s *Store) ListProjects(ctx context.Context, domainID, name string) ([]store.Project, error) {
	if name != "" {
		return list(ctx, s.db, scanProject, `SELECT `+projectCols+` FROM projects WHERE domain_id = ? AND name = ? ORDER BY name`, domainID, name)
	}
	return list(ctx, s.db, scanProject, `SELECT `+projectCols+` FROM projects WHERE domain_id = ? ORDER BY name`, domainID)
}

const userCols = `id, domain_id, name, password_hash, admin, created_at`

func scanUser(r interface{ Scan(...any) error }) (store.User, error) {
	var u store.User
	var c int64
	err := r.Scan(&u.ID, &u.DomainID, &u.Name, &u.PasswordHash, &u.Admin, &c)
	u.CreatedAt = fromMS(c)
	return u, err
}

func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if err := needID("user", u.ID); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		u.ID, u.DomainID, u.Name, u.PasswordHash, u.Admin, ms(u.CreatedAt))
	return s.write(err)
}

func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	return scanUser(s.db.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
}

func (s *Store) GetUserByName(ctx context.Context, domainID, name string) (store.User, error) {
	return scanUser(s.db.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE domain_id = ? AND name = ?`, domainID, name))
}

func (s *Store) ListUsers(ctx context.Context, domainID string) ([]store.User, error) {
	return list(ctx, s.db, scanUser, `SELECT `+userCols+` FROM users WHERE domain_id = ? ORDER BY name`, domainID)
}

const credCols = `ak, user_id, domain_id, sealed_sk, description, created_at`

func scanCred(r interface{ Scan(...any) error }) (store.Credential, error) {
	var c store.Credential
	var t int64
	err := r.Scan(&c.AK, &c.UserID, &c.DomainID, &c.SealedSK, &c.Description, &t)
	c.CreatedAt = fromMS(t)
	return c, err
}

func (s *Store) CreateCredential(ctx context.Context, c store.Credential) error {
	if err := needID("credential", c.AK); err != nil {
		return err
	}
	if c.SealedSK == nil {
		c.SealedSK = []byte{}
	}
	_, err := s.db.Exec(ctx, `INSERT INTO credentials (`+credCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		c.AK, c.UserID, c.DomainID, c.SealedSK, c.Description, ms(c.CreatedAt))
	return s.write(err)
}

func (s *Store) GetCredential(ctx context.Context, ak string) (store.Credential, error) {
	return scanCred(s.db.QueryRow(ctx, `SELECT `+credCols+` FROM credentials WHERE ak = ?`, ak))
}

func (s *Store) ListCredentials(ctx context.Context, userID string) ([]store.Credential, error) {
	return list(ctx, s.db, scanCred, `SELECT `+credCols+` FROM credentials WHERE user_id = ? ORDER BY created_at, ak`, userID)
}

func (s *Store) DeleteCredential(ctx context.Context, ak string) error {
	return exactlyOne(s.db.Exec(ctx, `DELETE FROM credentials WHERE ak = ?`, ak))
}

// ---- subscriptions and agencies ----

func scanSub(r interface{ Scan(...any) error }) (store.Subscription, error) {
	var x store.Subscription
	var t int64
	err := r.Scan(&x.ProjectID, &x.Service, &t)
	x.CreatedAt = fromMS(t)
	return x, err
}

func (s *Store) Subscribe(ctx context.Context, x store.Subscription) error {
	_, err := s.db.Exec(ctx, `INSERT INTO subscriptions (project_id, service, created_at) VALUES (?, ?, ?)`,
		x.ProjectID, x.Service, ms(x.CreatedAt))
	return s.write(err)
}

func (s *Store) Unsubscribe(ctx context.Context, projectID, service string) error {
	return exactlyOne(s.db.Exec(ctx, `DELETE FROM subscriptions WHERE project_id = ? AND service = ?`, projectID, service))
}

func (s *Store) ListSubscriptions(ctx context.Context, projectID string) ([]store.Subscription, error) {
	return list(ctx, s.db, scanSub, `SELECT project_id, service, created_at FROM subscriptions WHERE project_id = ? ORDER BY service`, projectID)
}

func (s *Store) IsSubscribed(ctx context.Context, projectID, service string) (bool, error) {
	return s.exists(ctx, `SELECT COUNT(*) FROM subscriptions WHERE project_id = ? AND service = ?`, projectID, service)
}

func (s *Store) SetAgency(ctx context.Context, projectID, service string, granted bool) error {
	if !granted {
		_, err := s.db.Exec(ctx, `DELETE FROM agencies WHERE project_id = ? AND service = ?`, projectID, service)
		return err
	}
	_, err := s.db.Exec(ctx, `INSERT INTO agencies (project_id, service) VALUES (?, ?)
		ON CONFLICT (project_id, service) DO NOTHING`, projectID, service)
	return err
}

func (s *Store) HasAgency(ctx context.Context, projectID, service string) (bool, error) {
	return s.exists(ctx, `SELECT COUNT(*) FROM agencies WHERE project_id = ? AND service = ?`, projectID, service)
}

func (s *Store) exists(ctx context.Context, q string, args ...any) (bool, error) {
	var n int64
	if err := s.db.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// ---- metering ----

// A call counts as successful when it was answered with a 2xx status.
const successCond = `status >= 200 AND status < 300`

// insertUsage skips a record of a request already metered (the unique
// index on request_id), so a replayed journal counts each call once.
const insertUsage = `INSERT INTO usage_records (project_id, user_id, service, api, at, status, code, request_id, calls)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

func (s *Store) RecordUsage(ctx context.Context, r store.UsageRecord) error {
	_, err := s.db.Exec(ctx, insertUsage, r.ProjectID, r.UserID, r.Service, r.API, ms(r.Time), r.Status, r.Code, r.RequestID, r.N())
	return err
}

func (s *Store) RecordUsageBatch(ctx context.Context, rs []store.UsageRecord) error {
	if len(rs) == 0 {
		return nil
	}
	return s.db.Tx(ctx, func(q Querier) error {
		// Multi-row statements: one parse and one round trip per chunk
		// instead of per record (the metering writer's batches run to
		// a thousand records under load).
		for len(rs) > 0 {
			n := min(len(rs), usageChunk)
			stmt, args := usageInsert(rs[:n])
			if _, err := q.Exec(ctx, stmt, args...); err != nil {
				return err
			}
			rs = rs[n:]
		}
		return nil
	})
}

// usageChunk rows per INSERT: 8 parameters each stays far below SQLite's
// and PostgreSQL's limits on bound parameters.
const usageChunk = 256

// usageInserts caches the statement text per row count.
var usageInserts sync.Map // int -> string

func usageInsert(rs []store.UsageRecord) (string, []any) {
	stmt, ok := usageInserts.Load(len(rs))
	if !ok {
		var b strings.Builder
		b.WriteString(`INSERT INTO usage_records (project_id, user_id, service, api, at, status, code, request_id, calls) VALUES `)
		for i := range rs {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		}
		b.WriteString(` ON CONFLICT DO NOTHING`)
		stmt, _ = usageInserts.LoadOrStore(len(rs), b.String())
	}
	// A field equal to the previous record's reuses its boxed value: a
	// batch is mostly the same project, user, API and outcome, and each
	// string or integer put in an interface is an allocation. Integers go
	// in as int64, which the driver takes without converting (an int is
	// converted, and boxed again).
	args := make([]any, 0, 9*len(rs))
	var prev store.UsageRecord
	var box [9]any
	for i, r := range rs {
		first := i == 0
		if first || r.ProjectID != prev.ProjectID {
			box[0] = r.ProjectID
		}
		if first || r.UserID != prev.UserID {
			box[1] = r.UserID
		}
		if first || r.Service != prev.Service {
			box[2] = r.Service
		}
		if first || r.API != prev.API {
			box[3] = r.API
		}
		if t := ms(r.Time); first || t != ms(prev.Time) {
			box[4] = t
		}
		if first || r.Status != prev.Status {
			box[5] = int64(r.Status)
		}
		if first || r.Code != prev.Code {
			box[6] = r.Code
		}
		box[7] = r.RequestID
		if first || r.N() != prev.N() {
			box[8] = r.N()
		}
		args = append(args, box[:]...)
		prev = r
	}
	return stmt.(string), args
}

func (s *Store) CountSuccess(ctx context.Context, projectID, service string, since time.Time) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `SELECT COALESCE(SUM(calls), 0) FROM usage_records
		WHERE project_id = ? AND service = ? AND at >= ? AND `+successCond, projectID, service, since.UnixMilli()).Scan(&n)
	return n, err
}

func (s *Store) Usage(ctx context.Context, f store.UsageFilter) ([]store.UsageRow, error) {
	where, args, err := usageWhere(f)
	if err != nil {
		return nil, err
	}
	day := fmt.Sprintf(s.d.DayExpr, "at")
	q := `SELECT ` + day + ` AS day, api, SUM(calls), SUM(CASE WHEN ` + successCond + ` THEN calls ELSE 0 END)
		FROM usage_records WHERE ` + where + `
		GROUP BY ` + day + `, api ORDER BY day, api`
	return list(ctx, s.db, func(r interface{ Scan(...any) error }) (store.UsageRow, error) {
		var u store.UsageRow
		err := r.Scan(&u.Day, &u.API, &u.Calls, &u.Success)
		return u, err
	}, q, args...)
}

func (s *Store) UsageErrors(ctx context.Context, f store.UsageFilter) ([]store.UsageErrorRow, error) {
	where, args, err := usageWhere(f)
	if err != nil {
		return nil, err
	}
	day := fmt.Sprintf(s.d.DayExpr, "at")
	q := `SELECT ` + day + ` AS day, api, code, SUM(calls)
		FROM usage_records WHERE ` + where + ` AND NOT (` + successCond + `)
		GROUP BY ` + day + `, api, code ORDER BY day, api, code`
	return list(ctx, s.db, func(r interface{ Scan(...any) error }) (store.UsageErrorRow, error) {
		var u store.UsageErrorRow
		err := r.Scan(&u.Day, &u.API, &u.Code, &u.Calls)
		return u, err
	}, q, args...)
}

// usageWhere is the WHERE clause and arguments of a usage filter.
func usageWhere(f store.UsageFilter) (string, []any, error) {
	if f.ProjectID == "" {
		return "", nil, errors.New("store: usage filter needs a project")
	}
	var where strings.Builder
	args := []any{f.ProjectID}
	where.WriteString(`project_id = ?`)
	if f.Service != "" {
		where.WriteString(` AND service = ?`)
		args = append(args, f.Service)
	}
	if !f.From.IsZero() {
		where.WriteString(` AND at >= ?`)
		args = append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		where.WriteString(` AND at < ?`)
		args = append(args, f.To.UnixMilli())
	}
	return where.String(), args, nil
}

// ---- settings and meta ----

func (s *Store) SetSetting(ctx context.Context, projectID, key, value string) error {
	_, err := s.db.Exec(ctx, `INSERT INTO settings (project_id, key, value) VALUES (?, ?, ?)
		ON CONFLICT (project_id, key) DO UPDATE SET value = excluded.value`, projectID, key, value)
	return err
}

func (s *Store) GetSetting(ctx context.Context, projectID, key string) (string, error) {
	var v string
	err := s.db.QueryRow(ctx, `SELECT value FROM settings WHERE project_id = ? AND key = ?`, projectID, key).Scan(&v)
	return v, err
}

func (s *Store) GetMeta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRow(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	return v, err
}

func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.db.Exec(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// ---- jobs ----

const jobCols = `id, project_id, user_id, kind, state, request, result, error_code, error_msg,
	request_id, callback_url, seed, attempts, callback_state, callback_attempts, callback_at,
	created_at, updated_at, expires_at`

func scanJob(r interface{ Scan(...any) error }) (store.Job, error) {
	var j store.Job
	var cbAt, c, u, e int64
	err := r.Scan(&j.ID, &j.ProjectID, &j.UserID, &j.Kind, &j.State, &j.Request, &j.Result,
		&j.ErrorCode, &j.ErrorMsg, &j.RequestID, &j.CallbackURL, &j.Seed, &j.Attempts,
		&j.CallbackState, &j.CallbackAttempts, &cbAt, &c, &u, &e)
	j.CallbackAt, j.CreatedAt, j.UpdatedAt, j.ExpiresAt = fromMS(cbAt), fromMS(c), fromMS(u), fromMS(e)
	return j, err
}

func (s *Store) CreateJob(ctx context.Context, j store.Job) error {
	if err := needID("job", j.ID); err != nil {
		return err
	}
	if j.State == "" {
		j.State = store.JobQueued
	}
	_, err := s.db.Exec(ctx, `INSERT INTO jobs (`+jobCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		j.ID, j.ProjectID, j.UserID, j.Kind, j.State, j.Request, j.Result, j.ErrorCode, j.ErrorMsg,
		j.RequestID, j.CallbackURL, j.Seed, j.Attempts, j.CallbackState, j.CallbackAttempts, ms(j.CallbackAt),
		ms(j.CreatedAt), ms(j.UpdatedAt), ms(j.ExpiresAt))
	return s.write(err)
}

func (s *Store) GetJob(ctx context.Context, id string) (store.Job, error) {
	return scanJob(s.db.QueryRow(ctx, `SELECT `+jobCols+` FROM jobs WHERE id = ?`, id))
}

// UpdateJob writes every mutable field; id, owner, kind, request and
// creation time never change.
func (s *Store) UpdateJob(ctx context.Context, j store.Job) error {
	return exactlyOne(s.db.Exec(ctx, `UPDATE jobs SET state = ?, result = ?, error_code = ?, error_msg = ?,
		callback_url = ?, seed = ?, attempts = ?, callback_state = ?, callback_attempts = ?, callback_at = ?,
		updated_at = ?, expires_at = ? WHERE id = ?`,
		j.State, j.Result, j.ErrorCode, j.ErrorMsg, j.CallbackURL, j.Seed, j.Attempts, j.CallbackState,
		j.CallbackAttempts, ms(j.CallbackAt), ms(j.UpdatedAt), ms(j.ExpiresAt), j.ID))
}

// ClaimJob picks and updates in one statement, so two claimers can never
// take the same job: sqlite serialises writers, postgres skips locked rows.
// An empty kinds claims any kind.
func (s *Store) ClaimJob(ctx context.Context, kinds []string) (store.Job, error) {
	args := []any{store.JobRunning, s.now().UnixMilli(), store.JobQueued}
	filter := ""
	if len(kinds) > 0 {
		filter = ` AND kind IN (?` + strings.Repeat(`, ?`, len(kinds)-1) + `)`
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	// Idle workers poll: look before taking the write lock, so an empty
	// queue costs a read, not a write transaction.
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT id FROM jobs WHERE state = ?`+filter+` LIMIT 1) q`,
		args[2:]...).Scan(&n); err != nil {
		return store.Job{}, err
	}
	if n == 0 {
		return store.Job{}, store.ErrNotFound
	}
	args = append(args, store.JobQueued)
	q := `UPDATE jobs SET state = ?, attempts = attempts + 1, updated_at = ?
		WHERE id = (SELECT id FROM jobs WHERE state = ?` + filter + `
			ORDER BY created_at, id LIMIT 1` + s.d.LockSkip + `)
		AND state = ?
		RETURNING ` + jobCols
	return scanJob(s.db.WriteRow(ctx, q, args...))
}

func (s *Store) RequeueRunning(ctx context.Context) (int, error) {
	n, err := s.db.Exec(ctx, `UPDATE jobs SET state = ?, updated_at = ? WHERE state = ?`,
		store.JobQueued, s.now().UnixMilli(), store.JobRunning)
	return int(n), err
}

func (s *Store) HeartbeatJob(ctx context.Context, id string, attempt int, at time.Time) error {
	return exactlyOne(s.db.Exec(ctx, `UPDATE jobs SET updated_at = ? WHERE id = ? AND state = ? AND attempts = ?`,
		ms(at), id, store.JobRunning, attempt))
}

// FinishJob fences the update with the claim's attempt number, so a run
// whose job was taken over cannot overwrite the new run's outcome.
func (s *Store) FinishJob(ctx context.Context, j store.Job) error {
	return exactlyOne(s.db.Exec(ctx, `UPDATE jobs SET state = ?, result = ?, error_code = ?, error_msg = ?,
		callback_state = ?, callback_attempts = ?, callback_at = ?, updated_at = ?, expires_at = ?
		WHERE id = ? AND state = ? AND attempts = ?`,
		j.State, j.Result, j.ErrorCode, j.ErrorMsg, j.CallbackState, j.CallbackAttempts, ms(j.CallbackAt),
		ms(j.UpdatedAt), ms(j.ExpiresAt), j.ID, store.JobRunning, j.Attempts))
}

func (s *Store) RequeueStale(ctx context.Context, before time.Time) (int, error) {
	n, err := s.db.Exec(ctx, `UPDATE jobs SET state = ?, updated_at = ? WHERE state = ? AND updated_at < ?`,
		store.JobQueued, s.now().UnixMilli(), store.JobRunning, ms(before))
	return int(n), err
}

func (s *Store) ClaimCallback(ctx context.Context, id string, due, until time.Time) (bool, error) {
	n, err := s.db.Exec(ctx, `UPDATE jobs SET callback_at = ?
		WHERE id = ? AND callback_state = ? AND callback_at = ?`,
		ms(until), id, store.CallbackPending, ms(due))
	return n == 1, err
}

func (s *Store) CountUnfinished(ctx context.Context, projectID string) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE project_id = ? AND state IN (?, ?)`,
		projectID, store.JobQueued, store.JobRunning).Scan(&n)
	return n, err
}

func (s *Store) ListJobs(ctx context.Context, projectID string, limit int) ([]store.Job, error) {
	if limit <= 0 {
		limit = 100
	}
	return list(ctx, s.db, scanJob, `SELECT `+jobCols+` FROM jobs
		WHERE project_id = ? ORDER BY created_at DESC, id LIMIT ?`, projectID, limit)
}

func (s *Store) PendingCallbacks(ctx context.Context, limit int) ([]store.Job, error) {
	if limit <= 0 {
		limit = 100
	}
	return list(ctx, s.db, scanJob, `SELECT `+jobCols+` FROM jobs
		WHERE callback_state = ? AND state IN (?, ?)
		ORDER BY callback_at, id LIMIT ?`,
		store.CallbackPending, store.JobSucceeded, store.JobFailed, limit)
}

func (s *Store) DeleteExpiredJobs(ctx context.Context, now time.Time) (int, error) {
	n, err := s.db.Exec(ctx, `DELETE FROM jobs WHERE expires_at > 0 AND expires_at <= ?`, now.UnixMilli())
	return int(n), err
}

// ---- faults ----

const faultCols = `id, project_id, api, code, mode, remaining, percent, latency_ms, created_at`

func scanFault(r interface{ Scan(...any) error }) (store.Fault, error) {
	var f store.Fault
	var c int64
	err := r.Scan(&f.ID, &f.ProjectID, &f.API, &f.Code, &f.Mode, &f.Remaining, &f.Percent, &f.LatencyMS, &c)
	f.CreatedAt = fromMS(c)
	return f, err
}

func (s *Store) CreateFault(ctx context.Context, f store.Fault) error {
	if err := needID("fault", f.ID); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `INSERT INTO faults (`+faultCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.ProjectID, f.API, f.Code, f.Mode, f.Remaining, f.Percent, f.LatencyMS, ms(f.CreatedAt))
	return s.write(err)
}

func (s *Store) ListFaults(ctx context.Context, projectID string) ([]store.Fault, error) {
	return list(ctx, s.db, scanFault, `SELECT `+faultCols+` FROM faults WHERE project_id = ? ORDER BY created_at, id`, projectID)
}

func (s *Store) GetFault(ctx context.Context, id string) (store.Fault, error) {
	return scanFault(s.db.QueryRow(ctx, `SELECT `+faultCols+` FROM faults WHERE id = ?`, id))
}

func (s *Store) DeleteFault(ctx context.Context, id string) error {
	return exactlyOne(s.db.Exec(ctx, `DELETE FROM faults WHERE id = ?`, id))
}

// TakeFault prefers a fault for the exact API over a "*" one, then the
// oldest. A count fault is taken by a conditional decrement; when another
// caller exhausted it in between, the next candidate is tried.
func (s *Store) TakeFault(ctx context.Context, projectID, api string) (store.Fault, error) {
	for {
		f, err := scanFault(s.db.QueryRow(ctx, `SELECT `+faultCols+` FROM faults
			WHERE project_id = ? AND (api = ? OR api = '*') AND (mode <> ? OR remaining > 0)
			ORDER BY CASE WHEN api = '*' THEN 1 ELSE 0 END, created_at, id LIMIT 1`,
			projectID, api, store.FaultCount))
		if err != nil || f.Mode != store.FaultCount {
			return f, err
		}
		err = s.db.WriteRow(ctx, `UPDATE faults SET remaining = remaining - 1
			WHERE id = ? AND remaining > 0 RETURNING remaining`, f.ID).Scan(&f.Remaining)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return store.Fault{}, err
		}
		if err := ctx.Err(); err != nil {
			return store.Fault{}, err
		}
	}
}

// list runs a read query and scans every row.
func list[T any](ctx context.Context, db Querier, scan func(interface{ Scan(...any) error }) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ---- resources ----

const resourceCols = `id, kind, owner, name, body, created_at, updated_at`

func scanResource(r interface{ Scan(...any) error }) (store.Resource, error) {
	var x store.Resource
	var c, u int64
	err := r.Scan(&x.ID, &x.Kind, &x.Owner, &x.Name, &x.Body, &c, &u)
	x.CreatedAt, x.UpdatedAt = fromMS(c), fromMS(u)
	return x, err
}

func (s *Store) CreateResource(ctx context.Context, r store.Resource) error {
	if err := needID("resource", r.ID); err != nil {
		return err
	}
	if r.Body == nil {
		r.Body = []byte{}
	}
	_, err := s.db.Exec(ctx, `INSERT INTO resources (`+resourceCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Kind, r.Owner, r.Name, r.Body, ms(r.CreatedAt), ms(r.UpdatedAt))
	return s.write(err)
}

func (s *Store) GetResource(ctx context.Context, kind, owner, id string) (store.Resource, error) {
	return scanResource(s.db.QueryRow(ctx, `SELECT `+resourceCols+` FROM resources WHERE kind = ? AND owner = ? AND id = ?`, kind, owner, id))
}

func (s *Store) GetResourceByName(ctx context.Context, kind, owner, name string) (store.Resource, error) {
	return scanResource(s.db.QueryRow(ctx, `SELECT `+resourceCols+` FROM resources WHERE kind = ? AND owner = ? AND name = ?`, kind, owner, name))
}

func (s *Store) ListResources(ctx context.Context, kind, owner string) ([]store.Resource, error) {
	return list(ctx, s.db, scanResource, `SELECT `+resourceCols+` FROM resources WHERE kind = ? AND owner = ? ORDER BY name, id`, kind, owner)
}

func (s *Store) UpdateResource(ctx context.Context, r store.Resource) error {
	if r.Body == nil {
		r.Body = []byte{}
	}
	n, err := s.db.Exec(ctx, `UPDATE resources SET name = ?, body = ?, updated_at = ? WHERE kind = ? AND owner = ? AND id = ?`,
		r.Name, r.Body, ms(r.UpdatedAt), r.Kind, r.Owner, r.ID)
	return exactlyOne(n, s.write(err))
}

func (s *Store) DeleteResource(ctx context.Context, kind, owner, id string) error {
	return exactlyOne(s.db.Exec(ctx, `DELETE FROM resources WHERE kind = ? AND owner = ? AND id = ?`, kind, owner, id))
}
