package fault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/api/apitest"
	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/memory"
	"github.com/aisd/aisd/internal/store/storetest"
)

const (
	projA = "0123456789abcdef0123456789abcdef"
	projB = "fedcba9876543210fedcba9876543210"
)

// newStore returns an in-memory store holding projects A and B, and the
// view of it an Injector is given, which counts the Injector's calls.
func newStore(t testing.TB) (*memory.Store, *storetest.Hooked) {
	st := storetest.Memory(t)
	storetest.Projects(t, st, projA, projB)
	return st, storetest.Hook(st, nil)
}

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }

// injectedLines counts log records marked injected=true.
func (l *logBuf) injectedLines() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range strings.Split(l.b.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["injected"] == true {
			n++
		}
	}
	return n
}

func newInjector(st store.Store) (*Injector, *logBuf) {
	lb := &logBuf{}
	return New(st, slog.New(slog.NewJSONHandler(lb, nil)), rand.NewPCG(1, 2)), lb
}

func TestOffByDefaultIsCheap(t *testing.T) {
	_, spy := newStore(t)
	in, lb := newInjector(spy)
	for i := 0; i < 1000; i++ {
		if err := in.Apply(context.Background(), projA, "RecognizeGeneralText"); err != nil {
			t.Fatal(err)
		}
	}
	if lists, takes := spy.Calls("ListFaults"), spy.Calls("TakeFault"); lists != 1 || takes != 0 || lb.injectedLines() != 0 {
		t.Fatalf("lists %d takes %d injected %d; want 1 0 0", lists, takes, lb.injectedLines())
	}
}

func TestCountFault(t *testing.T) {
	ctx := context.Background()
	_, spy := newStore(t)
	in, lb := newInjector(spy)
	_ = in.Apply(ctx, projA, "RecognizeGeneralText") // caches "no faults"
	if _, err := in.Create(ctx, store.Fault{ProjectID: projA, API: "RecognizeGeneralText", Code: "AIS.0101", Mode: store.FaultCount, Remaining: 3}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		err := in.Apply(ctx, projA, "RecognizeGeneralText")
		e, ok := catalog.From(err)
		if !ok || !catalog.IsCode(err, catalog.AIS0101) || !e.Injected {
			t.Fatalf("call %d: %v, want injected AIS.0101", i+1, err)
		}
		// Other APIs and projects are untouched.
		if err := in.Apply(ctx, projA, "RunImageTagging"); err != nil {
			t.Fatalf("other API: %v", err)
		}
		if err := in.Apply(ctx, projB, "RecognizeGeneralText"); err != nil {
			t.Fatalf("other project: %v", err)
		}
	}
	for i := 0; i < 5; i++ {
		if err := in.Apply(ctx, projA, "RecognizeGeneralText"); err != nil {
			t.Fatalf("after exhaustion: %v", err)
		}
	}
	if n := lb.injectedLines(); n != 3 {
		t.Fatalf("%d injected log records, want 3", n)
	}
	// An exhausted fault stops costing store calls once the cache reloads.
	takes := spy.Calls("TakeFault")
	for i := 0; i < 5; i++ {
		_ = in.Apply(ctx, projA, "RecognizeGeneralText")
	}
	if n := spy.Calls("TakeFault") - takes; n != 0 {
		t.Fatalf("exhausted fault still queried %d times", n)
	}
}

// The rendered answer is the catalog's documented body and status.
func TestInjectedBody(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	in, _ := newInjector(st)
	for _, code := range []string{"ModelArts.4401", "APIG.0308", "AIS.0032", "AIS.0101"} {
		if _, err := in.Create(ctx, store.Fault{ProjectID: projA, API: "*", Code: code, Mode: store.FaultCount, Remaining: 1}); err != nil {
			t.Fatal(err)
		}
		err := in.Apply(ctx, projA, "AnyApi")
		rec := httptest.NewRecorder()
		catalog.Write(rec, "rid-7", err, catalog.FamilyOCR)
		ent, _ := catalog.Lookup(code)
		// Placeholders show the published pages' "XX".
		want := strings.NewReplacer("%d", "XX", "%s", "XX").Replace(ent.Message)
		var b catalog.Body
		if jerr := json.Unmarshal(rec.Body.Bytes(), &b); jerr != nil || rec.Code != ent.Status || b.ErrorCode != code || b.ErrorMsg != want {
			t.Fatalf("%s rendered %d %s, want %d %q", code, rec.Code, rec.Body, ent.Status, want)
		}
		if strings.HasPrefix(code, "APIG.") != (b.RequestID == "rid-7") {
			t.Errorf("%s request_id %q", code, b.RequestID)
		}
	}
}

