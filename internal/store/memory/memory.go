// Package memory is an in-memory store backend. It registers the "memory"
// DSN scheme with store.Open: the DSN is exactly "memory:" (nothing after
// the colon), and every Open returns a new, empty store private to the
// process, so its state is lost when the store is closed or the process
// exits. It suits tests and throw-away runs; New gives the same store
// without going through a DSN.
//
// It passes store/conformance and follows the SQL backends where the suite
// is silent: times keep millisecond precision in UTC and the zero time
// stays zero; lists come back in the same order, empty rather than nil; a
// project or user in an unknown domain, or a credential of an unknown
// user, is refused with store.ErrNotFound; empty IDs are refused. Byte
// slices read back as postgres gives them: nil stays nil and empty stays
// empty (sqlite turns both into nil).
//
// Every method takes a lock (sync.RWMutex), so claims and count-fault takes
// are atomic, and values are copied in and out, so no caller shares a byte
// slice with the store. A method fails with the context's error when the
// context is already done, and with ErrClosed after Close.
package memory

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aisd/aisd/internal/store"
)

func init() {
	store.Register("memory", func(ctx context.Context, dsn string) (store.Store, error) {
		return Open(ctx, dsn)
	})
}

// ErrClosed is returned by every method of a closed store.
var ErrClosed = errors.New("memory: store is closed")

// Open returns a new, empty store for the DSN "memory:".
func Open(_ context.Context, dsn string) (*Store, error) {
	scheme, rest, _ := strings.Cut(dsn, ":")
	if !strings.EqualFold(scheme, "memory") {
		return nil, fmt.Errorf("memory: DSN %q is not a memory: DSN", dsn)
	}
	if rest != "" {
		return nil, fmt.Errorf("memory: DSN %q: the memory backend takes no path or options, use \"memory:\"", dsn)
	}
	return New(), nil
}

// pair keys the tables whose identity is two strings.
type pair struct{ a, b string }

// Store implements store.Store in memory. The zero value is not usable:
// call New.
type Store struct {
	// now stamps rows the store itself updates (claims, requeues).
	now func() time.Time

	mu     sync.RWMutex
	closed bool

	domains       map[string]store.Domain
	domainByName  map[string]string // name -> id
	projects      map[string]store.Project
	projectByName map[pair]string // (domain id, name) -> id
	users         map[string]store.User
	userByName    map[pair]string // (domain id, name) -> id
	creds         map[string]store.Credential
	subs          map[pair]store.Subscription // (project, service)
	agencies      map[pair]bool               // (project, service)
	usage         []store.UsageRecord
	metered       map[string]bool // request ids of the usage records
	settings      map[pair]string // (project, key)
	meta          map[string]string
	jobs          map[string]store.Job
	faults        map[string]store.Fault
	resources     map[string]store.Resource // by ID
}

var _ store.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		now:           time.Now,
		domains:       map[string]store.Domain{},
		domainByName:  map[string]string{},
		projects:      map[string]store.Project{},
		projectByName: map[pair]string{},
		users:         map[string]store.User{},
		userByName:    map[pair]string{},
		creds:         map[string]store.Credential{},
		subs:          map[pair]store.Subscription{},
		agencies:      map[pair]bool{},
		settings:      map[pair]string{},
		meta:          map[string]string{},
		jobs:          map[string]store.Job{},
		faults:        map[string]store.Fault{},
		resources:     map[string]store.Resource{},
	}
}

// Close drops the data; later calls return ErrClosed. Closing twice is
// harmless.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.domains, s.domainByName, s.projects, s.projectByName = nil, nil, nil, nil
	s.users, s.userByName, s.creds, s.subs, s.agencies = nil, nil, nil, nil, nil
	s.usage, s.metered, s.settings, s.meta, s.jobs, s.faults, s.resources = nil, nil, nil, nil, nil, nil, nil
	return nil
}

// rlock takes the read lock for a method; on success the caller must
// RUnlock.
func (s *Store) rlock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	return nil
}

// lock takes the write lock for a method; on success the caller must
// Unlock.
func (s *Store) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	return nil
}

