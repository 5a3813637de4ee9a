package raster

import "testing"

func maskOf(rows ...string) *Mask {
	m := NewMask(len(rows[0]), len(rows))
	for y, r := range rows {
		for x, c := range r {
			m.Pix[y*m.W+x] = c == '#'
		}
	}
	return m
}

func (m *Mask) String() string {
	b := make([]byte, 0, (m.W+1)*m.H)
	for y := 0; y < m.H; y++ {
		for x := 0; x < m.W; x++ {
			if m.Pix[y*m.W+x] {
				b = append(b, '#')
			} else {
				b = append(b, '.')
			}
		}
		b = append(b, '\n')
	}
	return string(b)
}

func TestOpenKeepsLongRuns(t *testing.T) {
	m := maskOf(
		"#####.##.#",
		"##.###.###",
		"#.#.#.#.#.",
	)
	if got, want := m.OpenH(4, 0).String(), maskOf("#####.....", "..........", "..........").String(); got != want {
		t.Errorf("OpenH(4,0):\n%s want\n%s", got, want)
	}
	// With one-pixel gaps bridged (and filled) every row is one run.
	if got, want := m.OpenH(4, 1).String(), maskOf("##########", "##########", "#########.").String(); got != want {
		t.Errorf("OpenH(4,1):\n%s want\n%s", got, want)
	}
	if got := m.OpenV(3, 0).String(); got != maskOf("#...#.....", "#...#.....", "#...#.....").String() {
		t.Errorf("OpenV(3,0):\n%s", got)
	}
}

func TestDilateErode(t *testing.T) {
	m := maskOf(".....", ".....", "..#..", ".....", ".....")
	d := m.Dilate(1)
	if d.String() != maskOf(".....", ".###.", ".###.", ".###.", ".....").String() {
		t.Errorf("dilate:\n%s", d)
	}
	if e := d.Erode(1); e.String() != m.String() {
		t.Errorf("erode:\n%s", e)
	}
}

func TestComponents(t *testing.T) {
	m := maskOf("##..#", "#...#", "...#.", "#....")
	cs := m.Components(2, false)
	if len(cs) != 2 || cs[0].Area != 3 || cs[1].Area != 3 || cs[1].Box != (Rect{3, 0, 5, 3}) {
		t.Errorf("components %+v", cs)
	}
}

func TestAdaptive(t *testing.T) {
	g := &Gray{W: 9, H: 9, Pix: make([]uint8, 81)}
	for i := range g.Pix {
		g.Pix[i] = 200
	}
	g.Pix[4*9+4] = 40
	m := Adaptive(g, 3, 20)
	n := 0
	for _, v := range m.Pix {
		if v {
			n++
		}
	}
	if n != 1 || !m.At(4, 4) {
		t.Errorf("adaptive:\n%s", m)
	}
}
