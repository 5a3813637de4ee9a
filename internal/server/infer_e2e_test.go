package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/catalog"
	aisdcfg "github.com/aisd/aisd/internal/config"
	"github.com/aisd/aisd/internal/engine"
	pb "github.com/aisd/aisd/internal/models/onnxpb"
	"github.com/aisd/aisd/internal/sdktest"
)

// inferCall sends a request signed with the SDK's own signer to an
// inference URL and returns the status and the decoded answer.
func inferCall(t *testing.T, e *env, method, path string, body []byte, ak, sk string) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(sdktest.Signed(t, method, e.srv.URL+path, body, ak, sk, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: %d %q", method, path, resp.StatusCode, raw)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Fatalf("%s %s: no X-Request-Id", method, path)
	}
	return resp.StatusCode, out
}

// wantInferError checks an error answer: status 400, the code, and the
// code's published message in the ModelArts platform's (OCR's) wording.
func wantInferError(t *testing.T, status int, out map[string]any, code catalog.Code) {
	t.Helper()
	want := catalog.Render(catalog.New(code), catalog.FamilyOCR)
	if status != want.Status || out["error_code"] != string(code) || out["error_msg"] != want.Msg {
		t.Fatalf("got %d %v, want %d %s %q", status, out, want.Status, code, want.Msg)
	}
}

func registerService(t *testing.T, e *env, body map[string]any) string {
	t.Helper()
	var out struct {
		Service struct {
			ID    string `json:"id"`
			State string `json:"state"`
		} `json:"service"`
	}
	root := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	if err := root.Do(context.Background(), "POST", "/v1/admin/projects/"+e.s.Root.Project.ID+"/infer-services", nil, body, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Service.ID) != 32 || out.Service.State != "running" {
		t.Fatalf("%+v", out)
	}
	return out.Service.ID
}

