package storetest_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/aisd/aisd/internal/store"
	"github.com/aisd/aisd/internal/store/conformance"
	"github.com/aisd/aisd/internal/store/storetest"
)

// Passed through, a Hooked store behaves as the store it wraps.
func TestHookedConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) store.Store {
		return storetest.Hook(storetest.Memory(t), nil)
	})
}

// Every method reaches the hook under its own name with its arguments, and
// returns the hook's error without reaching the store.
func TestHookedReportsEveryMethod(t *testing.T) {
	errHook := errors.New("hooked")
	var got storetest.Call
	h := storetest.Hook(storetest.Memory(t), func(c storetest.Call, next func() error) error {
		got = c
		return errHook
	})
	ctxType := reflect.TypeOf((*context.Context)(nil)).Elem()
	it := reflect.TypeOf((*store.Store)(nil)).Elem()
	v := reflect.ValueOf(h)
	for i := 0; i < it.NumMethod(); i++ {
		m := it.Method(i)
		got = storetest.Call{}
		var args []reflect.Value
		for j := 0; j < m.Type.NumIn(); j++ {
			in := m.Type.In(j)
			if in == ctxType {
				args = append(args, reflect.ValueOf(context.Background()))
			} else {
				args = append(args, reflect.Zero(in))
			}
		}
		out := v.MethodByName(m.Name).Call(args)
		wantArgs := len(args)
		if len(args) > 0 && m.Type.In(0) == ctxType {
			wantArgs--
		}
		if got.Method != m.Name || len(got.Args) != wantArgs {
			t.Errorf("%s reported as %q with %d arguments, want %d", m.Name, got.Method, len(got.Args), wantArgs)
		}
		if err, _ := out[len(out)-1].Interface().(error); err != errHook {
			t.Errorf("%s returned %v, want the hook's error", m.Name, err)
		}
		for _, o := range out[:len(out)-1] {
			if !o.IsZero() {
				t.Errorf("%s returned %v with the hook's error, want zero values", m.Name, o)
			}
		}
		if n := h.Calls(m.Name); n != 1 {
			t.Errorf("%s counted %d calls, want 1", m.Name, n)
		}
	}
}

func TestProjects(t *testing.T) {
	ctx := context.Background()
	st := storetest.Memory(t)
	d := storetest.Projects(t, st, "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210")
	storetest.Projects(t, st) // a second domain does not collide
	ps, err := st.ListProjects(ctx, d.ID, "")
	if err != nil || len(ps) != 2 || ps[0].Name != "cn-north-4" || ps[0].ID != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("projects %+v, %v", ps, err)
	}
	if got, err := st.GetDomain(ctx, d.ID); err != nil || got.State != store.StateActive {
		t.Fatalf("domain %+v, %v", got, err)
	}
}
