package kie

import (
	"math"
	"strings"

	"github.com/aisd/aisd/internal/services/ocr/pipeline"
)

// Rows joins lines the detector split within one row (a plate read as
// "川D·6" and "6Y2L7"): neighbours on the same row closer than a line
// height become one line, and characters of the right part lying inside
// the left part's box (read twice where the boxes overlap) are dropped.
func Rows(p *Page) []*Line {
	var out []*Line
	used := make([]bool, len(p.Lines))
	frameX := func(box [4]pipeline.Point) float64 { return p.toFrame(centre(box)).X }
	for i, l := range p.Lines {
		if used[i] {
			continue
		}
		used[i] = true
		cur := *l
		for {
			best := -1
			for j, m := range p.Lines {
				if used[j] || math.Abs(m.CY()-cur.CY()) > 0.4*math.Max(m.H(), cur.H()) {
					continue
				}
				if gap := m.X0 - cur.X1; m.X0 > cur.X0 && gap < 0.8*math.Max(m.H(), cur.H()) && (best < 0 || m.X0 < p.Lines[best].X0) {
					best = j
				}
			}
			if best < 0 {
				break
			}
			used[best] = true
			m := p.Lines[best]
			text := m.Text
			var chars []pipeline.Char
			if len(m.Chars) > 0 {
				var sb strings.Builder
				for _, ch := range m.Chars {
					if frameX(ch.Box) < cur.X1 {
						continue
					}
					sb.WriteString(ch.Char)
					chars = append(chars, ch)
				}
				text = sb.String()
			}
			n1, n2 := float64(len(cur.Chars)), float64(len(chars))
			if n1+n2 > 0 {
				cur.Score = (cur.Score*n1 + m.Score*n2) / (n1 + n2)
			}
			cur.Text += text
			cur.Chars = append(append([]pipeline.Char{}, cur.Chars...), chars...)
			cur.Box = union(cur.Box, m.Box)
			cur.X1 = math.Max(cur.X1, m.X1)
			cur.Y0, cur.Y1 = math.Min(cur.Y0, m.Y0), math.Max(cur.Y1, m.Y1)
		}
		out = append(out, &cur)
	}
	return out
}
