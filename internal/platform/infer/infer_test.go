package infer

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/catalog/catalogtest"
	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/engine/enginetest"
	pb "github.com/aisd/aisd/internal/models/onnxpb"
	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/memory"
)

// scaleModel is x [n, 2] → y = 2·x [n, 2], a graph with one dynamic
// dimension.
func scaleModel(t *testing.T) []byte {
	t.Helper()
	f := int32(pb.TensorProto_FLOAT)
	vi := func(name string) *pb.ValueInfoProto {
		return &pb.ValueInfoProto{Name: proto.String(name), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{TensorType: &pb.TypeProto_Tensor{
			ElemType: proto.Int32(f), Shape: &pb.TensorShapeProto{Dim: []*pb.TensorShapeProto_Dimension{
				{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: "n"}},
				{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: 2}},
			}}}}}}
	}
	g := &pb.GraphProto{Name: proto.String("scale"), Input: []*pb.ValueInfoProto{vi("x")}, Output: []*pb.ValueInfoProto{vi("y")},
		Initializer: []*pb.TensorProto{{Name: proto.String("two"), Dims: []int64{1}, DataType: proto.Int32(f), FloatData: []float32{2}}},
		Node:        []*pb.NodeProto{{OpType: proto.String("Mul"), Input: []string{"x", "two"}, Output: []string{"y"}}}}
	b, err := proto.Marshal(&pb.ModelProto{IrVersion: proto.Int64(7), Graph: g, OpsetImport: []*pb.OperatorSetIdProto{{Version: proto.Int64(13)}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testManager(t *testing.T) *Manager {
	t.Helper()
	root := enginetest.Init(t)
	m := New(memory.New(), Options{Dir: t.TempDir(), Runtime: engine.LibPath(root)})
	t.Cleanup(func() { m.Close() })
	return m
}

func spec(in, out TensorSpec) *ModelSpec {
	return &ModelSpec{Inputs: []TensorSpec{in}, Outputs: []TensorSpec{out}}
}

func TestCreateChecksTheSpecAgainstTheGraph(t *testing.T) {
	m := testManager(t)
	ctx := context.Background()
	model := scaleModel(t)
	for _, c := range []struct {
		name string
		s    Service
		want string
	}{
		{"bad name", Service{Name: "1x", Engine: "ocr"}, "name"},
		{"unknown engine", Service{Name: "e", Engine: "speech"}, "engine"},
		{"engine and model", Service{Name: "e", Engine: "ocr", Model: spec(TensorSpec{Name: "x"}, TensorSpec{Name: "y"})}, "not both"},
		{"unknown input", Service{Name: "m", Model: spec(TensorSpec{Name: "z"}, TensorSpec{Name: "y"})}, `no input "z"`},
		{"wrong type", Service{Name: "m", Model: spec(TensorSpec{Name: "x", DType: "int64"}, TensorSpec{Name: "y"})}, "float32 in the model"},
		{"wrong rank", Service{Name: "m", Model: spec(TensorSpec{Name: "x", Shape: []int64{2}}, TensorSpec{Name: "y"})}, "rank"},
		{"fixed dimension differs", Service{Name: "m", Model: spec(TensorSpec{Name: "x", Shape: []int64{-1, 3}}, TensorSpec{Name: "y"})}, "dimension 1"},
		{"labels do not fit", Service{Name: "m", Model: spec(TensorSpec{Name: "x"}, TensorSpec{Name: "y", Labels: []string{"a", "b", "c"}})}, "labels"},
	} {
		var b []byte
		if c.s.Model != nil {
			b = model
		}
		_, err := m.Create(ctx, c.s, b)
		if !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrSpec naming %q", c.name, err, c.want)
		}
	}
	if _, err := m.Create(ctx, Service{Name: "m", Model: spec(TensorSpec{Name: "x"}, TensorSpec{Name: "y"})}, []byte("not onnx")); !errors.Is(err, ErrSpec) {
		t.Errorf("garbage model: %v", err)
	}
}

func TestInferAndLifecycle(t *testing.T) {
	m := testManager(t)
	ctx := context.Background()
	s, err := m.Create(ctx, Service{Name: "scale", ProjectID: "p1",
		Model: spec(TensorSpec{Name: "x"}, TensorSpec{Name: "y", Labels: []string{"first", "second"}})}, scaleModel(t))
	if err != nil {
		t.Fatal(err)
	}
	if s.Model.Inputs[0].DType != "float32" || len(s.Model.Inputs[0].Shape) != 2 || s.Model.Inputs[0].Shape[0] != -1 {
		t.Fatalf("spec not completed from the graph: %+v", s.Model.Inputs[0])
	}
	resp, err := m.Infer(ctx, s, []byte(`{"inputs":{"x":{"shape":[2,2],"data":[1,2,4,3]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	y := resp.Outputs["y"]
	if len(y.Data) != 4 || y.Data[0] != 2 || y.Data[3] != 6 {
		t.Fatalf("y = %+v", y)
	}
	p := resp.Predictions["y"]
	if len(p) != 2 || p[0][0].Label != "second" || p[1][0].Label != "first" || p[1][0].Score != 8 {
		t.Fatalf("predictions %+v", p)
	}
	for body, kind := range map[string]catalog.Kind{
		`[`:             catalog.KindBadJSON,
		`{"inputs":{}}`: catalog.KindMissingParam,
		`{"inputs":{"x":{"shape":[2,3],"data":[1,2,3,4,5,6]}}}`: catalog.KindBadParam,
		`{"inputs":{"x":{"shape":[1,2],"data":[1]}}}`:           catalog.KindBadParam,
		`{"inputs":{"x":{"shape":[0,2],"data":[]}}}`:            catalog.KindBadParam,
		`{"inputs":{"x":{"shape":[1,2],"data":[1,1e300]}}}`:     catalog.KindBadParam,
	} {
		_, err := m.Infer(ctx, s, []byte(body))
		catalogtest.WantKind(t, err, kind)
	}
	// The model file is the registered one or nothing.
	m.unload(s.ID)
	if err := os.WriteFile(m.path(s.ID), scaleModel(t)[:40], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Infer(ctx, s, []byte(`{"inputs":{"x":{"shape":[1,2],"data":[1,2]}}}`)); !errors.Is(err, ErrNotLoaded) {
		t.Fatalf("tampered file: %v", err)
	}
	if st, err := m.SetState(ctx, s.ID, StateStopped); err != nil || st.State != StateStopped {
		t.Fatalf("stop: %+v %v", st, err)
	}
	if got, err := m.List(ctx, "p1"); err != nil || len(got) != 1 || got[0].State != StateStopped {
		t.Fatalf("list: %+v %v", got, err)
	}
	if got, _ := m.List(ctx, "p2"); len(got) != 0 {
		t.Fatalf("another project's list: %+v", got)
	}
	// The UUID form of the ID names the service too.
	uuid := s.ID[:8] + "-" + s.ID[8:12] + "-" + s.ID[12:16] + "-" + s.ID[16:20] + "-" + s.ID[20:]
	if !ValidID(uuid) || ValidID("xyz") {
		t.Fatal("ValidID")
	}
	if err := m.Delete(ctx, uuid); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(m.path(s.ID)); !os.IsNotExist(err) {
		t.Fatalf("model file left: %v", err)
	}
	if _, err := m.Get(ctx, s.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted service: %v", err)
	}
}
