package imagerec

// DetectorOf exposes the service's detector to the external tests.
func DetectorOf(s *Service) Detector { return s.det }
