package imagerec

import (
	"github.com/aisd/aisd/internal/api"
	"github.com/aisd/aisd/internal/services/imagerec/gallery"
)

// DetectorOf exposes the service's detector to the external tests.
func DetectorOf(s *Service) Detector { return s.det }

func LabelsOf(s *Service) []string {
	out := make([]string, len(s.labels))
	for i, l := range s.labels {
		out[i] = l.Class
	}
	return out
}

// CelebrityWithoutFaces is the celebrity handler of a service built by
// New over galleries: it answers until it needs the face models.
func CelebrityWithoutFaces(s *Service, g *gallery.Store) api.Handler {
	s.galleries = g
	return s.celebrity
}
