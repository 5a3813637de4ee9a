package catalog

// Kind is a semantic error condition independent of the service family. The
// family-specific code for each kind lives in catalog.yaml under "kinds".
type Kind string

// The kinds raised by aisd's platform and services.
const (
	KindInternal         Kind = "internal"           // unexpected failure inside the service
	KindBadJSON          Kind = "bad_json"           // body is not valid JSON
	KindBadParam         Kind = "bad_param"          // a parameter has a wrong value or type
	KindMissingParam     Kind = "missing_param"      // a mandatory parameter is absent
	KindMissingHeader    Kind = "missing_header"     // a mandatory header is absent
	KindMethodNotAllowed Kind = "method_not_allowed" // route exists, method does not
	KindServiceNotFound  Kind = "service_not_found"  // route exists, service not started
	KindNotSubscribed    Kind = "not_subscribed"     // project has not subscribed to the API
	KindQuotaExhausted   Kind = "quota_exhausted"    // free allowance used up on an unpaid account
	KindBodyTooLarge     Kind = "body_too_large"     // body over the service limit (10 MB)
	KindBadBase64        Kind = "bad_base64"         // image field is not valid base64
	KindURLForbidden     Kind = "url_forbidden"      // url points at a refused address
	KindURLFetch         Kind = "url_fetch"          // url could not be downloaded
	KindURLTooLarge      Kind = "url_too_large"      // downloaded object exceeds the limit
	KindImageFormat      Kind = "image_format"       // format not supported by the API
	KindImageSize        Kind = "image_size"         // side or pixel count out of range
	KindImageQuality     Kind = "image_quality"      // damaged or unreadable image
	KindImageEmpty       Kind = "image_empty"        // empty input
	KindRecognition      Kind = "recognition_failed" // the engine itself failed
	KindLanguage         Kind = "language"           // unsupported language
	KindTokenEmpty       Kind = "token_empty"        // X-Auth-Token header empty
	KindTokenParse       Kind = "token_parse"        // token cannot be parsed
	KindTokenInvalid     Kind = "token_invalid"      // token parsed but not valid
	KindTokenScope       Kind = "token_scope"        // domain token where a project token is required
	KindAccountFrozen    Kind = "account_frozen"     // account frozen for arrears
	KindAccountRestrict  Kind = "account_restricted" // account restricted
	KindProjectMismatch  Kind = "project_mismatch"   // project in URL differs from the credential's
	KindTooManyRequests  Kind = "too_many_requests"  // in-flight limit reached
	KindBackendTimeout   Kind = "backend_timeout"    // model call overran its deadline
	KindBackendDown      Kind = "backend_down"       // circuit breaker open
	KindJobForbidden     Kind = "job_forbidden"      // job belongs to another user
	KindJobNotFound      Kind = "job_not_found"      // job unknown or expired
	KindJobLimit         Kind = "job_limit"          // too many unfinished jobs
	KindOBSNoAgency      Kind = "obs_no_agency"      // project did not grant the service access to OBS
	KindOBSBadURL        Kind = "obs_bad_url"        // malformed OBS URL
	KindOBSRead          Kind = "obs_read"           // object could not be read
	KindOBSTooLarge      Kind = "obs_too_large"      // object exceeds the limit
	KindOBSNotFound      Kind = "obs_not_found"      // object does not exist
)
