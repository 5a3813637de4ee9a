package kie

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aisd/aisd/internal/services/ocr/kie/geom"
	"github.com/aisd/aisd/internal/services/ocr/kie/specimen"
)

// card draws a light card with dark bars (text-like) and no fonts.
func card(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(m, m.Bounds(), image.NewUniform(color.RGBA{236, 240, 244, 255}), image.Point{}, draw.Src)
	for y := 60; y < h-40; y += 60 {
		draw.Draw(m, image.Rect(60, y, w/2+y%200, y+24), image.NewUniform(color.RGBA{20, 20, 20, 255}), image.Point{}, draw.Src)
	}
	return m
}

// TestFindCard: on photo-like shots (rotation, perspective, blur, uneven
// light, noise) the card's corners are found within 1 % of its size; a
// scan without a contrasting margin has none.
func TestFindCard(t *testing.T) {
	page := card(856, 540)
	for seed := uint64(0); seed < 6; seed++ {
		ph := specimen.PhotoLike(seed)
		shot, want := specimen.Shoot(page, ph)
		q, ok := FindCard(shot)
		if !ok {
			t.Errorf("seed %d (angle %.1f°): no card found", seed, ph.Angle)
			continue
		}
		for i := range q {
			if d := math.Hypot(q[i].X-want[i].X, q[i].Y-want[i].Y); d > 0.01*856 {
				t.Errorf("seed %d corner %d: %v, want %v (%.1f px off)", seed, i, q[i], want[i], d)
			}
		}
		w, back, ok := WarpCard(shot, q)
		if !ok || w.Bounds().Dx() < 800 || w.Bounds().Dy() < 500 {
			t.Fatalf("seed %d: warp %v %v", seed, ok, w.Bounds())
		}
		// The warped image's inner corner maps back onto the card's.
		m := 0.03 * float64(w.Bounds().Dx()-0) / 1.06
		if p := back.Apply(geom.Pt{X: m, Y: m}); math.Hypot(p.X-q[0].X, p.Y-q[0].Y) > 3 {
			t.Errorf("seed %d: warped origin maps to %v, card corner %v", seed, p, q[0])
		}
	}
	// Two cards on one desk: neither is rectified alone.
	desk := image.NewRGBA(image.Rect(0, 0, 2000, 800))
	draw.Draw(desk, desk.Bounds(), image.NewUniform(color.RGBA{120, 100, 80, 255}), image.Point{}, draw.Src)
	draw.Draw(desk, image.Rect(60, 100, 916, 640), card(856, 540), image.Point{}, draw.Src)
	draw.Draw(desk, image.Rect(1040, 120, 1896, 660), card(856, 540), image.Point{}, draw.Src)
	if q, ok := FindCard(desk); ok {
		t.Errorf("two cards: one found at %v", q)
	}
	scan := image.NewRGBA(image.Rect(0, 0, 900, 600))
	draw.Draw(scan, scan.Bounds(), image.NewUniform(color.RGBA{250, 250, 250, 255}), image.Point{}, draw.Src)
	draw.Draw(scan, image.Rect(22, 30, 878, 570), card(856, 540), image.Point{}, draw.Src)
	if q, ok := FindCard(scan); ok && !square(q) {
		t.Errorf("scan: card %v found tilted", q)
	}
}

// TestWarpAccuracy compares the fields read right on photo-like
// specimens with and without the whole-card warp; AISD_WARP_REPORT=N
// measures N specimens per type and prints the table of
// docs/benchmarks-docs.md (without it, one per type, and the warp must
// not lose fields overall).
func TestWarpAccuracy(t *testing.T) {
	r := reader(t)
	n := 1
	if v := os.Getenv("AISD_WARP_REPORT"); v != "" {
		fmt.Sscan(v, &n)
	}
	defer func(v bool) { WarpCards = v }(WarpCards)
	var rows []string
	tot := [2]int{}
	all := 0
	for _, kind := range specimen.Kinds {
		if kind == "license_plate" {
			continue
		}
		if slices.Contains(specimen.InvoiceKinds, kind) {
			continue // read by the invoice engine over these specs (package ocr: its SDK tests and bench-docs)
		}
		name := kind
		if s, ok := specFor[kind]; ok {
			name = s
		}
		sp, _ := Builtin(name)
		var right [2]int
		total, warped := 0, 0
		for i := 0; i < n; i++ {
			b, s, err := specimen.Image(kind, i, "photo")
			if err != nil {
				t.Fatal(err)
			}
			img := decode(t, b)
			for k, on := range []bool{false, true} {
				WarpCards = on
				p, err := Read(context.Background(), r, img)
				if err != nil {
					t.Fatal(err)
				}
				if on && p.Warped {
					warped++
				}
				res := Extract(p, sp)
				for f, want := range s.Fields {
					if kind == "bankcard" && f != "card_number" && f != "expiry_date" {
						continue
					}
					if k == 0 {
						total++
					}
					if got := res.Fields[f]; got != nil && got.Value == want {
						right[k]++
					}
				}
			}
		}
		tot[0] += right[0]
		tot[1] += right[1]
		all += total
		rows = append(rows, fmt.Sprintf("| %s | %d/%d | %.1f %% | %.1f %% |", kind, warped, n,
			100*float64(right[0])/float64(max(total, 1)), 100*float64(right[1])/float64(max(total, 1))))
	}
	rows = append(rows, fmt.Sprintf("| all | | %.1f %% | %.1f %% |", 100*float64(tot[0])/float64(all), 100*float64(tot[1])/float64(all)))
	t.Logf("\n| type | warped | without warp | with warp |\n| --- | --- | --- | --- |\n%s", strings.Join(rows, "\n"))
	if tot[1] < tot[0] {
		t.Errorf("the warp loses fields: %d right with it, %d without", tot[1], tot[0])
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDocType reads one photo-like specimen per document type per
// iteration (decode, card warp, detection, recognition, orientation,
// extraction: the engine's whole work for a call) and reports its CPU
// time beside the wall time, which other load on the machine inflates.
//
//	go test -run NONE -bench DocType -benchtime 5x ./internal/services/ocr/kie
func BenchmarkDocType(b *testing.B) {
	r := reader(b)
	for _, kind := range specimen.Kinds {
		name := kind
		if s, ok := specFor[kind]; ok {
			name = s
		}
		sp, ok := Builtin(name)
		if !ok {
			continue // plates: read by the plate finder
		}
		data, _, err := specimen.Image(kind, 0, "photo")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(kind, func(b *testing.B) {
			c0 := cpuTime()
			for i := 0; i < b.N; i++ {
				p, err := Read(context.Background(), r, decode(b, data))
				if err != nil {
					b.Fatal(err)
				}
				_ = Extract(p, sp)
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}
