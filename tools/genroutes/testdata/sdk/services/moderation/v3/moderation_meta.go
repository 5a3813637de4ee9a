package v3

import (
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/def"
	"net/http"
)

func GenReqDefForRunQueryVideoModerationJob() *def.HttpRequestDef {
	reqDefBuilder := def.NewHttpRequestDefBuilder().
		WithMethod(http.MethodGet).
		WithPath("/v3/{project_id}/moderation/video/jobs/{job_id}").
		WithContentType("application/json")

	reqDefBuilder.WithRequestField(def.NewFieldDef().
		WithName("JobId").
		WithJsonTag("job_id").
		WithLocationType(def.Path))

	return reqDefBuilder.Build()
}

func GenReqDefForRunCreateVideoModerationJob() *def.HttpRequestDef {
	reqDefBuilder := def.NewHttpRequestDefBuilder().
		WithMethod("post").
		WithPath("/v3/{project_id}/moderation/video/jobs").
		WithContentType("application/json")
	return reqDefBuilder.Build()
}
