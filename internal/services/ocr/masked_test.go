package ocr_test

import (
	"regexp"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"
)

// TestHealthCodeMaskedNumbers: a masked ID number (511610********3776)
// is one blur of stars to the detector, which cuts the line inside it
// and loses stars (身份证号：511610*** and *3776 as two words blocks on
// the photo-like screens). The API still answers the number whole, as
// printed, and the phone number (135****4870) beside it. The specimens
// are ones whose number the detector splits; that the split happened is
// asserted from the words blocks, so the join is what is tested.
func TestHealthCodeMaskedNumbers(t *testing.T) {
	cli := client(t)
	tail := regexp.MustCompile(`^\*+[0-9X]{1,4}$`)
	split := 0
	for _, n := range []int{0, 1} {
		img, truth := specimenB64(t, "health_code", n, "photo")
		r, err := cli.RecognizeHealthCode(&model.RecognizeHealthCodeRequest{Body: &model.HealthCodeRequestBody{Image: img}})
		if err != nil {
			t.Fatalf("#%d: %v", n, err)
		}
		for _, b := range r.Result.WordsBlockList {
			if b.Words != nil && tail.MatchString(*b.Words) {
				split++
			}
		}
		if r.Result.IdcardNumber != truth["idcard_number"] {
			t.Errorf("#%d: idcard_number %q, want %q", n, r.Result.IdcardNumber, truth["idcard_number"])
		}
		if r.Result.PhoneNumber != truth["phone_number"] {
			t.Errorf("#%d: phone_number %q, want %q", n, r.Result.PhoneNumber, truth["phone_number"])
		}
	}
	if split == 0 {
		t.Errorf("no masked number was split into words blocks: the specimens no longer exercise the join")
	}
}
