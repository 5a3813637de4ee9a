package kie

import (
	"context"
	"image/color"
	"testing"

	"github.com/aisd/aisd/internal/services/ocr/kie/specimen"
)

// TestMaskedNames: masked holders' names keep their stars — on a
// photographed health code whose trailing star the recogniser drops
// (朱*), and on screens printing one, two and inner stars, photographed;
// the star comes back at its place.
func TestMaskedNames(t *testing.T) {
	r := reader(t)
	hc, _ := Builtin("health_code")
	pcr, _ := Builtin("pcr_test_record")
	p, s := readSpecimen(t, r, "health_code", 2, "photo")
	if s.Fields["name"] != "朱*" {
		t.Fatalf("specimen #2's holder is %q: the case is gone", s.Fields["name"])
	}
	if got := Extract(p, hc).Fields["name"]; got == nil || got.Value != "朱*" {
		t.Errorf("health code #2 photo: name %+v, want 朱*", got)
	}
	for i, name := range []string{"朱*", "张**", "欧*明", "王*"} {
		l := specimen.Layout{W: 720, H: 260, BG: color.RGBA{255, 255, 255, 255}}
		l.Texts = append(l.Texts,
			specimen.Text{S: "核酸检测记录", X: 240, Y: 80, Size: 40, Color: color.RGBA{20, 20, 20, 255}},
			specimen.Text{S: "姓名：", X: 60, Y: 160, Size: 28, Color: color.RGBA{110, 110, 110, 255}},
			specimen.Text{S: name, X: 150, Y: 160, Size: 28, Color: color.RGBA{20, 20, 20, 255}},
			specimen.Text{S: "检测结果：阴性", X: 60, Y: 220, Size: 28, Color: color.RGBA{20, 20, 20, 255}})
		page, err := l.Render()
		if err != nil {
			t.Fatal(err)
		}
		ph := specimen.PhotoLike(uint64(40 + i))
		img, _ := specimen.Shoot(page, ph)
		b, err := specimen.Encode(img, ph.Quality)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Read(context.Background(), r, decode(t, b))
		if err != nil {
			t.Fatal(err)
		}
		if got := Extract(p, pcr).Fields["name"]; got == nil || got.Value != name {
			t.Errorf("%s: name %+v", name, got)
		}
	}
}