// ---- time and values, as the SQL backends store them ----

// ms is a time as the SQL backends store it: Unix milliseconds, the zero
// time as 0. Every comparison and ordering of stored times goes through it,
// so they agree with the SQL backends' integer comparisons.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// norm is a time as the SQL backends give it back: UTC, whole
// milliseconds, 0 read back as the zero time.
func norm(t time.Time) time.Time {
	v := ms(t)
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// day is the UTC date of a stored time, computed as the SQL backends do:
// the milliseconds divided by 1000 (truncated toward zero) as Unix seconds.
func day(t time.Time) string {
	return time.Unix(ms(t)/1000, 0).UTC().Format("2006-01-02")
}

func needID(what, id string) error {
	if id == "" {
		return fmt.Errorf("store: %s id is empty", what)
	}
	return nil
}

func conflict(format string, args ...any) error {
	return fmt.Errorf("%w: %s", store.ErrConflict, fmt.Sprintf(format, args...))
}

func missingRef(format string, args ...any) error {
	return fmt.Errorf("%w: referenced row: %s", store.ErrNotFound, fmt.Sprintf(format, args...))
}

func copyJob(j store.Job) store.Job {
	j.Request = bytes.Clone(j.Request)
	j.Result = bytes.Clone(j.Result)
	return j
}

func copyCred(c store.Credential) store.Credential {
	c.SealedSK = bytes.Clone(c.SealedSK)
	return c
}

// sorted returns, as a new slice, the values of m for which keep is true,
// ordered by compare; empty, not nil, when none are, as the SQL backends'
// lists are.
func sorted[K comparable, V any](m map[K]V, keep func(V) bool, compare func(a, b V) int) []V {
	out := []V{}
	for _, v := range m {
		if keep(v) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, compare)
	return out
}

// ---- IAM ----

func (s *Store) CreateDomain(ctx context.Context, d store.Domain) error {
	if err := needID("domain", d.ID); err != nil {
		return err
	}
	if d.State == "" {
		d.State = store.StateActive
	}
	d.CreatedAt = norm(d.CreatedAt)
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, dup := s.domains[d.ID]; dup {
		return conflict("domain id %q", d.ID)
	}
	if _, dup := s.domainByName[d.Name]; dup {
		return conflict("domain name %q", d.Name)
	}
	s.domains[d.ID] = d
	s.domainByName[d.Name] = d.ID
	return nil
}

func (s *Store) GetDomain(ctx context.Context, id string) (store.Domain, error) {
	if err := s.rlock(ctx); err != nil {
		return store.Domain{}, err
	}
	defer s.mu.RUnlock()
	d, ok := s.domains[id]
	if !ok {
		return store.Domain{}, store.ErrNotFound
	}
	return d, nil
}

func (s *Store) GetDomainByName(ctx context.Context, name string) (store.Domain, error) {
	if err := s.rlock(ctx); err != nil {
		return store.Domain{}, err
	}
	defer s.mu.RUnlock()
	id, ok := s.domainByName[name]
	if !ok {
		return store.Domain{}, store.ErrNotFound
	}
	return s.domains[id], nil
}

func (s *Store) ListDomains(ctx context.Context) ([]store.Domain, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return sorted(s.domains, func(store.Domain) bool { return true },
		func(a, b store.Domain) int { return cmp.Compare(a.Name, b.Name) }), nil
}

func (s *Store) updateDomain(ctx context.Context, id string, fn func(*store.Domain)) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	d, ok := s.domains[id]
	if !ok {
		return store.ErrNotFound
	}
	fn(&d)
	s.domains[id] = d
	return nil
}

func (s *Store) SetDomainState(ctx context.Context, id, state string) error {
	return s.updateDomain(ctx, id, func(d *store.Domain) { d.State = state })
}

func (s *Store) SetDomainPaid(ctx context.Context, id string, paid bool) error {
	return s.updateDomain(ctx, id, func(d *store.Domain) { d.Paid = paid })
}

