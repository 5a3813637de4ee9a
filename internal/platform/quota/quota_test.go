package quota

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/api/apitest"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/catalog/catalogtest"
	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/memory"
	"github.com/aisd/aisd/internal/store/storetest"
)

// meterStore is an in-memory store and the view of it a Meter is given:
// the view counts the meter's calls, fails the next failNext usage writes
// and refuses every record of the API poison.
type meterStore struct {
	st   *memory.Store
	view *storetest.Hooked

	mu       sync.Mutex
	failNext int
	poison   string
}

func newStore(t testing.TB) *meterStore {
	m := &meterStore{st: storetest.Memory(t)}
	m.view = storetest.Hook(m.st, func(c storetest.Call, next func() error) error {
		switch c.Method {
		case "RecordUsage":
			if err := m.refuse(c.Args[0].(store.UsageRecord)); err != nil {
				return err
			}
		case "RecordUsageBatch": // all or none, as the real stores
			for _, r := range c.Args[0].([]store.UsageRecord) {
				if err := m.refuse(r); err != nil {
					return err
				}
			}
		}
		return next()
	})
	return m
}

func (m *meterStore) refuse(r store.UsageRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failNext > 0 {
		m.failNext--
		return errors.New("disk full")
	}
	if m.poison != "" && r.API == m.poison {
		return errors.New("constraint violated")
	}
	return nil
}

func (m *meterStore) setFailNext(n int) {
	m.mu.Lock()
	m.failNext = n
	m.mu.Unlock()
}

// stored counts the records written for the test project.
func (m *meterStore) stored(t testing.TB) int {
	t.Helper()
	rows, err := m.st.Usage(context.Background(), store.UsageFilter{ProjectID: proj})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		n += int(r.Calls)
	}
	return n
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// quiet swallows the meter's expected warnings.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var (
	unpaid = store.Domain{ID: "d1", State: store.StateActive}
	paid   = store.Domain{ID: "d2", State: store.StateActive, Paid: true}
)

const proj = "0123456789abcdef0123456789abcdef"

func call(api, service string, status int, code string, t time.Time) store.UsageRecord {
	return store.UsageRecord{ProjectID: proj, UserID: "u1", Service: service, API: api, Time: t, Status: status, Code: code}
}

func TestAllowance(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)}
	st := newStore(t)
	// Earlier this month (in the store), and last month (not counted).
	for _, r := range []store.UsageRecord{
		call("RecognizeGeneralText", "ocr.general-text", 200, "", time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)),
		call("RecognizeGeneralText", "ocr.general-text", 200, "", time.Date(2026, 4, 30, 23, 59, 59, 0, time.UTC)),
	} {
		if err := st.st.RecordUsage(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	m := New(st.view, Options{Logger: quiet, FreePerMonth: map[string]int64{"ocr.general-text": 3, "moderation.text": 0}, Default: 2, Now: clk.Now})
	defer m.Close()

	check := func(d store.Domain, fam catalog.Family, service string) error {
		return m.Check(ctx, d, proj, service)
	}
	if err := check(unpaid, catalog.FamilyOCR, "ocr.general-text"); err != nil {
		t.Fatalf("1 of 3 used: %v", err)
	}
	// Failed calls are metered but do not use the allowance.
	_ = m.Record(ctx, call("RecognizeGeneralText", "ocr.general-text", 400, "AIS.0101", clk.Now()))
	_ = m.Record(ctx, call("RecognizeGeneralText", "ocr.general-text", 200, "", clk.Now()))
	if err := check(unpaid, catalog.FamilyOCR, "ocr.general-text"); err != nil {
		t.Fatalf("2 of 3 used: %v", err)
	}
	_ = m.Record(ctx, call("RecognizeGeneralText", "ocr.general-text", 200, "", clk.Now()))
	catalogtest.WantAnswer(t, check(unpaid, catalog.FamilyOCR, "ocr.general-text"), catalog.KindQuotaExhausted, catalog.FamilyOCR)
	if err := check(paid, catalog.FamilyOCR, "ocr.general-text"); err != nil {
		t.Fatalf("paid account limited: %v", err)
	}
	// The default applies to unlisted services; 0 means unlimited.
	for i := 0; i < 2; i++ {
		_ = m.Record(ctx, call("RunImageTagging", "image.tagging", 200, "", clk.Now()))
	}
	catalogtest.WantAnswer(t, check(unpaid, catalog.FamilyImage, "image.tagging"), catalog.KindQuotaExhausted, catalog.FamilyImage)
	for i := 0; i < 10; i++ {
		_ = m.Record(ctx, call("CheckTextContent", "moderation.text", 200, "", clk.Now()))
	}
	if err := check(unpaid, catalog.FamilyModeration, "moderation.text"); err != nil {
		t.Fatalf("unlimited service limited: %v", err)
	}
	// A new month starts from zero.
	clk.Set(time.Date(2026, 6, 1, 0, 0, 1, 0, time.UTC))
	if err := check(unpaid, catalog.FamilyOCR, "ocr.general-text"); err != nil {
		t.Fatalf("new month: %v", err)
	}
	if e, ok := catalog.Lookup("AIS.0032"); ok && e.Status != 400 {
		t.Errorf("AIS.0032 status %d", e.Status)
	}
}

func TestCounterLoadsOnce(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	m := New(st.view, Options{Logger: quiet, Default: 1000})
	defer m.Close()
	for i := 0; i < 50; i++ {
		if err := m.Check(ctx, unpaid, proj, "ocr.general-text"); err != nil {
			t.Fatal(err)
		}
		_ = m.Record(ctx, call("RecognizeGeneralText", "ocr.general-text", 200, "", time.Time{}))
	}
	if n := st.view.Calls("CountSuccess"); n != 1 {
		t.Fatalf("store counted %d times, want 1", n)
	}
	if n, _ := m.Used(ctx, proj, "ocr.general-text", time.Now()); n != 50 {
		t.Fatalf("used = %d, want 50", n)
	}
}

// Concurrent Records and first Checks must neither lose nor double a call,
// whether it is queued, being written or already stored.
func TestCountExactUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	for round := 0; round < 20; round++ {
		st := newStore(t)
		m := New(st.view, Options{Logger: quiet, Default: 1 << 30, Buffer: 7})
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 50; i++ {
					_ = m.Record(ctx, call("A", "s", 200, "", time.Time{}))
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = m.Used(ctx, proj, "s", time.Now())
		}()
		wg.Wait()
		n, err := m.Used(ctx, proj, "s", time.Now())
		if err != nil || n != 200 {
			t.Fatalf("round %d: used = %d (%v), want 200", round, n, err)
		}
		if err := m.Close(); err != nil || st.stored(t) != 200 {
			t.Fatalf("round %d: stored %d (%v)", round, st.stored(t), err)
		}
	}
}

