package pipeline

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/services/ocr/pipeline/groundtruth"
)

func TestZZProbe(t *testing.T) {
	p := testPipeline(t)
	set, err := groundtruth.Set()
	if err != nil {
		t.Fatal(err)
	}
	for _, quick := range []bool{false, true} {
		per := map[string][2]float64{}
		st := time.Now()
		for _, s := range set {
			res, err := p.Run(context.Background(), s.Image, RunOptions{Quick: quick, DetectDirection: true})
			if err != nil {
				t.Logf("%s: %v", s.Name, err)
			}
			var tx []string
			for _, l := range res.Lines {
				tx = append(tx, l.Text)
			}
			e := CER([]rune(strings.Join(tx, "\n")), []rune(strings.Join(s.Lines, "\n")))
			v := per[s.Variant]
			per[s.Variant] = [2]float64{v[0] + e, v[1] + 1}
			if e > 0.05 || strings.HasPrefix(s.Variant, "turn") {
				t.Logf("%v %s dir=%v CER %.3f got %q want %q", quick, s.Name, res.Direction, e, tx, s.Lines)
			}
		}
		var tot, n float64
		for _, v := range groundtruth.Variants() {
			fmt.Printf("quick=%v %s %.4f\n", quick, v, per[v][0]/per[v][1])
			tot += per[v][0]
			n += per[v][1]
		}
		fmt.Printf("quick=%v ALL %.4f %v\n", quick, tot/n, time.Since(st))
	}
}
