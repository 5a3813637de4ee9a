package imagerec_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/aisd/aisd/internal/platform/imagecheck"
	"github.com/aisd/aisd/internal/services/imagerec"
	"github.com/aisd/aisd/internal/services/imagerec/labels"
)

type calibrationSet struct {
	Photos []struct {
		Path     string   `yaml:"path"`
		Subjects []string `yaml:"subjects"`
	} `yaml:"photos"`
}

// TestCalibrationFit refits the tag confidence calibration on the
// reviewed photo set and checks the shipped weights are that fit (-update
// rewrites labels/calibration.yaml), and that the fit is a useful one: it
// ranks subjects over non-subjects.
func TestCalibrationFit(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "calibration.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var set calibrationSet
	if err := yaml.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	svc := real(t)
	det, classes := imagerec.DetectorOf(svc), imagerec.LabelsOf(svc)
	shipped, err := labels.DefaultCalibration()
	if err != nil {
		t.Fatal(err)
	}
	var samples []labels.Sample
	for _, p := range set.Photos {
		data, err := os.ReadFile(p.Path)
		if err != nil {
			if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
				t.Fatalf("%v (make deps installs the sample photos)", err)
			}
			t.Skipf("%v (make deps installs the sample photos)", err)
		}
		ck, err := imagecheck.Check(data, imagecheck.Spec{})
		if err != nil {
			t.Fatal(err)
		}
		dets, err := det.Detect(context.Background(), ck.Image, 0.1)
		if err != nil {
			t.Fatal(err)
		}
		order, byClass := imagerec.ByClass(dets)
		for _, c := range order {
			f := imagerec.TagEvidence(byClass[c], ck.Image.Bounds(), shipped.CountFloor)
			samples = append(samples, labels.Sample{Features: f, Subject: slices.Contains(p.Subjects, classes[c])})
		}
	}
	fit := labels.Fit(samples, shipped.CountFloor)
	if *update {
		out := fmt.Sprintf(`# Tag confidence calibration (see calibration.go): fitted by
# TestCalibrationFit (internal/services/imagerec, -update rewrites this
# file) on the reviewed photos of testdata/calibration.yaml.
bias: %.3f
score: %.3f
log_area: %.3f
log_count: %.3f
count_floor: %g
`, fit.Bias, fit.Score, fit.LogArea, fit.LogCount, fit.CountFloor)
		if err := os.WriteFile(filepath.Join("labels", "calibration.yaml"), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		shipped = fit
	}
	for _, w := range [][3]any{{"bias", fit.Bias, shipped.Bias}, {"score", fit.Score, shipped.Score}, {"log_area", fit.LogArea, shipped.LogArea}, {"log_count", fit.LogCount, shipped.LogCount}} {
		if math.Abs(w[1].(float64)-w[2].(float64)) > 0.01 {
			t.Errorf("%s: fit %.3f, shipped %.3f (go test -run TestCalibrationFit -update)", w[0], w[1], w[2])
		}
	}
	// Ranking quality: the share of (subject, non-subject) pairs ordered
	// right (the area under the ROC curve).
	var right, pairs float64
	for _, a := range samples {
		if !a.Subject {
			continue
		}
		for _, b := range samples {
			if b.Subject {
				continue
			}
			pairs++
			switch ca, cb := shipped.Confidence(a.Features), shipped.Confidence(b.Features); {
			case ca > cb:
				right++
			case ca == cb:
				right += 0.5
			}
		}
	}
	auc := right / pairs
	t.Logf("%d candidates, %d photos, AUC %.3f", len(samples), len(set.Photos), auc)
	if auc < 0.9 {
		t.Fatalf("calibration ranks subjects over the rest in only %.1f%% of pairs", 100*auc)
	}
}
