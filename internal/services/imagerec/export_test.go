package imagerec

// DetectorOf exposes the service's detector to the external tests.
func DetectorOf(s *Service) Detector { return s.det }

func LabelsOf(s *Service) []string {
	out := make([]string, len(s.labels))
	for i, l := range s.labels {
		out[i] = l.Class
	}
	return out
}