func TestCloseFlushes(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	st.setFailNext(3)
	m := New(st.view, Options{Logger: quiet, Buffer: 10000})
	for i := 0; i < 500; i++ {
		if err := m.Record(ctx, call("A", "s", 200, "", time.Time{})); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if n := st.stored(t); n != 500 {
		t.Fatalf("stored %d of 500 after Close", n)
	}
	// After Close records are written synchronously.
	if err := m.Record(ctx, call("A", "s", 200, "", time.Time{})); err != nil || st.stored(t) != 501 {
		t.Fatalf("after close: %v, stored %d", err, st.stored(t))
	}
}

func TestFullBufferWritesSynchronously(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	m := New(st.view, Options{Logger: quiet, Buffer: 4})
	defer m.Close()
	for i := 0; i < 4; i++ {
		_ = m.Record(ctx, call("A", "s", 200, "", time.Time{}))
	}
	if n := st.stored(t); n < 4 {
		t.Fatalf("a full queue left %d records unwritten", 4-n)
	}
}

func TestPoisonRecordDropped(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	st.poison = "Bad"
	m := New(st.view, Options{Logger: quiet, Buffer: 1 << 20})
	_ = m.Record(ctx, call("Bad", "s", 200, "", time.Time{}))
	// Each flush sees the bad record refused while a good one goes through.
	for i := 0; i < maxAttempts; i++ {
		_ = m.Record(ctx, call("Good", "s", 200, "", time.Time{}))
		_ = m.Flush(ctx)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if n := st.stored(t); n != maxAttempts {
		t.Fatalf("stored %d, want the %d good records", n, maxAttempts)
	}
}

func TestUsageHandler(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)}
	st := newStore(t)
	m := New(st.view, Options{Logger: quiet, Now: clk.Now, Buffer: 1 << 20})
	defer m.Close()
	day := func(d int) time.Time { return time.Date(2026, 5, d, 9, 0, 0, 0, time.UTC) }
	for _, r := range []store.UsageRecord{
		call("RecognizeGeneralText", "ocr.general-text", 200, "", day(18)),
		call("RecognizeGeneralText", "ocr.general-text", 400, "AIS.0101", day(18)),
		call("RecognizeGeneralText", "ocr.general-text", 200, "", day(19)),
		call("RunImageTagging", "image.tagging", 200, "", day(19)),
		call("RunImageTagging", "image.tagging", 200, "", time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)),
	} {
		_ = m.Record(ctx, r) // still queued: the handler must flush first
	}
	// The caller may read proj only (the server passes the admin scope).
	h := m.UsageHandler(func(_ context.Context, p string) error {
		if p != proj {
			return catalog.New(catalog.AIP0003)
		}
		return nil
	})
	get := func(method, q string) (*httptest.ResponseRecorder, catalog.Body) {
		return apitest.Serve(h, apitest.Request(method, "/v1/admin/usage?"+q, ""))
	}

	rec, _ := get("GET", "project_id="+proj)
	var v UsageView
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	want := []UsageDay{
		{"2026-05-18", "RecognizeGeneralText", 2, 1},
		{"2026-05-19", "RecognizeGeneralText", 1, 1},
		{"2026-05-19", "RunImageTagging", 1, 1},
	}
	if len(v.Usage) != len(want) || v.TotalCalls != 4 || v.TotalSuccess != 3 || v.From != "2026-05-01T00:00:00Z" {
		t.Fatalf("usage %+v", v)
	}
	for i := range want {
		if v.Usage[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, v.Usage[i], want[i])
		}
	}
	rec, _ = get("GET", "project_id="+proj+"&service=image.tagging&from=2026-04-01&to=2026-05-19")
	_ = json.Unmarshal(rec.Body.Bytes(), &v)
	if v.TotalCalls != 2 || len(v.Usage) != 2 {
		t.Fatalf("filtered usage %s", rec.Body)
	}

	for _, tc := range []struct {
		name, method, q string
		status          int
		code, msg       string
	}{
		{"no project", "GET", "", 400, "AIP.0006", "Lack the request parameter, or the request parameter project_id is empty."},
		{"bad from", "GET", "project_id=" + proj + "&from=yesterday", 400, "AIP.0007", "The request parameter from is incorrect."},
		{"bad to", "GET", "project_id=" + proj + "&to=2026-13-01", 400, "AIP.0007", "The request parameter to is incorrect."},
		{"reversed", "GET", "project_id=" + proj + "&from=2026-05-10&to=2026-05-01", 400, "AIP.0016", "The request parameter is wrong, from is not before to"},
		{"method", "POST", "project_id=" + proj, 405, "AIP.0008", "The request method POST is not allowed, allow is GET."},
		{"project not allowed", "GET", "project_id=fedcba9876543210fedcba9876543210", 401, "AIP.0003", "The request is unauthorized."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, b := get(tc.method, tc.q)
			if rec.Code != tc.status || b.ErrorCode != tc.code || b.ErrorMsg != tc.msg {
				t.Fatalf("got %d %s %q, want %d %s %q", rec.Code, b.ErrorCode, b.ErrorMsg, tc.status, tc.code, tc.msg)
			}
			if rec.Header().Get("X-Request-Id") != apitest.RequestID || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
				t.Errorf("headers %v", rec.Header())
			}
		})
	}
}

