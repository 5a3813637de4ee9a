package storetest

import (
	"context"
	"sync"
	"time"

	"github.com/aisd/aisd/internal/store"
)

// Call is one call of a store method as a Hooked store reports it: the
// method's name and its arguments after the context.
type Call struct {
	Method string
	Args   []any
}

// HookFunc sees every call of a Hooked store. It runs next to reach the
// wrapped store and returns what next returned, or returns an error of its
// own without running next: the method then returns that error and zero
// values. It may be called from several goroutines at once.
type HookFunc func(c Call, next func() error) error

// Hooked is a store whose every method goes through a hook, for tests that
// count the calls a unit makes or make the store fail under it. It counts
// every call by method name, whatever the hook does.
type Hooked struct {
	st   store.Store
	hook HookFunc

	mu    sync.Mutex
	calls map[string]int
}

var _ store.Store = (*Hooked)(nil)

// Hook wraps st; a nil hook passes every call through.
func Hook(st store.Store, hook HookFunc) *Hooked {
	return &Hooked{st: st, hook: hook, calls: map[string]int{}}
}

// Calls returns how many times method has been called.
func (h *Hooked) Calls(method string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls[method]
}

func (h *Hooked) call(method string, args []any, next func() error) error {
	h.mu.Lock()
	h.calls[method]++
	h.mu.Unlock()
	if h.hook == nil {
		return next()
	}
	return h.hook(Call{Method: method, Args: args}, next)
}

// ---- IAM ----

func (h *Hooked) CreateDomain(ctx context.Context, d store.Domain) error {
	return h.call("CreateDomain", []any{d}, func() error { return h.st.CreateDomain(ctx, d) })
}

func (h *Hooked) GetDomain(ctx context.Context, id string) (d store.Domain, err error) {
	err = h.call("GetDomain", []any{id}, func() error { d, err = h.st.GetDomain(ctx, id); return err })
	return d, err
}

func (h *Hooked) GetDomainByName(ctx context.Context, name string) (d store.Domain, err error) {
	err = h.call("GetDomainByName", []any{name}, func() error { d, err = h.st.GetDomainByName(ctx, name); return err })
	return d, err
}

func (h *Hooked) ListDomains(ctx context.Context) (ds []store.Domain, err error) {
	err = h.call("ListDomains", nil, func() error { ds, err = h.st.ListDomains(ctx); return err })
	return ds, err
}

func (h *Hooked) SetDomainState(ctx context.Context, id, state string) error {
	return h.call("SetDomainState", []any{id, state}, func() error { return h.st.SetDomainState(ctx, id, state) })
}

func (h *Hooked) SetDomainPaid(ctx context.Context, id string, paid bool) error {
	return h.call("SetDomainPaid", []any{id, paid}, func() error { return h.st.SetDomainPaid(ctx, id, paid) })
}

func (h *Hooked) CreateProject(ctx context.Context, p store.Project) error {
	return h.call("CreateProject", []any{p}, func() error { return h.st.CreateProject(ctx, p) })
}

func (h *Hooked) GetProject(ctx context.Context, id string) (p store.Project, err error) {
	err = h.call("GetProject", []any{id}, func() error { p, err = h.st.GetProject(ctx, id); return err })
	return p, err
}

func (h *Hooked) ListProjects(ctx context.Context, domainID, name string) (ps []store.Project, err error) {
	err = h.call("ListProjects", []any{domainID, name}, func() error { ps, err = h.st.ListProjects(ctx, domainID, name); return err })
	return ps, err
}

func (h *Hooked) CreateUser(ctx context.Context, u store.User) error {
	return h.call("CreateUser", []any{u}, func() error { return h.st.CreateUser(ctx, u) })
}

func (h *Hooked) GetUser(ctx context.Context, id string) (u store.User, err error) {
	err = h.call("GetUser", []any{id}, func() error { u, err = h.st.GetUser(ctx, id); return err })
	return u, err
}

func (h *Hooked) GetUserByName(ctx context.Context, domainID, name string) (u store.User, err error) {
	err = h.call("GetUserByName", []any{domainID, name}, func() error { u, err = h.st.GetUserByName(ctx, domainID, name); return err })
	return u, err
}

func (h *Hooked) ListUsers(ctx context.Context, domainID string) (us []store.User, err error) {
	err = h.call("ListUsers", []any{domainID}, func() error { us, err = h.st.ListUsers(ctx, domainID); return err })
	return us, err
}

func (h *Hooked) CreateCredential(ctx context.Context, c store.Credential) error {
	return h.call("CreateCredential", []any{c}, func() error { return h.st.CreateCredential(ctx, c) })
}

func (h *Hooked) GetCredential(ctx context.Context, ak string) (c store.Credential, err error) {
	err = h.call("GetCredential", []any{ak}, func() error { c, err = h.st.GetCredential(ctx, ak); return err })
	return c, err
}

