package kie

import (
	"context"
	"testing"

	"github.com/aisd/aisd/internal/services/ocr/kie/specimen"
	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// TestRereadMissedValue: on ID card photo #2 the detector boxes no line
// for the one-character sex 女; the stretch right of its label is read
// again without the detector.
func TestRereadMissedValue(t *testing.T) {
	r := reader(t)
	spec, _ := Builtin("id_card_front")
	b, s, err := specimen.Image("id_card_front", 2, "photo")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Read(context.Background(), r, decode(t, b))
	if err != nil {
		t.Fatal(err)
	}
	f := Extract(p, spec).Fields["sex"]
	if f == nil || f.Value != s.Fields["sex"] {
		t.Fatalf("sex = %+v, want %q", f, s.Fields["sex"])
	}
	if f.Box == ([4]pipeline.Point{}) || f.Confidence <= 0 {
		t.Errorf("re-read value has no box or confidence: %+v", f)
	}
}

// TestRereadRefusedValue: on ID card #1 the detector boxes only the inner
// square of 回, read 口, which is no ethnic group; the stretch around it is
// read again and 回 passes.
func TestRereadRefusedValue(t *testing.T) {
	r := reader(t)
	spec, _ := Builtin("id_card_front")
	b, s, err := specimen.Image("id_card_front", 1, "clean")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Read(context.Background(), r, decode(t, b))
	if err != nil {
		t.Fatal(err)
	}
	f := Extract(p, spec).Fields["ethnicity"]
	if f == nil || f.Value != s.Fields["ethnicity"] || f.Valid == nil || !*f.Valid {
		t.Fatalf("ethnicity = %+v, want %q, valid", f, s.Fields["ethnicity"])
	}
}