func TestStoreOutageBounded(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	st.setFailNext(1 << 30)
	m := New(st.view, Options{Logger: quiet, Buffer: 4})
	refused := 0
	for i := 0; i < 200; i++ {
		if err := m.Record(ctx, call("A", "s", 200, "", time.Time{})); err != nil {
			refused++
		}
	}
	m.mu.Lock()
	queued := len(m.queue) + m.writing // a flush may hold some
	m.mu.Unlock()
	if queued > hardCapFactor*4 || refused == 0 {
		t.Fatalf("%d queued, %d refused during an outage; bound is %d", queued, refused, hardCapFactor*4)
	}
	// The store comes back: everything kept is written on Close.
	st.setFailNext(0)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if n := st.stored(t); n != queued || queued+refused != 200 {
		t.Fatalf("stored %d of %d kept (%d refused)", n, queued, refused)
	}
}

// TestRefusalsCounted: throttled calls are counted into one record per
// user, API, code and minute, not written one by one; every report still
// sums them exactly, across a failed write and into the next minute, and
// successes keep a record each.
func TestRefusalsCounted(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	var rows int
	view := storetest.Hook(st.view, func(c storetest.Call, next func() error) error {
		switch c.Method {
		case "RecordUsage":
			rows++
		case "RecordUsageBatch":
			rows += len(c.Args[0].([]store.UsageRecord))
		}
		return next()
	})
	m := New(view, Options{Logger: quiet, Buffer: 100000, Linger: time.Hour})
	t0 := time.Date(2026, 12, 3, 10, 0, 30, 0, time.UTC)
	for i := range 3000 {
		at := t0
		if i >= 2000 {
			at = t0.Add(time.Minute) // the next minute: another record
		}
		r := call("A", "s", 429, "APIG.0308", at)
		r.RequestID = fmt.Sprintf("r%d", i)
		if err := m.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
		if i == 1000 {
			st.setFailNext(1) // the batch fails, then goes one by one
			if err := m.Flush(ctx); err == nil {
				t.Log("flush after a refused write succeeded one by one")
			}
		}
	}
	for i := range 5 {
		r := call("A", "s", 200, "", t0)
		r.RequestID = fmt.Sprintf("ok%d", i)
		if err := m.Record(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	errs, err := st.st.UsageErrors(ctx, store.UsageFilter{ProjectID: proj})
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 1 || errs[0].Code != "APIG.0308" || errs[0].Calls != 3000 {
		t.Fatalf("usage errors %+v, want 3000 APIG.0308", errs)
	}
	if n := st.stored(t); n != 3005 {
		t.Fatalf("usage counts %d calls, want 3005", n)
	}
	if rows > 12 {
		t.Errorf("%d rows written for 3000 refusals and 5 successes, want a handful", rows)
	}
}
