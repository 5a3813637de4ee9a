// Package conformance is the behaviour every store backend must show. A
// backend's tests call Run with a function that opens a fresh, empty store.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/store"
)

// Run runs every conformance test; open must return an empty, migrated
// store and arrange for it to be closed.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Domains", testDomains},
		{"Projects", testProjects},
		{"Users", testUsers},
		{"Credentials", testCredentials},
		{"Subscriptions", testSubscriptions},
		{"Agencies", testAgencies},
		{"Usage", testUsage},
		{"UsageOncePerRequest", testUsageOncePerRequest},
		{"UsageCounted", testUsageCounted},
		{"Settings", testSettings},
		{"Meta", testMeta},
		{"Jobs", testJobs},
		{"ClaimAtomic", testClaimAtomic},
		{"ClaimKinds", testClaimKinds},
		{"Requeue", testRequeue},
		{"Heartbeat", testHeartbeat},
		{"PendingCallbacks", testPendingCallbacks},
		{"ClaimCallback", testClaimCallback},
		{"FinishJob", testFinishJob},
		{"JobExpiry", testJobExpiry},
		{"Faults", testFaults},
		{"TakeFaultCount", testTakeFaultCount},
		{"TakeFaultConcurrent", testTakeFaultConcurrent},
		{"TakeFaultWildcard", testTakeFaultWildcard},
		{"Resources", testResources},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

var ctx = context.Background()

// at is a fixed instant with sub-millisecond noise the store may drop.
func at(offset time.Duration) time.Time {
	return time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.FixedZone("UTC+8", 8*3600)).Add(offset)
}

