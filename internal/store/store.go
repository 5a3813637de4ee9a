// Package store defines aisd's persistent state behind one interface. The
// sqlite (embedded default), postgres and memory (non-persistent, for tests)
// backends all pass the conformance suite in store/conformance.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors every backend returns for the same conditions.
var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: already exists")
)

// Account states.
const (
	StateActive     = "active"
	StateFrozen     = "frozen"     // frozen for arrears
	StateRestricted = "restricted" // restricted by the operator
)

// Domain is an account.
type Domain struct {
	ID        string
	Name      string
	State     string
	Paid      bool // a paid account is not limited by the free allowance
	CreatedAt time.Time
}

// Project lives in a domain; its Name is a region name such as cn-north-4.
type Project struct {
	ID        string // 32 lower-case hex digits
	Name      string
	DomainID  string
	CreatedAt time.Time
}

// User belongs to a domain.
type User struct {
	ID           string
	DomainID     string
	Name         string
	PasswordHash string
	Admin        bool // may use the admin API
	CreatedAt    time.Time
}

// Credential is an AK/SK pair; the SK is stored encrypted with the server key.
type Credential struct {
	AK          string
	UserID      string
	DomainID    string
	SealedSK    []byte
	Description string
	CreatedAt   time.Time
}

// Subscription records that a project may call a service.
type Subscription struct {
	ProjectID string
	Service   string
	CreatedAt time.Time
}

// UsageRecord meters one call.
type UsageRecord struct {
	ProjectID string
	UserID    string
	Service   string
	API       string
	Time      time.Time
	Status    int
	Code      string // error_code, empty on success
	// RequestID identifies the metered call: a record whose RequestID is
	// already stored is not stored again. Empty: no such check.
	RequestID string
	// Calls is how many calls of this outcome the record stands for (0
	// is taken as 1): refusals are counted, not recorded one by one.
	Calls int64
}

// N is the number of calls r stands for.
func (r UsageRecord) N() int64 { return max(r.Calls, 1) }

// UsageFilter selects usage records.
type UsageFilter struct {
	ProjectID string // required
	Service   string // optional
	From, To  time.Time
}

// UsageRow is one aggregated row: calls per day and API.
type UsageRow struct {
	Day     string // YYYY-MM-DD (UTC)
	API     string
	Calls   int64
	Success int64
}

// UsageErrorRow is one aggregated row of failed calls: per day, API and
// error code.
type UsageErrorRow struct {
	Day   string // YYYY-MM-DD (UTC)
	API   string
	Code  string
	Calls int64
}

// Job states.
const (
	JobQueued    = "queued"
	JobRunning   = "running"
	JobSucceeded = "succeeded"
	JobFailed    = "failed"
)

// Job is an asynchronous task (video and audio moderation).
type Job struct {
	ID          string
	ProjectID   string
	UserID      string
	Kind        string // e.g. "moderation.video"
	State       string
	Request     []byte // JSON
	Result      []byte // JSON, set when finished
	ErrorCode   string
	ErrorMsg    string
	RequestID   string
	CallbackURL string
	Seed        string
	Attempts    int
	// CallbackState is "", "pending", "delivered" or "failed".
	CallbackState string
	// CallbackAttempts counts delivery attempts made so far.
	CallbackAttempts int
	// CallbackAt is when the next delivery attempt is due.
	CallbackAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ExpiresAt  time.Time
}

// Callback states.
const (
	CallbackNone      = ""
	CallbackPending   = "pending"
	CallbackDelivered = "delivered"
	CallbackFailed    = "failed"
)

// Fault modes.
const (
	FaultCount   = "count"   // the next Remaining calls fail
	FaultPercent = "percent" // Percent % of calls fail
	FaultLatency = "latency" // calls are delayed by LatencyMS
)

// Fault is an operator-injected failure for calls of an API in a project.
type Fault struct {
	ID        string
	ProjectID string
	API       string // API name, "*" for every API
	Code      string // catalog code (empty for latency faults)
	Mode      string
	Remaining int
	Percent   int
	LatencyMS int
	CreatedAt time.Time
}

