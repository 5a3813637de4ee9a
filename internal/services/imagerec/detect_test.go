package imagerec_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	_ "image/jpeg"
	"strings"
	"sync"
	"testing"

	"github.com/aisd/aisd/internal/models"
	"github.com/aisd/aisd/internal/platform/input"
	"github.com/aisd/aisd/internal/services/imagerec"
)

func decodeB64(t testing.TB, s string) image.Image {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestConcurrentDetect runs the real detector from several goroutines: the
// engine's session pool must give every caller the same answer.
func TestConcurrentDetect(t *testing.T) {
	img := decodeB64(t, darknet(t, "dog.jpg"))
	svc := real(t)
	want, err := imagerec.DetectorOf(svc).Detect(context.Background(), img, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := imagerec.DetectorOf(svc).Detect(context.Background(), img, 0.3)
			if err != nil {
				errs <- err.Error()
				return
			}
			if len(got) != len(want) {
				errs <- "different detection count"
				return
			}
			for k := range got {
				if got[k] != want[k] {
					errs <- "different detections"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestLoadWithoutModels: a models directory without CenterNet is an error
// naming what is missing, not a panic.
func TestLoadWithoutModels(t *testing.T) {
	_, err := imagerec.Load(models.Open(t.TempDir()), input.New(input.Options{}), imagerec.Options{})
	if err == nil || !(strings.Contains(err.Error(), "onnxruntime") || strings.Contains(err.Error(), "centernet")) {
		t.Fatalf("Load on an empty models directory: %v", err)
	}
}

func BenchmarkDetectDog(b *testing.B) {
	svc := real(b)
	img := decodeB64(b, darknet(b, "dog.jpg"))
	det := imagerec.DetectorOf(svc)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := det.Detect(context.Background(), img, 0.3); err != nil {
			b.Fatal(err)
		}
	}
}
