package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ocrmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/catalog"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/platform/infer"
	"github.com/aisd/aisd/internal/platform/workers"
	"github.com/aisd/aisd/internal/sdktest"
	"github.com/aisd/aisd/internal/server"
)

const testWorkerKey = "00112233445566778899aabbccddeeff"

// shared is what a worker and its replicas have in common: the store and
// the object store.
type shared struct{ dsn, obsDir string }

func newShared(t *testing.T) shared {
	dir := t.TempDir()
	return shared{dsn: "sqlite:" + filepath.Join(dir, "aisd.db"), obsDir: filepath.Join(dir, "obs")}
}

// startWorker runs an inference worker on a loopback port.
func startWorker(t *testing.T, sh shared, key string, engines ...string) (*server.Worker, *httptest.Server) {
	t.Helper()
	cfg := aisdcfg.Default()
	cfg.DataDir = t.TempDir()
	cfg.DSN, cfg.OBSDir = sh.dsn, sh.obsDir
	cfg.ModelsDir = modelsDir()
	cfg.Engines = engines
	cfg.WorkerKey = key
	w, err := server.NewWorker(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(func() { srv.Close(); w.Close() })
	return w, srv
}

// forwarding is a replica that runs no model and forwards every engine's
// calls to the workers at urls.
func forwarding(t *testing.T, sh shared, key string, mutate func(*aisdcfg.Config), urls ...string) *env {
	return newEnv(t, func(c *aisdcfg.Config) {
		c.DSN, c.OBSDir = sh.dsn, sh.obsDir
		c.ServerKey = strings.Repeat("5a", 32) // replicas of one database share it
		c.Engines = []string{"ocr", "image", "moderation"}
		c.Workers, c.WorkerKey = urls, key
		if mutate != nil {
			mutate(c)
		}
	})
}

// wordsHandler answers RecognizeGeneralText with the words given.
func wordsHandler(words string) api.Handler {
	return func(ctx context.Context, c *api.Call) (any, error) {
		return map[string]any{"result": map[string]any{"words_block_count": 1,
			"words_block_list": []any{map[string]any{"words": words + " for " + c.ProjectID}}}}, nil
	}
}

// The OCR models run in the worker: the replica, which loaded none,
// answers what the in-process engine answers, for an inline image and for
// one in the shared object store.
func TestWorkerRunsOCR(t *testing.T) {
	sh := newShared(t)
	w, ws := startWorker(t, sh, testWorkerKey, "ocr")
	if len(w.Engines()) == 0 {
		if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
			t.Fatal("OCR engine not loaded in the worker although AISD_REQUIRE_MODELS=1")
		}
		t.Skip("OCR models not installed (run: make models)")
	}
	e := forwarding(t, sh, testWorkerKey, nil, ws.URL)
	if e.s.OCR != nil {
		t.Fatal("the forwarding replica loaded the OCR engine itself")
	}
	raw, err := os.ReadFile("../services/ocr/testdata/zh_bold_plain.png")
	if err != nil {
		t.Fatal(err)
	}
	pid := e.s.Root.Project.ID
	if err := e.s.OBS.CreateBucket(context.Background(), pid, "scans"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.OBS.Put(context.Background(), "scans", "a.png", strings.NewReader(string(raw)), int64(len(raw)), "image/png"); err != nil {
		t.Fatal(err)
	}
	b64, ref := base64.StdEncoding.EncodeToString(raw), "obs://scans/a.png"
	for _, body := range []*ocrmodel.GeneralTextRequestBody{{Image: &b64}, {Url: &ref}} {
		resp, err := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, pid).RecognizeGeneralText(&ocrmodel.RecognizeGeneralTextRequest{Body: body})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, w := range resp.Result.WordsBlockList {
			got = append(got, w.Words)
		}
		if strings.Join(got, "|") != "欢迎使用文字识别服务|今天天气很好，适合出门散步。" {
			t.Fatalf("read %q", got)
		}
	}
	// An image the engine refuses is answered with the engine's code,
	// rendered by the replica as if in-process.
	tiny := base64.StdEncoding.EncodeToString(pngOf(10, 10))
	_, err = sdktest.OCR(t, e.srv.URL, rootAK, rootSK, pid).RecognizeGeneralText(&ocrmodel.RecognizeGeneralTextRequest{
		Body: &ocrmodel.GeneralTextRequestBody{Image: &tiny}})
	if se := sdktest.ErrOf(t, err); se.StatusCode != 400 || se.ErrorCode != "AIS.0103" {
		t.Fatalf("tiny image through the worker: %+v", se)
	}
}