func (s *Store) CreateProject(ctx context.Context, p store.Project) error {
	if err := needID("project", p.ID); err != nil {
		return err
	}
	p.CreatedAt = norm(p.CreatedAt)
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	key := pair{p.DomainID, p.Name}
	if _, dup := s.projects[p.ID]; dup {
		return conflict("project id %q", p.ID)
	}
	if _, dup := s.projectByName[key]; dup {
		return conflict("project %q in domain %q", p.Name, p.DomainID)
	}
	if _, ok := s.domains[p.DomainID]; !ok {
		return missingRef("domain %q", p.DomainID)
	}
	s.projects[p.ID] = p
	s.projectByName[key] = p.ID
	return nil
}

func (s *Store) GetProject(ctx context.Context, id string) (store.Project, error) {
	if err := s.rlock(ctx); err != nil {
		return store.Project{}, err
	}
	defer s.mu.RUnlock()
	p, ok := s.projects[id]
	if !ok {
		return store.Project{}, store.ErrNotFound
	}
	return p, nil
}

func (s *Store) ListProjects(ctx context.Context, domainID, name string) ([]store.Project, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return sorted(s.projects,
		func(p store.Project) bool { return p.DomainID == domainID && (name == "" || p.Name == name) },
		func(a, b store.Project) int { return cmp.Compare(a.Name, b.Name) }), nil
}

func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if err := needID("user", u.ID); err != nil {
		return err
	}
	u.CreatedAt = norm(u.CreatedAt)
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	key := pair{u.DomainID, u.Name}
	if _, dup := s.users[u.ID]; dup {
		return conflict("user id %q", u.ID)
	}
	if _, dup := s.userByName[key]; dup {
		return conflict("user %q in domain %q", u.Name, u.DomainID)
	}
	if _, ok := s.domains[u.DomainID]; !ok {
		return missingRef("domain %q", u.DomainID)
	}
	s.users[u.ID] = u
	s.userByName[key] = u.ID
	return nil
}

func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	if err := s.rlock(ctx); err != nil {
		return store.User{}, err
	}
	defer s.mu.RUnlock()
	u, ok := s.users[id]
	if !ok {
		return store.User{}, store.ErrNotFound
	}
	return u, nil
}

func (s *Store) GetUserByName(ctx context.Context, domainID, name string) (store.User, error) {
	if err := s.rlock(ctx); err != nil {
		return store.User{}, err
	}
	defer s.mu.RUnlock()
	id, ok := s.userByName[pair{domainID, name}]
	if !ok {
		return store.User{}, store.ErrNotFound
	}
	return s.users[id], nil
}

func (s *Store) ListUsers(ctx context.Context, domainID string) ([]store.User, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return sorted(s.users,
		func(u store.User) bool { return u.DomainID == domainID },
		func(a, b store.User) int { return cmp.Compare(a.Name, b.Name) }), nil
}

func (s *Store) CreateCredential(ctx context.Context, c store.Credential) error {
	if err := needID("credential", c.AK); err != nil {
		return err
	}
	c = copyCred(c)
	if c.SealedSK == nil {
		c.SealedSK = []byte{}
	}
	c.CreatedAt = norm(c.CreatedAt)
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, dup := s.creds[c.AK]; dup {
		return conflict("credential %q", c.AK)
	}
	if _, ok := s.users[c.UserID]; !ok {
		return missingRef("user %q", c.UserID)
	}
	s.creds[c.AK] = c
	return nil
}

func (s *Store) GetCredential(ctx context.Context, ak string) (store.Credential, error) {
	if err := s.rlock(ctx); err != nil {
		return store.Credential{}, err
	}
	defer s.mu.RUnlock()
	c, ok := s.creds[ak]
	if !ok {
		return store.Credential{}, store.ErrNotFound
	}
	return copyCred(c), nil
}

func (s *Store) ListCredentials(ctx context.Context, userID string) ([]store.Credential, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	out := sorted(s.creds,
		func(c store.Credential) bool { return c.UserID == userID },
		func(a, b store.Credential) int {
			return cmp.Or(cmp.Compare(ms(a.CreatedAt), ms(b.CreatedAt)), cmp.Compare(a.AK, b.AK))
		})
	for i := range out {
		out[i] = copyCred(out[i])
	}
	return out, nil
}

