package api

import (
	"context"
	"testing"

	"github.com/aisd/aisd/internal/catalog"
)

// WithRequest carries the id and the family in one value; a WithFamily
// inside it (a route that declares its own) still wins.
func TestWithRequest(t *testing.T) {
	ctx := WithRequest(context.Background(), "rid1", catalog.FamilyOCR)
	if got := RequestID(ctx); got != "rid1" {
		t.Errorf("RequestID = %q, want rid1", got)
	}
	if got := FamilyOf(ctx); got != catalog.FamilyOCR {
		t.Errorf("FamilyOf = %v, want OCR", got)
	}
	inner := WithFamily(ctx, catalog.FamilyModeration)
	if got := FamilyOf(inner); got != catalog.FamilyModeration {
		t.Errorf("FamilyOf after WithFamily = %v, want Moderation", got)
	}
	if got := RequestID(inner); got != "rid1" {
		t.Errorf("RequestID after WithFamily = %q", got)
	}
	plain := WithRequestID(context.Background(), "rid2")
	if RequestID(plain) != "rid2" || FamilyOf(plain) != catalog.FamilyAIP {
		t.Errorf("WithRequestID: id %q family %v", RequestID(plain), FamilyOf(plain))
	}
}