// brokenWorker is a worker as a replica sees one that misbehaves: its
// health and tokens are a real worker's, its calls are answered by call.
func brokenWorker(t *testing.T, call http.HandlerFunc) *httptest.Server {
	t.Helper()
	real := workers.NewServer(workers.ServerOptions{Key: mustKey(t), Engines: []string{"ocr"},
		Handlers: map[string]api.Handler{"RecognizeGeneralText": wordsHandler("unused")}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, workers.PathCalls) {
			io.Copy(io.Discard, r.Body)
			call(w, r)
			return
		}
		real.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func mustKey(t *testing.T) []byte {
	k, err := workers.ParseKey(testWorkerKey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Each platform code of the forwarding hop arises from its condition,
// seen through the SDK: ModelArts.4503 (no worker serves the service),
// ModelArts.4506 (its workers lack the API's sub-service), ModelArts.4504
// (the worker has no such API), ModelArts.4302 (worker unreachable or the
// connection reset mid-call), ModelArts.4502 (a garbage or truncated
// answer), ModelArts.4301 (no inter-service token: keys differ),
// ModelArts.4402 (the worker overran the deadline) and ModelArts.4403
// (the breaker opened after repeated failures).
func TestWorkerBackEndCodes(t *testing.T) {
	sh := newShared(t)
	w, ws := startWorker(t, sh, testWorkerKey)
	w.Handle("RecognizeGeneralText", wordsHandler("from the worker"))
	w.Handle("RecognizeIdCard", func(ctx context.Context, c *api.Call) (any, error) {
		select { // slow: over the replica's 300 ms back-end deadline
		case <-time.After(2 * time.Second):
		case <-ctx.Done():
		}
		return nil, ctx.Err()
	})
	e := forwarding(t, sh, testWorkerKey, func(c *aisdcfg.Config) { c.BackendTimeout = 300 * time.Millisecond }, ws.URL)
	pid := e.s.Root.Project.ID
	ocrCli := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, pid)
	code := func(err error) string {
		t.Helper()
		se := sdktest.ErrOf(t, err)
		if se.StatusCode != 400 {
			t.Fatalf("status %d, want 400: %+v", se.StatusCode, se)
		}
		return se.ErrorCode
	}

	resp, err := ocrCli.RecognizeGeneralText(generalText())
	if err != nil || resp.Result.WordsBlockList[0].Words != "from the worker for "+pid {
		t.Fatalf("forwarded call: %v %+v", err, resp)
	}
	if _, err := sdktest.Image(t, e.srv.URL, rootAK, rootSK, pid).RunImageTagging(tagReq()); code(err) != "ModelArts.4503" {
		t.Fatalf("image API with no image worker: %s", code(err))
	}
	img, side := "aGVsbG8=", "front"
	if _, err := ocrCli.RecognizeIdCard(&ocrmodel.RecognizeIdCardRequest{Body: &ocrmodel.IdCardRequestBody{Image: &img, Side: &side}}); code(err) != "ModelArts.4402" {
		t.Fatalf("slow worker: %s", code(err))
	}
	bank := &ocrmodel.RecognizeBankcardRequest{Body: &ocrmodel.BankcardRequestBody{Image: &img}}
	if _, err := ocrCli.RecognizeBankcard(bank); code(err) != "ModelArts.4506" {
		t.Fatalf("API the OCR workers lack: %s", code(err))
	}

	// Another replica whose key the worker does not share gets no token.
	other := forwarding(t, sh, strings.Repeat("ee", 16), nil, ws.URL)
	if _, err := sdktest.OCR(t, other.srv.URL, rootAK, rootSK, pid).RecognizeGeneralText(generalText()); code(err) != "ModelArts.4301" {
		t.Fatalf("wrong worker key: %s", code(err))
	}

	// Broken workers, each the only one of its replica.
	broken := []struct {
		name, want string
		call       http.HandlerFunc
	}{
		{"no such API", "ModelArts.4504", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }},
		{"garbage", "ModelArts.4502", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(workers.HeaderOutcome, "ok")
			w.Write([]byte("<html>proxy error</html>"))
		}},
		{"truncated", "ModelArts.4502", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(workers.HeaderOutcome, "ok")
			w.Header().Set("Content-Length", "100")
			w.Write([]byte(`{"result":{"words_`))
			w.(http.Flusher).Flush()
			hijackClose(t, w)
		}},
		{"unknown error code", "ModelArts.4502", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(workers.HeaderOutcome, "error")
			w.Write([]byte(`{"code":"NOPE.0001"}`))
		}},
		{"reset mid-call", "ModelArts.4302", func(w http.ResponseWriter, r *http.Request) { hijackClose(t, w) }},
	}
	for _, b := range broken {
		bw := brokenWorker(t, b.call)
		be := forwarding(t, sh, testWorkerKey, nil, bw.URL)
		_, err := sdktest.OCR(t, be.srv.URL, rootAK, rootSK, pid).RecognizeGeneralText(generalText())
		if got := code(err); got != b.want {
			t.Errorf("%s: %s, want %s", b.name, got, b.want)
		}
	}

	// The breaker opens after repeated garbage: ModelArts.4403 without a
	// call reaching the worker.
	var calls atomic.Int32
	bw := brokenWorker(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set(workers.HeaderOutcome, "ok")
		w.Write([]byte("not json"))
	})
	be := forwarding(t, sh, testWorkerKey, nil, bw.URL)
	bcli := sdktest.OCR(t, be.srv.URL, rootAK, rootSK, pid)
	var codes []string
	for i := 0; i < 25; i++ {
		_, err := bcli.RecognizeGeneralText(generalText())
		codes = append(codes, code(err))
	}
	if codes[0] != "ModelArts.4502" || codes[len(codes)-1] != "ModelArts.4403" || calls.Load() >= 25 {
		t.Fatalf("25 calls to a worker answering garbage: %v (%d reached it)", codes, calls.Load())
	}

	// The worker stops: unreachable.
	ws.Close()
	if _, err := ocrCli.RecognizeGeneralText(generalText()); code(err) != "ModelArts.4302" {
		t.Fatalf("stopped worker: %s", code(err))
	}
}

