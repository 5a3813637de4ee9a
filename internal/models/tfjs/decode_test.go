package tfjs

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseJSValue(t *testing.T) {
	cases := []struct {
		src  string
		want any
	}{
		{`{a:1,"b":"x",c:[!0,!1,null]}`, map[string]any{"a": 1.0, "b": "x", "c": []any{true, false, nil}}},
		{`[.5,-.25,1963169733975448e-20,3E2]`, []any{0.5, -0.25, 1963169733975448e-20, 300.0}},
		{`{k:'single',e:"q\"\\n\u0041"}`, map[string]any{"k": "single", "e": "q\"\\nA"}},
		{`{ nested : { deep : [ [ 1 ] ] } , }`, map[string]any{"nested": map[string]any{"deep": []any{[]any{1.0}}}}},
		{`{1:"numeric key"}`, map[string]any{"1": "numeric key"}},
	}
	for _, c := range cases {
		got, _, err := parseJSValue(c.src, 0)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.src, got, c.want)
		}
	}
	for _, bad := range []string{`{a:}`, `[1,`, `{a 1}`, `"open`, `!x`} {
		if _, _, err := parseJSValue(bad, 0); err == nil {
			t.Errorf("%s: parsed without error", bad)
		}
	}
}

func TestExportedLiteral(t *testing.T) {
	// The shape of a browserify bundle: the UMD prelude assigns
	// module.exports=e() before the module body's a.exports={...}.
	src := `!function(e){"object"==typeof exports&&"undefined"!=typeof module?module.exports=e():0}(function(){return function(){}({1:[function(e,a,n){a.exports={modelTopology:{x:!0},weightsManifest:[]}},{}]},{},[1])(1)});`
	v, err := exportedLiteral(src)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := v.(map[string]any)
	if m == nil || !reflect.DeepEqual(m["modelTopology"], map[string]any{"x": true}) {
		t.Fatalf("got %#v", v)
	}
	if _, err := exportedLiteral("var x = 1;"); err == nil {
		t.Error("no exports: want an error")
	}
}

func TestHalfToFloat(t *testing.T) {
	cases := []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x3555, 0.33325195},
		{0x7bff, 65504}, {0x0001, 5.9604645e-08}, {0x03ff, 6.0975552e-05},
		{0x7c00, float32(math.Inf(1))},
	}
	for _, c := range cases {
		if got := halfToFloat(c.h); got != c.want {
			t.Errorf("halfToFloat(%#04x) = %v, want %v", c.h, got, c.want)
		}
	}
	if !math.IsNaN(float64(halfToFloat(0x7e00))) {
		t.Error("0x7e00 should be NaN")
	}
	if got := halfToFloat(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("0x8000 = %v, want -0", got)
	}
}

func TestDecodeWeight(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	f32 := binary.LittleEndian.AppendUint32(nil, math.Float32bits(1.5))
	f32 = binary.LittleEndian.AppendUint32(f32, math.Float32bits(-2))
	i32 := binary.LittleEndian.AppendUint32(nil, uint32(0xffffffff))
	i32 = binary.LittleEndian.AppendUint32(i32, 7)
	cases := []struct {
		name string
		spec weightSpec
		data []byte
		size int
		f    []float32
		i    []int64
	}{
		{"float32", weightSpec{Shape: []int64{2}, Dtype: "float32"}, f32, 8, []float32{1.5, -2}, nil},
		{"int32", weightSpec{Shape: []int64{2}, Dtype: "int32"}, i32, 8, nil, []int64{-1, 7}},
		{"uint8 min/scale", weightSpec{Shape: []int64{3}, Dtype: "float32", Quantization: &quantSpec{Dtype: "uint8", Min: f(-1), Scale: f(0.5)}},
			[]byte{0, 2, 255, 99}, 3, []float32{-1, 0, 126.5}, nil},
		{"uint16 min/scale", weightSpec{Shape: []int64{1}, Dtype: "float32", Quantization: &quantSpec{Dtype: "uint16", Min: f(0), Scale: f(0.25)}},
			[]byte{0x00, 0x01}, 2, []float32{64}, nil},
		{"float16", weightSpec{Shape: []int64{2}, Dtype: "float32", Quantization: &quantSpec{Dtype: "float16"}},
			[]byte{0x00, 0x3c, 0x00, 0xc0}, 4, []float32{1, -2}, nil},
		{"uint8 int32", weightSpec{Shape: []int64{2}, Dtype: "int32", Quantization: &quantSpec{Dtype: "uint8", Min: f(-3), Scale: f(1)}},
			[]byte{0, 5}, 2, nil, []int64{-3, 2}},
	}
	for _, c := range cases {
		got, n, err := decodeWeight(c.spec, c.data)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if n != c.size {
			t.Errorf("%s: consumed %d bytes, want %d", c.name, n, c.size)
		}
		if c.f != nil && !reflect.DeepEqual(got.f, c.f) {
			t.Errorf("%s: %v, want %v", c.name, got.f, c.f)
		}
		if c.i != nil && !reflect.DeepEqual(got.i, c.i) {
			t.Errorf("%s: %v, want %v", c.name, got.i, c.i)
		}
	}
	if _, _, err := decodeWeight(weightSpec{Shape: []int64{4}, Dtype: "float32"}, make([]byte, 8)); err == nil {
		t.Error("short shard: want an error")
	}
	if _, _, err := decodeWeight(weightSpec{Shape: []int64{-1, 4}, Dtype: "float32"}, make([]byte, 8)); err == nil {
		t.Error("negative dimension: want an error")
	}
	if _, _, err := decodeWeight(weightSpec{Shape: []int64{1 << 40}, Dtype: "float32"}, make([]byte, 8)); err == nil {
		t.Error("huge shape over a short shard: want an error")
	}
	if _, _, err := decodeWeight(weightSpec{Shape: []int64{1}, Dtype: "complex64"}, make([]byte, 8)); err == nil {
		t.Error("unknown dtype: want an error")
	}
}

// TestLoadWeightsAcrossShards checks that a group's weights run on from
// one shard into the next, and that .min.js shards (a base64 string
// literal) and plain .bin shards are both found from the manifest name.
func TestLoadWeightsAcrossShards(t *testing.T) {
	dir := t.TempDir()
	var all []byte
	for _, v := range []float32{1, 2, 3, 4, 5} {
		all = binary.LittleEndian.AppendUint32(all, math.Float32bits(v))
	}
	js := `!function(e){module.exports=e()}(function(){return{1:[function(e,a,n){a.exports="` + base64.StdEncoding.EncodeToString(all[:6]) + `"},{}]}});`
	if err := os.WriteFile(filepath.Join(dir, "group1-shard1of2.min.js"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "group1-shard2of2.bin"), all[6:], 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := loadWeights(dir, []weightGroup{{
		Paths: []string{"group1-shard1of2", "group1-shard2of2"},
		Weights: []weightSpec{
			{Name: "a", Shape: []int64{2}, Dtype: "float32"},
			{Name: "b", Shape: []int64{3}, Dtype: "float32"},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got["a"].f, []float32{1, 2}) || !reflect.DeepEqual(got["b"].f, []float32{3, 4, 5}) {
		t.Errorf("a=%v b=%v", got["a"].f, got["b"].f)
	}
	if _, err := loadWeights(dir, []weightGroup{{Paths: []string{"missing"}}}); err == nil {
		t.Error("missing shard: want an error")
	}
}