func norm(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Millisecond)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func equal(t *testing.T, got, want any, what string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func seedDomain(t *testing.T, s store.Store, id, name string) store.Domain {
	t.Helper()
	d := store.Domain{ID: id, Name: name, State: store.StateActive, CreatedAt: at(0)}
	must(t, s.CreateDomain(ctx, d))
	d.CreatedAt = norm(d.CreatedAt)
	return d
}

func seedUser(t *testing.T, s store.Store, domainID, id, name string) store.User {
	t.Helper()
	u := store.User{ID: id, DomainID: domainID, Name: name, PasswordHash: "$argon2id$" + id, CreatedAt: at(time.Second)}
	must(t, s.CreateUser(ctx, u))
	u.CreatedAt = norm(u.CreatedAt)
	return u
}

func testDomains(t *testing.T, s store.Store) {
	d := seedDomain(t, s, "d1", "alice")
	d2 := seedDomain(t, s, "d2", "bob")

	got, err := s.GetDomain(ctx, "d1")
	must(t, err)
	equal(t, got, d, "GetDomain")
	got, err = s.GetDomainByName(ctx, "bob")
	must(t, err)
	equal(t, got, d2, "GetDomainByName")

	_, err = s.GetDomain(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "GetDomain unknown")
	_, err = s.GetDomainByName(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "GetDomainByName unknown")
	wantErr(t, s.CreateDomain(ctx, store.Domain{ID: "d1", Name: "other", CreatedAt: at(0)}), store.ErrConflict, "duplicate id")
	wantErr(t, s.CreateDomain(ctx, store.Domain{ID: "d3", Name: "alice", CreatedAt: at(0)}), store.ErrConflict, "duplicate name")

	must(t, s.SetDomainState(ctx, "d1", store.StateFrozen))
	must(t, s.SetDomainPaid(ctx, "d1", true))
	got, err = s.GetDomain(ctx, "d1")
	must(t, err)
	if got.State != store.StateFrozen || !got.Paid {
		t.Fatalf("after updates: %+v", got)
	}
	must(t, s.SetDomainPaid(ctx, "d1", false))
	got, _ = s.GetDomain(ctx, "d1")
	if got.Paid {
		t.Fatal("SetDomainPaid(false) did not clear paid")
	}
	wantErr(t, s.SetDomainState(ctx, "nope", store.StateActive), store.ErrNotFound, "SetDomainState unknown")
	wantErr(t, s.SetDomainPaid(ctx, "nope", true), store.ErrNotFound, "SetDomainPaid unknown")

	all, err := s.ListDomains(ctx)
	must(t, err)
	if len(all) != 2 || all[0].Name != "alice" || all[1].Name != "bob" {
		t.Fatalf("ListDomains = %+v", all)
	}
}

func testProjects(t *testing.T, s store.Store) {
	seedDomain(t, s, "d1", "alice")
	seedDomain(t, s, "d2", "bob")
	p := store.Project{ID: "0123456789abcdef0123456789abcdef", Name: "cn-north-4", DomainID: "d1", CreatedAt: at(0)}
	must(t, s.CreateProject(ctx, p))
	must(t, s.CreateProject(ctx, store.Project{ID: "p2", Name: "ap-southeast-1", DomainID: "d1", CreatedAt: at(0)}))
	// The same region name in another domain is a different project.
	must(t, s.CreateProject(ctx, store.Project{ID: "p3", Name: "cn-north-4", DomainID: "d2", CreatedAt: at(0)}))

	got, err := s.GetProject(ctx, p.ID)
	must(t, err)
	p.CreatedAt = norm(p.CreatedAt)
	equal(t, got, p, "GetProject")
	_, err = s.GetProject(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "GetProject unknown")
	wantErr(t, s.CreateProject(ctx, store.Project{ID: p.ID, Name: "x", DomainID: "d1", CreatedAt: at(0)}), store.ErrConflict, "duplicate id")
	wantErr(t, s.CreateProject(ctx, store.Project{ID: "p4", Name: "cn-north-4", DomainID: "d1", CreatedAt: at(0)}), store.ErrConflict, "duplicate name in domain")

	ps, err := s.ListProjects(ctx, "d1", "")
	must(t, err)
	if len(ps) != 2 || ps[0].Name != "ap-southeast-1" || ps[1].Name != "cn-north-4" {
		t.Fatalf("ListProjects(d1) = %+v", ps)
	}
	ps, err = s.ListProjects(ctx, "d1", "cn-north-4")
	must(t, err)
	equal(t, ps, []store.Project{p}, "ListProjects by name")
	ps, err = s.ListProjects(ctx, "d1", "eu-west-0")
	must(t, err)
	if len(ps) != 0 {
		t.Fatalf("ListProjects unknown name = %+v", ps)
	}
}

func testUsers(t *testing.T, s store.Store) {
	seedDomain(t, s, "d1", "alice")
	seedDomain(t, s, "d2", "bob")
	u := seedUser(t, s, "d1", "u1", "alice")
	u.Admin = false
	admin := store.User{ID: "u2", DomainID: "d1", Name: "ops", PasswordHash: "h", Admin: true, CreatedAt: at(0)}
	must(t, s.CreateUser(ctx, admin))
	seedUser(t, s, "d2", "u3", "alice") // same name, other domain

	got, err := s.GetUser(ctx, "u1")
	must(t, err)
	equal(t, got, u, "GetUser")
	got, err = s.GetUserByName(ctx, "d1", "ops")
	must(t, err)
	if !got.Admin || got.ID != "u2" {
		t.Fatalf("GetUserByName(ops) = %+v", got)
	}
	_, err = s.GetUser(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "GetUser unknown")
	_, err = s.GetUserByName(ctx, "d2", "ops")
	wantErr(t, err, store.ErrNotFound, "GetUserByName in other domain")
	wantErr(t, s.CreateUser(ctx, store.User{ID: "u9", DomainID: "d1", Name: "alice", CreatedAt: at(0)}), store.ErrConflict, "duplicate name")
	wantErr(t, s.CreateUser(ctx, store.User{ID: "u1", DomainID: "d2", Name: "zed", CreatedAt: at(0)}), store.ErrConflict, "duplicate id")

	us, err := s.ListUsers(ctx, "d1")
	must(t, err)
	if len(us) != 2 || us[0].Name != "alice" || us[1].Name != "ops" {
		t.Fatalf("ListUsers = %+v", us)
	}
}

func testCredentials(t *testing.T, s store.Store) {
	seedDomain(t, s, "d1", "alice")
	seedUser(t, s, "d1", "u1", "alice")
	seedUser(t, s, "d1", "u2", "bob")
	c := store.Credential{AK: "AK1", UserID: "u1", DomainID: "d1", SealedSK: []byte{0, 1, 2, 255}, Description: "ci", CreatedAt: at(0)}
	must(t, s.CreateCredential(ctx, c))
	must(t, s.CreateCredential(ctx, store.Credential{AK: "AK2", UserID: "u1", DomainID: "d1", SealedSK: []byte("x"), CreatedAt: at(time.Minute)}))
	must(t, s.CreateCredential(ctx, store.Credential{AK: "AK3", UserID: "u2", DomainID: "d1", SealedSK: []byte("y"), CreatedAt: at(0)}))

	got, err := s.GetCredential(ctx, "AK1")
	must(t, err)
	c.CreatedAt = norm(c.CreatedAt)
	equal(t, got, c, "GetCredential")
	wantErr(t, s.CreateCredential(ctx, store.Credential{AK: "AK1", UserID: "u2", DomainID: "d1", SealedSK: []byte("z"), CreatedAt: at(0)}), store.ErrConflict, "duplicate AK")

	cs, err := s.ListCredentials(ctx, "u1")
	must(t, err)
	if len(cs) != 2 || cs[0].AK != "AK1" || cs[1].AK != "AK2" {
		t.Fatalf("ListCredentials = %+v", cs)
	}
	must(t, s.DeleteCredential(ctx, "AK1"))
	_, err = s.GetCredential(ctx, "AK1")
	wantErr(t, err, store.ErrNotFound, "GetCredential after delete")
	wantErr(t, s.DeleteCredential(ctx, "AK1"), store.ErrNotFound, "DeleteCredential twice")
	cs, err = s.ListCredentials(ctx, "u1")
	must(t, err)
	if len(cs) != 1 || cs[0].AK != "AK2" {
		t.Fatalf("ListCredentials after delete = %+v", cs)
	}
}

func testSubscriptions(t *testing.T, s store.Store) {
	sub := store.Subscription{ProjectID: "p1", Service: "ocr.general-text", CreatedAt: at(0)}
	must(t, s.Subscribe(ctx, sub))
	must(t, s.Subscribe(ctx, store.Subscription{ProjectID: "p1", Service: "image.tagging", CreatedAt: at(0)}))
	wantErr(t, s.Subscribe(ctx, sub), store.ErrConflict, "Subscribe twice")

	ok, err := s.IsSubscribed(ctx, "p1", "ocr.general-text")
	must(t, err)
	if !ok {
		t.Fatal("IsSubscribed = false after Subscribe")
	}
	ok, err = s.IsSubscribed(ctx, "p2", "ocr.general-text")
	must(t, err)
	if ok {
		t.Fatal("IsSubscribed true for another project")
	}
	subs, err := s.ListSubscriptions(ctx, "p1")
	must(t, err)
	sub.CreatedAt = norm(sub.CreatedAt)
	if len(subs) != 2 || subs[0].Service != "image.tagging" || !reflect.DeepEqual(subs[1], sub) {
		t.Fatalf("ListSubscriptions = %+v", subs)
	}
	must(t, s.Unsubscribe(ctx, "p1", "ocr.general-text"))
	ok, _ = s.IsSubscribed(ctx, "p1", "ocr.general-text")
	if ok {
		t.Fatal("IsSubscribed true after Unsubscribe")
	}
	wantErr(t, s.Unsubscribe(ctx, "p1", "ocr.general-text"), store.ErrNotFound, "Unsubscribe twice")
}

func testAgencies(t *testing.T, s store.Store) {
	has := func(p, svc string) bool {
		t.Helper()
		ok, err := s.HasAgency(ctx, p, svc)
		must(t, err)
		return ok
	}
	if has("p1", "moderation") {
		t.Fatal("agency granted before SetAgency")
	}
	must(t, s.SetAgency(ctx, "p1", "moderation", true))
	must(t, s.SetAgency(ctx, "p1", "moderation", true)) // idempotent
	if !has("p1", "moderation") || has("p1", "ocr") || has("p2", "moderation") {
		t.Fatal("agency leaked to another project or service, or not granted")
	}
	must(t, s.SetAgency(ctx, "p1", "moderation", false))
	if has("p1", "moderation") {
		t.Fatal("agency still granted after revoking")
	}
	must(t, s.SetAgency(ctx, "p1", "moderation", false))
}

// testUsageCounted: a record standing for several calls (refusals are
// counted, not recorded one by one) counts as that many in every report,
// and is stored once, by its request id, however often it is written.
func testUsageCounted(t *testing.T, s store.Store) {
	at := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	recs := []store.UsageRecord{
		{ProjectID: "pc", UserID: "u", Service: "ocr.general-text", API: "RecognizeGeneralText", Time: at, Status: 429, Code: "APIG.0308", RequestID: "r-counted-1", Calls: 250},
		{ProjectID: "pc", UserID: "u", Service: "ocr.general-text", API: "RecognizeGeneralText", Time: at, Status: 200, RequestID: "r-counted-2"},
		{ProjectID: "pc", UserID: "u", Service: "ocr.general-text", API: "RecognizeGeneralText", Time: at, Status: 200, RequestID: "r-counted-3", Calls: 1},
	}
	must(t, s.RecordUsageBatch(ctx, recs))
	must(t, s.RecordUsage(ctx, recs[0])) // again: not counted twice
	rows, err := s.Usage(ctx, store.UsageFilter{ProjectID: "pc"})
	must(t, err)
	equal(t, rows, []store.UsageRow{{Day: "2026-06-01", API: "RecognizeGeneralText", Calls: 252, Success: 2}}, "Usage with a counted record")
	errs, err := s.UsageErrors(ctx, store.UsageFilter{ProjectID: "pc"})
	must(t, err)
	equal(t, errs, []store.UsageErrorRow{{Day: "2026-06-01", API: "RecognizeGeneralText", Code: "APIG.0308", Calls: 250}}, "UsageErrors with a counted record")
	n, err := s.CountSuccess(ctx, "pc", "ocr.general-text", time.Time{})
	must(t, err)
	if n != 2 {
		t.Fatalf("CountSuccess = %d, want 2 (refusals are no successes)", n)
	}
}

func testUsage(t *testing.T, s store.Store) {
	day1 := time.Date(2026, 5, 1, 23, 59, 59, 999e6, time.UTC)
	day2 := time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)
	recs := []store.UsageRecord{
		{ProjectID: "p1", Service: "ocr.general-text", API: "RecognizeGeneralText", Time: day1, Status: 200},
		{ProjectID: "p1", Service: "ocr.general-text", API: "RecognizeGeneralText", Time: day1.Add(-time.Hour), Status: 400, Code: "AIS.0101"},
		{ProjectID: "p1", Service: "ocr.id-card", API: "RecognizeIdCard", Time: day1, Status: 200},
		{ProjectID: "p1", Service: "ocr.general-text", API: "RecognizeGeneralText", Time: day2, Status: 200},
		{ProjectID: "p1", Service: "ocr.general-text", API: "RecognizeGeneralText", Time: day2.Add(time.Hour), Status: 200},
		// A local time on day 2 in UTC, day 3 in UTC+8: days are UTC.
		{ProjectID: "p1", Service: "ocr.general-text", API: "RecognizeGeneralText", Time: time.Date(2026, 5, 3, 7, 0, 0, 0, time.FixedZone("", 8*3600)), Status: 500, Code: "APIG.0201"},
		{ProjectID: "p2", Service: "ocr.general-text", API: "RecognizeGeneralText", Time: day1, Status: 200},
	}
	// Half one by one, half as one batch: the same rows either way.
	for i := range recs {
		recs[i].UserID = "u1"
	}
	for _, r := range recs[:3] {
		must(t, s.RecordUsage(ctx, r))
	}
	must(t, s.RecordUsageBatch(ctx, recs[3:]))
	must(t, s.RecordUsageBatch(ctx, nil))

	n, err := s.CountSuccess(ctx, "p1", "ocr.general-text", time.Time{})
	must(t, err)
	if n != 3 {
		t.Fatalf("CountSuccess all time = %d, want 3", n)
	}
	n, err = s.CountSuccess(ctx, "p1", "ocr.general-text", day2)
	must(t, err)
	if n != 2 {
		t.Fatalf("CountSuccess since day2 = %d, want 2 (since is inclusive)", n)
	}

	rows, err := s.Usage(ctx, store.UsageFilter{ProjectID: "p1"})
	must(t, err)
	equal(t, rows, []store.UsageRow{
		{Day: "2026-05-01", API: "RecognizeGeneralText", Calls: 2, Success: 1},
		{Day: "2026-05-01", API: "RecognizeIdCard", Calls: 1, Success: 1},
		{Day: "2026-05-02", API: "RecognizeGeneralText", Calls: 3, Success: 2},
	}, "Usage(p1)")

	rows, err = s.Usage(ctx, store.UsageFilter{ProjectID: "p1", Service: "ocr.general-text", From: day2, To: day2.Add(2 * time.Hour)})
	must(t, err)
	equal(t, rows, []store.UsageRow{{Day: "2026-05-02", API: "RecognizeGeneralText", Calls: 2, Success: 2}}, "Usage filtered (To exclusive)")

	rows, err = s.Usage(ctx, store.UsageFilter{ProjectID: "p3"})
	must(t, err)
	if len(rows) != 0 {
		t.Fatalf("Usage(empty project) = %+v", rows)
	}

	errs, err := s.UsageErrors(ctx, store.UsageFilter{ProjectID: "p1"})
	must(t, err)
	equal(t, errs, []store.UsageErrorRow{
		{Day: "2026-05-01", API: "RecognizeGeneralText", Code: "AIS.0101", Calls: 1},
		{Day: "2026-05-02", API: "RecognizeGeneralText", Code: "APIG.0201", Calls: 1},
	}, "UsageErrors(p1)")
	errs, err = s.UsageErrors(ctx, store.UsageFilter{ProjectID: "p1", From: day2, To: day2.Add(2 * time.Hour)})
	must(t, err)
	if len(errs) != 0 {
		t.Fatalf("UsageErrors in a window without failures = %+v", errs)
	}
}

func testSettings(t *testing.T, s store.Store) {
	_, err := s.GetSetting(ctx, "p1", "rate")
	wantErr(t, err, store.ErrNotFound, "GetSetting unset")
	must(t, s.SetSetting(ctx, "p1", "rate", "10"))
	must(t, s.SetSetting(ctx, "p2", "rate", "99"))
	must(t, s.SetSetting(ctx, "p1", "rate", "20"))
	v, err := s.GetSetting(ctx, "p1", "rate")
	must(t, err)
	if v != "20" {
		t.Fatalf("GetSetting = %q, want the overwritten 20", v)
	}
	v, _ = s.GetSetting(ctx, "p2", "rate")
	if v != "99" {
		t.Fatalf("settings leaked between projects: %q", v)
	}
}

func testMeta(t *testing.T, s store.Store) {
	_, err := s.GetMeta(ctx, "server_key")
	wantErr(t, err, store.ErrNotFound, "GetMeta unset")
	must(t, s.SetMeta(ctx, "server_key", "a"))
	must(t, s.SetMeta(ctx, "server_key", "b"))
	v, err := s.GetMeta(ctx, "server_key")
	must(t, err)
	if v != "b" {
		t.Fatalf("GetMeta = %q", v)
	}
}

func newJob(id string, created time.Time) store.Job {
	return store.Job{
		ID: id, ProjectID: "p1", UserID: "u1", Kind: "moderation.video", State: store.JobQueued,
		Request: []byte(`{"data":{"url":"x"}}`), RequestID: "req-" + id,
		CreatedAt: created, UpdatedAt: created, ExpiresAt: created.Add(72 * time.Hour),
	}
}