func (s *Store) DeleteCredential(ctx context.Context, ak string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.creds[ak]; !ok {
		return store.ErrNotFound
	}
	delete(s.creds, ak)
	return nil
}

// ---- subscriptions and agencies ----

func (s *Store) Subscribe(ctx context.Context, x store.Subscription) error {
	x.CreatedAt = norm(x.CreatedAt)
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	key := pair{x.ProjectID, x.Service}
	if _, dup := s.subs[key]; dup {
		return conflict("subscription of project %q to %q", x.ProjectID, x.Service)
	}
	s.subs[key] = x
	return nil
}

func (s *Store) Unsubscribe(ctx context.Context, projectID, service string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	key := pair{projectID, service}
	if _, ok := s.subs[key]; !ok {
		return store.ErrNotFound
	}
	delete(s.subs, key)
	return nil
}

func (s *Store) ListSubscriptions(ctx context.Context, projectID string) ([]store.Subscription, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return sorted(s.subs,
		func(x store.Subscription) bool { return x.ProjectID == projectID },
		func(a, b store.Subscription) int { return cmp.Compare(a.Service, b.Service) }), nil
}

func (s *Store) IsSubscribed(ctx context.Context, projectID, service string) (bool, error) {
	if err := s.rlock(ctx); err != nil {
		return false, err
	}
	defer s.mu.RUnlock()
	_, ok := s.subs[pair{projectID, service}]
	return ok, nil
}

func (s *Store) SetAgency(ctx context.Context, projectID, service string, granted bool) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if granted {
		s.agencies[pair{projectID, service}] = true
	} else {
		delete(s.agencies, pair{projectID, service})
	}
	return nil
}

func (s *Store) HasAgency(ctx context.Context, projectID, service string) (bool, error) {
	if err := s.rlock(ctx); err != nil {
		return false, err
	}
	defer s.mu.RUnlock()
	return s.agencies[pair{projectID, service}], nil
}

// ---- metering ----

// success reports a call answered with a 2xx status.
func success(status int) bool { return status >= 200 && status < 300 }

func (s *Store) RecordUsage(ctx context.Context, r store.UsageRecord) error {
	r.Time = norm(r.Time)
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.addUsage(r)
	return nil
}

// addUsage keeps a record unless its request was metered already. Called
// with the write lock held.
func (s *Store) addUsage(r store.UsageRecord) {
	if r.RequestID != "" {
		if s.metered == nil {
			s.metered = map[string]bool{}
		}
		if s.metered[r.RequestID] {
			return
		}
		s.metered[r.RequestID] = true
	}
	s.usage = append(s.usage, r)
}

func (s *Store) RecordUsageBatch(ctx context.Context, rs []store.UsageRecord) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	for _, r := range rs {
		r.Time = norm(r.Time)
		s.addUsage(r)
	}
	return nil
}

func (s *Store) CountSuccess(ctx context.Context, projectID, service string, since time.Time) (int64, error) {
	if err := s.rlock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	// Like the SQL backends, compare with since.UnixMilli(): the zero time
	// is far before any stored time, so it counts everything.
	from := since.UnixMilli()
	var n int64
	for _, r := range s.usage {
		if r.ProjectID == projectID && r.Service == service && ms(r.Time) >= from && success(r.Status) {
			n += r.N()
		}
	}
	return n, nil
}