func TestPercentFault(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	in, lb := newInjector(st)
	if _, err := in.Create(ctx, store.Fault{ProjectID: projA, API: "*", Code: "ModelArts.4403", Mode: store.FaultPercent, Percent: 30}); err != nil {
		t.Fatal(err)
	}
	const n = 10000
	hits := 0
	for i := 0; i < n; i++ {
		if err := in.Apply(ctx, projA, "CheckTextContent"); err != nil {
			if e, _ := catalog.From(err); e == nil || !catalog.IsCode(err, catalog.ModelArts4403) || !e.Injected {
				t.Fatalf("unexpected %v", err)
			}
			hits++
		}
	}
	// 30% of 10000: standard deviation ~46, so ±300 is far outside chance.
	if hits < 2700 || hits > 3300 {
		t.Fatalf("%d of %d calls failed, want about 3000", hits, n)
	}
	if lb.injectedLines() != hits {
		t.Fatalf("logged %d injected, failed %d", lb.injectedLines(), hits)
	}
}

func TestLatencyFault(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	in, lb := newInjector(st)
	if _, err := in.Create(ctx, store.Fault{ProjectID: projA, API: "RunImageTagging", Mode: store.FaultLatency, LatencyMS: 40}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := in.Apply(ctx, projA, "RunImageTagging"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("delayed %v, want ≥ 40ms", d)
	}
	if lb.injectedLines() != 1 {
		t.Fatal("latency not logged as injected")
	}
	// The gateway's deadline passes, or the caller goes away, during the
	// delay: the context ends once the fault is taken (ended before, the
	// store lookup would fail, and a failed lookup leaves the call alone).
	for _, end := range []error{context.DeadlineExceeded, context.Canceled} {
		cctx := newEnding(ctx, end)
		in, _ := newInjector(storetest.Hook(st, func(c storetest.Call, next func() error) error {
			err := next()
			if c.Method == "TakeFault" {
				cctx.end()
			}
			return err
		}))
		err := in.Apply(cctx, projA, "RunImageTagging")
		if end == context.Canceled {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled during delay: %v", err)
			}
			continue
		}
		e, ok := catalog.From(err)
		if !ok || !catalog.IsCode(err, catalog.APIG0201) || catalog.Render(err, catalog.FamilyOCR).Status != http.StatusGatewayTimeout || !e.Injected {
			t.Fatalf("deadline during delay: %v", err)
		}
	}
}

// ending is a context that ends with err when the test calls end, at an
// exact point of a call rather than after a time.
type ending struct {
	context.Context
	err  error
	done chan struct{}
	once sync.Once
}

func newEnding(parent context.Context, err error) *ending {
	return &ending{Context: parent, err: err, done: make(chan struct{})}
}

func (c *ending) end()                  { c.once.Do(func() { close(c.done) }) }
func (c *ending) Done() <-chan struct{} { return c.done }

func (c *ending) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