func normJob(j store.Job) store.Job {
	j.CreatedAt, j.UpdatedAt, j.ExpiresAt, j.CallbackAt = norm(j.CreatedAt), norm(j.UpdatedAt), norm(j.ExpiresAt), norm(j.CallbackAt)
	return j
}

func testJobs(t *testing.T, s store.Store) {
	j := newJob("j1", at(0))
	j.CallbackURL, j.Seed = "http://127.0.0.1:9/cb", "s33d"
	must(t, s.CreateJob(ctx, j))
	wantErr(t, s.CreateJob(ctx, j), store.ErrConflict, "CreateJob twice")

	got, err := s.GetJob(ctx, "j1")
	must(t, err)
	equal(t, got, normJob(j), "GetJob")
	_, err = s.GetJob(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "GetJob unknown")

	n, err := s.CountUnfinished(ctx, "p1")
	must(t, err)
	if n != 1 {
		t.Fatalf("CountUnfinished = %d", n)
	}

	// ListJobs: the project's own, newest first, limited.
	newer, other := newJob("j2", at(time.Second)), newJob("j3", at(2*time.Second))
	other.ProjectID = "p2"
	newer.State = store.JobSucceeded // finished: the unfinished counts below stay j1's
	must(t, s.CreateJob(ctx, newer))
	must(t, s.CreateJob(ctx, other))
	js, err := s.ListJobs(ctx, "p1", 0)
	must(t, err)
	if len(js) != 2 || js[0].ID != "j2" || js[1].ID != "j1" {
		t.Fatalf("ListJobs(p1) = %v, want j2 then j1", jobIDs(js))
	}
	equal(t, js[1], normJob(j), "ListJobs element")
	if js, err = s.ListJobs(ctx, "p1", 1); err != nil || len(js) != 1 || js[0].ID != "j2" {
		t.Fatalf("ListJobs(p1, 1) = %v, %v", jobIDs(js), err)
	}
	if js, err = s.ListJobs(ctx, "nobody", 0); err != nil || len(js) != 0 {
		t.Fatalf("ListJobs(nobody) = %v, %v", jobIDs(js), err)
	}

	got.State = store.JobSucceeded
	got.Result = []byte(`{"suggestion":"pass"}`)
	got.ErrorCode, got.ErrorMsg = "AIS.0999", "msg"
	got.Attempts = 2
	got.CallbackState, got.CallbackAttempts, got.CallbackAt = store.CallbackPending, 1, at(time.Minute)
	got.UpdatedAt, got.ExpiresAt = at(time.Hour), at(100*time.Hour)
	must(t, s.UpdateJob(ctx, got))
	again, err := s.GetJob(ctx, "j1")
	must(t, err)
	equal(t, again, normJob(got), "GetJob after UpdateJob")
	wantErr(t, s.UpdateJob(ctx, newJob("nope", at(0))), store.ErrNotFound, "UpdateJob unknown")

	n, _ = s.CountUnfinished(ctx, "p1")
	if n != 0 {
		t.Fatalf("CountUnfinished after success = %d", n)
	}
}

