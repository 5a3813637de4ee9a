// Command ocr recognises the text of an image with the official Huawei Cloud
// Go SDK, pointed at aisd: only the endpoint differs from a cloud application.
//
//	AISD_ROOT_AK=… AISD_ROOT_SK=… go run ./examples/ocr IMAGE
package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	ocr "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/ocr/v1/model"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: ocr IMAGE")
		os.Exit(2)
	}
	endpoint := os.Getenv("AISD_ENDPOINT")
	if endpoint == "" {
		endpoint = "http://127.0.0.1:8080"
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	auth, err := basic.NewCredentialsBuilder().
		WithAk(os.Getenv("AISD_ROOT_AK")).
		WithSk(os.Getenv("AISD_ROOT_SK")).
		WithIamEndpointOverride(endpoint). // the project id is discovered from aisd's IAM
		SafeBuild()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	hc, err := ocr.OcrClientBuilder().
		WithRegion(region.NewRegion("cn-north-4", endpoint)).
		WithCredential(auth).
		SafeBuild() // errors here (not panics) when aisd is not reachable
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	client := ocr.NewOcrClient(hc)

	img := base64.StdEncoding.EncodeToString(raw)
	resp, err := client.RecognizeGeneralText(&model.RecognizeGeneralTextRequest{
		Body: &model.GeneralTextRequestBody{Image: &img},
	})
	var se *sdkerr.ServiceResponseError
	if errors.As(err, &se) {
		fmt.Fprintf(os.Stderr, "%d %s: %s (request %s)\n", se.StatusCode, se.ErrorCode, se.ErrorMessage, se.RequestId)
		os.Exit(1)
	} else if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, w := range resp.Result.WordsBlockList {
		fmt.Printf("%s\t%.3f\t%v\n", w.Words, w.Confidence, w.Location)
	}
}
