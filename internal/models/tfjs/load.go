package tfjs

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// modelFile is the TFJS model.json container shared by both formats.
type modelFile struct {
	Format              string          `json:"format"`
	ModelTopology       json.RawMessage `json:"modelTopology"`
	WeightsManifest     []weightGroup   `json:"weightsManifest"`
	Signature           json.RawMessage `json:"signature"`
	UserDefinedMetadata json.RawMessage `json:"userDefinedMetadata"`
}

type weightGroup struct {
	Paths   []string     `json:"paths"`
	Weights []weightSpec `json:"weights"`
}

type weightSpec struct {
	Name         string     `json:"name"`
	Shape        []int64    `json:"shape"`
	Dtype        string     `json:"dtype"`
	Quantization *quantSpec `json:"quantization"`
}

type quantSpec struct {
	Dtype string   `json:"dtype"`
	Min   *float64 `json:"min"`
	Scale *float64 `json:"scale"`
}

// readModelFile reads model.json, or a browserify model.min.js whose
// module.exports is the same object written as a JS literal.
func readModelFile(path string) (*modelFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(path, ".js") {
		v, err := exportedLiteral(string(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
		}
		if raw, err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	var m modelFile
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	if len(m.ModelTopology) == 0 {
		return nil, fmt.Errorf("%s: no modelTopology", filepath.Base(path))
	}
	return &m, nil
}

// readShard returns the bytes of one weight shard. The manifest names the
// shard without the extension the packager may have added, so the plain
// name, .bin and the browserify .min.js/.js wrappers are all tried.
func readShard(dir, name string) ([]byte, error) {
	for _, cand := range []string{name, name + ".bin", name + ".min.js", name + ".js"} {
		p := filepath.Join(dir, filepath.FromSlash(cand))
		raw, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(cand, ".js") {
			v, err := exportedLiteral(string(raw))
			if err != nil {
				return nil, fmt.Errorf("shard %s: %w", cand, err)
			}
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("shard %s: module does not export a string", cand)
			}
			return base64.StdEncoding.DecodeString(s)
		}
		return raw, nil
	}
	return nil, fmt.Errorf("weight shard %q not found in %s", name, dir)
}

// loadWeights decodes every weight of the manifest into float32 or int
// tensors, dequantising uint8/uint16 (min + q*scale) and float16.
func loadWeights(dir string, groups []weightGroup) (map[string]*tensor, error) {
	out := map[string]*tensor{}
	for _, g := range groups {
		var buf []byte
		for _, p := range g.Paths {
			b, err := readShard(dir, p)
			if err != nil {
				return nil, err
			}
			buf = append(buf, b...)
		}
		off := 0
		for _, w := range g.Weights {
			t, n, err := decodeWeight(w, buf[off:])
			if err != nil {
				return nil, fmt.Errorf("weight %s: %w", w.Name, err)
			}
			off += n
			out[w.Name] = t
		}
		if off != len(buf) {
			return nil, fmt.Errorf("weight group %v: %d bytes used of %d", g.Paths, off, len(buf))
		}
	}
	return out, nil
}

func decodeWeight(w weightSpec, b []byte) (*tensor, int, error) {
	n, ok := checkedNumel(w.Shape)
	if !ok {
		return nil, 0, fmt.Errorf("shape %v is negative or too large", w.Shape)
	}
	var dt dtype
	switch w.Dtype {
	case "float32":
		dt = dtFloat
	case "int32":
		dt = dtInt32
	case "bool":
		dt = dtBool
	default:
		return nil, 0, fmt.Errorf("unsupported dtype %q", w.Dtype)
	}
	// Check the shard holds the weight before allocating for it.
	width := int64(4)
	if dt == dtBool {
		width = 1
	}
	if q := w.Quantization; q != nil {
		width = map[string]int64{"uint8": 1, "uint16": 2, "float16": 2}[q.Dtype]
		if width == 0 {
			return nil, 0, fmt.Errorf("unsupported quantisation %q", q.Dtype)
		}
	}
	if n > int64(len(b))/width {
		return nil, 0, fmt.Errorf("shard too short for shape %v", w.Shape)
	}
	t := &tensor{dt: dt, shape: append([]int64{}, w.Shape...)}
	vals := make([]float64, n)
	var size int
	q := w.Quantization
	switch {
	case q != nil && (q.Dtype == "uint8" || q.Dtype == "uint16"):
		if q.Min == nil || q.Scale == nil {
			return nil, 0, fmt.Errorf("%s quantisation without min/scale", q.Dtype)
		}
		width := 1
		if q.Dtype == "uint16" {
			width = 2
		}
		size = int(n) * width
		if len(b) < size {
			return nil, 0, fmt.Errorf("shard too short")
		}
		for k := range vals {
			var v uint16
			if width == 1 {
				v = uint16(b[k])
			} else {
				v = binary.LittleEndian.Uint16(b[2*k:])
			}
			vals[k] = float64(v)*(*q.Scale) + *q.Min
		}
	case q != nil && q.Dtype == "float16":
		size = int(n) * 2
		if len(b) < size {
			return nil, 0, fmt.Errorf("shard too short")
		}
		for k := range vals {
			vals[k] = float64(halfToFloat(binary.LittleEndian.Uint16(b[2*k:])))
		}
	case q != nil:
		return nil, 0, fmt.Errorf("unsupported quantisation %q", q.Dtype)
	default:
		width := 4
		if dt == dtBool {
			width = 1
		}
		size = int(n) * width
		if len(b) < size {
			return nil, 0, fmt.Errorf("shard too short")
		}
		for k := range vals {
			switch dt {
			case dtFloat:
				vals[k] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*k:])))
			case dtInt32:
				vals[k] = float64(int32(binary.LittleEndian.Uint32(b[4*k:])))
			default:
				vals[k] = float64(b[k])
			}
		}
	}
	if dt == dtFloat {
		t.f = make([]float32, n)
		for k, v := range vals {
			// TFJS dequantises in float32 arithmetic; round once here.
			t.f[k] = float32(v)
		}
	} else {
		t.i = make([]int64, n)
		for k, v := range vals {
			t.i[k] = int64(math.Round(v))
		}
	}
	return t, size, nil
}

// checkedNumel is the element count of a shape read from a model file, or
// false when a dimension is negative or the product overflows.
func checkedNumel(shape []int64) (int64, bool) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 || d != 0 && n > math.MaxInt32/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}