func testClaimAtomic(t *testing.T, s store.Store) {
	const jobs, workers = 40, 8
	for i := 0; i < jobs; i++ {
		must(t, s.CreateJob(ctx, newJob(fmt.Sprintf("j%03d", i), at(time.Duration(i)*time.Millisecond))))
	}
	var (
		mu      sync.Mutex
		claimed = map[string]int{}
		wg      sync.WaitGroup
		errs    = make(chan error, workers)
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				j, err := s.ClaimJob(ctx, []string{"moderation.video"})
				if errors.Is(err, store.ErrNotFound) {
					return
				}
				if err != nil {
					errs <- err
					return
				}
				if j.State != store.JobRunning || j.Attempts != 1 {
					errs <- fmt.Errorf("claimed %s in state %s attempts %d", j.ID, j.State, j.Attempts)
					return
				}
				mu.Lock()
				claimed[j.ID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(claimed) != jobs {
		t.Fatalf("claimed %d distinct jobs, want %d", len(claimed), jobs)
	}
	for id, n := range claimed {
		if n != 1 {
			t.Fatalf("job %s claimed %d times", id, n)
		}
	}
	n, _ := s.CountUnfinished(ctx, "p1")
	if n != jobs {
		t.Fatalf("running jobs count as unfinished: got %d", n)
	}
}

func testClaimKinds(t *testing.T, s store.Store) {
	a := newJob("ja", at(2*time.Second))
	b := newJob("jb", at(time.Second))
	b.Kind = "moderation.audio"
	c := newJob("jc", at(3*time.Second))
	must(t, s.CreateJob(ctx, c))
	must(t, s.CreateJob(ctx, a))
	must(t, s.CreateJob(ctx, b))

	j, err := s.ClaimJob(ctx, []string{"moderation.video"})
	must(t, err)
	if j.ID != "ja" {
		t.Fatalf("claimed %s, want the oldest video job ja", j.ID)
	}
	j, err = s.ClaimJob(ctx, nil)
	must(t, err)
	if j.ID != "jb" {
		t.Fatalf("claim any kind got %s, want oldest jb", j.ID)
	}
	_, err = s.ClaimJob(ctx, []string{"moderation.audio"})
	wantErr(t, err, store.ErrNotFound, "no queued audio job left")
	j, err = s.ClaimJob(ctx, []string{"moderation.audio", "moderation.video"})
	must(t, err)
	if j.ID != "jc" {
		t.Fatalf("claimed %s, want jc", j.ID)
	}
	_, err = s.ClaimJob(ctx, nil)
	wantErr(t, err, store.ErrNotFound, "queue empty")
}

func testRequeue(t *testing.T, s store.Store) {
	for i := 0; i < 3; i++ {
		must(t, s.CreateJob(ctx, newJob(fmt.Sprintf("j%d", i), at(time.Duration(i)*time.Second))))
	}
	done := newJob("done", at(0))
	done.State = store.JobSucceeded
	must(t, s.CreateJob(ctx, done))
	for i := 0; i < 2; i++ {
		_, err := s.ClaimJob(ctx, nil)
		must(t, err)
	}
	n, err := s.RequeueRunning(ctx)
	must(t, err)
	if n != 2 {
		t.Fatalf("RequeueRunning = %d, want 2", n)
	}
	j, err := s.GetJob(ctx, "j0")
	must(t, err)
	if j.State != store.JobQueued || j.Attempts != 1 {
		t.Fatalf("requeued job: state %s attempts %d", j.State, j.Attempts)
	}
	j, _ = s.GetJob(ctx, "done")
	if j.State != store.JobSucceeded {
		t.Fatalf("finished job requeued: %s", j.State)
	}
	// The requeued job is claimed again, oldest first, attempts counted.
	j, err = s.ClaimJob(ctx, nil)
	must(t, err)
	if j.ID != "j0" || j.Attempts != 2 {
		t.Fatalf("reclaim: %s attempts %d", j.ID, j.Attempts)
	}
	n, _ = s.RequeueRunning(ctx)
	if n != 1 {
		t.Fatalf("second RequeueRunning = %d, want 1", n)
	}
}

func testHeartbeat(t *testing.T, s store.Store) {
	for _, id := range []string{"a", "b", "c"} {
		must(t, s.CreateJob(ctx, newJob(id, at(0))))
	}
	// a and b run; c stays queued.
	for i := 0; i < 2; i++ {
		_, err := s.ClaimJob(ctx, nil)
		must(t, err)
	}
	wantErr(t, s.HeartbeatJob(ctx, "c", 1, at(time.Hour)), store.ErrNotFound, "heartbeat of a queued job")
	wantErr(t, s.HeartbeatJob(ctx, "nope", 1, at(time.Hour)), store.ErrNotFound, "heartbeat of an unknown job")
	wantErr(t, s.HeartbeatJob(ctx, "a", 2, at(time.Hour)), store.ErrNotFound, "heartbeat under another attempt")
	// a's runner is alive (recent heartbeat), b's runner went silent.
	must(t, s.HeartbeatJob(ctx, "a", 1, at(time.Hour)))
	must(t, s.HeartbeatJob(ctx, "b", 1, at(time.Minute)))
	j, err := s.GetJob(ctx, "a")
	must(t, err)
	if !j.UpdatedAt.Equal(norm(at(time.Hour))) {
		t.Fatalf("heartbeat stored %v", j.UpdatedAt)
	}
	n, err := s.RequeueStale(ctx, at(30*time.Minute))
	must(t, err)
	if n != 1 {
		t.Fatalf("RequeueStale = %d, want 1", n)
	}
	for id, want := range map[string]string{"a": store.JobRunning, "b": store.JobQueued, "c": store.JobQueued} {
		j, err := s.GetJob(ctx, id)
		must(t, err)
		if j.State != want {
			t.Fatalf("job %s is %s, want %s", id, j.State, want)
		}
	}
}

func testFinishJob(t *testing.T, s store.Store) {
	must(t, s.CreateJob(ctx, newJob("j", at(0))))
	first, err := s.ClaimJob(ctx, nil)
	must(t, err)
	// The first runner goes silent; another takes the job over.
	_, err = s.RequeueStale(ctx, at(time.Hour*24*365*10))
	must(t, err)
	second, err := s.ClaimJob(ctx, nil)
	must(t, err)
	if second.Attempts != 2 {
		t.Fatalf("takeover attempt %d", second.Attempts)
	}
	wantErr(t, s.HeartbeatJob(ctx, "j", first.Attempts, at(time.Hour)), store.ErrNotFound, "heartbeat of the overtaken run")

	first.State, first.Result = store.JobSucceeded, []byte(`"first"`)
	wantErr(t, s.FinishJob(ctx, first), store.ErrNotFound, "FinishJob of the overtaken run")
	second.State, second.Result, second.UpdatedAt = store.JobSucceeded, []byte(`"second"`), at(time.Hour)
	second.CallbackState, second.CallbackAt, second.ExpiresAt = store.CallbackPending, at(time.Hour), at(2*time.Hour)
	must(t, s.FinishJob(ctx, second))
	got, err := s.GetJob(ctx, "j")
	must(t, err)
	equal(t, got, normJob(second), "job after FinishJob")
	wantErr(t, s.FinishJob(ctx, second), store.ErrNotFound, "FinishJob twice")
}

func testClaimCallback(t *testing.T, s store.Store) {
	j := newJob("j", at(0))
	j.State, j.CallbackState, j.CallbackAt = store.JobSucceeded, store.CallbackPending, at(time.Second)
	must(t, s.CreateJob(ctx, j))
	due := norm(j.CallbackAt)

	const claimers = 6
	var (
		wg   sync.WaitGroup
		wins atomic.Int32
		errs = make(chan error, claimers)
	)
	for i := 0; i < claimers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ok, err := s.ClaimCallback(ctx, "j", due, at(time.Minute+time.Duration(i)*time.Millisecond))
			if err != nil {
				errs <- err
			}
			if ok {
				wins.Add(1)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if wins.Load() != 1 {
		t.Fatalf("%d claimers won the same callback, want 1", wins.Load())
	}
	got, err := s.GetJob(ctx, "j")
	must(t, err)
	if got.CallbackAt.Before(norm(at(time.Minute))) {
		t.Fatalf("claimed callback due at %v, want pushed to the lease", got.CallbackAt)
	}
	ok, err := s.ClaimCallback(ctx, "j", due, at(time.Hour))
	must(t, err)
	if ok {
		t.Fatal("claimed with a stale due time")
	}
	got.CallbackState = store.CallbackDelivered
	must(t, s.UpdateJob(ctx, got))
	ok, err = s.ClaimCallback(ctx, "j", got.CallbackAt, at(time.Hour))
	must(t, err)
	if ok {
		t.Fatal("claimed a delivered callback")
	}
}

func testPendingCallbacks(t *testing.T, s store.Store) {
	mk := func(id, state, cb string, due time.Duration) {
		j := newJob(id, at(0))
		j.State, j.CallbackState, j.CallbackAt = state, cb, at(due)
		must(t, s.CreateJob(ctx, j))
	}
	mk("late", store.JobSucceeded, store.CallbackPending, 2*time.Minute)
	mk("soon", store.JobFailed, store.CallbackPending, time.Minute)
	mk("sent", store.JobSucceeded, store.CallbackDelivered, 0)
	mk("gaveup", store.JobFailed, store.CallbackFailed, 0)
	mk("running", store.JobRunning, store.CallbackPending, 0)
	mk("none", store.JobSucceeded, store.CallbackNone, 0)

	js, err := s.PendingCallbacks(ctx, 10)
	must(t, err)
	var ids []string
	for _, j := range js {
		ids = append(ids, j.ID)
	}
	equal(t, ids, []string{"soon", "late"}, "PendingCallbacks (due first)")
	js, err = s.PendingCallbacks(ctx, 1)
	must(t, err)
	if len(js) != 1 || js[0].ID != "soon" {
		t.Fatalf("PendingCallbacks limit 1 = %+v", js)
	}
}

func testJobExpiry(t *testing.T, s store.Store) {
	now := at(0)
	mk := func(id string, exp time.Time) {
		j := newJob(id, now.Add(-time.Hour))
		j.ExpiresAt = exp
		must(t, s.CreateJob(ctx, j))
	}
	mk("old", now.Add(-time.Second))
	mk("edge", now)
	mk("fresh", now.Add(time.Second))
	mk("forever", time.Time{})
	n, err := s.DeleteExpiredJobs(ctx, now)
	must(t, err)
	if n != 2 {
		t.Fatalf("DeleteExpiredJobs = %d, want 2", n)
	}
	for id, want := range map[string]error{"old": store.ErrNotFound, "edge": store.ErrNotFound, "fresh": nil, "forever": nil} {
		_, err := s.GetJob(ctx, id)
		if !errors.Is(err, want) && !(want == nil && err == nil) {
			t.Fatalf("GetJob(%s) after expiry: %v, want %v", id, err, want)
		}
	}
}

func testFaults(t *testing.T, s store.Store) {
	f := store.Fault{ID: "f1", ProjectID: "p1", API: "RecognizeGeneralText", Code: "AIS.0103", Mode: store.FaultCount, Remaining: 2, CreatedAt: at(0)}
	must(t, s.CreateFault(ctx, f))
	lat := store.Fault{ID: "f2", ProjectID: "p1", API: "*", Mode: store.FaultLatency, LatencyMS: 250, CreatedAt: at(time.Second)}
	must(t, s.CreateFault(ctx, lat))
	must(t, s.CreateFault(ctx, store.Fault{ID: "f3", ProjectID: "p2", API: "*", Code: "APIG.0201", Mode: store.FaultPercent, Percent: 50, CreatedAt: at(0)}))
	wantErr(t, s.CreateFault(ctx, f), store.ErrConflict, "CreateFault twice")

	fs, err := s.ListFaults(ctx, "p1")
	must(t, err)
	f.CreatedAt, lat.CreatedAt = norm(f.CreatedAt), norm(lat.CreatedAt)
	equal(t, fs, []store.Fault{f, lat}, "ListFaults")
	got, err := s.GetFault(ctx, "f2")
	must(t, err)
	equal(t, got, lat, "GetFault")
	_, err = s.GetFault(ctx, "f9")
	wantErr(t, err, store.ErrNotFound, "GetFault unknown")

	must(t, s.DeleteFault(ctx, "f1"))
	wantErr(t, s.DeleteFault(ctx, "f1"), store.ErrNotFound, "DeleteFault twice")
	fs, _ = s.ListFaults(ctx, "p1")
	equal(t, fs, []store.Fault{lat}, "ListFaults after delete")

	got, err = s.TakeFault(ctx, "p2", "Anything")
	must(t, err)
	if got.ID != "f3" || got.Percent != 50 {
		t.Fatalf("TakeFault percent = %+v", got)
	}
	got, _ = s.TakeFault(ctx, "p2", "Anything")
	if got.ID != "f3" {
		t.Fatal("a percent fault is not used up")
	}
	_, err = s.TakeFault(ctx, "p9", "RecognizeGeneralText")
	wantErr(t, err, store.ErrNotFound, "TakeFault without faults")
}

func testTakeFaultCount(t *testing.T, s store.Store) {
	must(t, s.CreateFault(ctx, store.Fault{ID: "f1", ProjectID: "p1", API: "RecognizeIdCard", Code: "AIS.0103", Mode: store.FaultCount, Remaining: 2, CreatedAt: at(0)}))
	for want := 1; want >= 0; want-- {
		f, err := s.TakeFault(ctx, "p1", "RecognizeIdCard")
		must(t, err)
		if f.ID != "f1" || f.Remaining != want {
			t.Fatalf("TakeFault = %+v, want remaining %d", f, want)
		}
	}
	_, err := s.TakeFault(ctx, "p1", "RecognizeIdCard")
	wantErr(t, err, store.ErrNotFound, "exhausted count fault")
	_, err = s.TakeFault(ctx, "p1", "RecognizeGeneralText")
	wantErr(t, err, store.ErrNotFound, "fault of another API")
	fs, _ := s.ListFaults(ctx, "p1")
	if len(fs) != 1 || fs[0].Remaining != 0 {
		t.Fatalf("exhausted fault listed as %+v", fs)
	}
}

func testTakeFaultConcurrent(t *testing.T, s store.Store) {
	const budget, callers, tries = 25, 8, 10
	must(t, s.CreateFault(ctx, store.Fault{ID: "f1", ProjectID: "p1", API: "*", Code: "AIS.0103", Mode: store.FaultCount, Remaining: budget, CreatedAt: at(0)}))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		taken []int
		errs  = make(chan error, callers)
	)
	for c := 0; c < callers; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < tries; i++ {
				f, err := s.TakeFault(ctx, "p1", "RecognizeGeneralText")
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				taken = append(taken, f.Remaining)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(taken) != budget {
		t.Fatalf("fault taken %d times, want exactly %d", len(taken), budget)
	}
	sort.Ints(taken)
	for i, r := range taken {
		if r != i {
			t.Fatalf("remaining values after takes = %v, want 0..%d each once", taken, budget-1)
		}
	}
}

func testTakeFaultWildcard(t *testing.T, s store.Store) {
	// The "*" fault is older, but a fault for the exact API wins.
	must(t, s.CreateFault(ctx, store.Fault{ID: "all", ProjectID: "p1", API: "*", Code: "APIG.0201", Mode: store.FaultCount, Remaining: 5, CreatedAt: at(0)}))
	must(t, s.CreateFault(ctx, store.Fault{ID: "one", ProjectID: "p1", API: "RecognizeIdCard", Code: "AIS.0103", Mode: store.FaultCount, Remaining: 1, CreatedAt: at(time.Second)}))

	f, err := s.TakeFault(ctx, "p1", "RecognizeIdCard")
	must(t, err)
	if f.ID != "one" {
		t.Fatalf("TakeFault = %s, want the API-specific fault", f.ID)
	}
	f, err = s.TakeFault(ctx, "p1", "RecognizeIdCard")
	must(t, err)
	if f.ID != "all" || f.Remaining != 4 {
		t.Fatalf("after exhausting the specific fault got %+v, want * with 4 left", f)
	}
	f, err = s.TakeFault(ctx, "p1", "RecognizeGeneralText")
	must(t, err)
	if f.ID != "all" || f.Remaining != 3 {
		t.Fatalf("* fault for another API: %+v", f)
	}
}

func normResource(r store.Resource) store.Resource {
	r.CreatedAt, r.UpdatedAt = norm(r.CreatedAt), norm(r.UpdatedAt)
	return r
}

func testResources(t *testing.T, s store.Store) {
	g := store.Resource{Kind: "glossary", Owner: "p1", ID: "r1", Name: "zeta", Body: []byte(`{"terms":["a"]}`), CreatedAt: at(0), UpdatedAt: at(0)}
	h := store.Resource{Kind: "glossary", Owner: "p1", ID: "r2", Name: "alpha", Body: []byte(`{}`), CreatedAt: at(time.Second), UpdatedAt: at(time.Second)}
	must(t, s.CreateResource(ctx, g))
	must(t, s.CreateResource(ctx, h))
	// The same name under another kind or owner is another resource.
	must(t, s.CreateResource(ctx, store.Resource{Kind: "ocr-template", Owner: "p1", ID: "r3", Name: "zeta", Body: []byte(`{}`), CreatedAt: at(0)}))
	must(t, s.CreateResource(ctx, store.Resource{Kind: "glossary", Owner: "p2", ID: "r4", Name: "zeta", Body: []byte(`{}`), CreatedAt: at(0)}))
	wantErr(t, s.CreateResource(ctx, g), store.ErrConflict, "CreateResource same id")
	wantErr(t, s.CreateResource(ctx, store.Resource{Kind: "glossary", Owner: "p1", ID: "r9", Name: "zeta", CreatedAt: at(0)}), store.ErrConflict, "CreateResource same name")

	rs, err := s.ListResources(ctx, "glossary", "p1")
	must(t, err)
	equal(t, rs, []store.Resource{normResource(h), normResource(g)}, "ListResources by name")
	got, err := s.GetResource(ctx, "glossary", "p1", "r1")
	must(t, err)
	equal(t, got, normResource(g), "GetResource")
	got, err = s.GetResourceByName(ctx, "glossary", "p1", "alpha")
	must(t, err)
	equal(t, got, normResource(h), "GetResourceByName")
	// Another owner's id is not found: owners never see each other's.
	_, err = s.GetResource(ctx, "glossary", "p2", "r1")
	wantErr(t, err, store.ErrNotFound, "GetResource of another owner")
	_, err = s.GetResourceByName(ctx, "glossary", "p1", "nope")
	wantErr(t, err, store.ErrNotFound, "GetResourceByName unknown")
	// A body the caller changes afterwards is not the stored one.
	got.Body[0] = 'X'
	again, _ := s.GetResourceByName(ctx, "glossary", "p1", "alpha")
	equal(t, string(again.Body), "{}", "stored body after the caller's change")

	g.Name, g.Body, g.UpdatedAt = "beta", []byte(`{"terms":["b"]}`), at(2*time.Second)
	must(t, s.UpdateResource(ctx, g))
	got, _ = s.GetResource(ctx, "glossary", "p1", "r1")
	equal(t, got, normResource(g), "GetResource after update")
	wantErr(t, s.UpdateResource(ctx, store.Resource{Kind: "glossary", Owner: "p1", ID: "r1", Name: "alpha", Body: []byte(`{}`)}), store.ErrConflict, "UpdateResource to a taken name")
	wantErr(t, s.UpdateResource(ctx, store.Resource{Kind: "glossary", Owner: "p2", ID: "r1", Name: "x"}), store.ErrNotFound, "UpdateResource of another owner")

	wantErr(t, s.DeleteResource(ctx, "glossary", "p2", "r1"), store.ErrNotFound, "DeleteResource of another owner")
	must(t, s.DeleteResource(ctx, "glossary", "p1", "r1"))
	wantErr(t, s.DeleteResource(ctx, "glossary", "p1", "r1"), store.ErrNotFound, "DeleteResource twice")
	rs, _ = s.ListResources(ctx, "glossary", "p1")
	equal(t, rs, []store.Resource{normResource(h)}, "ListResources after delete")
	rs, _ = s.ListResources(ctx, "nothing", "p1")
	if rs == nil || len(rs) != 0 {
		t.Fatalf("ListResources of an empty kind = %#v, want an empty list", rs)
	}
}

// testUsageOncePerRequest: a record of a request already metered is not
// stored again, alone or in a batch, and records without a request id are
// all kept.
func testUsageOncePerRequest(t *testing.T, s store.Store) {
	r := func(id string) store.UsageRecord {
		return store.UsageRecord{ProjectID: "p1", UserID: "u1", Service: "ocr.general-text", API: "RecognizeGeneralText", Time: at(0), Status: 200, RequestID: id}
	}
	must(t, s.RecordUsage(ctx, r("req-1")))
	must(t, s.RecordUsage(ctx, r("req-1")))
	must(t, s.RecordUsageBatch(ctx, []store.UsageRecord{r("req-1"), r("req-2"), r("req-3")}))
	must(t, s.RecordUsageBatch(ctx, []store.UsageRecord{r("req-2"), r("req-3")}))
	must(t, s.RecordUsage(ctx, r("")))
	must(t, s.RecordUsage(ctx, r("")))
	n, err := s.CountSuccess(ctx, "p1", "ocr.general-text", time.Time{})
	must(t, err)
	if n != 5 {
		t.Fatalf("CountSuccess = %d, want 5 (3 requests once each, 2 without an id)", n)
	}
	// A batch larger than one statement's rows, repeating requests inside
	// itself and across its chunks: each request is stored once.
	var big []store.UsageRecord
	for i := 0; i < 700; i++ {
		big = append(big, r(fmt.Sprintf("big-%d", i%600)))
	}
	big = append(big, r(""), r(""))
	must(t, s.RecordUsageBatch(ctx, big))
	n, err = s.CountSuccess(ctx, "p1", "ocr.general-text", time.Time{})
	must(t, err)
	if n != 5+600+2 {
		t.Fatalf("CountSuccess = %d after a 702-record batch, want %d", n, 5+600+2)
	}
}

func jobIDs(js []store.Job) []string {
	ids := make([]string, len(js))
	for i, j := range js {
		ids[i] = j.ID
	}
	return ids
}
