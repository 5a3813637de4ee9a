package catalog

import (
	"encoding/json"
	"testing"
)

// An error sent across a process boundary renders there as it did where
// it was raised, in every family.
func TestWireRoundTrip(t *testing.T) {
	for _, e := range []*Error{
		E(KindImageFormat),
		E(KindBackendTimeout).WithHeader("Retry-After", "2"),
		New(APIG0201).Variant("timeout"),
		New(ModelArts4302),
		New(APIG0308, 5),
		E(KindBadParam).WithMsg("custom %s", "text"),
	} {
		b, err := json.Marshal(e.ToWire())
		if err != nil {
			t.Fatal(err)
		}
		var w Wire
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatal(err)
		}
		got, ok := FromWire(w)
		if !ok {
			t.Fatalf("%v: not rebuilt from %s", e, b)
		}
		for _, f := range Dialects {
			if got.In(f) != e.In(f) {
				t.Errorf("%v in %s: %+v, want %+v", e, f, got.In(f), e.In(f))
			}
		}
		if got.Kind() != e.Kind() || got.DirectCode() != e.DirectCode() || got.Header.Get("Retry-After") != e.Header.Get("Retry-After") {
			t.Errorf("%v: rebuilt as %v", e, got)
		}
	}
	for _, w := range []Wire{{}, {Kind: "no_such_kind"}, {Code: "NOPE.0001"}} {
		if _, ok := FromWire(w); ok {
			t.Errorf("%+v accepted", w)
		}
	}
}