// hijackClose drops the connection under a call.
func hijackClose(t *testing.T, w http.ResponseWriter) {
	c, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0) // RST, not FIN
	}
	c.Close()
}

// Calls spread over two workers by load, and when one stops the other
// takes every call; /readyz reports the workers.
func TestWorkersBalanceAndFailOver(t *testing.T) {
	sh := newShared(t)
	w1, ws1 := startWorker(t, sh, testWorkerKey)
	w2, ws2 := startWorker(t, sh, testWorkerKey)
	w1.Handle("RecognizeGeneralText", wordsHandler("w1"))
	w2.Handle("RecognizeGeneralText", wordsHandler("w2"))
	e := forwarding(t, sh, testWorkerKey, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"} }, ws1.URL, ws2.URL)
	cli := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, e.s.Root.Project.ID)
	by := map[string]int{}
	for i := 0; i < 10; i++ {
		resp, err := cli.RecognizeGeneralText(generalText())
		if err != nil {
			t.Fatal(err)
		}
		by[strings.Fields(resp.Result.WordsBlockList[0].Words)[0]]++
	}
	if by["w1"] == 0 || by["w2"] == 0 {
		t.Fatalf("10 calls, one at a time: %v", by)
	}
	if st, body := readyz(t, e); st != 200 {
		t.Fatalf("readyz with both workers up: %d %s", st, body)
	}
	ws1.Close()
	for i := 0; i < 5; i++ {
		resp, err := cli.RecognizeGeneralText(generalText())
		if i == 0 && err != nil {
			// The first call may find w1's connection gone mid-call.
			continue
		}
		if err != nil || !strings.HasPrefix(resp.Result.WordsBlockList[0].Words, "w2 ") {
			t.Fatalf("call %d after w1 stopped: %v %+v", i, err, resp)
		}
	}
	ws2.Close()
	e.s.Workers().Probe(context.Background())
	if st, body := readyz(t, e); st != 503 || !strings.Contains(body, "workers:ocr") {
		t.Fatalf("readyz with no worker: %d %s", st, body)
	}
}