// TestInferEngineService: an installed engine served as a ModelArts
// real-time service. Its APIs answer under /v1/infers/{service_id}/ with
// the engine's own path, behind the same authentication, policies and
// metering; the platform's refusals are the published ModelArts codes: no
// service ID (4201), a malformed one (4202), an unknown service or one of
// another account (4503), an API the service has not (4504), a stopped
// service or an engine not started (4508).
func TestInferEngineService(t *testing.T) {
	// Text moderation needs no model; the OCR engine is not started.
	e := newEnvClock(t, nil, func(c *aisdcfg.Config) { c.Engines = []string{"moderation"} })
	ctx := context.Background()
	root := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	mod := registerService(t, e, map[string]any{"name": "text-check", "engine": "moderation"})
	ocr := registerService(t, e, map[string]any{"name": "reader", "engine": "ocr"})
	text := []byte(`{"event_type":"comment","data":{"text":"hello world"}}`)

	status, out := inferCall(t, e, "POST", "/v1/infers/"+mod+"/moderation/text", text, rootAK, rootSK)
	if status != 200 || !strings.Contains(toJSON(out), `"suggestion"`) {
		t.Fatalf("engine service: %d %v", status, out)
	}
	// The service ID in ModelArts' UUID form names the same service.
	uuid := mod[:8] + "-" + mod[8:12] + "-" + mod[12:16] + "-" + mod[16:20] + "-" + mod[20:]
	if status, out = inferCall(t, e, "POST", "/v1/infers/"+uuid+"/moderation/text", text, rootAK, rootSK); status != 200 {
		t.Fatalf("UUID form: %d %v", status, out)
	}
	// The engine's own checks, in its family's codes.
	status, out = inferCall(t, e, "POST", "/v1/infers/"+mod+"/moderation/text", []byte(`{"event_type":"comment"}`), rootAK, rootSK)
	if status != 400 || out["error_code"] != "AIS.0011" {
		t.Fatalf("engine parameter check: %d %v", status, out)
	}

	status, out = inferCall(t, e, "POST", "/v1/infers", text, rootAK, rootSK)
	wantInferError(t, status, out, catalog.ModelArts4201)
	status, out = inferCall(t, e, "POST", "/v1/infers/", text, rootAK, rootSK)
	wantInferError(t, status, out, catalog.ModelArts4201)
	status, out = inferCall(t, e, "POST", "/v1/infers/not-a-service-id/moderation/text", text, rootAK, rootSK)
	wantInferError(t, status, out, catalog.ModelArts4202)
	status, out = inferCall(t, e, "POST", "/v1/infers/"+strings.Repeat("0", 32)+"/moderation/text", text, rootAK, rootSK)
	wantInferError(t, status, out, catalog.ModelArts4503)
	status, out = inferCall(t, e, "POST", "/v1/infers/"+mod+"/moderation/no-such-api", text, rootAK, rootSK)
	wantInferError(t, status, out, catalog.ModelArts4504)
	status, out = inferCall(t, e, "POST", "/v1/infers/"+ocr+"/ocr/general-text", []byte(`{"url":"https://example.invalid/a.png"}`), rootAK, rootSK)
	wantInferError(t, status, out, catalog.ModelArts4508)
	// Authentication comes first, as on every service route.
	resp, err := http.Post(e.srv.URL+"/v1/infers/"+mod+"/moderation/text", "application/json", strings.NewReader(string(text)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("unsigned: %d", resp.StatusCode)
	}
	// Another account's caller does not see the service.
	p := newPartner(t, root, "partner")
	status, out = inferCall(t, e, "POST", "/v1/infers/"+mod+"/moderation/text", text, p.ak, p.sk)
	wantInferError(t, status, out, catalog.ModelArts4503)

	// Stopped, then running again.
	svcPath := "/v1/admin/projects/" + e.s.Root.Project.ID + "/infer-services/" + mod
	if err := root.Do(ctx, "PATCH", svcPath, nil, map[string]any{"state": "stopped"}, nil); err != nil {
		t.Fatal(err)
	}
	status, out = inferCall(t, e, "POST", "/v1/infers/"+mod+"/moderation/text", text, rootAK, rootSK)
	wantInferError(t, status, out, catalog.ModelArts4508)
	if err := root.Do(ctx, "PATCH", svcPath, nil, map[string]any{"state": "running"}, nil); err != nil {
		t.Fatal(err)
	}
	if status, out = inferCall(t, e, "POST", "/v1/infers/"+mod+"/moderation/text", text, rootAK, rootSK); status != 200 {
		t.Fatalf("restarted: %d %v", status, out)
	}
	// Deleted: gone.
	if err := root.Do(ctx, "DELETE", svcPath, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	status, out = inferCall(t, e, "POST", "/v1/infers/"+mod+"/moderation/text", text, rootAK, rootSK)
	wantInferError(t, status, out, catalog.ModelArts4503)

	// The calls are metered as the engine's own API.
	var usage map[string]any
	if err := root.Do(ctx, "GET", "/v1/admin/usage", map[string][]string{"project_id": {e.s.Root.Project.ID}}, nil, &usage); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(toJSON(usage), "RunTextModeration") {
		t.Fatalf("usage %v", usage)
	}
}

// classifierModel is a small ONNX classifier: x [1, n] is reshaped to
// [1, 4] (so only n = 4 runs), multiplied by w [4, 3] and soft-maxed
// into y [1, 3].
func classifierModel(t *testing.T, w [4][3]float32) []byte {
	t.Helper()
	f := int32(pb.TensorProto_FLOAT)
	vi := func(name string, dims ...any) *pb.ValueInfoProto {
		var ds []*pb.TensorShapeProto_Dimension
		for _, d := range dims {
			switch d := d.(type) {
			case int:
				ds = append(ds, &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
			case string:
				ds = append(ds, &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: d}})
			}
		}
		return &pb.ValueInfoProto{Name: proto.String(name), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{
			ElemType: proto.Int32(f), Shape: &pb.TensorShapeProto{Dim: ds}}}}}
	}
	var wd []float32
	for _, row := range w {
		wd = append(wd, row[:]...)
	}
	g := &pb.GraphProto{Name: proto.String("classifier"),
		Input:  []*pb.ValueInfoProto{vi("x", 1, "n")},
		Output: []*pb.ValueInfoProto{vi("y", 1, 3)},
		Initializer: []*pb.TensorProto{
			{Name: proto.String("shape"), Dims: []int64{2}, DataType: proto.Int32(int32(pb.TensorProto_INT64)), Int64Data: []int64{1, 4}},
			{Name: proto.String("w"), Dims: []int64{4, 3}, DataType: proto.Int32(f), FloatData: wd},
		},
		Node: []*pb.NodeProto{
			{OpType: proto.String("Reshape"), Input: []string{"x", "shape"}, Output: []string{"x4"}},
			{OpType: proto.String("MatMul"), Input: []string{"x4", "w"}, Output: []string{"logits"}},
			{OpType: proto.String("Softmax"), Input: []string{"logits"}, Output: []string{"y"},
				Attribute: []*pb.AttributeProto{{Name: proto.String("axis"), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(1)}}},
		},
	}
	m := &pb.ModelProto{IrVersion: proto.Int64(7), Graph: g, OpsetImport: []*pb.OperatorSetIdProto{{Version: proto.Int64(13)}}}
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInferRegisteredModel: an operator registers an ONNX classifier with
// its input and output specification through the admin API, and the
// project calls it at /v1/infers/{service_id}: the engine's scores, the
// labels ranked. Inputs that do not fit the spec are parameter errors
// (AIS.0101); inputs that fit the spec but that the graph cannot run on
// (x of 5 values, which the model's Reshape refuses) are the engine's
// failure on the request, OCR's AIS.0105 in the platform's dialect.
func TestInferRegisteredModel(t *testing.T) {
	e := newEnvClock(t, nil, nil)
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(engine.LibPath(root)); err != nil {
		requireOrSkip(t, "ONNX Runtime not installed (aisd models install onnxruntime)")
	}
	w := [4][3]float32{{1, 0, 0}, {0, 2, 0}, {0, 0, 3}, {1, 1, 1}}
	model := base64.StdEncoding.EncodeToString(classifierModel(t, w))
	labels := []string{"cat", "dog", "bird"}
	adm := &admin.Client{Endpoint: e.srv.URL, AK: rootAK, SK: rootSK}
	services := "/v1/admin/projects/" + e.s.Root.Project.ID + "/infer-services"
	// A spec that does not fit the graph is refused at registration.
	err = adm.Do(context.Background(), "POST", services, nil, map[string]any{"name": "bad", "model": map[string]any{
		"onnx": model, "inputs": []any{map[string]any{"name": "z", "shape": []int{1, -1}}}, "outputs": []any{map[string]any{"name": "y"}}}}, nil)
	if ae, ok := err.(*admin.APIError); !ok || ae.Code != "AIP.0016" || !strings.Contains(ae.Msg, `no input "z"`) {
		t.Fatalf("bad spec: %v", err)
	}
	id := registerService(t, e, map[string]any{"name": "animals", "model": map[string]any{
		"onnx":    model,
		"inputs":  []any{map[string]any{"name": "x", "dtype": "float32", "shape": []int{1, -1}}},
		"outputs": []any{map[string]any{"name": "y", "labels": labels}},
	}})

	x := []float64{0.5, 0.1, 0.2, 0.3}
	status, out := inferCall(t, e, "POST", "/v1/infers/"+id, []byte(`{"inputs":{"x":{"shape":[1,4],"data":[0.5,0.1,0.2,0.3]}}}`), rootAK, rootSK)
	if status != 200 {
		t.Fatalf("%d %v", status, out)
	}
	// The softmax of x·w, computed here.
	var logits [3]float64
	for j := range logits {
		for i := range x {
			logits[j] += x[i] * float64(w[i][j])
		}
	}
	var sum float64
	for _, l := range logits {
		sum += math.Exp(l)
	}
	var got struct {
		Outputs map[string]struct {
			Shape []int64   `json:"shape"`
			Data  []float64 `json:"data"`
		} `json:"outputs"`
		Predictions map[string][][]struct {
			Label string  `json:"label"`
			Score float64 `json:"score"`
		} `json:"predictions"`
	}
	if err := json.Unmarshal([]byte(toJSON(out)), &got); err != nil {
		t.Fatal(err)
	}
	y := got.Outputs["y"]
	if len(y.Shape) != 2 || y.Shape[1] != 3 || len(y.Data) != 3 {
		t.Fatalf("output %+v", y)
	}
	for j := range logits {
		if want := math.Exp(logits[j]) / sum; math.Abs(y.Data[j]-want) > 1e-5 {
			t.Fatalf("y[%d] = %v, want %v", j, y.Data[j], want)
		}
	}
	ranked := got.Predictions["y"]
	if len(ranked) != 1 || len(ranked[0]) != 3 || ranked[0][0].Label != "bird" || ranked[0][2].Label != "dog" {
		t.Fatalf("predictions %+v (scores %v)", ranked, y.Data)
	}

	for _, c := range []struct {
		name, body string
		code       string
	}{
		{"not json", `{"inputs":`, "ModelArts.4105"},
		{"no inputs", `{}`, "AIS.0101"},
		{"unknown input", `{"inputs":{"x":{"shape":[1,4],"data":[1,2,3,4]},"q":{"shape":[1],"data":[1]}}}`, "AIS.0101"},
		{"wrong rank", `{"inputs":{"x":{"shape":[4],"data":[1,2,3,4]}}}`, "AIS.0101"},
		{"shape and data disagree", `{"inputs":{"x":{"shape":[1,4],"data":[1,2,3]}}}`, "AIS.0101"},
		{"graph refuses the shape", `{"inputs":{"x":{"shape":[1,5],"data":[1,2,3,4,5]}}}`, "AIS.0105"},
	} {
		status, out := inferCall(t, e, "POST", "/v1/infers/"+id, []byte(c.body), rootAK, rootSK)
		if status != 400 || out["error_code"] != c.code {
			t.Fatalf("%s: %d %v, want %s", c.name, status, out, c.code)
		}
		if c.code == "AIS.0105" {
			if want := catalog.Render(catalog.E(catalog.KindRecognition), catalog.FamilyOCR).Msg; out["error_msg"] != want {
				t.Fatalf("%s: message %v, want %q", c.name, out["error_msg"], want)
			}
		}
	}
	status, out = inferCall(t, e, "POST", "/v1/infers/"+id+"/predict", []byte(`{}`), rootAK, rootSK)
	wantInferError(t, status, out, catalog.ModelArts4504)

	var usage map[string]any
	if err := adm.Do(context.Background(), "GET", "/v1/admin/usage", map[string][]string{"project_id": {e.s.Root.Project.ID}}, nil, &usage); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(toJSON(usage), "RunInference") {
		t.Fatalf("usage %v", usage)
	}
}
