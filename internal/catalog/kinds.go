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

	// Kinds implied by the seed pages, appended after the first set.
	KindForbidden        Kind = "forbidden"             // caller lacks permission for the API
	KindTokenExpired     Kind = "token_expired"         // token well-formed but expired or revoked
	KindTempCredentials  Kind = "temp_credentials"      // temporary AK/SK for the caller could not be obtained
	KindBackendResponse  Kind = "backend_response"      // model back end answered with garbage or hung up
	KindFileType         Kind = "file_type"             // non-image file type not supported
	KindCategory         Kind = "unsupported_category"  // unknown category, scene or service type
	KindColorDepth       Kind = "color_depth"           // colour depth of the image not supported
	KindVideoURL         Kind = "video_url_invalid"     // video URL malformed
	KindVideoConnect     Kind = "video_connect"         // video URL cannot be connected to
	KindVideoSizeUnknown Kind = "video_size_unknown"    // video response carries no size
	KindVideoTooLarge    Kind = "video_too_large"       // video over the size limit (300 MB)
	KindVideoFormat      Kind = "video_format"          // video container not supported
	KindVideoCorrupt     Kind = "video_corrupt"         // video cannot be decoded
	KindVideoDownload    Kind = "video_download"        // video download failed midway
	KindVideoProcess     Kind = "video_process"         // video analysis failed
	KindVideoTooLong     Kind = "video_too_long"        // video over the duration limit (2 h)
	KindVideoResolution  Kind = "video_resolution"      // video sides outside 20–6000 px
	KindIDNotFound       Kind = "id_not_found"          // template_id / classifier_id unknown
	KindTaxAuthority     Kind = "tax_authority"         // upstream tax-authority check failed
	KindTemplateMatch    Kind = "template_match"        // image does not match the template
	KindClassification   Kind = "classification_failed" // classifier matched no template
	KindTemplateArea     Kind = "template_area"         // template has no recognition area
	KindDuplicateIDCard  Kind = "duplicate_id_card"     // two or more ID cards with the same side
)

// AllKinds lists every Kind constant; a test checks it against the
// declarations above so a new kind cannot be left without codes.
var AllKinds = []Kind{
	KindInternal, KindBadJSON, KindBadParam, KindMissingParam, KindMissingHeader,
	KindMethodNotAllowed, KindServiceNotFound, KindNotSubscribed, KindQuotaExhausted,
	KindBodyTooLarge, KindBadBase64, KindURLForbidden, KindURLFetch, KindURLTooLarge,
	KindImageFormat, KindImageSize, KindImageQuality, KindImageEmpty, KindRecognition,
	KindLanguage, KindTokenEmpty, KindTokenParse, KindTokenInvalid, KindTokenScope,
	KindAccountFrozen, KindAccountRestrict, KindProjectMismatch, KindTooManyRequests,
	KindBackendTimeout, KindBackendDown, KindJobForbidden, KindJobNotFound, KindJobLimit,
	KindOBSNoAgency, KindOBSBadURL, KindOBSRead, KindOBSTooLarge, KindOBSNotFound,
	KindForbidden, KindTokenExpired, KindTempCredentials, KindBackendResponse,
	KindFileType, KindCategory, KindColorDepth,
	KindVideoURL, KindVideoConnect, KindVideoSizeUnknown, KindVideoTooLarge,
	KindVideoFormat, KindVideoCorrupt, KindVideoDownload, KindVideoProcess,
	KindVideoTooLong, KindVideoResolution,
	KindIDNotFound, KindTaxAuthority, KindTemplateMatch, KindClassification,
	KindTemplateArea, KindDuplicateIDCard,
}
