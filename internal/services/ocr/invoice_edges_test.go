package ocr_test

import "testing"

// TestInvoiceDroppedGlyphs: photo-like specimens on which the recogniser
// drops a line's first glyph answer the printed value all the same — the
// leading '*' of a VAT goods name (*餐饮服务*餐费 read 餐饮服务*餐费), and
// a toll receipt's 出口 read 口, which left the exit unlabelled.
func TestInvoiceDroppedGlyphs(t *testing.T) {
	cli := client(t)
	for _, tc := range []struct {
		kind  string
		n     int
		field string
	}{
		{"vat_invoice", 2, "item_list.0.name"},
		{"vat_invoice", 3, "item_list.0.name"},
		{"toll_invoice", 2, "exit"},
	} {
		img, truth := specimenB64(t, tc.kind, tc.n, "photo")
		res, err := docCalls[tc.kind](cli, *img)
		if err != nil {
			t.Fatalf("%s #%d: %v", tc.kind, tc.n, err)
		}
		if got := flat(res)[tc.field]; got != truth[tc.field] {
			t.Errorf("%s #%d: %s = %q, want %q", tc.kind, tc.n, tc.field, got, truth[tc.field])
		}
	}
}