func (s *Store) Usage(ctx context.Context, f store.UsageFilter) ([]store.UsageRow, error) {
	if f.ProjectID == "" {
		return nil, errors.New("store: usage filter needs a project")
	}
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	type key struct{ day, api string }
	rows := map[key]*store.UsageRow{}
	for _, r := range s.usage {
		at := ms(r.Time)
		if r.ProjectID != f.ProjectID ||
			(f.Service != "" && r.Service != f.Service) ||
			(!f.From.IsZero() && at < f.From.UnixMilli()) ||
			(!f.To.IsZero() && at >= f.To.UnixMilli()) {
			continue
		}
		k := key{day(r.Time), r.API}
		row := rows[k]
		if row == nil {
			row = &store.UsageRow{Day: k.day, API: k.api}
			rows[k] = row
		}
		row.Calls += r.N()
		if success(r.Status) {
			row.Success += r.N()
		}
	}
	out := make([]store.UsageRow, 0, len(rows))
	for _, row := range rows {
		out = append(out, *row)
	}
	slices.SortFunc(out, func(a, b store.UsageRow) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.API, b.API))
	})
	return out, nil
}

func (s *Store) UsageErrors(ctx context.Context, f store.UsageFilter) ([]store.UsageErrorRow, error) {
	if f.ProjectID == "" {
		return nil, errors.New("store: usage filter needs a project")
	}
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	type key struct{ day, api, code string }
	rows := map[key]*store.UsageErrorRow{}
	for _, r := range s.usage {
		at := ms(r.Time)
		if r.ProjectID != f.ProjectID || success(r.Status) ||
			(f.Service != "" && r.Service != f.Service) ||
			(!f.From.IsZero() && at < f.From.UnixMilli()) ||
			(!f.To.IsZero() && at >= f.To.UnixMilli()) {
			continue
		}
		k := key{day(r.Time), r.API, r.Code}
		row := rows[k]
		if row == nil {
			row = &store.UsageErrorRow{Day: k.day, API: k.api, Code: k.code}
			rows[k] = row
		}
		row.Calls += r.N()
	}
	out := make([]store.UsageErrorRow, 0, len(rows))
	for _, row := range rows {
		out = append(out, *row)
	}
	slices.SortFunc(out, func(a, b store.UsageErrorRow) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.API, b.API), cmp.Compare(a.Code, b.Code))
	})
	return out, nil
}

// ---- settings and meta ----

func (s *Store) SetSetting(ctx context.Context, projectID, key, value string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.settings[pair{projectID, key}] = value
	return nil
}

func (s *Store) GetSetting(ctx context.Context, projectID, key string) (string, error) {
	if err := s.rlock(ctx); err != nil {
		return "", err
	}
	defer s.mu.RUnlock()
	v, ok := s.settings[pair{projectID, key}]
	if !ok {
		return "", store.ErrNotFound
	}
	return v, nil
}

func (s *Store) GetMeta(ctx context.Context, key string) (string, error) {
	if err := s.rlock(ctx); err != nil {
		return "", err
	}
	defer s.mu.RUnlock()
	v, ok := s.meta[key]
	if !ok {
		return "", store.ErrNotFound
	}
	return v, nil
}

func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.meta[key] = value
	return nil
}

// ---- jobs ----

func normJobTimes(j *store.Job) {
	j.CallbackAt, j.CreatedAt, j.UpdatedAt, j.ExpiresAt = norm(j.CallbackAt), norm(j.CreatedAt), norm(j.UpdatedAt), norm(j.ExpiresAt)
}

func (s *Store) CreateJob(ctx context.Context, j store.Job) error {
	if err := needID("job", j.ID); err != nil {
		return err
	}
	j = copyJob(j)
	if j.State == "" {
		j.State = store.JobQueued
	}
	normJobTimes(&j)
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, dup := s.jobs[j.ID]; dup {
		return conflict("job %q", j.ID)
	}
	s.jobs[j.ID] = j
	return nil
}

func (s *Store) GetJob(ctx context.Context, id string) (store.Job, error) {
	if err := s.rlock(ctx); err != nil {
		return store.Job{}, err
	}
	defer s.mu.RUnlock()
	j, ok := s.jobs[id]
	if !ok {
		return store.Job{}, store.ErrNotFound
	}
	return copyJob(j), nil
}

