package server_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/aisd/aisd/internal/server"
)

func httptestServer(t *testing.T, s *server.Server) *httptest.Server {
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); s.Close() })
	return srv
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }
