package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// setup initialises ONNX Runtime from the models root, skipping when the
// runtime is not installed unless AISD_REQUIRE_MODELS=1.
func setup(t testing.TB) string {
	t.Helper()
	root, err := ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	lib := LibPath(root)
	if _, err := os.Stat(lib); err != nil {
		if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
			t.Fatalf("ONNX Runtime missing: %v", err)
		}
		t.Skipf("ONNX Runtime not installed at %s (run aisd models install)", lib)
	}
	if err := Init(lib); err != nil {
		t.Fatal(err)
	}
	return root
}

// The test model is encoded by hand so the test needs no model download:
// sum = a + b (float32, dynamic length), y = Identity(x) (int64).
func testModel(t testing.TB) string {
	t.Helper()
	str := func(b []byte, f protowire.Number, s string) []byte {
		b = protowire.AppendTag(b, f, protowire.BytesType)
		return protowire.AppendString(b, s)
	}
	msg := func(b []byte, f protowire.Number, m []byte) []byte {
		b = protowire.AppendTag(b, f, protowire.BytesType)
		return protowire.AppendBytes(b, m)
	}
	varint := func(b []byte, f protowire.Number, v uint64) []byte {
		b = protowire.AppendTag(b, f, protowire.VarintType)
		return protowire.AppendVarint(b, v)
	}
	valueInfo := func(name string, elem uint64, dim string) []byte {
		d := str(nil, 2, dim)                 // Dimension.dim_param
		shape := msg(nil, 1, d)               // TensorShapeProto.dim
		tt := varint(nil, 1, elem)            // Tensor.elem_type
		tt = msg(tt, 2, shape)                // Tensor.shape
		typ := msg(nil, 1, tt)                // TypeProto.tensor_type
		return msg(str(nil, 1, name), 2, typ) // ValueInfoProto
	}
	node := func(op string, in []string, out string) []byte {
		var n []byte
		for _, i := range in {
			n = str(n, 1, i)
		}
		n = str(n, 2, out)
		return str(n, 4, op)
	}
	var g []byte
	g = msg(g, 1, node("Add", []string{"a", "b"}, "sum"))
	g = msg(g, 1, node("Identity", []string{"x"}, "y"))
	g = str(g, 2, "test")
	g = msg(g, 11, valueInfo("a", 1, "N"))
	g = msg(g, 11, valueInfo("b", 1, "N"))
	g = msg(g, 11, valueInfo("x", 7, "M"))
	g = msg(g, 12, valueInfo("sum", 1, "N"))
	g = msg(g, 12, valueInfo("y", 7, "M"))
	var m []byte
	m = varint(m, 1, 8) // ir_version
	m = msg(m, 7, g)
	m = msg(m, 8, varint(nil, 2, 13)) // opset_import: default domain, 13
	p := filepath.Join(t.TempDir(), "add.onnx")
	if err := os.WriteFile(p, m, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestModelRun(t *testing.T) {
	setup(t)
	m, err := Open(testModel(t), Options{PoolSize: 2, IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	names := func(io []IOInfo) []string {
		var s []string
		for _, v := range io {
			s = append(s, v.Name)
		}
		return s
	}
	if got := names(m.Inputs()); !slices.Equal(got, []string{"a", "b", "x"}) {
		t.Fatalf("inputs %v", got)
	}
	if got := names(m.Outputs()); !slices.Equal(got, []string{"sum", "y"}) {
		t.Fatalf("outputs %v", got)
	}
	if in := m.Inputs()[0]; in.Type != "float32" || !slices.Equal(in.Shape, []int64{-1}) {
		t.Fatalf("input a: %+v", in)
	}

	before := m.Usage()
	// Named inputs in any order.
	out, err := m.Run(context.Background(), []Tensor{
		{Name: "x", Shape: []int64{2}, Int64: []int64{7, -9}},
		{Name: "b", Shape: []int64{3}, Data: []float32{10, 20, 30}},
		{Name: "a", Shape: []int64{3}, Data: []float32{1, 2, 3}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Name != "sum" || !slices.Equal(out[0].Data, []float32{11, 22, 33}) || !slices.Equal(out[0].Shape, []int64{3}) {
		t.Fatalf("sum = %+v", out[0])
	}
	if out[1].Name != "y" || !slices.Equal(out[1].Int64, []int64{7, -9}) {
		t.Fatalf("y = %+v", out[1])
	}
	if u := m.Usage(); u.Runs != before.Runs+1 || u.Busy <= before.Busy {
		t.Fatalf("usage not counted: %+v -> %+v", before, u)
	}
	if TotalUsage().Runs < 1 {
		t.Fatal("total usage not counted")
	}

	bad := []struct {
		name string
		in   []Tensor
	}{
		{"too few inputs", []Tensor{{Name: "a", Shape: []int64{1}, Data: []float32{1}}}},
		{"unknown name", []Tensor{{Name: "a", Shape: []int64{1}, Data: []float32{1}}, {Name: "q", Shape: []int64{1}, Data: []float32{1}}, {Name: "x", Shape: []int64{1}, Int64: []int64{1}}}},
		{"shape mismatch", []Tensor{{Shape: []int64{2}, Data: []float32{1}}, {Shape: []int64{1}, Data: []float32{1}}, {Shape: []int64{1}, Int64: []int64{1}}}},
		{"runtime broadcast error", []Tensor{{Shape: []int64{2}, Data: []float32{1, 2}}, {Shape: []int64{3}, Data: []float32{1, 2, 3}}, {Shape: []int64{1}, Int64: []int64{1}}}},
		{"wrong dtype", []Tensor{{Shape: []int64{1}, Data: []float32{1}}, {Shape: []int64{1}, Data: []float32{1}}, {Shape: []int64{1}, Data: []float32{1}}}},
	}
	for _, c := range bad {
		if _, err := m.Run(context.Background(), c.in); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func TestConcurrentRunsAndClose(t *testing.T) {
	setup(t)
	m, err := Open(testModel(t), Options{PoolSize: 2, IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				v := float32(g*100 + i)
				out, err := m.Run(context.Background(), []Tensor{
					{Shape: []int64{1}, Data: []float32{v}},
					{Shape: []int64{1}, Data: []float32{1}},
					{Shape: []int64{1}, Int64: []int64{int64(g)}},
				})
				if err != nil {
					errs <- err
					return
				}
				if out[0].Data[0] != v+1 || out[1].Int64[0] != int64(g) {
					errs <- errors.New("mixed-up result between concurrent runs")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	_, err = m.Run(context.Background(), []Tensor{{Shape: []int64{1}, Data: []float32{1}}, {Shape: []int64{1}, Data: []float32{1}}, {Shape: []int64{1}, Int64: []int64{1}}})
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("run after close: %v", err)
	}
}

func TestCancelledContextWaitingForSession(t *testing.T) {
	setup(t)
	m, err := Open(testModel(t), Options{PoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := <-m.pool // hold the only session
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = m.Run(ctx, []Tensor{{Shape: []int64{1}, Data: []float32{1}}, {Shape: []int64{1}, Data: []float32{1}}, {Shape: []int64{1}, Int64: []int64{1}}})
	m.pool <- s
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestInitErrors(t *testing.T) {
	setup(t)
	if err := Init("/nonexistent/libonnxruntime.so.1"); err == nil {
		t.Fatal("re-init with another path accepted")
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.onnx"), Options{}); err == nil {
		t.Fatal("missing model opened")
	}
}

// RunInto writes a caller-owned output in place and still allocates the
// outputs it was not given; a buffer of the wrong shape is an error.
func TestRunInto(t *testing.T) {
	setup(t)
	data, err := os.ReadFile(testModel(t))
	if err != nil {
		t.Fatal(err)
	}
	m, err := OpenData("add.onnx", data, Options{IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	in := []Tensor{
		{Name: "a", Shape: []int64{3}, Data: []float32{1, 2, 3}},
		{Name: "b", Shape: []int64{3}, Data: []float32{10, 20, 30}},
		{Name: "x", Shape: []int64{1}, Int64: []int64{5}},
	}
	buf := make([]float32, 3)
	out, err := m.RunInto(context.Background(), in, []Tensor{{Shape: []int64{3}, Data: buf}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(buf, []float32{11, 22, 33}) || &out[0].Data[0] != &buf[0] || out[0].Name != "sum" {
		t.Fatalf("sum not written in place: buf %v, out %+v", buf, out[0])
	}
	if !slices.Equal(out[1].Int64, []int64{5}) {
		t.Fatalf("y = %+v", out[1])
	}
	if _, err := m.RunInto(context.Background(), in, []Tensor{{Shape: []int64{4}, Data: make([]float32, 4)}}); err == nil {
		t.Fatal("an output buffer of the wrong shape was accepted")
	}
	if _, err := m.RunInto(context.Background(), in, make([]Tensor, 3)); err == nil {
		t.Fatal("more output buffers than outputs were accepted")
	}
}