func readyz(t *testing.T, e *env) (int, string) {
	t.Helper()
	resp, err := http.Get(e.srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if json.Unmarshal(b, &v) != nil {
		return resp.StatusCode, fmt.Sprintf("not JSON: %s", b)
	}
	return resp.StatusCode, string(b)
}

// With `workers: [discover]` a replica forwards to the workers registered
// in the store it shares with them: a worker that starts serving is
// called, and once it shuts down (its entry removed) the replica answers
// ModelArts.4503, no worker serving the engine.
func TestWorkersDiscoveredInStore(t *testing.T) {
	sh := newShared(t)
	w, _ := startWorker(t, sh, testWorkerKey)
	w.Handle("RecognizeGeneralText", wordsHandler("discovered"))
	e := forwarding(t, sh, testWorkerKey, nil, aisdcfg.WorkersDiscover)
	pid := e.s.Root.Project.ID
	cli := sdktest.OCR(t, e.srv.URL, rootAK, rootSK, pid)
	if _, err := cli.RecognizeGeneralText(generalText()); sdktest.ErrOf(t, err).ErrorCode != "ModelArts.4503" {
		t.Fatalf("before any worker registered: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- w.Serve(ctx, "127.0.0.1:0", nil) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		e.s.Workers().Probe(context.Background()) // the probe round that discovers, without waiting for its tick
		resp, err := cli.RecognizeGeneralText(generalText())
		if err == nil {
			if got := resp.Result.WordsBlockList[0].Words; got != "discovered for "+pid {
				t.Fatalf("answer %q", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the registered worker was never called: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	e.s.Workers().Probe(context.Background())
	if _, err := cli.RecognizeGeneralText(generalText()); sdktest.ErrOf(t, err).ErrorCode != "ModelArts.4503" {
		t.Fatalf("after the worker shut down: %v", err)
	}
}

// A forwarding replica refuses to register a model service (AIP.0016 with
// the reason): the model's file would stay on that replica's disk, so it
// would run there only while the other replicas of the store answered
// ModelArts.4508 for it. An engine service is shared like the engine's
// own routes: registered on one replica, its calls answer on another,
// from the worker.
func TestForwardingReplicaInferServices(t *testing.T) {
	sh := newShared(t)
	w, ws := startWorker(t, sh, testWorkerKey)
	w.Handle("RecognizeGeneralText", wordsHandler("worker"))
	a := forwarding(t, sh, testWorkerKey, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"} }, ws.URL)
	b := forwarding(t, sh, testWorkerKey, func(c *aisdcfg.Config) { c.Engines = []string{"ocr"} }, ws.URL)
	services := "/v1/admin/projects/" + a.s.Root.Project.ID + "/infer-services"
	adm := &admin.Client{Endpoint: a.srv.URL, AK: rootAK, SK: rootSK}
	model := base64.StdEncoding.EncodeToString(classifierModel(t, [4][3]float32{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 1}}))
	err := adm.Do(context.Background(), "POST", services, nil, map[string]any{"name": "animals", "model": map[string]any{
		"onnx":    model,
		"inputs":  []any{map[string]any{"name": "x", "dtype": "float32", "shape": []int{1, -1}}},
		"outputs": []any{map[string]any{"name": "y"}},
	}}, nil)
	wantMsg := catalog.Render(catalog.New(catalog.AIP0016, infer.ForwardingMsg), catalog.FamilyAIP).Msg
	if ae, ok := err.(*admin.APIError); !ok || ae.Status != 400 || ae.Code != "AIP.0016" || ae.Msg != wantMsg {
		t.Fatalf("model service on a forwarding replica: %v, want 400 AIP.0016 %q", err, wantMsg)
	}
	var list struct {
		Services []map[string]any `json:"services"`
	}
	if err := adm.Do(context.Background(), "GET", services, nil, nil, &list); err != nil || len(list.Services) != 0 {
		t.Fatalf("services after the refusal: %v %v", err, list.Services)
	}

	id := registerService(t, a, map[string]any{"name": "reader", "engine": "ocr"})
	status, out := inferCall(t, b, "POST", "/v1/infers/"+id+"/ocr/general-text", []byte(`{"image":"aGVsbG8="}`), rootAK, rootSK)
	if status != 200 || !strings.Contains(toJSON(out), "worker for "+a.s.Root.Project.ID) {
		t.Fatalf("engine service registered on replica A, called on B: %d %v", status, out)
	}
}
