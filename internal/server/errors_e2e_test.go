package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/server"
)

// lockedBuffer collects the server's JSON log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// record returns the access-log record of a request id.
func (l *lockedBuffer) record(rid string) map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	sc := bufio.NewScanner(bytes.NewReader(l.b.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == "request" && m["request_id"] == rid {
			return m
		}
	}
	return nil
}

func counterFor(t *testing.T, s *server.Server, code string) float64 {
	t.Helper()
	mfs, err := s.Gateway.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		if mf.GetName() != "aisd_requests_total" {
			continue
		}
		for _, m := range mf.Metric {
			if labelOf(m, "error_code") == code {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return n
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// TestOneErrorPathPerFamily drives one error of each route family through
// HTTP and checks everything a client and an operator see of it: status,
// error_code, the family's own error_msg, the gateway's X-Request-Id (never
// the client's), the access-log record and the Prometheus counter.
func TestOneErrorPathPerFamily(t *testing.T) {
	logs := &lockedBuffer{}
	cfg := aisdcfg.Default()
	dir := t.TempDir()
	cfg.DataDir, cfg.DSN = dir, "sqlite:"+dir+"/aisd.db"
	cfg.RootAK, cfg.RootSK = rootAK, rootSK
	cfg.Engines = nil // service routes answer "not started"
	s, err := server.New(context.Background(), cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	srv := newTestHTTP(t, s)
	p := s.Root.Project.ID

	tokenEmpty := func(path string) func(*testing.T) *http.Request {
		return func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("POST", srv+path, strings.NewReader(`{}`))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-Auth-Token", "")
			return r
		}
	}
	for _, tc := range []struct {
		family, name string
		req          func(*testing.T) *http.Request
		status       int
		code, msg    string
	}{
		{"ocr", "empty token", tokenEmpty("/v2/" + p + "/ocr/general-text"), 400, "ModelArts.4101", "Token header cannot be empty."},
		{"image", "empty token", tokenEmpty("/v2/" + p + "/image/tagging"), 400, "ModelArts.4101", "The token is empty."},
		{"moderation", "empty token", tokenEmpty("/v3/" + p + "/moderation/text"), 400, "ModelArts.4101", "The token is empty."},
		{"ocr", "not started", func(t *testing.T) *http.Request {
			return sdktest.Signed(t, "POST", srv+"/v2/"+p+"/ocr/general-text", []byte(`{"url":"https://example.com/a.png"}`), rootAK, rootSK, time.Now())
		}, 400, "ModelArts.4508", "Service not start."},
		{"image", "not started", func(t *testing.T) *http.Request {
			return sdktest.Signed(t, "POST", srv+"/v2/"+p+"/image/tagging", []byte(`{"url":"https://example.com/a.png"}`), rootAK, rootSK, time.Now())
		}, 400, "AIP.0004", "The service does not exist."},
		{"moderation", "not started", func(t *testing.T) *http.Request {
			return sdktest.Signed(t, "POST", srv+"/v3/"+p+"/moderation/image", []byte(`{"url":"https://example.com/a.png"}`), rootAK, rootSK, time.Now())
		}, 400, "AIS.0005", "The service does not exist."},
		{"aip", "IAM bad JSON", func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("POST", srv+"/v3/auth/tokens", strings.NewReader(`{"auth":`))
			return r
		}, 400, "AIP.0009", "The JSON format of the input data is incorrect."},
		{"aip", "admin bad JSON", func(t *testing.T) *http.Request {
			return sdktest.Signed(t, "POST", srv+"/v1/admin/domains", []byte(`{"name":`), rootAK, rootSK, time.Now())
		}, 400, "AIP.0009", "The JSON format of the input data is incorrect."},
		{"aip", "subscription without a service name", func(t *testing.T) *http.Request {
			return sdktest.Signed(t, "POST", srv+"/v1/"+p+"/subscriptions", []byte(`{"service_name":""}`), rootAK, rootSK, time.Now())
		}, 400, "AIP.0006", "Lack the request parameter, or the request parameter service_name is empty."},
		{"aip", "usage without project", func(t *testing.T) *http.Request {
			return sdktest.Signed(t, "GET", srv+"/v1/admin/usage", nil, rootAK, rootSK, time.Now())
		}, 400, "AIP.0006", "Lack the request parameter, or the request parameter project_id is empty."},
		{"aip", "fault without project", func(t *testing.T) *http.Request {
			return sdktest.Signed(t, "POST", srv+"/v1/admin/faults", []byte(`{"api":"*","mode":"count","count":1,"code":"AIS.0101"}`), rootAK, rootSK, time.Now())
		}, 400, "AIP.0006", "Lack the request parameter, or the request parameter project_id is empty."},
		{"aip", "catalog listing unknown service", func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("GET", srv+"/v1/error-codes?service=video", nil)
			return r
		}, 400, "AIP.0007", "The request parameter service is incorrect."},
		{"gateway", "no such API", func(t *testing.T) *http.Request {
			r, _ := http.NewRequest("GET", srv+"/v9/nothing", nil)
			return r
		}, 404, "APIG.0101", "The API does not exist or has not been published in the environment."},
	} {
		t.Run(tc.family+"/"+tc.name, func(t *testing.T) {
			before := counterFor(t, s, tc.code)
			req := tc.req(t)
			req.Header.Set("X-Request-Id", "client-chosen-id") // must not be taken
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			var body struct {
				Code      string `json:"error_code"`
				Msg       string `json:"error_msg"`
				RequestID string `json:"request_id"`
			}
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("body %s: %v", raw, err)
			}
			if res.StatusCode != tc.status || body.Code != tc.code || body.Msg != tc.msg {
				t.Fatalf("got %d %s %q, want %d %s %q", res.StatusCode, body.Code, body.Msg, tc.status, tc.code, tc.msg)
			}
			rid := res.Header.Get("X-Request-Id")
			if len(rid) != 32 || rid == "client-chosen-id" {
				t.Fatalf("X-Request-Id %q is not the gateway's", rid)
			}
			if strings.HasPrefix(tc.code, "APIG.") && body.RequestID != rid {
				t.Errorf("gateway body request_id %q, header %q", body.RequestID, rid)
			}
			rec := logs.record(rid)
			if rec == nil {
				t.Fatalf("no access-log record for %s", rid)
			}
			if rec["error_code"] != tc.code || rec["status"] != float64(tc.status) {
				t.Errorf("access log: error_code %v status %v", rec["error_code"], rec["status"])
			}
			if after := counterFor(t, s, tc.code); after != before+1 {
				t.Errorf("aisd_requests_total{error_code=%s}: %v → %v", tc.code, before, after)
			}
		})
	}
}

// newTestHTTP serves s on a loopback test server and returns its URL.
func newTestHTTP(t *testing.T, s *server.Server) string {
	t.Helper()
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}
