package quota

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/catalog/catalogtest"
	"github.com/aisd/aisd/internal/store"
)

// memStore implements the metering part of store.Store.
type memStore struct {
	store.Store
	mu       sync.Mutex
	recs     []store.UsageRecord
	failNext int // fail this many writes
	poison   string
	counts   int
}

func (m *memStore) RecordUsage(_ context.Context, r store.UsageRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failNext > 0 {
		m.failNext--
		return errors.New("disk full")
	}
	if m.poison != "" && r.API == m.poison {
		return errors.New("constraint violated")
	}
	m.recs = append(m.recs, r)
	return nil
}

func (m *memStore) CountSuccess(_ context.Context, p, s string, since time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts++
	var n int64
	for _, r := range m.recs {
		if r.ProjectID == p && r.Service == s && !r.Time.Before(since) && success(r) {
			n++
		}
	}
	return n, nil
}

func (m *memStore) Usage(_ context.Context, f store.UsageFilter) ([]store.UsageRow, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	agg := map[[2]string]*store.UsageRow{}
	for _, r := range m.recs {
		if r.ProjectID != f.ProjectID || (f.Service != "" && r.Service != f.Service) || r.Time.Before(f.From) || (!f.To.IsZero() && !r.Time.Before(f.To)) {
			continue
		}
		k := [2]string{r.Time.Format("2006-01-02"), r.API}
		row := agg[k]
		if row == nil {
			row = &store.UsageRow{Day: k[0], API: k[1]}
			agg[k] = row
		}
		row.Calls++
		if success(r) {
			row.Success++
		}
	}
	var out []store.UsageRow
	for _, r := range agg {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day+out[i].API < out[j].Day+out[j].API })
	return out, nil
}

func (m *memStore) stored() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.recs)
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

func wantQuota(t *testing.T, err error, fam catalog.Family) {
	t.Helper()
	catalogtest.WantKind(t, err, catalog.KindQuotaExhausted)
	want, _ := catalog.CodeFor(catalog.KindQuotaExhausted, fam)
	catalogtest.WantCode(t, err, fam, want)
}

func TestAllowance(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)}
	st := &memStore{}
	// Earlier this month (in the store), and last month (not counted).
	st.recs = append(st.recs,
		call("RecognizeGeneralText", "ocr.general-text", 200, "", time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)),
		call("RecognizeGeneralText", "ocr.general-text", 200, "", time.Date(2026, 4, 30, 23, 59, 59, 0, time.UTC)),
	)
	m := New(st, Options{Logger: quiet, FreePerMonth: map[string]int64{"ocr.general-text": 3, "moderation.text": 0}, Default: 2, Now: clk.Now})
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
	wantQuota(t, check(unpaid, catalog.FamilyOCR, "ocr.general-text"), catalog.FamilyOCR)
	if err := check(paid, catalog.FamilyOCR, "ocr.general-text"); err != nil {
		t.Fatalf("paid account limited: %v", err)
	}
	// The default applies to unlisted services; 0 means unlimited.
	for i := 0; i < 2; i++ {
		_ = m.Record(ctx, call("RunImageTagging", "image.tagging", 200, "", clk.Now()))
	}
	wantQuota(t, check(unpaid, catalog.FamilyImage, "image.tagging"), catalog.FamilyImage)
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
	st := &memStore{}
	m := New(st, Options{Logger: quiet, Default: 1000})
	defer m.Close()
	for i := 0; i < 50; i++ {
		if err := m.Check(ctx, unpaid, proj, "ocr.general-text"); err != nil {
			t.Fatal(err)
		}
		_ = m.Record(ctx, call("RecognizeGeneralText", "ocr.general-text", 200, "", time.Time{}))
	}
	if st.counts != 1 {
		t.Fatalf("store counted %d times, want 1", st.counts)
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
		st := &memStore{}
		m := New(st, Options{Logger: quiet, Default: 1 << 30, Buffer: 7})
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
		if err := m.Close(); err != nil || st.stored() != 200 {
			t.Fatalf("round %d: stored %d (%v)", round, st.stored(), err)
		}
	}
}

func TestCloseFlushes(t *testing.T) {
	ctx := context.Background()
	st := &memStore{failNext: 3}
	m := New(st, Options{Logger: quiet, Buffer: 10000})
	for i := 0; i < 500; i++ {
		if err := m.Record(ctx, call("A", "s", 200, "", time.Time{})); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if n := st.stored(); n != 500 {
		t.Fatalf("stored %d of 500 after Close", n)
	}
	// After Close records are written synchronously.
	if err := m.Record(ctx, call("A", "s", 200, "", time.Time{})); err != nil || st.stored() != 501 {
		t.Fatalf("after close: %v, stored %d", err, st.stored())
	}
}

func TestFullBufferWritesSynchronously(t *testing.T) {
	ctx := context.Background()
	st := &memStore{}
	m := New(st, Options{Logger: quiet, Buffer: 4})
	defer m.Close()
	for i := 0; i < 4; i++ {
		_ = m.Record(ctx, call("A", "s", 200, "", time.Time{}))
	}
	if n := st.stored(); n < 4 {
		t.Fatalf("a full queue left %d records unwritten", 4-n)
	}
}

func TestPoisonRecordDropped(t *testing.T) {
	ctx := context.Background()
	st := &memStore{poison: "Bad"}
	m := New(st, Options{Logger: quiet, Buffer: 1 << 20})
	_ = m.Record(ctx, call("Bad", "s", 200, "", time.Time{}))
	// Each flush sees the bad record refused while a good one goes through.
	for i := 0; i < maxAttempts; i++ {
		_ = m.Record(ctx, call("Good", "s", 200, "", time.Time{}))
		_ = m.Flush(ctx)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if n := st.stored(); n != maxAttempts {
		t.Fatalf("stored %d, want the %d good records", n, maxAttempts)
	}
}

func TestUsageHandler(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)}
	st := &memStore{}
	m := New(st, Options{Logger: quiet, Now: clk.Now, Buffer: 1 << 20})
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
		req := httptest.NewRequest(method, "/v1/admin/usage?"+q, nil)
		req = req.WithContext(api.WithRequestID(req.Context(), "rid")) // as the gateway assigns it
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var b catalog.Body
		_ = json.Unmarshal(rec.Body.Bytes(), &b)
		return rec, b
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
			if rec.Header().Get("X-Request-Id") != "rid" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
				t.Errorf("headers %v", rec.Header())
			}
		})
	}
}

func TestStoreOutageBounded(t *testing.T) {
	ctx := context.Background()
	st := &memStore{failNext: 1 << 30}
	m := New(st, Options{Logger: quiet, Buffer: 4})
	refused := 0
	for i := 0; i < 200; i++ {
		if err := m.Record(ctx, call("A", "s", 200, "", time.Time{})); err != nil {
			refused++
		}
	}
	m.mu.Lock()
	queued := len(m.queue)
	m.mu.Unlock()
	if queued > hardCapFactor*4 || refused == 0 {
		t.Fatalf("%d queued, %d refused during an outage; bound is %d", queued, refused, hardCapFactor*4)
	}
	// The store comes back: everything kept is written on Close.
	st.mu.Lock()
	st.failNext = 0
	st.mu.Unlock()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if st.stored() != queued || queued+refused != 200 {
		t.Fatalf("stored %d of %d kept (%d refused)", st.stored(), queued, refused)
	}
}
