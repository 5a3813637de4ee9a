// Package catalogtest holds the assertions tests make about catalog errors.
package catalogtest

import (
	"testing"

	"github.com/aisd/aisd/internal/catalog"
)

// WantKind fails the test unless err's chain holds an error raised with
// kind k; it returns that error.
func WantKind(t testing.TB, err error, k catalog.Kind) *catalog.Error {
	t.Helper()
	e, ok := catalog.From(err)
	if !ok {
		t.Fatalf("error %v is not a catalog error, want kind %s", err, k)
	}
	if e.Kind() != k {
		t.Fatalf("error %v has kind %q, want %s", err, e.Kind(), k)
	}
	return e
}

// WantCode fails the test unless err, answered in family f, has code; it
// returns the rendered answer.
func WantCode(t testing.TB, err error, f catalog.Family, code string) catalog.Rendered {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	r := catalog.Render(err, f)
	if r.Code != code {
		t.Fatalf("error %v answers %s in %s, want %s", err, r.Code, f, code)
	}
	return r
}

// WantAnswer fails the test unless err was raised with kind k and family f
// answers it with the code the catalog maps k to there; it returns the
// rendered answer.
func WantAnswer(t testing.TB, err error, k catalog.Kind, f catalog.Family) catalog.Rendered {
	t.Helper()
	WantKind(t, err, k)
	code, ok := catalog.CodeFor(k, f)
	if !ok {
		t.Fatalf("catalog maps kind %s to no code in %s", k, f)
	}
	return WantCode(t, err, f, code)
}
