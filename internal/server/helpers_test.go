package server_test

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"

	"github.com/aisd/aisd/internal/server"
)

func httptestServer(t *testing.T, s *server.Server) *httptest.Server {
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(func() { srv.Close(); s.Close() })
	return srv
}

func regionFor(e *env) *region.Region { return region.NewRegion("cn-north-4", e.srv.URL) }

func credFor(t *testing.T, e *env, ak, sk, project string) auth.ICredential {
	t.Helper()
	c, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithProjectId(project).WithIamEndpointOverride(e.srv.URL).SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type codeErr struct {
	status int
	code   string
}

func codeOf(err error) codeErr {
	var se *sdkerr.ServiceResponseError
	if errors.As(err, &se) {
		return codeErr{se.StatusCode, se.ErrorCode}
	}
	return codeErr{}
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }
