package openapi

import (
	"net/http"

	"github.com/aisd/aisd/internal/admin"
	"github.com/aisd/aisd/internal/platform/fault"
	"github.com/aisd/aisd/internal/platform/infer"
	"github.com/aisd/aisd/internal/platform/quota"
	"github.com/aisd/aisd/internal/platform/subscription"
	"github.com/aisd/aisd/internal/services/imagerec/gallery"
	"github.com/aisd/aisd/internal/services/moderation"
	"github.com/aisd/aisd/internal/services/ocr/template"
)

// Endpoint is one management API. Body and Resp are values whose types
// describe the request and answer bodies (nil: none, or a free object).
type Endpoint struct {
	Method, Path, ID, Tag, Summary string
	Auth                           bool
	Query                          []string
	Status                         int
	Body, Resp                     any
}

// Request bodies of the admin API (the handlers decode them into local
// structs of the same shape).
type (
	nameBody struct {
		Name string `json:"name"`
	}
	domainCreate struct {
		Name string `json:"name"`
		Paid bool   `json:"paid,omitempty"`
	}
	stateBody struct {
		State string `json:"state"`
	}
	paidBody struct {
		Paid bool `json:"paid"`
	}
	userCreate struct {
		Name     string `json:"name"`
		Password string `json:"password"`
		Admin    bool   `json:"admin,omitempty"`
	}
	credentialCreate struct {
		Description string `json:"description,omitempty"`
		Access      string `json:"access,omitempty"`
		Secret      string `json:"secret,omitempty"`
	}
	grantedBody struct {
		Granted bool `json:"granted"`
	}
	valueBody struct {
		Value string `json:"value"`
	}
	policiesBody struct {
		Policies []string `json:"policies"`
	}
	faultCreate struct {
		ProjectID string `json:"project_id"`
		API       string `json:"api"`
		Code      string `json:"code,omitempty"`
		Mode      string `json:"mode"`
		Count     int    `json:"count,omitempty"`
		Percent   int    `json:"percent,omitempty"`
		LatencyMS int    `json:"latency_ms,omitempty"`
	}
	glossaryBody struct {
		Name        string   `json:"name"`
		Type        string   `json:"type,omitempty"`
		Suggestion  string   `json:"suggestion,omitempty"`
		Description string   `json:"description,omitempty"`
		Words       []string `json:"words"`
	}
	subscribeBody struct {
		ServiceName string `json:"service_name"`
	}
)

// Answers of the admin API.
type (
	domainList struct {
		Domains []admin.Domain `json:"domains"`
	}
	domainOne struct {
		Domain admin.Domain `json:"domain"`
	}
	domainCreated struct {
		Domain  admin.Domain  `json:"domain"`
		Project admin.Project `json:"project"`
	}
	projectList struct {
		Projects []admin.Project `json:"projects"`
	}
	projectOne struct {
		Project admin.Project `json:"project"`
	}
	userList struct {
		Users []admin.User `json:"users"`
	}
	userOne struct {
		User admin.User `json:"user"`
	}
	credentialList struct {
		Credentials []admin.Credential `json:"credentials"`
	}
	credentialOne struct {
		Credential admin.Credential `json:"credential"`
	}
	settingAnswer struct {
		ProjectID string `json:"project_id"`
		Key       string `json:"key"`
		Value     string `json:"value"`
	}
	agencyAnswer struct {
		ProjectID string `json:"project_id"`
		Service   string `json:"service"`
		Granted   bool   `json:"granted"`
	}
	grantsAnswer struct {
		UserID     string              `json:"user_id"`
		Projects   map[string][]string `json:"projects"`
		Restricted bool                `json:"restricted"`
	}
	adminSubscriptions struct {
		ProjectID string   `json:"project_id"`
		Services  []string `json:"services"`
	}
	agencyCreate struct {
		Name            string   `json:"name"`
		Description     string   `json:"description,omitempty"`
		TrustDomainID   string   `json:"trust_domain_id,omitempty"`
		TrustDomainName string   `json:"trust_domain_name,omitempty"`
		Duration        string   `json:"duration,omitempty"`
		Policies        []string `json:"policies"`
	}
	inferCreate struct {
		Name        string `json:"name"`
		Description string `json:"description,omitempty"`
		Engine      string `json:"engine,omitempty"`
		Model       *struct {
			ONNX    string             `json:"onnx"`
			Inputs  []infer.TensorSpec `json:"inputs"`
			Outputs []infer.TensorSpec `json:"outputs"`
		} `json:"model,omitempty"`
	}
	inferState struct {
		State string `json:"state"`
	}
	adminSubscribed struct {
		ProjectID  string `json:"project_id"`
		Service    string `json:"service"`
		Subscribed bool   `json:"subscribed"`
	}
)

