package infer

import (
	"testing"

	"github.com/aisd/aisd/internal/catalog"
)

// FuzzTensors: any call body is refused with a catalog error, or gives
// exactly the declared inputs, each with as many values as its shape holds
// and no dimension the service does not take.
func FuzzTensors(f *testing.F) {
	s := Service{Model: &ModelSpec{Inputs: []TensorSpec{{Name: "x", Shape: []int64{-1, 3}}}}}
	for _, seed := range []string{
		`{"inputs":{"x":{"shape":[2,3],"data":[1,2,3,4,5,6]}}}`,
		`{"inputs":{"x":{"shape":[4611686018427387904,3],"data":[]}}}`,
		`{"inputs":{"x":{"shape":[0,3],"data":[]}},"y":1}`,
		`{"inputs":{"y":{"shape":[1,3],"data":[1,2,3]}}}`,
		`{"inputs":{}}`, `[]`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ins, err := s.tensors(body)
		if err != nil {
			if _, ok := catalog.From(err); !ok {
				t.Fatalf("refusal outside the catalog: %v", err)
			}
			return
		}
		if len(ins) != 1 || ins[0].Name != "x" || len(ins[0].Shape) != 2 || ins[0].Shape[1] != 3 {
			t.Fatalf("inputs %+v for %s", ins, body)
		}
		n := int64(1)
		for _, d := range ins[0].Shape {
			if d <= 0 {
				t.Fatalf("dimension %d accepted", d)
			}
			n *= d
		}
		if n != int64(len(ins[0].Data)) || n > maxElements {
			t.Fatalf("shape %v with %d values accepted", ins[0].Shape, len(ins[0].Data))
		}
	})
}