func TestCacheSeesOtherWriters(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	in, _ := newInjector(st)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	in.now = func() time.Time { return now }
	_ = in.Apply(ctx, projA, "A")
	// Another server process adds a fault straight to the store.
	_ = st.CreateFault(ctx, store.Fault{ID: "x", ProjectID: projA, API: "A", Code: "AIS.0101", Mode: store.FaultCount, Remaining: 1})
	if err := in.Apply(ctx, projA, "A"); err != nil {
		t.Fatalf("seen before the TTL: %v", err)
	}
	now = now.Add(cacheTTL)
	if err := in.Apply(ctx, projA, "A"); err == nil {
		t.Fatal("not seen after the TTL")
	}
	// Deleting through the Injector takes effect at once.
	f, _ := in.Create(ctx, store.Fault{ProjectID: projA, API: "A", Code: "AIS.0101", Mode: store.FaultCount, Remaining: 5})
	if err := in.Delete(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	if err := in.Apply(ctx, projA, "A"); err != nil {
		t.Fatalf("deleted fault applied: %v", err)
	}
}

func doHTTP(h http.Handler, method, path, body string) (*httptest.ResponseRecorder, catalog.Body) {
	return apitest.Serve(h, apitest.Request(method, path, body))
}

func TestHTTP(t *testing.T) {
	ctx := context.Background()
	st, spy := newStore(t)
	in, _ := newInjector(spy)
	h := in.Handler(allowAll)

	rec, _ := doHTTP(h, "POST", "/v1/admin/faults", `{"project_id":"`+projA+`","api":"RecognizeGeneralText","code":"ModelArts.4401","mode":"count","count":2}`)
	var v View
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || rec.Code != 201 || v.ID == "" || v.Count != 2 || v.Code != "ModelArts.4401" {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	if !catalog.IsCode(in.Apply(ctx, projA, "RecognizeGeneralText"), catalog.ModelArts4401) {
		t.Fatal("fault created over HTTP not applied")
	}
	rec, _ = doHTTP(h, "POST", "/v1/admin/faults", `{"project_id":"`+projA+`","api":"*","mode":"latency","latency_ms":10}`)
	if rec.Code != 201 {
		t.Fatalf("latency create: %d %s", rec.Code, rec.Body)
	}
	rec, _ = doHTTP(h, "GET", "/v1/admin/faults?project_id="+projA, "")
	var l ListView
	if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil || rec.Code != 200 || l.Count != 2 || len(l.Faults) != 2 {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	// Both may carry the same creation time, so find the count fault by id.
	for _, f := range l.Faults {
		if (f.ID == v.ID) != (f.Count == 1) {
			t.Fatalf("list: %d %s, want fault %s with one call left", rec.Code, rec.Body, v.ID)
		}
	}
	rec, _ = doHTTP(h, "DELETE", "/v1/admin/faults/"+v.ID, "")
	if rec.Code != 204 {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}

	p := `"project_id":"` + projA + `"`
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		code, msg                string
	}{
		{"delete again", "DELETE", "/v1/admin/faults/" + v.ID, "", 400, "AIP.0016", "The request parameter is wrong, fault " + v.ID + " does not exist"},
		{"bad json", "POST", "/v1/admin/faults", `{`, 400, "AIP.0009", "The JSON format of the input data is incorrect."},
		{"empty body", "POST", "/v1/admin/faults", ``, 400, "AIP.0006", "Lack the request parameter, or the request parameter project_id is empty."},
		{"unknown field", "POST", "/v1/admin/faults", `{` + p + `,"api":"A","mode":"count","count":1,"code":"AIS.0101","times":3}`, 400, "AIP.0007", "The request parameter times is incorrect."},
		{"no project", "POST", "/v1/admin/faults", `{"api":"A","mode":"count","count":1,"code":"AIS.0101"}`, 400, "AIP.0006", "Lack the request parameter, or the request parameter project_id is empty."},
		{"bad project", "POST", "/v1/admin/faults", `{"project_id":"p1","api":"A","mode":"count","count":1,"code":"AIS.0101"}`, 400, "AIP.0013", "Lack the parameter project_id, or the parameter is incorrect."},
		{"unknown project", "POST", "/v1/admin/faults", `{"project_id":"00000000000000000000000000000000","api":"A","mode":"count","count":1,"code":"AIS.0101"}`, 400, "AIP.0016", "The request parameter is wrong, project 00000000000000000000000000000000 does not exist"},
		{"no api", "POST", "/v1/admin/faults", `{` + p + `,"mode":"count","count":1,"code":"AIS.0101"}`, 400, "AIP.0006", "Lack the request parameter, or the request parameter api is empty."},
		{"bad api", "POST", "/v1/admin/faults", `{` + p + `,"api":"/v2/ocr","mode":"count","count":1,"code":"AIS.0101"}`, 400, "AIP.0007", "The request parameter api is incorrect."},
		{"no mode", "POST", "/v1/admin/faults", `{` + p + `,"api":"A","count":1,"code":"AIS.0101"}`, 400, "AIP.0006", "Lack the request parameter, or the request parameter mode is empty."},
		{"bad mode", "POST", "/v1/admin/faults", `{` + p + `,"api":"A","mode":"always","code":"AIS.0101"}`, 400, "AIP.0007", "The request parameter mode is incorrect."},
		{"unknown code", "POST", "/v1/admin/faults", `{` + p + `,"api":"A","mode":"count","count":1,"code":"AIS.9999"}`, 400, "AIP.0007", "The request parameter code is incorrect."},
		{"no code", "POST", "/v1/admin/faults", `{` + p + `,"api":"A","mode":"percent","percent":5}`, 400, "AIP.0006", "Lack the request parameter, or the request parameter code is empty."},
		{"code not a string", "POST", "/v1/admin/faults", `{` + p + `,"api":"A","mode":"count","count":1,"code":101}`, 400, "AIP.0007", "The request parameter code is incorrect."},
		{"no count", "POST", "/v1/admin/faults", `{` + p + `,"api":"A","mode":"count","code":"AIS.0101"}`, 400, "AIP.0006", "Lack the request parameter, or the request parameter count is empty."},
		{"count zero", "POST", "/v1/admin/faults", `{` + p + `,"api":"A","mode":"count","count":0,"code":"AIS.0101"}`, 400, "AIP.0010", "The param:count, val:0 , exceeds the range:[1,1000000]."},
		{"count not a number", "POST", "/v1/admin/faults", `{` + p + `,"api":"A","mode":"count","count":"3","code":"AIS.0101"}`, 400, "AIP.0007", "The request parameter count is incorrect."},
		{"percent over", "POST", "/v1/admin/faults", `{` + p + `,"api":"A","mode":"percent","percent":101,"code":"AIS.0101"}`, 400, "AIP.0010", "The param:percent, val:101 , exceeds the range:[1,100]."},
		{"latency over", "POST", "/v1/admin/faults", `{` + p + `,"api":"A","mode":"latency","latency_ms":600001}`, 400, "AIP.0010", "The param:latency_ms, val:600001 , exceeds the range:[1,600000]."},
		{"latency with code", "POST", "/v1/admin/faults", `{` + p + `,"api":"A","mode":"latency","latency_ms":10,"code":"AIS.0101"}`, 400, "AIP.0016", "The request parameter is wrong, code is not taken by mode latency"},
		{"foreign parameter", "POST", "/v1/admin/faults", `{` + p + `,"api":"A","mode":"count","count":1,"percent":50,"code":"AIS.0101"}`, 400, "AIP.0016", "The request parameter is wrong, percent is not taken by mode count"},
		{"list without project", "GET", "/v1/admin/faults", "", 400, "AIP.0006", "Lack the request parameter, or the request parameter project_id is empty."},
		{"method", "PUT", "/v1/admin/faults", "", 405, "AIP.0008", "The request method PUT is not allowed, allow is GET,POST."},
		{"item method", "GET", "/v1/admin/faults/abc", "", 405, "AIP.0008", "The request method GET is not allowed, allow is DELETE."},
		{"unknown path", "GET", "/v1/admin/faults/a/b", "", 400, "AIP.0004", "The service does not exist."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, b := doHTTP(h, tc.method, tc.path, tc.body)
			if rec.Code != tc.status || b.ErrorCode != tc.code || b.ErrorMsg != tc.msg {
				t.Fatalf("got %d %s %q, want %d %s %q", rec.Code, b.ErrorCode, b.ErrorMsg, tc.status, tc.code, tc.msg)
			}
			if rec.Header().Get("X-Request-Id") != apitest.RequestID {
				t.Errorf("X-Request-Id %q", rec.Header().Get("X-Request-Id"))
			}
		})
	}
	// Refused requests stored nothing: two creates reached the store, and
	// the latency fault is all that is left.
	if n := spy.Calls("CreateFault"); n != 2 {
		t.Fatalf("%d faults created, want 2", n)
	}
	if faults, err := st.ListFaults(ctx, projA); err != nil || len(faults) != 1 || faults[0].Mode != store.FaultLatency {
		t.Fatalf("faults stored after refused requests: %+v %v, want the latency fault", faults, err)
	}
}

func allowAll(context.Context, string) error { return nil }

// The handler asks allow about the project each request acts on - a
// deleted fault's own - and answers its error.
func TestHTTPAllow(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	in, _ := newInjector(st)
	var asked []string
	h := in.Handler(func(_ context.Context, p string) error {
		asked = append(asked, p)
		if p != projA {
			return catalog.New(catalog.AIP0003)
		}
		return nil
	})
	other, err := in.Create(ctx, store.Fault{ProjectID: projB, API: "*", Code: "AIS.0101", Mode: store.FaultCount, Remaining: 1})
	if err != nil {
		t.Fatal(err)
	}
	own := `{"project_id":"` + projA + `","api":"*","code":"AIS.0101","mode":"count","count":1}`
	if rec, _ := doHTTP(h, "POST", "/v1/admin/faults", own); rec.Code != 201 {
		t.Fatalf("own project: %d %s", rec.Code, rec.Body)
	}
	for _, tc := range []struct{ name, method, path, body, asked string }{
		{"create", "POST", "/v1/admin/faults", `{"project_id":"` + projB + `","api":"*","code":"AIS.0101","mode":"count","count":1}`, projB},
		{"list", "GET", "/v1/admin/faults?project_id=" + projB, "", projB},
		{"delete", "DELETE", "/v1/admin/faults/" + other.ID, "", projB},
		{"delete missing", "DELETE", "/v1/admin/faults/nosuchfault", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asked = nil
			rec, b := doHTTP(h, tc.method, tc.path, tc.body)
			if rec.Code != 401 || b.ErrorCode != "AIP.0003" || b.ErrorMsg != "The request is unauthorized." {
				t.Fatalf("got %d %s %q, want 401 AIP.0003", rec.Code, b.ErrorCode, b.ErrorMsg)
			}
			if len(asked) != 1 || asked[0] != tc.asked {
				t.Fatalf("allow asked about %q, want [%q]", asked, tc.asked)
			}
		})
	}
	if fs, _ := st.ListFaults(ctx, projB); len(fs) != 1 {
		t.Fatalf("%d faults left in the refused project, want 1", len(fs))
	}
	// Without allow, nothing is served.
	if rec, b := doHTTP(in.Handler(nil), "GET", "/v1/admin/faults?project_id="+projA, ""); b.ErrorCode != "AIP.0003" {
		t.Fatalf("nil allow: %d %s", rec.Code, rec.Body)
	}
}