// UpdateJob writes every mutable field; id, owner, kind, request, request
// id and creation time never change.
func (s *Store) UpdateJob(ctx context.Context, j store.Job) error {
	j = copyJob(j)
	normJobTimes(&j)
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	old, ok := s.jobs[j.ID]
	if !ok {
		return store.ErrNotFound
	}
	old.State, old.Result, old.ErrorCode, old.ErrorMsg = j.State, j.Result, j.ErrorCode, j.ErrorMsg
	old.CallbackURL, old.Seed, old.Attempts = j.CallbackURL, j.Seed, j.Attempts
	old.CallbackState, old.CallbackAttempts, old.CallbackAt = j.CallbackState, j.CallbackAttempts, j.CallbackAt
	old.UpdatedAt, old.ExpiresAt = j.UpdatedAt, j.ExpiresAt
	s.jobs[j.ID] = old
	return nil
}

// ClaimJob takes the oldest queued job (by creation time, then id) of one
// of kinds, or of any kind when kinds is empty, under the write lock.
func (s *Store) ClaimJob(ctx context.Context, kinds []string) (store.Job, error) {
	if err := s.lock(ctx); err != nil {
		return store.Job{}, err
	}
	defer s.mu.Unlock()
	var (
		best  store.Job
		found bool
	)
	for _, j := range s.jobs {
		if j.State != store.JobQueued || (len(kinds) > 0 && !slices.Contains(kinds, j.Kind)) {
			continue
		}
		if !found || cmp.Or(cmp.Compare(ms(j.CreatedAt), ms(best.CreatedAt)), cmp.Compare(j.ID, best.ID)) < 0 {
			best, found = j, true
		}
	}
	if !found {
		return store.Job{}, store.ErrNotFound
	}
	best.State = store.JobRunning
	best.Attempts++
	best.UpdatedAt = norm(s.now())
	s.jobs[best.ID] = best
	return copyJob(best), nil
}

// requeue moves the running jobs that stale reports back to queued.
func (s *Store) requeue(ctx context.Context, stale func(store.Job) bool) (int, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	now := norm(s.now())
	n := 0
	for id, j := range s.jobs {
		if j.State == store.JobRunning && stale(j) {
			j.State, j.UpdatedAt = store.JobQueued, now
			s.jobs[id] = j
			n++
		}
	}
	return n, nil
}

func (s *Store) RequeueRunning(ctx context.Context) (int, error) {
	return s.requeue(ctx, func(store.Job) bool { return true })
}

func (s *Store) RequeueStale(ctx context.Context, before time.Time) (int, error) {
	b := ms(before)
	return s.requeue(ctx, func(j store.Job) bool { return ms(j.UpdatedAt) < b })
}

// running returns job id and true when it is running under attempt; the
// caller holds the write lock.
func (s *Store) running(id string, attempt int) (store.Job, bool) {
	j, ok := s.jobs[id]
	return j, ok && j.State == store.JobRunning && j.Attempts == attempt
}

func (s *Store) HeartbeatJob(ctx context.Context, id string, attempt int, at time.Time) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	j, ok := s.running(id, attempt)
	if !ok {
		return store.ErrNotFound
	}
	j.UpdatedAt = norm(at)
	s.jobs[id] = j
	return nil
}

// FinishJob writes the outcome of a run only while the job still runs
// under j.Attempts, so a run whose job was taken over cannot overwrite the
// new run's outcome.
func (s *Store) FinishJob(ctx context.Context, j store.Job) error {
	j = copyJob(j)
	normJobTimes(&j)
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	old, ok := s.running(j.ID, j.Attempts)
	if !ok {
		return store.ErrNotFound
	}
	old.State, old.Result, old.ErrorCode, old.ErrorMsg = j.State, j.Result, j.ErrorCode, j.ErrorMsg
	old.CallbackState, old.CallbackAttempts, old.CallbackAt = j.CallbackState, j.CallbackAttempts, j.CallbackAt
	old.UpdatedAt, old.ExpiresAt = j.UpdatedAt, j.ExpiresAt
	s.jobs[j.ID] = old
	return nil
}

func (s *Store) CountUnfinished(ctx context.Context, projectID string) (int, error) {
	if err := s.rlock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	n := 0
	for _, j := range s.jobs {
		if j.ProjectID == projectID && (j.State == store.JobQueued || j.State == store.JobRunning) {
			n++
		}
	}
	return n, nil
}

