package catalogtest_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aisd/aisd/internal/catalog"
	"github.com/aisd/aisd/internal/catalog/catalogtest"
)

// recorder is a testing.TB that records a failure instead of ending the
// test, so the assertions' own failures can be checked.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	panic(r)
}

// run reports the failure message of an assertion, "" when it held.
func run(t *testing.T, assert func(tb testing.TB)) (failed string) {
	r := &recorder{TB: t}
	defer func() {
		if v := recover(); v != nil && v != r {
			panic(v)
		}
		failed = r.failed
	}()
	assert(r)
	return ""
}

func TestAssertions(t *testing.T) {
	quota := catalog.E(catalog.KindQuotaExhausted)
	code, _ := catalog.CodeFor(catalog.KindQuotaExhausted, catalog.FamilyImage)
	for _, tc := range []struct {
		name   string
		assert func(tb testing.TB)
		fails  bool
	}{
		{"kind", func(tb testing.TB) { catalogtest.WantKind(tb, quota, catalog.KindQuotaExhausted) }, false},
		{"other kind", func(tb testing.TB) { catalogtest.WantKind(tb, quota, catalog.KindBadParam) }, true},
		{"not a catalog error", func(tb testing.TB) { catalogtest.WantKind(tb, errors.New("x"), catalog.KindBadParam) }, true},
		{"code", func(tb testing.TB) { catalogtest.WantCode(tb, quota, catalog.FamilyImage, code) }, false},
		{"other code", func(tb testing.TB) { catalogtest.WantCode(tb, quota, catalog.FamilyImage, "AIS.0101") }, true},
		{"no error", func(tb testing.TB) { catalogtest.WantCode(tb, nil, catalog.FamilyImage, code) }, true},
		{"answer", func(tb testing.TB) {
			catalogtest.WantAnswer(tb, quota, catalog.KindQuotaExhausted, catalog.FamilyImage)
		}, false},
		{"answer of another kind", func(tb testing.TB) { catalogtest.WantAnswer(tb, quota, catalog.KindBadParam, catalog.FamilyImage) }, true},
		{"kind without a code in the family", func(tb testing.TB) { catalogtest.WantAnswer(tb, quota, catalog.KindQuotaExhausted, catalog.FamilyAIP) }, true},
	} {
		if failed := run(t, tc.assert); (failed != "") != tc.fails {
			t.Errorf("%s: failed %q, want failure %v", tc.name, failed, tc.fails)
		}
	}
	if r := catalogtest.WantAnswer(t, quota, catalog.KindQuotaExhausted, catalog.FamilyImage); r.Code != code || r.Status != 400 {
		t.Errorf("answer %+v, want %s 400", r, code)
	}
}
