package limits

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aisd/aisd/internal/store/sqlite"
)

// Per-project overrides read from the embedded sqlite store's settings.
func TestThrottleSQLiteOverrides(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "aisd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSetting(ctx, "p1", "ratelimit", "3"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetSetting(ctx, "p1", "ratelimit.RunImageTagging", "1"); err != nil {
		t.Fatal(err)
	}
	th := NewThrottle(st, ThrottleOptions{Limit: 10, Now: newClock().Now})
	for _, tc := range []struct {
		project, api string
		want         int
	}{
		{"p1", "RecognizeGeneralText", 3},
		{"p1", "RunImageTagging", 1},
		{"p2", "RecognizeGeneralText", 10},
	} {
		n := 0
		for ; n < 20; n++ {
			if _, err := th.Allow(ctx, "u", tc.project, tc.api); err != nil {
				break
			}
		}
		if n != tc.want {
			t.Errorf("%s %s: %d calls allowed, want %d", tc.project, tc.api, n, tc.want)
		}
	}
}
