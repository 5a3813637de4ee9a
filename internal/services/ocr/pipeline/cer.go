package pipeline

// CER is the character error rate of got against want: their edit
// distance over len(want) (1 when want is empty and got is not). Tests and
// the benchmark score recognised text with it.
func CER(got, want []rune) float64 {
	if len(want) == 0 {
		if len(got) == 0 {
			return 0
		}
		return 1
	}
	prev := make([]int, len(got)+1)
	cur := make([]int, len(got)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(want); i++ {
		cur[0] = i
		for j := 1; j <= len(got); j++ {
			c := prev[j-1]
			if want[i-1] != got[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return float64(prev[len(got)]) / float64(len(want))
}