func (h *Hooked) ListCredentials(ctx context.Context, userID string) (cs []store.Credential, err error) {
	err = h.call("ListCredentials", []any{userID}, func() error { cs, err = h.st.ListCredentials(ctx, userID); return err })
	return cs, err
}

func (h *Hooked) DeleteCredential(ctx context.Context, ak string) error {
	return h.call("DeleteCredential", []any{ak}, func() error { return h.st.DeleteCredential(ctx, ak) })
}

// ---- subscriptions and agencies ----

func (h *Hooked) Subscribe(ctx context.Context, s store.Subscription) error {
	return h.call("Subscribe", []any{s}, func() error { return h.st.Subscribe(ctx, s) })
}

func (h *Hooked) Unsubscribe(ctx context.Context, projectID, service string) error {
	return h.call("Unsubscribe", []any{projectID, service}, func() error { return h.st.Unsubscribe(ctx, projectID, service) })
}

func (h *Hooked) ListSubscriptions(ctx context.Context, projectID string) (ss []store.Subscription, err error) {
	err = h.call("ListSubscriptions", []any{projectID}, func() error { ss, err = h.st.ListSubscriptions(ctx, projectID); return err })
	return ss, err
}

func (h *Hooked) IsSubscribed(ctx context.Context, projectID, service string) (ok bool, err error) {
	err = h.call("IsSubscribed", []any{projectID, service}, func() error { ok, err = h.st.IsSubscribed(ctx, projectID, service); return err })
	return ok, err
}

func (h *Hooked) SetAgency(ctx context.Context, projectID, service string, granted bool) error {
	return h.call("SetAgency", []any{projectID, service, granted}, func() error { return h.st.SetAgency(ctx, projectID, service, granted) })
}

func (h *Hooked) HasAgency(ctx context.Context, projectID, service string) (ok bool, err error) {
	err = h.call("HasAgency", []any{projectID, service}, func() error { ok, err = h.st.HasAgency(ctx, projectID, service); return err })
	return ok, err
}

// ---- metering and settings ----

func (h *Hooked) RecordUsage(ctx context.Context, r store.UsageRecord) error {
	return h.call("RecordUsage", []any{r}, func() error { return h.st.RecordUsage(ctx, r) })
}

func (h *Hooked) RecordUsageBatch(ctx context.Context, rs []store.UsageRecord) error {
	return h.call("RecordUsageBatch", []any{rs}, func() error { return h.st.RecordUsageBatch(ctx, rs) })
}

func (h *Hooked) CountSuccess(ctx context.Context, projectID, service string, since time.Time) (n int64, err error) {
	err = h.call("CountSuccess", []any{projectID, service, since}, func() error { n, err = h.st.CountSuccess(ctx, projectID, service, since); return err })
	return n, err
}

func (h *Hooked) Usage(ctx context.Context, f store.UsageFilter) (rows []store.UsageRow, err error) {
	err = h.call("Usage", []any{f}, func() error { rows, err = h.st.Usage(ctx, f); return err })
	return rows, err
}

func (h *Hooked) UsageErrors(ctx context.Context, f store.UsageFilter) (rows []store.UsageErrorRow, err error) {
	err = h.call("UsageErrors", []any{f}, func() error { rows, err = h.st.UsageErrors(ctx, f); return err })
	return rows, err
}

func (h *Hooked) SetSetting(ctx context.Context, projectID, key, value string) error {
	return h.call("SetSetting", []any{projectID, key, value}, func() error { return h.st.SetSetting(ctx, projectID, key, value) })
}

func (h *Hooked) GetSetting(ctx context.Context, projectID, key string) (v string, err error) {
	err = h.call("GetSetting", []any{projectID, key}, func() error { v, err = h.st.GetSetting(ctx, projectID, key); return err })
	return v, err
}

// ---- jobs ----

func (h *Hooked) CreateJob(ctx context.Context, j store.Job) error {
	return h.call("CreateJob", []any{j}, func() error { return h.st.CreateJob(ctx, j) })
}

func (h *Hooked) GetJob(ctx context.Context, id string) (j store.Job, err error) {
	err = h.call("GetJob", []any{id}, func() error { j, err = h.st.GetJob(ctx, id); return err })
	return j, err
}

func (h *Hooked) UpdateJob(ctx context.Context, j store.Job) error {
	return h.call("UpdateJob", []any{j}, func() error { return h.st.UpdateJob(ctx, j) })
}

func (h *Hooked) ClaimJob(ctx context.Context, kinds []string) (j store.Job, err error) {
	err = h.call("ClaimJob", []any{kinds}, func() error { j, err = h.st.ClaimJob(ctx, kinds); return err })
	return j, err
}

func (h *Hooked) RequeueRunning(ctx context.Context) (n int, err error) {
	err = h.call("RequeueRunning", nil, func() error { n, err = h.st.RequeueRunning(ctx); return err })
	return n, err
}

func (h *Hooked) HeartbeatJob(ctx context.Context, id string, attempt int, at time.Time) error {
	return h.call("HeartbeatJob", []any{id, attempt, at}, func() error { return h.st.HeartbeatJob(ctx, id, attempt, at) })
}

