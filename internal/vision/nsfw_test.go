package vision

import (
	"context"
	"testing"

	"github.com/aisd/aisd/internal/engine"
)

// TestNSFWDarknetImages classifies darknet's sample pictures with the
// nsfwjs MobileNet v2 (RGB/255, 224 px): none is flagged, all are Neutral.
// (Munch's Scream is Neutral too: this model's Drawing class means
// illustrations, and its score on the painting is no higher than on some
// photos, so nothing is asserted about it.)
func TestNSFWDarknetImages(t *testing.T) {
	darknetImage(t, "dog.jpg") // skips when the images are absent
	m := openConverted(t, "nsfw-mobilenet-v2", "model.min.js")
	classes := classNames(t, "nsfw-mobilenet-v2")
	for _, file := range []string{"dog.jpg", "horses.jpg", "person.jpg", "giraffe.jpg", "scream.jpg"} {
		img := darknetImage(t, file)
		in, _ := Tensor(img, InputSpec{Width: 224, Height: 224, AlignCorners: true})
		outs, err := m.Run(context.Background(), []engine.Tensor{{Shape: []int64{1, 224, 224, 3}, Data: in}})
		if err != nil {
			t.Fatal(err)
		}
		p := outs[0].Data
		best := 0
		for k := range p {
			if p[k] > p[best] {
				best = k
			}
		}
		t.Logf("%-12s %s %.3f (%s %.3f)", file, classes[best], p[best], classes[0], p[0])
		if classes[best] != "Neutral" {
			t.Errorf("%s: %s (%.2f), want Neutral", file, classes[best], p[best])
		}
	}
}
