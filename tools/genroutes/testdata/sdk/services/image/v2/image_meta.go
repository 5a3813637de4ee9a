package v2

import (
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/def"
	"net/http"
)

func GenReqDefForRunImageTagging() *def.HttpRequestDef {
	reqDefBuilder := def.NewHttpRequestDefBuilder().
		WithMethod(http.MethodPost).
		WithPath("/v2/{project_id}/image/tagging").
		WithContentType("application/json;charset=UTF-8")
	return reqDefBuilder.Build()
}
