package vision

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/aisd/aisd/internal/engine"
	"github.com/aisd/aisd/internal/models/tfjs"
)

// TestBlazeFaceDarknetPerson runs the back-camera BlazeFace (256 px,
// full-range anchors) on darknet's person.jpg, letterboxed: the one face
// in the picture, the woman's, must come out near the top of her body.
func TestBlazeFaceDarknetPerson(t *testing.T) {
	img := filepath.Join(darknetData, "person.jpg")
	if _, err := os.Stat(img); err != nil {
		t.Skip("darknet sample images not installed (apt-get install darknet)")
	}
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, "blazeface-back", "blazeface-back.json")
	for _, p := range []string{engine.LibPath(root), src} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
				t.Fatalf("%s missing", p)
			}
			t.Skipf("%s not installed (run aisd models install)", p)
		}
	}
	if err := engine.Init(engine.LibPath(root)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "blazeface-back.onnx")
	if err := tfjs.Convert(context.Background(), filepath.Dir(src), filepath.Base(src), out, tfjs.Options{}); err != nil {
		t.Fatal(err)
	}
	m, err := engine.Open(out, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pic, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	in, tr := Tensor(pic, InputSpec{Width: 256, Height: 256, Scale: 2, Offset: -1, Letterbox: true, Fill: [3]uint8{0, 0, 0}})
	outs, err := m.Run(context.Background(), []engine.Tensor{{Shape: []int64{1, 256, 256, 3}, Data: in}})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]float32{}
	for _, o := range outs {
		byName[o.Name] = o.Data
	}
	// Identity/Identity_2: logits and regressors of the 512 anchors of the
	// 16x16 map; Identity_1/Identity_3: the 384 of the 8x8 map.
	logits := append(append([]float32{}, byName["Identity"]...), byName["Identity_1"]...)
	regs := append(append([]float32{}, byName["Identity_2"]...), byName["Identity_3"]...)
	if len(logits) != 896 || len(regs) != 896*16 {
		t.Fatalf("outputs: %d logits, %d regressors", len(logits), len(regs))
	}
	anchors := BlazeFaceAnchors(256, []int{16, 32}, []int{2, 6})
	faces := FaceNMS(DecodeBlazeFace(regs, logits, anchors, 256, 0.5), 0.3, 0)
	if len(faces) == 0 {
		t.Fatal("no face found")
	}
	b := tr.BoxToSource(faces[0].Box)
	t.Logf("%d face(s); best %.2f at %v (source pixels)", len(faces), faces[0].Score, b)
	// The woman stands at x 190..275, head at the top (y 110..175).
	cx, cy := (b.X1+b.X2)/2, (b.Y1+b.Y2)/2
	if cx < 190 || cx > 280 || cy < 100 || cy > 180 {
		t.Errorf("face centre (%.0f,%.0f) is not on the woman's head", cx, cy)
	}
}
