package tfjs

import (
	"encoding/json"
	"testing"
)

// FuzzExportedLiteral: the browserify wrapper parser must never panic or
// hang on any bytes a model package ships.
func FuzzExportedLiteral(f *testing.F) {
	for _, s := range []string{
		`module.exports = {"format":"graph-model","modelTopology":{"node":[]},"weightsManifest":[]};`,
		`module.exports={a:[1,2.5e3,-0x10,'s\'q',"d\"q",true,null,{b:{}}]}`,
		`var m = "QUJD"; module.exports = m;`,
		`module.exports = "QUJDRA==";`,
		`module.exports = {`,
		`module.exports = [[[[[[[[[[`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		_, _ = exportedLiteral(src)
	})
}

// FuzzDecodeWeight: a weight spec and shard bytes from a model package are
// untrusted; decoding must fail cleanly, never panic or allocate beyond the
// shard, and use exactly the bytes it reports.
func FuzzDecodeWeight(f *testing.F) {
	f.Add(`{"name":"w","shape":[2,2],"dtype":"float32"}`, make([]byte, 16))
	f.Add(`{"name":"q","shape":[3],"dtype":"float32","quantization":{"dtype":"uint8","min":-1,"scale":0.5}}`, []byte{0, 1, 2})
	f.Add(`{"name":"h","shape":[2],"dtype":"float32","quantization":{"dtype":"float16"}}`, []byte{0, 60, 0, 188})
	f.Add(`{"name":"i","shape":[1],"dtype":"int32"}`, []byte{1, 0, 0, 0})
	f.Add(`{"name":"b","shape":[4],"dtype":"bool"}`, []byte{1, 0, 1, 0})
	f.Add(`{"name":"big","shape":[4294967296,4294967296,4],"dtype":"float32"}`, []byte{1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, spec string, b []byte) {
		var w weightSpec
		if json.Unmarshal([]byte(spec), &w) != nil {
			return
		}
		tt, n, err := decodeWeight(w, b)
		if err != nil {
			return
		}
		if n < 0 || n > len(b) {
			t.Fatalf("used %d bytes of %d", n, len(b))
		}
		if got, want := int64(len(tt.f)+len(tt.i)), numel(w.Shape); got != want {
			t.Fatalf("decoded %d values for shape %v", got, w.Shape)
		}
	})
}
