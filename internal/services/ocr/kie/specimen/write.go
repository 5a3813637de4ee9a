package specimen

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// File is one written specimen image and its truth.
type File struct {
	Path    string            `json:"path"`
	Kind    string            `json:"kind"`
	Variant string            `json:"variant"` // clean or photo
	Valid   bool              `json:"valid"`
	Fields  map[string]string `json:"fields"`
}

// Image renders specimen n of kind as the variant's encoded bytes.
func Image(kind string, n int, variant string) ([]byte, Specimen, error) {
	s, err := Make(kind, n)
	if err != nil {
		return nil, s, err
	}
	page, err := s.Layout.Render()
	if err != nil {
		return nil, s, err
	}
	switch variant {
	case "clean":
		b, err := Clean(page)
		return b, s, err
	case "photo":
		p := PhotoLike(uint64(n)*31 + uint64(len(kind)))
		img, _ := Shoot(page, p)
		b, err := Encode(img, p.Quality)
		return b, s, err
	}
	return nil, s, fmt.Errorf("specimen: unknown variant %q", variant)
}

// WriteSet writes count specimens of each kind and variant into dir with
// an index.json of their truths.
func WriteSet(dir string, kinds []string, count int) ([]File, error) {
	var out []File
	for _, k := range kinds {
		for n := 0; n < count; n++ {
			for _, v := range []string{"clean", "photo"} {
				b, s, err := Image(k, n, v)
				if err != nil {
					return nil, err
				}
				ext := map[string]string{"clean": ".png", "photo": ".jpg"}[v]
				p := filepath.Join(dir, fmt.Sprintf("%s-%03d-%s%s", k, n, v, ext))
				if err := os.WriteFile(p, b, 0o644); err != nil {
					return nil, err
				}
				out = append(out, File{Path: p, Kind: k, Variant: v, Valid: s.Valid, Fields: s.Fields})
			}
		}
	}
	idx, _ := json.MarshalIndent(out, "", "  ")
	return out, os.WriteFile(filepath.Join(dir, "index.json"), idx, 0o644)
}
