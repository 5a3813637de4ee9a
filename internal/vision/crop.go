package vision

import (
	"image"
	"math"
)

// Crop returns the part of img inside box grown by margin (a fraction of
// the box's width and height on every side), made square around the box
// centre when square is set, and clamped to the image. Face models take
// such crops of a detector's box.
func Crop(img image.Image, box Box, margin float64, square bool) image.Image {
	src := rgba(img)
	w := float64(box.X2-box.X1) * (1 + 2*margin)
	h := float64(box.Y2-box.Y1) * (1 + 2*margin)
	if square {
		w = math.Max(w, h)
		h = w
	}
	cx := float64(box.X1+box.X2) / 2
	cy := float64(box.Y1+box.Y2) / 2
	r := image.Rect(int(math.Floor(cx-w/2)), int(math.Floor(cy-h/2)), int(math.Ceil(cx+w/2)), int(math.Ceil(cy+h/2)))
	r = r.Intersect(src.Rect)
	if r.Empty() {
		return image.NewRGBA(image.Rect(0, 0, 1, 1))
	}
	return src.SubImage(r)
}
