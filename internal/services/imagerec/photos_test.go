package imagerec_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/image/v2/model"
)

// packaged reads a sample photo a Debian package ships, in base64.
func packaged(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("AISD_REQUIRE_MODELS") == "1" {
			t.Fatalf("%v (make deps installs the sample photos)", err)
		}
		t.Skipf("%v (make deps installs the sample photos)", err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

const (
	skimage = "/usr/lib/python3/dist-packages/skimage/data/"
	opencv  = "/usr/share/doc/opencv-doc/examples/data/"
)

// TestTaggingPackagedPhotos tags a dozen packaged photos through the SDK
// at the documented defaults (threshold 60, limit 50): the first tag is
// the photo's subject, in zh and en, with its category; photos whose
// subject is no class of the detector (a baboon, a butterfly, a rocket, a
// fish) get no tag rather than a wrong one. Known misses of the COCO
// detector are left out and listed in the README (the skimage cat is
// taken for a dog).
func TestTaggingPackagedPhotos(t *testing.T) {
	cli := serve(t, real(t))
	cases := []struct {
		path   string
		first  []string // en tag, zh tag, en type
		alsoEn []string // other tags expected at the defaults
	}{
		{darknetData + "/dog.jpg", []string{"Bicycle", "自行车", "Vehicle"}, nil},
		{darknetData + "/eagle.jpg", []string{"Bird", "鸟", "Animal"}, nil},
		{darknetData + "/giraffe.jpg", []string{"Giraffe", "长颈鹿", "Animal"}, []string{"Zebra"}},
		{darknetData + "/horses.jpg", []string{"Horse", "马", "Animal"}, nil},
		{darknetData + "/kite.jpg", []string{"Person", "人", "Person"}, []string{"Kite"}},
		{darknetData + "/person.jpg", []string{"Person", "人", "Person"}, nil},
		{skimage + "astronaut.png", []string{"Person", "人", "Person"}, nil},
		{skimage + "camera.png", []string{"Person", "人", "Person"}, nil},
		{skimage + "motorcycle_left.png", []string{"Motorcycle", "摩托车", "Vehicle"}, nil},
		{skimage + "coffee.png", nil, []string{"Cup"}},
		{opencv + "fruits.jpg", []string{"Orange", "橙子", "Food"}, nil},
		{opencv + "messi5.jpg", []string{"Person", "人", "Person"}, nil},
		{opencv + "basketball1.png", []string{"Person", "人", "Person"}, nil},
		{opencv + "baboon.jpg", nil, nil},
		{opencv + "butterfly.jpg", nil, nil},
		{opencv + "HappyFish.jpg", nil, nil},
		{skimage + "rocket.jpg", nil, nil},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			img := packaged(t, c.path)
			resp, err := cli.RunImageTagging(&model.RunImageTaggingRequest{Body: &model.ImageTaggingReq{Image: &img, Language: ptr("en")}})
			if err != nil {
				t.Fatal(err)
			}
			tags := *resp.Result.Tags
			var en []string
			for _, tg := range tags {
				en = append(en, *tg.Tag)
			}
			if c.first == nil && c.alsoEn == nil {
				if len(tags) != 0 {
					t.Fatalf("tags %v for a photo without a detector class", en)
				}
				return
			}
			if c.first != nil {
				if len(tags) == 0 {
					t.Fatal("no tag at the defaults")
				}
				f := tags[0]
				if *f.Tag != c.first[0] || *f.I18nTag.Zh != c.first[1] || *f.Type != c.first[2] {
					t.Fatalf("first tag %s (%s, %s), want %v; all %v", *f.Tag, *f.I18nTag.Zh, *f.Type, c.first, en)
				}
			}
			for _, want := range c.alsoEn {
				if !slices.Contains(en, want) {
					t.Errorf("no %s tag in %v", want, en)
				}
			}
		})
	}
}
