package kie

import (
	"testing"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// TestRereadMissedValue: on ID card photo #2 the detector boxes no line
// for the one-character sex 女; the stretch right of its label is read
// again without the detector.
func TestRereadMissedValue(t *testing.T) {
	r := reader(t)
	spec, _ := Builtin("id_card_front")
	p, s := readSpecimen(t, r, "id_card_front", 2, "photo")
	f := Extract(p, spec).Fields["sex"]
	if f == nil || f.Value != s.Fields["sex"] {
		t.Fatalf("sex = %+v, want %q", f, s.Fields["sex"])
	}
	if f.Box == ([4]pipeline.Point{}) || f.Confidence <= 0 {
		t.Errorf("re-read value has no box or confidence: %+v", f)
	}
}

// TestRereadRefusedValue: a value its validator refuses is read again
// around its line. On ID card #1 the detector boxes only the inner square
// of 回, read 口, which is no ethnic group; on the transport certificate
// photo #0 the plate 川JMJ519 is read 川IJMJ519, which no plate is.
func TestRereadRefusedValue(t *testing.T) {
	r := reader(t)
	for _, tc := range []struct {
		kind, variant, field string
		n                    int
	}{
		{"id_card_front", "clean", "ethnicity", 1},
		{"transportation_license", "photo", "vehicle_number", 0},
	} {
		spec, _ := Builtin(tc.kind)
		p, s := readSpecimen(t, r, tc.kind, tc.n, tc.variant)
		f := Extract(p, spec).Fields[tc.field]
		if f == nil || f.Value != s.Fields[tc.field] || f.Valid == nil || !*f.Valid {
			t.Errorf("%s %s #%d: %s = %+v, want %q, valid", tc.kind, tc.variant, tc.n, tc.field, f, s.Fields[tc.field])
		}
	}
}
