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

// openConverted converts an installed TFJS source model and opens it,
// skipping when it or ONNX Runtime is not installed.
func openConverted(t *testing.T, name, file string) *engine.Model {
	t.Helper()
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, name, file)
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
	out := filepath.Join(t.TempDir(), name+".onnx")
	if err := tfjs.Convert(context.Background(), filepath.Dir(src), file, out, tfjs.Options{}); err != nil {
		t.Fatal(err)
	}
	m, err := engine.Open(out, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// darknetImage loads one of Debian darknet's sample images, skipping when
// the package is not installed.
func darknetImage(t *testing.T, name string) image.Image {
	t.Helper()
	f, err := os.Open(filepath.Join(darknetData, name))
	if err != nil {
		t.Skip("darknet sample images not installed (apt-get install darknet)")
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// findFaces runs the back-camera BlazeFace (256 px, full-range anchors)
// on img letterboxed, returning faces in source pixels, best first.
func findFaces(t *testing.T, img image.Image) []Face {
	t.Helper()
	m := openConverted(t, "blazeface-back", "blazeface-back.json")
	in, tr := Tensor(img, InputSpec{Width: 256, Height: 256, Scale: 2, Offset: -1, Letterbox: true})
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
	for k := range faces {
		faces[k].Box = tr.BoxToSource(faces[k].Box)
		for p := range faces[k].Keypoints {
			x, y := tr.ToSource(float64(faces[k].Keypoints[p][0]), float64(faces[k].Keypoints[p][1]))
			faces[k].Keypoints[p] = [2]float32{float32(x), float32(y)}
		}
	}
	return faces
}

// TestBlazeFaceDarknetPerson: the one face in darknet's person.jpg, the
// woman's, must come out on top of her body.
func TestBlazeFaceDarknetPerson(t *testing.T) {
	img := darknetImage(t, "person.jpg")
	faces := findFaces(t, img)
	if len(faces) == 0 {
		t.Fatal("no face found")
	}
	b := faces[0].Box
	t.Logf("%d face(s); best %.2f at %v", len(faces), faces[0].Score, b)
	// The woman stands at x 190..275, head at the top (y 110..175).
	cx, cy := (b.X1+b.X2)/2, (b.Y1+b.Y2)/2
	if cx < 190 || cx > 280 || cy < 100 || cy > 180 {
		t.Errorf("face centre (%.0f,%.0f) is not on the woman's head", cx, cy)
	}
	// The nose keypoint lies inside the face box.
	if n := faces[0].Keypoints[2]; n[0] < b.X1 || n[0] > b.X2 || n[1] < b.Y1 || n[1] > b.Y2 {
		t.Errorf("nose %v outside the face box %v", n, b)
	}
}

// TestFaceDescriptorSimilarity embeds the woman's face with faceres
// (224 px, pixel values 0..255, the 1024-d global pooling descriptor) from
// two slightly different crops and compares with crops of the dog and the
// horse: the same face must be much closer to itself than to either.
func TestFaceDescriptorSimilarity(t *testing.T) {
	img := darknetImage(t, "person.jpg")
	faces := findFaces(t, img)
	if len(faces) == 0 {
		t.Fatal("no face found")
	}
	m := openConverted(t, "faceres", "faceres.json")
	embed := func(b Box, margin float64) []float32 {
		in, _ := Tensor(Crop(img, b, margin, true), InputSpec{Width: 224, Height: 224, Scale: 255})
		outs, err := m.Run(context.Background(), []engine.Tensor{{Shape: []int64{1, 224, 224, 3}, Data: in}})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range outs {
			if o.Name == "global_pooling/Mean" {
				return o.Data
			}
		}
		t.Fatal("no global_pooling/Mean output")
		return nil
	}
	face := faces[0].Box
	shifted := face
	shifted.X1, shifted.X2 = shifted.X1+1, shifted.X2+1
	a, b := embed(face, 0.2), embed(shifted, 0.25)
	dog := embed(Box{90, 270, 130, 310}, 0)    // the dog's head
	horse := embed(Box{480, 140, 530, 190}, 0) // the horse's head
	same, vsDog, vsHorse := Cosine(a, b), Cosine(a, dog), Cosine(a, horse)
	t.Logf("cosine: same face %.3f, dog %.3f, horse %.3f", same, vsDog, vsHorse)
	if same < 0.8 || vsDog > same-0.3 || vsHorse > same-0.3 {
		t.Errorf("same face %.3f is not clearly closer than dog %.3f / horse %.3f", same, vsDog, vsHorse)
	}
}

// TestMediaPipeBlazeFaceONNX runs the BlazeFace that ships as ONNX
// (blazeface-mediapipe, back camera) through the same decoder: it must
// find the woman's face in person.jpg where the converted model does.
func TestMediaPipeBlazeFaceONNX(t *testing.T) {
	img := darknetImage(t, "person.jpg")
	root, err := engine.ModelsRoot()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "blazeface-mediapipe", "face_detection_back_256x256_barracuda.onnx")
	for _, p := range []string{engine.LibPath(root), path} {
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
	m, err := engine.Open(path, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	in, tr := Tensor(img, InputSpec{Width: 256, Height: 256, Scale: 2, Offset: -1, Letterbox: true})
	outs, err := m.Run(context.Background(), []engine.Tensor{{Shape: []int64{1, 256, 256, 3}, Data: in}})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]float32{}
	for _, o := range outs {
		byName[o.Name] = o.Data
	}
	logits := append(append([]float32{}, byName["Identity:0"]...), byName["Identity_1:0"]...)
	regs := append(append([]float32{}, byName["Identity_2:0"]...), byName["Identity_3:0"]...)
	faces := FaceNMS(DecodeBlazeFace(regs, logits, BlazeFaceAnchors(256, []int{16, 32}, []int{2, 6}), 256, 0.5), 0.3, 0)
	if len(faces) == 0 {
		t.Fatal("no face found")
	}
	b := tr.BoxToSource(faces[0].Box)
	t.Logf("%d face(s); best %.2f at %v", len(faces), faces[0].Score, b)
	if cx, cy := (b.X1+b.X2)/2, (b.Y1+b.Y2)/2; cx < 190 || cx > 280 || cy < 100 || cy > 180 {
		t.Errorf("face centre (%.0f,%.0f) is not on the woman's head", cx, cy)
	}
}