// Management lists every non-service endpoint the server mounts; the
// server's test checks the list against its mux.
var Management = []Endpoint{
	{Method: "POST", Path: "/v3/auth/tokens", ID: "CreateToken", Tag: "iam", Status: http.StatusCreated,
		Summary: "Get an IAM token with a user's password (the token is the X-Subject-Token header)"},
	{Method: "GET", Path: "/v3/projects", ID: "ListProjects", Tag: "iam", Auth: true, Query: []string{"name"},
		Summary: "List the caller's projects"},
	{Method: "POST", Path: "/v3.0/OS-CREDENTIAL/securitytokens", ID: "CreateTemporaryAccessKey", Tag: "iam", Auth: true, Status: http.StatusCreated,
		Summary: "Get temporary credentials (AK, SK and security token) with a token"},
	{Method: "GET", Path: "/v1/error-codes", ID: "ListErrorCodes", Tag: "platform", Query: []string{"service", "lang", "code"},
		Summary: "The error catalog: every code, its status and message"},
	{Method: "GET", Path: "/metrics", ID: "Metrics", Tag: "platform", Summary: "Prometheus metrics"},
	{Method: "GET", Path: "/healthz", ID: "Healthz", Tag: "platform", Summary: "Liveness: the process answers"},
	{Method: "GET", Path: "/readyz", ID: "Readyz", Tag: "platform",
		Summary: "Readiness: 200 when the store (and Redis, when configured) answer, 503 naming what is down"},
	{Method: "GET", Path: "/v1/openapi.json", ID: "OpenAPI", Tag: "platform", Summary: "This document"},

	{Method: "GET", Path: "/v1/admin/domains", ID: "AdminListDomains", Tag: "admin", Auth: true, Resp: domainList{},
		Summary: "List accounts (the root account's administrators see all, others their own)"},
	{Method: "POST", Path: "/v1/admin/domains", ID: "AdminCreateDomain", Tag: "admin", Auth: true, Status: http.StatusCreated, Body: domainCreate{}, Resp: domainCreated{},
		Summary: "Create an account with a project named after the region"},
	{Method: "POST", Path: "/v1/admin/domains/{domain_id}/state", ID: "AdminSetDomainState", Tag: "admin", Auth: true, Body: stateBody{}, Resp: domainOne{},
		Summary: "Freeze, restrict or reactivate an account"},
	{Method: "POST", Path: "/v1/admin/domains/{domain_id}/paid", ID: "AdminSetDomainPaid", Tag: "admin", Auth: true, Body: paidBody{}, Resp: domainOne{},
		Summary: "Mark an account paid (no free-allowance limit) or unpaid"},
	{Method: "GET", Path: "/v1/admin/domains/{domain_id}/projects", ID: "AdminListProjects", Tag: "admin", Auth: true, Query: []string{"name"}, Resp: projectList{},
		Summary: "List a domain's projects"},
	{Method: "POST", Path: "/v1/admin/domains/{domain_id}/projects", ID: "AdminCreateProject", Tag: "admin", Auth: true, Status: http.StatusCreated, Body: nameBody{}, Resp: projectOne{},
		Summary: "Create a project (named like a region)"},
	{Method: "GET", Path: "/v1/admin/domains/{domain_id}/users", ID: "AdminListUsers", Tag: "admin", Auth: true, Resp: userList{},
		Summary: "List a domain's users"},
	{Method: "POST", Path: "/v1/admin/domains/{domain_id}/users", ID: "AdminCreateUser", Tag: "admin", Auth: true, Status: http.StatusCreated, Body: userCreate{}, Resp: userOne{},
		Summary: "Create a user"},
	{Method: "GET", Path: "/v1/admin/users/{user_id}/credentials", ID: "AdminListCredentials", Tag: "admin", Auth: true, Resp: credentialList{},
		Summary: "List a user's access keys"},
	{Method: "POST", Path: "/v1/admin/users/{user_id}/credentials", ID: "AdminCreateCredential", Tag: "admin", Auth: true, Status: http.StatusCreated, Body: credentialCreate{}, Resp: credentialOne{},
		Summary: "Issue an AK/SK (the SK is in this answer only), or register a chosen pair"},
	{Method: "DELETE", Path: "/v1/admin/credentials/{ak}", ID: "AdminDeleteCredential", Tag: "admin", Auth: true, Status: http.StatusNoContent,
		Summary: "Delete an access key"},
	{Method: "PUT", Path: "/v1/admin/projects/{project_id}/agencies/{service}", ID: "AdminSetAgency", Tag: "admin", Auth: true, Body: grantedBody{}, Resp: agencyAnswer{},
		Summary: "Grant or revoke a service's read access to the project's object storage"},
	{Method: "PUT", Path: "/v1/admin/projects/{project_id}/settings/{key}", ID: "AdminSetSetting", Tag: "admin", Auth: true, Body: valueBody{}, Resp: settingAnswer{},
		Summary: "Set a project setting (ratelimit, …); root account only"},
	{Method: "GET", Path: "/v1/admin/projects/{project_id}/settings/{key}", ID: "AdminGetSetting", Tag: "admin", Auth: true, Resp: settingAnswer{},
		Summary: "Read a project setting"},
	{Method: "GET", Path: "/v1/admin/domains/{domain_id}/policies", ID: "AdminListPolicies", Tag: "admin", Auth: true,
		Summary: "List the system policies and the domain's custom ones"},
	{Method: "GET", Path: "/v1/admin/domains/{domain_id}/policies/{name}", ID: "AdminGetPolicy", Tag: "admin", Auth: true,
		Summary: "Show a policy"},
	{Method: "PUT", Path: "/v1/admin/domains/{domain_id}/policies/{name}", ID: "AdminPutPolicy", Tag: "admin", Auth: true,
		Summary: "Create or replace a custom policy"},
	{Method: "DELETE", Path: "/v1/admin/domains/{domain_id}/policies/{name}", ID: "AdminDeletePolicy", Tag: "admin", Auth: true, Status: http.StatusNoContent,
		Summary: "Delete a custom policy no user holds"},
	{Method: "GET", Path: "/v1/admin/users/{user_id}/policies", ID: "AdminGetGrants", Tag: "admin", Auth: true, Resp: grantsAnswer{},
		Summary: "The policies a user holds, by project"},
	{Method: "PUT", Path: "/v1/admin/users/{user_id}/policies/{project_id}", ID: "AdminSetGrants", Tag: "admin", Auth: true, Body: policiesBody{}, Resp: grantsAnswer{},
		Summary: "Set the policies a user holds in a project (\"*\": every project)"},
	{Method: "GET", Path: "/v1/admin/domains/{domain_id}/securitytokens", ID: "AdminListTemporaryCredentials", Tag: "admin", Auth: true,
		Summary: "List the temporary credentials in force"},
	{Method: "DELETE", Path: "/v1/admin/domains/{domain_id}/securitytokens/{ak}", ID: "AdminRevokeTemporaryCredential", Tag: "admin", Auth: true, Status: http.StatusNoContent,
		Summary: "Revoke temporary credentials and every pair obtained with them"},
	{Method: "GET", Path: "/v1/admin/domains/{domain_id}/agencies", ID: "AdminListAgencies", Tag: "admin", Auth: true,
		Summary: "List the account's agencies (assume_role grants to other accounts)"},
	{Method: "POST", Path: "/v1/admin/domains/{domain_id}/agencies", ID: "AdminCreateAgency", Tag: "admin", Auth: true, Status: http.StatusCreated, Body: agencyCreate{},
		Summary: "Let another account act here with the agency's policies"},
	{Method: "GET", Path: "/v1/admin/domains/{domain_id}/agencies/{name}", ID: "AdminGetAgency", Tag: "admin", Auth: true,
		Summary: "Show an agency"},
	{Method: "DELETE", Path: "/v1/admin/domains/{domain_id}/agencies/{name}", ID: "AdminDeleteAgency", Tag: "admin", Auth: true, Status: http.StatusNoContent,
		Summary: "Delete an agency (its temporary credentials end with it)"},
	{Method: "GET", Path: "/v1/admin/projects/{project_id}/infer-services", ID: "AdminListInferServices", Tag: "admin", Auth: true,
		Summary: "List a project's real-time inference services"},
	{Method: "POST", Path: "/v1/admin/projects/{project_id}/infer-services", ID: "AdminCreateInferService", Tag: "admin", Auth: true, Status: http.StatusCreated, Body: inferCreate{}, Resp: infer.Service{},
		Summary: "Serve an installed engine or register an ONNX model at /v1/infers/{service_id}"},
	{Method: "GET", Path: "/v1/admin/projects/{project_id}/infer-services/{service_id}", ID: "AdminGetInferService", Tag: "admin", Auth: true, Resp: infer.Service{},
		Summary: "Show an inference service"},
	{Method: "PATCH", Path: "/v1/admin/projects/{project_id}/infer-services/{service_id}", ID: "AdminSetInferServiceState", Tag: "admin", Auth: true, Body: inferState{}, Resp: infer.Service{},
		Summary: "Stop or start an inference service"},
	{Method: "DELETE", Path: "/v1/admin/projects/{project_id}/infer-services/{service_id}", ID: "AdminDeleteInferService", Tag: "admin", Auth: true, Status: http.StatusNoContent,
		Summary: "Delete an inference service"},
	{Method: "GET", Path: "/v1/admin/me", ID: "AdminWhoAmI", Tag: "admin", Auth: true,
		Summary: "The caller: its user, account, and whether it administers the account or the root account"},
	{Method: "GET", Path: "/v1/admin/usage/errors", ID: "AdminUsageErrors", Tag: "admin", Auth: true, Query: []string{"project_id", "service", "from", "to"},
		Summary: "Failed calls per day, API and error code of a project"},
	{Method: "GET", Path: "/v1/admin/jobs", ID: "AdminListJobs", Tag: "admin", Auth: true, Query: []string{"project_id", "limit"},
		Summary: "A project's asynchronous jobs, newest first (at most limit, 1–100, default 100)"},
	{Method: "GET", Path: "/v1/admin/jobs/{job_id}", ID: "AdminGetJob", Tag: "admin", Auth: true,
		Summary: "An asynchronous job with its result and callback attempts"},
	{Method: "GET", Path: "/v1/admin/usage", ID: "AdminUsage", Tag: "admin", Auth: true, Query: []string{"project_id", "service", "from", "to"}, Resp: quota.UsageView{},
		Summary: "Calls per day and API of a project"},
	{Method: "GET", Path: "/v1/admin/projects/{project_id}/subscriptions", ID: "AdminListSubscriptions", Tag: "admin", Auth: true, Resp: adminSubscriptions{},
		Summary: "A project's subscribed services"},
	{Method: "PUT", Path: "/v1/admin/projects/{project_id}/subscriptions/{service}", ID: "AdminSubscribe", Tag: "admin", Auth: true, Resp: adminSubscribed{},
		Summary: "Subscribe a project to a service"},
	{Method: "DELETE", Path: "/v1/admin/projects/{project_id}/subscriptions/{service}", ID: "AdminUnsubscribe", Tag: "admin", Auth: true, Status: http.StatusNoContent,
		Summary: "Unsubscribe a project from a service"},
	{Method: "GET", Path: "/v1/admin/faults", ID: "AdminListFaults", Tag: "admin", Auth: true, Query: []string{"project_id"}, Resp: fault.ListView{},
		Summary: "List fault-injection rules"},
	{Method: "POST", Path: "/v1/admin/faults", ID: "AdminCreateFault", Tag: "admin", Auth: true, Status: http.StatusCreated, Body: faultCreate{}, Resp: fault.View{},
		Summary: "Make calls of an API fail with a catalog code, or slow them"},
	{Method: "DELETE", Path: "/v1/admin/faults/{id}", ID: "AdminDeleteFault", Tag: "admin", Auth: true, Status: http.StatusNoContent,
		Summary: "Remove a fault-injection rule"},
	{Method: "GET", Path: "/v1/admin/projects/{project_id}/glossaries", ID: "AdminListGlossaries", Tag: "admin", Auth: true, Resp: moderation.GlossaryList{},
		Summary: "List a project's moderation glossaries"},
	{Method: "POST", Path: "/v1/admin/projects/{project_id}/glossaries", ID: "AdminCreateGlossary", Tag: "admin", Auth: true, Status: http.StatusCreated, Body: glossaryBody{}, Resp: moderation.GlossaryView{},
		Summary: "Create a glossary (glossary_names of text moderation)"},
	{Method: "GET", Path: "/v1/admin/projects/{project_id}/glossaries/{name}", ID: "AdminGetGlossary", Tag: "admin", Auth: true, Resp: moderation.GlossaryView{},
		Summary: "Show a glossary with its terms"},
	{Method: "PUT", Path: "/v1/admin/projects/{project_id}/glossaries/{name}", ID: "AdminUpdateGlossary", Tag: "admin", Auth: true, Body: glossaryBody{}, Resp: moderation.GlossaryView{},
		Summary: "Replace a glossary's terms and settings"},
	{Method: "DELETE", Path: "/v1/admin/projects/{project_id}/glossaries/{name}", ID: "AdminDeleteGlossary", Tag: "admin", Auth: true, Status: http.StatusNoContent,
		Summary: "Delete a glossary"},
	{Method: "GET", Path: "/v1/admin/projects/{project_id}/celebrity-galleries", ID: "AdminListGalleries", Tag: "admin", Auth: true, Resp: gallery.ListView{},
		Summary: "List a project's celebrity galleries"},
	{Method: "POST", Path: "/v1/admin/projects/{project_id}/celebrity-galleries", ID: "AdminCreateGallery", Tag: "admin", Auth: true, Status: http.StatusCreated, Body: gallery.CreateRequest{}, Resp: gallery.View{},
		Summary: "Create an empty gallery"},
	{Method: "GET", Path: "/v1/admin/projects/{project_id}/celebrity-galleries/{gallery}", ID: "AdminGetGallery", Tag: "admin", Auth: true, Resp: gallery.View{},
		Summary: "Show a gallery's people"},
	{Method: "DELETE", Path: "/v1/admin/projects/{project_id}/celebrity-galleries/{gallery}", ID: "AdminDeleteGallery", Tag: "admin", Auth: true, Status: http.StatusNoContent,
		Summary: "Delete a gallery and everyone in it"},
	{Method: "POST", Path: "/v1/admin/projects/{project_id}/celebrity-galleries/{gallery}/people", ID: "AdminEnrolPerson", Tag: "admin", Auth: true, Status: http.StatusCreated, Body: gallery.EnrolRequest{}, Resp: gallery.PersonView{},
		Summary: "Enrol a person from face photos (needs the image engine)"},
	{Method: "DELETE", Path: "/v1/admin/projects/{project_id}/celebrity-galleries/{gallery}/people/{label}", ID: "AdminRemovePerson", Tag: "admin", Auth: true, Status: http.StatusNoContent,
		Summary: "Remove a person from a gallery"},
	{Method: "GET", Path: "/v1/admin/projects/{project_id}/ocr-templates", ID: "AdminListTemplates", Tag: "admin", Auth: true, Resp: template.TemplateList{},
		Summary: "List a project's custom OCR templates"},
	{Method: "POST", Path: "/v1/admin/projects/{project_id}/ocr-templates", ID: "AdminCreateTemplate", Tag: "admin", Auth: true, Status: http.StatusCreated, Body: template.CreateTemplate{}, Resp: template.TemplateView{},
		Summary: "Create a custom OCR template"},
	{Method: "GET", Path: "/v1/admin/projects/{project_id}/ocr-templates/{id}", ID: "AdminGetTemplate", Tag: "admin", Auth: true, Resp: template.TemplateView{},
		Summary: "Show a template with its reference image"},
	{Method: "DELETE", Path: "/v1/admin/projects/{project_id}/ocr-templates/{id}", ID: "AdminDeleteTemplate", Tag: "admin", Auth: true, Status: http.StatusNoContent,
		Summary: "Delete a template no classifier uses"},
	{Method: "GET", Path: "/v1/admin/projects/{project_id}/ocr-classifiers", ID: "AdminListClassifiers", Tag: "admin", Auth: true, Resp: template.ClassifierList{},
		Summary: "List a project's OCR classifiers"},
	{Method: "POST", Path: "/v1/admin/projects/{project_id}/ocr-classifiers", ID: "AdminCreateClassifier", Tag: "admin", Auth: true, Status: http.StatusCreated, Body: template.CreateClassifier{}, Resp: template.ClassifierView{},
		Summary: "Create a classifier over templates"},
	{Method: "GET", Path: "/v1/admin/projects/{project_id}/ocr-classifiers/{id}", ID: "AdminGetClassifier", Tag: "admin", Auth: true, Resp: template.ClassifierView{},
		Summary: "Show a classifier"},
	{Method: "DELETE", Path: "/v1/admin/projects/{project_id}/ocr-classifiers/{id}", ID: "AdminDeleteClassifier", Tag: "admin", Auth: true, Status: http.StatusNoContent,
		Summary: "Delete a classifier (its templates stay)"},

	{Method: "GET", Path: "/v1/{project_id}/subscriptions", ID: "ListSubscriptions", Tag: "subscriptions", Auth: true, Query: []string{"limit", "offset"}, Resp: subscription.ListView{},
		Summary: "The caller's project's subscriptions"},
	{Method: "POST", Path: "/v1/{project_id}/subscriptions", ID: "Subscribe", Tag: "subscriptions", Auth: true, Body: subscribeBody{}, Resp: subscription.View{},
		Summary: "Subscribe the caller's project to a service"},
	{Method: "DELETE", Path: "/v1/{project_id}/subscriptions/{service_name}", ID: "Unsubscribe", Tag: "subscriptions", Auth: true, Status: http.StatusNoContent,
		Summary: "Unsubscribe the caller's project from a service"},
}