// ListJobs lists a project's jobs, newest first (then id); a limit of 0
// or less means 100.
func (s *Store) ListJobs(ctx context.Context, projectID string, limit int) ([]store.Job, error) {
	return s.jobsWhere(ctx, limit,
		func(j store.Job) bool { return j.ProjectID == projectID },
		func(a, b store.Job) int {
			return cmp.Or(cmp.Compare(ms(b.CreatedAt), ms(a.CreatedAt)), cmp.Compare(a.ID, b.ID))
		})
}

// PendingCallbacks lists finished jobs whose callback is pending, earliest
// CallbackAt (then id) first; a limit of 0 or less means 100.
func (s *Store) PendingCallbacks(ctx context.Context, limit int) ([]store.Job, error) {
	return s.jobsWhere(ctx, limit,
		func(j store.Job) bool {
			return j.CallbackState == store.CallbackPending && (j.State == store.JobSucceeded || j.State == store.JobFailed)
		},
		func(a, b store.Job) int {
			return cmp.Or(cmp.Compare(ms(a.CallbackAt), ms(b.CallbackAt)), cmp.Compare(a.ID, b.ID))
		})
}

// jobsWhere copies out at most limit (0 or less: 100) of the jobs keep
// admits, in compare's order.
func (s *Store) jobsWhere(ctx context.Context, limit int, keep func(store.Job) bool, compare func(a, b store.Job) int) ([]store.Job, error) {
	if limit <= 0 {
		limit = 100
	}
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	out := sorted(s.jobs, keep, compare)
	if len(out) > limit {
		out = out[:limit]
	}
	for i := range out {
		out[i] = copyJob(out[i])
	}
	return out, nil
}

func (s *Store) ClaimCallback(ctx context.Context, id string, due, until time.Time) (bool, error) {
	if err := s.lock(ctx); err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok || j.CallbackState != store.CallbackPending || ms(j.CallbackAt) != ms(due) {
		return false, nil
	}
	j.CallbackAt = norm(until)
	s.jobs[id] = j
	return true, nil
}

// DeleteExpiredJobs deletes jobs that expire at or before now; a job with
// no expiry (the zero time) is kept.
func (s *Store) DeleteExpiredJobs(ctx context.Context, now time.Time) (int, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	limit := now.UnixMilli()
	n := 0
	for id, j := range s.jobs {
		if e := ms(j.ExpiresAt); e > 0 && e <= limit {
			delete(s.jobs, id)
			n++
		}
	}
	return n, nil
}

// ---- faults ----

func (s *Store) CreateFault(ctx context.Context, f store.Fault) error {
	if err := needID("fault", f.ID); err != nil {
		return err
	}
	f.CreatedAt = norm(f.CreatedAt)
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, dup := s.faults[f.ID]; dup {
		return conflict("fault %q", f.ID)
	}
	s.faults[f.ID] = f
	return nil
}

func compareFaults(a, b store.Fault) int {
	return cmp.Or(cmp.Compare(ms(a.CreatedAt), ms(b.CreatedAt)), cmp.Compare(a.ID, b.ID))
}

func (s *Store) ListFaults(ctx context.Context, projectID string) ([]store.Fault, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return sorted(s.faults, func(f store.Fault) bool { return f.ProjectID == projectID }, compareFaults), nil
}

func (s *Store) GetFault(ctx context.Context, id string) (store.Fault, error) {
	if err := s.rlock(ctx); err != nil {
		return store.Fault{}, err
	}
	defer s.mu.RUnlock()
	f, ok := s.faults[id]
	if !ok {
		return store.Fault{}, store.ErrNotFound
	}
	return f, nil
}

func (s *Store) DeleteFault(ctx context.Context, id string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.faults[id]; !ok {
		return store.ErrNotFound
	}
	delete(s.faults, id)
	return nil
}

