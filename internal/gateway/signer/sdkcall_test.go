package signer_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer/algorithm"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"

	"github.com/aisd/aisd/internal/gateway/signer"
	"github.com/aisd/aisd/internal/sdktest"
)

// verifyingServer answers 200 {} to requests that verify under the secret
// keys it knows and 401 otherwise, reporting each verification result.
func verifyingServer(t *testing.T, keys map[string]string) (*httptest.Server, <-chan error) {
	t.Helper()
	results := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := func() error {
			if r.URL.Path != "/v2/"+testProject+"/ocr/general-text" {
				return errors.New("unexpected path " + r.URL.Path)
			}
			a, err := signer.Parse(r)
			if err != nil {
				return err
			}
			sk, ok := keys[a.AK]
			if !ok {
				return errors.New("unknown AK")
			}
			return signer.Verify(r, body, a, sk, time.Now())
		}()
		results <- err
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-1")
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail"}`)
			return
		}
		io.WriteString(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	return srv, results
}

func TestRealSDKCall(t *testing.T) {
	srv, results := verifyingServer(t, map[string]string{testAK: testSK})
	call := func(sk string, alg algorithm.SigningAlgorithm) error {
		client := sdktest.OCR(t, srv.URL, testAK, sk, testProject, sdktest.Signing(alg))
		img := "aGVsbG8gd29ybGQ="
		_, err := client.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{
			Body: &model.GeneralTextRequestBody{Image: &img},
		})
		return err
	}

	for _, alg := range []algorithm.SigningAlgorithm{algorithm.HmacSHA256, algorithm.HmacSM3} {
		if err := call(testSK, alg); err != nil {
			t.Fatalf("%s: correctly signed call failed: %v", alg, err)
		}
		if err := <-results; err != nil {
			t.Fatalf("%s: server-side verification of a correct call: %v", alg, err)
		}

		err := call("not-the-secret-key", alg)
		if se := sdktest.ErrOf(t, err); se.StatusCode != http.StatusUnauthorized || se.ErrorCode != "APIG.0301" || se.RequestId != "req-1" {
			t.Fatalf("%s: wrong SK: got %+v, want 401 APIG.0301 with request id req-1", alg, se)
		}
		if err := <-results; !errors.Is(err, signer.ErrSignature) {
			t.Fatalf("%s: server-side verification with a wrong SK = %v, want ErrSignature", alg, err)
		}
	}
}
