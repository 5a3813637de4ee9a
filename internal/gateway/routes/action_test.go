package routes

import "testing"

func TestAction(t *testing.T) {
	want := map[string]string{
		"RunTextModeration":          "moderation:text:create",
		"BatchCheckImageSync":        "moderation:imageBatch:create",
		"RunQueryVideoModerationJob": "moderation:video:get",
		"RecognizeGeneralText":       "ocr:generalText:create",
		"RunImageTagging":            "image:tagging:create",
	}
	seen := 0
	for _, r := range table {
		a := r.Action()
		if w, ok := want[r.Operation]; ok {
			seen++
			if a != w {
				t.Errorf("%s: action %q, want %q", r.Operation, a, w)
			}
		}
		if err := validAction(a); err != nil {
			t.Errorf("%s: %v", r.Operation, err)
		}
	}
	if seen != len(want) {
		t.Fatalf("found %d of the %d operations", seen, len(want))
	}
}

// validAction mirrors the policy grammar's action syntax (iam.Policy):
// three non-empty segments of letters and digits.
func validAction(a string) error {
	n, seg := 0, 0
	for i := 0; i <= len(a); i++ {
		if i == len(a) || a[i] == ':' {
			if seg == 0 {
				return errEmpty(a)
			}
			n, seg = n+1, 0
			continue
		}
		c := a[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return errEmpty(a)
		}
		seg++
	}
	if n != 3 {
		return errEmpty(a)
	}
	return nil
}

type errEmpty string

func (e errEmpty) Error() string { return "malformed action " + string(e) }