// TakeFault prefers a fault for the exact API over a "*" one, then the
// oldest (then lowest id); an exhausted count fault does not apply. A count
// fault is decremented under the write lock and returned with what remains.
func (s *Store) TakeFault(ctx context.Context, projectID, api string) (store.Fault, error) {
	if err := s.lock(ctx); err != nil {
		return store.Fault{}, err
	}
	defer s.mu.Unlock()
	wild := func(f store.Fault) int {
		if f.API == "*" {
			return 1
		}
		return 0
	}
	var (
		best  store.Fault
		found bool
	)
	for _, f := range s.faults {
		if f.ProjectID != projectID || (f.API != api && f.API != "*") || (f.Mode == store.FaultCount && f.Remaining <= 0) {
			continue
		}
		if !found || cmp.Or(cmp.Compare(wild(f), wild(best)), compareFaults(f, best)) < 0 {
			best, found = f, true
		}
	}
	if !found {
		return store.Fault{}, store.ErrNotFound
	}
	if best.Mode == store.FaultCount {
		best.Remaining--
		s.faults[best.ID] = best
	}
	return best, nil
}

// ---- resources ----

// cloneResource keeps callers from sharing the stored body.
func cloneResource(r store.Resource) store.Resource {
	r.Body = append([]byte{}, r.Body...)
	return r
}

// nameTaken reports whether another resource of (kind, owner) has name.
func (s *Store) nameTaken(r store.Resource) bool {
	for _, o := range s.resources {
		if o.ID != r.ID && o.Kind == r.Kind && o.Owner == r.Owner && o.Name == r.Name {
			return true
		}
	}
	return false
}

func (s *Store) CreateResource(ctx context.Context, r store.Resource) error {
	if err := needID("resource", r.ID); err != nil {
		return err
	}
	r.CreatedAt, r.UpdatedAt = norm(r.CreatedAt), norm(r.UpdatedAt)
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, dup := s.resources[r.ID]; dup {
		return conflict("resource %q", r.ID)
	}
	if s.nameTaken(r) {
		return conflict("resource %s %q of %s", r.Kind, r.Name, r.Owner)
	}
	s.resources[r.ID] = cloneResource(r)
	return nil
}

func (s *Store) getResource(ctx context.Context, keep func(store.Resource) bool) (store.Resource, error) {
	if err := s.rlock(ctx); err != nil {
		return store.Resource{}, err
	}
	defer s.mu.RUnlock()
	for _, r := range s.resources {
		if keep(r) {
			return cloneResource(r), nil
		}
	}
	return store.Resource{}, store.ErrNotFound
}

func (s *Store) GetResource(ctx context.Context, kind, owner, id string) (store.Resource, error) {
	return s.getResource(ctx, func(r store.Resource) bool { return r.ID == id && r.Kind == kind && r.Owner == owner })
}

func (s *Store) GetResourceByName(ctx context.Context, kind, owner, name string) (store.Resource, error) {
	return s.getResource(ctx, func(r store.Resource) bool { return r.Name == name && r.Kind == kind && r.Owner == owner })
}

func (s *Store) ListResources(ctx context.Context, kind, owner string) ([]store.Resource, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	out := sorted(s.resources, func(r store.Resource) bool { return r.Kind == kind && r.Owner == owner },
		func(a, b store.Resource) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	for i := range out {
		out[i] = cloneResource(out[i])
	}
	return out, nil
}

func (s *Store) UpdateResource(ctx context.Context, r store.Resource) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	old, ok := s.resources[r.ID]
	if !ok || old.Kind != r.Kind || old.Owner != r.Owner {
		return store.ErrNotFound
	}
	if s.nameTaken(r) {
		return conflict("resource %s %q of %s", r.Kind, r.Name, r.Owner)
	}
	old.Name, old.Body, old.UpdatedAt = r.Name, append([]byte{}, r.Body...), norm(r.UpdatedAt)
	s.resources[r.ID] = old
	return nil
}

func (s *Store) DeleteResource(ctx context.Context, kind, owner, id string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if r, ok := s.resources[id]; !ok || r.Kind != kind || r.Owner != owner {
		return store.ErrNotFound
	}
	delete(s.resources, id)
	return nil
}