func (h *Hooked) FinishJob(ctx context.Context, j store.Job) error {
	return h.call("FinishJob", []any{j}, func() error { return h.st.FinishJob(ctx, j) })
}

func (h *Hooked) RequeueStale(ctx context.Context, before time.Time) (n int, err error) {
	err = h.call("RequeueStale", []any{before}, func() error { n, err = h.st.RequeueStale(ctx, before); return err })
	return n, err
}

func (h *Hooked) CountUnfinished(ctx context.Context, projectID string) (n int, err error) {
	err = h.call("CountUnfinished", []any{projectID}, func() error { n, err = h.st.CountUnfinished(ctx, projectID); return err })
	return n, err
}

func (h *Hooked) ListJobs(ctx context.Context, projectID string, limit int) (js []store.Job, err error) {
	err = h.call("ListJobs", []any{projectID, limit}, func() error { js, err = h.st.ListJobs(ctx, projectID, limit); return err })
	return js, err
}

func (h *Hooked) PendingCallbacks(ctx context.Context, limit int) (js []store.Job, err error) {
	err = h.call("PendingCallbacks", []any{limit}, func() error { js, err = h.st.PendingCallbacks(ctx, limit); return err })
	return js, err
}

func (h *Hooked) ClaimCallback(ctx context.Context, id string, due, until time.Time) (ok bool, err error) {
	err = h.call("ClaimCallback", []any{id, due, until}, func() error { ok, err = h.st.ClaimCallback(ctx, id, due, until); return err })
	return ok, err
}

func (h *Hooked) DeleteExpiredJobs(ctx context.Context, now time.Time) (n int, err error) {
	err = h.call("DeleteExpiredJobs", []any{now}, func() error { n, err = h.st.DeleteExpiredJobs(ctx, now); return err })
	return n, err
}

// ---- faults ----

func (h *Hooked) CreateFault(ctx context.Context, f store.Fault) error {
	return h.call("CreateFault", []any{f}, func() error { return h.st.CreateFault(ctx, f) })
}

func (h *Hooked) GetFault(ctx context.Context, id string) (f store.Fault, err error) {
	err = h.call("GetFault", []any{id}, func() error { f, err = h.st.GetFault(ctx, id); return err })
	return f, err
}

func (h *Hooked) ListFaults(ctx context.Context, projectID string) (fs []store.Fault, err error) {
	err = h.call("ListFaults", []any{projectID}, func() error { fs, err = h.st.ListFaults(ctx, projectID); return err })
	return fs, err
}

func (h *Hooked) DeleteFault(ctx context.Context, id string) error {
	return h.call("DeleteFault", []any{id}, func() error { return h.st.DeleteFault(ctx, id) })
}

func (h *Hooked) TakeFault(ctx context.Context, projectID, api string) (f store.Fault, err error) {
	err = h.call("TakeFault", []any{projectID, api}, func() error { f, err = h.st.TakeFault(ctx, projectID, api); return err })
	return f, err
}

// ---- meta ----

func (h *Hooked) GetMeta(ctx context.Context, key string) (v string, err error) {
	err = h.call("GetMeta", []any{key}, func() error { v, err = h.st.GetMeta(ctx, key); return err })
	return v, err
}

func (h *Hooked) SetMeta(ctx context.Context, key, value string) error {
	return h.call("SetMeta", []any{key, value}, func() error { return h.st.SetMeta(ctx, key, value) })
}

func (h *Hooked) Close() error {
	return h.call("Close", nil, func() error { return h.st.Close() })
}

func (h *Hooked) CreateResource(ctx context.Context, r store.Resource) error {
	return h.call("CreateResource", []any{r}, func() error { return h.st.CreateResource(ctx, r) })
}

func (h *Hooked) GetResource(ctx context.Context, kind, owner, id string) (r store.Resource, err error) {
	err = h.call("GetResource", []any{kind, owner, id}, func() error { r, err = h.st.GetResource(ctx, kind, owner, id); return err })
	return r, err
}

func (h *Hooked) GetResourceByName(ctx context.Context, kind, owner, name string) (r store.Resource, err error) {
	err = h.call("GetResourceByName", []any{kind, owner, name}, func() error { r, err = h.st.GetResourceByName(ctx, kind, owner, name); return err })
	return r, err
}

func (h *Hooked) ListResources(ctx context.Context, kind, owner string) (rs []store.Resource, err error) {
	err = h.call("ListResources", []any{kind, owner}, func() error { rs, err = h.st.ListResources(ctx, kind, owner); return err })
	return rs, err
}

func (h *Hooked) UpdateResource(ctx context.Context, r store.Resource) error {
	return h.call("UpdateResource", []any{r}, func() error { return h.st.UpdateResource(ctx, r) })
}

func (h *Hooked) DeleteResource(ctx context.Context, kind, owner, id string) error {
	return h.call("DeleteResource", []any{kind, owner, id}, func() error { return h.st.DeleteResource(ctx, kind, owner, id) })
}