// Resource is a configuration object owned by a project (or a domain, for
// domain-wide objects). Its ID is unique across kinds; its Name within
// (Kind, Owner).
type Resource struct {
	Kind      string
	Owner     string
	ID        string
	Name      string
	Body      []byte // JSON, defined by the owning package
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Store is aisd's persistence. Methods return ErrNotFound / ErrConflict for
// the conditions those name; other errors are backend failures.
type Store interface {
	// IAM
	CreateDomain(ctx context.Context, d Domain) error
	GetDomain(ctx context.Context, id string) (Domain, error)
	GetDomainByName(ctx context.Context, name string) (Domain, error)
	ListDomains(ctx context.Context) ([]Domain, error)
	SetDomainState(ctx context.Context, id, state string) error
	SetDomainPaid(ctx context.Context, id string, paid bool) error

	CreateProject(ctx context.Context, p Project) error
	GetProject(ctx context.Context, id string) (Project, error)
	// ListProjects lists a domain's projects; name filters when non-empty.
	ListProjects(ctx context.Context, domainID, name string) ([]Project, error)

	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	GetUserByName(ctx context.Context, domainID, name string) (User, error)
	ListUsers(ctx context.Context, domainID string) ([]User, error)

	CreateCredential(ctx context.Context, c Credential) error
	GetCredential(ctx context.Context, ak string) (Credential, error)
	ListCredentials(ctx context.Context, userID string) ([]Credential, error)
	DeleteCredential(ctx context.Context, ak string) error

	// Subscriptions
	Subscribe(ctx context.Context, s Subscription) error // ErrConflict when present
	Unsubscribe(ctx context.Context, projectID, service string) error
	ListSubscriptions(ctx context.Context, projectID string) ([]Subscription, error)
	IsSubscribed(ctx context.Context, projectID, service string) (bool, error)

	// Agencies: a project's grant to a service to read its object storage.
	SetAgency(ctx context.Context, projectID, service string, granted bool) error
	HasAgency(ctx context.Context, projectID, service string) (bool, error)

	// Metering
	RecordUsage(ctx context.Context, r UsageRecord) error
	// RecordUsageBatch records several calls at once, all or none. Both
	// skip a record whose non-empty RequestID is already stored.
	RecordUsageBatch(ctx context.Context, rs []UsageRecord) error
	// CountSuccess counts successful calls of a service in a project since t.
	CountSuccess(ctx context.Context, projectID, service string, since time.Time) (int64, error)
	Usage(ctx context.Context, f UsageFilter) ([]UsageRow, error)
	// UsageErrors counts the failed calls the filter selects per day, API
	// and error code, ordered by day, API and code.
	UsageErrors(ctx context.Context, f UsageFilter) ([]UsageErrorRow, error)

	// Per-project settings (rate-limit overrides and the like).
	SetSetting(ctx context.Context, projectID, key, value string) error
	GetSetting(ctx context.Context, projectID, key string) (string, error)

	// Jobs
	CreateJob(ctx context.Context, j Job) error
	GetJob(ctx context.Context, id string) (Job, error)
	UpdateJob(ctx context.Context, j Job) error
	// ClaimJob atomically moves one queued job (oldest first) to running.
	ClaimJob(ctx context.Context, kinds []string) (Job, error)
	// RequeueRunning moves jobs left running by a dead process back to queued.
	RequeueRunning(ctx context.Context) (int, error)
	// HeartbeatJob records that a running job is still being worked on by
	// the claim that gave it this attempt number (sets UpdatedAt);
	// ErrNotFound when the job is no longer running under that attempt,
	// that is, another process took it over.
	HeartbeatJob(ctx context.Context, id string, attempt int, at time.Time) error
	// FinishJob is UpdateJob for the outcome of a run: it applies only while
	// the job is still running under j.Attempts, else ErrNotFound.
	FinishJob(ctx context.Context, j Job) error
	// RequeueStale moves running jobs whose UpdatedAt is before the given
	// time back to queued: with several processes on one database, only
	// jobs whose runner stopped heartbeating are taken over.
	RequeueStale(ctx context.Context, before time.Time) (int, error)
	CountUnfinished(ctx context.Context, projectID string) (int, error)
	// ListJobs lists a project's jobs, newest first (then id); a limit of
	// 0 or less means 100.
	ListJobs(ctx context.Context, projectID string, limit int) ([]Job, error)
	// PendingCallbacks lists finished jobs whose callback is still pending,
	// earliest CallbackAt first.
	PendingCallbacks(ctx context.Context, limit int) ([]Job, error)
	// ClaimCallback reserves a pending callback for one delivery attempt by
	// moving CallbackAt from due to until; false when another process got
	// there first (CallbackAt or the state changed).
	ClaimCallback(ctx context.Context, id string, due, until time.Time) (bool, error)
	DeleteExpiredJobs(ctx context.Context, now time.Time) (int, error)

	// Fault injection
	CreateFault(ctx context.Context, f Fault) error
	ListFaults(ctx context.Context, projectID string) ([]Fault, error)
	GetFault(ctx context.Context, id string) (Fault, error)
	DeleteFault(ctx context.Context, id string) error
	// TakeFault returns the fault that applies to a call, decrementing a
	// count fault atomically; ErrNotFound when none applies.
	TakeFault(ctx context.Context, projectID, api string) (Fault, error)

	// Resources: project-owned configuration objects of any kind
	// (glossaries, OCR templates, galleries, policies…) whose JSON body
	// the owning package defines.
	// CreateResource: ErrConflict when the ID, or the name within
	// (Kind, Owner), is taken.
	CreateResource(ctx context.Context, r Resource) error
	GetResource(ctx context.Context, kind, owner, id string) (Resource, error)
	GetResourceByName(ctx context.Context, kind, owner, name string) (Resource, error)
	// ListResources lists an owner's resources of a kind, by name.
	ListResources(ctx context.Context, kind, owner string) ([]Resource, error)
	// UpdateResource replaces the name, body and UpdatedAt of the resource
	// (Kind, Owner, ID): ErrNotFound when absent, ErrConflict when the new
	// name is taken.
	UpdateResource(ctx context.Context, r Resource) error
	DeleteResource(ctx context.Context, kind, owner, id string) error

	// Server-wide key/value (server key, bootstrap markers).
	GetMeta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, value string) error

	Close() error
}
